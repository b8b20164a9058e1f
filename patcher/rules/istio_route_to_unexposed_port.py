"""A route to a port its destination Service does not expose.

What it finds: a VirtualService destination whose ``port.number`` is none of
the ports of the Service (deployed by the repository) its host names. Often it
is the container port (the Service's ``targetPort``) instead of the Service
port.

Why it matters: Istio builds one upstream cluster per Service port; a route to
any other port has no cluster, and every request it matches is answered 503
("no healthy upstream" / NR).

Example:

    route:
      - destination:
          host: api
          port: {number: 8080}   # Service api exposes 80 -> targetPort 8080

Fixed example:

    route:
      - destination:
          host: api
          port: {number: 80}

The fix is written only when the target is unambiguous: the Service exposes
exactly one port, or exactly one of its ports forwards to the number the route
names. Otherwise the finding lists the Service's ports and has no fix. A
file other kustomize roots build too, where the Service lacks the chosen
port, gets the fix shown only.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Change, ResourceRef, Set
from patcher.route_ports import describe, destination_port, port_broken_elsewhere, route_destinations
from patcher.rule import Context, RuleInfo
from patcher.unread import needs

RULE = RuleInfo(
    id="istio/route-to-unexposed-port",
    severity=Severity.CRITICAL,
    summary="VirtualService route to a port its destination Service does not expose",
    fixable=True,
    safety="Safe: a route to a port the Service does not expose answers every request with 503 today; the port is changed only when exactly one Service port is the evident target (the only port, or the only one forwarding to the number the route names). A base that other kustomize roots build against a Service without that port is shown, not applied.",
)

WHY = "Istio has no upstream cluster for a Service port that does not exist: every request on this route gets 503."


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    for d in route_destinations(topology):
        number = destination_port(d.data)
        if number is None or any(p.port == number for p in d.service.ports):
            continue
        res, service = d.vs.resource, d.service
        path = d.path + ("port", "number")
        message = (f"{d.label} of VirtualService {res.namespace}/{res.name} sends to {d.data['host']} port "
                   f"{number}, but Service {service.key[0]}/{service.key[1]} exposes "
                   f"{describe(service.ports)}")
        if len(service.ports) == 1:
            chosen = [service.ports[0]]
        else:
            # the route named the container port: the Service port forwarding there is meant
            chosen = [p for p in service.ports if topology.target_port(service, p) == number]
        fix = None
        if len(chosen) == 1:
            fix = Fix(f"route to port {chosen[0].port}", (), Applicability.SAFE,
                      "the route is answered with 503 today; the Service has one evident port for it",
                      needs=needs("Service", namespace=service.key[0]),
                      changes=(Change(ResourceRef.of(res), (Set(path, number, chosen[0].port),)),))
            broken = port_broken_elsewhere(topology, res, str(d.data["host"]), chosen[0].port, path)
            if broken:
                fix = Fix(fix.title, (), Applicability.DISPLAY_ONLY,
                          f"{res.source.file} is built by other kustomize roots too, where the Service has no "
                          f"port {chosen[0].port} ({', '.join(broken)}): the edit would break their route",
                          fix.needs, changes=fix.changes)
        else:
            message += "; which one is meant is not evident"
        yield Finding(RULE.id, RULE.severity, message, res.location(path), WHY, fix,
                      (service.resource.location(("spec", "ports")),))
