"""A Gateway server on a port its ingress Service does not expose.

What it finds: a Gateway server whose port number is neither a port nor a
``targetPort`` of the ingress gateway Service in front of the pods its
selector picks. istiod maps a server on a Service port to that port's
``targetPort`` (what the gateway pod listens on), and a server on a
``targetPort`` is used as it is; any other number opens a listener no
Service port leads to. Ingress Services reached from the host through kind's
port mappings are judged by kind/unmapped-gateway-port, which also adds the
mapping; this rule judges the others, so one break is reported once. When the
ingress Service is not known (installed from elsewhere), nothing is judged.

Why it matters: the Gateway and its routes look configured, but no client
can reach the listener: connections to the Service never arrive on it.

Example:

    servers:                      # ingress Service: 80 -> 8080, 443 -> 8443
      - port: {number: 9443, name: https-admin, protocol: HTTPS}

Fixed example:

    # ingress Service gains   - {name: https-admin, port: 9443, targetPort: 9443}
"""

from __future__ import annotations

import re
from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import AddItem, Change, ResourceRef
from patcher.route_ports import describe
from patcher.rule import Context, RuleInfo
from patcher.topology import Server, Service, Topology
from patcher.trace.chain import through_kind
from patcher.unread import INGRESS_CHAIN, needs

RULE = RuleInfo(
    id="istio/gateway-port-not-exposed",
    severity=Severity.CRITICAL,
    summary="Gateway server port that is neither a port nor a targetPort of the ingress Service",
    fixable=True,
    safety="Safe: it only adds a Service port onto the listener the server opens, which nothing reaches today; a Service declared by an installer or chart it cannot edit gets the finding without the fix.",
)

WHY = "No port of the ingress Service leads to this listener: no client reaches the server."
PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")


def exposes(topology: Topology, service: Service, number: int) -> bool:
    return any(p.port == number or topology.target_port(service, p) == number for p in service.ports)


def _port_name(server: Server) -> str:
    if PORT_NAME.match(server.name):
        return server.name
    return f"{server.protocol.lower() or 'tcp'}-{server.number}"[:15]


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if ctx.model.ingress_unknown:
        return
    seen: set[tuple] = set()
    for _, gateway in sorted(topology.gateways.items()):
        services = [s for s in topology.ingress_services(gateway) if s.ports]
        if not services or any(through_kind(topology, s) for s in services):
            continue
        for server in gateway.servers:
            if any(exposes(topology, s, server.number) for s in services):
                continue
            service = services[0]
            svc, res = service.resource, gateway.resource
            if (service.key, server.number) in seen:
                continue
            seen.add((service.key, server.number))
            path = ("spec", "servers", server.index, "port", "number")
            message = (f"Gateway {res.namespace}/{res.name} serves port {server.number}, but the ingress Service "
                       f"{svc.namespace}/{svc.name} exposes {describe(service.ports)} and no targetPort "
                       f"{server.number}")
            item = {"name": _port_name(server), "port": server.number, "targetPort": server.number}
            fix = None
            if svc.source.editable or svc.source.release or svc.source.block is not None:
                fix = Fix(f"expose port {server.number} on {svc.namespace}/{svc.name}", (), Applicability.SAFE,
                          "it adds a Service port onto a listener nothing reaches today",
                          needs=needs(*INGRESS_CHAIN),
                          changes=(Change(ResourceRef.of(svc), (AddItem(("spec", "ports"), item),)),))
            else:
                message += f"; the Service is declared by {svc.source.declared_by or svc.source.file}: add the port there"
            yield Finding(RULE.id, RULE.severity, message, res.location(path), WHY, fix,
                          (svc.location(("spec", "ports")),))
