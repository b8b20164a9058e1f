"""Write a benchmark repository shaped like a real multi-team platform repository.

    python bench/teams.py OUT --teams N [--seed S]

bench/generate.py writes one flat platform (3 Helm releases, 7 scripts); real
repositories are many teams side by side. Per team this writes an umbrella
chart with five vendored subcharts (one of which only renders under the
umbrella, as real ones do), two standalone charts installed by scripts, an Argo
CD Application for the umbrella, a Kustomize base with dev and prod overlays,
plain manifests, ten shell scripts and the filler real repositories carry
(docs, sources, CI workflows). One kind cluster and one Istio ingress gateway
are shared by all teams. Everything grows linearly with the team count (at 50
teams: about 7,700 files, 2,100 YAML files outside charts, 500 scripts).

Planted problems, so that a plan does real work and the fix loop runs several
passes: routes without timeouts, a Gateway port the ingress does not expose, an
unused kind mapping, curls to an unmapped port, namespaces without
NetworkPolicy or PeerAuthentication, Services without DestinationRules, duplicate
hosts on one gateway, unnamed-protocol ports and a targetPort no pod defines.

Deterministic per seed; standard library only; YAML is written as text.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import Repo, ingress_gateway, kind_config  # noqa: E402
from teams_charts import standalone, umbrella  # noqa: E402
from teams_scripts import filler, scripts, workflows  # noqa: E402

WORDS = ("atlas", "borealis", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "iris",
         "juniper", "kestrel", "lumen", "meridian", "nimbus", "onyx", "pioneer", "quartz", "raven",
         "sierra", "tundra", "umber", "vertex", "willow", "xenon", "yarrow", "zephyr", "aurora",
         "basalt", "cinder", "delta")
SHORTS = ("api", "web", "worker", "events")
PORTS = ((8080, "/healthz"), (8000, "/health"), (3000, "/health"), (9000, "/ready"),
         (8081, "/actuator/health"), (5000, "/status"))
# planted problems, each in one team of ten (by the team's index)
PLANTS = {"duplicate-host": 0, "unmapped-curl": 1, "unnamed-port": 2, "inline-values": 3,
          "unexposed-gateway-port": 4, "bad-target-port": 6}


class Svc:
    def __init__(self, team: str, short: str, port: int, health: str, index: int) -> None:
        self.short, self.name, self.port, self.health, self.index = short, f"{team}-{short}", port, health, index


class Team:
    def __init__(self, index: int, rng: random.Random) -> None:
        word = WORDS[index % len(WORDS)]
        self.index = index
        self.name = word if index < len(WORDS) else f"{word}{index // len(WORDS)}"
        self.ports = rng.sample(PORTS, 4)
        self.services = [Svc(self.name, short, *self.ports[i], i) for i, short in enumerate(SHORTS)]
        self.node_port = 30100 + index  # the admin chart's NodePort, unique in the cluster
        self.manifests: list[str] = []

    def planted(self, what: str) -> bool:
        return self.index % 10 == PLANTS[what]


# --------------------------------------------------------------------------- Kustomize base

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
resources:
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


# --------------------------------------------------------------------------- plain manifests, values, Argo CD

def manifests(team: Team, rng: random.Random) -> dict[str, str]:
    t = team.name
    ns = f"{t}-prod"
    spaces = "---\n".join(f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {t}-{env}\n  labels:\n"
                          f"    istio-injection: enabled\n    team: {t}\n" for env in ("dev", "prod", "platform"))
    files = {
        "namespaces.yaml": f"# {t}'s namespaces (the overlays and the platform chart deploy into them)\n" + spaces,
        "quota.yaml": f"""apiVersion: v1
kind: ResourceQuota
metadata:
  name: {t}-quota
  namespace: {ns}
spec:
  hard:
    requests.cpu: "{rng.choice((4, 8, 16))}"
    requests.memory: {rng.choice((8, 16, 32))}Gi
    pods: "{rng.choice((50, 100))}"
""",
        "limits.yaml": f"""apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: {ns}
