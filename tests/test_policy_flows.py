"""The NetworkPolicies apply writes keep the application running, flow by flow.

For base/, every sample of tests/repos/ and every rule fixture: apply every fix (unsafe
ones too), build the fixed repository's model as it deploys, and check each flow of its
traffic model (every call and ingress route of the call graph, DNS, istiod, the API
server) against the NetworkPolicies of the namespaces that apply gave policies to, with
patcher/netpol_eval.py. Flows a fix says it cannot account for (its reason) are not in the
model's flows; they are checked by the findings' goldens.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from helpers import apply, copy_tree, plan
from patcher.config import load_config
from patcher.model import build_model
from patcher.netpol_eval import External, Flow, Policies, pod
from patcher.plan import load_workspace
from patcher.policy_flows import API_SERVER, flows, namespace_labels
from patcher.topology import build_topology

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = [REPO / "base"] + sorted(p for p in (REPO / "tests" / "repos").iterdir() if p.is_dir())
CASES = SAMPLES + sorted(p for p in FIXTURES.glob("*/*/*") if (p / "before").is_dir())
RULE = "k8s/namespace-without-network-policy"


def _prepare(case: Path, tmp_path: Path) -> Path:
    if (case / "before").is_dir():
        repo = copy_tree(case / "before", tmp_path / "repo")
        if (case / "config.yaml").is_file():
            shutil.copy(case / "config.yaml", repo / ".patcher.yaml")
        return repo
    return copy_tree(case, tmp_path / "repo")


def _topology(root: Path):
    workspace, _ = load_workspace(root)
    return build_topology(build_model(workspace, load_config(root)))


def _checked(case: Path, tmp_path: Path, without: str = "") -> tuple[list[Flow], list[Flow]]:
    """(flows checked, flows denied) of the fixed repository; ``without``: a policy left out."""
    repo = _prepare(case, tmp_path)
    before = {r.namespace for r in _topology(repo).model.of_kind("NetworkPolicy")}
    apply(repo, unsafe=True)
    topology = _topology(repo)
    docs = [r for r in topology.model.of_kind("NetworkPolicy") if r.name != without]
    written = {r.namespace for r in docs} - before
    policies = Policies.of([r.data for r in docs if r.namespace in written], namespace_labels(topology))
    mine = [f for f in flows(topology)
            if any(getattr(end, "namespace", None) in written for end in (f.source, f.dest))]
    return mine, policies.denied(mine)


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(REPO)) for c in CASES])
def test_every_flow_passes_the_policies_apply_writes(case: Path, tmp_path: Path) -> None:
    checked, denied = _checked(case, tmp_path)
    assert [str(f) for f in denied] == []


def test_the_check_sees_the_flows_of_a_fixed_sample(tmp_path: Path) -> None:
    """The flow check is not vacuous: the sample's policies are written and its calls are checked."""
    checked, _ = _checked(FIXTURES / "k8s/namespace-without-network-policy/call-graph-from-env", tmp_path)
    described = sorted(f"{f.source.name} -> {f.dest.name} {f.protocol}/{f.port}" for f in checked)
    assert described == [
        "Gateway todo/todo -> todo-api TCP/8000",
        "todo-api -> kube-dns TCP/53",
        "todo-api -> kube-dns UDP/53",
        "todo-api -> todo-db TCP/5432",
        "todo-db -> kube-dns TCP/53",
        "todo-db -> kube-dns UDP/53",
    ]


def test_a_policy_left_out_denies_the_flows_it_allowed(tmp_path: Path) -> None:
    case = FIXTURES / "k8s/namespace-without-network-policy/call-graph-from-env"
    _, denied = _checked(case, tmp_path / "a", without="allow-egress-from-todo-api")
    assert [f"{f.source.name} -> {f.dest.name} {f.port}" for f in denied] == ["todo-api -> todo-db 5432"]
    _, denied = _checked(case, tmp_path / "b", without="allow-dns-egress")
    assert len(denied) == 4  # two pods, UDP and TCP


def test_base_checks_routes_calls_dns_and_istiod(tmp_path: Path) -> None:
    checked, _ = _checked(REPO / "base", tmp_path)
    routes = sorted(f"{f.dest.name} {f.port}" for f in checked if f.source.name == "istio-ingressgateway")
    assert routes == ["app-stack-api-gateway 8000", "app-stack-frontend 80"]
    assert sum(1 for f in checked if f.what.startswith("workload ")) == 6
    assert sum(1 for f in checked if f.dest.name == "istiod") == 6
    assert sum(1 for f in checked if f.dest.name == "kube-dns") == 12


def _policy(namespace: str, spec: dict) -> dict:
    return {"kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": namespace}, "spec": spec}


WEB = pod("shop", {"app": "web"}, "web", [("http", 8080, "TCP")])
CART = pod("shop", {"app": "cart", "tier": "back"}, "cart", [("grpc", 7070, "TCP")])
GATEWAY = pod("istio-system", {"istio": "ingressgateway"}, "gateway")
DENY = _policy("shop", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})


