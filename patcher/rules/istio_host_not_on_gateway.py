"""A VirtualService host that none of its Gateway's servers serves.

What it finds: a deployed VirtualService bound to a deployed Gateway, with a host that no server
of that Gateway takes: no server host matches it or is matched by it (``*`` and ``*.shop.test``
as Istio matches them; a short host is a Service of the VirtualService's namespace), or the
only servers that would take it admit VirtualServices of other namespaces alone (``./host``
is the Gateway's own namespace, ``ns/host`` that namespace). Gateways patcher does not see are
istio/gateway-not-found's business; mesh bindings are not judged.

Why it matters: istiod builds the gateway's routes from the hosts its servers and the
VirtualService share; a host they do not share gets no route there, and requests for it are
answered 404 by the gateway.

Example:

    kind: Gateway                       kind: VirtualService
    spec:                               spec:
      servers:                            hosts: [shop.test]
        - hosts: ["www.shop.test"]        gateways: [web]

Fixed example: none automatic; add the host to a server of the Gateway, or correct the
VirtualService's host.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.names import absolute_host, hosts_overlap
from patcher.rule import Context, RuleInfo
from patcher.topology import Gateway

RULE = RuleInfo(
    id="istio/host-not-on-gateway",
    severity=Severity.CRITICAL,
    summary="VirtualService host that no server of its Gateway serves",
    fixable=False,
    safety="No fix: whether the Gateway or the VirtualService names the wrong host is the author's call.",
)

WHY = "The gateway builds routes only for hosts its servers and the VirtualService share: this host gets 404 there."


def _admits(gateway: Gateway, server_host: str, namespace: str) -> str | None:
    """The DNS part of a server host when it admits VirtualServices of ``namespace``."""
    if "/" not in server_host:
        return server_host
    scope, dns = server_host.split("/", 1)
    if scope == "*" or scope == namespace or (scope == "." and namespace == gateway.resource.namespace):
        return dns
    return None


def _served(gateway: Gateway, host: str, namespace: str, domain: str) -> bool:
    wanted = absolute_host(host, namespace, domain)
    for server in gateway.servers:
        for server_host in server.hosts:
            dns = _admits(gateway, str(server_host), namespace)
            if dns is not None and hosts_overlap(dns.lower(), wanted):
                return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    domain = topology.cluster_domain
    for vs in topology.virtual_services:
        res = vs.resource
        for index, key in enumerate(vs.gateways):
            gateway = topology.gateways.get(key) if key is not None else None
            if gateway is None or not gateway.servers or \
                    len(gateway.servers) != len(gateway.resource.get("spec", "servers") or []):
                continue  # a server patcher cannot read may take the host
            unserved = [h for h in vs.hosts if not _served(gateway, h, res.namespace, domain)]
            if not unserved:
                continue
            hosts = sorted({str(h) for s in gateway.servers for h in s.hosts})
            message = (f"VirtualService {res.namespace}/{res.name} host {', '.join(unserved)} is served by no server "
                       f"of Gateway {key[0]}/{key[1]} (its hosts: {', '.join(hosts)}): the gateway has no route for "
                       f"it")
            yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "gateways", index)), WHY, None,
                          (gateway.resource.location(("spec", "servers")),))
