"""The repository's own conventions, for the values a fix writes.

A team that already gives its routes one timeout wants the missing one to match it, not
patcher's default. A convention counts only when it is clear: at least two routes set the
value and one value is set by more than half of them. A setting the team gives patcher
(``route-timeout``, ``retries``) always wins over a convention.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterable


def convention(values: Iterable[Any]) -> Any | None:
    """The value more than half of ``values`` share, when there are at least two; else None."""
    seen = [v for v in values if v is not None]
    if len(seen) < 2:
        return None
    counts = Counter(json.dumps(v, sort_keys=True, default=str) for v in seen)
    key, count = counts.most_common(1)[0]
    if count * 2 <= len(seen):
        return None
    return json.loads(key)


def route_defaults(virtual_services) -> tuple[Any | None, Any | None]:
    """(timeout, retries) most forwarding routes of the repository already set, when clear."""
    routes = [r.data for vs in virtual_services for r in vs.routes if "route" in r.data]
    timeout = convention(r.get("timeout") for r in routes)
    retries = convention(r.get("retries") for r in routes if isinstance(r.get("retries"), dict))
    return (str(timeout) if timeout is not None else None,
            retries if isinstance(retries, dict) else None)
