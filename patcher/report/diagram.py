"""The architecture as Mermaid flowcharts, drawn from the traces: what the review shows as the
path of a request is exactly what the trace followed, and a failing hop is its own red node.

A small repository gets one picture; a larger one gets one per Gateway (and one for the
entries that reach no Gateway), so each stays readable and under Mermaid's text limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from patcher.trace.hops import Hop, HopState, Trace

if TYPE_CHECKING:
    from patcher.topology import Topology

ONE_PICTURE = 40  # nodes one diagram may hold before the review draws one per Gateway
CLASSES = ("classDef fail fill:#fde2e2,stroke:#c62828,color:#5b0000,stroke-width:2px;",
           "classDef unknown fill:#eeeeee,stroke:#757575,color:#333333,stroke-dasharray:4 3;",
           "classDef client fill:#e3f2fd,stroke:#1565c0;")
KINDS = {"client": "client", "mapping": "kind", "service": "Service", "gateway": "Gateway", "vs": "VirtualService",
         "workload": "", "host": "host"}


@dataclass(frozen=True)
class Diagram:
    title: str
    mermaid: str
    nodes: tuple[str, ...]  # the labels, in the order drawn
    failing: tuple[str, ...]  # labels of the nodes drawn as failing hops
    edges: int


def _text(value: str) -> str:
    # a newline in a label is a line break of the drawn node
    return value.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;").replace("\n", "<br/>")


class _Picture:
    def __init__(self, topology: "Topology") -> None:
        self.t = topology
        self.ids: dict[tuple, str] = {}
        self.labels: dict[str, str] = {}
        self.classes: dict[str, str] = {}
        self.edges: dict[tuple[str, str], str] = {}

    def node(self, key: tuple, label: str, cls: str = "") -> str:
        if key not in self.ids:
            ident = f"n{len(self.ids)}"
            self.ids[key] = ident
            self.labels[ident] = label
            if cls:
                self.classes[ident] = cls
        return self.ids[key]

    def edge(self, a: str, b: str, label: str = "") -> None:
        if a != b and (a, b) not in self.edges:
            self.edges[(a, b)] = label
        elif label and self.edges.get((a, b)) == "" and a != b:
            self.edges[(a, b)] = label

    def hop_node(self, hop: Hop) -> str:
        key = hop.node
        kind = key[0] if key else ""
        if kind == "client":
            return self.node(key, "client", "client")
        if kind == "mapping":
            return self.node(key, f"kind\nhost {key[1]} → node {key[2]}")
        if kind == "workload":
            workload = next((w for w in self.t.workloads if w.key == key[1:]), None)
            what = workload.resource.kind if workload else "pods"
            return self.node(key, f"{what}\n{key[1]}/{key[2]}")
        if kind in ("service", "gateway", "vs"):
            return self.node(key, f"{KINDS[kind]}\n{key[1]}/{key[2]}")
        if kind == "host":
            return self.node(key, f"host {key[1]}", "unknown")
        return self.node(("hop", hop.layer, hop.label), f"{hop.layer} {hop.label}")

    def failed(self, hop: Hop) -> str:
        cls = "unknown" if hop.state is HopState.UNKNOWN else "fail"
        return self.node(("failed", hop.layer, hop.label, hop.state), f"{hop.layer} {hop.label}\n✗ {hop.state.value}", cls)

    def trace(self, trace: Trace) -> None:
        previous = None
        edge_label = ""
        for hop in trace.hops:
            if hop.layer == "call":
                continue
            if hop.state is not HopState.OK:
                ident = self.failed(hop)
                if previous is None:
                    previous = self.node(("client",), "client", "client")
                    edge_label = f"localhost:{trace.entry.port}"
                self.edge(previous, ident, edge_label or trace.entry.path)
                return
            ident = self.hop_node(hop)
            if previous is not None:
                self.edge(previous, ident, edge_label)
            edge_label = ""
            if hop.layer == "VirtualService route":
                edge_label = hop.reason.split(" matches ", 1)[0]
            previous = ident

    def calls(self, transitive: bool = True) -> None:
        """The calls of every workload drawn, and (``transitive``) of the workloads those calls reach."""
        graph = self.t.call_graph
        drawn = {key[1:] for key in self.ids if key and key[0] == "workload"}
        queue = sorted(drawn)
        first = set(queue)
        while queue:
            key = queue.pop(0)
            if not transitive and key not in first:
                continue
            for call in graph.calls:
                caller = call.caller.workload
                if caller is None or caller.key != key or call.caller.kind != "workload" or call.callee is None:
                    continue
                service = call.callee.resource
                target = self.node(("service", service.namespace, service.name),
                                   f"Service\n{service.namespace}/{service.name}")
                self.edge(self.ids[("workload",) + key], target, f"calls :{call.port}" if call.port else "calls")
                for workload in self.t.workloads_of(call.callee):
                    ident = self.node(("workload",) + workload.key,
                                      f"{workload.resource.kind}\n{workload.key[0]}/{workload.key[1]}")
                    self.edge(target, ident)
                    if workload.key not in drawn:
                        drawn.add(workload.key)
                        queue.append(workload.key)
            for item in graph.unresolved:
                caller = item.caller.workload
                if caller is not None and caller.key == key:
                    self.edge(self.ids[("workload",) + key], self.node(("host", item.host), f"host {item.host}",
                                                                       "unknown"), "calls")

    def render(self, title: str) -> Diagram:
        lines = ["flowchart LR"]
        for ident, label in self.labels.items():
            shape = f'(["{_text(label)}"])' if self.classes.get(ident) == "client" else f'["{_text(label)}"]'
            lines.append(f"  {ident}{shape}")
        for (a, b), label in self.edges.items():
            lines.append(f'  {a} -->|"{_text(label)}"| {b}' if label else f"  {a} --> {b}")
        lines += ["  " + c for c in CLASSES]
        for cls in ("fail", "unknown", "client"):
            members = [i for i, c in self.classes.items() if c == cls]
            if members:
                lines.append(f"  class {','.join(members)} {cls};")
        failing = tuple(self.labels[i] for i, c in self.classes.items() if c == "fail")
        return Diagram(title, "\n".join(lines) + "\n", tuple(self.labels.values()), failing, len(self.edges))


def _picture(topology: "Topology", traces: Iterable[Trace], title: str, transitive: bool = True) -> Diagram:
    picture = _Picture(topology)
    for trace in traces:
        picture.trace(trace)
    picture.calls(transitive)
    return picture.render(title)


def _gateway_of(trace: Trace) -> tuple | None:
    hop = trace.hop("Gateway server")
    if hop is not None and hop.node and hop.node[0] == "gateway":
        return hop.node[1:]
    return trace.entry.gateway


def diagrams(topology: "Topology", traces: tuple[Trace, ...]) -> list[Diagram]:
    if not traces:
        return []
    whole = _picture(topology, traces, "Architecture")
    if len(whole.nodes) <= ONE_PICTURE:
        return [whole]
    groups: dict[tuple, list[Trace]] = {}
    for trace in traces:
        groups.setdefault(_gateway_of(trace) or (), []).append(trace)
    out = []
    for key, group in sorted(groups.items(), key=lambda kv: (not kv[0], kv[0])):
        title = f"Gateway {key[0]}/{key[1]}" if key else "Entry points that reach no Gateway"
        picture = _picture(topology, group, title)
        if len(picture.nodes) <= ONE_PICTURE * 2:
            out.append(picture)
            continue
        # still too many to read: one picture per namespace the gateway's routes lead into
        by_namespace: dict[str, list[Trace]] = {}
        for trace in group:
            by_namespace.setdefault(_namespace_of(trace), []).append(trace)
        # a part draws the calls its workloads make, not the whole mesh those calls lead on to
        out += [_picture(topology, part, f"{title}, to namespace {ns}" if ns else f"{title}, failing before a Service",
                         transitive=False)
                for ns, part in sorted(by_namespace.items(), key=lambda kv: (not kv[0], kv[0]))]
    return out


def _namespace_of(trace: Trace) -> str:
    hop = trace.hop("Service port")
    if hop is not None and hop.node[:1] == ("service",):
        return hop.node[1]
    return ""
