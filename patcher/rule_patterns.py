"""Naming rules on the command line, in the settings and in ignore comments.

A pattern is an exact id (``istio/route-without-timeout``), a family (``istio`` or
``istio/``: every rule of that family) or a glob (``istio/*-timeout``). An option's
value may list several, separated by commas. A pattern that names no rule is an
error with the closest ids as a suggestion, so a typo never silently runs nothing.
"""

from __future__ import annotations

import difflib
from fnmatch import fnmatchcase
from typing import Iterable

GLOB_CHARS = "*?["


def split(values: Iterable[str]) -> tuple[str, ...]:
    """``["istio,kind", "script/url-unmapped-port"]`` -> each pattern once, in order."""
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return tuple(out)


def matches(pattern: str, rule_id: str) -> bool:
    if any(c in pattern for c in GLOB_CHARS):
        return fnmatchcase(rule_id, pattern)
    family = pattern.rstrip("/")
    return rule_id == pattern or rule_id.split("/", 1)[0] == family and "/" not in family


def known(pattern: str, ids: Iterable[str]) -> bool:
    return any(matches(pattern, rule_id) for rule_id in ids)


def suggestion(pattern: str, ids: Iterable[str]) -> str:
    """" (did you mean 'x'?)" for the nearest rule id or family, else ""."""
    ids = sorted(ids)
    names = ids + sorted({i.split("/", 1)[0] for i in ids})
    close = difflib.get_close_matches(pattern, names, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def expand(patterns: Iterable[str], ids: Iterable[str]) -> frozenset[str]:
    ids = list(ids)
    return frozenset(i for i in ids for p in patterns if matches(p, i))
