"""The third sample repository (tests/repos/third) end to end.

Laid out unlike base/ and tests/repos/other: Istio's own `gateway` Helm chart
vendored and installed by an Argo CD Application with a values file, Kustomize
bases with a kind overlay per namespace (one with a strategic-merge patch), a
second chart whose names carry the release prefix, smoke tests in a Makefile,
namespace-scoped Gateway hosts. One problem per rule is planted; README.md in
the repository lists them.

The expectations are what a careful platform engineer wants; where patcher
falls short today the test is marked xfail(strict=True) with the precise bug.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import apply, copy_tree, plan, read_tree
from patcher.config import load_config
from patcher.model import build_model
from patcher.plan import load_workspace
from patcher.validate import Validator

THIRD = Path(__file__).resolve().parent / "repos" / "third"

# (rule, file) of every planted problem, where a reader expects to be sent.
PLANTED = {
    ("kind/unmapped-gateway-port", "mesh/gateway.yaml"),
    ("script/url-unmapped-port", "Makefile"),
    ("istio/duplicate-gateway-host", "mesh/routes/ledger-reports.yaml"),
    # the same duplicate seen from the route side: which VirtualService answers depends on the merge order
    ("istio/unreachable-route", "mesh/routes/ledger-reports.yaml"),
    ("kind/unused-port-mapping", "cluster/kind.yaml"),
    ("istio/route-without-timeout", "mesh/routes/ledger.yaml"),
    ("istio/destination-without-circuit-breaker", "apps/charts/statements/templates/service.yaml"),
    ("k8s/namespace-without-network-policy", "apps/ledger/base/deployment.yaml"),
    ("istio/namespace-without-mtls", "apps/portal/base/deployment.yaml"),
    ("istio/route-to-missing-service", "mesh/routes/ledger.yaml"),
    ("istio/misplaced-traffic-policy", "mesh/destination-rules.yaml"),
    # the same misplaced fields as the schema sees them (Istio's webhook rejects the resource); the fix
    # above clears it
    ("schema/invalid-resource", "mesh/destination-rules.yaml"),
}
# Found today and right.
FOUND_TODAY = PLANTED - {("istio/destination-without-circuit-breaker",
                          "apps/charts/statements/templates/service.yaml")}

CHANGED = {"Makefile", "cluster/kind.yaml", "mesh/destination-rules.yaml", "mesh/kustomization.yaml",
           "mesh/network-policies.yaml", "mesh/peer-authentication.yaml", "mesh/routes/ledger.yaml"}
DELETED = {"mesh/routes/ledger-reports.yaml"}


@pytest.fixture
def repo(tmp_path) -> Path:
    return copy_tree(THIRD, tmp_path / "third")


def _rows(result) -> set[tuple[str, str]]:
    return {(f.rule, f.location.file) for f in result.findings}


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _kustomize_all(root: Path) -> None:
    kustomizations = sorted(root.rglob("kustomization.yaml"))
    assert len(kustomizations) == 6
    for kust in kustomizations:
        run = subprocess.run(["kubectl", "kustomize", str(kust.parent)], capture_output=True, text=True)
        assert run.returncode == 0, f"{kust}: {run.stderr}"


# --- the source repository itself is valid ---------------------------------------------------

def test_source_repository_builds_and_renders(repo) -> None:
    _kustomize_all(repo)
    workspace, diagnostics = load_workspace(repo)
    model = build_model(workspace, load_config(repo))
    assert diagnostics == []
    assert [d for d in model.diagnostics if d.level != "note"] == []
    releases = {(r.chart, r.name, r.namespace, r.values) for r in model.releases}
    assert releases == {
        ("platform/charts/istio-gateway", "ingress", "istio-ingress",
         ("platform/charts/istio-gateway/values-kind.yaml",)),
        ("apps/charts/statements", "finance", "finance", ()),
    }
    services = {(r.namespace, r.name) for r in model.resources if r.kind == "Service"}
    assert {("istio-ingress", "ingress"), ("finance", "ledger"), ("finance", "ledger-db"),
            ("finance", "finance-statements"), ("portal", "portal")} <= services


# --- findings -----------------------------------------------------------------------------------

def test_planted_findings_found_today(repo) -> None:
    assert FOUND_TODAY <= _rows(plan(repo))


def test_exact_findings(repo) -> None:
    assert _rows(plan(repo)) == PLANTED


def test_every_created_destination_rule_has_a_finding(repo) -> None:
    result = plan(repo)
    messages = [f.message for f in result.findings if f.rule == "istio/destination-without-circuit-breaker"]
    assert any("finance-statements" in m for m in messages), messages


def test_misplaced_policy_not_reported_twice(repo) -> None:
    rows = _rows(plan(repo))
    assert ("istio/destination-without-circuit-breaker", "mesh/destination-rules.yaml") not in rows


def test_no_misleading_note_about_applications(repo) -> None:
    result = plan(repo)
    assert not any("Application" in d.message for d in result.diagnostics)


# --- the fixed tree ---------------------------------------------------------------------------

def test_apply_changes_exactly_the_expected_files(repo) -> None:
    original = read_tree(repo)
    apply(repo, unsafe=True)
    after = read_tree(repo)
    assert set(original) - set(after) == DELETED
    changed = {p for p in after if original.get(p) != after[p]}
    assert changed == CHANGED


def test_second_plan_finds_nothing(repo) -> None:
    apply(repo, unsafe=True)
    again = plan(repo)
    assert again.findings == ()
    assert again.changes == ()


def test_fixed_kustomizations_build(repo) -> None:
    apply(repo, unsafe=True)
    _kustomize_all(repo)
    built = subprocess.run(["kubectl", "kustomize", str(repo / "mesh")], capture_output=True, text=True,
                           check=True).stdout
    kinds = [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(built) if d]
    assert ("VirtualService", "ledger-reports") not in kinds
    assert ("NetworkPolicy", "default-deny-all") in kinds


def test_every_fixed_resource_validates(repo, shared) -> None:
    apply(repo, unsafe=True)
    workspace, diagnostics = load_workspace(repo)
    model = build_model(workspace, load_config(repo))
    assert diagnostics == []
    validator = Validator(str(shared / "schemas"))
    problems = {r.ref: e for r in model.resources if (e := validator.errors(r.data))}
    assert problems == {}


def test_fixed_content(repo) -> None:
    apply(repo, unsafe=True)
    # the misplaced DestinationRule: moved under trafficPolicy, its comment kept
    ledger_dr = next(d for d in _docs(repo / "mesh/destination-rules.yaml")
                     if d["metadata"]["name"] == "ledger")
    assert set(ledger_dr["spec"]) == {"host", "trafficPolicy"}
    assert ledger_dr["spec"]["trafficPolicy"]["connectionPool"]["tcp"]["maxConnections"] == 200
    assert "# circuit breaker for the ledger API" in (repo / "mesh/destination-rules.yaml").read_text()
    # the route: the release-prefixed name, still fully qualified; reports merged before the catch-all
    vs = _docs(repo / "mesh/routes/ledger.yaml")[0]
    names = [r["name"] for r in vs["spec"]["http"]]
    assert names.index("reports") < names.index("default")
    statements = next(r for r in vs["spec"]["http"] if r["name"] == "statements")
    assert statements["route"][0]["destination"]["host"] == "finance-statements.finance.svc.cluster.local"
    assert statements["timeout"] == "60s"  # an existing timeout is left alone
    # the kind mapping for 443 lands on the control-plane node, on the same listen address
    kind = _docs(repo / "cluster/kind.yaml")[0]
    mappings = kind["nodes"][0]["extraPortMappings"]
    assert {(m["containerPort"], m["hostPort"], m.get("listenAddress")) for m in mappings} == {
        (30080, 8000, "127.0.0.1"), (30443, 443, "127.0.0.1")}
    assert "extraPortMappings" not in kind["nodes"][1]
    assert "localhost:8000/accounts" in (repo / "Makefile").read_text()


def test_new_mapping_follows_sibling_quoting(repo) -> None:
    apply(repo, unsafe=True)
    assert "listenAddress: 127.0.0.1" not in (repo / "cluster/kind.yaml").read_text()


# --- the generated NetworkPolicies must not cut traffic the repository routes ----------------------

def _policies(repo: Path) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in _docs(repo / "mesh/network-policies.yaml")}


def test_policies_allow_gateway_to_statements(repo) -> None:
    apply(repo, unsafe=True)
    assert "allow-ingress-to-finance-statements" in _policies(repo)


def test_policies_allow_ledger_to_statements_from_overlay_patch(repo) -> None:
    apply(repo, unsafe=True)
    egress = _policies(repo)["allow-egress-from-ledger"]["spec"]["egress"]
    targets = [rule["to"][0]["podSelector"]["matchLabels"] for rule in egress]
    assert {"app.kubernetes.io/name": "statements", "app.kubernetes.io/instance": "finance"} in targets


# --- variations on a copy -------------------------------------------------------------------------

def test_second_overlay_of_the_same_base_changes_nothing_for_kind(repo) -> None:
    before = {(f.rule, f.location.file, f.message) for f in plan(repo).findings}
    dev = repo / "apps/overlays/dev"
    dev.mkdir()
    (dev / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: finance-dev\nresources:\n- ../../ledger/base\n")
    after = {(f.rule, f.location.file, f.message) for f in plan(repo).findings}
    assert before <= after


def test_port_missing_from_chart_service_is_fixed_in_values_file(repo) -> None:
    gateway = repo / "mesh/gateway.yaml"
    gateway.write_text(gateway.read_text() + (
        "  - port:\n      number: 8443\n      name: http-admin\n      protocol: HTTP\n"
        "    hosts:\n    - finance/ledger.bank.test\n"))
    result = plan(repo, "kind/unmapped-gateway-port")
    finding = next(f for f in result.findings if "8443" in f.message)
    assert finding.fix is not None
    assert {e.file for e in finding.fix.edits} == {"platform/charts/istio-gateway/values-kind.yaml", "cluster/kind.yaml"}
    values = repo / "platform/charts/istio-gateway/values-kind.yaml"
    before = values.read_text()
    apply(repo, "kind/unmapped-gateway-port")
    added = ("  - name: http-admin\n    port: 8443\n    protocol: TCP\n    targetPort: 8443\n"
             "    nodePort: 30000\n")
    anchor = "    nodePort: 30443\n"
    assert values.read_text() == before.replace(anchor, anchor + added, 1)
    assert not [f for f in plan(repo, "kind/unmapped-gateway-port").findings if "8443" in f.message]
