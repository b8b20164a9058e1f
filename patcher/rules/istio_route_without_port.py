"""A gateway route to a multi-port Service that names no destination port.

What it finds: a VirtualService bound to a Gateway whose destination host is a
Service (deployed by the repository) exposing more than one port, with no
``port`` on the destination, where some Gateway server the route is served on
listens on a port number the Service does not expose.

Why it matters: with no port given, Istio sends to the Service port numbered
like the listener the request came in on (the Gateway server's port). A
Gateway listening on 443 or 8080 in front of a Service exposing 80 and 9090
has no such port: every request through that server is answered 503. Routes
in the mesh alone are not judged, since there the listener is the Service
port itself.

Example:

    route:
      - destination:
          host: api          # Service api: http 80, metrics 9090; Gateway server 443

Fixed example:

    route:
      - destination:
          host: api
          port:
            number: 80

The fix is written only when exactly one Service port speaks the route's
protocol (by its name's prefix or ``appProtocol``: http, http2, grpc for an
HTTP route; https, tls for a TLS route); otherwise the finding lists the
candidates and has no fix.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import AddKey, Change, ResourceRef
from patcher.names import host_matches
from patcher.route_ports import describe, port_broken_elsewhere, route_destinations
from patcher.rule import Context, RuleInfo
from patcher.topology import Service, ServicePort, Topology, VirtualService
from patcher.unread import needs

RULE = RuleInfo(
    id="istio/route-without-port",
    severity=Severity.CRITICAL,
    summary="Gateway route to a multi-port Service without a destination port",
    fixable=True,
    safety="Safe: requests through a Gateway server whose port the Service lacks get 503 today; the port is added only when exactly one Service port speaks the route's protocol, and on listeners that already matched a Service port the route is changed only if that port was the same one.",
)

WHY = ("With no destination port Istio picks the Service port numbered like the Gateway listener; "
       "the Service has none for this listener, so every request through it gets 503.")

# Istio's protocol of a Service port, by appProtocol or the name's prefix, that each route kind carries
PROTOCOLS = {"http": {"http", "http2", "grpc", "grpc-web", "h2c"}, "tls": {"https", "tls"}}


def _protocol(service: Service, port: ServicePort) -> str:
    raw = (service.resource.get("spec", "ports", default=[]) or [])[port.index]
    app = raw.get("appProtocol") if isinstance(raw, dict) else None
    return str(app or port.name.split("-", 1)[0]).lower()


def _listener_ports(topology: Topology, vs: VirtualService) -> list[int]:
    """The port numbers of the Gateway servers that serve this VirtualService's hosts."""
    out = set()
    for key in vs.gateways:
        gateway = topology.gateways.get(key) if key else None
        for server in gateway.servers if gateway else ():
            hosts = [h.split("/", 1)[-1] for h in server.hosts]
            if any(host_matches(h, host) or host_matches(host, h) for h in hosts for host in vs.hosts):
                out.add(server.number)
    return sorted(out)


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    for d in route_destinations(topology):
        service = d.service
        if "port" in d.data or len(service.ports) < 2:
            continue
        exposed = {p.port for p in service.ports}
        listeners = _listener_ports(topology, d.vs)
        missing = [n for n in listeners if n not in exposed]
        if not missing:
            continue  # mesh-only, or every listener lands on a Service port of its number
        res = d.vs.resource
        kind = d.path[1]
        candidates = [p for p in service.ports if _protocol(service, p) in PROTOCOLS.get(kind, set())]
        message = (f"{d.label} of VirtualService {res.namespace}/{res.name} sends to {d.data['host']} with no "
                   f"port; Service {service.key[0]}/{service.key[1]} exposes {describe(service.ports)} and none "
                   f"matches Gateway listener port {', '.join(map(str, missing))}")
        fix = None
        matched = {n for n in listeners if n in exposed}
        if len(candidates) == 1 and matched <= {candidates[0].port}:
            port = candidates[0].port
            fix = Fix(f"route to port {port}", (), Applicability.SAFE,
                      f"port {port} is the Service's only {kind.upper()} port, and the listeners that work "
                      "today already reach it",
                      needs=needs("Service", "Gateway"),
                      changes=(Change(ResourceRef.of(res), (AddKey(d.path, "port", {"number": port}),)),))
            broken = port_broken_elsewhere(topology, res, str(d.data["host"]), port, d.path + ("port",))
            if broken:
                fix = Fix(fix.title, (), Applicability.DISPLAY_ONLY,
                          f"{res.source.file} is built by other kustomize roots too, where the Service has no "
                          f"port {port} ({', '.join(broken)}): the edit would break their route",
                          fix.needs, changes=fix.changes)
        else:
            names = describe(candidates) if candidates else "none"
            message += f"; Service ports speaking {kind.upper()}: {names}, so which one is meant is not evident"
        yield Finding(RULE.id, RULE.severity, message, res.location(d.path), WHY, fix,
                      (service.resource.location(("spec", "ports")),))
