"""Two Gateways on the same gateway pods serve one host on one port, not both as plain HTTP.

What it finds: two deployed Gateways whose selectors pick the same gateway pods (pod templates
the repository deploys, pods an installer declares; when neither knows the pods, the same
selector), each with a server on the same port number naming the same host, where at least
one of the two servers is not plain HTTP (HTTPS, TLS...), or two TCP servers on one port
(TCP has no host to tell them apart). Plain HTTP servers on one port are merged by istiod into
one route table, where the bound VirtualServices decide, and a wildcard next to a narrower
name (``*.shop.test``, ``admin.shop.test``) is told apart by SNI, the most specific first: neither
is reported. Gateways built by two different kustomize roots are taken for two environments
and not compared.

Why it matters: for TLS and TCP servers a gateway proxy keeps one filter chain per port and
host; istiod drops the second server as a duplicate. Which Gateway wins depends on the order
istiod reads them: the loser's certificate and the VirtualServices bound to it are not used,
and nothing in the manifests says so.

Example:

    # shop-gateway.yaml                    # admin-gateway.yaml
    selector: {istio: ingress}             selector: {istio: ingress}
    servers:                               servers:
      - port: {number: 443, protocol: HTTPS} - port: {number: 443, protocol: HTTPS}
        hosts: ["shop.test"]                   hosts: ["shop.test", "admin.shop.test"]

Fixed example: none automatic; give each host to one Gateway or merge the two Gateways'
servers into one.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.gateway_workloads import GatewayPods
from patcher.names import selects
from patcher.rule import Context, RuleInfo
from patcher.topology import Gateway, Server

RULE = RuleInfo(
    id="istio/conflicting-gateway",
    severity=Severity.MEDIUM,
    summary="Two Gateways on the same gateway pods serve one host on one port (not both plain HTTP)",
    fixable=False,
    safety="No fix: which Gateway should keep the host is the author's call.",
)

WHY = ("istiod keeps one TLS or TCP server per port and host on a gateway proxy: the other Gateway's certificate "
       "and routes for that host are dropped, depending on the order istiod reads them.")


def _pods(gateway: Gateway, pods: GatewayPods) -> frozenset:
    selector = {str(k): str(v) for k, v in (gateway.selector or {}).items()}
    picked = {("template", t.resource.kind, t.resource.namespace, t.resource.name)
              for t in pods.deployed if selects(selector, t.labels)}
    picked |= {("installed",) + key for key, labels in pods.model.gateway_pods.items()
               if selects(selector, dict(labels))}
    return frozenset(picked)


def _same_pods(a: Gateway, b: Gateway, picked: dict) -> bool:
    if picked[a.key] or picked[b.key]:
        return bool(picked[a.key] & picked[b.key])
    return bool(a.selector) and dict(a.selector) == dict(b.selector)


def _together(a: Gateway, b: Gateway) -> bool:
    """Whether the two may run in one cluster: two kustomize roots are often two environments
    (overlays/dev, overlays/prod), each with its own copy of the Gateway."""
    roots = (a.resource.source.kustomize_root, b.resource.source.kustomize_root)
    return None in roots or roots[0] == roots[1]


def _host(host: str) -> str:
    return host.split("/", 1)[1] if "/" in host else host


TCP = {"TCP", "MONGO", "MYSQL", "REDIS"}  # no SNI: one server per port, whatever its hosts


def _overlap(a: Server, b: Server) -> list[str]:
    """The hosts both servers take. Envoy tells a wildcard from a narrower name by SNI (the most
    specific wins), so only the same name twice collides; TCP servers collide on the port."""
    if a.protocol in TCP and b.protocol in TCP:
        return ["every host (TCP servers are not told apart by host)"]
    return sorted({_host(x) for x in a.hosts} & {_host(y) for y in b.hosts})


def _conflict(server: Server, earlier: list[Gateway]) -> tuple[Gateway, Server, list[str]] | None:
    for gateway in earlier:
        for other in gateway.servers:
            if server.number != other.number or (server.protocol == "HTTP" and other.protocol == "HTTP"):
                continue
            hosts = _overlap(server, other)
            if hosts:
                return gateway, other, hosts
    return None


def check(ctx: Context) -> Iterator[Finding]:
    pods = GatewayPods(ctx.model)
    gateways = [g for _, g in sorted(ctx.topology.gateways.items()) if g.selector]
    picked = {g.key: _pods(g, pods) for g in gateways}
    for i, later in enumerate(gateways):
        earlier = [g for g in gateways[:i] if _same_pods(g, later, picked) and _together(g, later)]
        for server in later.servers:
            found = _conflict(server, earlier)
            if found is None:
                continue
            first, other, hosts = found
            res = later.resource
            message = (f"Gateway {res.namespace}/{res.name} server {server.index} ({server.protocol or 'no protocol'} "
                       f"on port {server.number}) serves {', '.join(hosts)}, as Gateway {first.resource.namespace}/"
                       f"{first.resource.name} server {other.index} ({other.protocol or 'no protocol'}) does on the "
                       f"same gateway pods: istiod keeps only one of them")
            yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "servers", server.index)), WHY,
                          None, (first.resource.location(("spec", "servers", other.index)),))
