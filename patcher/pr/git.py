"""Running git for `patcher pr`: in a temporary clone, never in the user's working tree.

Commands run with a fixed environment: no terminal prompt, the user's identity when git has one
(else patcher's), commit dates pinned to the base commit's so that a re-run over the same base
makes the same commits (a branch that did not change is not pushed again), and for the remote an
askpass helper that reads the token from its environment: the token is never in a URL, an
argument or a file.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from patcher.pr.secrets import redact, token
from patcher.source import PatcherError

FALLBACK_NAME, FALLBACK_EMAIL = "patcher", "patcher@users.noreply.github.com"
# an askpass helper holds no secret: it prints what its environment holds
_ASKPASS = """#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "${PATCHER_GIT_USERNAME:-x-access-token}" ;;
  *) printf '%s\\n' "$PATCHER_GIT_TOKEN" ;;
esac
"""


class GitError(PatcherError):
    pass


@dataclass
class Git:
    """git in one repository (``cwd``), with the environment described above."""

    cwd: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, input: bytes | None = None, check: bool = True,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **self.env, **(extra_env or {})}
        try:
            done = subprocess.run(["git", *args], cwd=self.cwd, input=input, capture_output=True, env=env)
        except FileNotFoundError:
            raise GitError("git is not installed", hint="install git; `patcher pr` runs it") from None
        if check and done.returncode != 0:
            said = redact(done.stderr.decode("utf-8", "replace").strip() or done.stdout.decode("utf-8", "replace"))
            raise GitError(f"git {redact(' '.join(args[:2]))} failed: {said.splitlines()[-1] if said else done.returncode}",
                           hint=redact(said) if len(said.splitlines()) > 1 else "")
        return done

    def out(self, *args: str, input: bytes | None = None) -> str:
        return self.run(*args, input=input).stdout.decode("utf-8", "replace").strip()

    def ok(self, *args: str) -> bool:
        return self.run(*args, check=False).returncode == 0


def toplevel(path: Path) -> tuple[Path, str]:
    """The repository holding ``path`` and ``path`` relative to it ("" at the top)."""
    probe = Git(path)
    done = probe.run("rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        raise GitError(f"not a git repository: {path}",
                       hint="`patcher pr` works on a git clone; `patcher apply` edits any folder")
    top = Path(done.stdout.decode().strip()).resolve()
    relative = path.resolve().relative_to(top).as_posix()
    return top, "" if relative == "." else relative


def identity(repo: Git) -> tuple[str, str]:
    name = repo.run("config", "user.name", check=False).stdout.decode().strip()
    email = repo.run("config", "user.email", check=False).stdout.decode().strip()
    return name or FALLBACK_NAME, email or FALLBACK_EMAIL


def commit_env(name: str, email: str, date: str) -> dict[str, str]:
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date}


class Askpass:
    """A helper script in a private temporary folder, and the environment that makes git use it."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="patcher-askpass-")
        self.path = Path(self.folder) / "askpass.sh"
        self.path.write_text(_ASKPASS)
        self.path.chmod(stat.S_IRWXU)

    def env(self) -> dict[str, str]:
        secret = token()
        if not secret:
            return {}
        return {"GIT_ASKPASS": str(self.path), "SSH_ASKPASS_REQUIRE": "never", "PATCHER_GIT_TOKEN": secret}

    def close(self) -> None:
        import shutil
        shutil.rmtree(self.folder, ignore_errors=True)
