"""The incremental fix loop (kustomize roots built as their parts, builds, renders and parses
reused between passes: patcher.incremental) says exactly what the loop that rebuilds
everything says: the same findings, results, notes and diff, byte for byte, on every test
repository, base/, and generated benchmark trees."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import copy_tree
from patcher.analyse import Selection
from patcher.config import load_config
from patcher.findings import Applicability
from patcher.incremental import ENV
from patcher.plan import make_plan
from patcher.render.data import render_json
from patcher.render.diff import render_diff
from patcher.render.text import render_findings

TESTS = Path(__file__).parent
BENCH = TESTS.parent / "bench"
REPOS = sorted(p for p in (TESTS / "repos").iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
BASE = TESTS.parent / "base"


def _output(repo: Path, unsafe: bool) -> tuple[str, int]:
    """What the user reads, and how many fix passes it took."""
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    result = make_plan(repo, load_config(repo), Selection(), threshold)
    diff = render_diff(result.changes)
    passes = max((a.number for a in result.applied), default=0)
    return render_findings(result) + render_json(result, diff) + diff, passes


def _both(repo: Path, unsafe: bool, monkeypatch) -> tuple[tuple[str, int], tuple[str, int]]:
    monkeypatch.setenv(ENV, "0")
    reference = _output(repo, unsafe)
    monkeypatch.setenv(ENV, "1")
    return _output(repo, unsafe), reference


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("case", REPOS + [BASE], ids=lambda p: p.relative_to(TESTS.parent).as_posix())
def test_the_incremental_loop_says_what_the_full_rebuild_says(case: Path, unsafe: bool, tmp_path: Path,
                                                              monkeypatch) -> None:
    repo = copy_tree(case, tmp_path / "repo")
    incremental, reference = _both(repo, unsafe, monkeypatch)
    assert incremental == reference


def test_on_a_generated_benchmark_tree(tmp_path: Path, monkeypatch) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(BENCH))
    generate(tmp_path / "repo", seed=7, services=30)
    incremental, reference = _both(tmp_path / "repo", True, monkeypatch)
    assert incremental[1] >= 2  # fixes went in over several passes: later ones reused earlier builds
    assert incremental == reference
