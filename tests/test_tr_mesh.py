"""tests/repos/tr-mesh: two namespaces in the mesh (one by a Namespace label, one by a script),
one outside it, envFrom configuration (a ConfigMap and kustomize generators), a mirror, a mesh
VirtualService that reroutes a call, a Prometheus-scraped workload, mesh tracing, and a frontend
the ingress gateway routes to. The model's call graph and mesh, and what plan makes of them."""

from __future__ import annotations

from pathlib import Path

import yaml

from patcher.config import load_config
from patcher.edits import AddDocument
from patcher.model import build_model
from patcher.plan import load_workspace
from patcher.topology import build_topology
from tests.helpers import finding_rows, plan

REPO = Path(__file__).parent / "repos" / "tr-mesh"
NETWORK = "k8s/namespace-without-network-policy"
MTLS = "istio/namespace-without-mtls"


def _topology():
    workspace, _ = load_workspace(REPO)
    return build_topology(build_model(workspace, load_config(REPO)))


def test_mesh_membership() -> None:
    t = _topology()
    assert {w.resource.name: t.in_mesh(w) for w in t.workloads} == {
        "edge-ingress": False, "checkout-ui": True, "checkout-ui-shadow": True, "flagd": True,
        "basket": True, "basket-canary": True, "stockdb": False, "scraper": False, "otel-sink": False}
    assert t.mesh_namespaces == ["pantry", "tills"]
    assert t.application_namespaces == ["metrics-lab", "pantry", "tills"]


def test_call_graph() -> None:
    t = _topology()
    sidecars = [("sidecar", ns, name, ("metrics-lab", "otel-sink"), 4317) for ns, name in (
        ("pantry", "basket"), ("pantry", "basket-canary"), ("tills", "checkout-ui"),
        ("tills", "checkout-ui-shadow"), ("tills", "flagd"))]
    assert [(c.caller.kind, c.caller.namespace, c.caller.name, c.target_key, c.port) for c in t.calls] == [
        ("ingress-gateway", "edge", "edge-ingress", ("tills", "checkout-ui"), 80),
        ("ingress-gateway", "edge", "edge-ingress", ("tills", "checkout-ui-shadow"), 8000),  # the mirror
        ("prometheus", "metrics-lab", "scraper", ("pantry", "basket", "pods"), 9464),
        *sidecars,
        ("workload", "pantry", "basket", ("pantry", "stockdb"), 5433),  # generator env file
        # generator literal; in the mesh, basket-split sends calls to basket to the canary
        ("workload", "tills", "checkout-ui", ("pantry", "basket-canary"), 7443),
        ("workload", "tills", "checkout-ui", ("tills", "flagd"), 8013),  # configMapKeyRef
    ]
    assert [(u.caller.name, u.host) for u in t.call_graph.unresolved] == [("basket", "api.paygate.example.com")]
    assert [(d.file, d.line) for d in t.call_notes] == [("deploy/pantry/basket.env", 4)]


def _policies(finding) -> dict[str, dict]:
    docs = [yaml.safe_load(e.content) for e in finding.fix.edits if isinstance(e, AddDocument)]
    return {d["metadata"]["name"]: d["spec"] for d in docs}


def test_plan_findings() -> None:
    result = plan(REPO, NETWORK, MTLS, unsafe=True)
    assert [(r["rule"], r["file"], r["message"], r["fix"], r["status"]) for r in finding_rows(result)] == [
        (NETWORK, "deploy/metrics-lab/otel-sink.yaml",
         "namespace metrics-lab runs 2 workload(s) and has no NetworkPolicy: every pod may reach every other",
         "unsafe", "would-fix"),
        (MTLS, "deploy/pantry/basket.yaml",
         "namespace pantry has no PeerAuthentication: its services accept plain-text traffic", "unsafe", "would-fix"),
        (NETWORK, "deploy/pantry/basket.yaml",
         "namespace pantry runs 3 workload(s) and has no NetworkPolicy: every pod may reach every other",
         "unsafe", "would-fix"),
        (MTLS, "deploy/tills/checkout-ui.yaml",
         "namespace tills has no PeerAuthentication: its services accept plain-text traffic", "safe", "would-fix"),
        (NETWORK, "deploy/tills/checkout-ui.yaml",
         "namespace tills runs 3 workload(s) and has no NetworkPolicy: every pod may reach every other",
         "safe", "would-fix"),
    ]  # metrics-lab is outside the mesh: no mTLS finding
    by_namespace = {f.message.split()[1]: f for f in result.findings}
    pantry = [f for f in result.findings if f.rule == MTLS and "pantry" in f.message][0]
    assert pantry.fix.reason == (
        "STRICT refuses plain-text calls: workload(s) stockdb of namespace pantry may run without a sidecar; "
        "caller(s) prometheus metrics-lab/scraper may have no sidecar; Service(s) basket have no caller in the "
        "call graph: whether their clients have a sidecar is not known")

    tills = _policies([f for f in result.findings if f.rule == NETWORK and "tills" in f.message][0])
    gateway = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}},
               "podSelector": {"matchLabels": {"istio": "edge-gw"}}}
    assert tills["allow-ingress-to-checkout-ui"]["ingress"] == [
        {"from": [gateway], "ports": [{"protocol": "TCP", "port": 3100}]}]
    assert tills["allow-ingress-to-checkout-ui-shadow"]["ingress"] == [
        {"from": [gateway], "ports": [{"protocol": "TCP", "port": 3100}]}]
    assert tills["allow-ingress-to-flagd"]["ingress"] == [
        {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "checkout-ui"}}}],
         "ports": [{"protocol": "TCP", "port": 8013}]}]
    assert [rule["to"][0]["podSelector"]["matchLabels"] for rule in
            tills["allow-egress-from-checkout-ui"]["egress"]] == [
        {"role": "otel-sink"}, {"svc": "basket", "version": "v2"}, {"app.kubernetes.io/name": "flagd"}]

    pantry_net = [f for f in result.findings if f.rule == NETWORK and "pantry" in f.message][0]
    assert pantry_net.fix.reason == ("default-deny would cut off flows patcher cannot allow: calls to "
                                     "api.paygate.example.com reach no Service of the repository (external or not in it); "
                                     "Service(s) basket have no caller in the call graph: whoever calls them is cut off")
    policies = _policies(pantry_net)
    assert policies["allow-ingress-to-basket-pods"]["ingress"] == [  # Prometheus scrapes the pods
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "metrics-lab"}},
                   "podSelector": {"matchLabels": {"role": "scraper"}}}],
         "ports": [{"protocol": "TCP", "port": 9464}]}]
    assert policies["allow-ingress-to-stockdb"]["ingress"] == [
        {"from": [{"podSelector": {"matchLabels": {"svc": "basket"}}}], "ports": [{"protocol": "TCP", "port": 5433}]}]

    sinks = _policies(by_namespace["metrics-lab"])["allow-ingress-to-otel-sink"]["ingress"]
    assert [(r["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
             r["from"][0]["podSelector"]["matchLabels"]) for r in sinks] == [
        ("pantry", {"svc": "basket"}), ("tills", {"app.kubernetes.io/name": "checkout-ui"}),
        ("tills", {"app.kubernetes.io/name": "flagd"})]
