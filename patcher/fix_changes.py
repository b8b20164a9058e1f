"""What one finding's fix changes on its own, as text replacements (for SARIF ``fixes``).

The plan's change is every fix at once, after several passes; a consumer that offers one
fix per result needs each fix alone, against the files as they were read.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from patcher.findings import Finding
from patcher.plan import FileChange, Plan
from patcher.source import PatcherError, decode
from patcher.transform import apply_edits

BOM = "\ufeff"
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass(frozen=True)
class Position:
    """1-based line and column (in Unicode code points), as SARIF counts them."""

    line: int
    column: int


@dataclass(frozen=True)
class Replacement:
    """Delete the text from ``start`` up to (not including) ``end``, then insert ``text`` there."""

    start: Position
    end: Position
    text: str


class Originals:
    """The texts the plan was made from: a changed file's old text from the plan (the disk
    may hold the new one after apply), any other file from the disk."""

    def __init__(self, plan: Plan) -> None:
        self.root = plan.root
        self.texts: dict[str, str | None] = {c.path: c.old for c in plan.changes}

    def read(self, path: str) -> str:
        if path not in self.texts:
            full = Path(self.root) / path
            self.texts[path] = decode(full.read_bytes(), path) if full.is_file() else None
        text = self.texts[path]
        if text is None:
            raise FileNotFoundError(path)
        return text


def fix_changes(finding: Finding, originals: Originals) -> list[FileChange] | None:
    """The files the finding's fix changes when applied alone; None when it cannot be (its
    edits were made for a text an earlier fix had already changed)."""
    if finding.fix is None or not finding.fix.edits:
        return None
    try:
        new = apply_edits({}, finding.fix.edits, originals.read)
    except (PatcherError, OSError):
        return None
    changes = []
    for path in sorted(new):
        try:
            old = originals.read(path)
        except FileNotFoundError:
            old = None
        if old != new[path]:
            changes.append(FileChange(path, old, new[path]))
    return changes or None


def replacements(old: str | None, new: str | None) -> list[Replacement]:
    """Minimal replacements (by lines, then trimmed to the characters that differ) that turn
    ``old`` into ``new``; None stands for a file that does not exist."""
    old_text, new_text = _strip_bom(old or ""), _strip_bom(new or "")
    a, b = _LINE.findall(old_text), _LINE.findall(new_text)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        begin, end = starts[i1], starts[i2]
        inserted = "".join(b[j1:j2])
        if tag == "replace":
            removed = old_text[begin:end]
            prefix = len(_common_prefix(removed, inserted))
            suffix = len(_common_prefix(removed[prefix:][::-1], inserted[prefix:][::-1]))
            begin, end = begin + prefix, end - suffix
            inserted = inserted[prefix:len(inserted) - suffix]
        out.append(Replacement(_position(old_text, begin), _position(old_text, end), inserted))
    return out


def _strip_bom(text: str) -> str:
    # SARIF positions do not count a byte-order mark
    return text[1:] if text.startswith(BOM) else text


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


def _position(text: str, offset: int) -> Position:
    """The position of the character at ``offset``. The end of a text that ends with a
    newline is one past the last character of its last line (SARIF's insertion point at
    the end of a file), not column 1 of a line that does not exist."""
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    if offset == len(text) and offset > 0 and text.endswith("\n"):
        line -= 1
        line_start = text.rfind("\n", 0, offset - 1) + 1
    return Position(line, offset - line_start + 1)
