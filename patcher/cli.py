"""The command line: thin commands over plan, render and write."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console
from rich.markup import escape

from patcher import __version__
from patcher.analyse import BY_BASELINE, Selection
from patcher.config import Config, load_config
from patcher.containment import boundary
from patcher.emit import Target, check_paths, show_apply, show_plan, show_validate, targets, write_file, \
    write_targets
from patcher.failures import os_failure
from patcher.findings import Applicability, Severity
from patcher.kustomize_check import check_kustomize
from patcher.overlay.command import run_overlay
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

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
                  pretty_exceptions_enable=False,
                  help="Find and fix broken request routing in kind + Istio + Helm repositories.")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"patcher {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _app(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    pass


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


class FailOn(str, Enum):
    critical = "critical"
    medium = "medium"
    recommended = "recommended"


# Every option is declared once, here, and reused by the commands that take it.
PathArg = Annotated[Path, typer.Argument(help="Repository to read (default: the current folder).",
                                         show_default=False)]
RuleOpt = Annotated[Optional[list[str]], typer.Option(
    "--rule", "-r", metavar="PATTERN", help="Run only these rules: an id, a family (istio) or a glob (istio/*-timeout); "
                         "repeatable or comma-separated.")]
SkipOpt = Annotated[Optional[list[str]], typer.Option(
    "--skip", "-s", metavar="PATTERN", help="Do not run these rules (ids, families or globs; repeatable or comma-separated).")]
UnsafeOpt = Annotated[bool, typer.Option("--unsafe-fixes", help="Also apply fixes marked unsafe.")]
SchemaOpt = Annotated[Optional[str], typer.Option(
    "--schema-location", metavar="LOCATION", help="Custom-resource schemas: a folder or a URL template (overrides the settings).")]
FormatOpt = Annotated[Optional[list[Format]], typer.Option(
    "--format", "-f", help="Write this format to stdout instead of the usual output (repeatable: the others "
                           "need an --output-file).")]
OutputOpt = Annotated[Optional[list[str]], typer.Option(
    "--output-file", metavar="FORMAT=PATH", help="Also write FORMAT (text, json, markdown, sarif) to PATH, "
                                                 "atomically; - is stdout. Repeatable.")]
ExitZeroOpt = Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even with findings (errors still exit 2).")]
FailOnOpt = Annotated[Optional[FailOn], typer.Option(
    "--fail-on", help="The lowest severity that makes the exit code 1 (default: any finding).")]
StatisticsOpt = Annotated[bool, typer.Option("--statistics", help="Count the findings per rule instead of "
                                                                  "listing each.")]
BaselineOpt = Annotated[Optional[Path], typer.Option(
    "--baseline", metavar="FILE", help="Hide the findings this baseline file records (overrides the settings' baseline).")]
WriteBaselineOpt = Annotated[Optional[Path], typer.Option(
    "--write-baseline", metavar="FILE", help="Record the current findings in this file (a baseline for --baseline).")]
SCHEMA_RULE = "schema/invalid-resource"


@dataclass(frozen=True)
class Run:
    """What one plan, apply or validate was asked to do."""

    path: Path
    rule: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    schema_location: str | None = None
    formats: tuple[str, ...] = ()
    output_files: tuple[str, ...] = ()
    exit_zero: bool = False
    fail_on: FailOn | None = None
    statistics: bool = False
    baseline: Path | None = None
    write_baseline: Path | None = None


def _plan(run: Run, err: Console) -> Plan:
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


def _execute(run: Run, show: Show, writes: bool = False) -> None:
    """Plan (and for apply, write), then report to every destination; exit with the code."""
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    written = False
    try:
        chosen: tuple[Target, ...] = targets(run.formats, run.output_files)
        if run.write_baseline is not None:
            check_paths([str(run.write_baseline)] + [t.path for t in chosen if t.path != "-"])
        result = _plan(run, err)
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


@app.command()
def plan(path: PathArg = Path("."), rule: RuleOpt = None, skip: SkipOpt = None,
         unsafe_fixes: UnsafeOpt = False, schema_location: SchemaOpt = None, format: FormatOpt = None,
         output_file: OutputOpt = None, exit_zero: ExitZeroOpt = False, fail_on: FailOnOpt = None,
         statistics: StatisticsOpt = False, baseline: BaselineOpt = None,
         write_baseline: WriteBaselineOpt = None) -> None:
    """List findings and the diff their fixes would write. Exit 0 clean, 1 findings, 2 error."""
    _execute(Run(path, tuple(rule or ()), tuple(skip or ()), unsafe_fixes, schema_location,
                 tuple(f.value for f in format or ()), tuple(output_file or ()), exit_zero, fail_on,
                 statistics, baseline, write_baseline), show_plan)


@app.command()
def apply(path: PathArg = Path("."), rule: RuleOpt = None, skip: SkipOpt = None,
          unsafe_fixes: UnsafeOpt = False, schema_location: SchemaOpt = None, format: FormatOpt = None,
          output_file: OutputOpt = None, exit_zero: ExitZeroOpt = False, fail_on: FailOnOpt = None,
          statistics: StatisticsOpt = False, baseline: BaselineOpt = None) -> None:
    """Write the fixes in place. Exit 0 when nothing is left to fix, 1 when findings remain."""
    _execute(Run(path, tuple(rule or ()), tuple(skip or ()), unsafe_fixes, schema_location,
                 tuple(f.value for f in format or ()), tuple(output_file or ()), exit_zero, fail_on,
                 statistics, baseline), show_apply, writes=True)


@app.command()
def validate(path: PathArg = Path("."), schema_location: SchemaOpt = None, format: FormatOpt = None,
             output_file: OutputOpt = None, exit_zero: ExitZeroOpt = False, fail_on: FailOnOpt = None,
             statistics: StatisticsOpt = False, baseline: BaselineOpt = None) -> None:
    """Check every resource (manifests and rendered charts) against its schema. Exit 0 valid, 1 not, 2 error."""
    _execute(Run(path, (SCHEMA_RULE,), (), False, schema_location, tuple(f.value for f in format or ()),
                 tuple(output_file or ()), exit_zero, fail_on, statistics, baseline), show_validate)


@app.command()
def overlay(path: PathArg = Path("."),
            out: Annotated[Optional[Path], typer.Option("--out", metavar="DIR", help=(
                "Write a Kustomize overlay of the fixes here, over the repository's kustomization "
                "(the repository is not edited)."))] = None,
            post_renderer: Annotated[Optional[Path], typer.Option("--post-renderer", metavar="DIR", help=(
                "Write the fixes to Helm-rendered resources here, with a post-render executable for "
                "`helm install --post-renderer`."))] = None,
            force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder that is not "
                                                               "an overlay patcher wrote.")] = False,
            rule: RuleOpt = None, skip: SkipOpt = None, unsafe_fixes: UnsafeOpt = False,
            schema_location: SchemaOpt = None, baseline: BaselineOpt = None) -> None:
    """Write the fixes as a Kustomize overlay. Exit 0 nothing to write, 1 written, 2 error."""
    run = Run(path, tuple(rule or ()), tuple(skip or ()), unsafe_fixes, schema_location, baseline=baseline)
    raise typer.Exit(run_overlay(lambda err: _plan(run, err), path, out, post_renderer, force,
                                 [*(f"--rule={r}" for r in run.rule), *(f"--skip={s}" for s in run.skip),
                                  *(["--unsafe-fixes"] if unsafe_fixes else [])]))


RULE_LISTS = {"text": render_rules, "markdown": render_rule_docs, "json": render_rules_json}


@app.command()
def rules(format: Annotated[str, typer.Option(
        "--format", "-f", help="text; markdown for the rule reference; json for tools.")] = "text") -> None:
    """List every rule with its id, severity and whether it can fix what it finds."""
    if format not in RULE_LISTS:
        Console(stderr=True).print(f"error: unknown format '{format}' ({', '.join(RULE_LISTS)})", markup=False)
        raise typer.Exit(2)
    sys.stdout.write(RULE_LISTS[format](all_rules()))


@app.command()
def rule(rule_id: Annotated[str, typer.Argument(
        metavar="ID", help="A rule id, or a family or glob to print each of its rules.")]) -> None:
    """Print a rule's documentation: what it finds, why it matters, examples, settings."""
    known = all_rules()
    chosen = expand([rule_id], [r.id for r in known])
    if not chosen:
        Console(stderr=True).print(f"error: unknown rule '{rule_id}'{suggestion(rule_id, [r.id for r in known])}"
                                   "\n  hint: `patcher rules` lists the rule ids", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    sys.stdout.write("\n".join(render_rule_doc(r) for r in known if r.id in chosen))


def main() -> None:
    """The console entry point: a crash is exit 2 with a short message, never a traceback or 1."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        raise SystemExit(130) from None
    except Exception as exc:  # a patcher bug, not the user's mistake: 1 would read as "findings"
        where = _innermost(exc)
        sys.stderr.write(f"error: patcher crashed: {type(exc).__name__}: {exc}{where}\n"
                         "hint: this is a bug in patcher, not in your repository; nothing was written. "
                         "Please report it with the command you ran; `--skip RULE` may work around it\n")
        raise SystemExit(2) from None


def _innermost(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return ""
    return f" (at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno})"
