"""A route to a Service the repository never creates, when a near namesake exists.

What it finds: a VirtualService destination (or mirror) whose host names a
Service, in a namespace where the repository defines Services, that does not
exist, while exactly one Service there is obviously meant: the same name with
a prefix or suffix added, as Helm charts do with the release name
(``frontend`` vs ``web-frontend``). Hosts in namespaces the repository
defines nothing in (addons installed from elsewhere) are not judged.

Why it matters: Istio answers every request on that route with 503 "no healthy
upstream", and nothing in the manifests looks wrong at a glance.

Example:

    route:
      - destination:
          host: frontend            # the chart creates web-frontend
          port: {number: 80}

Fixed example:

    route:
      - destination:
          host: web-frontend
          port: {number: 80}
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Change, ResourceRef, Set
from patcher.names import service_key
from patcher.rule import Context, RuleInfo
from patcher.service_hosts import broken_elsewhere, namesakes
from patcher.unread import needs

RULE = RuleInfo(
    id="istio/route-to-missing-service",
    severity=Severity.CRITICAL,
    summary="VirtualService route to a Service that does not exist (a prefixed namesake does)",
    fixable=True,
    safety="Safe: the route points at no Service today, so no request it matches is answered; it is changed only when exactly one Service is the evident target.",
)


def _destinations(route: dict) -> Iterator[tuple[tuple, dict]]:
    for index, entry in enumerate(route.get("route") or []):
        if isinstance(entry, dict) and isinstance(entry.get("destination"), dict):
            yield ("route", index, "destination"), entry["destination"]
    if isinstance(route.get("mirror"), dict):
        yield ("mirror",), route["mirror"]


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    by_namespace: dict[str, list[str]] = {}
    for namespace, name in topology.services:
        by_namespace.setdefault(namespace, []).append(name)
    # a Service deployed into a namespace patcher cannot resolve may be the very one the route names
    unplaced = {r.name for r in ctx.model.unplaced_of_kind("Service") if not r.group}
    for vs in topology.virtual_services:
        res = vs.resource
        for route in vs.routes:
            for sub, dest in _destinations(route.data):
                host = str(dest.get("host", ""))
                key = service_key(host, res.namespace, topology.cluster_domain)
                if key is None or key in topology.services or key[0] not in by_namespace or key[1] in unplaced:
                    continue
                found = namesakes(key[1], sorted(by_namespace[key[0]]))
                if len(found) != 1:
                    continue
                namesake = found[0]
                path = ("spec", "http", route.index) + sub + ("host",)
                new = host.replace(key[1], namesake, 1)
                message = (f"VirtualService {res.namespace}/{res.name} routes to {host}, but namespace {key[0]} "
                           f"has no Service {key[1]}; it has {namesake}")
                why = "Istio answers every request on this route with 503: no Service, no endpoints."
                # a Service of that name that could not be read may be the route's real target
                fix = Fix(f"route to {new}", (), Applicability.SAFE, needs=needs("Service", namespace=key[0]),
                          changes=(Change(ResourceRef.of(res), (Set(path, host, new),)),))
                broken = broken_elsewhere(topology, res, new, path)
                if broken:
                    fix = Fix(fix.title, (), Applicability.UNSAFE,
                              f"{res.source.file} is built by other kustomize roots too, where {new} names no "
                              f"Service ({', '.join(broken)}): the edit would break their route",
                              fix.needs, changes=fix.changes)
                yield Finding(RULE.id, RULE.severity, message, res.location(path), why, fix)
