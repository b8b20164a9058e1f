"""What every hostile-repository test needs: a repository built on the spot, an outside
folder holding a canary, and patcher run as a user runs it (a separate process, with a
generous timeout standing in for "ends promptly").

A test here asserts three things a user would see: the exit code, the message naming the
file, and containment: nothing outside the repository was written, and the canary (a
file's content outside the repository, and an environment variable of patcher's process)
appears in no output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT_SECONDS = 120  # "ends promptly": far above a normal run, far below a hang


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Hostile:
    """A repository under ``root`` and an outside folder that nothing may touch."""

    root: Path
    outside: Path
    canary: str

    def write(self, files: dict[str, str | bytes]) -> Path:
        for rel, content in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return self.root

    def run(self, *args: str, timeout: float = TIMEOUT_SECONDS, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> Outcome:
        """``patcher ARGS`` in a child process; the repository path is the caller's to pass."""
        full_env = {**os.environ, "PATCHER_CANARY": self.canary, "NO_COLOR": "1", **(env or {})}
        done = subprocess.run([sys.executable, "-m", "patcher", *args], capture_output=True, text=True,
                              timeout=timeout, env=full_env, cwd=cwd or self.root.parent)
        return Outcome(done.returncode, done.stdout, done.stderr)

    def snapshot_outside(self) -> dict[str, bytes]:
        return {p.relative_to(self.outside).as_posix(): p.read_bytes()
                for p in sorted(self.outside.rglob("*")) if p.is_file() and not p.is_symlink()}

    def assert_contained(self, outcome: Outcome, before: dict[str, bytes]) -> None:
        """Nothing outside was written or created, the canary leaked nowhere, and no crash."""
        assert self.snapshot_outside() == before, "patcher wrote outside the repository"
        assert sorted(p.name for p in self.root.parent.iterdir()) == sorted(
            ["repo", "outside"]), "patcher created files beside the repository"
        assert self.canary not in outcome.output, "content from outside the repository leaked into output"
        assert "Traceback" not in outcome.output and "patcher crashed" not in outcome.output, outcome.output


@pytest.fixture
def hostile(tmp_path: Path) -> Hostile:
    canary = f"CANARY-{uuid.uuid4().hex}"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"password: {canary}\n", encoding="utf-8")
    (outside / "values.yaml").write_text(f"secret: {canary}\n", encoding="utf-8")
    root = tmp_path / "repo"
    root.mkdir()
    return Hostile(root, outside, canary)
