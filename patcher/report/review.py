"""The review's content, built once from the plan and its topology; the renderers only lay it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from patcher.findings import Applicability, Severity
from patcher.report.diagram import Diagram, diagrams
from patcher.report.outside import outside_notes
from patcher.trace.chain import listener, server_chain, servers_behind, through_kind
from patcher.trace.hops import HopState, Trace

if TYPE_CHECKING:
    from patcher.plan import Plan
    from patcher.topology import Topology


@dataclass(frozen=True)
class MappingRow:
    host_port: str
    container_port: str
    protocol: str
    leads_to: str
    state: str  # ok / unused / missing / unreachable / unknown-outside-repository
    reason: str
    where: str


@dataclass(frozen=True)
class ServiceRow:
    name: str
    type: str
    ports: str
    selects: str
    where: str


@dataclass(frozen=True)
class Discovery:
    """Who creates which Services, and the names other pods reach them by."""

    source: str  # "Helm release NAME (chart PATH, script:line)", an installer, or "the repository's manifests"
    namespace: str
    addresses: tuple[str, ...]  # name.namespace.svc.<domain>:port


@dataclass(frozen=True)
class FindingRow:
    severity: str
    rule: str
    where: str
    message: str


@dataclass(frozen=True)
class Check:
    """One line of the checklist: a fix, whether patcher applies it, the command that does."""

    rule: str
    where: str
    title: str
    applicability: str
    status: str
    command: str


@dataclass(frozen=True)
class FlowGroup:
    """Flows that fail at the same hop for the same reason: told once, with every entry named."""

    traces: tuple[Trace, ...]

    @property
    def first(self) -> Trace:
        return self.traces[0]

    @property
    def hop(self):
        return self.first.failing

    @property
    def state(self) -> str:
        return self.first.state.value

    @property
    def others(self) -> tuple[Trace, ...]:
        return self.traces[1:]


def group_flows(traces: tuple[Trace, ...], states: tuple[HopState, ...]) -> tuple[FlowGroup, ...]:
    groups: dict[tuple, list[Trace]] = {}
    for trace in traces:
        hop = trace.failing
        if hop is not None and hop.state in states:
            groups.setdefault((hop.layer, hop.label, hop.state, hop.reason), []).append(trace)
    # a script's own call leads its group: it is what someone runs and sees fail
    return tuple(FlowGroup(tuple(sorted(g, key=lambda t: t.entry.file is None))) for g in groups.values())


@dataclass(frozen=True)
class Review:
    name: str
    summary: str
    mappings: tuple[MappingRow, ...]
    services: tuple[ServiceRow, ...]
    traces: tuple[Trace, ...]
    findings: tuple[tuple[str, tuple[FindingRow, ...]], ...]  # by severity, most severe first
    checklist: tuple[Check, ...]
    outside: tuple[str, ...]
    diagrams: tuple[Diagram, ...] = field(default=())
    discovery: tuple[Discovery, ...] = field(default=())
    unreadable: tuple[str, ...] = ()  # files the review could not read: what they hold is not in it

    @property
    def failing(self) -> tuple[Trace, ...]:
        """The flows that meet a missing or unreachable hop (not one outside the repository)."""
        return tuple(t for t in self.traces if t.state in (HopState.MISSING, HopState.UNREACHABLE))

    @property
    def working(self) -> tuple[Trace, ...]:
        return tuple(t for t in self.traces if t.ok)

    @property
    def failing_groups(self) -> tuple[FlowGroup, ...]:
        return group_flows(self.traces, (HopState.MISSING, HopState.UNREACHABLE))

    @property
    def outside_groups(self) -> tuple[FlowGroup, ...]:
        return group_flows(self.traces, (HopState.UNKNOWN,))


def _loc(file: str | None, line: int | None) -> str:
    return f"{file}:{line}" if file and line else file or ""


def mapping_rows(topology: "Topology") -> list[MappingRow]:
    rows = []
    for m in topology.mappings:
        line, _ = m.config.document.line_of(m.path)
        where = _loc(m.config.file, line)
        found = listener(topology, m.container_port)
        base = (str(m.host_port), str(m.container_port), m.protocol)
        if not found:
            if topology.model.ingress_unknown:
                rows.append(MappingRow(*base, "-", "unknown-outside-repository", topology.model.ingress_unknown, where))
            else:
                rows.append(MappingRow(*base, "nothing", "unused", f"no Service has nodePort {m.container_port} and no "
                                       f"workload hostPort {m.container_port}", where))
        elif found[0] == "unplaced":
            rows.append(MappingRow(*base, "?", "unknown-outside-repository",
                                   "a resource applied into a namespace the repository does not name", where))
        elif found[0] == "pods":
            w = found[1].resource
            rows.append(MappingRow(*base, f"hostPort of {w.kind} {w.namespace}/{w.name}", "ok", "", where))
        else:
            _, service, port = found
            name = f"{service.resource.namespace}/{service.resource.name}"
            if not topology.gateways_on(service):
                rows.append(MappingRow(*base, f"{name}:{port.port}", "ok", f"NodePort of Service {name}", where))
                continue
            servers = servers_behind(topology, service, port)
            if servers:
                used = ", ".join(f"{g.resource.name} :{s.number} {s.protocol}" for g, s in servers)
                rows.append(MappingRow(*base, f"{name}:{port.port}", "ok", f"Gateway {used}", where))
            else:
                rows.append(MappingRow(*base, f"{name}:{port.port}", "unreachable",
                                       f"no Gateway server listens on port {port.port} or its targetPort", where))
    seen = set()
    for key, gateway in sorted(topology.gateways.items()):
        services = [s for s in topology.ingress_services(gateway) if through_kind(topology, s)]
        for server in gateway.servers if services else ():
            chain = server_chain(topology, gateway, server, services[0])
            if chain.ok or (services[0].key, server.number) in seen:
                continue
            seen.add((services[0].key, server.number))
            hop = chain.failing
            rows.append(MappingRow(str(server.number), "-", "TCP",
                                   f"Gateway {gateway.resource.namespace}/{gateway.resource.name} :{server.number}",
                                   "missing", hop.reason, chain.hops[-1].where))
    return rows


def service_rows(topology: "Topology") -> list[ServiceRow]:
    rows = []
    for key, service in sorted(topology.services.items()):
        ports = []
        for p in service.ports:
            text = f"{p.port}"
            target = topology.target_port(service, p)
            if target != p.port:
                text += f"→{target}"
            if p.node_port:
                text += f" (nodePort {p.node_port})"
            ports.append(text + ("" if p.protocol == "TCP" else f"/{p.protocol}") + (f" {p.name}" if p.name else ""))
        workloads = topology.workloads_of(service)
        if not service.selector:
            selects = "no selector"
        elif workloads:
            selects = ", ".join(f"{w.resource.kind} {w.resource.name}" for w in workloads)
        elif service.resource.source.declared_by:
            selects = f"pods {service.resource.source.declared_by} creates (not in this repository)"
        else:
            selects = "no pods"
        loc = service.resource.location()
        rows.append(ServiceRow(f"{key[0]}/{key[1]}", service.type, ", ".join(ports) or "none", selects,
                               _loc(loc.file, loc.line)))
    return rows


def discovery(topology: "Topology") -> list[Discovery]:
    """Services by what creates them: each Helm release, then the repository's manifests, per namespace."""
    domain = topology.cluster_domain
    releases = {f"{r.name}/{r.namespace}": r for r in topology.model.releases}
    groups: dict[tuple[str, str], list[str]] = {}
    for (namespace, name), service in sorted(topology.services.items()):
        release = releases.get(service.resource.source.release or "")
        if release is not None:
            where = f", {release.declared_in}" if release.declared_in else ""
            source = f"Helm release {release.name} (chart {release.chart}{where})"
        elif service.resource.source.declared_by:
            source = service.resource.source.declared_by
        else:
            source = "the repository's manifests"
        ports = ",".join(str(p.port) for p in service.ports)
        groups.setdefault((source, namespace), []).append(f"{name}.{namespace}.svc.{domain}" + (f":{ports}" if ports else ""))
    order = sorted(groups, key=lambda k: (not k[0].startswith("Helm release"), k[0] == "the repository's manifests", k))
    return [Discovery(source, namespace, tuple(groups[(source, namespace)])) for source, namespace in order]