spec:
  limits:
    - type: Container
      default:
        memory: 256Mi
      defaultRequest:
        cpu: 50m
        memory: 64Mi
""",
        "cronjob.yaml": f"""# nightly cleanup of expired exports
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {t}-cleanup
  namespace: {ns}
spec:
  schedule: "{rng.randint(0, 59)} {rng.randint(0, 5)} * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: ghcr.io/example/{t}/tools:1.0.0
              args: ["cleanup", "--older-than", "72h"]
""",
        "pdb.yaml": "---\n".join(f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {s.name}
  namespace: {ns}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: {s.name}
""" for s in team.services),
        "rbac.yaml": f"""# the team's CI deploys with this
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {t}-deployer
  namespace: {ns}
rules:
  - apiGroups: ["", "apps"]
    resources: ["deployments", "services", "configmaps"]
    verbs: ["get", "list", "create", "update", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {t}-deployer
  namespace: {ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {t}-deployer
subjects:
  - kind: Group
    name: {t}-developers
    apiGroup: rbac.authorization.k8s.io
""",
        "priority.yaml": f"apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: {t}-batch\n"
                         f"value: {1000 + team.index}\nglobalDefault: false\ndescription: \"{t} batch jobs\"\n",
        "egress.yaml": f"""# payment provider, reached from {t}-api
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: payments-provider
  namespace: {ns}
spec:
  hosts:
    - api.payments.example.net
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - number: 443
      name: https
      protocol: TLS
""",
        "migrate-job.yaml": f"""apiVersion: batch/v1
kind: Job
metadata:
  name: {t}-migrate-{rng.randint(100, 999)}
  namespace: {ns}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/example/{t}/api:1.0.0
          command: ["/app/migrate", "up"]
""",
        "shared-config.yaml": f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {t}-shared
  namespace: {ns}
data:
  region: eu-west-1
  support: '{t}-oncall@example.com'
""",
    }
    team.manifests = sorted(files)
    return {f"teams/{t}/manifests/{k}": v for k, v in files.items()}


def values_files(team: Team, rng: random.Random) -> dict[str, str]:
    t = team.name
    out = {}
    for chart in ("reports", "admin"):
        for env in ("dev", "prod"):
            out[f"teams/{t}/values/{chart}-{env}.yaml"] = (
                f"# {chart} in {env}\nreplicaCount: {1 if env == 'dev' else 2}\n"
                f"env:\n  LOG_LEVEL: {'debug' if env == 'dev' else 'info'}\n"
                f"  ENVIRONMENT: {env}\nresources:\n  requests:\n    cpu: {rng.choice(('50m', '100m'))}\n")
    return out


def big_values(team: Team, rng: random.Random) -> str:
    """Hundreds of lines of inline helm.values, as some teams keep them in the Application."""
    lines = ["global:", f"  domain: {team.name}.example.com", f"  team: {team.name}"]
    for sub in ("web", "api", "worker", "cache", "events"):
        lines += [f"{team.name}-{sub}:", "  enabled: true", f"  replicaCount: {rng.choice((1, 2, 3))}",
                  "  env:"]
        lines += [f"    FLAG_{sub.upper()}_{i}: \"{rng.choice(('on', 'off'))}\"" for i in range(25)]
        lines += ["  config:"] + [f"    key_{i}: {rng.randint(1, 999)}" for i in range(25)]
        lines += ["  resources:", "    requests:", "      cpu: 100m", "      memory: 128Mi"]
    return "\n".join("        " + line for line in lines) + "\n"


def argo_app(team: Team, rng: random.Random) -> str:
    t = team.name
    inline = ""
    if team.planted("inline-values"):
        inline = "      # tuned in place while the values files are being reorganised\n      values: |\n" + big_values(team, rng)
    return f"""# {t}'s platform chart; the overlays come from the ApplicationSet
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {t}-platform
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: teams
  source:
    repoURL: https://git.example.com/platform/teams.git
    targetRevision: main
    path: teams/{t}/charts/{t}-platform
    helm:
      valueFiles:
        - values.yaml
        - values-prod.yaml
{inline}  destination:
    server: https://kubernetes.default.svc
    namespace: {t}-platform
  syncPolicy:
    automated: {{prune: true, selfHeal: true}}
