"""CLI behaviour not covered elsewhere: unsafe fixes, the progress bar, colour on a terminal,
validate's formats."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from helpers import copy_tree, read_tree
from patcher.cli import app
from patcher.progress import DelayedProgress

REPO = Path(__file__).resolve().parent.parent
CONFLICT = REPO / "tests" / "fixtures" / "istio" / "duplicate-gateway-host" / "conflicting-same-match-is-unsafe" / "before"


def invoke(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_unsafe_fixes_only_with_the_flag(tmp_path: Path) -> None:
    repo = copy_tree(CONFLICT, tmp_path / "repo")
    before = read_tree(repo)
    result = invoke("apply", repo, "--rule", "istio/duplicate-gateway-host")
    assert result.exit_code == 1
    assert read_tree(repo) == before
    data = json.loads(invoke("plan", repo, "--format", "json", "--rule", "istio/duplicate-gateway-host").stdout)
    assert [f["fix"]["status"] for f in data["findings"]] == ["skipped-unsafe"]
    assert data["findings"][0]["fix"]["applicability"] == "unsafe"
    result = invoke("apply", repo, "--rule", "istio/duplicate-gateway-host", "--unsafe-fixes")
    assert result.exit_code == 0, result.stderr
    assert read_tree(repo) != before
    assert invoke("plan", repo, "--rule", "istio/duplicate-gateway-host").exit_code == 0


def test_progress_bar_appears_only_on_a_terminal_after_a_moment() -> None:
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=80)
    with DelayedProgress(terminal) as progress:
        progress._started -= 10  # reading has taken a while
        progress.update(5, 10, "reading")
        assert progress._progress is not None
    piped = io.StringIO()
    with DelayedProgress(Console(file=piped, force_terminal=False)) as progress:
        progress._started -= 10
        progress.update(5, 10, "reading")
        assert progress._progress is None
    assert piped.getvalue() == ""
    with DelayedProgress(Console(file=io.StringIO(), force_terminal=True)) as progress:
        progress.update(1, 10, "reading")  # fast: no bar
        assert progress._progress is None


def test_plan_on_a_terminal_colours_the_diff(tmp_path: Path, monkeypatch) -> None:
    repo = copy_tree(REPO / "base", tmp_path / "repo")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    result = invoke("plan", repo)
    assert result.exit_code == 1
    assert "\x1b[" in result.stdout  # ANSI colour codes
    assert "k8s/istio/gateway.yaml:39:9: critical [kind/unmapped-gateway-port]" in result.stdout


def test_validate_formats(tmp_path: Path, shared: Path) -> None:
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"
                                       "  ports:\n    - port: \"80\"\n")
    data = json.loads(invoke("validate", tmp_path, "--format", "json").stdout)
    assert [(f["rule"], f["location"]["line"]) for f in data["findings"]] == [("schema/invalid-resource", 7)]
    sarif = json.loads(invoke("validate", tmp_path, "--format", "sarif").stdout)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "schema/invalid-resource"
    assert "| critical | `schema/invalid-resource` |" in invoke("validate", tmp_path, "--format", "markdown").stdout


def test_rules_markdown_and_bad_format() -> None:
    assert invoke("rules", "--format", "markdown").stdout.startswith("# Rules\n")
    result = invoke("rules", "--format", "html")
    assert result.exit_code == 2 and "unknown format 'html'" in result.stderr
