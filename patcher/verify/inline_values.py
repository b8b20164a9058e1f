"""An Application's inline Helm values, edited to change what its release renders.

A fix placed in a release's inline values (patcher.place.inline_values) edits the Application
that passes them: that edit is the means, as an edit of a values file is, and the rendered
resource is what the fix declares. The Application itself counts as changed as declared when
nothing but those inline values changed in it.
"""

from __future__ import annotations

from typing import Iterable

from patcher.model import Model
from patcher.resources import Resource
from patcher.verify.equal import strictly_equal


def inline_places(model: Model, releases: Iterable[str | None]) -> set[tuple[str, int, tuple]]:
    """(file, document, path) of the inline values of these releases ("name/namespace")."""
    wanted = set(releases)
    return {(r.inline_at.file, r.inline_at.doc, tuple(r.inline_at.path)) for r in model.releases
            if r.inline_at is not None and f"{r.name}/{r.namespace}" in wanted}


def only_inline_values(old: Resource | None, new: Resource | None, places: set[tuple[str, int, tuple]]) -> bool:
    """Whether ``old`` became ``new`` by a change of one of ``places`` alone."""
    if old is None or new is None:
        return False
    for file, doc, path in places:
        if (old.source.file, old.source.doc) == (file, doc) == (new.source.file, new.source.doc) and path:
            if strictly_equal(_without(old.data, path), _without(new.data, path)):
                return True
    return False


def _without(data, path: tuple):
    """``data`` with the node at ``path`` left out (copying only along the path)."""
    if not path or not isinstance(data, dict) or path[0] not in data:
        return data
    copy = dict(data)
    if len(path) == 1:
        del copy[path[0]]
        return copy
    inner = data[path[0]]
    if isinstance(inner, list) and isinstance(path[1], int) and 0 <= path[1] < len(inner):
        items = list(inner)
        items[path[1]] = _without(items[path[1]], path[2:]) if len(path) > 2 else None
        copy[path[0]] = items
    else:
        copy[path[0]] = _without(inner, path[1:])
    return copy
