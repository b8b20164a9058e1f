"""The HTML review in a real browser: Debian's headless Chromium draws the diagrams with the
Mermaid library the page carries, offline; the tests read the DOM and a screenshot."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import copy_tree, plan
from patcher.cli import app
from patcher.report.command import review_of
from patcher.report.html import render_html

from .chromium import Shot, body_data, chromium, dom, drawn, pixel, render_errors, screenshot

REPO = Path(__file__).resolve().parents[2]
FAIL_FILL = (0xFD, 0xE2, 0xE2)  # classDef fail in patcher/report/diagram.py

MISSING = "chromium is not installed: tests/browser/setup_chromium.sh (run by `make test`) installs Debian's package"


@pytest.fixture(autouse=True)
def _browser() -> None:
    if chromium() is None:
        if os.environ.get("PATCHER_BROWSER_REQUIRED") == "1":  # CI: a skipped browser test would pass unseen
            pytest.fail(MISSING)
        pytest.skip(MISSING)


@pytest.fixture(scope="module")
def base_page(tmp_path_factory) -> tuple[Path, str, object]:
    folder = tmp_path_factory.mktemp("page")
    root = copy_tree(REPO / "base", folder / "base")
    page = folder / "review.html"
    result = CliRunner().invoke(app, ["report", str(root), "--format", "html", "--out", str(page)])
    assert result.exit_code == 0, result.stderr
    return page, dom(page), review_of(plan(root))


def test_the_page_draws_every_node_and_edge_of_the_review_offline(base_page) -> None:
    page, text, review = base_page
    assert body_data(text) == {"rendered": "1", "requests": "0", "blocked": "0"}, render_errors(text)
    nodes, edges = drawn(text)
    (diagram,) = review.diagrams
    assert [n.text for n in nodes] == [" ".join(label.split()) for label in diagram.nodes]
    assert edges == diagram.edges == 27
    assert [n.text for n in nodes if "fail" in n.classes] == [
        "host port localhost:9090 ✗ missing", "host port localhost:8080 ✗ missing"]
    assert {n.text for n in nodes if "unknown" in n.classes} == {
        f"Service port {host}.istio-system.svc.cluster.local ✗ unknown-outside-repository"
        for host in ("kiali", "grafana", "tracing", "prometheus")}


def test_the_page_shows_the_tables_flows_and_checklist(base_page) -> None:
    _, text, _ = base_page
    rows = re.findall(r'<tr class="row-(\w+)"><td>(\d+)</td>', text)
    assert rows == [("ok", "80"), ("ok", "443"), ("unused", "8081"), ("unused", "8082"), ("ok", "15021"),
                    ("missing", "9090")]
    failing = re.findall(r'<li class="hop-failing" data-layer="([^"]+)" data-state="([^"]+)">', text)
    assert failing == [("host port", "missing"), ("host port", "missing")]
    assert "<code>patcher apply --rule kind/unmapped-gateway-port</code>" in text
    assert text.count('<table class="findings') == 3


def test_the_screenshot_shows_the_picture_with_its_failing_hop_in_red(base_page, tmp_path) -> None:
    page, _, _ = base_page
    shot = screenshot(page, tmp_path / "review.png", 1400, 1000)
    info = Shot.of(shot)
    assert (info.width, info.height) == (1400, 1000)
    assert info.colours > 50  # drawn, not a blank page
    from PIL import Image
    with Image.open(shot) as image:
        colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 24)}
    assert FAIL_FILL in colours
    assert pixel(shot, 5, 5) == (255, 255, 255)


def test_a_diagram_mermaid_cannot_parse_is_an_error_on_the_page(base_page, tmp_path) -> None:
    _, _, review = base_page
    broken = dataclasses.replace(review.diagrams[0], mermaid="flowchart LR\n  n0[[[\"client\n  n0 -->\n")
    page = tmp_path / "broken.html"
    page.write_text(render_html(dataclasses.replace(review, diagrams=(broken,))), encoding="utf-8")
    text = dom(page)
    assert body_data(text)["rendered"] == "error"
    assert "Parse error" in render_errors(text)


def test_a_large_repository_renders_a_picture_per_gateway(tmp_path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from generate import generate
    root = tmp_path / "platform"
    generate(root, services=60)
    page = tmp_path / "platform.html"
    result = CliRunner().invoke(app, ["report", str(root), "--format", "html", "--out", str(page)])
    assert result.exit_code == 0, result.stderr
    text = dom(page)
    assert body_data(text)["rendered"] == "1", render_errors(text)
    review = review_of(plan(root))
    assert len(review.diagrams) > 1
    assert len(re.findall(r'<svg [^>]*aria-roledescription="flowchart-v2"', text)) == len(review.diagrams)
    nodes, edges = drawn(text)
    assert len(nodes) == sum(len(d.nodes) for d in review.diagrams)
    assert edges == sum(d.edges for d in review.diagrams)
