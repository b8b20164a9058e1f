"""tests/repos/kz-overlays: one base built by a dev and a prod overlay (namePrefix, namespace,
JSON 6902 patches on a Service port and on a VirtualService's host, a strategic-merge patch, a
configMapGenerator). The model is what kustomize builds; plan finds what only that build shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import apply, copy_tree, finding_rows, plan
from patcher.config import load_config
from patcher.model import NO_KUBECTL, build_model
from patcher.plan import load_workspace
from patcher.topology import build_topology

INGRESS_UNKNOWN = "the ingress gateway Service is not in this repository: port checks against it are not made"
REPO = Path(__file__).parent / "repos" / "kz-overlays"
BASE = "apps/ledger/base"
DEV, PROD = "apps/ledger/overlays/dev", "apps/ledger/overlays/prod"
ROUTE = "istio/route-to-missing-service"

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")


def model_of(root: Path):
    workspace, _ = load_workspace(root)
    return build_model(workspace, load_config(root))


def test_each_overlay_builds_its_own_variant_of_the_base() -> None:
    model = model_of(REPO)
    assert sorted((r.kind, r.namespace, r.name, r.source.file, r.source.doc, r.source.kustomize_root)
                  for r in model.resources if r.kind != "ConfigMap") == [
        ("Deployment", "ledger-dev", "dev-ledger-api", f"{BASE}/api.yaml", 1, DEV),
        ("Deployment", "ledger-prod", "prod-ledger-api", f"{BASE}/api.yaml", 1, PROD),
        ("Gateway", "istio-ingress", "public-edge", "platform/gateway.yaml", 0, None),
        ("Service", "ledger-dev", "dev-ledger-api", f"{BASE}/api.yaml", 0, DEV),
        ("Service", "ledger-prod", "prod-ledger-api", f"{BASE}/api.yaml", 0, PROD),
        ("VirtualService", "ledger-dev", "dev-ledger", f"{BASE}/mesh.yaml", 0, DEV),
        ("VirtualService", "ledger-prod", "prod-ledger", f"{BASE}/mesh.yaml", 0, PROD)]
    # the Gateways' ingress Service is installed outside the repository
    assert [d.message for d in model.diagnostics] == [INGRESS_UNKNOWN]


def test_patches_generators_and_labels_are_in_the_built_data() -> None:
    model = model_of(REPO)
    by = {(r.kind, r.namespace): r for r in model.resources}
    assert by["Service", "ledger-dev"].data["spec"]["ports"][0]["port"] == 8080  # JSON 6902
    assert by["Service", "ledger-prod"].data["spec"]["ports"][0]["port"] == 7311
    assert [by["Deployment", ns].data["spec"]["replicas"] for ns in ("ledger-dev", "ledger-prod")] == [1, 3]
    assert by["Service", "ledger-dev"].data["metadata"]["labels"] == {"app.kubernetes.io/part-of": "ledger"}
    config_maps = {r.namespace: r.name for r in model.of_kind("ConfigMap")}
    assert sorted(config_maps) == ["ledger-dev", "ledger-prod"]
    assert all(name.startswith(f"{ns[7:]}-ledger-settings-") for ns, name in config_maps.items())
    env_from = by["Deployment", "ledger-prod"].data["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert env_from == [{"configMapRef": {"name": config_maps["ledger-prod"]}}]
    assert {(r.namespace, r.source.patched_by) for r in model.resources if r.source.patched_by} == {
        ("ledger-dev", (f"{DEV}/service-port.yaml",)), ("ledger-dev", (f"{DEV}/route.yaml",)),
        ("ledger-prod", (f"{PROD}/replicas.yaml",))}


def test_routes_resolve_to_the_prefixed_services() -> None:
    topology = build_topology(model_of(REPO))
    routes = {vs.resource.namespace: (vs.hosts, [(d.host, d.port, d.service.resource.name if d.service else None)
                                                 for r in vs.routes for d in r.destinations])
              for vs in topology.virtual_services}
    assert routes == {
        "ledger-dev": (("ledger-dev.example.test",), [("dev-ledger-api", 8080, "dev-ledger-api")]),
        "ledger-prod": (("ledger.example.test",), [("ledger-api", 7311, None)])}


def test_plan_finds_the_prod_route_to_the_unprefixed_service() -> None:
    assert finding_rows(plan(REPO, ROUTE)) == [{
        "rule": ROUTE, "file": f"{BASE}/mesh.yaml", "line": 14, "column": 13,
        "message": "VirtualService ledger-prod/prod-ledger routes to ledger-api, but namespace ledger-prod has no "
                   "Service ledger-api; it has prod-ledger-api",
        "fix": "safe", "status": "would-fix"}]


def test_the_fix_goes_to_the_base_and_the_dev_patch_still_wins(tmp_path: Path) -> None:
    root = copy_tree(REPO, tmp_path / "repo")
    apply(root, ROUTE)
    assert "host: prod-ledger-api\n" in (root / BASE / "mesh.yaml").read_text()
    assert finding_rows(plan(root, ROUTE)) == []
    dev = next(vs for vs in build_topology(model_of(root)).virtual_services if vs.resource.namespace == "ledger-dev")
    assert [d.host for r in dev.routes for d in r.destinations] == ["dev-ledger-api"]


def test_without_kubectl_the_approximation_misses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("patcher.model.kubectl_path", lambda: None)
    model = model_of(REPO)
    assert [d.message for d in model.diagnostics] == [NO_KUBECTL, INGRESS_UNKNOWN]
    assert sorted((r.namespace, r.name) for r in model.of_kind("Service")) == [("ledger-dev", "ledger-api")]  # one, no prefix
    assert finding_rows(plan(REPO, ROUTE)) == []
