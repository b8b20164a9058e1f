"""``kubectl patch`` of a Service, applied to the model's copy as the API server would apply it.

Three patch types (``--type``): strategic (the default: ``spec.ports`` merges item by item on
``port``, the Service's patchMergeKey; ``$patch: delete`` / ``replace`` directives), merge
(RFC 7386: maps merge, lists are replaced, null deletes) and json (RFC 6902 operations on JSON
pointers). A patch that cannot apply (a pointer to nothing, a test that fails) is reported, and
the Service is left as it was: kubectl fails the same way.

The live Service holds fields the repository never writes: the API server allocates
``spec.clusterIP`` (``clusterIPs``) for every Service but an ExternalName one, and a ``nodePort`` for
each port of a NodePort or LoadBalancer Service. A json ``replace``/``test``/``remove`` of such a
field works in the cluster, so on the model's copy (which lacks it) ``replace`` and ``test`` act as
``add`` (a passing test tells the value) and ``remove`` succeeds.
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
        allocated = _allocated(data)  # the live object the whole patch applies to
        for op in patch:
            out = _operation(out, op, allocated)
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


_NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def _allocated(service: Any) -> set[tuple[str, ...]]:
    """Pointers (as parts) to the fields the API server has allocated on the live ``service``."""
    spec = service.get("spec") if isinstance(service, dict) else None
    if not isinstance(spec, dict):
        spec = {}
    out: set[tuple[str, ...]] = set()
    if spec.get("type") != "ExternalName":
        out |= {("spec", "clusterIP"), ("spec", "clusterIPs")}
    if spec.get("type") in _NODE_PORT_TYPES:
        ports = spec.get("ports") if isinstance(spec.get("ports"), list) else []
        out |= {("spec", "ports", str(i), "nodePort") for i in range(len(ports))}
        if spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local":
            out.add(("spec", "healthCheckNodePort"))
    return out


def _operation(doc: dict, op: Any, allocated: set[tuple[str, ...]] = frozenset()) -> dict:
    if not isinstance(op, dict) or op.get("op") not in ("add", "remove", "replace", "move", "copy", "test"):
        raise PatchError(f"not a json patch operation: {op!r}")
    name, path = op["op"], op.get("path")
    if name in ("move", "copy"):
        value = copy.deepcopy(_get(doc, op.get("from")))
        if name == "move":
            doc = _operation(doc, {"op": "remove", "path": op.get("from")})
        return _operation(doc, {"op": "add", "path": path, "value": value})
    parts = _pointer(path)
    if tuple(parts) in allocated and _missing(doc, parts):
        if name == "remove":
            return doc
        name = "add"  # replace, or a test the live value passes: then the value is known
    elif name == "test":
        if _get(doc, path) != op.get("value"):
            raise PatchError(f"test of '{path}' failed")
        return doc
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


def _missing(doc: Any, parts: list[str]) -> bool:
    """Whether the last part of ``parts`` is absent from a parent that exists."""
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return isinstance(node, dict) and parts[-1] not in node


def _get(doc: Any, path: Any) -> Any:
    node = doc
    for part in _pointer(path):
        node = _step(node, part, path)
    return node
