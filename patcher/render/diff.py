"""Unified diffs that `git apply` accepts, new and deleted files included."""

from __future__ import annotations

import difflib
from typing import Iterable

from patcher.plan import FileChange

NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str | None) -> list[str]:
    """Lines with their ends; only "\n" ends a line (str.splitlines also splits on \x0c)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def _hunks(old: list[str], new: list[str]) -> Iterable[str]:
    for line in difflib.unified_diff(old, new, n=3, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        if line.endswith("\n"):
            yield line
        elif line.startswith("@@"):
            yield line + "\n"
        else:
            yield line + "\n" + NO_NEWLINE


def file_diff(change: FileChange) -> str:
    old, new = _lines(change.old), _lines(change.new)
    header = [f"diff --git a/{change.path} b/{change.path}\n"]
    if change.old is None:
        header += ["new file mode 100644\n", "--- /dev/null\n", f"+++ b/{change.path}\n"]
    elif change.new is None:
        header += ["deleted file mode 100644\n", f"--- a/{change.path}\n", "+++ /dev/null\n"]
    else:
        header += [f"--- a/{change.path}\n", f"+++ b/{change.path}\n"]
    return "".join(header) + "".join(_hunks(old, new))


def render_diff(changes: Iterable[FileChange]) -> str:
    return "".join(file_diff(c) for c in changes)
