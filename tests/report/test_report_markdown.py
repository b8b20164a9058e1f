"""patcher report on the samples: the review as the user reads it, and its agreement with the findings."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import apply, copy_tree, plan, read_tree
from patcher.cli import app
from patcher.report.command import review_of

REPO = Path(__file__).resolve().parents[2]
SAMPLES = {"base": REPO / "base", "other": REPO / "tests" / "repos" / "other"}
GOLDEN = REPO / "tests" / "golden"


def invoke(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(params=sorted(SAMPLES))
def sample(request, tmp_path) -> tuple[str, Path]:
    return request.param, copy_tree(SAMPLES[request.param], tmp_path / request.param)


def test_the_markdown_review_matches_its_golden_file_and_touches_nothing(sample, update_golden) -> None:
    name, root = sample
    before = read_tree(root)
    result = invoke("report", root)
    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / name / "review.md"
    if update_golden:
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")
    assert read_tree(root) == before


def test_base_review_tells_the_seed_reports_flows(tmp_path: Path) -> None:
    root = copy_tree(SAMPLES["base"], tmp_path / "base")
    text = invoke("report", root).stdout
    # the review's three flows, generated: the frontend and the API work, the monitoring port is refused
    assert "- `curl http://localhost/`: ok — kind 80→31541 → istio-system/istio-ingressgateway:80 → " \
           "Gateway default/app-gateway:80 → VirtualService default/frontend-vs route 0 → " \
           "Service default/app-stack-frontend:80 → Deployment default/app-stack-frontend" in text
    assert ("→ Service default/app-stack-api-gateway:8000 → Deployment default/app-stack-api-gateway → calls "
            "default/app-stack-inventory-service:3000, default/app-stack-order-service:8080, "
            "default/app-stack-user-service:8000 (which call default/app-stack-postgres:5432) ⚠ route 0 of "
            "default/frontend-vs (prefix /) matches too, and answers instead when Istio merges it first") in text
    assert ("1. `curl http://localhost:9090/api/prometheus` (`scripts/07-test-api-endpoints.sh:21`): **missing** at "
            "the host port: kind maps no host port 9090") in text
    assert "| 8081 | 31542 | TCP | nothing | unused |" in text
    assert "| 9090 | - | TCP | Gateway default/monitoring-gateway :9090 | missing |" in text
    assert "`patcher apply --rule kind/unmapped-gateway-port`" in text
    # the review's service discovery: the release that creates the Services, and their names
    assert ("- Helm release app-stack (chart helm/app-stack, scripts/03-deploy-app.sh:18), namespace `default`: "
            "`app-stack-api-gateway.default.svc.cluster.local:8000`, `app-stack-frontend.default.svc.cluster.local:80`"
            ) in text


def test_the_review_and_the_findings_agree(sample) -> None:
    """Each ingress finding has its failing row or flow in the review, and no row fails without one."""
    _, root = sample
    result = plan(root)
    review = review_of(result)
    rows = {m.host_port: m.state for m in review.mappings}
    by_rule: dict[str, list] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule, []).append(f)
    for f in by_rule.get("kind/unused-port-mapping", []):
        port = re.search(r"kind maps host port (\d+)", f.message).group(1)
        assert rows[port] == "unused", f.message
    assert sum(state == "unused" for state in rows.values()) == len(by_rule.get("kind/unused-port-mapping", []))
    unmapped = {re.search(r"serves port (\d+)", f.message).group(1)
                for f in by_rule.get("kind/unmapped-gateway-port", []) if "serves port" in f.message}
    assert {port for port, state in rows.items() if state == "missing"} == unmapped
    refused = {t.entry.port for t in review.failing if t.failing.layer == "host port"}
    for f in by_rule.get("script/url-unmapped-port", []):
        port = int(re.search(r"targets port (\d+)", f.message).group(1))
        assert port in refused, f.message


def test_out_writes_the_file_and_a_folder_is_refused(tmp_path: Path) -> None:
    root = copy_tree(SAMPLES["base"], tmp_path / "base")
    out = tmp_path / "review.md"
    result = invoke("report", root, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("# Routing review: base\n")
    assert f"report: markdown review written to {out}" in result.stderr
    folder = invoke("report", root, "--out", tmp_path)
    assert folder.exit_code == 2
    assert f"error: --out is a folder: {tmp_path}" in folder.stderr
    missing = invoke("report", tmp_path / "nowhere")
    assert missing.exit_code == 2 and "error: no such folder" in missing.stderr


def _mermaid_blocks(text: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", text, re.S)


def test_every_edge_joins_nodes_the_diagram_defines(sample) -> None:
    _, root = sample
    text = invoke("report", root).stdout
    blocks = _mermaid_blocks(text)
    assert blocks
    for block in blocks:
        lines = block.splitlines()
        assert lines[0] == "flowchart LR"
        defined = {m.group(1) for m in re.finditer(r"^  (n\d+)[\[(]", block, re.M)}
        used = set(re.findall(r"^  (n\d+) -->(?:\|\"[^\"]*\"\|)? (n\d+)$", block, re.M))
        assert used and all(a in defined and b in defined for a, b in used)
        assert '"' not in "".join(re.findall(r'\["(.*?)"\]', block))


def test_a_large_repository_fits_a_pull_request_comment(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from generate import generate
    root = tmp_path / "platform"
    generate(root, services=60)
    full = invoke("report", root)
    comment = invoke("report", root, "--comment")
    assert full.exit_code == comment.exit_code == 0
    assert len(full.stdout) > 65536 >= len(comment.stdout)
    # a picture per Gateway, each folded but those with a failing hop
    titles = re.findall(r"<details(?: open)?><summary>(Gateway [^<]*)</summary>", full.stdout)
    assert len(titles) > 1
    assert all(("failing" in t) == (f"<details open><summary>{t}</summary>" in full.stdout) for t in titles)
    assert "## Problems found" in comment.stdout and "## Fix checklist" in comment.stdout


def test_after_apply_no_flow_of_base_fails(tmp_path: Path) -> None:
    """The fixes and the traces tell one story: once applied, every flow reaches its workload or
    ends at what the repository installs from outside (the Istio addons)."""
    root = copy_tree(SAMPLES["base"], tmp_path / "base")
    apply(root)
    review = review_of(plan(root))
    assert [str(t.entry) for t in review.failing] == []
    assert {m.host_port: m.state for m in review.mappings} == {
        "80": "ok", "443": "ok", "8081": "unused", "8082": "unused", "15021": "ok", "9090": "ok"}
    orders = next(t for t in review.traces if t.entry.path == "/api/orders")
    assert (orders.entry.url, orders.entry.file, orders.hops[-1].layer) == (
        "http://localhost/api/orders", "scripts/07-test-api-endpoints.sh", "call")
    assert orders.hop("Service port").label == "default/app-stack-api-gateway:8000"
