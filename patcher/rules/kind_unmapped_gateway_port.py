"""A Gateway server port that no client on the host can reach.

What it finds: in a kind cluster, a request from the host travels host port ->
kind extraPortMapping -> NodePort of the ingress gateway Service -> Service port
-> Gateway server. This rule reports every break in that chain: a Gateway server
whose port the ingress Service does not expose, a Service port without a NodePort
or without a kind mapping onto it, a kind mapping of the server's port onto a
NodePort no Service has, and a mapped ingress port that no Gateway serves.
When kind already maps the server's port to a free containerPort, that
containerPort becomes the new Service port's NodePort instead of a second
mapping. A LoadBalancer ingress Service is judged like a NodePort one (it has
NodePorts too) when kind maps some of its NodePorts; when kind maps none, the
host reaches it through its external IP or a port-forward, and it is not judged.
An ingress Service a chart of the repository renders gets its port through the
chart: in the values key that renders its ports (found by rendering), else in a
new values key its template renders after the ports it writes. When an Argo CD
Application's inline values (`helm.values: |` or `valuesObject`) set those ports,
the port is added there, inside the values block; for the public Istio gateway
chart, which is not in the repository, the fix is proven on the Service modelled
from its values, not by rendering the chart.

Why it matters: the Gateway looks configured, but `curl localhost:<port>` is
refused, because one layer in front of it was never opened.

Example:

    # gateway.yaml                # ingress Service: ports 80, 443 only
    servers:                      # kind-config.yaml: no hostPort 9090
      - port: {number: 9090, name: http-monitoring, protocol: HTTP}

Fixed example:

    # ingress Service gains   - {name: http-monitoring, port: 9090, targetPort: 9090, nodePort: 30000}
    # kind-config.yaml gains  - {containerPort: 30000, hostPort: 9090, protocol: TCP}
"""

from __future__ import annotations

import re
from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Location, Severity
from patcher.intent import changes as C
from patcher.nodeport_range import in_range, nodeport_range
from patcher.rule import Context, RuleInfo
from patcher.unread import INGRESS_CHAIN, needs
from patcher.topology import Gateway, PortMapping, Server, Service, Topology
from patcher.trace.chain import server_chain, server_port, through_kind

RULE = RuleInfo(
    id="kind/unmapped-gateway-port",
    severity=Severity.CRITICAL,
    summary="Gateway server port not reachable from the host (kind mapping, NodePort or server missing)",
    fixable=True,
    options={"nodeport-range": "first free NodePort for a new ingress port"},
    safety="Safe: it only adds what is missing (a Service port with a free NodePort, a kind mapping, a Gateway server); nothing that answers today changes. A Gateway server for a protocol that needs more than a port (HTTPS, TLS) is shown, not applied.",
)

PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")
PROTOCOL_PREFIXES = {"http": "HTTP", "http2": "HTTP", "https": "HTTPS", "grpc": "GRPC", "tcp": "TCP",
                     "tls": "TLS"}
# a port, NodePort or server that could not be read may be the missing layer, or the free port chosen
NEEDS = needs(*INGRESS_CHAIN)
WHY = "A client on the host can only reach the gateway through every layer: kind mapping, NodePort, Service port, Gateway server."


