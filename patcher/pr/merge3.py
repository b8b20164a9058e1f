"""Three-way merge of one file's text, by git's own merge (``git merge-file``).

None is a file that does not exist. A side that did not change takes the other's text, and two
sides that made the same change agree; otherwise git merges the lines, and overlapping changes,
or a file deleted on one side and changed on the other, are a conflict.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


class Conflict(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def merge3(path: str, base: str | None, ours: str | None, theirs: str | None) -> str | None:
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        return theirs
    if ours is None or theirs is None:
        raise Conflict(path)
    with tempfile.TemporaryDirectory(prefix="patcher-merge-") as folder:
        names = []
        for side, text in (("ours", ours), ("base", base or ""), ("theirs", theirs)):
            target = Path(folder) / side
            target.write_bytes(text.encode("utf-8"))
            names.append(str(target))
        done = subprocess.run(["git", "merge-file", "-p", "-q", *names], capture_output=True)
    if done.returncode != 0:
        raise Conflict(path)
    return done.stdout.decode("utf-8")
