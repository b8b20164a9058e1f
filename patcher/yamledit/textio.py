"""Line-end and BOM handling, and line arithmetic on LF text.

The editor works on LF text without a BOM so that parser marks and our
offsets agree; the original conventions are restored on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass

BOM = "\ufeff"


@dataclass(frozen=True)
class Envelope:
    """How the file spelled what the editor normalises away."""

    bom: bool
    crlf: bool


def unwrap(text: str) -> tuple[str, Envelope]:
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    # A file counts as CRLF when its first line end is CRLF; lone LFs in such
    # a file would become CRLF on output, which is the file's own convention.
    first_lf = text.find("\n")
    crlf = first_lf > 0 and text[first_lf - 1] == "\r"
    if crlf:
        text = text.replace("\r\n", "\n")
    return text, Envelope(bom, crlf)


def wrap(text: str, envelope: Envelope) -> str:
    if envelope.crlf:
        text = text.replace("\n", "\r\n")
    return (BOM if envelope.bom else "") + text


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """Index of the newline ending the line holding ``index`` (or len(text))."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def next_line(text: str, index: int) -> int:
    """Start of the line after the one holding ``index`` (len(text) at the end)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")