class _Allocator:
    """Hands out free NodePorts and host ports, so several fixes never collide."""

    def __init__(self, topology: Topology, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.used_node = set(topology.node_ports) | {m.container_port for m in topology.mappings}
        self.used_host = {m.host_port for m in topology.mappings}

    def node_port(self) -> int | None:
        for candidate in range(self.low, self.high + 1):
            if candidate not in self.used_node:
                self.used_node.add(candidate)
                return candidate
        return None

    def host_port(self, wanted: int) -> int:
        candidate = wanted
        while candidate in self.used_host:
            candidate += 1
        self.used_host.add(candidate)
        return candidate


def _mapping_node(topology: Topology) -> tuple | None:
    """(kind config, node index) that carries the port mappings (the first one that has any)."""
    for mapping in topology.mappings:
        return (mapping.config, mapping.node)
    for config in topology.model.kind_configs:
        nodes = config.data.get("nodes") or []
        for index, node in enumerate(nodes):
            if isinstance(node, dict) and node.get("role", "control-plane") == "control-plane":
                return (config, index)
    return None


def _mapping_change(topology: Topology, node_port: int, host_port: int) -> list:
    target = _mapping_node(topology)
    if target is None:
        configs = [c for c in topology.model.kind_configs if not c.data.get("nodes")]
        if not configs:
            return []
        # no nodes listed: kind makes one control-plane node; say so, with the mapping on it
        item = {"containerPort": node_port, "hostPort": host_port, "protocol": "TCP"}
        node = {"role": "control-plane", "extraPortMappings": [item]}
        return [_in_config(configs[0], C.AddKey((), "nodes", [node]))]
    config, node = target
    node_data = config.data["nodes"][node]
    item = _like_siblings({"containerPort": node_port, "hostPort": host_port, "protocol": "TCP"},
                          node_data.get("extraPortMappings") or [])
    if isinstance(node_data.get("extraPortMappings"), list):
        return [_in_config(config, C.AddItem(("nodes", node, "extraPortMappings"), item))]
    return [_in_config(config, C.AddKey(("nodes", node), "extraPortMappings", [item]))]


def _in_config(config, op) -> C.Change:
    return C.Change(C.DocumentRef(config.file, config.document.index), (op,))


def _in_resource(svc, op) -> C.Change:
    return C.Change(C.ResourceRef.of(svc), (op,))


def _like_siblings(item: dict, siblings: list) -> dict:
    """Write a new entry the way its siblings are written: key order, protocol, listenAddress."""
    siblings = [m for m in siblings if isinstance(m, dict)]
    if siblings and not any("protocol" in m for m in siblings):
        item.pop("protocol")  # TCP is the default; follow a file that never says it
    addresses = {m.get("listenAddress") for m in siblings}
    if len(addresses) == 1 and None not in addresses:
        item["listenAddress"] = addresses.pop()
    if siblings:
        order = list(siblings[0])
        item = dict(sorted(item.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    return item


def _port_name(server: Server) -> str:
    if PORT_NAME.match(server.name) and server.name.split("-")[0] in PROTOCOL_PREFIXES:
        return server.name
    return f"{server.protocol.lower() or 'tcp'}-{server.number}"[:15]


def _check_server(ctx: Context, gateway: Gateway, server: Server, service: Service,
                  alloc: _Allocator) -> Finding | None:
    topology = ctx.topology
    svc = service.resource
    if server_chain(topology, gateway, server, service).ok:
        return None  # the host reaches the server: the chain the report traces is whole
    port = server_port(topology, service, server.number)
    loc = gateway.resource.location(("spec", "servers", server.index, "port", "number"))
    where = f"Gateway {gateway.resource.namespace}/{gateway.resource.name} serves port {server.number}"
    changes: list = []
    written = True
    waiting = topology.waiting_mapping(server.number) if port is None or port.node_port is None else None
    # a mapping onto a containerPort outside the NodePort range can never reach a NodePort (the API
    # server rejects one there): it is pointed at the new NodePort instead of copied into the Service
    outside = waiting if waiting and not in_range(waiting.container_port, (alloc.low, alloc.high)) else None
    reused = waiting if waiting and not outside else None
    if port is None:
        node_port = reused.container_port if reused else alloc.node_port()
        if node_port is None:
            return None
        if reused:
            message = (f"{where} and kind maps host port {server.number} to containerPort {node_port}, "
                       f"but the ingress Service {svc.namespace}/{svc.name} has no port {server.number} "
                       f"with nodePort {node_port}")
        else:
            message = (f"{where}, but the ingress Service {svc.namespace}/{svc.name} has no port "
                       f"{server.number}" + ("" if outside else " and kind maps no host port to it"))
        item = _like_siblings({"name": _port_name(server), "port": server.number, "targetPort": server.number,
                               "nodePort": node_port, "protocol": "TCP"},
                              _written_ports(svc))
        changes.append(_in_resource(svc, C.AddItem(("spec", "ports"), item)))
    elif port.node_port is None:
        node_port = reused.container_port if reused else alloc.node_port()
        message = (f"{where}, but port {server.number} of the ingress Service {svc.namespace}/{svc.name} "
                   f"has no fixed nodePort, so kind cannot map a host port to it")
        if svc.source.editable and svc.file_path(("spec", "ports", port.index)) is None:
            written = False  # a default port the declaration does not write: no item to add the key to
        else:
            changes.append(_in_resource(svc, C.AddKey(("spec", "ports", port.index), "nodePort", node_port)))
    else:
        node_port = port.node_port
        message = (f"{where} (NodePort {node_port} of {svc.namespace}/{svc.name}), but kind maps no "
                   f"host port to NodePort {node_port}")
        # a mapping of the server's own host port onto a containerPort nothing listens on was meant
        # for this NodePort (a typo): pointing it there breaks nothing, since it reaches nothing now
        stray = topology.waiting_mapping(server.number) or topology.mistyped_mapping(node_port)
        if stray is not None:
            message += (f"; kind maps host port {stray.host_port} to containerPort {stray.container_port}, "
                        "which nothing listens on")
            changes.append(_in_config(stray.config, C.Set(stray.path + ("containerPort",), stray.container_port,
                                                          node_port)))
            title = f"map host port {stray.host_port} to NodePort {node_port} (was containerPort {stray.container_port})"
            return Finding(RULE.id, RULE.severity, message, loc, WHY,
                           Fix(title, (), Applicability.SAFE, needs=NEEDS, changes=tuple(changes)),
                           (svc.location(("spec", "ports")),))
    if outside and node_port is not None:
        message += (f"; kind maps host port {outside.host_port} to containerPort {outside.container_port}, "
                    f"outside the NodePort range {alloc.low}-{alloc.high}, which no NodePort can take")
        changes.append(_in_config(outside.config, C.Set(outside.path + ("containerPort",), outside.container_port,
                                                        node_port)))
    if waiting:
        host_port = waiting.host_port  # the mapping is there already; only the Service lacked the port
    else:
        host_port = alloc.host_port(server.number)
        changes += _mapping_change(topology, node_port, host_port)
    # a Service a chart renders is changed through the chart (placement finds the values key, or says why not)
    # and one an Argo CD Application's values string configures, inside that string
    fixable = (svc.source.editable or bool(svc.source.release) or svc.source.block is not None) and written \
        or port is not None and port.node_port is not None
    title = f"expose port {server.number} on the host as localhost:{host_port}"
    fix = Fix(title, (), Applicability.SAFE, needs=NEEDS, changes=tuple(changes)) if fixable and changes else None
    if not fixable:
        message += (f"; the Service is declared by {svc.source.declared_by or svc.source.file}: "
                    + ("add the port (with a fixed nodePort) there" if port is None else "pin its nodePort there"))
    return Finding(RULE.id, RULE.severity, message, loc, WHY, fix,
                   (svc.location(("spec", "ports")),))


def _written_ports(svc) -> list:
    """The ports as the file writes them (a declaration's own items, not the defaults merged in)."""
    at = svc.file_path(("spec", "ports"))
    if svc.source.prefix is None or at is None:
        return svc.get("spec", "ports") or []
    node = svc.document.data
    for key in at:
        ok = isinstance(node, dict) and key in node or isinstance(node, list) and isinstance(key, int) and key < len(node)
        node = node[key] if ok else []
    return node if isinstance(node, list) else []


def _unserved(ctx: Context, service: Service, mapping: PortMapping) -> Finding | None:
    """A host port mapped onto an ingress port that no Gateway has a server for."""
    topology = ctx.topology
    port = next((p for p in service.ports if p.node_port == mapping.container_port), None)
    if port is None:
        return None
    protocol = PROTOCOL_PREFIXES.get(port.name.split("-")[0])
    gateways = topology.gateways_on(service)
    if protocol is None or not gateways or any(s.number in (port.port, topology.target_port(service, port)) for g in gateways for s in g.servers):
        return None
    gateway = gateways[0]
    hosts = list(gateway.servers[0].hosts) if gateway.servers else ["*"]
    server = {"port": {"number": port.port, "name": port.name, "protocol": protocol}, "hosts": hosts}
    res = gateway.resource
    safe = protocol in ("HTTP", "GRPC", "TCP") and res.source.editable
    fix = Fix(f"add a {protocol} server on port {port.port} to Gateway {res.namespace}/{res.name}", (),
              Applicability.SAFE if safe else Applicability.DISPLAY_ONLY, needs=NEEDS,
              changes=(_in_resource(res, C.AddItem(("spec", "servers"), server)),))
    config = mapping.config
    loc = _mapping_location(config, mapping)
    message = (f"host port {mapping.host_port} reaches ingress port {port.port} "
               f"({service.resource.namespace}/{service.resource.name}), but no Gateway has a server on it")
    return Finding(RULE.id, RULE.severity, message, loc, WHY, fix)


def _mapping_location(config, mapping: PortMapping) -> Location:
    line, column = config.document.line_of(mapping.path)
    return Location(config.file, line, column, config.document.index, mapping.path)


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if not ctx.model.kind_configs:
        return
    low, high = nodeport_range(ctx.model, ctx.config)
    alloc = _Allocator(topology, int(low), int(high))
    seen: set[tuple] = set()
    for _, gateway in sorted(topology.gateways.items()):
        services = [s for s in topology.ingress_services(gateway) if through_kind(topology, s)]
        for service in services[:1]:
            for server in gateway.servers:
                if (service.key, server.number) in seen:
                    continue
                seen.add((service.key, server.number))
                finding = _check_server(ctx, gateway, server, service, alloc)
                if finding:
                    yield finding
    for service in topology.all_ingress_services:
        for mapping in topology.mappings:
            finding = _unserved(ctx, service, mapping)
            if finding:
                yield finding
