"""Jinja2 templates from the project's templates/ folder: every generated file and text.

An installed wheel carries that folder as patcher/templates (see setup.py); a
checkout or an editable install reads it where it is, beside the package.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from patcher.yamledit.plain import can_be_plain

CHECKOUT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _loader() -> jinja2.BaseLoader:
    try:
        return jinja2.PackageLoader("patcher", "templates")
    except ValueError:  # not installed from a wheel: no patcher/templates
        return jinja2.FileSystemLoader(str(CHECKOUT_TEMPLATES))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["to_yaml"] = to_yaml
    return env


def to_yaml(value: Any) -> str:
    """Block YAML for plain data inside a template (no trailing newline).

    Written by hand rather than with a YAML library's emitter: generated policy
    is small, regular data (mappings, lists, strings, numbers), and building an
    emitter per document cost more than all the analysis. Strings that YAML
    1.1, YAML 1.2 or go-yaml would read as anything but that string are
    double-quoted (JSON syntax; yamledit/plain.py says which). A float always
    has a dot before its exponent, which YAML 1.1 needs to read it as a float.
    """
    return "\n".join(_block(value, 0))


_PLAIN = re.compile(r"^[A-Za-z0-9_/.$(][A-Za-z0-9_/.$(),=+ -]*$")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, int):
        return json.dumps(value)
    return _string(str(value))


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    mantissa, e, exponent = repr(value).partition("e")
    return mantissa + ("" if "." in mantissa or not e else ".0") + e + exponent


@lru_cache(maxsize=4096)
def _string(text: str) -> str:
    """A string as a scalar; generated policy repeats the same few strings many times."""
    plain = _PLAIN.match(text) and not text.endswith(" ") and can_be_plain(text)
    return text if plain else json.dumps(text, ensure_ascii=False)


def _block(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        lines = []
        for key, item in value.items():
            head = f"{pad}{_scalar(key)}:"
            if isinstance(item, (dict, list)) and item:
                lines.append(head)
                lines += _block(item, indent + 2)
            else:
                lines.append(f"{head} {_inline(item)}")
        return lines
    if isinstance(value, list):
        if not value:
            return [pad + "[]"]
        lines = []
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _block(item, indent + 2)
                lines.append(f"{pad}- {inner[0][indent + 2:]}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {_inline(item)}")
        return lines
    return [pad + _scalar(value)]


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


FILTERS: dict[str, Any] = {}  # filters a renderer adds for its own templates (register_filters)


def register_filters(**filters: Any) -> None:
    FILTERS.update(filters)
    for env in (_environment(), _html_environment()):
        env.filters.update(filters)


def render_template(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


@lru_cache(maxsize=1)
def _html_environment() -> jinja2.Environment:
    # a page shows file contents (names, messages, routes): every value is escaped unless marked safe
    env = jinja2.Environment(loader=_loader(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, autoescape=True)
    return env


def render_html_template(template: str, **context: Any) -> str:
    return _html_environment().get_template(template).render(**context)
