"""Moving mapping entries to another mapping with their text: a cut and one insertion.

An entry's text is what deleting it would take, less any blank line: its own
comment lines (directly above it, at its column), its key line, its value's
lines with their comments, and the comment lines right after them indented
deeper than its key (they sit inside the value). It is cut where DeleteKey
would cut, every line shifted by the difference of the two mappings' columns
(block scalar content too: indentation within the entry is kept, so an
indentation indicator stays right), and inserted where InsertKey would add a
key at the end of the target mapping. Entries moved together between the same
two mappings are inserted as one block, in their order in the source.

A target that is a key missing from its parent mapping is created: `key:` at
the end of the parent, the moved entries one mapping step deeper. Moving every
entry out of a mapping leaves `{}` there, as deleting them would.

Refused (YamlEditError): a flow-style source or target, a target inside a
moved entry, a target that exists but is not a block mapping, a key the target
already has, and an entry that shares its line with an enclosing `- `.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from patcher.edits import MoveKey

from . import data, render
from .errors import YamlEditError, at_mark
from .remove import own_comments, remove_entry
from .site import Site, Splice
from .splice import after_trailing_comments, set_node
from .textio import indent_of, line_end, line_start, next_line
from .tree import Node, find_key, node_end, walk


def _target(root: Node, to_path: tuple) -> tuple[Node, list[Node], bool]:
    """The target mapping and its ancestors, or its parent's when it is to be created (True)."""
    if to_path:
        parent, chain = walk(root, to_path[:-1])
        if isinstance(parent, yaml.MappingNode) and find_key(parent, to_path[-1]) is None:
            return parent, chain, True
    node, chain = walk(root, to_path)
    return node, chain, False


def position(text: str, root: Node, edit: MoveKey) -> int:
    """The later of the places a move changes: the entry, or the end of the target (or of the
    parent it is created in). Applying edits back to front, a move then comes before any edit
    that could renumber a sequence on either of its paths."""
    source, _ = walk(root, edit.path)
    entry = source.start_mark.index
    if isinstance(source, yaml.MappingNode):
        i = find_key(source, edit.key)
        entry = source.value[i][0].start_mark.index if i is not None else entry
    target, _, _ = _target(root, edit.to_path)
    return max(entry, node_end(target, text))


def _block(where: str, node: Node, what: str) -> None:
    if not isinstance(node, yaml.MappingNode):
        raise at_mark(f"{where}: expected a mapping, found a {node.id}", node.start_mark)
    if node.flow_style:
        raise at_mark(f"cannot move a key {what} a flow-style mapping ({{...}}) safely", node.start_mark)


def value_end(text: str, end: int, col: int) -> int:
    """Start of the line after an entry whose content ends at ``end``, past the comment lines
    (and blank lines between them) right after it indented deeper than ``col``."""
    stop = cur = next_line(text, end)
    while cur < len(text):
        line = text[cur : line_end(text, cur)]
        if line.strip() and not (line.lstrip(" ").startswith("#") and indent_of(line) > col):
            break
        cur = next_line(text, cur)
        if line.strip():
            stop = cur
    return stop


def _shift(block: str, delta: int) -> str:
    """Every line of ``block`` moved ``delta`` columns (left as far as its spaces allow)."""
    out = []
    for line in block.split("\n"):
        if line and delta >= 0:
            line = " " * delta + line
        elif line:
            line = line[min(-delta, indent_of(line)) :]
        out.append(line)
    return "\n".join(out)


def _check(moves: Sequence[MoveKey]) -> None:
    first = moves[0]
    where = f"path {list(first.path)}"
    if first.to_path == first.path:
        raise YamlEditError(f"{where}: cannot move key {first.key!r} to the mapping it is in")
    if len({m.key for m in moves}) < len(moves):
        raise YamlEditError(f"{where}: the same key is moved twice")
    for m in moves:
        if m.to_path[: len(m.path) + 1] == m.path + (m.key,):
            raise YamlEditError(f"{where}: cannot move key {m.key!r} into itself")
        if (m.doc, m.path, m.to_path) != (first.doc, first.path, first.to_path):
            raise YamlEditError(f"{where}: moves between different mappings are separate steps")


