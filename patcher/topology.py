"""The routing topology: how a request travels, layer by layer.

host port -> kind containerPort -> NodePort -> ingress Service port -> Gateway
server -> VirtualService route -> Service port -> workload; plus the calls
between workloads that their environment reveals. Built once from the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from patcher.callgraph import Call, CallGraph, build_call_graph, workload_key
from patcher.deployed.injection import Injection, NamespaceFacts, read_injection
from patcher.model import KindConfig, Model
from patcher.names import gateway_key, host_matches, selects, service_key
from patcher.resources import Resource
from patcher.source import Diagnostic

if TYPE_CHECKING:
    from patcher.trace.hops import Entry, Trace

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod")


@dataclass(frozen=True)
class PortMapping:
    config: KindConfig
    node: int
    index: int
    host_port: int
    container_port: int
    protocol: str

    @property
    def path(self) -> tuple:
        return ("nodes", self.node, "extraPortMappings", self.index)


@dataclass(frozen=True)
class ServicePort:
    index: int
    name: str
    port: int
    target_port: Any
    node_port: int | None
    protocol: str


@dataclass(frozen=True)
class Service:
    resource: Resource
    ports: tuple[ServicePort, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.resource.namespace, self.resource.name)

    @property
    def selector(self) -> dict:
        return self.resource.get("spec", "selector") or {}

    @property
    def type(self) -> str:
        return self.resource.get("spec", "type") or "ClusterIP"


@dataclass(frozen=True)
class Workload:
    resource: Resource
    pod_labels: dict
    pod_path: tuple  # YAML path of the pod spec
    container_ports: tuple[tuple[int, int | None], ...]  # (containerPort, hostPort)

    @property
    def key(self) -> tuple[str, str]:
        return (self.resource.namespace, self.resource.name)


@dataclass(frozen=True)
class Server:
    index: int
    number: int
    protocol: str
    name: str
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class Gateway:
    resource: Resource
    selector: dict
    servers: tuple[Server, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.resource.namespace, self.resource.name)


@dataclass(frozen=True)
class Destination:
    host: str
    port: int | None
    service: Service | None


@dataclass(frozen=True)
class Route:
    index: int
    data: dict
    destinations: tuple[Destination, ...]


@dataclass(frozen=True)
class VirtualService:
    resource: Resource
    hosts: tuple[str, ...]
    gateways: tuple[tuple[str, str] | None, ...]  # None is the mesh
    routes: tuple[Route, ...]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Topology:
    model: Model
    mappings: tuple[PortMapping, ...] = field(default=())

    @cached_property
    def cluster_domain(self) -> str:
        return self.model.config["cluster-domain"]

    @cached_property
    def services(self) -> dict[tuple[str, str], Service]:
        # variants of one Service (Model.variants) share a key: they never run together, so the
        # last in file order stands for the object wherever a route or selector looks it up
        out = {}
        for r in self.model.of_kind("Service"):
            if r.group:
                continue
            ports = []
            for i, p in enumerate(r.get("spec", "ports", default=[]) or []):
                if isinstance(p, dict) and _int(p.get("port")) is not None:
                    ports.append(ServicePort(i, str(p.get("name", "")), p["port"],
                                             p.get("targetPort", p["port"]), _int(p.get("nodePort")),
                                             str(p.get("protocol", "TCP"))))
            out[(r.namespace, r.name)] = Service(r, tuple(ports))
        return out

    @cached_property
    def workloads(self) -> list[Workload]:
        out = []
        for r in self.model.of_kind(*WORKLOAD_KINDS):
            if r.kind == "Pod":
                pod_path, labels = ("spec",), r.get("metadata", "labels") or {}
            elif r.kind == "Job":
                pod_path, labels = ("spec", "template", "spec"), r.get("spec", "template", "metadata", "labels") or {}
            else:
                pod_path, labels = ("spec", "template", "spec"), r.get("spec", "template", "metadata", "labels") or {}
            pod = r.get(*pod_path) or {}
            ports = []
            for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
                for p in (c.get("ports") or []) if isinstance(c, dict) else []:
                    if isinstance(p, dict) and _int(p.get("containerPort")) is not None:
                        ports.append((p["containerPort"], _int(p.get("hostPort"))))
            out.append(Workload(r, labels, pod_path, tuple(ports)))
        return out

    @cached_property
    def gateways(self) -> dict[tuple[str, str], Gateway]:
        out = {}
        for r in self.model.of_kind("Gateway"):
            if not r.group.startswith("networking.istio.io"):
                continue
            servers = []
            for i, s in enumerate(r.get("spec", "servers", default=[]) or []):
                port = s.get("port") if isinstance(s, dict) else None
                if isinstance(port, dict) and _int(port.get("number")) is not None:
                    servers.append(Server(i, port["number"], str(port.get("protocol", "")).upper(),
                                          str(port.get("name", "")), tuple(s.get("hosts") or ())))
            out[(r.namespace, r.name)] = Gateway(r, r.get("spec", "selector") or {}, tuple(servers))
        return out

    @cached_property
    def virtual_services(self) -> list[VirtualService]:
        return self._virtual_services(self.model.of_kind("VirtualService"))

    @cached_property
    def own_virtual_services(self) -> list[VirtualService]:
        """Every VirtualService, the undeployed too: for rules that judge one by itself alone
        (its destinations resolve against the deployed Services)."""
        return self._virtual_services(self.model.own_of_kind("VirtualService"))

    def _virtual_services(self, resources: list[Resource]) -> list[VirtualService]:
        out = []
        for r in resources:
            if not r.group.startswith("networking.istio.io"):
                continue
            gateways = tuple(gateway_key(str(g), r.namespace) for g in (r.get("spec", "gateways") or ["mesh"]))
            routes = []
            for i, http in enumerate(r.get("spec", "http", default=[]) or []):
                if not isinstance(http, dict):
                    continue
                dests = []
                for d in http.get("route") or []:
                    dest = d.get("destination") if isinstance(d, dict) else None
                    if isinstance(dest, dict) and dest.get("host"):
                        port = _int((dest.get("port") or {}).get("number"))
                        dests.append(Destination(str(dest["host"]), port, self.resolve(str(dest["host"]), r.namespace)))
                routes.append(Route(i, http, tuple(dests)))
            out.append(VirtualService(r, tuple(str(h) for h in r.get("spec", "hosts") or ()),
                                      gateways, tuple(routes)))
        return out

    def resolve(self, host: str, namespace: str) -> Service | None:
        key = service_key(host, namespace, self.cluster_domain)
        return self.services.get(key) if key else None

    @cached_property
    def _workloads_by_namespace(self) -> dict[str, list[Workload]]:
        out: dict[str, list[Workload]] = {}
        for workload in self.workloads:
            out.setdefault(workload.resource.namespace, []).append(workload)
        return out

    @cached_property
    def _selected(self) -> dict[tuple[str, str], list[Workload]]:
        """Service key -> the workloads its selector picks, computed once for every Service."""
        out = {}
        for key, service in self.services.items():
            candidates = self._workloads_by_namespace.get(service.resource.namespace, [])
            out[key] = [w for w in candidates if selects(service.selector, w.pod_labels)] if service.selector else []
        return out

    def workloads_in(self, namespace: str) -> list[Workload]:
        """A namespace's workloads, those in editable manifests first: where a finding points."""
        return sorted(self._workloads_by_namespace.get(namespace, []),
                      key=lambda w: (not w.resource.source.editable, w.resource.source.file, w.resource.name))

    def workloads_of(self, service: Service) -> list[Workload]:
        return self._selected.get(service.key, [])

    @cached_property
    def services_by_workload(self) -> dict[tuple[str, str, str], list[Service]]:
        """(kind, namespace, name) of a workload -> the Services that select it."""
        out: dict[tuple[str, str, str], list[Service]] = {}
        for key, workloads in self._selected.items():
            for workload in workloads:
                out.setdefault(workload_key(workload), []).append(self.services[key])
        return out

    def target_port(self, service: Service, port: ServicePort) -> int | str:
        """The container port a Service port lands on, by number when the workload names it."""
        if not isinstance(port.target_port, str):
            return port.target_port
        for workload in self.workloads_of(service):
            pod = workload.resource.get(*workload.pod_path) or {}
            for container in pod.get("containers") or []:
                for entry in (container.get("ports") or []) if isinstance(container, dict) else []:
                    if isinstance(entry, dict) and entry.get("name") == port.target_port:
                        return _int(entry.get("containerPort")) or port.target_port
        return port.target_port

    def ingress_services(self, gateway: Gateway) -> list[Service]:
        """Services that front the pods a Gateway's selector picks (the ingress gateway)."""
        return self._ingress_by_gateway.get(gateway.key, [])

    @cached_property
    def _ingress_by_gateway(self) -> dict[tuple[str, str], list[Service]]:
        out: dict[tuple[str, str], list[Service]] = {}
        selectors: dict[tuple, list[Service]] = {}  # many Gateways share one selector
        for key, gateway in self.gateways.items():
            if not gateway.selector:
                continue
            signature = tuple(sorted(gateway.selector.items()))
            if signature not in selectors:
                selectors[signature] = sorted(
                    (s for s in self.services.values()
                     if selects(gateway.selector, s.selector)
                     or selects(gateway.selector, dict(self.model.gateway_pods.get(s.key, {})))
                     or any(selects(gateway.selector, w.pod_labels) for w in self.workloads_of(s))),
                    key=lambda s: s.key)
            out[key] = selectors[signature]
        return out

    @cached_property
    def all_ingress_services(self) -> list[Service]:
        seen: dict[tuple[str, str], Service] = {}
        for gateway in self.gateways.values():
            for service in self.ingress_services(gateway):
                seen[service.key] = service
        return [seen[k] for k in sorted(seen)]

    def gateways_on(self, service: Service) -> list[Gateway]:
        return [g for k, g in sorted(self.gateways.items())
                if any(s.key == service.key for s in self.ingress_services(g))]

    @cached_property
    def node_ports(self) -> dict[int, tuple[Service, ServicePort]]:
        return {p.node_port: (s, p) for s in self.services.values() for p in s.ports if p.node_port}

    @cached_property
    def host_ports(self) -> dict[int, Workload]:
        return {hp: w for w in self.workloads for _, hp in w.container_ports if hp}

    @cached_property
    def unplaced_ports(self) -> frozenset[int]:
        """nodePorts and hostPorts of resources in a namespace patcher cannot resolve (Model.unplaced):
        a node's port does not depend on the namespace, so a kind mapping to one is used."""
        found: set[int] = set()
        for r in self.model.unplaced:
            if r.kind == "Service" and not r.group:
                found |= {p["nodePort"] for p in r.get("spec", "ports", default=[]) or []
                          if isinstance(p, dict) and _int(p.get("nodePort")) is not None}
            elif r.kind in WORKLOAD_KINDS:
                pod = (r.get("spec") if r.kind == "Pod" else r.get("spec", "template", "spec")) or {}
                found |= {p["hostPort"] for c in (pod.get("containers") or []) if isinstance(c, dict)
                          for p in c.get("ports") or [] if isinstance(p, dict) and _int(p.get("hostPort")) is not None}
        return frozenset(found)

    @cached_property
    def call_graph(self) -> CallGraph:
        return build_call_graph(self)

    @cached_property
    def calls(self) -> list[Call]:
        return list(self.call_graph.calls)

    @cached_property
    def calls_by_workload(self) -> dict[tuple[str, str], tuple[list[Call], list]]:
        """(namespace, name) of a workload -> the calls its containers make and the hosts they call
        that name no Service (Unresolved): what a trace follows past the pods, looked up once."""
        out: dict[tuple[str, str], tuple[list[Call], list]] = {}
        for call in self.call_graph.calls:
            if call.caller.workload is not None and call.caller.kind == "workload":
                out.setdefault(call.caller.workload.key, ([], []))[0].append(call)
        for item in self.call_graph.unresolved:
            if item.caller.workload is not None:
                out.setdefault(item.caller.workload.key, ([], []))[1].append(item)
        return out

    @cached_property
    def virtual_services_by_gateway(self) -> dict[tuple[str, str] | None, list[VirtualService]]:
        out: dict[tuple[str, str] | None, list[VirtualService]] = {}
        for vs in self.virtual_services:
            for key in dict.fromkeys(vs.gateways):
                out.setdefault(key, []).append(vs)
        return out

    @cached_property
    def call_notes(self) -> list[Diagnostic]:
        """One note per destination that names no Service of the repository, and per caller
        the repository does not hold (a Prometheus, an ingress gateway it does not show), for
        the application namespaces (platform ones get no derived policy)."""
        return call_notes(self)

    @cached_property
    def injection(self) -> Injection:
        unresolved = [NamespaceFacts(word, f"{r.file}:{r.line}", dict(r.labels))
                      for r in self.model.entry_points.labels
                      for word in r.unresolved if "=" not in word]  # key=value words are labels, not names
        return read_injection(_namespace_facts(self.model), _injects_by_default(self.model), unresolved)

    def in_mesh(self, workload: Workload) -> bool | None:
        """Whether the workload's pods get an Istio sidecar; None when the repository does not show."""
        annotations = workload.resource.get(*(workload.pod_path[:-1] + ("metadata", "annotations"))) \
            if workload.pod_path[:-1] else workload.resource.get("metadata", "annotations")
        pod = workload.resource.get(*workload.pod_path) or {}
        return self.injection.pod(workload.resource.namespace, workload.pod_labels or {},
                                  annotations if isinstance(annotations, dict) else {},
                                  pod.get("hostNetwork") is True)

    @cached_property
    def mesh_namespaces(self) -> list[str]:
        """Namespaces labelled (or defaulted) into the mesh."""
        return self.injection.mesh_namespaces

    @cached_property
    def application_namespaces(self) -> list[str]:
        """Namespaces with workloads, less platform ones and those of the ingress gateways."""
        platform = set(self.model.config["platform-namespaces"])
        platform |= {s.resource.namespace for s in self.all_ingress_services}
        return sorted({w.resource.namespace for w in self.workloads} - platform)

    @cached_property
    def uses_istio(self) -> bool:
        # what is deployed into a namespace patcher cannot resolve is deployed all the same
        return any(r.group.endswith(".istio.io") for r in self.model.resources + self.model.unplaced)

    def waiting_mapping(self, port: int) -> PortMapping | None:
        """A kind mapping of host ``port`` onto a containerPort nothing listens on yet:
        meant for a Gateway port whose Service port was never added."""
        for mapping in self.mappings:
            if (mapping.host_port == port and mapping.container_port not in self.node_ports
                    and mapping.container_port not in self.host_ports):
                return mapping
        return None

    def mistyped_mapping(self, node_port: int) -> PortMapping | None:
        """The one kind mapping onto a containerPort nothing listens on that differs from
        ``node_port`` in a single digit (31081 for 31080): a typo of that NodePort."""
        def one_digit(a: int, b: int) -> bool:
            x, y = str(a), str(b)
            return len(x) == len(y) and sum(c != d for c, d in zip(x, y)) == 1
        found = [m for m in self.mappings if m.container_port not in self.node_ports
                 and m.container_port not in self.host_ports and one_digit(m.container_port, node_port)]
        return found[0] if len(found) == 1 else None

    @cached_property
    def unreachable_server_ports(self) -> set[int]:
        """Gateway server ports with an ingress Service whose chain to the host is incomplete."""
        from patcher.trace.chain import server_chain
        out = set()
        for gateway in self.gateways.values():
            services = [s for s in self.ingress_services(gateway) if s.type in ("NodePort", "LoadBalancer")]
            for server in gateway.servers if services else ():
                if not server_chain(self, gateway, server, services[0]).ok:
                    out.add(server.number)
        return out

    def trace(self, entry: "Entry", unread: bool = True) -> "Trace":
        """One request from the host, hop by hop, with each hop's state and reason."""
        from patcher.trace.follow import trace
        return trace(self, entry, unread)

    def entries(self) -> list["Entry"]:
        """What a user would call: route prefixes on the published host ports, script requests."""
        from patcher.trace.entries import entries
        return entries(self)

    def mapped_host_port(self, node_port: int) -> int | None:
        for m in self.mappings:
            if m.container_port == node_port:
                return m.host_port
        return None


