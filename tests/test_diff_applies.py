"""`patcher plan > fixes.patch` then `git apply fixes.patch` writes what `patcher apply` writes, byte for byte.

Every sample repository, every rule fixture and every corpus category is planned
with unsafe fixes included (so that as many changes as possible are exercised),
its diff applied with real `git apply` to one copy and its changes written with
write_changes to another; the two trees must be equal. Which fixes are safe does
not matter here: both copies get the same plan.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import copy_tree, read_tree
from patcher.analyse import Selection
from patcher.config import load_config
from patcher.findings import Applicability
from patcher.plan import FileChange, Plan, make_plan
from patcher.render.diff import render_diff
from patcher.writer import write_changes
from test_corpus_plan import CATEGORIES

REPO = Path(__file__).resolve().parent.parent
SAMPLES = [REPO / "base"] + sorted(p for p in (REPO / "tests" / "repos").iterdir() if p.is_dir())
FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*/*") if (p / "before").is_dir())
# git as a user without any settings of their own would run it
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, env=GIT_ENV, capture_output=True, text=True)


def _copy(source: Path, target: Path, config: Path | None) -> Path:
    repo = copy_tree(source, target)
    for path in [repo, *repo.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)  # shared/ is read-only; the copies must be editable
    if config is not None:
        shutil.copy(config, repo / ".patcher.yaml")
    return repo


def git_apply(root: Path, patch: str, tmp_path: Path) -> None:
    """Apply ``patch`` with real git in ``root`` (made a fresh repository)."""
    patch_file = tmp_path / "fixes.patch"
    patch_file.write_bytes(patch.encode("utf-8"))
    assert _git(root, "init", "-q").returncode == 0
    done = _git(root, "apply", "--allow-empty", str(patch_file))
    assert done.returncode == 0, done.stderr


def assert_diff_applies(source: Path, tmp_path: Path, config: Path | None = None) -> Plan:
    written = _copy(source, tmp_path / "written", config)
    applied = _copy(source, tmp_path / "applied", config)
    plan = make_plan(written, load_config(written), Selection(), threshold=Applicability.UNSAFE)
    write_changes(written, plan.changes)
    git_apply(applied, render_diff(plan.changes), tmp_path)
    assert read_tree(applied) == read_tree(written)
    return plan


NOTHING_TO_WRITE: set[str] = set()


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_diff_applies(sample: Path, tmp_path: Path) -> None:
    plan = assert_diff_applies(sample, tmp_path)
    assert bool(plan.changes) != (sample.name in NOTHING_TO_WRITE), "the samples have problems to fix"


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_fixture_diff_applies(case: Path, tmp_path: Path) -> None:
    config = case / "config.yaml"
    assert_diff_applies(case / "before", tmp_path, config if config.is_file() else None)


@pytest.mark.parametrize("category", CATEGORIES)
def test_corpus_diff_applies(category: str, shared: Path, tmp_path: Path) -> None:
    assert_diff_applies(shared / "corpus" / category, tmp_path)


ODD = [
    # deleted lines that begin with ---, as document separators and look-alikes do
    FileChange("docs.yaml", "a: 1\n----\nb: 2\n--- # x\nc: 3\n---\nd: 4\n+++\n", "a: 1\nb: 2\nc: 3\n---\nd: 4\n"),
    FileChange("added.yaml", "a: 1\n", "a: 1\n--- # x\n----\n+++ b\n"),
    FileChange("crlf.yaml", "a: 1\r\nb: 2\r\nc: 3\r\n", "a: 1\r\nb: 3\r\nc: 3\r\n"),
    FileChange("crlf-last.yaml", "a: 1\r\nb: 2", "a: 1\r\n"),
    FileChange("old-unterminated.yaml", "a: 1\nb: 2", "a: 1\nb: 3\n"),
    FileChange("new-unterminated.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3"),
    FileChange("both-unterminated.yaml", "a: 1\nb: 2", "a: 1\nb: 3"),
    FileChange("new/created.yaml", None, "x: 1\n"),
    FileChange("new/created-unterminated.yaml", None, "x: 1"),
    FileChange("created-empty.yaml", None, ""),
    FileChange("deleted.yaml", "x: 1\n", None),
    FileChange("deleted-empty.yaml", "", None),
    FileChange("was-empty.yaml", "", "x: 1\n"),
    FileChange("now-empty.yaml", "x: 1\n", ""),
    FileChange("with space/a file.yaml", "x: 1\n", "x: 2\n"),
    FileChange("new space.yaml", None, "x: 1\n"),
    FileChange("gone space.yaml", "x: 1\n", None),
    FileChange('quote"d.yaml', "x: 1\n", "x: 2\n"),
    FileChange("back\\slash.yaml", "x: 1\n", "x: 2\n"),
    FileChange("tab\there.yaml", "x: 1\n", "x: 2\n"),
    FileChange("new\nline and space.yaml", None, "x: 1\n"),
    FileChange("café.yaml", "x: 1\n", "x: 2\n"),
    FileChange("odd.yaml", "a: 1\n\x0cb: 2\nc: x\ry\nd: \u2028e\nf: \x1c\n", "a: 1\n\x0cb: 3\nc: x\ry\nd: \u2028e\nf: \x1c\n"),
    FileChange("bom.yaml", "\ufeffa: 1\n", "\ufeffa: 2\n"),
]


@pytest.mark.parametrize("change", ODD, ids=[c.path for c in ODD])
def test_odd_changes_apply(change: FileChange, tmp_path: Path) -> None:
    written, applied = tmp_path / "written", tmp_path / "applied"
    for root in (written, applied):
        root.mkdir()
        if change.old is not None:
            (root / change.path).parent.mkdir(parents=True, exist_ok=True)
            (root / change.path).write_bytes(change.old.encode("utf-8"))
    write_changes(written, [change])
    git_apply(applied, render_diff([change]), tmp_path)
    assert read_tree(applied) == read_tree(written)


def test_all_odd_changes_apply_as_one_patch(tmp_path: Path) -> None:
    root = tmp_path / "applied"
    root.mkdir()
    for change in ODD:
        if change.old is not None:
            (root / change.path).parent.mkdir(parents=True, exist_ok=True)
            (root / change.path).write_bytes(change.old.encode("utf-8"))
    git_apply(root, render_diff(ODD), tmp_path)
    assert read_tree(root) == {c.path: c.new.encode("utf-8") for c in ODD if c.new is not None}


def test_a_deleted_separator_line_is_in_the_diff() -> None:
    assert render_diff([ODD[0]]) == (
        "diff --git a/docs.yaml b/docs.yaml\n"
        "--- a/docs.yaml\n"
        "+++ b/docs.yaml\n"
        "@@ -1,8 +1,5 @@\n"
        " a: 1\n"
        "-----\n"
        " b: 2\n"
        "---- # x\n"
        " c: 3\n"
        " ---\n"
        " d: 4\n"
        "-+++\n"
    )


def test_paths_are_written_as_git_writes_them() -> None:
    diff = render_diff([ODD[14], ODD[20], ODD[21]])
    assert [line for line in diff.split("\n") if line.startswith(("diff", "---", "+++"))] == [
        "diff --git a/with space/a file.yaml b/with space/a file.yaml",
        "--- a/with space/a file.yaml\t",
        "+++ b/with space/a file.yaml\t",
        'diff --git "a/new\\nline and space.yaml" "b/new\\nline and space.yaml"',
        "--- /dev/null",
        '+++ "b/new\\nline and space.yaml"\t',
        'diff --git "a/caf\\303\\251.yaml" "b/caf\\303\\251.yaml"',
        '--- "a/caf\\303\\251.yaml"',
        '+++ "b/caf\\303\\251.yaml"',
    ]


def _readme_commands() -> list[str]:
    """The README's shell lines that apply plan's diff (code lines, not prose mentioning them)."""
    readme = (REPO / "README.md").read_text()
    lines = [line for line in readme.splitlines()
             if line.lstrip("{ ").startswith("patcher plan") and "> fixes.patch" in line and "git apply" in line]
    assert lines, "the README shows how to apply plan's diff with git apply"
    return lines


def _env() -> dict[str, str]:
    """The test's git settings, with this virtual environment's `patcher` first on PATH."""
    return {**GIT_ENV, "PATH": os.pathsep.join([str(Path(sys.executable).parent), GIT_ENV.get("PATH", "")])}


def test_the_readme_command_applies_the_plan(tmp_path: Path) -> None:
    """The README's `patcher plan > fixes.patch ... git apply fixes.patch` line, run as written on a copy
    of base/: it applies, and the tree is what `patcher apply` would write (unsafe fixes left out, as in plan)."""
    written = _copy(REPO / "base", tmp_path / "written", None)
    plan = make_plan(written, load_config(written), Selection())
    assert plan.changes
    write_changes(written, plan.changes)
    for n, command in enumerate(_readme_commands()):
        applied = _copy(REPO / "base", tmp_path / f"applied-{n}", None)
        assert _git(applied, "init", "-q").returncode == 0
        done = subprocess.run(["bash", "-c", command], cwd=applied, env=_env(), capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
        after = read_tree(applied)
        assert after.pop("fixes.patch") == render_diff(plan.changes).encode("utf-8")
        assert after == read_tree(written), command


def test_the_readme_command_stops_on_an_error(tmp_path: Path) -> None:
    """Exit 2 (an error) is not taken for "found something": git apply does not run."""
    for n, command in enumerate(_readme_commands()):
        broken = tmp_path / f"broken-{n}"
        broken.mkdir()
        (broken / ".patcher.yaml").write_text("route-timeout: [\n")
        done = subprocess.run(["bash", "-c", command], cwd=broken, env=_env(), capture_output=True, text=True)
        assert done.returncode != 0, command
        assert ".patcher.yaml" in done.stderr
        assert (broken / "fixes.patch").read_text() == ""
