"""Two routes with one match that set different settings of one answer.

A common split: one VirtualService sets a host's timeouts, another its retries, each with the
same match and destinations. Their routes do not compete: together they say one thing, so a
merge may join them into one route instead of dropping one as a conflict.
"""

from __future__ import annotations

from typing import Any

IDENTITY = ("name", "match")


def complement(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any] | None:
    """The settings ``other`` adds to ``kept`` (both with the same match, hosts written alike),
    or None when they set one setting differently or ``other`` adds nothing."""
    shared = [k for k in other if k in kept and k not in IDENTITY]
    if any(kept[k] != other[k] for k in shared):
        return None
    extra = {k: v for k, v in other.items() if k not in kept and k not in IDENTITY}
    return extra or None
