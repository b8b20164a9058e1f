"""How the review writes a trace and a table cell, for every format alike."""

from __future__ import annotations

from typing import Any, Sequence

from patcher.trace.hops import Trace


CALLS_SHOWN = 6  # downstream calls a one-line flow names; the HTML page lists every hop


def path(trace: Trace) -> str:
    """The hops a request met, in one line: the failing one last, marked."""
    parts = []
    for hop in trace.hops:
        if hop.layer == "call" or hop.layer == "host port" and hop.state.value == "ok":
            continue
        if hop.layer == "NodePort" and hop.state.value == "ok" and hop.node[:1] != ("workload",):
            continue  # the mapping names the NodePort already
        text = {"kind mapping": f"kind {hop.label.replace('host ', '').replace(' -> containerPort ', '→')}",
                "Gateway server": f"Gateway {hop.label}", "Service port": f"Service {hop.label}",
                "VirtualService route": f"VirtualService {hop.label}"}.get(hop.layer, hop.label)
        parts.append(text if hop.state.value == "ok" else f"✗ {hop.layer} {hop.label} ({hop.state.value})")
    calls = [h.label for h in trace.hops if h.layer == "call"]
    line = " → ".join(parts)
    calls = list(dict.fromkeys(calls))
    if calls and trace.ok:
        more = f" and {len(calls) - CALLS_SHOWN} more" if len(calls) > CALLS_SHOWN else ""
        line += " → calls " + ", ".join(calls[:CALLS_SHOWN]) + more
    return line


def cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def cut(items: Sequence, level: int, limit: int) -> Sequence:
    """At level 2 (the review must fit a pull-request comment) a list keeps its first items; at 3
    a third of them."""
    if level >= 3:
        return list(items)[:max(1, limit // 3)]
    return list(items)[:limit] if level >= 2 else items


def left(items: Sequence, level: int, limit: int) -> int:
    """How many items ``cut`` leaves out."""
    return len(items) - len(cut(items, level, limit))
