"""patcher on real repositories' files (../shared/corpus): every fix it offers
applies and verifies, a second plan finds nothing left to fix, and every file it
does not fix comes back byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import apply, copy_tree, plan, read_tree

CATEGORIES = ["istio", "k8s", "kind", "kustomize", "helm-values", "helm-templates"]


@pytest.mark.parametrize("category", CATEGORIES)
def test_plan_and_apply_on_real_files(category: str, shared: Path, tmp_path: Path) -> None:
    repo = copy_tree(shared / "corpus" / category, tmp_path / category)
    for path in repo.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)  # shared/ is read-only; the copy must be editable
    before = read_tree(repo)
    result = apply(repo)
    assert [r.reason for r in result.results if r.status == "failed"] == []
    # the corpus holds files picked from real repositories, not whole trees: a kustomization whose
    # resources were left out cannot be built by kustomize, and says so
    assert [d for d in result.diagnostics if d.level == "error" and not _left_out_of_the_corpus(d.message)] == []
    again = plan(repo)
    assert again.changes == ()
    after = read_tree(repo)
    changed = {c.path for c in result.changes}
    assert {p: b for p, b in after.items() if p not in changed} == {
        p: b for p, b in before.items() if p not in changed}


def _left_out_of_the_corpus(message: str) -> bool:
    return message.startswith("`kubectl kustomize ") and (
        "no such file or directory" in message or "must resolve to a file" in message)
