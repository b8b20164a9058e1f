"""A team's plain manifests (applied by its scripts), Helm values files and its Argo CD
Application in the teams shape."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teams import Team

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
        inline = ("      # tuned in place while the values files are being reorganised\n      values: |\n"
                  + big_values(team, rng))
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
