"""The Kustomize part of a team in the teams shape: a base of plain manifests and Istio
routing, and dev and prod overlays (namespace, patches, a name prefix in some teams)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teams import Svc, Team

def labels(team: Team, svc: Svc, pad: int) -> str:
    p = " " * pad
    return f"{p}app: {svc.name}\n{p}app.kubernetes.io/name: {svc.name}\n{p}app.kubernetes.io/part-of: {team.name}"


def deployment(team: Team, svc: Svc, rng: random.Random) -> str:
    callee = team.services[(svc.index + 1) % len(team.services)]
    return f"""# {svc.name}: owned by {team.name}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc.name}
  labels:
{labels(team, svc, 4)}
spec:
  replicas: {rng.choice((1, 2))}
  selector:
    matchLabels:
      app: {svc.name}
  template:
    metadata:
      labels:
{labels(team, svc, 8)}
        version: v1
    spec:
      serviceAccountName: {svc.name}
      containers:
        - name: app
          image: "ghcr.io/example/{team.name}/{svc.short}:1.{svc.index}.{rng.randint(0, 9)}"
          ports:
            - name: http
              containerPort: {svc.port}
          env:
            - name: PORT
              value: "{svc.port}"
            - name: UPSTREAM_URL
              value: http://{callee.name}:{callee.port}
          envFrom:
            - configMapRef:
                name: {svc.name}-config
          readinessProbe:
            httpGet: {{path: {svc.health}, port: http}}
          resources:
            requests:
              cpu: {rng.choice(("50m", "100m"))}
              memory: {rng.choice(("64Mi", "128Mi"))}
"""


def service(team: Team, svc: Svc) -> str:
    name = "web" if team.planted("unnamed-port") and svc.index == 1 else "http"
    target = "metrics" if team.planted("bad-target-port") and svc.index == 2 else "http"
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {svc.name}
  labels:
{labels(team, svc, 4)}
spec:
  selector:
    app: {svc.name}
  ports:
    - name: {name}
      port: {svc.port}
      targetPort: {target}
"""


def configmap(team: Team, svc: Svc, rng: random.Random) -> str:
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {svc.name}-config
data:
  LOG_LEVEL: {rng.choice(("info", "'debug'", '"warn"'))}
  FEATURES: "{','.join(rng.sample(('beta', 'cache', 'tracing', 'search'), 2))}"
  TEAM: {team.name}
"""


def service_account(svc: Svc) -> str:
    return f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {svc.name}\nautomountServiceAccountToken: false\n"


def gateway(team: Team) -> str:
    version = "v1" if team.index % 2 else "v1beta1"
    extra = ""
    if team.planted("unexposed-gateway-port"):
        extra = (f"    # metrics UI for the team dashboards\n    - port:\n        number: 9090\n"
                 f"        name: http-metrics\n        protocol: HTTP\n      hosts:\n"
                 f"        - metrics.{team.name}.example.com\n")
    return f"""# {team.name}'s hosts on the shared ingress gateway
apiVersion: networking.istio.io/{version}
kind: Gateway
metadata:
  name: {team.name}-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
    - port:
        number: 80
        name: http
        protocol: HTTP
      hosts:
        - "*.{team.name}.example.com"
{extra}"""


def route(svc: Svc, prefix: str, timeout: bool, rng: random.Random) -> str:
    text = (f"    - match:\n        - uri:\n            prefix: {prefix}\n      route:\n"
            f"        - destination:\n            host: {svc.name}\n            port:\n"
            f"              number: {svc.port}\n")
    if timeout:
        text += (f"      timeout: {rng.choice(('5s', '10s', '30s'))}\n      retries:\n"
                 f"        attempts: {rng.choice((2, 3))}\n        perTryTimeout: 2s\n")
    return text


def virtual_services(team: Team, rng: random.Random) -> str:
    docs = []
    for svc in team.services:
        timeout = rng.random() > 0.25  # planted: about one route in four lacks a timeout
        routes = route(svc, f"/v{rng.randint(1, 2)}/", timeout, rng) + route(svc, "/", timeout, rng)
        version = "v1" if svc.index % 2 else "v1beta1"
        docs.append(f"""# public routes of {svc.name}
