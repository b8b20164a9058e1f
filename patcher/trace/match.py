"""Whether a plain request (method GET, no extra headers) meets a VirtualService route.

Istio takes a host's routes in order and the first whose conditions hold answers.
A condition on what a plain ``curl`` does not send (a header, a query parameter,
the caller's labels) does not hold for it; a regular expression is matched with
Python's engine, which agrees with RE2 on the expressions routes use.
"""

from __future__ import annotations

import re
from typing import Any

from patcher.routes import conditions


def _string(match: Any, value: str, fold: bool = False) -> bool | None:
    """Whether ``value`` meets a StringMatch; None when the match cannot be read."""
    if not isinstance(match, dict) or len(match) != 1:
        return None
    (kind, wanted), = match.items()
    if isinstance(wanted, (dict, list)):
        return None
    wanted = str(wanted)
    if fold:
        wanted, value = wanted.lower(), value.lower()
    if kind == "exact":
        return value == wanted
    if kind == "prefix":
        return value.startswith(wanted)
    if kind == "regex":
        try:
            return re.fullmatch(wanted, value) is not None
        except re.error:
            return None
    return None


def condition_holds(cond: dict, path: str, authority: str, port: int | None, method: str = "GET") -> bool | None:
    """True or False for the request; None when the condition is one this module cannot judge."""
    if not isinstance(cond, dict):
        return None
    fold = cond.get("ignoreUriCase") is True
    for key, value in cond.items():
        if key in ("name", "ignoreUriCase", "statPrefix", "gateways"):
            continue
        if key == "uri":
            held = _string(value, path.split("?", 1)[0], fold)
        elif key == "authority":
            held = _string(value, authority)
        elif key == "method":
            held = _string(value, method)
        elif key == "scheme":
            held = _string(value, "http")
        elif key == "port":
            held = None if port is None else value == port
        elif key in ("headers", "queryParams", "sourceLabels", "sourceNamespace"):
            held = not value  # a plain request sends none of these
        elif key == "withoutHeaders":
            held = True
        else:
            return None
        if held is None:
            return None
        if not held:
            return False
    return True


def route_holds(route: dict, path: str, authority: str, port: int | None) -> bool | None:
    """Any condition holding makes the route answer; None when that cannot be told."""
    unknown = False
    for cond in conditions(route):
        held = condition_holds(cond, path, authority, port)
        if held:
            return True
        unknown |= held is None
    return None if unknown else False


def describe(route: dict) -> str:
    """The route's first condition, as a reader would name it: prefix /api, exact /health, any."""
    for cond in conditions(route):
        uri = cond.get("uri") if isinstance(cond, dict) else None
        if isinstance(uri, dict) and len(uri) == 1:
            (kind, value), = uri.items()
            return f"{kind} {value}"
        return "any request"
    return "any request"


def prefixes(route: dict) -> list[str]:
    """Paths a user would call to reach the route: its prefixes and exact paths."""
    out = []
    for cond in conditions(route):
        uri = cond.get("uri") if isinstance(cond, dict) else None
        if not uri:
            out.append("/")
        elif isinstance(uri, dict) and len(uri) == 1:
            (kind, value), = uri.items()
            if kind in ("prefix", "exact") and isinstance(value, str) and value.startswith("/"):
                out.append(value)
    return list(dict.fromkeys(out))


def specificity(route: dict, path: str) -> int:
    """How narrowly the route's condition that holds for ``path`` matches it: an exact path most,
    then the longer prefix, a regular expression, and a condition on no path least."""
    best = -1
    for cond in conditions(route):
        if not condition_holds(cond, path, "", None):
            continue
        uri = cond.get("uri") if isinstance(cond, dict) else None
        kind, value = next(iter(uri.items())) if isinstance(uri, dict) and len(uri) == 1 else ("", "")
        score = {"exact": 100000, "prefix": 1 + len(str(value)), "regex": 1}.get(kind, 0)
        best = max(best, score)
    return best
