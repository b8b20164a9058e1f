"""Fixes that would edit a field a Kustomize patch sets: written in the base, they change nothing.

kustomize applies an overlay's patches after reading the base, so a value a patch
sets wins over the one the base writes. A fix that edits such a field (or a list a
strategic-merge patch replaces) in the base document would be verified against the
base and still leave the built resource as it was. Until fixes can be placed in the
patch itself, such a fix is withheld with the reason.
"""

from __future__ import annotations

from typing import Iterable

from patcher.edits import DeleteItem, DeleteKey, InsertItem, InsertKey, MoveItem, MoveKey, SetValue
from patcher.resources import Resource


def overridden(edits: Iterable, resources: Iterable[Resource], subject: str = "") -> str | None:
    """Why an edit among ``edits`` has no effect on what kustomize builds, or None. ``subject``
    (a resource's ref) is the variant the finding is about: in its own document only that
    variant counts (another overlay building the same base may patch the field for itself)."""
    resources = list(resources)
    own = {(r.source.file, r.source.doc) for r in resources if subject and r.ref == subject}
    patched: dict[tuple[str, int], list[Resource]] = {}
    for resource in resources:
        key = (resource.source.file, resource.source.doc)
        if resource.source.patched_paths and resource.source.editable and (key not in own or resource.ref == subject):
            patched.setdefault(key, []).append(resource)
    if not patched:
        return None
    for edit in edits:
        for resource in patched.get((getattr(edit, "file", None), getattr(edit, "doc", None)), []):
            for path in _paths(edit):
                for set_path in resource.source.patched_paths:
                    if overlaps(path, set_path):
                        return override_reason(resource, set_path, edit.file)
    return None


def overlaps(path: tuple, set_path: tuple) -> bool:
    """Whether writing ``path`` touches what a patch setting ``set_path`` decides."""
    return tuple(path[:len(set_path)]) == tuple(set_path) or tuple(set_path[:len(path)]) == tuple(path)


def override_reason(resource: Resource, set_path: tuple, file: str) -> str:
    shown = ".".join(str(p) for p in set_path)
    return (f"{resource.ref} (built by {resource.source.kustomize_root or '.'}) gets {shown} from "
            f"{', '.join(resource.source.patched_by)}: the edit in {file} would not change "
            "what kustomize builds; change the patch instead")


def _paths(edit) -> list[tuple]:
    if isinstance(edit, SetValue):
        return [tuple(edit.path)]
    if isinstance(edit, (InsertKey, DeleteKey)):
        return [tuple(edit.path) + (edit.key,)]
    if isinstance(edit, MoveKey):
        return [tuple(edit.path) + (edit.key,), tuple(edit.to_path) + (edit.key,)]
    if isinstance(edit, InsertItem):  # an appended item does not collide with a patched one
        return [tuple(edit.path) + (edit.index if edit.index is not None else "-",)]
    if isinstance(edit, DeleteItem):
        return [tuple(edit.path) + (edit.index,)]
    if isinstance(edit, MoveItem):  # it renumbers the list: any patched item collides
        return [tuple(edit.path)]
    return []  # whole documents and files: the patch does not hold them back
