"""Where reports go: the terminal, stdout and stderr, or files (``--output-file FORMAT=PATH``).

Every destination is checked before any work is done, so a typo in a path costs
nothing; files are written atomically.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rich.console import Console
from rich.syntax import Syntax

from patcher.plan import FIXED, Plan
from patcher.render.formats import FORMATS, Report, listing, render_text
from patcher.render.text import summary
from patcher.rule_patterns import suggestion
from patcher.source import PatcherError
from patcher.writer import write_text

STDOUT = "-"
FORMAT_HINT = "formats: " + ", ".join(FORMATS)
OUTPUT_HINT = "write --output-file FORMAT=PATH, e.g. --output-file sarif=patcher.sarif (PATH - is stdout)"


@dataclass(frozen=True)
class Target:
    format: str
    path: str  # as the user wrote it; "-" is stdout


def targets(formats: Sequence[str], output_files: Sequence[str]) -> tuple[Target, ...]:
    """Each --output-file FORMAT=PATH, then each --format not sent to a file, to stdout."""
    out: list[Target] = []
    for spec in output_files:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise PatcherError(f"--output-file '{spec}' is not FORMAT=PATH", hint=OUTPUT_HINT)
        if name not in FORMATS:
            raise PatcherError(f"--output-file '{spec}': unknown format '{name}'{suggestion(name, FORMATS)}",
                               hint=FORMAT_HINT)
        out.append(Target(name, path))
    named = {t.format for t in out}
    out += [Target(f, STDOUT) for f in dict.fromkeys(formats) if f not in named]
    on_stdout = [t.format for t in out if t.path == STDOUT]
    if len(on_stdout) > 1:
        raise PatcherError(f"only one format can go to stdout, not {' and '.join(on_stdout)}",
                           hint="send the others to files: --output-file FORMAT=PATH")
    check_paths([t.path for t in out if t.path != STDOUT])
    return tuple(out)


def check_paths(paths: Sequence[str]) -> None:
    """Files to be written: each once, in a folder that exists, not a folder itself."""
    seen: set[Path] = set()
    for path in paths:
        full = Path(path).resolve()
        if full in seen:
            raise PatcherError("written twice in one run", path, hint="give each output its own file")
        seen.add(full)
        if full.is_dir():
            raise PatcherError("is a folder, not a file", path, hint="name a file to write")
        if not full.parent.is_dir():
            raise PatcherError(f"folder '{Path(path).parent}' does not exist", path,
                               hint="create the folder first, or write somewhere else")


def write_targets(chosen: Sequence[Target], report: Report) -> None:
    for target in chosen:
        text = FORMATS[target.format](report)
        if target.path == STDOUT:
            sys.stdout.write(text)
        else:
            write_file(target.path, text)


def write_file(path: str, text: str) -> None:
    try:
        write_text(Path(path), text)
    except OSError as exc:
        raise PatcherError(f"cannot write: {exc.strerror or exc}", path) from None


# --- what each command shows when no --format is given ------------------------------------

def show_plan(report: Report, out: Console, err: Console) -> None:
    """On a terminal: findings, the coloured diff, the summary. Piped: the diff alone on
    stdout (so `patcher plan > fixes.patch` is a patch), the rest on stderr."""
    if out.is_terminal:
        out.print(listing(report), end="", markup=False, soft_wrap=True)
        if report.diff:
            out.print(Syntax(report.diff, "diff", theme="ansi_dark", background_color="default"))
        out.print(summary(report.plan), markup=False, soft_wrap=True)
    else:
        err.print(listing(report) + summary(report.plan), markup=False, soft_wrap=True)
        sys.stdout.write(report.diff)


def show_apply(report: Report, out: Console, err: Console) -> None:
    """On stderr: each file written, what is left (every finding not fixed, with its status and
    why; or the counts per rule when asked for), the summary."""
    plan: Plan = report.plan
    if report.statistics:
        err.print(listing(report), end="", markup=False, soft_wrap=True)
    else:
        left = [(f, r) for f, r in zip(plan.findings, plan.results) if r.status != FIXED]
        rest = dataclasses.replace(plan, findings=tuple(f for f, _ in left), results=tuple(r for _, r in left))
        err.print(listing(dataclasses.replace(report, plan=rest)), end="", markup=False, soft_wrap=True)
    for change in plan.changes:
        action = "created" if change.old is None else "deleted" if change.new is None else "updated"
        err.print(f"{action} {change.path}", markup=False, soft_wrap=True)
    err.print(summary(plan), markup=False, soft_wrap=True)


def show_validate(report: Report, out: Console, err: Console) -> None:
    sys.stdout.write(render_text(report))
