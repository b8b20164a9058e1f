"""Quoting conventions detected from the nodes a new value sits beside.

New text must quote its strings the way its neighbours do, as it already
indents the way they do (layout.py). A string under key K in an inserted
value takes the quote style that every existing scalar under K at the same
place in the sibling entries uses: the other items of the sequence an item is
appended to, or, for a key added to a mapping, the mappings at the same place
in the other items of the nearest enclosing sequence. Items appended to a
sequence of strings follow that sequence's items.

Only one shared style counts: with mixed styles, none, or a sibling that is
not a scalar, the string is emitted as before (plain where it can be, the
YAML 1.1 guard in render.py still quoting `yes` or `0755`). Plain siblings
change nothing either: a string that cannot be plain stays quoted. A
multi-line string keeps the default emission.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from .tree import Node, find_key

_QUOTED = {"'": SingleQuotedScalarString, '"': DoubleQuotedScalarString}


def _shared_style(siblings: Sequence[Node]) -> str | None:
    """The one style (None for plain) of ``siblings`` when they are all scalars written alike."""
    if not siblings or not all(isinstance(s, yaml.ScalarNode) for s in siblings):
        return None
    styles = {s.style or None for s in siblings}  # libyaml says '' for plain
    return styles.pop() if len(styles) == 1 else None


def _under(mappings: Sequence[Node], key: Any) -> list[Node]:
    """The values under ``key`` in those of ``mappings`` that are block or flow mappings and have it."""
    out = []
    for m in mappings:
        if isinstance(m, yaml.MappingNode):
            i = find_key(m, key)
            if i is not None:
                out.append(m.value[i][1])
    return out


def follow(value: Any, siblings: Sequence[Node]) -> Any:
    """``value`` with each string quoted as the nodes at its place among ``siblings`` are."""
    if isinstance(value, dict):
        return {k: follow(v, _under(siblings, k)) for k, v in value.items()}
    if isinstance(value, list):
        items = [i for s in siblings if isinstance(s, yaml.SequenceNode) for i in s.value]
        return [follow(v, items) for v in value]
    if type(value) is str and "\n" not in value:
        quoted = _QUOTED.get(_shared_style(siblings))  # type: ignore[arg-type]
        if quoted is not None:
            return quoted(value)
    return value


def peers(chain: list[Node], node: Node) -> list[Node]:
    """Nodes at the place of ``node`` in the other items of the nearest sequence enclosing it."""
    path = chain + [node]
    for depth in range(len(chain) - 1, -1, -1):
        if isinstance(chain[depth], yaml.SequenceNode):
            break
    else:
        return []
    seq, below = chain[depth], path[depth + 1 :]
    out = []
    for item in seq.value:
        if item is below[0]:
            continue
        found = _descend(item, below)
        if found is not None:
            out.append(found)
    return out


def _descend(item: Node, below: list[Node]) -> Node | None:
    """In ``item``, the node the keys leading from ``below[0]`` down to ``below[-1]`` lead to.
    (Below the nearest enclosing sequence there are only mappings on the way.)"""
    node = item
    for parent, child in zip(below, below[1:]):
        key = next((k for k, v in parent.value if v is child), None)
        if not isinstance(node, yaml.MappingNode) or not isinstance(key, yaml.ScalarNode):
            return None
        hit = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and (k.tag, k.value) == (key.tag, key.value)]
        if not hit:
            return None
        node = hit[-1]  # the last one wins, as in loading
    return node
