"""Entry points: Argo CD Applications and ApplicationSets as sources, and the fixture repositories' entry points."""

from __future__ import annotations

from pathlib import Path

from patcher.config import load_config
from patcher.entrypoints import (Apply, ArgoSource, EntryPoints, HelmInstall, IstioctlInstall, KindCreate,
                                 NamespaceCreate, NamespaceLabel, PortForward)
from patcher.entrypoints.argo import argo_sources
from patcher.model import build_model
from patcher.plan import load_workspace
from patcher.yamlread import read_documents
from helpers import plan

REPOS = Path(__file__).parent / "repos"
FOLDERS = frozenset({"", "apps", "apps/a", "apps/b", "apps/b/tests", "charts/web"})
APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  destination:
    namespace: shop
  source:
    repoURL: https://git.example/x.git
    path: charts/web/
    helm:
      valueFiles: [values-kind.yaml]
      parameters:
        - name: port
          value: "8080"
"""


def sources(text: str, folders: frozenset[str] = FOLDERS):
    return argo_sources({"argo.yaml": read_documents(text, "argo.yaml")}, folders)


def test_an_application_with_one_source() -> None:
    assert sources(APP) == ([ArgoSource(
        "argo.yaml", 0, "web", "shop", "charts/web", "https://git.example/x.git", None, "",
        {"valueFiles": ["values-kind.yaml"], "parameters": [{"name": "port", "value": "8080"}]})], [])


def test_a_path_that_is_not_a_folder_here_is_not_this_repository() -> None:
    [source], _ = sources(APP.replace("charts/web/", "charts/elsewhere"))
    assert source.path is None


def test_a_remote_chart_source() -> None:
    text = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: gw}\nspec:\n"
            "  destination: {namespace: istio-ingress}\n  sources:\n"
            "    - {repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: gateway,"
            " targetRevision: 1.22.1, helm: {valuesObject: {service: {type: NodePort}}}}\n"
            "    - {repoURL: 'https://git.example/x.git', path: apps/a, kustomize: {namePrefix: a-},"
            " directory: {recurse: true}}\n")
    assert sources(text) == ([
        ArgoSource("argo.yaml", 0, "gw", "istio-ingress", None, "https://istio-release.storage.googleapis.com/charts",
                   "gateway", "1.22.1", {"valuesObject": {"service": {"type": "NodePort"}}}),
        ArgoSource("argo.yaml", 0, "gw", "istio-ingress", "apps/a", "https://git.example/x.git",
                   kustomize={"namePrefix": "a-"}, directory={"recurse": True}),
    ], [])


def test_a_malformed_application_is_left_to_the_model_to_report() -> None:
    assert sources("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec: [1]\n") == ([], [])


SET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: tenants
spec:
  generators:
    - git:
        directories:
          - path: apps/*
          - path: apps/b
            exclude: true
    - list:
        elements:
          - {name: extra, dir: apps/b}
    - matrix:
        generators: []
  template:
    metadata:
      name: '{{name}}{{path.basename}}'
    spec:
      destination:
        namespace: '{{path[1]}}{{name}}'
      source:
        repoURL: https://git.example/x.git
        path: '{{path}}{{dir}}'
"""


def test_an_application_set_with_git_directories_and_a_list() -> None:
    found, notes = sources(SET)
    # {{name}} is not a parameter of the git generator: left as written, so that Application is unknown
    assert found == []
    assert [n.message for n in notes] == [
        "ApplicationSet tenants: a template parameter is not known for path=apps/a: that Application is not analysed",
        "ApplicationSet tenants: a template parameter is not known for dir=apps/b, name=extra: that Application "
        "is not analysed",
        "ApplicationSet tenants: the Applications its matrix generator makes are not known (their parameters are "
        "not in this repository): not analysed"]


def test_go_template_parameters() -> None:
    text = ("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n  goTemplate: true\n"
            "  generators:\n    - git: {directories: [{path: 'apps/*'}]}\n  template:\n"
            "    metadata: {name: 'app-{{.path.basename}}'}\n"
            "    spec:\n      destination: {namespace: '{{index .path.segments 1}}'}\n"
            "      source: {repoURL: r, path: '{{.path.path}}'}\n")
    found, notes = sources(text)
    assert [(s.application, s.namespace, s.path) for s in found] == [("app-a", "a", "apps/a"), ("app-b", "b", "apps/b")]
    assert notes == []


def model_of(name: str):
    workspace, _ = load_workspace(REPOS / name)
    return build_model(workspace, load_config(REPOS / name))


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
        (tasks, 17, "kubectl apply -f https://example.org/crds/ledger-crds.yaml: not in this repository, not analysed")]


def test_ep_taskfile_plan_finds_the_unmapped_taskfile_curl() -> None:
    result = plan(REPOS / "ep-taskfile", "script/url-unmapped-port")
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("script/url-unmapped-port", "Taskfile.yml", 28)]


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
                   {"releaseName": "relay", "valueFiles": ["values-edge.yaml"], "valuesObject": {"replicas": 2}}),
        ArgoSource(apps, 0, "relay-edge", "edge", None, "https://istio-release.storage.googleapis.com/charts",
                   "gateway", "1.22.3", {"values": "service:\n  type: NodePort\n"}),
        ArgoSource(apps, 1, "legacy", "old-world", "platform/legacy", orbit,
                   directory={"recurse": True, "exclude": "*-test.yaml"}),
    ))
    assert model.entry_points.deploys
    notes = [(d.file, d.line, d.message) for d in model.diagnostics if d.level == "note"]
    assert (sets, 65, "ApplicationSet fleet: the Applications its clusters generator makes are not known (their "
                      "parameters are not in this repository): not analysed") in notes
    assert (sets, None, f"Argo CD sources name several repositories ({mirror}, {orbit}): each source whose path is "
                        "a folder here is taken as this repository (a repoURL cannot be checked offline)") in notes
    assert [(r.chart, r.name, r.namespace, r.declared_in) for r in model.releases] == [
        ("charts/relay", "relay-north", "relay-north", f"{sets}: Application relay-north")]
