"""Which pods a Gateway's selector can land on, and whether the repository shows them all.

istiod binds a Gateway to every gateway proxy whose pod labels its selector matches, in any
namespace (``PILOT_SCOPE_GATEWAY_TO_NAMESPACE`` is off by default). The pods may be templates
the repository deploys (manifests, rendered charts, built kustomizations), the pods of an
ingress Service an installer declares (istioctl, Istio's public gateway chart: their labels are
modelled), or pods something outside the repository creates. A rule concludes that a selector
lands nowhere only when the repository deploys its gateways itself and nothing else may.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from patcher.deployed import istio_profiles
from patcher.model import Model
from patcher.names import selects
from patcher.resources import Resource
from patcher.unread import gaps, needs

# the labels of the gateways Istio's profiles install (istio/istio manifests/charts/gateways:
# istio-ingress values gateways.istio-ingressgateway.labels, istio-egress values
# gateways.istio-egressgateway.labels)
DEFAULT_GATEWAY_LABELS = (dict(istio_profiles.LABELS), {"app": "istio-egressgateway", "istio": "egressgateway"})

# where each kind keeps its pod template
POD_TEMPLATES = {
    "Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"), "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"), "Job": ("spec", "template"), "Rollout": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"), "Pod": (),
}


@dataclass(frozen=True)
class PodTemplate:
    resource: Resource
    path: tuple  # YAML path of the template (metadata + spec); () for a Pod
    labels: dict
    annotations: dict
    containers: tuple[dict, ...]

    @property
    def is_gateway(self) -> bool:
        """An Istio gateway proxy: the gateway injection template (Istio's gateway chart and
        docs) or the proxy image run as the pod's own container (the older charts, istioctl
        manifests)."""
        template = str(self.annotations.get("inject.istio.io/templates", ""))
        if "gateway" in [t.strip() for t in template.split(",")]:
            return True
        return any("proxyv2" in str(c.get("image", "")) for c in self.containers)


def pod_template(resource: Resource) -> PodTemplate | None:
    path = POD_TEMPLATES.get(resource.kind)
    if path is None:
        return None
    template = resource.get(*path) if path else resource.data
    if not isinstance(template, dict):
        return None
    meta = template.get("metadata") if isinstance(template.get("metadata"), dict) else {}
    spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    containers = tuple(c for c in (spec.get("containers") or []) if isinstance(c, dict))
    return PodTemplate(resource, path, {str(k): str(v) for k, v in labels.items()},
                       {str(k): v for k, v in annotations.items()}, containers)


def _templates(resources) -> list[PodTemplate]:
    return [t for t in (pod_template(r) for r in resources) if t is not None]


@dataclass(frozen=True)
class GatewayPods:
    model: Model

    @cached_property
    def deployed(self) -> list[PodTemplate]:
        return _templates(self.model.resources)

    @cached_property
    def elsewhere(self) -> list[PodTemplate]:
        """Templates no entry point deploys or deploys into a namespace patcher cannot resolve:
        they may run all the same (Gateway selectors span namespaces)."""
        return _templates(tuple(self.model.undeployed) + tuple(self.model.unplaced))

    @cached_property
    def repository_gateways(self) -> list[PodTemplate]:
        """The gateway proxies the repository deploys itself, editable sources first."""
        return sorted((t for t in self.deployed if t.is_gateway),
                      key=lambda t: (not t.resource.source.editable, t.resource.source.file, t.resource.name))

    def matches(self, selector: dict) -> bool:
        """Whether some pod the model knows of, or an installer declares, carries the labels."""
        if any(selects(selector, t.labels) for t in self.deployed + self.elsewhere):
            return True
        return any(selects(selector, dict(labels)) for labels in self.model.gateway_pods.values())

    def fronted(self, selector: dict) -> bool:
        """Whether a Service of the repository selects such pods: the pods are expected, from
        wherever they come."""
        return any(selects(selector, r.get("spec", "selector") or {}) for r in self.model.resources
                   if r.kind == "Service" and not r.group and isinstance(r.get("spec", "selector"), dict))

    @cached_property
    def installed_elsewhere(self) -> list[str]:
        """What may create gateway pods patcher does not see: installers of Istio or of a gateway,
        and any chart, manifest or source from outside the repository (a gateway Deployment may be
        in any of them), and whatever patcher could not read."""
        out: list[str] = []
        model, entry = self.model, self.model.entry_points
        out += [f"istioctl install ({i.file}:{i.line})" for i in entry.istioctl]
        out += [f"IstioOperator {r.source.file}" for r in model.resources + model.undeployed
                if r.kind == "IstioOperator"]
        rendered = {r.declared_in for r in model.releases}
        out += [f"helm release '{h.release}' ({h.chart}, {h.file}:{h.line})" for h in entry.helm
                if f"{h.file}:{h.line}" not in rendered]
        out += [f"Argo CD Application {a.application} ({a.file})" for a in entry.applications if a.path is None]
        out += [f"{' '.join(a.remote)} ({a.file}:{a.line})" for a in entry.applies if a.remote]
        out += [g.what for g in gaps(needs(*POD_TEMPLATES), model.unread)]
        return list(dict.fromkeys(out))

    def default_install(self, selector: dict) -> str | None:
        """Why an Istio installed by other means may run pods with these labels: its profiles'
        gateways carry them, and the repository does not install Istio itself (no istiod)."""
        if not any(selects(selector, labels) for labels in DEFAULT_GATEWAY_LABELS):
            return None
        istio = str(self.model.config["istio-namespace"])
        if any(r.kind in ("Service", "Deployment") and not r.group.startswith("networking") and r.name == "istiod"
               and r.namespace == istio for r in self.model.resources):
            return None
        return "Istio, installed by other means, runs gateways with these labels in its profiles"
