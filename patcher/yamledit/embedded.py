"""A YAML document inside a literal block string, edited in place (patcher.edits.EmbeddedEdit).

The block's content lines, less the block's indentation, are the inner document's text: the
inner edits are applied to that text with the same byte-minimal editor, and only the lines
that changed are indented back and spliced in. The header (``|``, chomping and indentation
indicators, a comment after it) and the unchanged lines keep their bytes, trailing spaces on
blank lines included. Only literal blocks qualify: a folded (``>``) or quoted string's text is
not its value line for line, so no splice of it could be byte-minimal and exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from patcher.edits import EmbeddedEdit

from . import data
from .errors import YamlEditError, at_mark
from .textio import next_line
from .tree import compose, construct, content, document, node_end, walk


@dataclass(frozen=True)
class Block:
    """Where a literal block's content is in the text, and how it is indented."""

    start: int  # first character of the first content line
    end: int  # just past the newline of the last non-blank content line
    indent: int
    inner: str  # the content lines dedented: the inner document's text
    line: int  # 0-based line of ``start`` in the text
    lines: tuple[str, ...]  # the content lines as written, one per line of ``inner``


def literal_block(text: str, node: yaml.Node, where: str) -> Block:
    """The content of the literal block scalar ``node``; YamlEditError for any other string."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
        raise at_mark(f"{where} is not a string holding YAML", node.start_mark)
    if node.style != "|":
        shown = {">": "a folded block (>)", "'": "a single-quoted string", '"': "a double-quoted string"}
        raise at_mark(f"{where} is {shown.get(node.style or '', 'a plain string')}: only a literal block (|) "
                      "is edited in place", node.start_mark)
    start = next_line(text, node.start_mark.index)
    last = node_end(node, text)
    end = next_line(text, last) if last > start else start
    lines = text[start:end].splitlines(keepends=True)
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise at_mark(f"{where} is an empty block: there is no document to edit", node.start_mark)
    deepest = len(first) - len(first.lstrip(" "))
    for indent in range(deepest, -1, -1):
        inner = "".join(_dedent(ln, indent) for ln in lines)
        if inner.rstrip("\n") == node.value.rstrip("\n"):
            return Block(start, end, indent, inner, node.start_mark.line + 1, tuple(lines))
    raise at_mark(f"{where}: the block's lines do not read as its value (tabs?): not edited", node.start_mark)


def _dedent(line: str, indent: int) -> str:
    body = line.rstrip("\n")
    return body[indent:] + line[len(body):]


def grouped(edits) -> list[EmbeddedEdit]:
    """The embedded edits of a file, those of one string merged into one (their inner edits all
    address the document as it was, as a file's edits do)."""
    merged: dict[tuple, EmbeddedEdit] = {}
    for edit in edits:
        if isinstance(edit, EmbeddedEdit):
            key = (edit.doc, tuple(edit.path))
            known = merged.get(key)
            merged[key] = edit if known is None else EmbeddedEdit(known.file, known.doc, known.path,
                                                                  known.edits + edit.edits)
    return list(merged.values())


def apply_embedded(text: str, edit: EmbeddedEdit, apply) -> str:
    """``text`` (LF, no BOM) with ``edit`` made; ``apply(inner, edits)`` edits the inner text."""
    roots = compose(text)
    root = document(roots, edit.doc)
    where = f"document {edit.doc} path {list(edit.path)}"
    node, _ = walk(root, edit.path)
    block = literal_block(text, node, where)
    try:
        new_inner = apply(block.inner, edit.edits)
    except YamlEditError as exc:
        line = exc.line + block.line if exc.line is not None else block.line + 1
        column = exc.column + block.indent if exc.column is not None else None
        raise YamlEditError(f"in the YAML held by {where}: {exc.message}", line, column) from None
    new = text[:block.start] + _reindent(block, new_inner) + text[block.end:]
    _verify(text, roots, new, edit, node.value[len(block.inner.rstrip("\n")):], new_inner)
    return new


def _reindent(block: Block, new: str) -> str:
    """The block's new content: the lines the edit left alone as they were written, the others
    indented by the block's indentation."""
    old_lines, new_lines = block.inner.splitlines(keepends=True), new.splitlines(keepends=True)
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (tail < min(len(old_lines), len(new_lines)) - head
           and old_lines[-1 - tail] == new_lines[-1 - tail]):
        tail += 1
    pad = " " * block.indent
    middle = [ln if not ln.strip() else pad + ln for ln in new_lines[head:len(new_lines) - tail]]
    return "".join(block.lines[:head]) + "".join(middle) + "".join(block.lines[len(block.lines) - tail:])


def _verify(old: str, old_roots: list, new: str, edit: EmbeddedEdit, suffix: str, new_inner: str) -> None:
    """The outer document must read as before but for the string, which must be exactly the
    edited inner text (with the block's own final line breaks)."""
    try:
        new_roots = compose(new)
    except YamlEditError as exc:
        raise YamlEditError(f"EmbeddedEdit on document {edit.doc} path {list(edit.path)}: the result does not "
                            f"parse: {exc.message}") from exc
    i = edit.doc
    same_others = len(old_roots) == len(new_roots) and all(
        content(old, a) == content(new, b) for j, (a, b) in enumerate(zip(old_roots, new_roots)) if j != i)
    want = construct(old_roots[i])
    if edit.path:
        data.at(want, edit.path[:-1])[edit.path[-1]] = new_inner.rstrip("\n") + suffix
    else:
        want = new_inner.rstrip("\n") + suffix
    if not (same_others and data.same(construct(new_roots[i]), want)):
        raise YamlEditError(f"EmbeddedEdit on document {edit.doc} path {list(edit.path)}: the block does not read "
                            "back as exactly the edited values (its indentation would change?); not applied")
