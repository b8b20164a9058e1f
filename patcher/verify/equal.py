"""Equality of plain data as YAML and Kubernetes see it."""

from __future__ import annotations


def strictly_equal(a, b) -> bool:
    """Equality that also tells 1 from 1.0 from True; mapping order does not count."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strictly_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(strictly_equal(x, y) for x, y in zip(a, b))
    return a is b or a == b


# Lists whose order means nothing to what is deployed: a Service's ports are a set keyed by
# port and protocol (istioctl, for one, writes an operator's extra ports among the profile's).
# Route lists, env and containers keep their order: there it decides matching or expansion.
_UNORDERED = {("Service", ("spec", "ports")): lambda p: (p.get("port"), p.get("protocol") or "TCP")}


def deployed_equal(a, b) -> bool:
    """``strictly_equal`` with the lists Kubernetes treats as keyed sets compared in any order."""
    return strictly_equal(_normal(a), _normal(b))


def _normal(data):
    if not isinstance(data, dict):
        return data
    for (kind, path), key in _UNORDERED.items():
        if data.get("kind") != kind:
            continue
        parent = data
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        items = parent.get(path[-1]) if isinstance(parent, dict) else None
        if isinstance(items, list) and all(isinstance(i, dict) for i in items):
            data = _replaced(data, path, sorted(items, key=lambda i: repr(key(i))))
    return data


def _replaced(data: dict, path: tuple, value) -> dict:
    out = dict(data)
    if len(path) == 1:
        out[path[0]] = value
    else:
        out[path[0]] = _replaced(data[path[0]], path[1:], value)
    return out
