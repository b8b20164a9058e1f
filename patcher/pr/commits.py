"""Commits made with git's plumbing in the temporary clone: a tree from a parent and new file texts.

No checkout is touched (the plan reads the clone's working tree): blobs are written, a private
index is filled from the parent's tree, updated and written as a tree, and committed.
"""

from __future__ import annotations

import os
import tempfile
from typing import Mapping

from patcher.pr.git import Git

NO_FILE = "0" * 40


class Committer:
    def __init__(self, git: Git, prefix: str, env: Mapping[str, str]) -> None:
        self.git, self.prefix, self.env = git, prefix, dict(env)
        self._modes: dict[tuple[str, str], str] = {}

    def path(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def tree(self, commit: str) -> str:
        return self.git.out("rev-parse", f"{commit}^{{tree}}")

    def commit(self, parent: str, files: Mapping[str, str | None], message: str,
               parents: tuple[str, ...] | None = None) -> str:
        """A commit of ``parent``'s tree with ``files`` (repository paths; None deletes) written."""
        handle, index = tempfile.mkstemp(prefix="patcher-index-")
        os.close(handle)
        os.unlink(index)  # git makes it; an empty file is no index
        env = {"GIT_INDEX_FILE": index}
        try:
            self.git.run("read-tree", parent, extra_env=env)
            lines = []
            for path, text in sorted(files.items()):
                full = self.path(path)
                if text is None:
                    lines.append(f"0 {NO_FILE}\t{full}")
                    continue
                blob = self.git.out("hash-object", "-w", "--stdin", input=text.encode("utf-8"))
                lines.append(f"{self._mode(parent, full)} {blob}\t{full}")
            if lines:
                self.git.run("update-index", "--index-info", input=("\n".join(lines) + "\n").encode(), extra_env=env)
            tree = self.git.run("write-tree", extra_env=env).stdout.decode().strip()
        finally:
            if os.path.exists(index):
                os.unlink(index)
        args = ["commit-tree", tree]
        for each in parents or (parent,):
            args += ["-p", each]
        return self.git.run(*args, "-F", "-", input=message.encode("utf-8"),
                            extra_env=self.env).stdout.decode().strip()

    def _mode(self, commit: str, full: str) -> str:
        """The file's mode in ``commit`` (an executable script stays one), 100644 for a new file."""
        key = (commit, full)
        if key not in self._modes:
            listed = self.git.out("ls-tree", commit, "--", full)
            self._modes[key] = listed.split(" ", 1)[0] if listed else "100644"
        return self._modes[key]

    def merge(self, ours: str, theirs: str, message: str) -> str | None:
        """The merge commit of ``theirs`` into ``ours`` as a pull request's merge makes it; None on a conflict."""
        done = self.git.run("merge-tree", "--write-tree", "--no-messages", ours, theirs, check=False)
        if done.returncode != 0:
            return None
        tree = done.stdout.decode().split()[0]
        return self.git.run("commit-tree", tree, "-p", ours, "-p", theirs, "-F", "-",
                            input=message.encode(), extra_env=self.env).stdout.decode().strip()
