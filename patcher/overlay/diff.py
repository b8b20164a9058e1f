"""The difference between two versions of a resource, as intent operations.

What a fix changed in a built resource, read back from the build before and after it: keys
added, removed or set; list items inserted or removed where the rest of the list is kept;
anything else replaced whole (a ``Set`` the patch guards with a ``test`` of the old value).
"""

from __future__ import annotations

from typing import Any

from patcher.intent import changes as C


def diff_ops(before: Any, after: Any, path: tuple = ()) -> list:
    """Operations that turn ``before`` into ``after``, applied in order."""
    if isinstance(before, dict) and isinstance(after, dict):
        ops: list = []
        for key, value in before.items():
            if key not in after:
                ops.append(C.RemoveKey(path, key, value))
            else:
                ops += diff_ops(value, after[key], path + (key,))
        ops += [C.AddKey(path, key, value) for key, value in after.items() if key not in before]
        return ops
    if isinstance(before, list) and isinstance(after, list):
        if len(before) == len(after):
            return [op for index, (b, a) in enumerate(zip(before, after)) for op in diff_ops(b, a, path + (index,))]
        items = _inserted(before, after, path) if len(after) > len(before) else _removed(before, after, path)
        if items is not None:
            return items
    if before == after and type(before) is type(after):
        return []
    return [C.Set(path, before, after)]


def _inserted(before: list, after: list, path: tuple) -> list | None:
    """Insertions, when ``before`` is ``after`` with items left out."""
    ops, i = [], 0
    for j, item in enumerate(after):
        if i < len(before) and before[i] == item:
            i += 1
        else:
            ops.append(C.AddItem(path, item, j))
    return ops if i == len(before) else None


def _removed(before: list, after: list, path: tuple) -> list | None:
    """Removals, when ``after`` is ``before`` with items left out."""
    ops, j = [], 0
    for item in before:
        if j < len(after) and after[j] == item:
            j += 1
        else:
            ops.append(C.RemoveItem(path, j, item))
    return ops if j == len(after) else None
