"""VirtualServices Istio merges: those sharing a host on a gateway.

Istio merges gateway-bound VirtualServices of one host into one route table, in an
order nobody chose. As Istio reads them, a short host (``frontend``) and a gateway
named without a namespace belong to the VirtualService's own namespace:
``frontend`` in two namespaces is two hosts.
"""

from __future__ import annotations

from patcher.names import absolute_host
from patcher.topology import VirtualService


def hosts(vs: VirtualService, domain: str) -> dict[str, str]:
    """The VirtualService's hosts as Istio reads them (short names in its namespace) -> as written."""
    return {absolute_host(h, vs.resource.namespace, domain): h for h in vs.hosts}


def order(vs: VirtualService) -> tuple:
    return (vs.resource.source.file, vs.resource.source.doc)


def groups(services: list[VirtualService], domain: str) -> list[list[VirtualService]]:
    """VirtualServices joined when they share a (gateway, host) pair, transitively; gateways
    and short hosts are resolved in each VirtualService's own namespace."""
    parent = list(range(len(services)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for index, vs in enumerate(services):
        for pair in {(g, h) for g in vs.gateways for h in hosts(vs, domain)}:
            if pair in first:
                parent[find(index)] = find(first[pair])
            else:
                first[pair] = index
    out: dict[int, list[VirtualService]] = {}
    for index, vs in enumerate(services):
        out.setdefault(find(index), []).append(vs)
    return [sorted(g, key=order) for g in out.values() if len(g) > 1]


def shared(a: VirtualService, b: VirtualService, domain: str) -> tuple[list, list[str]]:
    """The gateways (None: the mesh) and hosts (as ``b`` writes them) both route."""
    ha, hb = hosts(a, domain), hosts(b, domain)
    return ([g for g in b.gateways if g in a.gateways], sorted(w for h, w in hb.items() if h in ha))
