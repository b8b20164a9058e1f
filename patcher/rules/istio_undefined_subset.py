"""A route to a subset that no DestinationRule for its host defines.

What it finds: a VirtualService route (or mirror) destination with a ``subset`` that no
DestinationRule for the destination's host defines (short hosts resolve in the
VirtualService's namespace, a DestinationRule's host in its own; a wildcard host covers the
hosts it matches). When the host's one DestinationRule names its subsets after a single pod
label (``v1: {version: v1}``) and pods of the host's Service carry that label with the
subset's name, the fix adds the subset. Hosts whose DestinationRules may lie outside what
patcher reads (a DestinationRule it could not read or place) are not judged.

Why it matters: Envoy has no cluster for an undefined subset: every request on the route is
answered 503 (NR, "no route"), and the VirtualService itself is accepted without complaint.

Example:

    kind: VirtualService
    spec:
      http:
        - route: [{destination: {host: reviews, subset: v2}}]
    ---
    kind: DestinationRule
    spec:
      host: reviews
      subsets: [{name: v1, labels: {version: v1}}]   # and pods labelled version: v2 run

Fixed example:

    kind: DestinationRule
    spec:
      host: reviews
      subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
"""

from __future__ import annotations

from typing import Iterator

from patcher.destination_rules import destinations, pods_of, rules_for, subsets
from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import AddItem, Change, ResourceRef
from patcher.names import service_key
from patcher.resources import Resource
from patcher.rule import Context, RuleInfo
from patcher.service_hosts import HostJudge
from patcher.unread import WORKLOADS, gaps, needs

RULE = RuleInfo(
    id="istio/undefined-subset",
    severity=Severity.CRITICAL,
    summary="VirtualService route to a subset no DestinationRule for the host defines",
    fixable=True,
    safety="Safe: the subset is undefined today, so no request on its routes is answered; it is added only "
           "to the host's single DestinationRule, when that rule names every subset after one pod label and "
           "pods of the host's Service carry it with the subset's name.",
)

WHY = ("Envoy has no cluster for an undefined subset: every request routed to it is answered 503 (NR), "
       "while the VirtualService is accepted without complaint.")
NEEDS = needs("DestinationRule")


def _maybe_unseen(ctx: Context, host: str, namespace: str, subset: str) -> bool:
    """Whether a DestinationRule patcher could not read, could not place in a namespace, or
    concluded is not deployed, may define the subset."""
    name = host.split(".")[0].lower()
    if any(subset == s["name"] for dr in rules_for(ctx.topology, host, namespace, undeployed=True)
           for _, s in subsets(dr)):
        return True
    return bool(gaps(NEEDS, ctx.model.unread)) or any(
        "*" in str(dr.get("spec", "host", default="")) or str(dr.get("spec", "host", default="")).split(".")[0] == name
        for dr in ctx.model.unplaced_of_kind("DestinationRule"))


def _label_key(dr: Resource) -> str | None:
    """The one pod label a DestinationRule names its subsets after (``v1: {version: v1}``)."""
    keys = set()
    for _, subset in subsets(dr):
        labels = subset.get("labels")
        if not isinstance(labels, dict) or len(labels) != 1 or str(next(iter(labels.values()))) != subset["name"]:
            return None
        keys.add(str(next(iter(labels))))
    return keys.pop() if len(keys) == 1 else None


def _fix(ctx: Context, rules: list[Resource], host: str, namespace: str, subset: str) -> Fix | None:
    if len(rules) != 1:
        return None
    dr = rules[0]
    if "*" in str(dr.get("spec", "host", default="")):
        return None  # a wildcard rule's subsets are every covered host's: not this route's to extend
    key = _label_key(dr)
    service = ctx.topology.resolve(host, namespace)
    if key is None or service is None:
        return None
    carrying = [p for p in pods_of(ctx.topology, service) if str(p.labels.get(key)) == subset]
    if not carrying:
        return None
    item = {"name": subset, "labels": {key: subset}}
    return Fix(f"add subset {subset} ({key}: {subset}) to DestinationRule {dr.namespace}/{dr.name}", (),
               Applicability.SAFE, f"{', '.join(str(p) for p in carrying)} carry {key}: {subset}; the subset is "
               "used by no route that works today", NEEDS + needs("Service", "Rollout", *WORKLOADS),
               changes=(Change(ResourceRef.of(dr), (AddItem(("spec", "subsets"), item),)),))


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if not topology.uses_istio:
        return
    judge = HostJudge(topology)
    found: dict[tuple, list[tuple[Resource, tuple, str]]] = {}
    for vs in topology.virtual_services:
        res = vs.resource
        for dest in destinations(res):
            subset, host = dest.data.get("subset"), dest.host
            if not isinstance(subset, str) or not subset or host is None:
                continue
            rules = rules_for(topology, host, res.namespace)
            key = service_key(host, res.namespace, topology.cluster_domain)
            if any(subset == s["name"] for dr in rules for _, s in subsets(dr)) \
                    or _maybe_unseen(ctx, host, res.namespace, subset):
                continue
            # a host naming no Service, or one outside the repository: judged by what names it, if at all
            if (key is not None and key not in topology.services) or (key is None and not rules):
                continue
            if key is not None and key[0] in judge.outside:
                continue
            group = (key or host.lower(), subset)
            found.setdefault(group, []).append((res, dest.path + ("subset",), host))
    for (_, subset), sites in sorted(found.items(), key=lambda item: str(item[0])):
        res, path, host = sites[0]
        rules = rules_for(topology, host, res.namespace)
        if rules:
            defined = "; ".join(f"DestinationRule {dr.namespace}/{dr.name} defines "
                                f"{', '.join(s['name'] for _, s in subsets(dr)) or 'none'}" for dr in rules)
            told = f"no DestinationRule for {host} defines it ({defined})"
        else:
            told = f"no DestinationRule for {host} exists"
        others = list(dict.fromkeys(f"VirtualService {r.namespace}/{r.name}" for r, _, _ in sites[1:]
                                    if r is not res))
        also = f" (also routed to by {', '.join(others)})" if others else ""
        message = f"VirtualService {res.namespace}/{res.name} routes to subset {subset} of {host}, but {told}{also}"
        related = tuple(r.location(p) for r, p, _ in sites[1:])
        yield Finding(RULE.id, RULE.severity, message, res.location(path), WHY,
                      _fix(ctx, rules, host, res.namespace, subset), related)
