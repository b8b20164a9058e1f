"""Markdown: a report for a pull request or a wiki page, from templates/report.md.j2."""

from __future__ import annotations

from patcher.plan import Plan
from patcher.render.text import summary
from patcher.templating import render_template


def render_markdown(plan: Plan, diff: str) -> str:
    rows = list(zip(plan.findings, plan.results))
    return render_template("report.md.j2", rows=rows, summary=summary(plan), diff=diff,
                           diagnostics=plan.diagnostics)
