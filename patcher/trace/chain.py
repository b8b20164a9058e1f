"""The lookups of the ingress chain, one per layer: what the trace and the ingress rules share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from patcher.names import host_matches, service_key
from patcher.trace.hops import Entry, Hop, HopState, Trace

if TYPE_CHECKING:
    from patcher.topology import Gateway, PortMapping, Server, Service, ServicePort, Topology, Workload


def mapping_of(topology: "Topology", host_port: int) -> "PortMapping | None":
    return next((m for m in topology.mappings if m.host_port == host_port), None)


def listener(topology: "Topology", container_port: int) -> tuple:
    """What receives a node's port: ("service", Service, ServicePort), ("pods", Workload),
    ("unplaced",) for a resource whose namespace is not known, or () for nothing."""
    if container_port in topology.node_ports:
        service, port = topology.node_ports[container_port]
        return ("service", service, port)
    if container_port in topology.host_ports:
        return ("pods", topology.host_ports[container_port])
    if container_port in topology.unplaced_ports:
        return ("unplaced",)
    return ()


def through_kind(topology: "Topology", service: "Service") -> bool:
    """Whether the host is meant to reach this ingress Service through kind's mappings: a NodePort
    Service, or a LoadBalancer one (which has NodePorts too) some of whose NodePorts kind maps. A
    LoadBalancer none of whose NodePorts is mapped is reached through its external IP (cloud-provider-kind,
    MetalLB) or a port-forward, which kind's config does not show."""
    if not topology.model.kind_configs:
        return False
    if service.type == "NodePort":
        return True
    return service.type == "LoadBalancer" and any(
        p.node_port and any(m.container_port == p.node_port for m in topology.mappings) for p in service.ports)


def server_port(topology: "Topology", service: "Service", number: int) -> "ServicePort | None":
    """The ingress Service port that leads to a Gateway server's listener: istiod opens the
    server on the pod port, so a Service port of that number, or one whose targetPort it is."""
    return next((p for p in service.ports if p.port == number), None) or next(
        (p for p in service.ports if topology.target_port(service, p) == number), None)


def servers_behind(topology: "Topology", service: "Service", port: "ServicePort") -> list[tuple["Gateway", "Server"]]:
    """Gateway servers a Service port of the ingress leads to."""
    target = topology.target_port(service, port)
    return [(g, s) for g in topology.gateways_on(service) for s in g.servers if s.number in (port.port, target)]


def server_hosts_match(server: "Server", authority: str) -> bool:
    # a server host may be written namespace/host; the namespace part says who may bind, not what matches
    return any(host_matches(str(h).split("/", 1)[-1], authority) for h in server.hosts) if server.hosts else False


def mapping_hop(mapping: "PortMapping") -> Hop:
    line, _ = mapping.config.document.line_of(mapping.path)
    return Hop("kind mapping", f"host {mapping.host_port} -> containerPort {mapping.container_port}", HopState.OK,
               f"kind maps host port {mapping.host_port} to containerPort {mapping.container_port}",
               mapping.config.file, line, ("mapping", mapping.host_port, mapping.container_port))


def service_location(service: "Service", port: "ServicePort | None" = None) -> tuple[str | None, int | None]:
    path = ("spec", "ports", port.index) if port is not None else ("spec", "ports")
    loc = service.resource.location(path)
    return loc.file, loc.line


def server_chain(topology: "Topology", gateway: "Gateway", server: "Server", service: "Service") -> Trace:
    """The chain from the host to one Gateway server through one ingress Service, built from
    the server outward: its Service port, that port's NodePort, the kind mapping onto it."""
    res = gateway.resource
    loc = res.location(("spec", "servers", server.index, "port", "number"))
    server_hop = Hop("Gateway server", f"{res.namespace}/{res.name}:{server.number}", HopState.OK,
                     f"Gateway {res.namespace}/{res.name} serves port {server.number} ({server.protocol or 'no protocol'})",
                     loc.file, loc.line, ("gateway", res.namespace, res.name))
    svc = service.resource
    port = server_port(topology, service, server.number)
    name = f"{svc.namespace}/{svc.name}"
    file, line = service_location(service, port)
    if port is None:
        hop = Hop("ingress Service port", f"{name}:{server.number}", HopState.MISSING,
                  f"the ingress Service {name} has no port {server.number} (nor a targetPort {server.number})",
                  file, line, ("service", svc.namespace, svc.name))
        return Trace(Entry(server.number), (hop, server_hop))
    port_hop = Hop("ingress Service port", f"{name}:{port.port}", HopState.OK,
                   f"port {port.port} of {name} leads to targetPort {topology.target_port(service, port)}",
                   file, line, ("service", svc.namespace, svc.name))
    if not port.node_port:
        hop = Hop("NodePort", f"{name}:{port.port}", HopState.MISSING,
                  f"port {port.port} of the ingress Service {name} has no fixed nodePort, so kind cannot map a host "
                  "port to it", file, line, ("service", svc.namespace, svc.name))
        return Trace(Entry(server.number), (hop, port_hop, server_hop))
    node_hop = Hop("NodePort", str(port.node_port), HopState.OK, f"NodePort {port.node_port} of {name}", file, line,
                   ("service", svc.namespace, svc.name))
    mapping = next((m for m in topology.mappings if m.container_port == port.node_port), None)
    if mapping is None:
        hop = Hop("kind mapping", f"containerPort {port.node_port}", HopState.MISSING,
                  f"kind maps no host port to NodePort {port.node_port}", None, None, ())
        return Trace(Entry(server.number), (hop, node_hop, port_hop, server_hop))
    host = Hop("host port", f"localhost:{mapping.host_port}", HopState.OK, "the client calls the host", None, None,
               ("client",))
    return Trace(Entry(mapping.host_port), (host, mapping_hop(mapping), node_hop, port_hop, server_hop))


def outside(topology: "Topology", host: str, namespace: str) -> str | None:
    """Why a destination host that names no Service of the repository is not in it (a
    ServiceEntry, a host outside the cluster, a namespace a remote chart installs into),
    or None when the repository should hold it and does not."""
    for entry in topology.model.of_kind("ServiceEntry"):
        if entry.group.startswith("networking.istio.io") and any(
                host_matches(str(h), host) for h in entry.get("spec", "hosts") or []):
            return f"declared outside the cluster by ServiceEntry {entry.namespace}/{entry.name}"
    key = service_key(host, namespace, topology.cluster_domain)
    if key is None:
        return f"{host} is a host outside the cluster"
    rendered = {r.declared_in for r in topology.model.releases}
    for install in topology.model.entry_points.helm:
        if install.namespace == key[0] and f"{install.file}:{install.line}" not in rendered:
            return (f"namespace {key[0]} gets helm release '{install.release}' (chart {install.chart}), which is "
                    "not in this repository")
    remote = [(a, url) for a in topology.model.entry_points.applies for url in a.remote]
    if remote:
        apply, url = remote[0]
        more = f" and {len(remote) - 1} more" if len(remote) > 1 else ""
        return f"{apply.file}:{apply.line} applies {url}{more} from outside the repository, which may create it"
    installs = topology.model.entry_points.istioctl
    if installs and key[0] == "istio-system":
        return f"{installs[0].file}:{installs[0].line} installs Istio with istioctl, which creates Services in istio-system"
    if any(r.namespace == key[0] for r in topology.model.unplaced):
        return "resources the repository applies into a namespace it does not name may hold it"
    return None


def entry_for(workload: "Workload") -> str:
    r = workload.resource
    return f"{r.kind} {r.namespace}/{r.name}"
