"""The temporary clone `patcher pr` works in: the base branch's commit, never the user's tree.

The clone shares the user's objects (``git clone --shared``, read only) and fetches the base
branch and patcher's branches from the remote, so the plan reads exactly what a pull request
would be merged into, whatever the user has checked out, staged or left uncommitted. Without a
remote (``--dry-run`` only) the base is the local branch.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from patcher.pr.git import Askpass, Git, GitError, toplevel
from patcher.pr.secrets import public_url
from patcher.pr.units import PREFIX
from patcher.source import PatcherError


@dataclass
class Clone:
    folder: Path
    git: Git
    prefix: str  # the repository patcher reads, inside the clone
    base: str  # the base branch
    base_sha: str
    url: str | None  # the remote's URL, without credentials; None: planned from the local branch
    remote_branches: dict[str, str] = field(default_factory=dict)  # patcher's branches on the remote: sha
    notes: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.folder / self.prefix if self.prefix else self.folder

    def remote_ref(self, branch: str) -> str:
        return f"refs/remotes/origin/{branch}"


def open_clone(path: Path, remote: str, base: str | None, askpass: Askpass, need_remote: bool) -> Clone:
    top, prefix = toplevel(path)
    user = Git(top)
    url = _remote_url(user, remote)
    if url is None and need_remote:
        raise PatcherError(f"no remote '{remote}' in {top}", hint="add it (`git remote add`) or name one with --remote")
    folder = Path(tempfile.mkdtemp(prefix="patcher-pr-"))
    try:
        git = Git(folder, askpass.env())
        Git(folder.parent).run("clone", "--quiet", "--shared", "--no-checkout", str(top), str(folder))
        notes: list[str] = []
        if url is not None:
            git.run("remote", "set-url", "origin", public_url(url))
            # the clone's origin/* are the user's local branches: only the remote's count
            git.run("symbolic-ref", "--delete", "refs/remotes/origin/HEAD", check=False)
            stale = git.out("for-each-ref", "--format=delete %(refname)", "refs/remotes/origin/")
            if stale:
                git.run("update-ref", "--stdin", input=(stale + "\n").encode())
            base = base or _default_branch(git, url)
            git.run("fetch", "--quiet", "--no-tags", url,
                    f"+refs/heads/{base}:refs/remotes/origin/{base}", f"+refs/heads/{PREFIX}*:refs/remotes/origin/{PREFIX}*")
            base_sha = git.out("rev-parse", "--verify", f"refs/remotes/origin/{base}^{{commit}}")
            listed = git.out("for-each-ref", "--format=%(refname) %(objectname)", f"refs/remotes/origin/{PREFIX}")
            branches = {ref[len("refs/remotes/origin/"):]: sha for ref, sha in (l.split() for l in listed.splitlines())}
        else:
            base = base or _current_branch(user)
            done = git.run("rev-parse", "--verify", "--quiet", f"refs/remotes/origin/{base}^{{commit}}", check=False)
            if done.returncode != 0:
                raise PatcherError(f"no branch '{base}' in {top}", hint="name the base branch with --base")
            base_sha = done.stdout.decode().strip()
            branches = {}
            notes.append(f"no remote '{remote}': planned from the local branch {base} ({base_sha[:12]})")
        git.run("checkout", "--quiet", "--detach", base_sha)
        if prefix and not (folder / prefix).is_dir():
            raise PatcherError(f"{prefix} is not in {base} ({base_sha[:12]})",
                               hint="commit and push it first: `patcher pr` plans from the base branch")
        return Clone(folder, git, prefix, base, base_sha, public_url(url) if url else None, branches, notes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _remote_url(git: Git, remote: str) -> str | None:
    done = git.run("remote", "get-url", "--push", remote, check=False)
    url = done.stdout.decode().strip() if done.returncode == 0 else ""
    if not url:
        return None
    local = "://" not in url and (url.startswith((".", "/")) or ":" not in url.split("/", 1)[0])
    return str((git.cwd / url).resolve()) if local else url  # a path is the user's repository's, not the clone's


def _default_branch(git: Git, url: str) -> str:
    listed = git.out("ls-remote", "--symref", url, "HEAD")
    for line in listed.splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line[len("ref: refs/heads/"):-len("\tHEAD")]
    raise GitError("the remote names no default branch", hint="name the base branch with --base")


def _current_branch(git: Git) -> str:
    done = git.run("symbolic-ref", "--short", "--quiet", "HEAD", check=False)
    if done.returncode != 0:
        raise GitError("HEAD is detached and no --base was given", hint="name the base branch with --base")
    return done.stdout.decode().strip()
