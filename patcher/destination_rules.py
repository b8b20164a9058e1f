"""Where a VirtualService sends traffic, which DestinationRules apply to a host, and which pods
a Service's subsets can select.

A route's ``subset`` is defined by the DestinationRule for the destination host; the subset's
labels pick, among the pods of the host's Service, those the subset sends to. Pods are read
from the workloads as they are rendered or built (Deployments, StatefulSets, DaemonSets... and
Argo Rollouts, whose controller also keeps the subsets a canary rollout names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from patcher.names import absolute_host, fqdn, host_matches, selects, service_key
from patcher.resources import Resource


@dataclass(frozen=True)
class RouteDestination:
    path: tuple  # YAML path of the destination mapping in the VirtualService
    data: dict
    section: str  # http, tcp or tls
    mirror: bool = False

    @property
    def host(self) -> str | None:
        host = self.data.get("host")
        return host if isinstance(host, str) else None


def _list(value) -> list:
    return value if isinstance(value, list) else []


def destinations(resource: Resource) -> Iterator[RouteDestination]:
    """Every destination of a VirtualService's http, tcp and tls routes, mirrors included."""
    spec = resource.get("spec") or {}
    for section in ("http", "tcp", "tls"):
        for i, route in enumerate(_list(spec.get(section) if isinstance(spec, dict) else None)):
            if not isinstance(route, dict):
                continue
            for j, entry in enumerate(_list(route.get("route"))):
                if isinstance(entry, dict) and isinstance(entry.get("destination"), dict):
                    yield RouteDestination(("spec", section, i, "route", j, "destination"), entry["destination"],
                                           section)
            if isinstance(route.get("mirror"), dict):
                yield RouteDestination(("spec", section, i, "mirror"), route["mirror"], section, True)
            for k, mirror in enumerate(_list(route.get("mirrors"))):
                if isinstance(mirror, dict) and isinstance(mirror.get("destination"), dict):
                    yield RouteDestination(("spec", section, i, "mirrors", k, "destination"), mirror["destination"],
                                           section, True)


def _names(host: str, namespace: str, cluster_domain: str) -> tuple[tuple[str, str] | None, str]:
    key = service_key(host, namespace, cluster_domain)
    return key, fqdn(*key, cluster_domain) if key else absolute_host(host, namespace, cluster_domain)


def rules_for(topology, host: str, namespace: str, undeployed: bool = False) -> list[Resource]:
    """The DestinationRules whose host covers ``host`` (a short name in ``namespace``): the same
    Service, the same external host, or a wildcard over it; ``undeployed``: those no entry
    point deploys, instead of the deployed ones."""
    key, name = _names(host, namespace, topology.cluster_domain)
    out = []
    model = topology.model
    for dr in (r for r in model.undeployed if r.kind == "DestinationRule") if undeployed else \
            model.of_kind("DestinationRule"):
        written = dr.get("spec", "host")
        if not dr.group.startswith("networking.istio.io") or not isinstance(written, str):
            continue
        if "*" in written:
            if host_matches(written, name):
                out.append(dr)
            continue
        other, other_name = _names(written, dr.namespace, topology.cluster_domain)
        if (key is not None and other == key) or (key is None and other is None and other_name == name):
            out.append(dr)
    return out


def subsets(dr: Resource) -> list[tuple[int, dict]]:
    return [(i, s) for i, s in enumerate(_list(dr.get("spec", "subsets")))
            if isinstance(s, dict) and isinstance(s.get("name"), str)]


@dataclass(frozen=True)
class Pods:
    """The pods of one workload: what creates them and their template's labels."""

    resource: Resource
    labels: dict

    def __str__(self) -> str:
        return f"{self.resource.kind} {self.resource.namespace}/{self.resource.name}"


def rollouts(topology) -> list[Pods]:
    """Argo Rollouts' pods: their own template, or the Deployment their workloadRef names."""
    out = []
    for r in topology.model.of_kind("Rollout"):
        if r.group != "argoproj.io":
            continue
        labels = r.get("spec", "template", "metadata", "labels")
        ref = r.get("spec", "workloadRef")
        if not isinstance(labels, dict) and isinstance(ref, dict):
            target = next((w for w in topology.workloads if w.resource.kind == ref.get("kind")
                           and w.resource.name == ref.get("name") and w.resource.namespace == r.namespace), None)
            labels = target.pod_labels if target is not None else None
        if isinstance(labels, dict):
            out.append(Pods(r, labels))
    return out


def pods_of(topology, service) -> list[Pods]:
    """The workloads whose pods a Service selects, as rendered or built."""
    selector = service.selector
    found = [Pods(w.resource, w.pod_labels) for w in topology.workloads_of(service)]
    found += [p for p in rollouts(topology) if p.resource.namespace == service.resource.namespace
              and selects(selector, p.labels)]
    return found


def managed_subsets(topology, dr: Resource) -> set[str]:
    """Subsets of ``dr`` an Argo Rollout's Istio traffic routing keeps (it adds the pod template
    hash to their labels as it shifts traffic): their labels as written are not the whole story."""
    names: set[str] = set()
    for r in topology.model.of_kind("Rollout"):
        istio = r.get("spec", "strategy", "canary", "trafficRouting", "istio")
        ref = istio.get("destinationRule") if isinstance(istio, dict) else None
        if isinstance(ref, dict) and ref.get("name") == dr.name and r.namespace == dr.namespace:
            names |= {str(ref[k]) for k in ("canarySubsetName", "stableSubsetName") if ref.get(k)}
    return names
