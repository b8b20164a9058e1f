"""The output formats by name: each a function from a report to text, picked from a table
(no if/elif over format names in the commands)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from patcher.plan import Plan
from patcher.registry import all_rules
from patcher.render.data import render_json
from patcher.render.markdown import render_markdown
from patcher.render.sarif import render_sarif
from patcher.render.text import render_findings, render_statistics, summary


@dataclass(frozen=True)
class Report:
    plan: Plan
    diff: str  # "" when the command writes no diff (validate)
    statistics: bool = False  # text: counts per rule instead of each finding


def listing(report: Report) -> str:
    """The findings (or the counts per rule) without the summary."""
    render = render_statistics if report.statistics else render_findings
    return render(report.plan, with_summary=False)


def render_text(report: Report) -> str:
    """Findings, the diff, and the summary last, where a reader's eye ends."""
    return listing(report) + report.diff + summary(report.plan) + "\n"


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": lambda r: render_json(r.plan, r.diff),
    "markdown": lambda r: render_markdown(r.plan, r.diff),
    "sarif": lambda r: render_sarif(r.plan, all_rules()),
}