def move_keys(site: Site, before: Any, moves: Sequence[MoveKey]) -> list[Splice]:
    """The splices, in text order and not overlapping, that move ``moves`` (all between the
    same two mappings) in one go. ``before`` is the document's plain data."""
    _check(moves)
    text, path, to_path = site.text, moves[0].path, moves[0].to_path
    where = f"path {list(path)}"
    source, chain = walk(site.root, path)
    _block(where, source, "out of")
    picked, values = [], data.at(before, path)
    for m in moves:
        i = find_key(source, m.key)
        if i is None:
            raise at_mark(f"{where}: key {m.key!r} not found", source.start_mark)
        data.check_old(values[m.key], m.old, f"{where} key {m.key!r}", source)
        picked.append(i)
    picked.sort()

    target, _, create = _target(site.root, to_path)
    _block(f"path {list(to_path[:-1] if create else to_path)}", target, "into")
    col = target.value[0][0].start_mark.column
    at, _ = after_trailing_comments(text, next_line(text, node_end(target, text)), col)
    head = ""
    if create:
        head = render.entry(to_path[-1], None, col, site.layout)
        col += site.layout.map_step
    else:
        clash = [m.key for m in moves if find_key(target, m.key) is not None]
        if clash:
            raise at_mark(f"path {list(to_path)}: key {clash[0]!r} already exists in this mapping", target.start_mark)

    moved, cuts = [], []
    for i in picked:
        k, v = source.value[i]
        first, key_col = k.start_mark.index, k.start_mark.column
        ls = line_start(text, first)
        if text[ls:first].strip():
            raise at_mark("cannot move an entry that shares its line with an enclosing '- '", k.start_mark)
        stop = value_end(text, max(node_end(k, text), node_end(v, text)), key_col)
        entry = text[own_comments(text, ls, key_col) : stop]
        moved.append(_shift(entry if entry.endswith("\n") else entry + "\n", col - key_col))
        cuts.append(remove_entry(text, first, stop - 1, None))
    last = source.value[picked[-1]][1]
    while isinstance(last, yaml.CollectionNode) and last.value and not last.flow_style:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    # a block scalar ending a file keeps its line break only with a newline after it
    final_newline = isinstance(last, yaml.ScalarNode) and last.style in ("|", ">")
    if len(picked) == len(source.value) and target is not source:  # (else the created key stays)
        cuts = [set_node(site, source, chain, {})]
    return _with_insertion(text, cuts, at, head + "".join(moved), final_newline)


def _with_insertion(text: str, cuts: list[Splice], at: int, lines: str, final_newline: bool) -> list[Splice]:
    """The cuts and the insertion of ``lines`` at ``at``, in text order."""
    merged: list[Splice] = []
    for cut in sorted(cuts, key=lambda s: s.start):  # two cuts may both take a blank line between them
        if merged and cut.start < merged[-1].end:
            last = merged.pop()
            cut = Splice(last.start, max(last.end, cut.end), "", max(last.end, cut.end))
        merged.append(cut)
    cuts = merged
    at_eof = at == len(text) and bool(text) and not text.endswith("\n")
    for n, cut in enumerate(cuts):
        if cut.start < at < cut.end:
            if not text[at : cut.end].strip():  # the entry's blank line below stays, below the inserted lines
                cuts[n] = Splice(cut.start, at, "", at)
            elif text[cut.start] == "\n":  # the cut ends a file without a final newline: the insertion does
                at, at_eof = cut.start, True
            else:  # the target's end ran into the entry's own comments: insert in its place
                at = cut.start
    if at_eof:
        lines = "\n" + (lines if final_newline else lines[:-1])
    splices = sorted(cuts + [Splice(at, at, lines, at)], key=lambda s: (s.start, s.end))
    for a, b in zip(splices, splices[1:]):
        if b.start < a.end:
            raise YamlEditError("the move's cut and insertion overlap (an unusual layout?); not applied")
    return splices
