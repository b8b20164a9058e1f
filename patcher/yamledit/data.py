"""The declared change applied to plain data, to check the spliced text against.

Equality is strict about types: Python's `1 == 1.0 == True` would let a
splice that turned `true` into `1` pass.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from patcher.edits import (DeleteDocument, DeleteItem, DeleteKey, InsertItem, InsertKey, MoveItem, MoveKey, SetValue,
                           YamlEdit)

from .errors import at_mark


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def check_old(actual: Any, old: Any, what: str, node) -> None:
    """Refuse an edit whose ``old`` value is not what the text holds (at the node's position)."""
    if not same(actual, old):
        raise at_mark(f"{what}: old value mismatch: expected {old!r}, found {actual!r}", node.start_mark)


def at(root: Any, path: tuple) -> Any:
    for elem in path:
        root = root[elem]
    return root


def expected(docs: list[Any], *edits: YamlEdit) -> list[Any]:
    """The documents after ``edits`` in turn; they have already been checked to fit."""
    docs = copy.deepcopy(docs)
    for edit in edits:
        change(docs, edit)
    return docs


def change(docs: list[Any], edit: YamlEdit) -> None:
    """Make ``edit`` in ``docs`` in place (new values are copied in, never shared)."""
    if isinstance(edit, DeleteDocument):
        del docs[edit.doc]
        return
    if isinstance(edit, SetValue):
        if not edit.path:
            docs[edit.doc] = copy.deepcopy(edit.new)
            return
        at(docs[edit.doc], edit.path[:-1])[edit.path[-1]] = copy.deepcopy(edit.new)
        return
    if isinstance(edit, MoveKey):
        value = at(docs[edit.doc], edit.path).pop(edit.key)
        parent = at(docs[edit.doc], edit.to_path[:-1]) if edit.to_path else None
        if isinstance(parent, dict) and edit.to_path[-1] not in parent:
            parent[edit.to_path[-1]] = {}  # the target mapping is created
        at(docs[edit.doc], edit.to_path)[edit.key] = value
        return
    target = at(docs[edit.doc], edit.path)
    if isinstance(edit, InsertKey):
        target[edit.key] = copy.deepcopy(edit.value)
    elif isinstance(edit, DeleteKey):
        del target[edit.key]
    elif isinstance(edit, InsertItem):
        target.insert(len(target) if edit.index is None else edit.index, copy.deepcopy(edit.value))
    elif isinstance(edit, DeleteItem):
        del target[edit.index]
    elif isinstance(edit, MoveItem):
        target.insert(edit.to, target.pop(edit.index))
