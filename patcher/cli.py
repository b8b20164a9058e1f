"""The command line: thin commands over plan, render and write."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from patcher import __version__
from patcher.analyse import Selection
from patcher.config import load_config
from patcher.findings import Applicability
from patcher.kustomize_check import check_kustomize
from patcher.plan import Plan, make_plan
from patcher.progress import DelayedProgress
from patcher.registry import all_rules
from patcher.render.data import render_json
from patcher.render.diff import render_diff
from patcher.render.markdown import render_markdown
from patcher.render.rules import render_rule_docs, render_rules
from patcher.render.sarif import render_sarif
from patcher.render.text import render_findings, summary
from patcher.source import PatcherError
from patcher.validate import command_line_location
from patcher.writer import write_changes

app = typer.Typer(no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
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


PathArg = Annotated[Path, typer.Argument(help="Repository to read (default: the current folder).",
                                         show_default=False)]
RuleOpt = Annotated[Optional[list[str]], typer.Option("--rule", "-r", help="Run only this rule (repeatable).")]
SkipOpt = Annotated[Optional[list[str]], typer.Option("--skip", "-s", help="Do not run this rule (repeatable).")]
UnsafeOpt = Annotated[bool, typer.Option("--unsafe-fixes", help="Also apply fixes marked unsafe.")]
SchemaOpt = Annotated[Optional[str], typer.Option(
    "--schema-location", help="Custom-resource schemas: a folder or a URL template (overrides the settings).")]
SCHEMA_RULE = "schema/invalid-resource"


def _plan(path: Path, rule: list[str] | None, skip: list[str] | None, unsafe: bool,
          err: Console, schema_location: str | None = None) -> Plan:
    root = path.resolve()
    if not root.is_dir():
        raise PatcherError(f"no such folder: {path}", hint="give the repository's folder")
    config = load_config(root)
    if schema_location is not None:
        config = config.override("schema-location", command_line_location(schema_location))
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    with DelayedProgress(err) as progress:
        return make_plan(root, config, Selection(tuple(rule or ()), tuple(skip or ())), threshold,
                         progress=progress.update)


def _input_problems(result: Plan) -> bool:
    """Files that could not be read fully count as findings; notes do not."""
    return any(d.level != "note" for d in result.diagnostics)


def _fail(err: Console, exc: PatcherError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def plan(path: PathArg = Path("."), rule: RuleOpt = None, skip: SkipOpt = None,
         unsafe_fixes: UnsafeOpt = False, schema_location: SchemaOpt = None,
         format: Annotated[Optional[Format], typer.Option("--format", "-f", help="Output format.")] = None) -> None:
    """List findings and the diff their fixes would write. Exit 0 clean, 1 findings, 2 error."""
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    try:
        result = _plan(path, rule, skip, unsafe_fixes, err, schema_location)
    except PatcherError as exc:
        _fail(err, exc)
    diff = render_diff(result.changes)
    if format is Format.json:
        sys.stdout.write(render_json(result, diff))
    elif format is Format.sarif:
        sys.stdout.write(render_sarif(result, all_rules()))
    elif format is Format.markdown:
        sys.stdout.write(render_markdown(result, diff))
    elif format is Format.text:
        sys.stdout.write(render_findings(result) + diff)
    elif out.is_terminal:
        out.print(render_findings(result), end="", markup=False, soft_wrap=True)
        if diff:
            out.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
    else:
        err.print(render_findings(result), end="", markup=False, soft_wrap=True)
        sys.stdout.write(diff)
    raise typer.Exit(1 if result.findings or _input_problems(result) else 0)


@app.command()
def apply(path: PathArg = Path("."), rule: RuleOpt = None, skip: SkipOpt = None,
          unsafe_fixes: UnsafeOpt = False, schema_location: SchemaOpt = None) -> None:
    """Write the fixes in place. Exit 0 when nothing is left to fix, 1 when findings remain."""
    err = Console(stderr=True, highlight=False)
    try:
        result = _plan(path, rule, skip, unsafe_fixes, err, schema_location)
        check_kustomize(result.root, result.changes)
        write_changes(result.root, result.changes)
    except PatcherError as exc:
        _fail(err, exc)
    for change in result.changes:
        action = "created" if change.old is None else "deleted" if change.new is None else "updated"
        err.print(f"{action} {change.path}", markup=False, soft_wrap=True)
    err.print(summary(result), markup=False, soft_wrap=True)
    raise typer.Exit(1 if result.remaining or _input_problems(result) else 0)


@app.command()
def validate(path: PathArg = Path("."), schema_location: SchemaOpt = None,
             format: Annotated[Optional[Format], typer.Option("--format", "-f", help="Output format.")] = None) -> None:
    """Check every resource (manifests and rendered charts) against its schema. Exit 0 valid, 1 not, 2 error."""
    err = Console(stderr=True, highlight=False)
    try:
        result = _plan(path, [SCHEMA_RULE], None, False, err, schema_location)
    except PatcherError as exc:
        _fail(err, exc)
    if format is Format.json:
        sys.stdout.write(render_json(result, ""))
    elif format is Format.sarif:
        sys.stdout.write(render_sarif(result, all_rules()))
    elif format is Format.markdown:
        sys.stdout.write(render_markdown(result, ""))
    else:
        sys.stdout.write(render_findings(result))
    raise typer.Exit(1 if result.findings or _input_problems(result) else 0)


@app.command()
def rules(format: Annotated[str, typer.Option("--format", "-f", help="text, or markdown for the rule reference.")] = "text") -> None:
    """List every rule with its id, severity and whether it can fix what it finds."""
    if format not in ("text", "markdown"):
        Console(stderr=True).print(f"error: unknown format '{format}' (text or markdown)", markup=False)
        raise typer.Exit(2)
    sys.stdout.write(render_rules(all_rules()) if format == "text" else render_rule_docs(all_rules()))


def main() -> None:
    app()
