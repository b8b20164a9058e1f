"""The one schema validator of a plan run, shared by the schema rule and verification.

A plan analyses the repository several times (the first pass, the derived
rules, every fix pass); building a validator per analysis compiled every
kind's schema again each time, and re-validated resources no fix had touched.
The run's validator keeps its compiled schemas and its results (keyed by the
resource's content) for the whole run, so each distinct resource is checked
once. Outside a plan (a rule called directly, as tests do) a fresh one is made.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

from patcher.validate import Validator, schema_location

_RUN: ContextVar[Validator | None] = ContextVar("patcher_run_validator", default=None)
_FIRST: ContextVar[dict | None] = ContextVar("patcher_run_first", default=None)


@contextmanager
def run_validator(validator: Validator) -> Iterator[Validator]:
    token, first = _RUN.set(validator), _FIRST.set({})
    try:
        yield validator
    finally:
        _FIRST.reset(first)
        _RUN.reset(token)


def first_pass(key: str, compute):
    """What ``compute`` gave the first time in this run: notes on the repository as read, which
    later passes (on fixed text, with created resources) must not restate with other counts."""
    told = _FIRST.get()
    if told is None:
        return compute()
    if key not in told:
        told[key] = compute()
    return told[key]


def validator_for(root: Path, location: str, kubernetes_version: str | None) -> Validator:
    """The run's validator when its settings are these, else a new one."""
    wanted = schema_location(root, location) or None
    current = _RUN.get()
    if current is not None and current.location == wanted and current.asked_version == (kubernetes_version or None):
        return current
    return Validator(wanted, kubernetes_version)
