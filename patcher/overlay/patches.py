"""One fix's operations on one resource as a Kustomize patch.

Strategic merge where Kubernetes merges every list on the way by key (the schema's
``x-kubernetes-patch-merge-key``): the patch names list items by that key, so it is right
wherever the item sits. Everywhere else JSON 6902, where a list item is named by its index:
each index is guarded by a ``test`` op (the item's ``name`` when it has one, else the whole
item), so the build fails loudly instead of patching the wrong item when the base has moved.
Deleting a resource is a strategic-merge ``$patch: delete``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from patcher.intent import changes as C
from patcher.intent.apply import OpMismatch, apply_ops, node_at
from patcher.overlay.collect import Patched, plain
from patcher.overlay.merge_keys import known, merge_key


@dataclass(frozen=True)
class Patch:
    strategic: bool
    body: Any  # the patch document (strategic merge) or the list of JSON 6902 operations
    target: dict  # the kustomization's ``target:`` (JSON 6902 only)


def make_patch(patched: Patched) -> Patch:
    data = patched.before
    meta = data.get("metadata") or {}
    api_version, kind = str(data.get("apiVersion")), str(data.get("kind"))
    identity = {"name": meta.get("name")}
    if meta.get("namespace"):
        identity["namespace"] = meta["namespace"]
    group, _, version = api_version.rpartition("/")
    target = {"group": group, "version": version, "kind": kind, **identity} if group else {
        "version": version, "kind": kind, **identity}
    if any(isinstance(op, C.Delete) for op in patched.ops):
        return Patch(True, {"apiVersion": api_version, "kind": kind, "metadata": identity, "$patch": "delete"}, target)
    smp = _strategic(api_version, kind, data, patched.ops)
    if smp is not None:
        return Patch(True, {"apiVersion": api_version, "kind": kind, "metadata": identity, **smp}, target)
    return Patch(False, _json6902(data, patched.ops), target)


# --- strategic merge ------------------------------------------------------------------------

def _strategic(api_version: str, kind: str, data: dict, ops) -> dict | None:
    """The merge patch for ``ops``, or None where one cannot say it exactly."""
    body: dict = {}
    for op in ops:
        if isinstance(op, C.AddKey) and op.value is not None:  # a null in a merge patch deletes
            where, value = op.path, {op.key: plain(op.value)}
        elif isinstance(op, C.RemoveKey):
            where, value = op.path, {op.key: None}
        elif isinstance(op, C.Set) and op.path and not isinstance(op.path[-1], int) and _scalar(op.old, op.new) \
                and op.new is not None:
            where, value = op.path[:-1], {op.path[-1]: plain(op.new)}
        elif isinstance(op, C.AddItem) and known(api_version, kind):
            key = merge_key(api_version, kind, op.path)
            if key is None or not isinstance(op.value, dict) or key not in op.value or op.index is not None and \
                    not _is_end(data, op.path, op.index):
                return None
            if not op.path:
                return None
            where, value = op.path[:-1], {op.path[-1]: [plain(op.value)]}
        elif isinstance(op, C.RemoveItem) and known(api_version, kind):
            key = merge_key(api_version, kind, op.path)
            if key is None or not isinstance(op.old, dict) or key not in op.old or not op.path:
                return None
            where, value = op.path[:-1], {op.path[-1]: [{key: op.old[key], "$patch": "delete"}]}
        else:
            return None
        nested = _nest(api_version, kind, data, where, value)
        if nested is None:
            return None
        body = _merge(body, nested)
        if body is None:
            return None
    return body


def _scalar(*values) -> bool:
    return all(not isinstance(v, (dict, list)) for v in values)


def _is_end(data: dict, path: tuple, index: int) -> bool:
    try:
        return index == len(node_at(data, path))
    except OpMismatch:
        return False


def _nest(api_version: str, kind: str, data: dict, path: tuple, value: dict) -> dict | None:
    """``value`` wrapped in the mappings (and merge-keyed list items) of ``path``."""
    for depth in range(len(path), 0, -1):
        part, above = path[depth - 1], path[:depth - 1]
        if isinstance(part, int):
            key = merge_key(api_version, kind, above) if known(api_version, kind) else None
            try:
                item = node_at(data, above + (part,))
            except OpMismatch:
                return None
            if key is None or not isinstance(item, dict) or key not in item:
                return None
            value = [{key: plain(item[key]), **value}]
        else:
            value = {part: value}
    return value


def _merge(a: Any, b: Any) -> Any:
    """Two patch fragments as one; None when they would need one list twice."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for key, value in b.items():
            if key in out:
                merged = _merge(out[key], value)
                if merged is None:
                    return None
                out[key] = merged
            else:
                out[key] = value
        return out
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    return None


# --- JSON 6902 ------------------------------------------------------------------------------

def _json6902(data: dict, ops) -> list[dict]:
    out: list[dict] = []
    guarded: set[str] = set()
    current = data
    for op in ops:
        out += _guards(current, _op_path(op), guarded)
        out += _json_op(current, op)
        current = apply_ops(current, (op,))
    return out


def _op_path(op) -> tuple:
    if isinstance(op, C.Set):
        return op.path[:-1]  # the item it replaces is tested whole
    return op.path


def _guards(data: dict, path: tuple, guarded: set[str]) -> list[dict]:
    """A ``test`` for every list index on ``path``: the item is still the one the fix read."""
    out = []
    for depth, part in enumerate(path):
        if not isinstance(part, int):
            continue
        where = path[:depth + 1]
        pointer = _pointer(where)
        if pointer in guarded:
            continue
        guarded.add(pointer)
        item = node_at(data, where)
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append({"op": "test", "path": pointer + "/name", "value": item["name"]})
        else:
            out.append({"op": "test", "path": pointer, "value": plain(item)})
    return out


def _json_op(data: dict, op) -> list[dict]:
    if isinstance(op, C.Set):
        return [{"op": "test", "path": _pointer(op.path), "value": plain(op.old)},
                {"op": "replace", "path": _pointer(op.path), "value": plain(op.new)}]
    if isinstance(op, C.AddKey):
        return [{"op": "add", "path": _pointer(op.path + (op.key,)), "value": plain(op.value)}]
    if isinstance(op, C.RemoveKey):
        return [{"op": "test", "path": _pointer(op.path + (op.key,)), "value": plain(op.old)},
                {"op": "remove", "path": _pointer(op.path + (op.key,))}]
    if isinstance(op, C.MoveKey):
        out = []
        for depth in range(1, len(op.to_path) + 1):  # the destination's missing mappings first
            try:
                node_at(data, op.to_path[:depth])
            except OpMismatch:
                out.append({"op": "add", "path": _pointer(op.to_path[:depth]), "value": {}})
        return out + [{"op": "move", "from": _pointer(op.path + (op.key,)),
                       "path": _pointer(op.to_path + (op.key,))}]
    if isinstance(op, C.AddItem):
        end = op.index is None or op.index == len(node_at(data, op.path))
        return [{"op": "add", "path": _pointer(op.path) + ("/-" if end else f"/{op.index}"),
                 "value": plain(op.value)}]
    if isinstance(op, C.RemoveItem):
        return [{"op": "test", "path": _pointer(op.path + (op.index,)), "value": plain(op.old)},
                {"op": "remove", "path": _pointer(op.path + (op.index,))}]
    raise OpMismatch(f"{type(op).__name__} has no JSON patch")


def _pointer(path: tuple) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
