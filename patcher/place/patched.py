"""Changes a Kustomize patch would undo: the field is set by a patch of the build.

kustomize applies an overlay's patches after reading the base, so a field a patch sets (or a
list a strategic-merge patch replaces as a whole) keeps the patch's value whatever the base
says. Written in the base document, such a change verifies against the base and leaves what
is deployed as it was: placement refuses it, naming the patch, until the change can be
written in the patch itself.
"""

from __future__ import annotations

from patcher.deployed.overridden import overlaps, override_reason
from patcher.intent import changes as C
from patcher.resources import Resource


def patched_refusal(resource: Resource, ops) -> str:
    """Why writing ``ops`` into the resource's document would not change its build, or ""."""
    for op in ops:
        for path in _paths(op):
            for set_path in resource.source.patched_paths:
                if overlaps(path, set_path):
                    return override_reason(resource, set_path, resource.source.file)
    return ""


def _paths(op) -> list[tuple]:
    if isinstance(op, C.Set):
        return [tuple(op.path)]
    if isinstance(op, (C.AddKey, C.RemoveKey)):
        return [tuple(op.path) + (op.key,)]
    if isinstance(op, C.MoveKey):
        return [tuple(op.path) + (op.key,), tuple(op.to_path) + (op.key,)]
    if isinstance(op, C.AddItem):  # an appended item does not collide with a patched one
        return [tuple(op.path) + (op.index if op.index is not None else "-",)]
    if isinstance(op, C.RemoveItem):
        return [tuple(op.path) + (op.index,)]
    if isinstance(op, C.MoveItem):  # it renumbers the list: any patched item collides
        return [tuple(op.path)]
    return []  # the whole resource: a patch does not hold its deletion back