def _flow(source, dest, port: int, protocol: str = "TCP") -> Flow:
    return Flow(source, dest, port, protocol, "test")


def test_default_deny_denies_both_directions() -> None:
    policies = Policies.of([DENY])
    assert not policies.allowed(_flow(WEB, CART, 7070))
    assert not policies.allowed(_flow(GATEWAY, WEB, 8080))  # ingress of web
    assert policies.allowed(_flow(GATEWAY, pod("other", {"app": "x"}), 80))  # neither end isolated


def test_a_call_needs_the_callers_egress_and_the_callees_ingress() -> None:
    ingress = _policy("shop", {"podSelector": {"matchLabels": {"app": "cart"}}, "ingress": [
        {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 7070}]}]})
    egress = _policy("shop", {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"], "egress": [
        {"to": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]}}]}]})
    assert not Policies.of([DENY, ingress]).allowed(_flow(WEB, CART, 7070))
    assert not Policies.of([DENY, egress]).allowed(_flow(WEB, CART, 7070))
    assert Policies.of([DENY, ingress, egress]).allowed(_flow(WEB, CART, 7070))
    assert not Policies.of([DENY, ingress, egress]).allowed(_flow(WEB, CART, 7071))
    assert not Policies.of([DENY, ingress, egress]).allowed(_flow(WEB, CART, 7070, "UDP"))


def test_peers_in_other_namespaces_need_a_namespace_selector() -> None:
    by_pods = _policy("shop", {"podSelector": {}, "ingress": [{"from": [
        {"podSelector": {"matchLabels": {"istio": "ingressgateway"}}}]}]})
    both = _policy("shop", {"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
         "podSelector": {"matchLabels": {"istio": "ingressgateway"}}}]}]})
    by_label = _policy("shop", {"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"team": "edge"}}}]}]})
    assert not Policies.of([DENY, by_pods]).allowed(_flow(GATEWAY, WEB, 8080))
    assert Policies.of([DENY, both]).allowed(_flow(GATEWAY, WEB, 8080))
    assert not Policies.of([DENY, by_label]).allowed(_flow(GATEWAY, WEB, 8080))
    assert Policies.of([DENY, by_label], {"istio-system": {"team": "edge"}}).allowed(_flow(GATEWAY, WEB, 8080))


def test_named_ports_ip_blocks_and_port_ranges() -> None:
    named = _policy("shop", {"podSelector": {}, "ingress": [{"ports": [{"port": "grpc"}]}]})
    assert Policies.of([DENY, named]).allowed(_flow(GATEWAY, CART, 7070))
    assert not Policies.of([DENY, named]).allowed(_flow(GATEWAY, WEB, 8080))
    ranged = _policy("shop", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [
        {"ports": [{"port": 440, "endPort": 450}]}]})
    assert Policies.of([DENY, ranged]).allowed(_flow(WEB, API_SERVER, 443))
    assert not Policies.of([DENY, ranged]).allowed(_flow(WEB, API_SERVER, 6443))
    block = _policy("shop", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [
        {"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}]})
    assert Policies.of([DENY, block]).allowed(_flow(WEB, External("db", "10.2.0.5"), 5432))
    assert not Policies.of([DENY, block]).allowed(_flow(WEB, External("db", "10.1.0.5"), 5432))
    assert not Policies.of([DENY, block]).allowed(_flow(WEB, External("db"), 5432))  # address unknown
    assert not Policies.of([DENY, block]).allowed(_flow(WEB, CART, 7070))  # pods are not picked by ipBlock


def test_a_policy_without_policy_types_isolates_egress_only_with_egress_rules() -> None:
    ingress_only = yaml.safe_load("""
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: []
""")
    policies = Policies.of([ingress_only])
    assert policies.allowed(_flow(WEB, CART, 7070))
    assert not policies.allowed(_flow(CART, WEB, 8080))


def _reason(case: str, rule: str, tmp_path: Path) -> tuple[str, str]:
    repo = _prepare(FIXTURES / case, tmp_path)
    (finding,) = plan(repo, rule, unsafe=True).findings
    return finding.fix.applicability.label, finding.fix.reason


def test_reasons_name_the_flows_a_fix_cannot_account_for(tmp_path: Path) -> None:
    assert _reason("k8s/namespace-without-network-policy/unsafe-external-host", RULE, tmp_path / "a") == (
        "unsafe", "default-deny would cut off flows patcher cannot allow: calls to api.payments.example.net "
                  "reach no Service of the repository (external or not in it)")
    assert _reason("k8s/namespace-without-network-policy/api-server-egress-for-rbac", RULE, tmp_path / "b") == (
        "safe", "every one of the namespace's 8 known flow(s) (calls, routes, DNS, control plane) passes the "
                "policies, and every caller and destination is named")
    assert _reason("istio/namespace-without-mtls/caller-outside-mesh", "istio/namespace-without-mtls",
                   tmp_path / "c") == (
        "unsafe", "STRICT refuses plain-text calls: caller(s) workload batch/report may have no sidecar")
