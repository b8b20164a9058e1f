"""Placing a change to a chart-rendered resource: the values key a probe render proves, else a
template edit, else a refusal saying why (patcher.place.helm_values, helm_template)."""

from __future__ import annotations

from pathlib import Path

from patcher import edits as E
from patcher.config import load_config
from patcher.intent import changes as C
from patcher.model import build_model
from patcher.place.placement import place
from patcher.plan import load_workspace

CHART = "apiVersion: v2\nname: edge\nversion: 0.1.0\n"
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: edge
  namespace: {{ .Release.Namespace }}
spec:
  type: NodePort
  selector:
    app: edge
  ports:
{ports}
"""
PORTS_FROM = "    {{{{- toYaml .Values.{key} | nindent 4 }}}}"
NEW_PORT = {"name": "http-admin", "port": 8443, "targetPort": 8443, "nodePort": 30000}


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def _place(root: Path, ops, kind: str = "Service"):
    workspace, _ = load_workspace(root)
    model = build_model(workspace, load_config(root))
    resource = next(r for r in model.resources if r.kind == kind)
    return place(model, C.Change(C.ResourceRef.of(resource), tuple(ops)))


def _chart(tmp_path: Path, values: str, ports: str = PORTS_FROM.format(key="service.ports"), **more: str) -> Path:
    files = {"edge/Chart.yaml": CHART, "edge/values.yaml": values,
             "edge/templates/service.yaml": SERVICE.replace("{ports}", ports)}
    return _repo(tmp_path, {**files, **more})


def test_probe_finds_the_key_that_renders_the_field_not_the_one_named_like_it(tmp_path) -> None:
    # both lists are equal to what the Service renders; only the probe tells which one it reads
    values = ("service:\n  ports:\n    - name: http\n      port: 80\n"
              "listeners:\n  - name: http\n    port: 80\n")
    root = _chart(tmp_path, values, PORTS_FROM.format(key="listeners"))
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.refused == ""
    assert placed.edits == (E.InsertItem("edge/values.yaml", 0, ("listeners",), NEW_PORT),)


def test_a_field_inside_a_list_item_is_written_in_that_item(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n    - name: admin\n      port: 8080\n"
    root = _chart(tmp_path, values)
    placed = _place(root, [C.AddKey(("spec", "ports", 1), "nodePort", 30081)])
    assert placed.edits == (E.InsertKey("edge/values.yaml", 0, ("service", "ports", 1), "nodePort", 30081),)


def test_the_release_values_file_gains_the_whole_list_helm_replaces(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    kind_values = "# the kind cluster\nservice:\n  annotations: {}\n"
    root = _chart(tmp_path, values, **{
        "edge/values-kind.yaml": kind_values,
        ".patcher.yaml": "helm-releases:\n  - chart: edge\n    name: edge\n    namespace: ingress\n"
                         "    values: [edge/values-kind.yaml]\n"})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.edits == (E.InsertKey("edge/values-kind.yaml", 0, ("service",), "ports",
                                        [{"name": "http", "port": 80}, NEW_PORT]),)


def test_a_key_that_also_feeds_another_resource_is_refused(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: edge\nspec:\n"
                  "  selector:\n    matchLabels: {app: edge}\n  template:\n    metadata:\n      labels: {app: edge}\n"
                  "    spec:\n      containers:\n        - name: edge\n          image: edge:1\n          ports:\n"
                  "          {{- range .Values.service.ports }}\n            - containerPort: {{ .port }}\n"
                  "          {{- end }}\n")
    root = _chart(tmp_path, values, **{"edge/templates/deployment.yaml": deployment})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.edits == ()
    assert placed.refused == ("values key service.ports carries spec.ports, but changing it also changes "
                              "Deployment default/edge")


def test_an_item_written_in_the_template_gets_a_new_values_key(tmp_path) -> None:
    root = _chart(tmp_path, "service: {}\n", "    - name: http\n      port: 80\n")
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.refused == ""
    assert placed.edits == (
        E.ReplaceText("edge/templates/service.yaml", 12, 15, "",
                      "\n    {{- with .Values.service.extraPorts }}\n    {{- toYaml . | nindent 4 }}\n"
                      "    {{- end }}"),
        E.InsertKey("edge/values.yaml", 0, ("service",), "extraPorts", [NEW_PORT]))


def test_a_new_key_that_exists_already_is_refused(tmp_path) -> None:
    root = _chart(tmp_path, "service:\n  extraPorts: []\n", "    - name: http\n      port: 80\n")
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.refused == ("Service default/edge is rendered by Helm release edge/default: no values key of "
                              "release edge/default carries what the change touches, and values key "
                              "service.extraPorts already exists")


def test_a_templated_field_no_values_key_carries_is_refused(tmp_path) -> None:
    root = _chart(tmp_path, "service: {}\n", "    - name: http\n      port: {{ add 40 40 }}\n")
    placed = _place(root, [C.Set(("spec", "ports", 0, "port"), 80, 81)])
    assert placed.refused == ("Service default/edge is rendered by Helm release edge/default: no values key of "
                              "release edge/default carries what the change touches, and a template edit is "
                              "only made to add an item to a list")


APP = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: edge\n  namespace: argocd\n"
       "spec:\n  source:\n    repoURL: https://git.example.com/x.git\n    path: edge\n    helm:\n{helm}"
       "  destination:\n    namespace: ingress\n")
INLINE_PORTS = "        service:\n          ports:\n            - name: http\n              port: 80\n"


def test_a_key_set_in_inline_argo_values_is_placed_in_the_values_string(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    app = APP.format(helm="      values: |\n" + INLINE_PORTS)
    root = _chart(tmp_path, values, **{"apps/edge.yaml": app})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.refused == ""
    assert placed.edits == (E.EditInline("apps/edge.yaml", 0, ("spec", "source", "helm", "values"), (
        E.InsertItem("apps/edge.yaml", 0, ("service", "ports"), NEW_PORT),)),)


def test_a_key_set_in_an_argo_values_object_is_placed_there(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    app = APP.format(helm="      valuesObject:\n" + INLINE_PORTS)
    root = _chart(tmp_path, values, **{"apps/edge.yaml": app})
    placed = _place(root, [C.AddKey(("spec", "ports", 0), "nodePort", 30080)])
    assert placed.refused == ""
    assert placed.edits == (E.InsertKey("apps/edge.yaml", 0, ("spec", "source", "helm", "valuesObject", "service",
                                                              "ports", 0), "nodePort", 30080),)


def test_a_templated_values_string_is_refused(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    app = APP.format(helm="      values: |\n" + INLINE_PORTS + "        note: '{{ .Values.x }}'\n")
    root = _chart(tmp_path, values, **{"apps/edge.yaml": app})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.edits == ()
    assert placed.refused == ("values key service.ports is set in the inline values of apps/edge.yaml: Application "
                              "edge, which are templated ({{ }}): what they become is not the text a fix could edit")


def test_an_item_appended_to_a_list_the_template_ranges_over(tmp_path) -> None:
    values = "edge:\n  listeners:\n    - name: http\n      port: 80\n"
    ports = ("    {{- range .Values.edge.listeners }}\n    - name: {{ .name }}\n      port: {{ .port }}\n"
             "      targetPort: {{ .targetPort | default .port }}\n    {{- end }}")
    root = _chart(tmp_path, values, ports)
    new_port = {"name": "http-admin", "port": 8443, "targetPort": 8443}
    placed = _place(root, [C.AddItem(("spec", "ports"), new_port)])
    assert placed.refused == ""
    assert placed.edits == (E.InsertItem("edge/values.yaml", 0, ("edge", "listeners"), new_port),)


def test_a_resource_that_renders_differently_each_time_is_not_judged_changed(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: edge-token\nstringData:\n  token: {{ randAlphaNum 16 }}\n"
    root = _chart(tmp_path, values, **{"edge/templates/secret.yaml": secret})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.refused == ""
    assert placed.edits == (E.InsertItem("edge/values.yaml", 0, ("service", "ports"), NEW_PORT),)


def test_a_field_of_a_default_list_item_gives_the_release_file_the_whole_list(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    root = _chart(tmp_path, values, **{
        "edge/values-kind.yaml": "service:\n  annotations: {}\n",
        ".patcher.yaml": "helm-releases:\n  - chart: edge\n    name: edge\n    namespace: ingress\n"
                         "    values: [edge/values-kind.yaml]\n"})
    placed = _place(root, [C.AddKey(("spec", "ports", 0), "nodePort", 30080)])
    assert placed.edits == (E.InsertKey("edge/values-kind.yaml", 0, ("service",), "ports",
                                        [{"name": "http", "port": 80, "nodePort": 30080}]),)


def test_inline_values_of_one_of_several_sources_are_edited_in_that_source(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    app = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: edge\n  namespace: argocd\n"
           "spec:\n  sources:\n    - repoURL: https://git.example.com/values.git\n      ref: values\n"
           "    - repoURL: https://git.example.com/x.git\n      path: edge\n      helm:\n        values: |\n"
           "          service:\n            ports:\n              - name: http\n                port: 80\n"
           "  destination:\n    namespace: ingress\n")
    root = _chart(tmp_path, values, **{"apps/edge.yaml": app})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.edits == (E.EditInline("apps/edge.yaml", 0, ("spec", "sources", 1, "helm", "values"), (
        E.InsertItem("apps/edge.yaml", 0, ("service", "ports"), NEW_PORT),)),)


def test_inline_values_an_application_set_generates_are_refused(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    app_set = ("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: edges\n"
               "spec:\n  generators:\n    - list:\n        elements:\n          - {ns: ingress}\n  template:\n"
               "    metadata:\n      name: 'edge-{{ns}}'\n    spec:\n      source:\n"
               "        repoURL: https://git.example.com/x.git\n        path: edge\n        helm:\n"
               "          values: |\n            service:\n              ports:\n                - name: http\n"
               "                  port: 80\n      destination:\n        namespace: '{{ns}}'\n")
    root = _chart(tmp_path, values, **{"apps/edges.yaml": app_set})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.edits == ()
    assert placed.refused == ("values key service.ports is set in the inline values of apps/edges.yaml: Application "
                              "edge-ingress, which are generated (an ApplicationSet's template): change the template "
                              "by hand")


def test_a_values_string_that_is_not_a_literal_block_is_refused(tmp_path) -> None:
    values = "service:\n  ports:\n    - name: http\n      port: 80\n"
    app = APP.format(helm="      values: \"service: {ports: [{name: http, port: 80}]}\"\n")
    root = _chart(tmp_path, values, **{"apps/edge.yaml": app})
    placed = _place(root, [C.AddItem(("spec", "ports"), NEW_PORT)])
    assert placed.edits == ()
    assert placed.refused == ("values key service.ports carries the change, but editing it failed: cannot edit the "
                              "YAML held in spec.source.helm.values: spec.source.helm.values is a quoted or plain "
                              "string, not a literal block (|); not edited")
