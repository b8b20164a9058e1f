"""A node of plain YAML data by its path (keys and list indices)."""

from __future__ import annotations

from typing import Any


def value_at(data: Any, path: tuple, missing: Any = None) -> Any:
    """The node at ``path``, or ``missing`` when some step of it is not there."""
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return missing
    return data
