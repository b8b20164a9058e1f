"""What a change does to the request flows: each entry point's state before and after, for the
pull request that makes the change (a script's call is the same entry when its URL is rewritten)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from patcher.trace.hops import Trace

if TYPE_CHECKING:
    from patcher.plan import Plan

SHOWN = 20  # flows a pull request body lists; the rest are counted

_last: list = []  # (plan, traces) of the last plan asked about: every pull request of a run shares its base


def _traces(plan: "Plan") -> tuple[Trace, ...]:
    from patcher.report.command import review_of
    if _last and _last[0][0] is plan:
        return _last[0][1]
    traces = review_of(plan).traces
    _last[:] = [(plan, traces)]
    return traces


def _key(trace: Trace) -> tuple:
    entry = trace.entry
    return (entry.file, entry.line, entry.path) if entry.file else (entry.port, entry.path, entry.host, entry.scheme)


def _said(trace: Trace) -> str:
    hop = trace.failing
    return "ok" if hop is None else f"{trace.state.value} at the {hop.layer}"


def flow_changes(before: "Plan", after: "Plan") -> list[str]:
    """One line per entry point whose flow ends otherwise after the change, fixed ones first."""
    old = {_key(t): t for t in _traces(before)}
    lines: list[tuple[bool, str]] = []
    for trace in _traces(after):
        was = old.get(_key(trace))
        if was is None or _said(was) == _said(trace):
            continue
        moved = f" (now `{trace.entry}`)" if str(was.entry) != str(trace.entry) else ""
        lines.append((not trace.ok, f"`curl {was.entry}`{moved}: {_said(was)} → {_said(trace)}"))
    lines.sort(key=lambda item: item[0])
    out = [text for _, text in lines[:SHOWN]]
    if len(lines) > SHOWN:
        out.append(f"… and {len(lines) - SHOWN} more (`patcher report` traces them all)")
    return out
