"""Removing a whole document from a multi-document stream.

A document owns the text from its `---` line to the next document's `---`
line, so comments between two documents go with the one above. Comments
before the first document (licence headers) are never removed.
"""

from __future__ import annotations

import re

from .textio import line_end, line_start, next_line
from .tree import Document

_BARE_MARKER = re.compile(r"---[ \t]*")


def delete_document(text: str, docs: list[Document], index: int) -> str:
    if len(docs) == 1:
        return ""
    doc = docs[index]
    end = docs[index + 1].start if index + 1 < len(docs) else len(text)
    start = line_start(text, doc.start)
    if not doc.explicit and index + 1 < len(docs):
        # the next document's bare `---` would now open the file: drop it too
        marker_end = line_end(text, end)
        if _BARE_MARKER.fullmatch(text[end:marker_end]):
            end = next_line(text, end)
    new = text[:start] + text[end:]
    if not text.endswith("\n") and new.endswith("\n"):
        new = new[:-1]
    return new
