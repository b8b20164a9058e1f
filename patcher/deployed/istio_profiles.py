"""Istio's installation profiles, as far as the ingress gateway goes: recorded facts, not code.

``istioctl install --set profile=X`` (or an IstioOperator's ``spec.profile``) starts from the
profile and overlays what the repository writes. The repository never holds the profile, so
what it contributes is written down here, with where it was read:

- which profiles enable ``components.ingressGateways`` (istio/istio ``manifests/profiles/*.yaml``:
  default, demo and preview enable ``istio-ingressgateway``; minimal, empty, remote and ambient
  disable it or list no gateway);
- the gateway's Service, from the ``istio-ingress`` chart istioctl renders
  (``manifests/charts/gateways/istio-ingress/values.yaml`` / ``files/default-values.gen.yaml``:
  ``gateways.istio-ingressgateway.{name, labels, type, ports}``) and the demo profile's extra ports
  (``files/profile-demo.yaml``: tcp 31400 and tls 15443).

Istio version: the 1.24 release line (the first whose istio-ingress chart carries
``files/profile-*.yaml``); these keys have held the same defaults from 1.13 on.
"""

from __future__ import annotations

from dataclasses import dataclass

ISTIO_VERSION = "1.24"
SOURCE = ("istio/istio manifests/profiles/*.yaml and "
          "manifests/charts/gateways/istio-ingress/{values.yaml,files/profile-demo.yaml}")

NAME = "istio-ingressgateway"  # gateways.istio-ingressgateway.name
NAMESPACE = "istio-system"  # values.global.istioNamespace
LABELS = {"app": "istio-ingressgateway", "istio": "ingressgateway"}  # gateways.istio-ingressgateway.labels
TYPE = "LoadBalancer"  # gateways.istio-ingressgateway.type

_PORTS = (
    {"name": "status-port", "port": 15021, "targetPort": 15021, "protocol": "TCP"},
    {"name": "http2", "port": 80, "targetPort": 8080, "protocol": "TCP"},
    {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
)
_DEMO_PORTS = _PORTS + (
    {"name": "tcp", "port": 31400, "targetPort": 31400, "protocol": "TCP"},
    {"name": "tls", "port": 15443, "targetPort": 15443, "protocol": "TCP"},
)


@dataclass(frozen=True)
class Profile:
    name: str
    ingress: bool  # whether the profile enables the istio-ingressgateway component
    ports: tuple[dict, ...]  # the gateway Service's ports when the profile's values are used


PROFILES = {
    "default": Profile("default", True, _PORTS),
    "demo": Profile("demo", True, _DEMO_PORTS),
    "preview": Profile("preview", True, _PORTS),
    "minimal": Profile("minimal", False, _PORTS),
    "empty": Profile("empty", False, _PORTS),
    "remote": Profile("remote", False, _PORTS),
    "ambient": Profile("ambient", False, _PORTS),
}


def profile(name: str) -> Profile | None:
    """The profile istioctl names so; None for one not recorded here (a file path, a vendor
    profile, a newer name): then what it installs is not known."""
    return PROFILES.get(name)


def ports(of: Profile) -> list[dict]:
    return [dict(p) for p in of.ports]
