"""The rule list (`patcher rules`)."""

from __future__ import annotations

from patcher.registry import Rule


def render_rules(rules: list[Rule]) -> str:
    width = max((len(r.id) for r in rules), default=0)
    lines = [f"{r.id:<{width}}  {r.info.severity.label:<11}  {'fix' if r.info.fixable else '   '}  "
             f"{r.info.summary}\n" for r in rules]
    return "".join(lines)
