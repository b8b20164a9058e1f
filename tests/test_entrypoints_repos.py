"""Entry points in the model: the fixture repositories (a Taskfile-driven install, Argo CD), and how
the model's releases follow the commands."""

from __future__ import annotations

from pathlib import Path

from patcher.entrypoints import (Apply, ArgoSource, EntryPoints, HelmInstall, IstioctlInstall, KindCreate,
                                 NamespaceCreate, NamespaceLabel, PortForward)
from helpers import plan
from tests.test_model import model_of, write

REPOS = Path(__file__).parent / "repos"
CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "port: 8080\n",
    "charts/web/values-lab.yaml": "port: 9191\n",
    "charts/web/templates/service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-web\n"
        "spec:\n  ports:\n    - port: {{ .Values.port }}\n"),
}


model_at = model_of


def model_of(name: str):
    return model_at(REPOS / name)


def test_ep_taskfile_entry_points() -> None:
    model = model_of("ep-taskfile")
    tasks = "deploy/tasks/Taskfile.yml"
    assert model.entry_points == EntryPoints(
        applies=(Apply(tasks, 16, ("manifests/base",), kustomize=True, namespace="ledger"),
                 Apply(tasks, 17, (), remote=("https://example.org/crds/ledger-crds.yaml",)),
                 Apply(tasks, 21, (), remote=("{{.GIT_SHA}}.yaml",)),
                 Apply("deploy/teardown.ps1", 6, ("manifests/base/gateway.yaml",), namespace="ledger")),
        namespaces=(NamespaceCreate("Taskfile.yml", 24, "mesh-core"),),
        labels=(NamespaceLabel(tasks, 11, ("ledger",), {"istio-injection": "enabled"}),),
        port_forwards=(PortForward(tasks, 20, "svc/books-ledger", "ledger", ((9443, "8443"),), "0.0.0.0"),),
        helm=(HelmInstall(tasks, 13, "books", "../charts/ledger", "ledger", ("../charts/ledger/values-lab.yaml",),
                          (("--set", "image.tag", "2.7.1"),), True, cwd="deploy"),),
        istioctl=(IstioctlInstall("Taskfile.yml", 23, ("mesh/operator.yaml",),
                                  (("values.global.proxy.privileged", "true"),)),),
        kind_clusters=(KindCreate("Taskfile.yml", 19, "cluster/kind-lab.yaml", "vault-lab"),))
    assert [(r.chart, r.name, r.namespace, r.values, r.declared_in) for r in model.releases] == [
        ("charts/ledger", "books", "ledger", ("charts/ledger/values-lab.yaml",), f"{tasks}:13")]
    assert [(d.file, d.line, d.message) for d in model.diagnostics if d.level == "note"] == [
        (tasks, 17, "kubectl apply -f https://example.org/crds/ledger-crds.yaml: not in this repository, not analysed"),
        (tasks, 21, f"{tasks}:21 applies a path patcher cannot resolve ('{{{{.GIT_SHA}}}}.yaml'); "
                    "every file is treated as deployed")]


def test_ep_taskfile_plan_finds_the_unmapped_taskfile_curl_and_the_route_without_timeout() -> None:
    result = plan(REPOS / "ep-taskfile")
    assert [(f.rule, f.location.file, f.location.line, f.location.column) for f in result.findings] == [
        ("script/url-unmapped-port", "Taskfile.yml", 28, 19),
        # `kubectl apply -k ... -n ledger` puts the routes in ledger, beside the chart's Service they reach
        ("istio/destination-without-circuit-breaker", "charts/ledger/templates/service.yaml", 1, 1),
        ("istio/route-without-timeout", "manifests/base/routes.yaml", 9, 7)]
    assert result.findings[0].message == ("http://localhost:8088 targets port 8088, which kind does not map onto "
                                          "the ingress (mapped: 31880)")


