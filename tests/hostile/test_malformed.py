"""One malformed resource never aborts the analysis: the resource is skipped with a diagnostic
naming the file, the line and the field, and everything else is analysed as before.

Each case adds one malformed document to a copy of base/ (the sample repository), whose own
problems must still be found. A generator then changes the type of every field of every
document of base/ and checks that no change makes the model or a rule fail.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest
import yaml

from patcher.analyse import Selection, analyse
from patcher.config import load_config
from patcher.model import build_model
from patcher.plan import load_workspace
from patcher.workspace import ParseCache

BASE = Path(__file__).resolve().parents[2] / "base"
# problems of base/ that no malformed neighbour may hide
STILL_FOUND = (
    "[kind/unmapped-gateway-port] Gateway default/monitoring-gateway serves port 9090",
    "[istio/route-without-timeout] route 0 of VirtualService default/frontend-vs has no timeout",
    "[script/url-unmapped-port] http://localhost:8080 targets port 8080",
)
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n"
VS = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: web\nspec:\n"
KIND = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n"

# case -> (file, its text, the diagnostic patcher prints)
CASES = {
    "service_selector_is_a_string": (
        "k8s/web.yaml", SERVICE + "  selector: app\n  ports:\n    - port: 80\n",
        "error: k8s/web.yaml:7: spec.selector is the string 'app', not a mapping: Service shop/web skipped, "
        "not analysed"),
    "service_ports_is_a_number": (
        "k8s/web.yaml", SERVICE + "  selector: {app: web}\n  ports: 80\n",
        "error: k8s/web.yaml:8: spec.ports is the number 80, not a list: Service shop/web skipped, not analysed"),
    "service_port_entry_is_a_number": (
        "k8s/web.yaml", SERVICE + "  selector: {app: web}\n  ports: [80]\n",
        "error: k8s/web.yaml:8: spec.ports[0] is the number 80, not a mapping: Service shop/web skipped, "
        "not analysed"),
    "metadata_is_a_list": (
        "k8s/web.yaml", "apiVersion: v1\nkind: Service\nmetadata: []\nspec:\n  ports: [{port: 80}]\n",
        "error: k8s/web.yaml:3: metadata is a list, not a mapping: Service (document 1) skipped, not analysed"),
    "metadata_name_is_a_number": (
        "k8s/web.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: 7\nspec:\n  ports: [{port: 80}]\n",
        "error: k8s/web.yaml:4: metadata.name is the number 7, not a string: Service (document 1) skipped, "
        "not analysed"),
    "spec_is_null": (
        "k8s/web.yaml", VS,
        "error: k8s/web.yaml:5: spec is null, not a mapping: VirtualService default/web skipped, not analysed"),
    "virtualservice_http_is_a_mapping": (
        "k8s/web.yaml", VS + "  hosts: ['*']\n  gateways: [web-gateway]\n  http: {}\n",
        "error: k8s/web.yaml:8: spec.http is a mapping, not a list: VirtualService default/web skipped, "
        "not analysed"),
    "route_is_a_string": (
        "k8s/web.yaml", VS + "  hosts: ['*']\n  gateways: [web-gateway]\n  http:\n    - route: web\n",
        "error: k8s/web.yaml:9: spec.http[0].route is the string 'web', not a list: VirtualService default/web "
        "skipped, not analysed"),
    "hosts_is_a_string": (
        "k8s/web.yaml", VS + "  hosts: web\n  http:\n    - route:\n        - destination: {host: web}\n",
        "error: k8s/web.yaml:6: spec.hosts is the string 'web', not a list: VirtualService default/web "
        "skipped, not analysed"),
    "gateway_server_is_null": (
        "k8s/web.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: web\nspec:\n"
                        "  selector: {istio: ingressgateway}\n  servers: [null]\n",
        "error: k8s/web.yaml:7: spec.servers[0] is null, not a mapping: Gateway default/web skipped, "
        "not analysed"),
    "kind_nodes_is_a_string": (
        "k8s/kind-extra.yaml", KIND + "nodes: x\n",
        "error: k8s/kind-extra.yaml:3: nodes is the string 'x', not a list: kind cluster config skipped, "
        "not analysed"),
    "kind_container_port_is_not_a_number": (
        "k8s/kind-extra.yaml", KIND + "nodes:\n  - role: control-plane\n"
                                      "    extraPortMappings: [{containerPort: abc, hostPort: 9999}]\n",
        "error: k8s/kind-extra.yaml:5: nodes[0].extraPortMappings[0].containerPort is the string 'abc', "
        "not an integer: kind cluster config skipped, not analysed"),
    "service_node_port_is_a_string": (
        "k8s/web.yaml", SERVICE + "  type: NodePort\n  selector: {app: web}\n  ports:\n    - port: 80\n"
                                  "      nodePort: '30080'\n",
        "error: k8s/web.yaml:11: spec.ports[0].nodePort is the string '30080', not an integer: Service shop/web "
        "skipped, not analysed"),
    "label_value_is_a_number": (
        "k8s/web.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
                        "    metadata:\n      labels: {app: web, version: 1.0}\n"
                        "    spec:\n      containers: [{name: web, image: nginx}]\n",
        "error: k8s/web.yaml:8: spec.template.metadata.labels.version is the number 1.0, not a string: "
        "Deployment default/web skipped, not analysed"),
    "application_source_is_a_list": (
        "k8s/app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n"
                        "  source: []\n  destination: {namespace: shop}\n",
        "error: k8s/app.yaml:6: spec.source is a list, not a mapping: Application default/web skipped, "
        "not analysed"),
    "istio_operator_components_is_a_number": (
        "k8s/operator.yaml", "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n"
                             "  name: web\nspec:\n  components: 5\n",
        "error: k8s/operator.yaml:6: spec.components is the number 5, not a mapping: IstioOperator default/web "
        "skipped, not analysed"),
}


@pytest.fixture
def repo(hostile):
    shutil.copytree(BASE, hostile.root, dirs_exist_ok=True)
    return hostile


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_resource_is_skipped_and_the_rest_analysed(repo, case: str) -> None:
    file, text, diagnostic = CASES[case]
    repo.write({file: text})
    before = repo.snapshot_outside()
    outcome = repo.run("plan", str(repo.root))
    repo.assert_contained(outcome, before)
    assert outcome.code == 1, outcome.output
    assert diagnostic in outcome.stderr.splitlines(), outcome.stderr
    for problem in STILL_FOUND:
        assert problem in outcome.stderr, f"{problem!r} no longer found:\n{outcome.stderr}"


def test_apply_skips_the_malformed_resource_and_leaves_its_file_alone(repo) -> None:
    file, text, diagnostic = CASES["service_selector_is_a_string"]
    repo.write({file: text})
    outcome = repo.run("apply", str(repo.root))
    assert "Traceback" not in outcome.output and "patcher crashed" not in outcome.output, outcome.output
    assert outcome.code == 1, outcome.output
    assert diagnostic in outcome.stderr.splitlines(), outcome.stderr
    assert (repo.root / file).read_text(encoding="utf-8") == text
    assert "timeout: 30s" in (repo.root / "k8s/istio/frontend-virtualservice.yaml").read_text(encoding="utf-8")


# --- every field of every document of base/, given a value of another type --------------------

def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,), value
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix + (index,), value
            yield from _paths(value, prefix + (index,))


def _others(value):
    """Values of the types ``value`` is not: what a slip of the keyboard makes of a field."""
    if isinstance(value, dict):
        return ["x", [None]]
    if isinstance(value, list):
        return ["x", {"a": "b"}, [None]]
    if isinstance(value, str):
        return [7, ["x"], {7: "x"}]
    return ["x", {"a": "b"}]


# Every field gets one value of another type, the types taking turns from field to field;
# PATCHER_EVERY_TYPE=1 (as `make fuzz` sets it) gives every field every other type.
EVERY_TYPE = os.environ.get("PATCHER_EVERY_TYPE") == "1"


def _mutations():
    workspace, _ = load_workspace(BASE)
    turn = 0
    for path in sorted(p for p in workspace.texts if p.endswith((".yaml", ".yml"))):
        documents = list(yaml.safe_load_all(workspace.texts[path]))
        for index, document in enumerate(documents):
            for field, value in _paths(document):
                others = _others(value)
                turn += 1
                for other in others if EVERY_TYPE else [others[turn % len(others)]]:
                    yield path, index, field, other


def _set(document, field, value) -> None:
    node = document
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value


def _each_mutated(check) -> tuple[int, list[str]]:
    """Run ``check(model)`` on base/ with each field changed in turn; (how many, the failures)."""
    workspace, _ = load_workspace(BASE)
    config = load_config(BASE)
    renders: dict = {}  # the chart renders the same whatever a manifest holds: render it once
    failures = []
    count = 0
    for path, index, field, value in _mutations():
        documents = list(yaml.safe_load_all(workspace.texts[path]))
        changed = copy.deepcopy(documents)
        _set(changed[index], field, value)
        texts = {**workspace.texts, path: yaml.safe_dump_all(changed, sort_keys=False)}
        cache = ParseCache()
        cache._renders = renders
        count += 1
        try:
            check(build_model(workspace.with_texts(texts), config, cache))
        except Exception as exc:  # noqa: BLE001 - any failure at all is what these tests look for
            failures.append(f"{path} document {index} {'.'.join(map(str, field))} = {value!r}: "
                            f"{type(exc).__name__}: {exc}")
    return count, failures


def test_no_change_of_a_field_type_in_base_makes_the_model_or_a_rule_fail() -> None:
    count, failures = _each_mutated(lambda model: analyse(model, Selection()))
    assert count > 400  # every field of base/ was tried
    assert failures == []


def test_no_change_of_a_field_type_in_base_makes_the_report_fail() -> None:
    """The traces, tables and pictures of `patcher report` read the same model: whatever shape a
    field takes, they say something and never fail."""
    from patcher.report.diagram import diagrams
    from patcher.report.review import mapping_rows, service_rows
    from patcher.topology import build_topology

    traced = []

    def report(model) -> None:
        topology = build_topology(model)
        traces = tuple(topology.trace(e) for e in topology.entries())
        traced.append(len(traces))
        diagrams(topology, traces), mapping_rows(topology), service_rows(topology)
    count, failures = _each_mutated(report)
    assert count > 400 and sum(traced) > 4000  # most changes still leave flows to trace
    assert failures == []


# --- a shape the table does not describe: the rule that fails on it skips that resource ------

def test_a_rule_failing_on_one_resource_skips_it_and_reads_the_others(tmp_path: Path, monkeypatch) -> None:
    import patcher.rules.istio_route_without_timeout as module
    from patcher.cli import app
    from typer.testing import CliRunner

    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    real = module.check

    def fragile(ctx):
        for finding in real(ctx):
            for vs in ctx.topology.virtual_services:
                resource = vs.resource
                if resource.name == "frontend-vs":
                    raise TypeError("'NoneType' object is not subscriptable")
            yield finding

    monkeypatch.setattr(module, "check", fragile)
    result = CliRunner().invoke(app, ["plan", str(repo), "--rule", "istio/route-without-timeout"])
    assert result.exit_code == 1, result.output
    assert ("error: k8s/istio/frontend-virtualservice.yaml:2: rule istio/route-without-timeout cannot read "
            "VirtualService default/frontend-vs (TypeError: 'NoneType' object is not subscriptable): skipped it"
            in result.stderr.splitlines()), result.stderr
    assert "route 5 'frontend' of VirtualService default/app-vs has no timeout" in result.stderr
    assert "VirtualService default/frontend-vs has no timeout" not in result.stderr


def test_a_malformed_resource_a_chart_renders_is_skipped_naming_its_template(repo) -> None:
    repo.write({
        "helm/extra/Chart.yaml": "apiVersion: v2\nname: extra\nversion: 0.1.0\n",
        "helm/extra/templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n"
                                             "  selector: app\n  ports: [{port: 80}]\n",
    })
    outcome = repo.run("plan", str(repo.root))
    assert "Traceback" not in outcome.output and "patcher crashed" not in outcome.output, outcome.output
    assert outcome.code == 1, outcome.output
    # Helm's output has no lines of the template's own: the diagnostic names the template only
    assert ("error: helm/extra/templates/service.yaml: spec.selector is the string 'app', not a mapping: "
            "Service default/extra skipped, not analysed") in outcome.stderr.splitlines(), outcome.stderr
    for problem in STILL_FOUND:
        assert problem in outcome.stderr
