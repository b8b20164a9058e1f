"""The request flows a change fixes, as a pull request body lists them."""

from __future__ import annotations

from pathlib import Path

from helpers import apply, copy_tree, plan
from patcher.report.changes import flow_changes

BASE = Path(__file__).resolve().parents[2] / "base"


def test_rewriting_the_scripts_port_fixes_its_calls_and_only_those(tmp_path: Path) -> None:
    root = copy_tree(BASE, tmp_path / "base")
    before = plan(root)
    apply(root, "script/url-unmapped-port")
    assert flow_changes(before, plan(root)) == [
        f"`curl http://localhost:8080{path}` (now `http://localhost{path}`): missing at the host port → ok"
        for path in ("/", "/api/health", "/api/orders", "/api/users", "/api/inventory")]


def test_publishing_the_monitoring_port_lists_the_fixed_flows_first(tmp_path: Path) -> None:
    root = copy_tree(BASE, tmp_path / "base")
    before = plan(root)
    apply(root, "kind/unmapped-gateway-port")
    lines = flow_changes(before, plan(root))
    assert lines[:2] == ["`curl http://localhost:9090/api/`: missing at the host port → ok",
                         "`curl http://localhost:9090/`: missing at the host port → ok"]
    assert lines[2:] == [f"`curl http://localhost:9090/api/{tool}`: missing at the host port → "
                         "unknown-outside-repository at the Service port"
                         for tool in ("kiali", "grafana", "jaeger", "prometheus")]


def test_a_change_that_moves_no_flow_lists_none(tmp_path: Path) -> None:
    root = copy_tree(BASE, tmp_path / "base")
    before = plan(root)
    apply(root, "istio/route-without-timeout")
    assert flow_changes(before, plan(root)) == []
