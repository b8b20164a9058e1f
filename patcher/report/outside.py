"""What the review cannot see: installs and charts from outside the repository, and the hops of
the traces that end there. Said once each, so the reader knows what the review does not cover."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from patcher.trace.hops import HopState, Trace

if TYPE_CHECKING:
    from patcher.plan import Plan

OUTSIDE_WORDS = ("not in this repository", "outside the repository", "not in the repository")


def outside_notes(plan: "Plan", traces: Iterable[Trace]) -> list[str]:
    notes: list[str] = []
    model = plan.model
    if model is not None and model.ingress_unknown:
        notes.append(model.ingress_unknown)
    for d in plan.diagnostics:
        if any(word in d.message for word in OUTSIDE_WORDS):
            notes.append(f"`{d.file}{f':{d.line}' if d.line else ''}`: {d.message}")
    # hops that end outside, one line per reason: "kiali, grafana: applied from a URL"
    by_reason: dict[str, list[str]] = {}
    for trace in traces:
        for hop in trace.hops:
            if hop.state is HopState.UNKNOWN:
                reason = hop.reason[len(hop.label) + 2:] if hop.reason.startswith(hop.label + ": ") else hop.reason
                by_reason.setdefault(reason, []).append(hop.label)
    for reason, labels in by_reason.items():
        notes.append(f"{', '.join(dict.fromkeys(labels))}: {reason}")
    return list(dict.fromkeys(notes))
