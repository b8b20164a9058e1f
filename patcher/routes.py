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


def _uri_disjoint(a: dict | None, b: dict | None) -> bool:
    if _matches_all(a) or _matches_all(b):
        return False
    for x, y in ((a, b), (b, a)):
        if "exact" in x and "exact" in y:
            return str(x["exact"]) != str(y["exact"])
        if "exact" in x and "prefix" in y:
            return not str(x["exact"]).startswith(str(y["prefix"]))
    if "prefix" in a and "prefix" in b:
        pa, pb = str(a["prefix"]), str(b["prefix"])
        return not (pa.startswith(pb) or pb.startswith(pa))
    return False  # regular expressions, case-insensitive matches: assume they may meet


def _condition_disjoint(a: dict, b: dict) -> bool:
    for key in ("port", "method", "scheme", "authority"):
        if key in a and key in b and a[key] != b[key] and not isinstance(a[key], dict):
            return True
        if key in a and key in b and isinstance(a[key], dict) and isinstance(b[key], dict) \
                and "exact" in a[key] and "exact" in b[key] and a[key]["exact"] != b[key]["exact"]:
            return True
    return _uri_disjoint(a.get("uri"), b.get("uri"))


def disjoint(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when no request can match both routes, so their order does not matter."""
    return all(_condition_disjoint(x, y) for x in _conditions(a) for y in _conditions(b))


def forwarding(route: dict[str, Any]) -> dict[str, Any]:
    """What a route does, without its name and match: used to spot identical routes."""
    return {k: v for k, v in route.items() if k not in ("name", "match")}


def insertion_index(routes: list[dict[str, Any]], new: dict[str, Any]) -> int:
    """Where ``new`` goes so that no existing route shadows it: before the first that would."""
    for index, existing in enumerate(routes):
        if shadows(existing, new):
            return index
    return len(routes)
