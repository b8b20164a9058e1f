"""Apply edits to file texts in memory. Nothing here touches the disk."""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Mapping, Sequence

from patcher.edits import YAML_EDITS, AddDocument, CreateFile, DeleteDocument, Edit, EditInline, ReplaceText
from patcher.inline_yaml import apply_inline
from patcher.source import PatcherError, line_ending
from patcher.yamledit import YamlEditError, apply_yaml_edits

Texts = dict[str, "str | None"]  # None: the file is deleted


def apply_edits(texts: Mapping[str, str | None], edits: Sequence[Edit],
                read: Callable[[str], str]) -> Texts:
    """New texts for every file the edits touch; ``read`` loads a file not in ``texts``."""
    by_file: dict[str, list[Edit]] = defaultdict(list)
    for edit in edits:
        by_file[edit.file].append(edit)
    out: Texts = {}
    for path, file_edits in by_file.items():
        current = texts[path] if path in texts else _maybe_read(read, path)
        out[path] = _apply_file(path, current, file_edits)
    return out


def _maybe_read(read: Callable[[str], str], path: str) -> str | None:
    try:
        return read(path)
    except FileNotFoundError:
        return None


def _apply_file(path: str, text: str | None, edits: list[Edit]) -> str | None:
    creates = [e for e in edits if isinstance(e, CreateFile)]
    if creates:
        if text is not None or len(edits) > 1:
            raise PatcherError("a fix creates a file that already exists", path,
                               hint="move or remove the existing file, or disable the rule")
        return creates[0].content
    yaml_edits = [e for e in edits if isinstance(e, YAML_EDITS)]
    inline = [e for e in edits if isinstance(e, EditInline)]
    if text is None and (yaml_edits or inline or any(isinstance(e, ReplaceText) for e in edits)):
        raise PatcherError("a fix edits a file that does not exist", path)
    if inline:  # first: it changes only the inside of a string, which no other edit addresses
        text = apply_inline(path, text, inline)
    if yaml_edits:
        try:
            text = apply_yaml_edits(text, yaml_edits)
        except YamlEditError as exc:
            raise PatcherError(f"cannot edit: {exc.message}", path, exc.line, exc.column,
                               "edit this spot by hand, or report the file to patcher") from None
        if any(isinstance(e, DeleteDocument) for e in yaml_edits) and not text.strip("\ufeff \r\n"):
            return None
    replacements = sorted((e for e in edits if isinstance(e, ReplaceText)),
                          key=lambda e: (e.line, e.column), reverse=True)
    for edit in replacements:
        text = _replace(path, text, edit)
    appended = [e.content for e in edits if isinstance(e, AddDocument)]
    if appended:
        text = _add_documents(text, appended)
    return text


def _replace(path: str, text: str, edit: ReplaceText) -> str:
    lines = text.splitlines(keepends=True)
    if edit.line > len(lines):
        raise PatcherError("line is past the end of the file", path, edit.line)
    line = lines[edit.line - 1]
    start = edit.column - 1
    if line[start:start + len(edit.old)] != edit.old:
        raise PatcherError(f"expected '{edit.old}' here, the file changed", path, edit.line, edit.column)
    lines[edit.line - 1] = line[:start] + edit.new + line[start + len(edit.old):]
    return "".join(lines)


def _add_documents(text: str | None, contents: list[str]) -> str:
    """Documents appended in order, each behind a ``---``, in the file's own line ends."""
    bodies = [c if c.endswith("\n") else c + "\n" for c in contents]
    marked = [b if b.startswith("---") else "---\n" + b for b in bodies]
    if text is None or not text.strip():
        return bodies[0] + "".join(marked[1:])
    newline = line_ending(text)
    tail = "".join(marked)
    if newline != "\n":
        tail = tail.replace("\n", newline)
    separator = "" if text.endswith(("\n", "\r")) else newline
    return text + separator + tail