def _namespace_facts(model: Model) -> list[NamespaceFacts]:
    """What the repository says about namespace labels: creations, manifests, then scripts'
    ``kubectl label`` (the last word, as when the scripts run after the manifests)."""
    facts = [NamespaceFacts(c.name, f"{c.file}:{c.line}", {}, True) for c in model.entry_points.namespaces]
    facts += [NamespaceFacts(h.namespace, f"{h.file}:{h.line}", {}, True) for h in model.entry_points.helm
              if h.create_namespace and h.namespace]
    for ns in model.of_kind("Namespace"):
        labels = ns.get("metadata", "labels") or {}
        loc = ns.location()
        facts.append(NamespaceFacts(ns.name, f"{loc.file}:{loc.line}",
                                    {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
                                    True))
    if model.entry_points.labels:
        for record in model.entry_points.labels:
            for name in record.namespaces:
                facts.append(NamespaceFacts(name, f"{record.file}:{record.line}", dict(record.labels)))
    else:  # until the entry points are read, the scripts' injection labels as patcher.scripts finds them
        facts += [NamespaceFacts(name, "a script", {"istio-injection": "enabled"})
                  for name in sorted(model.injection_labelled)]
    return facts


def _injects_by_default(model: Model) -> bool:
    key = ("values", "sidecarInjectorWebhook", "enableNamespacesByDefault")
    found = any(op.get("spec", *key) is True for op in model.of_kind("IstioOperator")
                if op.group.startswith("install.istio.io"))
    return found or any(k == ".".join(key) and v.lower() == "true"
                        for install in model.entry_points.istioctl for k, v in install.sets)


def call_notes(topology: Topology) -> list[Diagnostic]:
    graph = topology.call_graph
    # told where policy is derived: the application's namespaces (the graph keeps the rest)
    apps = set(topology.application_namespaces)
    # installs of charts patcher did not render (remote ones): their Services are not in the repository
    rendered = {r.declared_in for r in topology.model.releases}
    releases = {h.namespace: h for h in topology.model.entry_points.helm
                if h.namespace and f"{h.file}:{h.line}" not in rendered}
    by_host: dict[str, list] = {}
    for item in (u for u in graph.unresolved if u.caller.namespace in apps):
        by_host.setdefault(item.host.lower(), []).append(item)
    notes = []
    for host, items in sorted(by_host.items()):
        first = items[0]
        namespace = first.caller.namespace or "default"
        key = service_key(host, namespace, topology.cluster_domain)
        callers = sorted({str(i.caller) for i in items})
        who = ", ".join(callers[:3]) + (f" and {len(callers) - 3} more" if len(callers) > 3 else "")
        entry = next((e for e in topology.model.of_kind("ServiceEntry") if e.group.startswith("networking.istio.io")
                      and any(host_matches(str(h), host) for h in e.get("spec", "hosts") or [])), None)
        if entry is not None:
            why = f"declared outside the cluster by ServiceEntry {entry.namespace}/{entry.name}: not in this repository"
        elif key is None:
            why = "an external host: not in this repository"
        elif key[0] in releases:
            release = releases[key[0]]
            why = (f"no such Service in the repository; namespace {key[0]} gets helm release '{release.release}' "
                   f"(chart {release.chart}): not in this repository")
        else:
            why = f"no Service {key[1]} in namespace {key[0]} in the repository: not in this repository"
        notes.append(Diagnostic(first.evidence.file, f"{who} call(s) {host}, {why}; the call graph (and the "
                                "NetworkPolicies derived from it) cannot name it", first.evidence.line, level="note"))
    unknown: dict[str, list[Call]] = {}
    for call in graph.calls:
        if not call.caller.known and call.target_namespace in apps:
            unknown.setdefault(str(call.caller), []).append(call)
    for who, calls in sorted(unknown.items()):
        targets = sorted({f"{c.target_key[0]}/{c.target_key[1]}" for c in calls})
        listed = ", ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
        notes.append(Diagnostic(calls[0].evidence.file, f"{who} calls {listed}: its pods are not in this "
                                "repository, so no policy can name them", calls[0].evidence.line, level="note"))
    return notes


def build_topology(model: Model) -> Topology:
    mappings = []
    for config in model.kind_configs:
        for n, node in enumerate(config.data.get("nodes") or []):
            for i, m in enumerate((node or {}).get("extraPortMappings") or []):
                if isinstance(m, dict) and _int(m.get("containerPort")) is not None:
                    host = _int(m.get("hostPort")) or m["containerPort"]
                    mappings.append(PortMapping(config, n, i, host, m["containerPort"],
                                                str(m.get("protocol", "TCP")).upper()))
    return Topology(model, tuple(mappings))