def test_ep_argo_entry_points() -> None:
    model = model_of("ep-argo")
    sets, apps = "argocd/apps-set.yaml", "argocd/projects.yaml"
    orbit, mirror = "https://git.example.net/platform/orbit.git", "https://git.example.net/platform/orbit-mirror.git"
    assert model.entry_points == EntryPoints(applications=(
        ArgoSource(sets, 0, "tenant-billing", "billing", "apps/billing", orbit, None, "HEAD",
                   kustomize={"namePrefix": "billing-"}),
        ArgoSource(sets, 0, "tenant-catalog", "catalog", "apps/catalog", orbit, None, "HEAD",
                   kustomize={"namePrefix": "catalog-"}),
        ArgoSource(sets, 1, "relay-north", "relay-north", "charts/relay", mirror,
                   helm={"parameters": [{"name": "region", "value": "north"}]}),
        ArgoSource(sets, 1, "relay-south", "relay-south", "charts/relay", mirror,
                   helm={"parameters": [{"name": "region", "value": "south"}]}),
        ArgoSource(apps, 0, "relay-edge", "edge", "charts/relay", orbit, None, "main",
                   {"releaseName": "relay", "valueFiles": ["values-edge.yaml"], "valuesObject": {"replicas": 2}},
                   at=("spec", "sources", 0)),
        ArgoSource(apps, 0, "relay-edge", "edge", None, "https://istio-release.storage.googleapis.com/charts",
                   "gateway", "1.22.3", {"values": "service:\n  type: NodePort\n"}, at=("spec", "sources", 1)),
        ArgoSource(apps, 1, "legacy", "old-world", "platform/legacy", orbit,
                   directory={"recurse": True, "exclude": "*-test.yaml"}, at=("spec", "source")),
    ))
    assert model.entry_points.deploys
    notes = [(d.file, d.line, d.message) for d in model.diagnostics if d.level == "note"]
    assert (sets, 65, "ApplicationSet fleet: the Applications its clusters generator makes are not known (their "
                      "parameters are not in this repository): not analysed") in notes
    assert (sets, None, f"Argo CD sources name several repositories ({mirror}, {orbit}): each source whose path is "
                        "a folder here is taken as this repository (a repoURL cannot be checked offline)") in notes
    assert [(r.chart, r.name, r.namespace, r.declared_in) for r in model.releases] == [
        ("charts/relay", "relay-north", "relay-north", f"{sets}: Application relay-north")]


def test_a_release_installed_after_a_cd_renders_with_its_values(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "ops/up.sh": "cd ../charts\nhelm install lab web -n lab -f web/values-lab.yaml\n"})
    model = model_at(root)
    assert [(r.name, r.namespace, r.values) for r in model.releases] == [("lab", "lab", ("charts/web/values-lab.yaml",))]
    assert [(s.namespace, s.data["spec"]["ports"][0]["port"]) for s in model.of_kind("Service")] == [("lab", 9191)]


def test_the_same_release_in_a_script_and_its_powershell_twin_is_one_release(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "up.sh": "helm upgrade --install web charts/web -n shop\n",
                            "up.ps1": "helm upgrade --install web charts\\web `\n  -n shop\n"})
    model = model_at(root)
    assert [h.file for h in model.entry_points.helm] == ["up.ps1", "up.sh"]
    assert [(r.name, r.namespace) for r in model.releases] == [("web", "shop")]
    assert [d.message for d in model.diagnostics if "release" in d.message] == []


def test_a_second_release_with_other_values_is_still_named(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "up.sh": "helm install web charts/web -n shop\n"
                                              "helm install web charts/web -n shop -f charts/web/values-lab.yaml\n"})
    assert [(d.line, d.message) for d in model_at(root).diagnostics if "release" in d.message] == [
        (2, "helm release 'web' of chart 'charts/web' is not analysed: only one release per chart is, 'web' (up.sh:1)")]


def test_an_application_set_source_is_a_release(tmp_path: Path) -> None:
    root = write(tmp_path, {**CHART, "argo/set.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n"
        "  generators: [{list: {elements: [{env: lab}]}}]\n  template:\n"
        "    metadata: {name: 'web-{{env}}'}\n    spec:\n      destination: {namespace: '{{env}}'}\n"
        "      source: {repoURL: 'https://git.example/x.git', path: charts/web,"
        " helm: {valueFiles: ['values-{{env}}.yaml']}}\n")})
    model = model_at(root)
    assert [(r.name, r.namespace, r.values, r.declared_in) for r in model.releases] == [
        ("web-lab", "lab", ("charts/web/values-lab.yaml",), "argo/set.yaml: Application web-lab")]
