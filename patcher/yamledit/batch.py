"""All of a file's edits spliced at the original node marks, verified once.

Edits come in application order (back to front). Each splice is computed
against the original text; it may be applied after the splices already
placed only if everything it read of the original is still there, i.e. they
all start at or after its ``reads_to``. Insertions at one point are ordered
as applying them one by one would order them: an insertion after a
collection's last entry follows whatever was inserted into that collection
or inside it at the same point, and precedes the rest.

Anything else returns None and the caller applies the edits one by one, so
the output never depends on which path ran.
"""

from __future__ import annotations

from typing import Any

from patcher.edits import DeleteDocument, DeleteItem, DeleteKey, InsertItem, InsertKey, YamlEdit

from . import data
from .errors import YamlEditError
from .ops import splice_for
from .site import Site, Splice
from .tree import Node, compose, construct, content, find_key, has_merge_keys


def apply_all(text: str, roots: list[Node], edits: list[YamlEdit]) -> str | None:
    """The new text, or None when only the per-edit path can be trusted with these edits."""
    if has_merge_keys(text) or any(isinstance(e, DeleteDocument) for e in edits):
        return None  # constructing merge keys rewrites the nodes; deleting documents is rare
    befores: dict[int, Any] = {}
    sites: dict[int, Site] = {}
    splices: list[Splice] = []
    sizes: dict[int, int] = {}
    inserted: dict[tuple[int, Any], bool] = {}
    try:
        for edit in edits:
            if edit.doc not in sites:
                sites[edit.doc] = Site(text, roots[edit.doc])
                befores[edit.doc] = construct(roots[edit.doc])
            splice, node = splice_for(sites[edit.doc], befores[edit.doc], edit)
            if not _same_branch(edit, node, sizes, inserted):
                return None
            splices.append(splice)
    except YamlEditError:
        return None  # the per-edit path raises it with today's wording and position
    placed = _place(splices)
    if placed is None:
        return None
    new = assemble(text, placed)
    for edit in edits:  # the checks above are done with the original data: now change it
        data.change(befores, edit)  # type: ignore[arg-type]  # indexed by document number too
    return new if _reads_back(text, roots, new, befores) else None


def _same_branch(edit: YamlEdit, node: Node, sizes: dict[int, int], inserted: dict) -> bool:
    """False when one by one this edit would meet a collection another edit changed in a way
    that matters: removing its last entry (spliced as `{}`/`[]`), adding a key twice, or
    adding after the last key when another key is added at the end (that key would then
    be the last one)."""
    if isinstance(edit, InsertKey):
        if (id(node), edit.key) in inserted:
            return False
        anchor = find_key(node, edit.after) if edit.after is not None else None
        named_last = anchor is not None and anchor == len(node.value) - 1
        if named_last or anchor is None:
            if any(m == id(node) and (named_last or named) for (m, _), named in inserted.items()):
                return False
        inserted[(id(node), edit.key)] = named_last
    if not isinstance(edit, (InsertKey, DeleteKey, InsertItem, DeleteItem)):
        return True
    size = sizes.get(id(node), len(node.value))
    if isinstance(edit, (DeleteKey, DeleteItem)) and (size == 1) != (len(node.value) == 1):
        return False
    sizes[id(node)] = size + (1 if isinstance(edit, (InsertKey, InsertItem)) else -1)
    return True


def _place(splices: list[Splice]) -> list[Splice] | None:
    """The splices in text order, or None when one read text another one changed."""
    placed: list[Splice] = []
    for cur in splices:
        group = 0  # insertions already placed at the same point
        while cur.is_insertion and group < len(placed) and placed[group].is_insertion and placed[group].start == cur.start:
            group += 1
        at = 0
        if group and cur.at_end:
            owner = cur.scope[-1]
            at = max((i + 1 for i in range(group) if owner in placed[i].scope), default=0)
        if at == group < len(placed):  # it reads on past the insertions at its point
            nxt = placed[group]
            if nxt.start < cur.reads_to or (nxt.start == cur.reads_to and cur.peek and not nxt.is_insertion):
                return None
        placed.insert(at, cur)
    return placed


def assemble(text: str, placed: list[Splice]) -> str:
    out, pos = [], 0
    for s in placed:
        out += [text[pos : s.start], s.new]
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def _reads_back(old: str, old_roots: list[Node], new: str, wanted: dict[int, Any]) -> bool:
    """The new text parses, the edited documents read as wanted and the others kept their text."""
    try:
        new_roots = compose(new)
    except YamlEditError:
        return False
    if len(new_roots) != len(old_roots):
        return False
    for i, (a, b) in enumerate(zip(old_roots, new_roots)):
        if i in wanted:
            if not data.same(construct(b), wanted[i]):
                return False
        elif content(old, a) != content(new, b):
            return False
    return True
