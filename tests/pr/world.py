"""The world `patcher pr` runs in for the tests: a user's clone, a bare remote on disk, the fake
GitHub server, and the command run as a child process with the token in its environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from fake_github import FakeGitHub
from helpers import apply, read_tree

REPO = Path(__file__).resolve().parents[2]
# route-to-missing-service, and DestinationRules for the routed Services: the second is written
# for the corrected route, so its pull request is stacked on the first
STACKED = REPO / "tests" / "repos" / "kz-overlays"
TOKEN = "ghp_fake0123456789abcdefghijklmnopqrstuv"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


@dataclass
class World:
    work: Path  # the user's clone
    remote: Path  # the bare repository it pushes to
    gh: FakeGitHub
    outputs: list[str]

    def pr(self, *args: str, token: str | None = TOKEN, path: str = "deploy",
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        env = {**{k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}, **(env or {})}
        env["GITHUB_API_URL"] = self.gh.url
        if token is not None:
            env["GITHUB_TOKEN"] = token
        done = subprocess.run([sys.executable, "-m", "patcher", "pr", str(self.work / path), "--github-repo",
                               "acme/shop", *args], capture_output=True, text=True, env=env, cwd=self.work.parent)
        self.outputs += [done.stdout, done.stderr]
        return done

    def pr_json(self, *args: str) -> dict:
        done = self.pr("--format", "json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def branches(self) -> dict[str, str]:
        listed = git(self.remote, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
        return dict(line.split() for line in listed.splitlines())

    def open_pulls(self) -> list[dict]:
        return sorted((p for p in self.gh.pulls.values() if p["state"] == "open"), key=lambda p: p["number"])

    def merge(self, number: int) -> None:
        request = urllib.request.Request(f"{self.gh.url}/repos/acme/shop/pulls/{number}/merge", method="PUT",
                                         data=b"{}", headers={"Authorization": f"Bearer {TOKEN}",
                                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            assert json.loads(response.read())["merged"] is True


def make_world(tmp_path: Path, source: Path, where: str) -> tuple[Path, Path]:
    """A git repository with ``source`` at ``where`` (the top when empty), pushed to a bare remote."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    shutil.copytree(source, work / where if where else work, dirs_exist_ok=True)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "initial")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(remote))
    git(work, "remote", "add", "origin", str(remote))
    git(work, "fetch", "-q", "origin")
    return work, remote


def applied_tree(world: World, tmp_path: Path) -> dict[str, bytes]:
    """deploy/ as `patcher apply` leaves it, from the base commit."""
    target = tmp_path / "applied"
    git(tmp_path, "clone", "-q", str(world.remote), str(target))
    apply(target / "deploy")
    return read_tree(target / "deploy")


def remote_tree(world: World, tmp_path: Path, name: str) -> dict[str, bytes]:
    target = tmp_path / name
    git(tmp_path, "clone", "-q", str(world.remote), str(target))
    return read_tree(target / "deploy")
