"""Finding the resource a change addresses in a model."""

from __future__ import annotations

from patcher.intent.changes import ResourceRef
from patcher.model import Model
from patcher.resources import Resource


def find_resource(model: Model, target: ResourceRef) -> Resource | None:
    """The resource of that identity read from that document (variants share an identity);
    None when the model has no such resource."""
    for resource in model.own_defect_resources:
        if (resource.kind == target.kind and resource.name == target.name
                and resource.namespace == target.namespace and resource.api_version == target.api_version
                and resource.source.file == target.file and resource.source.doc == target.doc):
            return resource
    return None
