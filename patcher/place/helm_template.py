"""A change to a Helm-rendered resource no values key carries: a template edit (not yet)."""

from __future__ import annotations

from patcher.model import Model
from patcher.place.result import Refused
from patcher.resources import Resource


def place_in_template(model: Model, resource: Resource, ops, probe, why: str) -> tuple:
    raise Refused(f"{resource.ref} is rendered by Helm release {resource.source.release}: {why}")
