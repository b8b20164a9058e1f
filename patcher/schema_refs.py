"""Whether a chart's values schema makes Helm read something outside the chart.

Helm checks values against a chart's ``values.schema.json`` and loads every
document it ``$ref``s: ``file:///proc/self/environ``, ``../../secret.json`` or
a URL, whose content then shows in Helm's error message. A schema may refer
only within itself (``#/definitions/...``); one that refers anywhere else is
left out of the copy Helm renders, with a note. Subcharts packed as ``.tgz``
are looked into the same way.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

SCHEMA_NAME = "values.schema.json"
# a $id only names the document: with every reference a fragment, nothing is loaded
REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
MAX_SCHEMA_BYTES = 4 * 1024 * 1024
MAX_MEMBERS = 10_000


def outside_reference(text: str | bytes) -> str | None:
    """The first reference that leaves the document, or None when it keeps to itself.

    Text that is not JSON is Helm's to refuse; it refers to nothing."""
    try:
        schema = json.loads(text)
    except (ValueError, RecursionError):
        return None
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in REFERENCE_KEYS and isinstance(value, str) and not value.startswith("#"):
                    return value
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def archive_reference(path: Path) -> str | None:
    """For a packed subchart: why it must be left out (a schema reaching outside, or an archive
    too large to look into), or None."""
    try:
        with tarfile.open(path, "r:*") as archive:
            for number, member in enumerate(archive):
                if number >= MAX_MEMBERS:
                    return "an archive with too many files to check"
                if not member.isfile() or not member.name.endswith("/" + SCHEMA_NAME):
                    continue
                if member.size > MAX_SCHEMA_BYTES:
                    return f"{member.name}, a values schema too large to check"
                handle = archive.extractfile(member)
                found = outside_reference(handle.read()) if handle else None
                if found:
                    return f"{member.name}, whose values schema refers to '{found}'"
    except (tarfile.TarError, OSError, EOFError):
        return None  # Helm refuses what it cannot unpack, with its own message
    return None
