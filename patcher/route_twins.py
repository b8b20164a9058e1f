"""Settings a route's twins already state: same-match routes of the VirtualServices Istio merges
with the route's own.

One VirtualService for a host's timeouts and one for its retries is a common split. A fix that
gave each route patcher's default for what the other states would make the two disagree, and
the merge of the two (istio/duplicate-gateway-host) would then have to drop one route; taking
the twin's value keeps the team's choice and lets the merge join them.
"""

from __future__ import annotations

import copy
from typing import Any

from patcher.deployed.variants import same_object
from patcher.merged_hosts import groups, order
from patcher.names import fqdn, service_key
from patcher.route_complement import complement
from patcher.routes import same_match
from patcher.topology import VirtualService


def absolute(route: dict, namespace: str, domain: str) -> dict:
    """The route with every destination host that names a Service as its FQDN (short hosts are
    relative to ``namespace``): routes of two namespaces compare by the Services they reach."""
    moved = copy.deepcopy(route)
    for entry in (moved.get("route") or []) + ([{"destination": moved["mirror"]}] if "mirror" in moved else []):
        dest = entry.get("destination") if isinstance(entry, dict) else None
        if isinstance(dest, dict) and isinstance(dest.get("host"), str):
            key = service_key(dest["host"], namespace, domain)
            if key is not None:
                dest["host"] = fqdn(key[0], key[1], domain)
    return moved


class Twins:
    """What a route's twins among the deployed VirtualServices set that it does not. A document
    is known by its place (file, document): rules walk the VirtualServices as written, and one
    document may be deployed by several builds."""

    def __init__(self, deployed: list[VirtualService], domain: str) -> None:
        self._domain = domain
        self._group: dict[tuple, list[VirtualService]] = {}
        for group in groups(deployed, domain):
            for vs in group:
                self._group.setdefault(order(vs), []).extend(o for o in group if order(o) != order(vs))

    def settings(self, vs: VirtualService, data: dict[str, Any]) -> dict[str, tuple[Any, VirtualService]]:
        """key -> (value, the VirtualService setting it) for each setting every twin that sets it
        agrees on; a setting twins disagree on is left out (no value is the team's choice)."""
        found: dict[str, list[tuple[Any, VirtualService]]] = {}
        ours = absolute(data, vs.resource.namespace, self._domain)
        for other in self._group.get(order(vs), ()):
            if same_object(other.resource, vs.resource):
                continue  # variants of one object never run together
            for route in other.routes:
                if not isinstance(route.data, dict) or not same_match(data, route.data):
                    continue
                extra = complement(ours, absolute(route.data, other.resource.namespace, self._domain))
                for key, value in (extra or {}).items():
                    found.setdefault(key, []).append((value, other))
        return {key: values[0] for key, values in found.items() if all(v == values[0][0] for v, _ in values)}
