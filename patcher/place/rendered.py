"""Changes to resources no file holds as written: rendered by Helm, or declared by an installer.

A change to a resource a chart of the repository renders goes where the chart's owner would
make it: the release's values when a values key carries the field (patcher.place.helm_values),
else a template edit exposing a new values key (patcher.place.helm_template); each is proven by
rendering again, or refused with the reason.
"""

from __future__ import annotations

from typing import Callable

from patcher.model import Model
from patcher.place.helm_template import place_in_template
from patcher.place.helm_values import NoValuesKey, place_in_values, probe_for
from patcher.place.result import Refused
from patcher.resources import Resource


def place_rendered(model: Model, resource: Resource, ops, document_edit: Callable) -> tuple:
    """``document_edit(file, doc, op, in_file)``: the edit of one operation in a YAML document."""
    src = resource.source
    if src.release:
        probe = probe_for(model, resource, ops)
        try:
            return place_in_values(model, resource, ops, probe, document_edit)
        except NoValuesKey as exc:
            return place_in_template(model, resource, ops, probe, str(exc))
    what = src.declared_by or src.file
    raise Refused(f"{resource.ref} is not written in the repository ({what})")
