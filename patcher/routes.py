"""Istio HTTP route matching: which route can shadow which, judged per match condition.

Istio evaluates a host's routes in order and takes the first match, so a route
placed after a broader one is never used. A route matches when any of its
``match`` entries (conditions) does; a condition matches when all its attributes
do. An earlier condition covers a later one only when it is at least as general
on every attribute: uri, scheme, method, authority, headers, withoutHeaders,
queryParams, port, sourceLabels, sourceNamespace and gateways. String matches
compare exactly: an exact or prefix match covers what it provably contains, a
regular expression covers only the identical expression (whether one regular
expression contains another is not decided here), apart from a uri ``.*``.
An attribute this module does not know makes a condition cover nothing: the
answer is then "maybe reachable", never a false "unreachable".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from patcher.names import gateway_key

KNOWN = {"name", "uri", "scheme", "method", "authority", "headers", "withoutHeaders", "queryParams", "port",
         "sourceLabels", "sourceNamespace", "gateways", "ignoreUriCase", "statPrefix"}
STRING_KINDS = ("exact", "prefix", "regex")


@dataclass(frozen=True)
class Scope:
    """Where a route's conditions are read: match-level gateway names are relative to
    ``namespace``; a condition naming no gateway applies on the VirtualService's ``gateways``
    (gateway keys, None for the mesh), unknown when empty."""

    namespace: str = ""
    gateways: tuple = ()


ANY = Scope()


def conditions(route: dict[str, Any]) -> list[dict[str, Any]]:
    match = route.get("match") if isinstance(route, dict) else None
    return list(match) if isinstance(match, list) and match else [{}]


def forwards(route: dict[str, Any]) -> bool:
    """Whether Istio accepts the route: it must route, redirect, respond or delegate."""
    return isinstance(route, dict) and any(route.get(k) for k in ("route", "redirect", "directResponse", "delegate"))


# --- string matches ---------------------------------------------------------------------------

def _kind(match: Any) -> tuple[str, str] | None:
    """(exact|prefix|regex, value) of a StringMatch; None for anything else (an empty one too)."""
    if not isinstance(match, dict) or len(match) != 1:
        return None
    (kind, value), = match.items()
    return (kind, str(value)) if kind in STRING_KINDS and not isinstance(value, (dict, list)) else None


def _string_covers(broad: Any, narrow: Any, broad_fold: bool = False, narrow_fold: bool = False) -> bool:
    """Whether every value StringMatch ``narrow`` accepts, ``broad`` accepts. ``{}`` accepts any
    value (a header must be present); the ``fold`` flags are case-insensitive matching."""
    if broad == {}:
        return narrow is not None
    b, n = _kind(broad), _kind(narrow)
    if b is None or n is None or (narrow_fold and not broad_fold):
        return False
    (bk, bv), (nk, nv) = b, n
    if broad_fold:
        bv, nv = bv.lower(), nv.lower()
    if bk == "regex":
        return nk == "regex" and bv == nv
    if bk == "exact":
        return nk == "exact" and bv == nv
    return nk in ("exact", "prefix") and nv.startswith(bv)


def _string_disjoint(a: Any, b: Any, fold: bool = False) -> bool:
    """True when no value matches both (lower-casing both when either folds case is conservative)."""
    x, y = _kind(a), _kind(b)
    if x is None or y is None or "regex" in (x[0], y[0]):
        return False
    (xk, xv), (yk, yv) = x, y
    if fold:
        xv, yv = xv.lower(), yv.lower()
    if xk == "exact" and yk == "exact":
        return xv != yv
    if xk == "exact":
        return not xv.startswith(yv)
    if yk == "exact":
        return not yv.startswith(xv)
    return not (xv.startswith(yv) or yv.startswith(xv))


# --- attributes -------------------------------------------------------------------------------

def _uri_all(cond: dict) -> bool:
    uri = cond.get("uri")
    return not uri or _kind(uri) in (("prefix", ""), ("prefix", "/"), ("regex", ".*"), ("regex", "/.*"))


def _uri_covers(broad: dict, narrow: dict) -> bool:
    if _uri_all(broad):
        return True
    return _string_covers(broad["uri"], narrow.get("uri"), broad.get("ignoreUriCase") is True,
                          narrow.get("ignoreUriCase") is True)


def _map(cond: dict, key: str) -> dict | None:
    value = cond.get(key)
    if value is None:
        return {}
    return value if isinstance(value, dict) else None


def _gateways(cond: dict, scope: Scope) -> frozenset | None:
    """The gateways a condition applies on; None when unknown (the VirtualService's, unnamed)."""
    named = cond.get("gateways")
    if isinstance(named, list) and named:
        return frozenset(gateway_key(str(g), scope.namespace) for g in named)
    return frozenset(scope.gateways) if scope.gateways else None


def condition_covers(broad: dict, narrow: dict, broad_scope: Scope = ANY, narrow_scope: Scope = ANY) -> bool:
    """True when every request condition ``narrow`` matches, ``broad`` matches too."""
    if not isinstance(broad, dict) or not isinstance(narrow, dict) or set(broad) - KNOWN:
        return False
    if not _uri_covers(broad, narrow):
        return False
    if any(k in broad and not _string_covers(broad[k], narrow.get(k)) for k in ("scheme", "method", "authority")):
        return False
    for key in ("headers", "queryParams"):
        bm, nm = _map(broad, key), _map(narrow, key)
        if bm is None or nm is None or any(h not in nm or not _string_covers(m, nm[h]) for h, m in bm.items()):
            return False
    # broad refuses requests whose header matches m: narrow must refuse at least those
    bw, nw = _map(broad, "withoutHeaders"), _map(narrow, "withoutHeaders")
    if bw is None or nw is None or any(h not in nw or not _string_covers(nw[h], m) for h, m in bw.items()):
        return False
    for key in ("port", "sourceNamespace"):
        if key in broad and broad[key] != narrow.get(key):
            return False
    bl, nl = _map(broad, "sourceLabels"), _map(narrow, "sourceLabels")
    if bl is None or nl is None or any(k not in nl or nl[k] != v for k, v in bl.items()):
        return False
    bg, ng = _gateways(broad, broad_scope), _gateways(narrow, narrow_scope)
    return bg is None or (ng is not None and ng <= bg)


def _condition_disjoint(a: dict, b: dict) -> bool:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return False
    for key in ("port", "sourceNamespace"):
        if key in a and key in b and a[key] != b[key]:
            return True
    for key in ("method", "scheme", "authority"):
        if key in a and key in b and _string_disjoint(a[key], b[key]):
            return True
    for key in ("headers", "queryParams", "sourceLabels"):
        am, bm = _map(a, key), _map(b, key)
        for name in set(am or {}) & set(bm or {}):
            x, y = am[name], bm[name]
            if (_string_disjoint(x, y) if key != "sourceLabels" else x != y):
                return True
    ga, gb = a.get("gateways"), b.get("gateways")
    if isinstance(ga, list) and isinstance(gb, list) and ga and gb and not set(map(str, ga)) & set(map(str, gb)):
        return True
    if _uri_all(a) or _uri_all(b):
        return False
    fold = a.get("ignoreUriCase") is True or b.get("ignoreUriCase") is True
    return _string_disjoint(a["uri"], b["uri"], fold)


# --- routes -----------------------------------------------------------------------------------

def covers_any(earlier: dict[str, Any], later: dict[str, Any], scope: Scope = ANY,
               later_scope: Scope | None = None) -> bool:
    """True when some condition of ``earlier`` covers some condition of ``later``."""
    return any(condition_covers(b, n, scope, later_scope or scope)
               for n in conditions(later) for b in conditions(earlier))


def coverers(earlier: Sequence[tuple[dict, Scope]], later: dict, scope: Scope = ANY) -> list[int] | None:
    """For each condition of ``later``, the index of the first route of ``earlier`` with a condition
    covering it; None when some condition is covered by none (the route can match)."""
    out = []
    for n in conditions(later):
        first = next((i for i, (route, s) in enumerate(earlier)
                      if any(condition_covers(b, n, s, scope) for b in conditions(route))), None)
        if first is None:
            return None
        out.append(first)
    return out


def unreachable(routes: Sequence[dict], scope: Scope = ANY) -> dict[int, list[int]]:
    """Routes no request reaches -> for each of their conditions, the first earlier route covering it."""
    out = {}
    for index, route in enumerate(routes):
        found = coverers([(r, scope) for r in routes[:index]], route, scope)
        if found is not None:
            out[index] = found
    return out


def dead_conditions(routes: Sequence[dict], scope: Scope = ANY) -> set[tuple[int, int]]:
    """(route, condition) pairs some earlier route's condition covers."""
    out = set()
    for index, route in enumerate(routes):
        for c, cond in enumerate(conditions(route)):
            if any(condition_covers(b, cond, scope, scope) for r in routes[:index] for b in conditions(r)):
                out.add((index, c))
    return out


def shadows(earlier: dict[str, Any], later: dict[str, Any], scope: Scope = ANY) -> bool:
    """True when every request ``later`` matches is already taken by ``earlier``."""
    return coverers([(earlier, scope)], later, scope) is not None


def same_match(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return shadows(a, b) and shadows(b, a)


def disjoint(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when no request can match both routes, so their order does not matter."""
    return all(_condition_disjoint(x, y) for x in conditions(a) for y in conditions(b))


def forwarding(route: dict[str, Any]) -> dict[str, Any]:
    """What a route does, without its name and match: used to spot identical routes."""
    return {k: v for k, v in route.items() if k not in ("name", "match")}


def insertion_index(routes: list[dict[str, Any]], new: dict[str, Any]) -> int:
    """Where ``new`` goes so that none of its conditions is shadowed: before the first route
    covering any of them."""
    for index, existing in enumerate(routes):
        if covers_any(existing, new):
            return index
    return len(routes)
