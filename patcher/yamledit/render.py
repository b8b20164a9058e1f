"""YAML text for new values, emitted by ruamel.yaml and placed at a column.

ruamel.yaml speaks YAML 1.2, patcher reads YAML 1.1 and Kubernetes reads
with go-yaml, so a string that any of them would read as something else
(`yes`, `0755`, `1:20`, `09`, `1e3`, `y`) is double-quoted before emitting
(plain.py says which, and why).
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from .layout import Layout
from .plain import can_be_plain


def _guard(value: Any) -> Any:
    if isinstance(value, dict):
        return {_guard(k): _guard(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_guard(v) for v in value]
    if type(value) is str and not can_be_plain(value):
        return DoubleQuotedScalarString(value)
    return value


def _emitter(layout: Layout) -> YAML:
    emitter = YAML(typ="rt")
    emitter.width = 1 << 30  # never fold: a folded line would need re-indenting
    emitter.allow_unicode = True
    emitter.default_flow_style = False
    emitter.indent(mapping=layout.map_step, sequence=layout.seq_offset + 2, offset=layout.seq_offset)
    return emitter


def dump(value: Any, layout: Layout) -> list[str]:
    """Lines (without newlines) of ``value`` as a block at column 0."""
    out = io.StringIO()
    _emitter(layout).dump(_guard(value), out)
    lines = out.getvalue().rstrip("\n").split("\n")
    if isinstance(value, list) and value:
        # a top-level sequence is emitted with its dash offset; drop it
        lines = [line[layout.seq_offset :] for line in lines]
    return lines


def _shift(lines: list[str], col: int, first: bool) -> str:
    pad = " " * col
    out = [(pad + l if (first or i) and l else l) for i, l in enumerate(lines)]
    return "\n".join(out)


def entry(key: Any, value: Any, col: int, layout: Layout) -> str:
    """`key: value` lines at column ``col``, newline-terminated."""
    return _shift(dump({key: value}, layout), col, True) + "\n"


def item(value: Any, dash_col: int, layout: Layout) -> str:
    """`- value` lines with the dash at ``dash_col``, newline-terminated."""
    return _shift(dump([value], layout), dash_col, True) + "\n"


def after_key(value: Any, key_col: int, layout: Layout) -> str:
    """What follows `key:` for ``value``: ` scalar`, or a newline and a block."""
    lines = dump({"k": value}, layout)
    lines[0] = lines[0][len("k:") :]
    return _shift(lines, key_col, False)


def inline(value: Any, col: int, layout: Layout) -> str:
    """``value`` whose first line continues at ``col`` (an item's or a block's start)."""
    if isinstance(value, (dict, list)) and value:
        return _shift(dump(value, layout), col, False)
    return after_key(value, col, layout).lstrip(" ")


def scalar(value: Any, style: str | None, content_indent: int, layout: Layout) -> str:
    """A scalar in the quoting ``style`` of the one it replaces, where possible."""
    if isinstance(value, str):
        multiline = "\n" in value
        if style in ("|", ">") and multiline:
            value = LiteralScalarString(value)
        elif style == "'" and not multiline:
            value = SingleQuotedScalarString(value)
        elif style == '"' or (style in ("|", ">") and not multiline):
            value = DoubleQuotedScalarString(value)
    elif value is None:
        return "null"  # ruamel would write nothing, which reads badly in a splice
    lines = dump({"k": value}, layout)
    lines[0] = lines[0][len("k: ") :]
    rest = [l[layout.map_step :] for l in lines[1:]]
    return "\n".join([lines[0]] + [(" " * content_indent + l if l else l) for l in rest])
