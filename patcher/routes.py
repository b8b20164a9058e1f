"""Istio HTTP route matching: which route can shadow which.

Istio evaluates a host's routes in order and takes the first match, so a route
placed after a broader one is never used. Only URI conditions are compared
precisely; a condition on anything else (headers, methods, ports) is treated as
narrowing, so two routes differing there are never called equal.
"""

from __future__ import annotations

from typing import Any


def _conditions(route: dict[str, Any]) -> list[dict[str, Any]]:
    match = route.get("match")
    return list(match) if isinstance(match, list) and match else [{}]


def _matches_all(uri: dict | None) -> bool:
    return not uri or str(uri.get("prefix", "-")) in ("", "/") or uri.get("regex") in (".*", "/.*")


def _uri_covers(broad: dict | None, narrow: dict | None) -> bool:
    if _matches_all(broad):
        return True
    if _matches_all(narrow):
        return False
    if "prefix" in broad:
        prefix = str(broad["prefix"])
        if "prefix" in narrow:
            return str(narrow["prefix"]).startswith(prefix)
        if "exact" in narrow:
            return str(narrow["exact"]).startswith(prefix)
        return False
    if "exact" in broad:
        return "exact" in narrow and broad["exact"] == narrow["exact"]
    return broad == narrow


def _condition_covers(broad: dict, narrow: dict) -> bool:
    others = {k: v for k, v in broad.items() if k not in ("uri", "name")}
    if any(narrow.get(k) != v for k, v in others.items()):
        return False
    return _uri_covers(broad.get("uri"), narrow.get("uri"))


def shadows(earlier: dict[str, Any], later: dict[str, Any]) -> bool:
    """True when every request ``later`` matches is already taken by ``earlier``."""
    return all(any(_condition_covers(b, n) for b in _conditions(earlier)) for n in _conditions(later))


def same_match(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return shadows(a, b) and shadows(b, a)


def forwarding(route: dict[str, Any]) -> dict[str, Any]:
    """What a route does, without its name and match: used to spot identical routes."""
    return {k: v for k, v in route.items() if k not in ("name", "match")}


def insertion_index(routes: list[dict[str, Any]], new: dict[str, Any]) -> int:
    """Where ``new`` goes so that no existing route shadows it: before the first that would."""
    for index, existing in enumerate(routes):
        if shadows(existing, new):
            return index
    return len(routes)