"""


def _server(number: int, name: str, protocol: str, host: str, tls: bool = False) -> str:
    secret = f"      tls:\n        mode: SIMPLE\n        credentialName: {name}-cert\n" if tls else ""
    return (f"    - port:\n        number: {number}\n        name: {name}\n        protocol: {protocol}\n"
            f"{secret}      hosts:\n        - \"{host}\"\n")


SHARED_GATEWAYS = "---\n".join(
    f"# {comment}\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: {name}\n"
    f"  namespace: istio-system\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n{server}"
    for name, comment, server in (
        ("public-https", "TLS for every team host", _server(443, "https", "HTTPS", "*.example.com", True)),
        ("admin", "back office", _server(8080, "http-admin", "HTTP", "admin.example.com")),
        ("partners", "partner API", _server(8443, "https-partner", "HTTPS", "partners.example.com", True)),
        ("grpc", "mobile clients", _server(9443, "grpc", "GRPC", "grpc.example.com")),
    ))


def shared() -> dict[str, str]:
    return {
        "README.md": "# teams (synthetic benchmark tree)\n\nGenerated by bench/teams.py.\n",
        "cluster/kind-config.yaml": kind_config(),
        "platform/istio/ingress-gateway.yaml": ingress_gateway(),
        "platform/scripts/bootstrap.sh": """#!/usr/bin/env bash
# Local cluster, Istio and the shared ingress gateway; then Argo CD syncs the teams.
set -euo pipefail
cd "$(dirname "$0")/../.."
kind create cluster --name platform --config cluster/kind-config.yaml
istioctl install --set profile=minimal -y
kubectl apply -f platform/istio/ingress-gateway.yaml
kubectl create namespace argocd --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f platform/istio/gateways.yaml
kubectl apply -f argocd/project.yaml -f argocd/overlays.yaml
# one Application per team
kubectl apply -f argocd/apps/
""",
        "platform/istio/gateways.yaml": SHARED_GATEWAYS,
        "argocd/project.yaml": """apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: teams
  namespace: argocd
spec:
  sourceRepos: ['*']
  destinations:
    - namespace: '*'
      server: https://kubernetes.default.svc
""",
        "argocd/overlays.yaml": """# every team's overlays, one Application each
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: team-overlays
  namespace: argocd
spec:
  generators:
    - git:
        repoURL: https://git.example.com/platform/teams.git
        revision: main
        directories:
          - path: teams/*/deploy/overlays/*
  template:
    metadata:
      name: '{{path[1]}}-{{path.basename}}'
    spec:
      project: teams
      source:
        repoURL: https://git.example.com/platform/teams.git
        targetRevision: main
        path: '{{path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{path[1]}}-{{path.basename}}'
""",
    }


def generate_teams(out: Path, teams: int, seed: int = 1234) -> int:
    """Write the tree into ``out`` (emptied first); return the number of files written."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    repo = Repo(out)
    for rel, text in shared().items():
        repo.write(rel, text, executable=rel.endswith(".sh"))
    for index in range(teams):
        rng = random.Random(f"{seed}/{index}")  # per team, so that a tree of N teams is a prefix of N+1
        team = Team(index, rng)
        parts = [umbrella(team, rng), standalone(team, rng), base(team, rng), overlays(team),
                 manifests(team, rng), values_files(team, rng),
                 {f"argocd/apps/{team.name}.yaml": argo_app(team, rng)}, filler(team, rng), workflows(team)]
        for part in parts:
            for rel, text in part.items():
                repo.write(rel, text)
        for rel, text in scripts(team, rng).items():
            repo.write(rel, text, executable=True)
    return repo.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    count = generate_teams(args.out, args.teams, args.seed)
    print(f"wrote {count} files to {args.out}")


if __name__ == "__main__":
    main()
