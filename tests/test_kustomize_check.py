"""apply builds the kustomizations a change touches with the real kustomize first."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import copy_tree, plan, read_tree
from patcher.kustomize_check import KustomizeCheck, affected_kustomizations, check_kustomize
from patcher.plan import FileChange
from patcher.source import PatcherError

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_tree(REPO / "base", tmp_path / "repo")


def test_base_fixes_build(repo: Path) -> None:
    result = plan(repo)
    assert affected_kustomizations(repo, result.changes) == ["k8s"]
    assert check_kustomize(repo, result.changes) == KustomizeCheck(("k8s",))


def test_a_change_that_breaks_the_build_is_refused_and_nothing_is_touched(repo: Path) -> None:
    gateway = repo / "k8s" / "istio" / "gateway.yaml"
    before = read_tree(repo)
    change = FileChange("k8s/istio/gateway.yaml", gateway.read_text(), None)  # still listed in k8s/
    with pytest.raises(PatcherError) as caught:
        check_kustomize(repo, [change])
    assert caught.value.message.startswith("after the fixes, `kubectl kustomize k8s` fails:")
    assert caught.value.file == "k8s/kustomization.yaml"
    assert read_tree(repo) == before


def test_a_kustomization_broken_before_is_not_held_against_the_change(repo: Path) -> None:
    kust = repo / "k8s" / "kustomization.yaml"
    kust.write_text(kust.read_text() + "  - missing.yaml\n")
    change = FileChange("k8s/istio/gateway.yaml", (repo / "k8s/istio/gateway.yaml").read_text(),
                        (repo / "k8s/istio/gateway.yaml").read_text() + "# touched\n")
    assert check_kustomize(repo, [change]) == KustomizeCheck()


def test_changes_outside_kustomizations_build_nothing(repo: Path) -> None:
    script = "scripts/07-test-api-endpoints.sh"
    change = FileChange(script, (repo / script).read_text(), "#!/bin/sh\n")
    assert check_kustomize(repo, [change]) == KustomizeCheck()


def test_the_scratch_copy_never_writes_through_a_symlink(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    gateway = repo / "k8s" / "istio" / "gateway.yaml"
    outside.write_text(gateway.read_text())
    gateway.unlink()
    gateway.symlink_to(outside)
    change = FileChange("k8s/istio/gateway.yaml", outside.read_text(), outside.read_text() + "# touched\n")
    check_kustomize(repo, [change])
    assert not outside.read_text().endswith("# touched\n")


def test_without_kubectl_the_check_says_it_was_skipped(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-such-bin"))
    change = FileChange("k8s/istio/gateway.yaml", (repo / "k8s/istio/gateway.yaml").read_text(),
                        (repo / "k8s/istio/gateway.yaml").read_text() + "# touched\n")
    assert check_kustomize(repo, [change]) == KustomizeCheck(skipped=(
        "kubectl was not found, so the 1 kustomization(s) the change touches were not built before writing "
        "(install kubectl to have `kubectl kustomize` check them)"))


def test_a_path_that_is_not_relative_ends_the_walk_up(repo: Path) -> None:
    # an absolute path once sent the walk to "/" forever; settings now refuse such outputs outright
    assert affected_kustomizations(repo, [FileChange("/elsewhere/np.yaml", None, "kind: X\n")]) == []
