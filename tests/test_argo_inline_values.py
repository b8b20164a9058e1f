"""An Argo CD Application's inline Helm values (``helm.values: |``): read into the model with
where they are written, fixed inside the block, refused with the reason where that is unsafe."""

from __future__ import annotations

from pathlib import Path

from helpers import apply, copy_tree, finding_rows, plan
from patcher.config import load_config
from patcher.edits import InsertItem
from patcher.model import build_model
from patcher.place.inline_values import in_block
from patcher.resources import Resource, Source
from patcher.verify.inline_values import only_inline_values
from patcher.yamlread import Document
from patcher.plan import load_workspace

FIXTURES = Path(__file__).parent / "fixtures" / "kind" / "unmapped-gateway-port"
GATEWAY_CASE = FIXTURES / "argo-inline-values-gateway-chart" / "before"
CHART_CASE = FIXTURES / "argo-inline-values-chart" / "before"
RULE = "kind/unmapped-gateway-port"
APP = "deploy/argocd/gateway.yaml"


def _repo(tmp_path: Path, case: Path = GATEWAY_CASE, file: str = APP, edit=None) -> Path:
    root = copy_tree(case, tmp_path / "repo")
    if edit is not None:
        target = root / file
        target.write_bytes(edit(target.read_bytes().decode()).encode())
    return root


def _model(root: Path):
    workspace, _ = load_workspace(root)
    return build_model(workspace, load_config(root))


def test_the_gateway_service_records_the_values_string_it_was_read_from(tmp_path) -> None:
    model = _model(_repo(tmp_path))
    svc = next(r for r in model.resources if r.kind == "Service")
    assert (svc.source.file, svc.source.block, svc.source.line) == (APP, ("spec", "source", "helm", "values"), 8)
    assert in_block(svc, ("spec", "ports", 1, "nodePort")) == ("service", "ports", 1, "nodePort")


def test_the_fix_inside_the_block_changes_no_byte_outside_it_and_says_the_chart_is_not_here(tmp_path) -> None:
    root = _repo(tmp_path)
    before = (root / APP).read_bytes()
    result = plan(root, RULE)
    [finding] = result.findings
    assert finding.fix.reason == ("The gateway chart is not in this repository: the fix is proven on the Service "
                                  "patcher models from the chart's values contract, not by rendering the chart.")
    apply(root, RULE)
    after = (root / APP).read_bytes()
    cut = before.index(b"            - name: http2")
    block_end = before.index(b"\r\n\r\n        labels:")
    assert after[:cut] == before[:cut] and after.endswith(before[block_end:])
    assert after[cut:len(after) - len(before) + block_end] == before[cut:block_end] + (
        b"\r\n            - name: http-admin\r\n              port: 8443\r\n              targetPort: 8443\r\n"
        b"              nodePort: 30000")


def test_a_templated_values_string_gets_no_fix(tmp_path) -> None:
    root = _repo(tmp_path, edit=lambda t: t.replace("          team: shop", "          team: '{{ .team }}'"))
    [row] = finding_rows(plan(root, RULE))
    assert row["fix"] is None
    assert row["message"].endswith("; the Service is declared by the gateway chart of deploy/argocd/gateway.yaml: "
                                   "Application istio-ingressgateway: add the port (with a fixed nodePort) there")


def test_a_values_string_that_is_not_yaml_is_named_at_its_line(tmp_path) -> None:
    # line 21 is broken; the parser finds out on the next line of the block, as it would in a file
    root = _repo(tmp_path, edit=lambda t: t.replace("              port: 80\r\n", "              port: [80\r\n"))
    model = _model(root)
    assert [(d.file, d.line, d.level, d.message) for d in model.diagnostics if d.level == "warning"] == [
        (APP, 22, "warning", "deploy/argocd/gateway.yaml: Application istio-ingressgateway: the Helm values written "
                             "in spec.source.helm.values do not parse: YAML syntax error: did not find expected ',' "
                             "or ']'; its gateway Service is not modelled")]
    assert not any(r.kind == "Service" for r in model.resources)


def test_an_in_repo_chart_whose_values_string_is_not_yaml_is_an_error_at_its_line(tmp_path) -> None:
    root = _repo(tmp_path, CHART_CASE, "deploy/argocd/ingress.yaml",
                 lambda t: t.replace("            port: 80\n", "            port: [80\n"))
    model = _model(root)
    shown = [(d.file, d.line, d.message) for d in model.diagnostics if "do not parse" in d.message]
    assert shown == [("deploy/argocd/ingress.yaml", 23, "the Helm values written in spec.source.helm.values do not "
                                                        "parse: YAML syntax error: did not find expected ',' or ']'")]


def test_two_ports_go_into_the_same_block_in_one_pass(tmp_path) -> None:
    more = ('    - port:\n        number: 9090\n        name: http-metrics\n        protocol: HTTP\n'
            '      hosts:\n        - "metrics.shop.local"\n')
    root = _repo(tmp_path, file="mesh/gateway.yaml", edit=lambda t: t + more)
    result = apply(root, RULE)
    assert [(a.number, a.finding.location.line) for a in result.applied] == [(1, 18), (1, 24)]
    text = (root / APP).read_bytes().decode()
    assert ("              nodePort: 30080\r\n            - name: http-admin\r\n              port: 8443\r\n"
            "              targetPort: 8443\r\n              nodePort: 30000\r\n            - name: http-metrics\r\n"
            "              port: 9090\r\n              targetPort: 9090\r\n              nodePort: 30001\r\n\r\n"
            "        labels:") in text


def test_an_application_counts_as_changed_as_declared_only_when_its_inline_values_alone_changed() -> None:
    def app(values: str, project: str = "platform") -> Resource:
        data = {"spec": {"project": project, "sources": [{"chart": "x"}, {"helm": {"values": values}}]}}
        return Resource("argoproj.io/v1alpha1", "Application", "a", "argocd", data, Source("apps.yaml", 0, True),
                        Document(0, data, None))
    places = {("apps.yaml", 0, ("spec", "sources", 1, "helm", "values"))}
    assert only_inline_values(app("a: 1\n"), app("a: 2\n"), places)
    assert not only_inline_values(app("a: 1\n"), app("a: 2\n", "other"), places)
    assert not only_inline_values(app("a: 1\n"), app("a: 2\n"), {("other.yaml", 0, places.pop()[2])})


def test_a_gateway_chart_service_set_in_values_object_says_the_chart_is_not_here_too(tmp_path) -> None:
    root = _repo(tmp_path, edit=lambda t: t.replace("      values: |   # Istio gateway chart values", "      valuesObject:"))
    [finding] = plan(root, RULE).findings
    assert finding.fix.edits[0] == InsertItem(APP, 0, ("spec", "source", "helm", "valuesObject", "service", "ports"),
                                              {"name": "http-admin", "port": 8443, "targetPort": 8443,
                                               "nodePort": 30000})
    assert finding.fix.reason.startswith("The gateway chart is not in this repository")
