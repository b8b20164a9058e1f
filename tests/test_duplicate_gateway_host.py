"""istio/duplicate-gateway-host refuses a merge that would change another build (what the user reads)."""

from __future__ import annotations

from pathlib import Path

from helpers import copy_tree, plan

CASE = Path(__file__).parent / "fixtures/istio/duplicate-gateway-host/base-shared-by-overlays-not-deleted/before"


def test_a_base_document_another_overlay_deploys_is_not_deleted(tmp_path: Path) -> None:
    repo = copy_tree(CASE, tmp_path / "repo")
    result = plan(repo, "istio/duplicate-gateway-host")
    assert [(f.fix.applicability.label, f.fix.edits, f.fix.reason) for f in result.findings] == [
        ("display-only", (), "removing apps/shop/base/routes.yaml would take VirtualService shop away from what "
         "does not deploy apps/shop/overlays/prod/promo.yaml: apps/shop/overlays/staging; merge them by hand in "
         "each build"),
    ] * 2
    assert result.changes == ()
