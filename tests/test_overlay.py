"""`patcher overlay`: the overlay builds, and builds what `patcher apply` produces.

For each sample with a kustomization, the overlay written from an untouched copy is built
with `kubectl kustomize`, and so is the repository's kustomize root after apply's changes;
the resources must be equal, lists compared in order except those Kubernetes merges by key.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import copy_tree, plan
from patcher.overlay.merge_keys import merge_key
from patcher.overlay.write import write_overlay
from patcher.writer import write_changes

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "base"
REPOS = ROOT / "tests" / "repos"
COMMITTED = ROOT / "overlays" / "base"
BASE_COMMAND = "patcher overlay base --out overlays/base"

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


def kustomize(folder: Path) -> dict:
    built = subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    return {_identity(d): _normal(d, d, ()) for d in yaml.safe_load_all(built.stdout) if d}


def _identity(doc: dict) -> tuple:
    meta = doc.get("metadata") or {}
    return doc.get("apiVersion"), doc.get("kind"), meta.get("namespace"), meta.get("name")


def _normal(doc: dict, node, path: tuple):
    """Lists Kubernetes merges by key sorted on it (their order means nothing); others kept."""
    if isinstance(node, dict):
        return {k: _normal(doc, v, path + (k,)) for k, v in node.items()}
    if isinstance(node, list):
        items = [_normal(doc, v, path + (0,)) for v in node]
        key = merge_key(str(doc.get("apiVersion")), str(doc.get("kind")), path)
        if key and all(isinstance(i, dict) and key in i for i in items):
            items.sort(key=lambda i: str(i[key]))
        return items
    return node


def _overlay_and_applied(repo: Path, tmp: Path, command: str = "patcher overlay REPO --out DIR"):
    before = copy_tree(repo, tmp / "before" / repo.name)
    after = copy_tree(repo, tmp / "after" / repo.name)
    result = plan(before)
    written = write_overlay(result, tmp / "overlay", repo.name, command)
    write_changes(after, result.changes)
    return result, written, after


def _overlays(folder: Path) -> list[tuple[Path, str]]:
    """(overlay folder, the root it builds on, repository-relative)."""
    out = []
    for kust in sorted(folder.rglob("kustomization.yaml")):
        data = yaml.safe_load(kust.read_text())
        base = (kust.parent / data["resources"][0]).resolve()
        out.append((kust.parent, base))
    return out


SAMPLES_WITH_ROOTS = ["base", "ep-taskfile", "other", "third", "kz-overlays", "tr-mesh", "ep-argo"]


@needs_kubectl
@pytest.mark.parametrize("name", SAMPLES_WITH_ROOTS)
def test_overlay_builds_what_apply_writes(name: str, tmp_path: Path) -> None:
    repo = BASE if name == "base" else REPOS / name
    result, written, after = _overlay_and_applied(repo, tmp_path)
    if not written.files:
        assert not [x for x in result.applied if x.finding.fix.changes], written.note
        return
    before_root = tmp_path / "before" / repo.name
    for folder, base in _overlays(tmp_path / "overlay"):
        root = base.relative_to(before_root)
        assert kustomize(folder) == kustomize(after / root), f"{folder} differs from apply's {root}"


@needs_kubectl
def test_committed_base_overlay_is_regenerated_and_builds(tmp_path: Path) -> None:
    copy_tree(BASE, tmp_path / "base")
    written = write_overlay(plan(tmp_path / "base"), tmp_path / "overlays" / "base", "base", BASE_COMMAND)
    fresh = {p: (tmp_path / "overlays" / "base" / p).read_text() for p in written.files}
    committed = {p.relative_to(COMMITTED).as_posix(): p.read_text() for p in COMMITTED.rglob("*") if p.is_file()}
    assert fresh == committed, "overlays/base is stale: run `patcher overlay base --out overlays/base`"
    kustomize(COMMITTED)


def test_no_kustomization_says_which_files_a_base_needs(tmp_path: Path) -> None:
    from patcher.source import PatcherError
    repo = copy_tree(REPOS / "ig-istioctl-profile", tmp_path / "repo")
    with pytest.raises(PatcherError) as caught:
        write_overlay(plan(repo), tmp_path / "overlay", "repo", "patcher overlay repo --out overlay")
    assert caught.value.message == "the repository has no kustomization for an overlay to point at"
    assert caught.value.hint == ("a kustomization.yaml listing mesh/gateway.yaml would "
                                 "let the overlay patch them; or `patcher apply` fixes them in place")
    assert not (tmp_path / "overlay").exists()
