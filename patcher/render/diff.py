"""Unified diffs that `git apply` accepts, new and deleted files included.

Written as `git diff` writes them: a line is what ends in "\\n" (a form feed,
a lone "\\r" or U+2028 stays inside its line, and a CRLF file's "\\r" is part
of each line's text), a missing final newline is marked, and a path git would
quote (a quote, a backslash, a control character or a non-ASCII letter in it)
is C-quoted, and a path with a space ends its ---/+++ lines with git's tab.
"""

from __future__ import annotations

import difflib
import itertools
from typing import Iterable

from patcher.plan import FileChange

NO_NEWLINE = "\\ No newline at end of file\n"
_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r",
            '"': '\\"', "\\": "\\\\"}


def _lines(text: str | None) -> list[str]:
    """Lines with their ends; only "\n" ends a line (str.splitlines also splits on \x0c)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def _hunks(old: list[str], new: list[str]) -> Iterable[str]:
    # the first two lines are difflib's own ---/+++ header; content lines may start with "---" too
    for line in itertools.islice(difflib.unified_diff(old, new, n=3, lineterm=""), 2, None):
        if line.endswith("\n"):
            yield line
        elif line.startswith("@@"):
            yield line + "\n"
        else:
            yield line + "\n" + NO_NEWLINE


def _needs_quotes(path: str) -> bool:
    return any(c in _ESCAPES or ord(c) < 0x20 or ord(c) >= 0x7F for c in path)


def _quote(name: str) -> str:
    """``name`` as git prints it (quote.c, core.quotePath on)."""
    if not _needs_quotes(name):
        return name
    out = []
    for c in name:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) >= 0x7F:
            out.extend(f"\\{b:03o}" for b in c.encode("utf-8"))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _side(prefix: str, path: str) -> str:
    """A ---/+++ file name: git ends one with a space in it with a tab."""
    return _quote(prefix + path) + ("\t" if " " in path else "")


def file_diff(change: FileChange) -> str:
    old, new = _lines(change.old), _lines(change.new)
    path = change.path
    header = [f"diff --git {_quote('a/' + path)} {_quote('b/' + path)}\n"]
    if change.old is None:
        header += ["new file mode 100644\n", "--- /dev/null\n", f"+++ {_side('b/', path)}\n"]
    elif change.new is None:
        header += ["deleted file mode 100644\n", f"--- {_side('a/', path)}\n", "+++ /dev/null\n"]
    else:
        header += [f"--- {_side('a/', path)}\n", f"+++ {_side('b/', path)}\n"]
    return "".join(header) + "".join(_hunks(old, new))


def render_diff(changes: Iterable[FileChange]) -> str:
    return "".join(file_diff(c) for c in changes)
