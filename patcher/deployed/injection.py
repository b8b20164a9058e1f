"""Sidecar injection: which namespaces and pods of the repository run in the Istio mesh.

Istio's injection webhook decides per pod, in this order: a pod label
``sidecar.istio.io/inject: "false"`` (or the annotation) keeps the sidecar out; a
namespace labelled ``istio-injection=disabled`` keeps it out; a namespace labelled
``istio-injection=enabled`` or ``istio.io/rev=REV`` brings it in, and so does a
pod label ``sidecar.istio.io/inject: "true"`` (the annotation alone does not: it
only matters inside a selected namespace); otherwise the mesh's
``sidecarInjectorWebhook.enableNamespacesByDefault`` decides. Pods on the host
network are never injected.

A namespace whose labels the repository does not show (it is neither declared by
a manifest nor created or labelled by a script) is unknown, not "outside": it may
be labelled by hand. Nothing here imports the model; the caller passes the facts in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

INJECT = "sidecar.istio.io/inject"
NAMESPACE_LABEL = "istio-injection"
REVISION_LABEL = "istio.io/rev"


@dataclass(frozen=True)
class NamespaceFacts:
    """What one source says about a namespace's labels: a manifest (all its labels), a
    script's ``kubectl label`` (only the labels it sets; None removes one), or a
    ``kubectl create namespace`` (created without labels)."""

    namespace: str
    where: str  # file:line
    labels: Mapping[str, str | None] = field(default_factory=dict)
    complete: bool = False  # the labels are all the namespace has (a manifest, a create)


@dataclass(frozen=True)
class NamespaceMesh:
    namespace: str
    in_mesh: bool | None  # None: the repository does not show
    why: str
    disabled: bool = False  # istio-injection=disabled: not even a pod label brings a pod in


@dataclass(frozen=True)
class Injection:
    namespaces: Mapping[str, NamespaceMesh]
    by_default: bool = False  # sidecarInjectorWebhook.enableNamespacesByDefault

    def namespace(self, name: str) -> NamespaceMesh:
        found = self.namespaces.get(name)
        if found is not None:
            return found
        if self.by_default:
            return NamespaceMesh(name, True, "the mesh injects every namespace by default "
                                             "(enableNamespacesByDefault)")
        return NamespaceMesh(name, None, f"the repository does not show the labels of namespace {name}")

    def pod(self, namespace: str, labels: Mapping, annotations: Mapping, host_network: bool = False) -> bool | None:
        if host_network:
            return False
        label, annotation = _flag(labels.get(INJECT)), _flag(annotations.get(INJECT))
        if label is False or annotation is False:
            return False
        state = self.namespace(namespace)
        if state.disabled:
            return False
        if label is True:
            return True
        return state.in_mesh

    @property
    def mesh_namespaces(self) -> list[str]:
        return sorted(n for n, m in self.namespaces.items() if m.in_mesh)


def _flag(value) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    return True if text == "true" else False if text == "false" else None


def read_injection(facts: Iterable[NamespaceFacts], by_default: bool = False,
                   unresolved: Iterable[NamespaceFacts] = ()) -> Injection:
    """The mesh state of every namespace the facts name; later facts win (a script's label
    after the manifest that creates the namespace). ``unresolved``: labels a script sets on a
    namespace patcher cannot resolve (``namespace`` as written): it may be any of them, so what
    they would change is not known."""
    labels: dict[str, dict[str, str | None]] = {}
    complete: dict[str, bool] = {}
    where: dict[str, str] = {}
    for fact in facts:
        current = labels.setdefault(fact.namespace, {})
        if fact.complete:
            current.clear()  # a manifest states every label the namespace has
        current.update(fact.labels)
        complete[fact.namespace] = complete.get(fact.namespace, False) or fact.complete
        if fact.labels.get(NAMESPACE_LABEL) is not None or fact.labels.get(REVISION_LABEL) is not None \
                or fact.namespace not in where:
            where[fact.namespace] = fact.where
    # a label on a namespace patcher cannot resolve may bring a namespace in, or take one out
    brings_in = next((f for f in unresolved if f.labels.get(NAMESPACE_LABEL) == "enabled"
                      or f.labels.get(REVISION_LABEL) is not None), None)
    takes_out = next((f for f in unresolved if NAMESPACE_LABEL in f.labels
                      and f.labels[NAMESPACE_LABEL] != "enabled"), None)
    out = {}
    for name, current in labels.items():
        value, revision = current.get(NAMESPACE_LABEL), current.get(REVISION_LABEL)
        if value == "disabled":
            out[name] = NamespaceMesh(name, False, f"labelled {NAMESPACE_LABEL}=disabled ({where[name]})", True)
        elif value == "enabled":
            out[name] = NamespaceMesh(name, True, f"labelled {NAMESPACE_LABEL}=enabled ({where[name]})")
        elif revision is not None:
            out[name] = NamespaceMesh(name, True, f"labelled {REVISION_LABEL}={revision} ({where[name]})")
        elif by_default:
            out[name] = NamespaceMesh(name, True, "the mesh injects every namespace by default "
                                                  "(enableNamespacesByDefault)")
        elif complete.get(name):
            out[name] = NamespaceMesh(name, False, f"namespace {name} has no injection label ({where[name]})")
        else:
            out[name] = NamespaceMesh(name, None, f"the repository does not show the labels of namespace {name}")
        changed = takes_out if out[name].in_mesh else brings_in if out[name].in_mesh is False else None
        if changed is not None and not out[name].disabled:
            out[name] = NamespaceMesh(name, None, f"{changed.where} labels namespace '{changed.namespace}', which "
                                                  f"patcher cannot resolve: it may be {name}")
    return Injection(out, by_default)
