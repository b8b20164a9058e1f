"""``kubectl patch`` of a Service, applied to the model's copy as the API server would apply it.

Three patch types (``--type``): strategic (the default: ``spec.ports`` merges item by item on
``port``, the Service's patchMergeKey; ``$patch: delete`` / ``replace`` directives), merge
(RFC 7386: maps merge, lists are replaced, null deletes) and json (RFC 6902 operations on JSON
pointers). A patch that cannot apply (a pointer to nothing, a test that fails) is reported, and
the Service is left as it was: kubectl fails the same way.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    pass


def apply(data: dict[str, Any], kind: str, patch: Any) -> dict[str, Any]:
    """``data`` with ``patch`` of type ``kind`` (strategic | merge | json) applied; raises PatchError."""
    if kind == "json":
        if not isinstance(patch, list):
            raise PatchError("a json patch is a list of operations")
        out = copy.deepcopy(data)
        for op in patch:
            out = _operation(out, op)
        return out
    if not isinstance(patch, dict):
        raise PatchError(f"a {kind} patch is a mapping")
    return _merge(data, patch, strategic=kind != "merge", path=())


def _merge(base: Any, patch: Any, strategic: bool, path: tuple) -> Any:
    if not isinstance(patch, dict):
        if strategic and isinstance(base, list) and isinstance(patch, list) and path == ("spec", "ports"):
            return _merge_ports(base, patch)
        return copy.deepcopy(patch)
    if strategic and patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if strategic and isinstance(key, str) and key.startswith("$"):
            continue
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value, strategic, path + (key,))
    return out


def _merge_ports(base: list, patch: list) -> list:
    out = [copy.deepcopy(p) for p in base]
    for item in patch:
        if not isinstance(item, dict) or "port" not in item:
            raise PatchError("each item of spec.ports in a strategic patch needs its merge key 'port'")
        index = next((i for i, p in enumerate(out) if isinstance(p, dict) and p.get("port") == item["port"]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                out.pop(index)
        elif index is None:
            out.append(copy.deepcopy(item))
        else:
            out[index] = _merge(out[index], item, True, ("spec", "ports", index))
    return out


def _pointer(text: Any) -> list[str]:
    if not isinstance(text, str) or (text and not text.startswith("/")):
        raise PatchError(f"'{text}' is not a JSON pointer")
    return [part.replace("~1", "/").replace("~0", "~") for part in text.split("/")[1:]]


def _step(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise PatchError(f"path '{path}' does not exist")


def _operation(doc: dict, op: Any) -> dict:
    if not isinstance(op, dict) or op.get("op") not in ("add", "remove", "replace", "move", "copy", "test"):
        raise PatchError(f"not a json patch operation: {op!r}")
    name, path = op["op"], op.get("path")
    if name in ("move", "copy"):
        value = copy.deepcopy(_get(doc, op.get("from")))
        if name == "move":
            doc = _operation(doc, {"op": "remove", "path": op.get("from")})
        return _operation(doc, {"op": "add", "path": path, "value": value})
    if name == "test":
        if _get(doc, path) != op.get("value"):
            raise PatchError(f"test of '{path}' failed")
        return doc
    parts = _pointer(path)
    if not parts:
        if name == "remove":
            raise PatchError("cannot remove the whole document")
        return copy.deepcopy(op.get("value"))
    parent = doc
    for part in parts[:-1]:
        parent = _step(parent, part, path)
    last = parts[-1]
    if isinstance(parent, dict):
        if name != "add" and last not in parent:
            raise PatchError(f"path '{path}' does not exist")
        if name == "remove":
            del parent[last]
        else:
            parent[last] = copy.deepcopy(op.get("value"))
    elif isinstance(parent, list):
        if last == "-" and name == "add":
            parent.append(copy.deepcopy(op.get("value")))
            return doc
        if not last.isdigit() or int(last) > len(parent) or (name != "add" and int(last) == len(parent)):
            raise PatchError(f"path '{path}' does not exist")
        index = int(last)
        if name == "add":
            parent.insert(index, copy.deepcopy(op.get("value")))
        elif name == "remove":
            parent.pop(index)
        else:
            parent[index] = copy.deepcopy(op.get("value"))
    else:
        raise PatchError(f"path '{path}' does not exist")
    return doc


def _get(doc: Any, path: Any) -> Any:
    node = doc
    for part in _pointer(path):
        node = _step(node, part, path)
    return node
