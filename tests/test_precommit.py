"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit in a temporary git
repository that uses this checkout, uncommitted changes included, as its hook repository."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import copy_tree, git_env, read_tree, run_git, snapshot_of_this_checkout

REPO_ROOT = Path(__file__).resolve().parent.parent
CASE = Path(__file__).parent / "fixtures" / "istio" / "route-without-timeout" / "missing-both"
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra: pip install -e '.[test]'")
    return tmp_path_factory.mktemp("pre-commit-home")


def test_the_hook_definitions() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"patcher-plan", "patcher-apply"}
    for hook_id, entry in (("patcher-plan", "patcher plan"), ("patcher-apply", "patcher apply")):
        assert hooks[hook_id]["entry"] == entry
        assert hooks[hook_id]["language"] == "python"
        assert hooks[hook_id]["pass_filenames"] is False
        # when they run: a change to anything patcher reads, not to the README
        runs_for = re.compile(hooks[hook_id]["files"])
        for name in ("k8s/kind-config.yaml", "charts/app/templates/_helpers.tpl", "scripts/07-test.sh", "Makefile"):
            assert runs_for.search(name), name
        assert not runs_for.search("README.md")


def test_pre_commit_runs_the_plan_and_apply_hooks(tmp_path: Path, pre_commit_home: Path) -> None:
    hooks_repo, rev = snapshot_of_this_checkout(tmp_path / "patcher-src")
    user = copy_tree(CASE / "before", tmp_path / "user")
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: patcher-plan\n      - id: patcher-apply\n", encoding="utf-8")
    run_git(user, "init", "-q")
    run_git(user, "add", "-A")
    run_git(user, "commit", "-qm", "broken routes")

    done = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=user, capture_output=True, text=True, timeout=600, check=False,
                          env=git_env(PRE_COMMIT_HOME=str(pre_commit_home)))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    plan_part, apply_part = output.split("patcher apply (fix broken request routing)", 1)
    assert "patcher plan (find broken request routing)" in plan_part
    assert "Failed\n- hook id: patcher-plan\n- exit code: 1" in plan_part
    assert ("istio/routes.yaml:14:7: recommended [istio/route-without-timeout] route 0 'search' of "
            "VirtualService store/storefront has no timeout and no retries") in plan_part
    assert "+++ b/istio/routes.yaml" in plan_part  # the diff the fix would write
    assert "- hook id: patcher-apply" in apply_part and "- files were modified by this hook" in apply_part
    assert "updated istio/routes.yaml" in apply_part
    tree = read_tree(user)
    tree.pop(".pre-commit-config.yaml")
    assert tree == read_tree(CASE / "after")
