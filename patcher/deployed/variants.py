"""Identity: one object written in several places.

Kubernetes knows an object by its API group, kind, namespace and name: two
documents with the same four are versions of one object (a prod and a staging
copy, an old file and its replacement). Applying one replaces the other; they
never run side by side, so no rule may pair them.
"""

from __future__ import annotations

from typing import Iterable

from patcher.resources import Resource
from patcher.source import Diagnostic

Identity = tuple[str, str, str, str]  # (API group, kind, namespace, name)


def identity(resource: Resource) -> Identity:
    return (resource.group, resource.kind, resource.namespace, resource.name)


def same_object(a: Resource, b: Resource) -> bool:
    """Whether two resources are variants of one object (and not one resource seen twice)."""
    return a is not b and identity(a) == identity(b)


def variants(resources: Iterable[Resource]) -> dict[Identity, tuple[Resource, ...]]:
    """Identity -> its resources, in source order, where more than one document defines it."""
    found: dict[Identity, list[Resource]] = {}
    for resource in resources:
        found.setdefault(identity(resource), []).append(resource)
    return {key: tuple(sorted(group, key=_order)) for key, group in sorted(found.items())
            if len({_order(r) for r in group}) > 1}


def variant_notes(found: dict[Identity, tuple[Resource, ...]]) -> list[Diagnostic]:
    notes = []
    for (_, kind, namespace, name), group in found.items():
        files = list(dict.fromkeys(r.source.file for r in group))
        ref = f"{namespace}/{name}" if namespace else name
        notes.append(Diagnostic(files[0], f"{kind} {ref} has {len(group)} variants: {', '.join(files)}: "
                                          "applying one replaces the other; each is analysed on its own and "
                                          "never paired with another", level="note"))
    return notes


def _order(resource: Resource) -> tuple[str, int, str]:
    return (resource.source.file, resource.source.doc, resource.source.release or "")