def _command(rule: str, applicability: Applicability) -> str:
    flag = " --unsafe-fixes" if applicability is Applicability.UNSAFE else ""
    return f"patcher apply --rule {rule}{flag}"


def finding_groups(plan: "Plan") -> tuple:
    groups = []
    for severity in sorted(Severity, reverse=True):
        rows = tuple(FindingRow(f.severity.label, f.rule, str(f.location), f.message)
                     for f in plan.findings if f.severity is severity)
        if rows:
            groups.append((severity.label, rows))
    return tuple(groups)


STATUS_WORDS = {"would-fix": "patcher applies it", "fixed": "applied", "skipped-unsafe": "with --unsafe-fixes",
                "withheld": "withheld: it relies on what could not be read", "failed": "failed verification"}


def checklist(plan: "Plan") -> tuple[Check, ...]:
    """Every finding, in plan order: its fix and the command that applies it, or what to do by hand."""
    out = []
    for result in plan.results:
        finding, fix = result.finding, result.finding.fix
        where = str(finding.location)
        if fix is None:
            out.append(Check(finding.rule, where, f"by hand: {finding.message}", "no fix", "by hand", ""))
        elif fix.applicability is Applicability.DISPLAY_ONLY:
            out.append(Check(finding.rule, where, fix.title, "shown only", "by hand", ""))
        else:
            out.append(Check(finding.rule, where, fix.title, fix.applicability.label,
                             STATUS_WORDS.get(result.status, result.status), _command(finding.rule, fix.applicability)))
    return tuple(out)


def unreadable(plan: "Plan") -> list[str]:
    return [f"{d.file}{f':{d.line}' if d.line else ''}: {d.message}" for d in plan.diagnostics if d.level != "note"]


def build_review(plan: "Plan", topology: "Topology", summary: str) -> Review:
    traces = tuple(topology.trace(e) for e in topology.entries())
    return Review(plan.root.name, summary, tuple(mapping_rows(topology)), tuple(service_rows(topology)), traces,
                  finding_groups(plan), checklist(plan), tuple(outside_notes(plan, traces)),
                  tuple(diagrams(topology, traces)), tuple(discovery(topology)), tuple(unreadable(plan)))
