"""The world the `patcher pr` tests run in (tests/pr/world.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_github import FakeGitHub

from .world import STACKED, World, git, make_world


@pytest.fixture
def world(tmp_path: Path):
    """A monorepo whose deployment configuration is in deploy/, beside application code."""
    work, remote = make_world(tmp_path, STACKED, "deploy")
    (work / "app").mkdir()
    (work / "app" / "main.go").write_text("package main\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "application code")
    git(work, "push", "-q", "origin", "main")
    with FakeGitHub(remote) as gh:
        yield World(work, remote, gh, [])
