"""The commands' bodies, kept out of patcher.cli so `patcher --help` need not import the analysis."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import typer
from rich.console import Console
from rich.markup import escape

from patcher.analyse import BY_BASELINE, Selection
from patcher.config import Config, load_config
from patcher.containment import boundary
from patcher.emit import Target, check_paths, targets, write_file, write_targets
from patcher.failures import os_failure
from patcher.findings import Applicability, Severity
from patcher.kustomize_check import check_kustomize
from patcher.plan import Plan, make_plan
from patcher.progress import DelayedProgress
from patcher.registry import all_rules
from patcher.render.diff import render_diff
from patcher.render.formats import Report
from patcher.render.rules import render_rule_doc, render_rule_docs, render_rules, render_rules_json
from patcher.rule_patterns import expand, split, suggestion
from patcher.source import PatcherError
from patcher.suppress import Baseline, read_baseline, render_baseline
from patcher.validate import command_line_location
from patcher.writer import write_changes

if TYPE_CHECKING:
    from patcher.cli import Run


def plan_for(run: Run, err: Console) -> Plan:
    root = run.path.resolve()
    if not root.is_dir():
        what = "not a folder" if root.exists() else "no such folder"
        raise PatcherError(f"{what}: {run.path}", hint="give the repository's folder")
    config = load_config(root)
    if run.schema_location is not None:
        config = config.override("schema-location", command_line_location(run.schema_location))
    for option, given in (("--rule", run.rule), ("--skip", run.skip)):
        if given and not split(given):  # `--rule ''` must not quietly mean every rule
            raise PatcherError(f"{option} was given no rule pattern", hint="`patcher rules` lists the rule ids")
    selection = Selection(split(run.rule), split(run.skip), _baseline(run, root, config))
    threshold = Applicability.UNSAFE if run.unsafe_fixes else Applicability.SAFE
    with DelayedProgress(err) as progress:
        return make_plan(root, config, selection, threshold, progress=progress.update)


def _baseline(run: Run, root: Path, config: Config) -> Baseline | None:
    """--baseline (relative to the current folder), else the settings' (relative to the repository)."""
    if run.baseline is not None:
        return read_baseline(run.baseline, str(run.baseline))
    if config["baseline"]:
        return read_baseline(root / config["baseline"], config["baseline"], boundary(root))
    return None


def _exit_code(run: Run, result: Plan, findings) -> int:
    """0 clean, 1 findings at or above --fail-on or files that could not be read cleanly."""
    if run.exit_zero:
        return 0
    lowest = Severity[run.fail_on.name.upper()] if run.fail_on else Severity.RECOMMENDED
    failing = any(f.severity >= lowest for f in findings)
    return 1 if failing or any(d.level != "note" for d in result.diagnostics) else 0


def _fail(err: Console, exc: PatcherError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(2)


Show = Callable[[Report, Console, Console], None]


def execute(run: Run, show: Show, writes: bool = False) -> None:
    """Plan (and for apply, write), then report to every destination; exit with the code."""
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    written = False
    try:
        chosen: tuple[Target, ...] = targets(run.formats, run.output_files)
        if run.write_baseline is not None:
            check_paths([str(run.write_baseline)] + [t.path for t in chosen if t.path != "-"])
        result = plan_for(run, err)
        if writes:
            built = check_kustomize(result.root, result.changes)
            write_changes(result.root, result.changes)
            written = True
            result = result.written()
            for note in filter(None, (built.skipped, *built.notes)):
                err.print(f"note: {note}", markup=False, soft_wrap=True)
        if run.write_baseline is not None:
            recorded = list(result.findings) + [f for f, why in result.hidden if why == BY_BASELINE]
            write_file(str(run.write_baseline), render_baseline(recorded))
            err.print(f"baseline: {len(recorded)} findings recorded in {run.write_baseline}",
                      markup=False, soft_wrap=True)
        report = Report(result, render_diff(result.changes) if result.changes else "", run.statistics)
        if writes or not (run.formats or any(t.path == "-" for t in chosen)):
            show(report, out, err)  # apply's goes to stderr only, so it never competes with a format
        write_targets(chosen, report)
    except PatcherError as exc:
        _fail(err, exc)
    except OSError as exc:  # the machine's: a full disk or temporary folder, a read-only folder
        _fail(err, os_failure(exc, written))
    raise typer.Exit(_exit_code(run, result, result.remaining if writes else result.findings))


RULE_LISTS = {"text": render_rules, "markdown": render_rule_docs, "json": render_rules_json}


def list_rules(format: str) -> None:
    sys.stdout.write(RULE_LISTS[format](all_rules()))


def show_rule(rule_id: str) -> None:
    known = all_rules()
    chosen = expand([rule_id], [r.id for r in known])
    if not chosen:
        Console(stderr=True).print(f"error: unknown rule '{rule_id}'{suggestion(rule_id, [r.id for r in known])}"
                                   "\n  hint: `patcher rules` lists the rule ids", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    sys.stdout.write("\n".join(render_rule_doc(r) for r in known if r.id in chosen))
