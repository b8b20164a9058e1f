"""After `patcher apply` with every rule, a second plan has nothing left to fix.

tests/test_rule_fixtures.py re-plans each fixture with its own rule only; here every rule runs
on every fixture, every test repository and base/, so a fix that re-triggers another rule,
undoes another rule's fix, or creates a new fixable problem shows up. Each case runs twice: the
default apply (safe fixes) and apply --unsafe-fixes; and a third time as a user who first takes
the safe fixes and later the unsafe ones.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import apply, copy_tree, plan
from patcher.plan import FAILED, WOULD_FIX

TESTS = Path(__file__).parent
FIXTURES = sorted(p for p in (TESTS / "fixtures").glob("*/*/*") if (p / "before").is_dir())
REPOS = sorted(p for p in (TESTS / "repos").iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
BASE = TESTS.parent / "base"


def _copy(case: Path, tmp_path: Path) -> Path:
    source = case / "before" if (case / "before").is_dir() else case
    repo = copy_tree(source, tmp_path / "repo")
    if (case / "config.yaml").is_file():
        shutil.copy(case / "config.yaml", repo / ".patcher.yaml")
    return repo


def _left_to_fix(repo: Path, unsafe: bool) -> list[str]:
    """What a plan would still write or try to: each finding it would fix, each fix it offers
    but fails to verify (two fixes that collide, a fix that no longer fits), and each file it
    would change (a withheld fix, which relies on something patcher could not read, is never
    written)."""
    again = plan(repo, unsafe=unsafe)
    left = [f"{f.rule} {f.location.file}:{f.location.line} {f.message}: {r.status} {r.reason}".rstrip()
            for f, r in zip(again.findings, again.results) if r.status in (WOULD_FIX, FAILED)]
    return left + [f"planned change to {c.path}" for c in again.changes]


def _id(case: Path) -> str:
    return case.relative_to(TESTS.parent).as_posix()


@pytest.mark.parametrize("case", FIXTURES + REPOS + [BASE], ids=_id)
def test_apply_then_plan_finds_nothing_fixable(case: Path, tmp_path: Path) -> None:
    repo = _copy(case, tmp_path)
    apply(repo)
    assert _left_to_fix(repo, unsafe=False) == []


@pytest.mark.parametrize("case", FIXTURES + REPOS + [BASE], ids=_id)
def test_apply_with_unsafe_fixes_then_plan_finds_nothing_fixable(case: Path, tmp_path: Path) -> None:
    repo = _copy(case, tmp_path)
    apply(repo, unsafe=True)
    assert _left_to_fix(repo, unsafe=True) == []


@pytest.mark.parametrize("case", FIXTURES + REPOS + [BASE], ids=_id)
def test_apply_then_apply_with_unsafe_fixes_then_plan_finds_nothing_fixable(case: Path, tmp_path: Path) -> None:
    """A user who first applies the safe fixes and later the unsafe ones ends where one
    apply --unsafe-fixes ends: the unsafe fixes still fit the files the safe ones rewrote."""
    repo = _copy(case, tmp_path)
    apply(repo)
    apply(repo, unsafe=True)
    assert _left_to_fix(repo, unsafe=True) == []
