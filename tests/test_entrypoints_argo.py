"""Entry points: Argo CD Applications and ApplicationSets as the sources they deploy."""

from __future__ import annotations

from patcher.entrypoints import ArgoSource
from patcher.entrypoints.argo import argo_sources
from patcher.yamlread import read_documents

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
        {"valueFiles": ["values-kind.yaml"], "parameters": [{"name": "port", "value": "8080"}]},
        at=("spec", "source"))], [])


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
                   "gateway", "1.22.1", {"valuesObject": {"service": {"type": "NodePort"}}},
                   at=("spec", "sources", 0)),
        ArgoSource("argo.yaml", 0, "gw", "istio-ingress", "apps/a", "https://git.example/x.git",
                   kustomize={"namePrefix": "a-"}, directory={"recurse": True}, at=("spec", "sources", 1)),
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
    # a generated Application is no document of the file: no path in it to edit its values at
    assert [s.at for s in found] == [None, None]


def test_a_generated_application_that_is_malformed_is_named_in_a_note() -> None:
    text = ("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\nspec:\n"
            "  generators: [{list: {elements: [{ns: 3}]}}]\n  template:\n    metadata: {name: x}\n"
            "    spec:\n      destination: [1]\n      source: {path: apps/a}\n")
    assert [n.message for n in sources(text)[1]] == [
        "ApplicationSet s: the Application for ns=3 is malformed (spec.destination is a list, not a mapping): "
        "not analysed"]
