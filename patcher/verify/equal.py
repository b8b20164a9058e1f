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
