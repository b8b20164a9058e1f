"""Where a generated resource goes: a file an entry point deploys into its namespace."""

from __future__ import annotations

from patcher.edits import AddDocument
from patcher.intent.changes import Create
from patcher.model import Model
from patcher.outputs import placed, register
from patcher.place.result import Placed


def place_create(model: Model, create: Create) -> Placed:
    path, undeployed = placed(model, create.output, create.default, create.namespace)
    edits = (AddDocument(path, create.text),) + tuple(register(model, path))
    return Placed(edits, downgrade=undeployed, where=path)
