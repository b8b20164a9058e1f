"""A DestinationRule subset whose labels select no pod of the host's Service.

What it finds: a DestinationRule subset whose ``labels`` match none of the pods the host's
Service selects, comparing with the pod templates of its workloads as rendered or built
(Deployments, StatefulSets, DaemonSets, Argo Rollouts...). Services whose workloads are not in
the repository, subsets an Argo Rollout's traffic routing manages, and namespaces whose
workloads patcher could not all read are not judged. There is no fix: whether the subset's
labels or the pods' are wrong is the author's call; the finding lists the pods' labels.

Why it matters: a route to such a subset has no endpoints: Envoy answers 503 "no healthy
upstream" for every request on it.

Example:

    kind: DestinationRule
    spec:
      host: reviews
      subsets:
        - name: v2
          labels: {version: v2}    # the Deployment's pods are labelled version: "2.0"

Fixed example:

    kind: DestinationRule
    spec:
      host: reviews
      subsets:
        - name: v2
          labels: {version: "2.0"}
"""

from __future__ import annotations

from typing import Iterator

from patcher.destination_rules import destinations, managed_subsets, pods_of, subsets
from patcher.findings import Finding, Severity
from patcher.names import selects, service_key
from patcher.rule import Context, RuleInfo
from patcher.unread import WORKLOADS, gaps, needs

RULE = RuleInfo(
    id="istio/subset-without-pods",
    severity=Severity.CRITICAL,
    summary="DestinationRule subset whose labels select no pod of the host's Service",
    fixable=False,
    safety="No fix: whether the subset's labels or the pods' labels are wrong is the author's call.",
)

WHY = "A route to a subset with no pods has no endpoints: Envoy answers 503 \"no healthy upstream\"."


def _labels(labels: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items(), key=lambda kv: str(kv[0])))


def _routed(ctx: Context, key: tuple[str, str], subset: str) -> list[str]:
    """The VirtualServices that send traffic to ``subset`` of the Service ``key``."""
    out = []
    for vs in ctx.topology.virtual_services:
        res = vs.resource
        if any(d.data.get("subset") == subset and d.host is not None
               and service_key(d.host, res.namespace, ctx.topology.cluster_domain) == key
               for d in destinations(res)):
            out.append(f"VirtualService {res.namespace}/{res.name}")
    return out


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if not topology.uses_istio:
        return
    # workloads of a namespace patcher cannot resolve: their pods may be any Service's
    unplaced = [r.get("spec", "template", "metadata", "labels") or r.get("metadata", "labels") or {}
                for r in ctx.model.unplaced if r.kind in WORKLOADS | {"Rollout"}]
    for dr in ctx.model.of_kind("DestinationRule"):
        host = dr.get("spec", "host")
        if not dr.group.startswith("networking.istio.io") or not isinstance(host, str) or "*" in host:
            continue
        service = topology.resolve(host, dr.namespace)
        if service is None or not service.selector:
            continue  # no Service, or endpoints kept by hand: nothing to compare the labels with
        pods = pods_of(topology, service)
        namespace = service.resource.namespace
        if not pods or any(selects(service.selector, labels) for labels in unplaced) or gaps(needs("Rollout", *WORKLOADS, namespace=namespace), ctx.model.unread):
            continue  # pods the repository does not show (or patcher could not read) may carry the labels
        managed = managed_subsets(topology, dr)
        for index, subset in subsets(dr):
            labels = subset.get("labels")
            if not isinstance(labels, dict) or not labels or subset["name"] in managed:
                continue
            if any(selects({str(k): str(v) for k, v in labels.items()},
                           {str(k): str(v) for k, v in p.labels.items()}) for p in pods):
                continue
            seen = "; ".join(f"{p} ({_labels(p.labels)})" for p in pods)
            routed = _routed(ctx, service.key, subset["name"])
            used = f"; {', '.join(routed)} route{'s' if len(routed) == 1 else ''} to it" if routed else ""
            message = (f"DestinationRule {dr.namespace}/{dr.name} subset {subset['name']} ({_labels(labels)}) "
                       f"selects no pod of Service {namespace}/{service.resource.name}: its pods are {seen}{used}")
            path = ("spec", "subsets", index, "labels")
            yield Finding(RULE.id, RULE.severity, message, dr.location(path), WHY)
