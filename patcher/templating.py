"""Jinja2 templates from the project's templates/ folder: every generated file and text."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from patcher.yamledit.layout import Layout
from patcher.yamledit.render import dump

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["to_yaml"] = to_yaml
    return env


def to_yaml(value: Any) -> str:
    """Block YAML for a value inside a template (no trailing newline)."""
    return "\n".join(dump(value, Layout()))


def render_template(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)