apiVersion: networking.istio.io/{version}
kind: VirtualService
metadata:
  name: {svc.name}
spec:
  hosts:
    - {svc.short}.{team.name}.example.com
  gateways:
    - {team.name}-gateway
  http:
{routes}""")
    if team.planted("duplicate-host"):
        svc = team.services[0]
        docs.append(f"""# canary for {svc.name}, added while the main route was frozen
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {svc.name}-canary
spec:
  hosts:
    - {svc.short}.{team.name}.example.com
  gateways:
    - {team.name}-gateway
  http:
{route(svc, "/canary/", True, rng)}""")
    return "---\n".join(docs)


def destination_rules(team: Team) -> str:
    docs = [f"""apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: {svc.name}
spec:
  host: {svc.name}
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
      http:
        http1MaxPendingRequests: 64
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 30s
      baseEjectionTime: 30s
""" for svc in team.services if svc.index % 2 == 0]  # planted: the others have none
    return "---\n".join(docs)


def base(team: Team, rng: random.Random) -> dict[str, str]:
    root = f"teams/{team.name}/deploy/base"
    files: dict[str, str] = {}
    for svc in team.services:
        files[f"{root}/{svc.short}/deployment.yaml"] = deployment(team, svc, rng)
        files[f"{root}/{svc.short}/service.yaml"] = service(team, svc)
        files[f"{root}/{svc.short}/configmap.yaml"] = configmap(team, svc, rng)
        files[f"{root}/{svc.short}/serviceaccount.yaml"] = service_account(svc)
    files[f"{root}/istio/gateway.yaml"] = gateway(team)
    files[f"{root}/istio/virtual-services.yaml"] = virtual_services(team, rng)
    files[f"{root}/istio/destination-rules.yaml"] = destination_rules(team)
    if team.index % 3 == 0:
        files[f"{root}/istio/peer-authentication.yaml"] = (
            "apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata:\n  name: default\n"
            "spec:\n  mtls:\n    mode: STRICT\n")
    listed = "\n".join(f"  - {p[len(root) + 1:]}" for p in files)
    files[f"{root}/kustomization.yaml"] = (
        f"# {team.name}: everything but the platform chart\napiVersion: kustomize.config.k8s.io/v1beta1\n"
        f"kind: Kustomization\n\nlabels:\n  - pairs:\n      team: {team.name}\n\nresources:\n{listed}\n")
    return files


def overlays(team: Team) -> dict[str, str]:
    root = f"teams/{team.name}/deploy/overlays"
    files = {
        f"{root}/dev/kustomization.yaml": f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {team.name}-dev
{"namePrefix: dev-" + chr(10) if team.planted("name-prefix") else ""}resources:
  - ../../base
patches:
  # one replica of everything in dev
  - target:
      kind: Deployment
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 1
  - path: config.yaml
""",
        f"{root}/prod/kustomization.yaml": f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {team.name}-prod
commonAnnotations:
  owner: "{team.name}@example.com"
resources:
  - ../../base
{"  - network-policy.yaml" + chr(10) if team.index % 2 == 0 else ""}patches:
  - path: replicas.yaml
""",
        f"{root}/dev/config.yaml": f"""# dev logs everything
apiVersion: v1
kind: ConfigMap
metadata:
  name: {team.services[0].name}-config
data:
  LOG_LEVEL: debug
""",
        f"{root}/prod/replicas.yaml": f"""# production runs three of the API
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {team.services[0].name}
spec:
  replicas: 3
""",
    }
    if team.index % 2 == 0:  # planted: odd teams have no NetworkPolicy in prod
        files[f"{root}/prod/network-policy.yaml"] = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-except-mesh
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: istio-system
"""
    return files
