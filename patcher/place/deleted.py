"""What else a deleted resource takes with it: the kustomization entries of a file it empties.

A file whose last document is deleted is removed (patcher.edits.DeleteDocument); a
kustomization that still listed it would no longer build, so its entry goes too.
"""

from __future__ import annotations

from patcher.edits import DeleteItem, Edit
from patcher.model import Model


def unlisted(model: Model, file: str) -> tuple[Edit, ...]:
    """The edits dropping ``file`` from every kustomization's ``resources`` when deleting one
    document leaves it empty (none while other documents stay in it)."""
    documents = [d for d in model.documents.get(file, []) if d.data is not None]
    if len(documents) != 1:
        return ()
    return tuple(DeleteItem(kust.file, 0, ("resources",), index, kust.data["resources"][index])
                 for kust in model.kustomizations for index, target in kust.entries() if target == file)
