"""tests/repos/kz-patched-route: a base VirtualService whose route list an overlay's patch
replaces (setting the route's timeout). A change to that route written in the base would not
change what kustomize builds: placement refuses it, naming the patch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import apply, copy_tree, finding_rows, plan, read_tree

REPO = Path(__file__).parent / "repos" / "kz-patched-route"
PATCH = "apps/quotes/overlays/prod/route-timeout.yaml"

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")


def test_a_change_to_a_patched_field_is_shown_only_naming_the_patch() -> None:
    result = plan(REPO, "istio/route-without-timeout")
    assert finding_rows(result) == [{
        "rule": "istio/route-without-timeout", "file": "apps/quotes/base/route.yaml", "line": 11, "column": 7,
        "message": "route 0 'api' of VirtualService quotes/quotes has no retries",
        "fix": "display-only", "status": "skipped-unsafe"}]
    fix = result.findings[0].fix
    assert (fix.edits, fix.reason) == ((), (
        f"VirtualService quotes/quotes (built by apps/quotes/overlays/prod) gets spec.http from {PATCH}: "
        "the edit in apps/quotes/base/route.yaml would not change what kustomize builds; change the patch instead"))
    assert result.changes == ()


def test_apply_leaves_base_and_patch_as_they_are(tmp_path: Path) -> None:
    repo = copy_tree(REPO, tmp_path / "repo")
    before = read_tree(repo)
    apply(repo, "istio/route-without-timeout", unsafe=True)
    assert read_tree(repo) == before
