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
    line = " → ".join(parts)
    if trace.ok:
        # the pods' own calls, then (apart) what those callees call in turn
        direct = list(dict.fromkeys(h.label for h in trace.hops if h.layer == "call" and h.node[1:] == (1,)))
        later = list(dict.fromkeys(h.label for h in trace.hops if h.layer == "call" and h.node[1:] != (1,)))
        later = [c for c in later if c not in direct]
        if direct:
            more = f" and {len(direct) - CALLS_SHOWN} more" if len(direct) > CALLS_SHOWN else ""
            line += " → calls " + ", ".join(direct[:CALLS_SHOWN]) + more
        if later:
            more = f" and {len(later) - CALLS_SHOWN} more" if len(later) > CALLS_SHOWN else ""
            line += " (which call " + ", ".join(later[:CALLS_SHOWN]) + more + ")"
    for caveat in trace.caveats:
        line += f" ⚠ {caveat}"
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
