"""The model: where releases come from, what counts as a resource, namespaces."""

from __future__ import annotations

from pathlib import Path

from patcher.config import load_config
from patcher.model import build_model
from patcher.plan import load_workspace

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "port: 8080\n",
    "charts/web/values-kind.yaml": "port: 9999\n",
    "charts/web/templates/service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-web\n"
        "spec:\n  ports:\n    - port: {{ .Values.port }}\n"),
}


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def model_of(root: Path):
    workspace, _ = load_workspace(root)
    return build_model(workspace, load_config(root))


def services(model) -> dict[str, tuple[str, int]]:
    return {f"{r.namespace}/{r.name}": r.data["spec"]["ports"][0]["port"] for r in model.of_kind("Service")}


def test_release_from_an_argo_cd_application(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "argo/web.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-app\n  namespace: argocd\n"
        "spec:\n  project: default\n  source:\n    repoURL: https://example.com/repo.git\n    path: charts/web\n"
        "    helm:\n      releaseName: shopfront\n      valueFiles: [values-kind.yaml]\n"
        "  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop\n")})
    model = model_of(root)
    assert services(model) == {"shop/shopfront-web": 9999}
    [release] = model.releases
    assert release.declared_in == "argo/web.yaml: Application web-app"


def test_release_from_a_script_with_a_values_file(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "hack/deploy.sh": (
        "#!/bin/sh\ncd \"$(dirname \"$0\")/..\"\nNS=${NS:-store}\n"
        "helm upgrade --install front charts/web -n \"$NS\" \\\n  -f charts/web/values-kind.yaml\n")})
    model = model_of(root)
    assert services(model) == {"store/front-web": 9999}
    assert model.releases[0].declared_in == "hack/deploy.sh:4"


def test_release_defaults_to_the_chart_name(tmp_path: Path) -> None:
    model = model_of(write(tmp_path, CHART))
    assert services(model) == {"default/web-web": 8080}


def test_settings_name_the_release(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, ".patcher.yaml": (
        "helm-releases:\n  - {chart: charts/web, name: edge, namespace: dmz}\n")})
    assert services(model_of(root)) == {"dmz/edge-web": 8080}


def test_kustomize_patches_are_not_resources_and_namespaces_apply(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [svc.yaml]\n",
        "base/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports: [{port: 80}]\n",
        "overlay/kustomization.yaml": ("namespace: prod\nresources: [../base, ns.yaml]\n"
                                       "patches:\n  - path: svc-patch.yaml\n"),
        "overlay/svc-patch.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports: [{port: 81}]\n",
        "overlay/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n",
    })
    model = model_of(root)
    [service] = model.of_kind("Service")
    assert (service.namespace, [p["port"] for p in service.data["spec"]["ports"]]) == ("prod", [80, 81])
    assert [(r.kind, r.namespace, r.name) for r in model.of_kind("Namespace")] == [("Namespace", "", "prod")]


def test_argo_cd_inline_values(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "argo/web.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n"
        "spec:\n  source:\n    path: charts/web\n    helm:\n      values: |\n        port: 7000\n"
        "  destination:\n    namespace: shop\n")})
    assert services(model_of(root)) == {"shop/web-web": 7000}


def test_strategic_merge_patches_reach_the_model(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [app.yaml]\n",
        "base/app.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n"
            "    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n"
            "    spec:\n      containers:\n        - name: api\n          image: api:1\n"
            "          env:\n            - {name: DB_HOST, value: db}\n"),
        "overlay/kustomization.yaml": "namespace: prod\nresources: [../base]\npatches:\n  - path: env.yaml\n",
        "overlay/env.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: api\n          env:\n            - {name: CACHE_URL, value: 'redis://cache:6379'}\n"),
    })
    [deployment] = model_of(root).of_kind("Deployment")
    env = deployment.data["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "DB_HOST", "value": "db"}, {"name": "CACHE_URL", "value": "redis://cache:6379"}]
    assert deployment.source.file == "base/app.yaml"
    assert (root / "base" / "app.yaml").read_text().count("CACHE_URL") == 0


def test_remote_chart_is_noted(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "hack/istio.sh": (
        "#!/bin/sh\nhelm install istio-ingress istio/gateway -n istio-ingress -f hack/gw.yaml\n"
        "helm install web charts/web\n")})
    notes = [d for d in model_of(root).diagnostics if d.level == "note"]
    assert [(n.file, n.line, n.message) for n in notes] == [
        ("hack/istio.sh", 2, "chart 'gateway' from istio (version not pinned) is not in this repository: "
                             "its resources are not analysed")]
