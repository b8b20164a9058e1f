"""Finding the resource a change addresses in a model."""

from __future__ import annotations

from patcher.intent.changes import ResourceRef
from patcher.model import Model
from patcher.resources import Resource


def find_resource(model: Model, target: ResourceRef) -> Resource | None:
    """The resource of that identity read from that document (variants share an identity);
    None when the model has no such resource."""
    return model.find(target.kind, target.name, target.namespace, target.api_version, target.file, target.doc)
