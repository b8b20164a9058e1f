"""Changes to resources no file holds as written: rendered by Helm, or declared by an installer.

Until a values or template placement proves where the change lands, such a change is
refused with the reason (patcher.place.helm_values, patcher.place.argo_values fill this in).
"""

from __future__ import annotations

from patcher.model import Model
from patcher.place.result import Refused
from patcher.resources import Resource


def place_rendered(model: Model, resource: Resource, ops) -> tuple:
    src = resource.source
    if src.release:
        raise Refused(f"{resource.ref} is rendered by Helm release {src.release}: no values key or template "
                      "is known to carry the change")
    what = src.declared_by or src.file
    raise Refused(f"{resource.ref} is not written in the repository ({what})")
