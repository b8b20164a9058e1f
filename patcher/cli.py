"""The command line: thin commands over plan, render and write."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from patcher import __version__

# Each command imports patcher.commands (the analysis) when it runs, so that `patcher --help` and
# `--version` do not pay for it; tests/test_startup.py fails on an import added here.


class _Unset:
    """Typer builds a parameter's pydantic coercion before looking at its value, and the group's unset
    flags (--help, --install-completion, --show-completion) are None: that alone imported pydantic and
    cost `patcher plan --help` a third of its time. None coerces to None without it (typer's
    RuntimeParam.coerce), so the real coercion is built only for a value. This leans on typer's
    internals (pinned in pyproject.toml); tests/test_startup.py notices if an upgrade undoes it."""

    def coerce(self, value, param, ctx):
        if value is None and not (param.multiple or param.nargs == -1):
            return None
        from typer._coercion import build_runtime_param
        param._runtime_param = build_runtime_param(param.type_descriptor)
        return param._runtime_param.coerce(value, param=param, ctx=ctx)


class _Group(TyperGroup):
    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "_runtime_param", False) is None:
                param._runtime_param = _Unset()
        return params


app = typer.Typer(cls=_Group, no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
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


@app.command()
def plan(path: PathArg = Path("."), rule: RuleOpt = None, skip: SkipOpt = None,
         unsafe_fixes: UnsafeOpt = False, schema_location: SchemaOpt = None, format: FormatOpt = None,
         output_file: OutputOpt = None, exit_zero: ExitZeroOpt = False, fail_on: FailOnOpt = None,
         statistics: StatisticsOpt = False, baseline: BaselineOpt = None,
         write_baseline: WriteBaselineOpt = None) -> None:
    """List findings and the diff their fixes would write. Exit 0 clean, 1 findings, 2 error."""
    from patcher.commands import execute
    from patcher.emit import show_plan
    execute(Run(path, tuple(rule or ()), tuple(skip or ()), unsafe_fixes, schema_location,
                tuple(f.value for f in format or ()), tuple(output_file or ()), exit_zero, fail_on,
                statistics, baseline, write_baseline), show_plan)


@app.command()
def apply(path: PathArg = Path("."), rule: RuleOpt = None, skip: SkipOpt = None,
          unsafe_fixes: UnsafeOpt = False, schema_location: SchemaOpt = None, format: FormatOpt = None,
          output_file: OutputOpt = None, exit_zero: ExitZeroOpt = False, fail_on: FailOnOpt = None,
          statistics: StatisticsOpt = False, baseline: BaselineOpt = None) -> None:
    """Write the fixes in place. Exit 0 when nothing is left to fix, 1 when findings remain."""
    from patcher.commands import execute
    from patcher.emit import show_apply
    execute(Run(path, tuple(rule or ()), tuple(skip or ()), unsafe_fixes, schema_location,
                tuple(f.value for f in format or ()), tuple(output_file or ()), exit_zero, fail_on,
                statistics, baseline), show_apply, writes=True)


@app.command()
def validate(path: PathArg = Path("."), schema_location: SchemaOpt = None, format: FormatOpt = None,
             output_file: OutputOpt = None, exit_zero: ExitZeroOpt = False, fail_on: FailOnOpt = None,
             statistics: StatisticsOpt = False, baseline: BaselineOpt = None) -> None:
    """Check every resource (manifests and rendered charts) against its schema. Exit 0 valid, 1 not, 2 error."""
    from patcher.commands import execute
    from patcher.emit import show_validate
    execute(Run(path, (SCHEMA_RULE,), (), False, schema_location, tuple(f.value for f in format or ()),
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
    from patcher.commands import plan_for
    from patcher.overlay.command import run_overlay
    run = Run(path, tuple(rule or ()), tuple(skip or ()), unsafe_fixes, schema_location, baseline=baseline)
    raise typer.Exit(run_overlay(lambda err: plan_for(run, err), path, out, post_renderer, force,
                                 [*(f"--rule={r}" for r in run.rule), *(f"--skip={s}" for s in run.skip),
                                  *(["--unsafe-fixes"] if unsafe_fixes else [])]))


class PrFormat(str, Enum):
    text = "text"
    json = "json"


class Strategy(str, Enum):
    inplace = "inplace"
    overlay = "overlay"


@app.command()
def pr(path: PathArg = Path("."),
       remote: Annotated[str, typer.Option("--remote", help="The git remote to push to and plan from.")] = "origin",
       base: Annotated[Optional[str], typer.Option("--base", metavar="BRANCH", help=(
           "The branch the pull requests target (default: the remote's default branch)."))] = None,
       single: Annotated[bool, typer.Option("--single", help="One pull request with every fix, not one per rule.")] = False,
       strategy: Annotated[Strategy, typer.Option("--strategy", help=(
           "inplace: edit the files, one pull request per rule; overlay: one pull request adding a Kustomize "
           "overlay of the fixes (see --overlay-dir)."))] = Strategy.inplace,
       overlay_dir: Annotated[str, typer.Option("--overlay-dir", metavar="DIR", help=(
           "Where --strategy overlay writes the overlay, inside the repository."))] = "overlays/patcher",
       dry_run: Annotated[bool, typer.Option("--dry-run", help=(
           "Build the branches in a temporary clone and print each pull request; push nothing, call no API."))] = False,
       rule: RuleOpt = None, skip: SkipOpt = None, unsafe_fixes: UnsafeOpt = False,
       schema_location: SchemaOpt = None, baseline: BaselineOpt = None,
       label: Annotated[Optional[list[str]], typer.Option("--label", metavar="NAME", help=(
           "Label the pull requests opened (repeatable; adds to the settings' pull-requests.labels)."))] = None,
       reviewer: Annotated[Optional[list[str]], typer.Option("--reviewer", metavar="LOGIN", help=(
           "Request a review of each pull request opened (repeatable)."))] = None,
       close_stale: Annotated[bool, typer.Option("--close-stale", help=(
           "Close patcher's pull requests whose fix is no longer needed (else they are only reported)."))] = False,
       github_repo: Annotated[Optional[str], typer.Option("--github-repo", metavar="OWNER/NAME", help=(
           "The GitHub repository (default: read from the remote's URL)."))] = None,
       api_url: Annotated[Optional[str], typer.Option("--api-url", metavar="URL", help=(
           "The GitHub API (default: $GITHUB_API_URL, else api.github.com or https://HOST/api/v3)."))] = None,
       template: Annotated[Optional[Path], typer.Option("--template", metavar="FILE", help=(
           "A jinja2 template for the title (first line) and body (default: the settings', else patcher's)."))] = None,
       format: Annotated[PrFormat, typer.Option("--format", "-f", help="text, or json for tools.")] = PrFormat.text) -> None:
    """Open a pull request per rule (stacked where one needs another), planned on the base branch.
    The token comes from GITHUB_TOKEN or GH_TOKEN. Exit 0 done, 2 error."""
    from rich.console import Console
    from patcher.pr.entry import pr_command
    raise typer.Exit(pr_command(dict(
        path=path, remote=remote, base=base, single=single, dry_run=dry_run, rule=tuple(rule or ()),
        skip=tuple(skip or ()), unsafe_fixes=unsafe_fixes, schema_location=schema_location, baseline=baseline,
        labels=tuple(label or ()), reviewers=tuple(reviewer or ()), close_stale=close_stale,
        github_repo=github_repo, api_url=api_url, template=template, format=format.value,
        strategy=strategy.value, overlay_dir=overlay_dir)))


class ReportFormat(str, Enum):
    markdown = "markdown"
    html = "html"


@app.command()
def report(path: PathArg = Path("."),
           format: Annotated[ReportFormat, typer.Option("--format", "-f", help=(
               "markdown (with Mermaid diagrams), or html: one self-contained page."))] = ReportFormat.markdown,
           out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FILE", help=(
               "Write the review here (default: standard output)."))] = None,
           comment: Annotated[bool, typer.Option("--comment", help=(
               "Fit the Markdown into a pull-request comment (65,536 characters): the flows that work "
               "on one line each, long lists cut to their first items."))] = False,
           rule: RuleOpt = None, skip: SkipOpt = None, unsafe_fixes: UnsafeOpt = False,
           schema_location: SchemaOpt = None, baseline: BaselineOpt = None) -> None:
    """Write the routing review: the architecture diagram, port mappings, Service ports, a trace of every
    entry point, the findings and the fix checklist. Exit 0 written, 2 error."""
    from patcher.commands import plan_for
    from patcher.report.command import run_report
    run = Run(path, tuple(rule or ()), tuple(skip or ()), unsafe_fixes, schema_location, baseline=baseline)
    raise typer.Exit(run_report(lambda err: plan_for(run, err), format.value, out, comment))


RULE_FORMATS = ("text", "markdown", "json")  # patcher.commands.RULE_LISTS renders each


@app.command()
def rules(format: Annotated[str, typer.Option(
        "--format", "-f", help="text; markdown for the rule reference; json for tools.")] = "text") -> None:
    """List every rule with its id, severity and whether it can fix what it finds."""
    if format not in RULE_FORMATS:
        from rich.console import Console
        Console(stderr=True).print(f"error: unknown format '{format}' ({', '.join(RULE_FORMATS)})", markup=False)
        raise typer.Exit(2)
    from patcher.commands import list_rules
    list_rules(format)


@app.command()
def rule(rule_id: Annotated[str, typer.Argument(
        metavar="ID", help="A rule id, or a family or glob to print each of its rules.")]) -> None:
    """Print a rule's documentation: what it finds, why it matters, examples, settings."""
    from patcher.commands import show_rule
    show_rule(rule_id)


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
