"""YAML values as JSON can hold them.

An edit carries the data it moves or deletes as YAML read it, and YAML has more
types than JSON: a timestamp (``2024-01-01``), ``!!binary``, ``!!set``, keys that are
numbers, dates or lists, and ``.nan``/``.inf`` (which json.dumps would write as the
invalid ``NaN``/``Infinity``). Each becomes the nearest JSON value, always as a
string where JSON has none: dates and times in ISO 8601, binary in base64 (as
``!!binary`` writes it), ``.nan``/``.inf``/``-.inf`` as YAML spells them, a set as the
sorted list of its members, a key as its string form. The data has been bounded
when read (patcher.yamlbounds), so walking it as a tree is affordable.
"""

from __future__ import annotations

import base64
import datetime
import math
from typing import Any


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return value
    if isinstance(value, dict):
        return {json_key(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_value(v) for v in value), key=str)
    return json_key(value)


def json_key(key: Any) -> str:
    """A mapping key, or a YAML path element JSON cannot hold, as a string."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, (datetime.date, datetime.datetime)):
        return key.isoformat()
    if isinstance(key, bytes):
        return base64.b64encode(key).decode("ascii")
    if isinstance(key, float):
        return str(json_value(key))
    return str(key)


def json_path(path) -> list:
    """A YAML path for JSON: mapping keys and sequence indexes (integers) as they are, other
    keys (dates, booleans, numbers that are not whole) as strings."""
    return [p if isinstance(p, str) or (isinstance(p, int) and not isinstance(p, bool)) else json_key(p)
            for p in path]
