"""`patcher report`: plan the repository, trace every entry point, write the review."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.markup import escape

from patcher.emit import write_file
from patcher.failures import os_failure
from patcher.plan import Plan
from patcher.render.text import summary
from patcher.report.markdown import COMMENT_LIMIT, render_markdown
from patcher.report.review import Review, build_review
from patcher.source import PatcherError
from patcher.topology import build_topology


def review_of(plan: Plan) -> Review:
    return build_review(plan, build_topology(plan.model), summary(plan))


def render(review: Review, format: str, comment: bool) -> str:
    if format == "html":
        from patcher.report.html import render_html
        return render_html(review)
    return render_markdown(review, COMMENT_LIMIT if comment else None)


def run_report(planner: Callable[[Console], Plan], format: str, out: Path | None, comment: bool) -> int:
    """0 written, 2 error (named, with nothing of the repository touched)."""
    err = Console(stderr=True, highlight=False)
    try:
        if out is not None and out.is_dir():
            raise PatcherError(f"--out is a folder: {out}",
                               hint=f"give a file name, e.g. {out / ('review.html' if format == 'html' else 'review.md')}")
        if comment and format != "markdown":
            raise PatcherError("--comment fits the Markdown review into a pull-request comment",
                               hint="use it with --format markdown")
        review = review_of(planner(err))
        for line in review.unreadable:
            err.print(f"warning: {line}", markup=False, soft_wrap=True)
        text = render(review, format, comment)
        if out is None or str(out) == "-":
            import sys
            sys.stdout.write(text)
        else:
            write_file(str(out), text)
            err.print(f"report: {format} review written to {out} ({len(text):,} bytes)", markup=False,
                      soft_wrap=True)
    except PatcherError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
        return 2
    except OSError as exc:
        err.print(f"[bold red]error:[/] {escape(str(os_failure(exc, False)))}", highlight=False, markup=True,
                  soft_wrap=True)
        return 2
    return 0
