"""Labels that tell the truth: every change written has a finding shown, a finding keeps its
identity when its wording changes, statuses say what happened, a crash is exit 2."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from helpers import apply, copy_tree, plan
from patcher import cli, commands
from patcher.findings import Finding, Location, Severity
from patcher.plan import FIXED, STATUSES, WOULD_FIX

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
REPOS = [REPO / "base", REPO / "tests" / "repos" / "other", REPO / "tests" / "repos" / "third"] + sorted(
    p / "before" for p in FIXTURES.glob("*/*/*") if (p / "before").is_dir())


def _name(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe-fixes"])
@pytest.mark.parametrize("repo", REPOS, ids=[_name(p) for p in REPOS])
def test_every_changed_file_belongs_to_a_finding_shown(repo: Path, unsafe: bool) -> None:
    result = plan(repo, unsafe=unsafe)
    explained = {e.file for f, r in zip(result.findings, result.results) if r.status == WOULD_FIX and f.fix
                 for e in f.fix.edits}
    assert [c.path for c in result.changes if c.path not in explained] == []
    assert {r.status for r in result.results} <= set(STATUSES) - {FIXED}  # nothing is fixed by a plan


def test_apply_turns_would_fix_into_fixed(tmp_path: Path) -> None:
    repo = copy_tree(REPO / "base", tmp_path / "repo")
    planned = plan(repo)
    written = apply(repo)
    assert [r.status for r in written.results] == [FIXED if r.status == WOULD_FIX else r.status
                                                    for r in planned.results]


def test_a_finding_keeps_its_identity_when_its_message_changes() -> None:
    where = Location("vs.yaml", 7, 3, 0, ("metadata", "name"), "VirtualService web/shop")
    before = Finding("istio/duplicate-gateway-host", Severity.MEDIUM, "routes 0, 1, 2 compete", where)
    after = Finding("istio/duplicate-gateway-host", Severity.MEDIUM, "routes 0, 2 compete",
                    Location("vs.yaml", 5, 3, 0, ("metadata", "name"), "VirtualService web/shop"))
    assert before.identity == after.identity
    other = Finding("istio/duplicate-gateway-host", Severity.MEDIUM, "routes 0, 1, 2 compete",
                    Location("vs.yaml", 7, 3, 0, ("metadata", "name"), "VirtualService web/cart"))
    assert other.identity != before.identity


def test_a_crash_exits_2_with_a_short_message(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = copy_tree(REPO / "base", tmp_path / "repo")

    def broken(*args, **kwargs):
        raise KeyError("spec")

    monkeypatch.setattr(commands, "make_plan", broken)
    monkeypatch.setattr(sys, "argv", ["patcher", "plan", str(repo)])
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: patcher crashed: KeyError: 'spec' (at test_labels.py:")
    assert "hint: this is a bug in patcher, not in your repository; nothing was written." in err
    assert "Traceback" not in err


SAFETY = [
    ("k8s/namespace-without-network-policy", "call-graph-from-env", "safe"),  # every flow known and allowed
    ("k8s/namespace-without-network-policy", "unsafe-external-host", "unsafe"),
    ("istio/namespace-without-mtls", "two-namespaces", "safe"),  # every caller has a sidecar
    ("istio/namespace-without-mtls", "caller-outside-mesh", "unsafe"),
    ("istio/namespace-without-mtls", "config-mode-and-output-crlf", "safe"),  # PERMISSIVE refuses nothing
    ("kind/unused-port-mapping", "stale-mapping", "unsafe"),
    ("istio/duplicate-gateway-host", "mesh-only-duplicates", "unsafe"),
    ("istio/duplicate-gateway-host", "merge-and-reorder", "unsafe"),
    ("istio/duplicate-gateway-host", "disjoint-routes-merge-is-safe", "safe"),
    ("istio/route-without-timeout", "missing-both", "safe"),  # Istio's own retryOn: never delivered
    ("script/url-unmapped-port", "unknown-port-unsafe-host-header-safe", "safe|unsafe"),
    ("script/url-unmapped-port", "base-url-wrong-port", "safe"),
]


@pytest.mark.parametrize("rule, case, label", SAFETY, ids=[f"{r}:{c}" for r, c, _ in SAFETY])
def test_fix_safety_labels(rule: str, case: str, label: str, tmp_path: Path) -> None:
    repo = copy_tree(FIXTURES / rule / case / "before", tmp_path / "repo")
    if (FIXTURES / rule / case / "config.yaml").is_file():
        shutil.copy(FIXTURES / rule / case / "config.yaml", repo / ".patcher.yaml")
    result = plan(repo, rule)
    assert {f.fix.applicability.label for f in result.findings if f.fix} == set(label.split("|"))
    assert all(f.fix.reason for f in result.findings if f.fix and label == "unsafe")


def test_retrying_on_5xx_is_unsafe(tmp_path: Path) -> None:
    repo = copy_tree(FIXTURES / "istio/route-without-timeout/missing-both/before", tmp_path / "repo")
    (repo / ".patcher.yaml").write_text("retries: {retryOn: '5xx,reset,connect-failure'}\n")
    fixes = {f.fix.applicability.label: f.fix.reason for f in plan(repo, "istio/route-without-timeout").findings}
    assert list(fixes) == ["unsafe"]
    assert fixes["unsafe"].startswith("retrying on 5xx, reset re-sends requests the application may already "
                                      "have processed")


def test_an_injection_label_set_by_a_script_is_not_reported_as_missing() -> None:
    result = plan(REPO / "base", "istio/namespace-without-mtls", unsafe=True)
    (finding,) = result.findings
    assert finding.fix.reason == ("STRICT refuses plain-text calls: Service(s) app-stack-postgres-headless have no "
                                  "caller in the call graph: whether their clients have a sidecar is not known")


def test_a_finding_only_a_later_pass_sees_is_reported_with_its_fix(tmp_path: Path) -> None:
    """A merged route without a timeout is found once the merge is in; its fix is written, so
    the finding is shown (not only the first pass's one, on the VirtualService the merge removed)."""
    repo = copy_tree(FIXTURES / "istio/duplicate-gateway-host/disjoint-routes-merge-is-safe/before", tmp_path / "r")
    moved = repo / "deploy/routing/api-docs.yaml"
    moved.write_text(moved.read_text().replace("      timeout: 10s\n      retries: {attempts: 2, perTryTimeout: 5s}\n",
                                               ""))
    result = plan(repo)
    rows = [(f.rule, f.location.file, f.location.resource, r.status, r.reason)
            for f, r in zip(result.findings, result.results)]
    assert rows == [
        ("istio/duplicate-gateway-host", "deploy/routing/api-docs.yaml", "VirtualService docs/api-docs",
         "would-fix", ""),
        ("istio/route-without-timeout", "deploy/routing/api-docs.yaml", "VirtualService docs/api-docs",
         "would-fix", "cleared by a related fix"),
        ("istio/route-without-timeout", "deploy/routing/site.yaml", "VirtualService docs/site", "would-fix", ""),
    ]
    # The repository's other routes all set 10s with two attempts, so the merged route follows them.
    merged = dict((c.path, c.new) for c in result.changes)["deploy/routing/site.yaml"]
    assert merged.count("timeout: 10s") == 3
    assert "30s" not in merged
