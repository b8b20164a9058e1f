"""Shell scripts and the filler real repositories carry (docs, sources, CI), per team."""

from __future__ import annotations

import random

UNMAPPED_PORT = 8088  # planted: curled by some teams, neither mapped by kind nor served


def scripts(team, rng: random.Random) -> dict[str, str]:
    t, n = team.name, team.index
    head = ("#!/usr/bin/env bash\n# {what}\nset -euo pipefail\n"
            'cd "$(dirname "$0")/.."\n\n')
    api = team.services[0]
    forward = 18000 + n % 2000
    files = {
        "01-namespaces.sh": head.format(what=f"Namespaces and shared policies of {t}.")
        + "kubectl apply -f manifests/namespaces.yaml\n"
          "kubectl apply -f manifests/quota.yaml -f manifests/limits.yaml\n",
        "02-deploy-dev.sh": head.format(what="Dev environment: the kustomize overlay.")
        + f'ENV="${{1:-dev}}"\necho "==> {t} ($ENV)"\nkubectl apply -k deploy/overlays/dev\n'
          f"kubectl -n {t}-dev rollout status deploy/{api.name} --timeout=120s || true\n",
        "03-deploy-prod.sh": head.format(what="Production. Ask in #" + t + " before running this by hand.")
        + 'read -r -p "deploy to prod? [y/N] " answer\n[[ "$answer" == "y" ]] || exit 1\n'
          "kubectl apply -k deploy/overlays/prod\n",
        "04-helm-reports.sh": head.format(what="The reports chart, per environment.")
        + f"""deploy_reports() {{
  local env="$1"
  helm upgrade --install {t}-reports ./charts/{t}-reports \\
    -n {t}-prod --create-namespace \\
    -f values/reports-$env.yaml \\
    --set image.tag="${{TAG:-latest}}" --wait
}}

deploy_reports prod
""",
        "05-helm-admin.sh": head.format(what="Admin UI (StatefulSet, NodePort for the on-call laptop).")
        + f"helm upgrade --install {t}-admin ./charts/{t}-admin -n {t}-prod -f values/admin-prod.yaml "
          f"--set replicaCount=1 --set storage=5Gi\n",
        "06-manifests.sh": head.format(what="Plain manifests that are not in the overlays.")
        + "".join(f"kubectl apply -f manifests/{m}\n" for m in team.manifests if m != "namespaces.yaml")
        + "\n# report what we applied\nfor f in manifests/*.yaml; do\n  echo \"applied $f\"\ndone\n",
        "07-port-forward.sh": head.format(what=f"Reach {api.name} without the gateway.")
        + f"kubectl -n {t}-prod port-forward svc/{api.name} {forward}:{api.port} &\nPF_PID=$!\n"
          "trap 'kill $PF_PID' EXIT\nsleep 2\n"
          f"curl -fsS http://localhost:{forward}{api.health}\n",
        "08-smoke.sh": head.format(what="Smoke tests through the Istio ingress (host port 80).")
        + 'BASE_URL="http://localhost"\n\ncheck() {\n  local host="$1" path="$2"\n'
          '  curl -fsS -o /dev/null -w "%{http_code} $host$path\\n" -H "Host: $host" "$BASE_URL$path"\n}\n\n'
        + "".join(f"check {s.short}.{t}.example.com {s.health}\n" for s in team.services)
        + (f"\n# the old admin port, still in the runbook\ncurl -fsS http://localhost:{UNMAPPED_PORT}/admin/\n"
           if team.planted("unmapped-curl") else "")
        + "curl -fsSk -H 'Host: reports." + t + ".example.com' https://localhost/\n",
        "09-debug.sh": head.format(what="Prints the commands on-call uses; changes nothing.")
        + f"""cat <<EOF
Useful commands for {t}:
  kubectl -n {t}-prod get pods -l app.kubernetes.io/part-of={t}
  kubectl -n {t}-prod logs deploy/{api.name} --tail=100
  istioctl proxy-config routes deploy/istio-ingressgateway -n istio-system
EOF
""",
        "10-teardown.sh": head.format(what="Remove everything this team deployed from the local cluster.")
        + f"helm uninstall {t}-reports -n {t}-prod || true\nhelm uninstall {t}-admin -n {t}-prod || true\n"
          "kubectl delete -k deploy/overlays/dev --ignore-not-found\n"
          "kubectl delete -k deploy/overlays/prod --ignore-not-found\n",
    }
    if rng.random() < 0.5:
        files["02-deploy-dev.sh"] += "# kept for muscle memory\n# kubectl apply -k deploy/base\n"
    return {f"teams/{t}/scripts/{k}": v for k, v in files.items()}


