"""One edit as one splice of a given text: find the node, check the old value, splice.

Shared by the per-edit path (apply.py) and the one-parse path (batch.py).
"""

from __future__ import annotations

from typing import Any

import yaml

from patcher.edits import (DeleteDocument, DeleteItem, DeleteKey, InsertItem, InsertKey, MoveItem, MoveKey, SetValue,
                           YamlEdit)

from . import data, move
from .data import check_old
from .errors import YamlEditError, at_mark
from .remove import delete_item, delete_key
from .site import Site, Splice
from .splice import insert_item, insert_key, set_node
from .tree import Node, document, node_end, walk


def position(text: str, roots: list, edit: YamlEdit) -> tuple[int, int, int]:
    """Where in the original text an edit acts, for back-to-front ordering."""
    root = document(roots, edit.doc)
    if isinstance(edit, DeleteDocument):
        return (edit.doc, -1, 0)
    if isinstance(edit, MoveKey):
        return (edit.doc, move.position(text, root, edit), 0)
    node, _ = walk(root, edit.path)
    if isinstance(edit, MoveItem):  # the later end of what it changes, as a MoveKey
        return (edit.doc, node_end(node, text), 0)
    if isinstance(edit, InsertKey) and isinstance(node, yaml.MappingNode):
        return (edit.doc, node_end(node, text), 0)
    if isinstance(edit, (DeleteKey,)) and isinstance(node, yaml.MappingNode):
        pair = [k for k, _ in node.value if k.value == edit.key]
        return (edit.doc, pair[0].start_mark.index if pair else node.start_mark.index, 1)
    if isinstance(edit, (InsertItem, DeleteItem)) and isinstance(node, yaml.SequenceNode):
        index = edit.index if edit.index is not None else len(node.value)
        if index < len(node.value):
            # at the same item a deletion goes first, so the insertion lands before its successor
            return (edit.doc, node.value[index].start_mark.index, 1 if isinstance(edit, DeleteItem) else 0)
        return (edit.doc, node_end(node, text), 0)
    return (edit.doc, node.start_mark.index, 0)


def splice_for(site: Site, before: Any, edit: YamlEdit) -> tuple[Splice, Node]:
    """The splice of ``edit`` (not a DeleteDocument) and the collection or node it acts on.

    ``before`` is the plain data of the edit's document, for the old-value checks.
    """
    if isinstance(edit, (MoveKey, MoveItem)):
        raise YamlEditError(f"{type(edit).__name__} is applied on its own (move.py, move_item.py)")
    node, chain = walk(site.root, edit.path)
    target = data.at(before, edit.path)
    where = f"path {list(edit.path)}"
    if isinstance(edit, SetValue):
        check_old(target, edit.old, where, node)
        return set_node(site, node, chain, edit.new), node
    if isinstance(edit, (InsertKey, DeleteKey)):
        if not isinstance(node, yaml.MappingNode):
            raise at_mark(f"{where}: expected a mapping, found a {node.id}", node.start_mark)
        if isinstance(edit, InsertKey):
            return insert_key(site, node, chain, edit.key, edit.value, edit.after), node
        if edit.key not in target:
            raise at_mark(f"{where}: key {edit.key!r} not found", node.start_mark)
        check_old(target[edit.key], edit.old, f"{where} key {edit.key!r}", node)
        return delete_key(site, node, chain, edit.key), node
    if not isinstance(node, yaml.SequenceNode):
        raise at_mark(f"{where}: expected a sequence, found a {node.id}", node.start_mark)
    if isinstance(edit, InsertItem):
        return insert_item(site, node, chain, edit.value, edit.index), node
    if not 0 <= edit.index < len(node.value):
        raise at_mark(f"{where}: index {edit.index} out of range ({len(node.value)} items)", node.start_mark)
    check_old(target[edit.index], edit.old, f"{where} item {edit.index}", node)
    return delete_item(site, node, chain, edit.index), node
