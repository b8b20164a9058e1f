"""A change's operations applied to plain data: what the target must look like afterwards.

Verification compares what is built after a fix with this; overlays and Helm placement use it
to state the expected resource. The input is never mutated.
"""

from __future__ import annotations

import copy
from typing import Any

from patcher.intent import changes as C


class OpMismatch(ValueError):
    """An operation whose path or old value does not match the data (the target moved)."""


def apply_ops(data: Any, ops) -> Any:
    """``data`` with ``ops`` applied in order; None when an op deletes the whole target."""
    out = copy.deepcopy(data)
    for op in ops:
        if isinstance(op, C.Delete):
            return None
        out = _apply(out, op)
    return out


def _apply(data: Any, op) -> Any:
    if isinstance(op, C.Set):
        if not op.path:
            return copy.deepcopy(op.new)
        parent, last = node_at(data, op.path[:-1]), op.path[-1]
        _check_slot(parent, last, op.path)
        parent[last] = copy.deepcopy(op.new)
    elif isinstance(op, C.AddKey):
        mapping = _mapping(data, op.path)
        if op.key in mapping:
            raise OpMismatch(f"{_show(op.path + (op.key,))} is already set")
        _insert_after(mapping, op.key, copy.deepcopy(op.value), op.after)
    elif isinstance(op, C.RemoveKey):
        mapping = _mapping(data, op.path)
        if op.key not in mapping:
            raise OpMismatch(f"{_show(op.path + (op.key,))} is not set")
        del mapping[op.key]
    elif isinstance(op, C.MoveKey):
        source = _mapping(data, op.path)
        if op.key not in source:
            raise OpMismatch(f"{_show(op.path + (op.key,))} is not set")
        value = source.pop(op.key)
        _mapping(data, op.to_path, create=True)[op.key] = value
    elif isinstance(op, C.AddItem):
        items = _list(data, op.path)
        items.insert(len(items) if op.index is None else op.index, copy.deepcopy(op.value))
    elif isinstance(op, C.RemoveItem):
        items = _list(data, op.path)
        if not 0 <= op.index < len(items):
            raise OpMismatch(f"{_show(op.path)} has no item {op.index}")
        del items[op.index]
    elif isinstance(op, C.MoveItem):
        items = _list(data, op.path)
        if not (0 <= op.index < len(items) and 0 <= op.to < len(items)):
            raise OpMismatch(f"{_show(op.path)} has no item {max(op.index, op.to)}")
        if items[op.index] != op.old:
            raise OpMismatch(f"{_show(op.path + (op.index,))} is not the item to move")
        items.insert(op.to, items.pop(op.index))
    else:
        raise OpMismatch(f"{type(op).__name__} does not apply to data")
    return data


def node_at(data: Any, path) -> Any:
    """The node at ``path`` in ``data``; OpMismatch naming the path when it is not there."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise OpMismatch(f"{_show(path)} is not in the data") from None
    return node


def _mapping(data: Any, path, create: bool = False) -> dict:
    node = data
    for part in path:
        if create and isinstance(node, dict) and node.get(part) is None:
            node[part] = {}
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise OpMismatch(f"{_show(path)} is not in the data") from None
    if not isinstance(node, dict):
        raise OpMismatch(f"{_show(path)} is not a mapping")
    return node


def _list(data: Any, path) -> list:
    node = node_at(data, path)
    if not isinstance(node, list):
        raise OpMismatch(f"{_show(path)} is not a list")
    return node


def _check_slot(parent: Any, last, path) -> None:
    if isinstance(parent, dict) and last in parent:
        return
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        return
    raise OpMismatch(f"{_show(path)} is not in the data")


def _insert_after(mapping: dict, key: str, value: Any, after: str | None) -> None:
    if after is None or after not in mapping:
        mapping[key] = value
        return
    items = list(mapping.items())
    mapping.clear()
    for k, v in items:
        mapping[k] = v
        if k == after:
            mapping[key] = value


def _show(path) -> str:
    return ".".join(str(p) for p in path) or "(the document)"