PY_MAIN = '''"""{name}: HTTP service of team {team}."""

import os
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT = int(os.environ.get("PORT", "{port}"))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "{health}":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")
            return
        self.send_response(404)
        self.end_headers()


if __name__ == "__main__":
    HTTPServer(("", PORT), Handler).serve_forever()
'''

GO_MAIN = '''// {name}: HTTP service of team {team}.
package main

import (
\t"log"
\t"net/http"
)

func main() {{
\thttp.HandleFunc("{health}", func(w http.ResponseWriter, r *http.Request) {{
\t\tw.Write([]byte("ok"))
\t}})
\tlog.Fatal(http.ListenAndServe(":{port}", nil))
}}
'''


def filler(team, rng: random.Random) -> dict[str, str]:
    t = team.name
    root = f"teams/{t}"
    files = {
        f"{root}/README.md": (f"# {t}\n\nServices: " + ", ".join(s.name for s in team.services)
                              + ".\n\n## Deploy\n\n```sh\n./scripts/01-namespaces.sh\n./scripts/02-deploy-dev.sh\n```\n"
                              "\nThe platform chart is synced by Argo CD (`argocd/apps/" + t + ".yaml`).\n"),
        f"{root}/Makefile": (".PHONY: test build deploy\n\ntest:\n\tpython -m pytest -q src\n\n"
                             f"build:\n\tdocker build -t ghcr.io/example/{t}:dev .\n\n"
                             "deploy:\n\t./scripts/02-deploy-dev.sh\n"),
        f"{root}/Dockerfile": ("FROM python:3.12-slim\nWORKDIR /app\nCOPY src/ /app/\n"
                               "USER 10001\nCMD [\"python\", \"main.py\"]\n"),
        f"{root}/.gitignore": "__pycache__/\n*.pyc\n/bin/\n",
        f"{root}/CODEOWNERS": f"* @example/{t}\n/deploy/overlays/prod/ @example/{t}-leads\n",
    }
    for doc in ("architecture", "runbook", "onboarding", "oncall", "adr-001-kustomize", "adr-002-umbrella"):
        words = " ".join(rng.choice(("service", "gateway", "latency", "rollout", "namespace", "chart",
                                     "team", "alert", "budget", "retry")) for _ in range(60))
        files[f"{root}/docs/{doc}.md"] = f"# {doc.replace('-', ' ').title()}\n\n{words}.\n"
    for s in team.services:
        folder = f"{root}/src/{s.short}"
        values = {"name": s.name, "team": t, "port": s.port, "health": s.health}
        if s.index % 2:
            files[f"{folder}/main.go"] = GO_MAIN.format(**values)
            files[f"{folder}/main_test.go"] = ("package main\n\nimport \"testing\"\n\n"
                                               "func TestNothing(t *testing.T) {}\n")
            files[f"{folder}/go.mod"] = f"module example.com/{t}/{s.short}\n\ngo 1.22\n"
        else:
            files[f"{folder}/main.py"] = PY_MAIN.format(**values)
            files[f"{folder}/test_main.py"] = "def test_import():\n    import main  # noqa: F401\n"
            files[f"{folder}/requirements.txt"] = "requests==2.32.3\n"
        files[f"{folder}/README.md"] = f"{s.name} listens on {s.port}; health at {s.health}.\n"
        files[f"{folder}/config.example.env"] = f"PORT={s.port}\nLOG_LEVEL=debug\n"
    return files


def workflows(team) -> dict[str, str]:
    t = team.name
    return {
        f".github/workflows/{t}-ci.yml": f"""name: {t} CI
on:
  pull_request:
    paths: ['teams/{t}/**']
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: make -C teams/{t} test
""",
        f".github/workflows/{t}-image.yml": f"""name: {t} image
on:
  push:
    branches: [main]
    paths: ['teams/{t}/src/**', 'teams/{t}/Dockerfile']
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t ghcr.io/example/{t}:${{{{ github.sha }}}} teams/{t}
""",
    }
