"""The entry points a user would call: every route prefix on every host port the ingress
is published on (and on a Gateway's own port where the host cannot reach it yet), and
every request the repository's scripts send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from patcher.script_requests import script_requests
from patcher.trace.chain import listener, servers_behind
from patcher.trace.hops import Entry
from patcher.trace.match import prefixes

if TYPE_CHECKING:
    from patcher.topology import Gateway, Topology


def _routes_on(topology: "Topology", gateway: "Gateway", port: int, scheme: str) -> list[Entry]:
    out = []
    for vs in topology.virtual_services:
        if gateway.key not in vs.gateways:
            continue
        for host in vs.hosts or ("*",):
            header = None if "*" in host else host
            for route in vs.routes:
                for path in prefixes(route.data):
                    # an HTTPS call of a named host is made with --resolve, so the TLS server name is the host
                    out.append(Entry(port, path, header, scheme, gateway=gateway.key,
                                     resolved=scheme == "https" and header is not None))
    return out


def _scheme(protocol: str) -> str | None:
    return {"HTTP": "http", "HTTP2": "http", "GRPC": "http", "HTTPS": "https"}.get(protocol)


def route_entries(topology: "Topology") -> list[Entry]:
    out: list[Entry] = []
    reached: set[tuple] = set()
    for mapping in topology.mappings:
        found = listener(topology, mapping.container_port)
        if not found or found[0] != "service":
            continue
        _, service, port = found
        for gateway, server in servers_behind(topology, service, port):
            scheme = _scheme(server.protocol)
            if scheme:
                reached.add((gateway.key, server.number))
                out += _routes_on(topology, gateway, mapping.host_port, scheme)
    # a server the host cannot reach yet: a user calls it on its own port, as its docs would say
    for key, gateway in sorted(topology.gateways.items()):
        if not topology.ingress_services(gateway):
            continue
        for server in gateway.servers:
            scheme = _scheme(server.protocol)
            if scheme and (key, server.number) not in reached:
                out += _routes_on(topology, gateway, server.number, scheme)
    return out


def request_entries(topology: "Topology") -> list[Entry]:
    workspace = topology.model.workspace
    out = []
    for path in workspace.scripts:
        for request in script_requests(workspace.texts[path], path):
            out.append(Entry(request.port, request.path, request.host, request.scheme, request.file, request.line,
                             resolved=request.resolved, url_host=request.url_host))
    return out


def entries(topology: "Topology") -> list[Entry]:
    """Every entry once (a script's call of a route prefix is kept with its script's line)."""
    scripted = request_entries(topology)
    seen = {(e.port, e.path, e.host) for e in scripted}
    routes = [e for e in route_entries(topology) if (e.port, e.path, e.host) not in seen]
    return list(dict.fromkeys(routes)) + scripted
