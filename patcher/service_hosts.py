"""Hosts meant to name a Service: whether the repository shows that the Service is missing.

A host that names no Service of the repository is only a defect when the repository would
show the Service if it existed: the namespace is one whose Services the repository deploys,
nothing patcher could not read (a chart that did not render, a remote chart, manifests applied
from a URL, an Istio installed by other means) may hold it, no ServiceEntry declares the host,
no operator's custom resource is named like it (a Kafka ``events`` makes ``events-kafka-bootstrap``),
and it is neither a cluster's own Service (``kubernetes.default``) nor a pod of a headless
Service (``web-0.db``). Anything else is outside the repository: nothing is concluded from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from patcher.names import fqdn, host_matches, service_key
from patcher.model import ANALYSED_CUSTOM_KINDS
from patcher.resources import Resource
from patcher.unread import gaps, needs
from patcher.validate import is_core

ANYWHERE = "*"
BUILT_IN = {("default", "kubernetes"), ("kube-system", "kube-dns")}  # every cluster has them  # an installer whose namespace is unknown may create a Service in any namespace


def namesakes(name: str, candidates: list[str]) -> list[str]:
    """The Services whose name is ``name`` with a prefix added at a dash (a Helm release name,
    a kustomize namePrefix: first choice), or else a suffix (a kustomize nameSuffix)."""
    for found in ([c for c in candidates if c.endswith("-" + name)],
                  [c for c in candidates if c.startswith(name + "-")]):
        if found:
            return sorted(found)
    return []


def renamed(host: str, name: str, new: str) -> str:
    """``host`` (whose first label is the Service ``name``) naming ``new`` instead, the rest
    (``.ns``, ``.svc.cluster.local``) as written."""
    return new + host.strip()[len(name):]


@dataclass(frozen=True)
class Missing:
    """A host naming no Service in a namespace whose Services the repository shows."""

    host: str
    key: tuple[str, str]  # (namespace, name) it names
    candidates: tuple[str, ...]  # Services of that namespace it evidently means

    @property
    def target(self) -> str | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


@dataclass(frozen=True)
class Unseen:
    """A host naming a Service the repository does not show, which may exist all the same."""

    why: str  # "the repository deploys no Service into namespace monitoring"
    told: bool = True  # whether another diagnostic already names the cause (a remote chart's note)


def other_builds(model, resource: Resource, path: tuple):
    """The same document as ``resource`` built by the other kustomize roots, except those whose own
    patch sets ``path`` (an edit of the base does not reach them)."""
    for other in model.of_kind(resource.kind):
        if other is resource or (other.source.file, other.source.doc) != (resource.source.file, resource.source.doc) \
                or other.source.kustomize_root == resource.source.kustomize_root:
            continue
        if not any(tuple(path[:len(p)]) == tuple(p) for p in other.source.patched_paths):
            yield other


def broken_elsewhere(topology, resource: Resource, new: str, path: tuple) -> list[str]:
    """The other kustomize roots that build the same document as ``resource``, in which ``new``
    (a host) would name no Service: a base shared by overlays with different name prefixes. A
    root whose own patch sets the field is not reached by an edit of the base."""
    out = []
    for other in other_builds(topology.model, resource, path):
        key = service_key(new, other.namespace, topology.cluster_domain)
        if key is None or key not in topology.services:
            out.append(f"{other.source.kustomize_root or '.'}: namespace {other.namespace}")
    return sorted(set(out))


class HostJudge:
    """Judges hosts against what the repository deploys, and what it cannot show."""

    def __init__(self, topology) -> None:
        self.topology = topology
        self.model = topology.model

    @cached_property
    def _by_namespace(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for namespace, name in self.topology.services:
            out.setdefault(namespace, []).append(name)
        return out

    @cached_property
    def _unseen_names(self) -> frozenset[str]:
        """Services deployed into a namespace patcher cannot resolve, and those it concluded are
        not deployed: a host naming one may be right where it runs."""
        return frozenset(r.name for r in self.model.unplaced_of_kind("Service") + list(self.model.undeployed)
                         if r.kind == "Service" and not r.group)

    @cached_property
    def _entry_hosts(self) -> list[str]:
        return [str(h) for e in self.model.own_of_kind("ServiceEntry") if e.group.startswith("networking.istio.io")
                for h in e.get("spec", "hosts") or [] if isinstance(h, str)]

    @cached_property
    def outside(self) -> dict[str, str]:
        """Namespace (or ANYWHERE) -> what installs Services there that the repository does not show."""
        model, found = self.model, {}
        rendered = {r.declared_in for r in model.releases}
        for h in model.entry_points.helm:
            if f"{h.file}:{h.line}" not in rendered:
                where = ANYWHERE if h.unresolved_namespace is not None else h.namespace or "default"
                found.setdefault(where, f"helm release '{h.release}' ({h.chart}, {h.file}:{h.line})")
        for a in model.entry_points.applies:
            if a.remote:
                found.setdefault(a.namespace or ANYWHERE, f"{' '.join(a.remote)} ({a.file}:{a.line})")
        for app in model.entry_points.applications:
            if app.path is None:  # a chart of a Helm repository, or another git repository
                found.setdefault(app.namespace or ANYWHERE, f"Argo CD Application {app.application} ({app.file})")
        istio = str(model.config["istio-namespace"])
        if (istio, "istiod") not in self.topology.services:
            found.setdefault(istio, "Istio, installed by other means,")  # istiod and what its profile installs
        return found

    def service_entry(self, host: str, namespace: str) -> bool:
        key = service_key(host, namespace, self.topology.cluster_domain)
        names = [host.strip().lower()] + ([fqdn(*key, self.topology.cluster_domain)] if key else [])
        return any(host_matches(pattern, name) for pattern in self._entry_hosts for name in names)

    @cached_property
    def _operated(self) -> dict[str, list[str]]:
        """Namespace -> names of custom resources whose operators may create Services named after
        them (a Kafka ``events`` gets ``events-kafka-bootstrap``): kinds patcher does not model."""
        out: dict[str, list[str]] = {}
        for r in self.model.resources:
            if not is_core(r.api_version) and r.kind not in ANALYSED_CUSTOM_KINDS and r.kind != "Rollout":
                out.setdefault(r.namespace, []).append(r.name)
        return out

    def _pod_name(self, host: str, namespace: str) -> bool:
        """``web-0.nginx``: a pod of the headless Service ``nginx`` of ``namespace``, which DNS
        tries before a Service ``web-0`` of a namespace ``nginx``."""
        parts = host.strip().rstrip(".").lower().split(".")
        return len(parts) == 2 and (namespace, parts[1]) in self.topology.services

    def _verdict(self, host: str, namespace: str) -> Missing | Unseen | None:
        """Missing; or why the repository cannot show whether the Service exists; or None when it
        exists or the host is no Service of the cluster."""
        key = service_key(host, namespace, self.topology.cluster_domain)
        if key is None or key in self.topology.services or key in BUILT_IN or self.service_entry(host, namespace) \
                or self._pod_name(host, namespace):
            return None
        if key[0] not in self._by_namespace:
            return Unseen(f"the repository deploys no Service into namespace {key[0]}", told=False)
        if key[1] in self._unseen_names:
            return Unseen(f"a Service {key[1]} is deployed where patcher cannot tell the namespace, or by nothing "
                          "it reads")
        outside = self.outside.get(key[0]) or self.outside.get(ANYWHERE)
        if outside:
            return Unseen(f"{outside} may create it")
        operator = next((name for name in self._operated.get(key[0], ())
                         if key[1] == name or key[1].startswith(name + "-")), None)
        if operator is not None:
            return Unseen(f"the operator of custom resource {key[0]}/{operator} may create it")
        found = gaps(needs("Service", namespace=key[0]), self.model.unread)
        if found:
            return Unseen(f"patcher could not read {found[0].what}")
        return Missing(host, key, tuple(namesakes(key[1], sorted(self._by_namespace[key[0]]))))

    def missing(self, host: str, namespace: str) -> Missing | None:
        """The Service ``host`` names (short names in ``namespace``) when the repository shows it
        does not exist; None when it exists, or may exist outside what patcher sees."""
        verdict = self._verdict(host, namespace)
        return verdict if isinstance(verdict, Missing) else None

    def unseen(self, host: str, namespace: str) -> Unseen | None:
        """Why the Service ``host`` names may exist although the repository does not show it;
        None when it exists, is missing, or the host names no Service of the cluster."""
        verdict = self._verdict(host, namespace)
        return verdict if isinstance(verdict, Unseen) else None
