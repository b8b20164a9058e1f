"""A namespace patcher cannot resolve, end to end (tests/repos/fn-task-ns: a Taskfile whose NS comes
from `sh: cat .namespace`; tests/repos/fn-env-ns: a script whose APP_NS comes from a sourced .env).
What they deploy is not put in namespace default: no finding or fix is concluded from a namespace,
the note says why, and the resources' own defects are still found."""

from __future__ import annotations

from pathlib import Path

from patcher.config import load_config
from patcher.entrypoints import Apply, NamespaceLabel
from patcher.model import build_model
from patcher.plan import load_workspace
from helpers import finding_rows, plan

REPOS = Path(__file__).parent / "repos"


def model_of(name: str):
    workspace, _ = load_workspace(REPOS / name)
    return build_model(workspace, load_config(REPOS / name))


def notes(result) -> list[tuple[str, int | None, str]]:
    return [(d.file, d.line, d.message) for d in result.diagnostics if d.level == "note"]


def test_fn_task_ns_records_keep_the_unresolved_namespace_and_nothing_lands_in_default() -> None:
    model = model_of("fn-task-ns")
    assert model.entry_points.applies == (
        Apply("tasks/app.yml", 7, ("k8s",), namespace=None, unresolved=("{{.NS}}",)),)
    assert model.entry_points.labels == (
        NamespaceLabel("tasks/app.yml", 6, (), {"istio-injection": "enabled"}, ("{{.NS}}",)),)
    assert [r.ref for r in model.unplaced] == [
        "Deployment {{.NS}}/tally", "Service {{.NS}}/tally", "Deployment {{.NS}}/ledger-store",
        "Service {{.NS}}/ledger-store", "VirtualService {{.NS}}/ledger-store"]
    assert model.resources == () and model.undeployed == ()


def test_fn_task_ns_plan_keeps_the_own_defect_and_says_the_namespace_is_unknown() -> None:
    result = plan(REPOS / "fn-task-ns")
    # before: "namespace default runs 2 workload(s) and has no NetworkPolicy" and a DestinationRule for
    # default/ledger-store, both about a namespace nobody deploys into
    assert finding_rows(result) == [
        {"rule": "istio/route-without-timeout", "file": "k8s/tally.yaml", "line": 67, "column": 7,
         "message": "route 0 of VirtualService {{.NS}}/ledger-store has no timeout and no retries",
         "fix": "safe", "status": "would-fix"}]
    assert notes(result) == [
        ("tasks/app.yml", 7, "tasks/app.yml:7 deploys into a namespace patcher cannot resolve ('{{.NS}}'): "
                             "what it deploys is not judged by namespace"),
        ("k8s/tally.yaml", 60, "1 resource uses networking.istio.io/v1beta1, which has a stable successor, "
                               "networking.istio.io/v1 (since Istio 1.22); the first is VirtualService {{.NS}}/ledger-store")]
    assert [c.path for c in result.changes] == ["k8s/tally.yaml"]


def test_fn_env_ns_plan_judges_the_edge_route_and_nothing_by_namespace() -> None:
    result = plan(REPOS / "fn-env-ns")
    assert finding_rows(result) == [
        {"rule": "istio/route-without-timeout", "file": "manifests/edge/gateway.yaml", "line": 22, "column": 7,
         "message": "route 0 of VirtualService istio-system/parcels has no timeout and no retries",
         "fix": "safe", "status": "would-fix"}]
    assert ("scripts/up.sh", 9, "scripts/up.sh:9 deploys into a namespace patcher cannot resolve ('$APP_NS'): "
                                "what it deploys is not judged by namespace") in notes(result)
    assert not any(" default/" in message or "namespace default" in message for _, _, message in notes(result))
    model = model_of("fn-env-ns")
    assert sorted(r.ref for r in model.resources) == ["Gateway istio-system/parcels-edge",
                                                      "VirtualService istio-system/parcels"]
    assert [r.ref for r in model.unplaced] == ["Deployment $APP_NS/parcels", "Service $APP_NS/parcels",
                                               "Deployment $APP_NS/tracker", "Service $APP_NS/tracker"]
