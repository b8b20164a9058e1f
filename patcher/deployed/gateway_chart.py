"""The public Istio ``gateway`` Helm chart, installed from its remote repository: its values contract.

The chart is not in the repository, so it cannot be rendered; but the Service it renders is a
plain function of a few documented values, recorded here with where they were read
(istio/istio ``manifests/charts/gateway``, ``values.yaml`` at commit 0293e8293e7c and
``templates/service.yaml`` / ``templates/_helpers.tpl``, the 1.2x release line):

- ``name`` (default ""): the Service's name; empty means the release name;
- ``service.type`` (default LoadBalancer; "None" renders no Service);
- ``service.ports`` (default status-port 15021, http2 80, https 443, each onto the same
  targetPort), replaced as a whole by a values file as Helm replaces lists;
- ``labels``: added to the pods and the Service; ``labels.app`` / ``labels.istio`` override the
  selector labels, which are otherwise ``app: <name>`` and ``istio: <name without "istio-">``;
- ``networkGateway`` set: fixed east-west ports instead of ``service.ports`` (not modelled here).
"""

from __future__ import annotations

import copy
from typing import Any

CHART = "gateway"
REPOSITORY = "https://istio-release.storage.googleapis.com/charts"
VALUES_SOURCE = "istio/istio manifests/charts/gateway/values.yaml (commit 0293e8293e7c, Istio 1.2x)"

DEFAULTS: dict[str, Any] = {
    "name": "",
    "labels": {},
    "service": {
        "type": "LoadBalancer",
        "ports": [
            {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
            {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 80},
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443},
        ],
    },
    "networkGateway": "",
}


def is_gateway_chart(chart: str | None, repo_url: str | None = None) -> bool:
    """Whether a chart reference names the public gateway chart: ``gateway`` from Istio's Helm
    repository (an Argo CD source, ``helm --repo``), or ``<repo alias>/gateway`` on a helm line."""
    if not chart:
        return False
    if repo_url is not None and repo_url.rstrip("/") != REPOSITORY:
        return False
    if repo_url is not None:
        return chart == CHART
    alias, _, name = chart.partition("/")
    return name == CHART and bool(alias) and "/" not in name and not alias.startswith(".")


def merged(*layers: Any) -> dict[str, Any]:
    """The values Helm computes: the chart's defaults, then each layer over them (maps merge,
    lists and scalars are replaced)."""
    out = copy.deepcopy(DEFAULTS)
    for layer in layers:
        if isinstance(layer, dict):
            out = _merge(out, layer)
    return out


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)  # Helm deletes a key set to null
        elif isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def service(release: str, namespace: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """The Service the chart renders with these (merged) values; None when it renders none
    (``service.type: None``) or when the ports are not the values' (a network gateway)."""
    svc = values.get("service") if isinstance(values.get("service"), dict) else {}
    kind = str(svc.get("type", "LoadBalancer"))
    if kind == "None" or values.get("networkGateway"):
        return None
    name = str(values.get("name") or release or "istio-ingressgateway")
    labels = values.get("labels") if isinstance(values.get("labels"), dict) else {}
    selector = {"app": str(labels.get("app") or name),
                "istio": str(labels.get("istio") or name.removeprefix("istio-"))}
    meta_labels = {**{str(k): str(v) for k, v in labels.items() if k not in ("app", "istio")}, **selector}
    ports = svc.get("ports") if isinstance(svc.get("ports"), list) else []
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": str(values.get("namespace") or namespace),
                         "labels": meta_labels},
            "spec": {"type": kind, "ports": copy.deepcopy(ports), "selector": selector}}
