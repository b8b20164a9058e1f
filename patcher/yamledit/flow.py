"""Adding to a non-empty flow collection by rewriting it, only it, as a block.

Splicing a new entry inside `{...}` or `[...]` would need flow-context quoting
and line-width choices of its own; a block collection at the right column is
what the rest of the editor already writes well. The existing entries' source
text is copied, so scalars keep their quoting and nested flow collections stay
as written. Refused (YamlEditError): a flow collection inside another one, one
spread over several lines (comments or wrapped entries could be lost), one
that is neither a block sequence item nor a block mapping value, and aliases.
"""

from __future__ import annotations

from typing import Any

import yaml

from . import render
from .errors import at_mark
from .site import Site, Splice, colon_end, owning_key, replace
from .tree import Node, in_flow, is_block, node_end


def _source(text: str, node: Node) -> str:
    return text[node.start_mark.index : node_end(node, text)]


def _entries(text: str, coll: Node) -> list[str]:
    """Each entry's line (`key: value` or `- item`) from its source text."""
    nodes = [n for pair in coll.value for n in pair] if isinstance(coll, yaml.MappingNode) else list(coll.value)
    last = coll.start_mark.index
    for node in nodes:
        if node.start_mark.index < last:  # an alias: its marks are its anchor's
            raise at_mark("cannot rewrite a flow-style collection holding an alias safely", node.start_mark)
        last = node_end(node, text)
    if isinstance(coll, yaml.SequenceNode):
        return ["- " + _source(text, item) for item in coll.value]
    lines = []
    for key, value in coll.value:
        if not isinstance(key, yaml.ScalarNode):
            raise at_mark("cannot rewrite a flow-style mapping with a complex key safely", key.start_mark)
        v = _source(text, value)
        lines.append(f"{_source(text, key)}: {v}" if v else f"{_source(text, key)}:")
    return lines


def _where(site: Site, coll: Node, chain: list[Node]) -> tuple[int, int, bool]:
    """Column of the block's entries, where the splice starts, and whether the
    first entry continues the line (after a `- `) or starts a new one (after `key:`)."""
    if in_flow(chain):
        raise at_mark("cannot add to a flow-style collection nested in another flow collection safely", coll.start_mark)
    if "\n" in _source(site.text, coll):
        raise at_mark("cannot add to a flow-style collection spread over several lines safely", coll.start_mark)
    key = owning_key(chain, coll)
    if key is not None:
        step = site.layout.seq_offset if isinstance(coll, yaml.SequenceNode) else site.layout.map_step
        return key.start_mark.column + step, colon_end(site.text, key), False
    if chain and isinstance(chain[-1], yaml.SequenceNode) and is_block(chain[-1]):
        return coll.start_mark.column, coll.start_mark.index, True
    raise at_mark("cannot add to a flow-style collection outside a block sequence or mapping safely", coll.start_mark)


def _rewrite(site: Site, coll: Node, chain: list[Node], at: int, new: Any) -> Splice:
    col, start, on_dash_line = _where(site, coll, chain)
    pad = " " * col
    lines = [pad + line for line in _entries(site.text, coll)]
    if isinstance(coll, yaml.SequenceNode):
        lines.insert(at, render.item(new, col, site.layout).rstrip("\n"))
    else:
        lines.insert(at, render.entry(new[0], new[1], col, site.layout).rstrip("\n"))
    block = "\n".join(lines)
    block = block[col:] if on_dash_line else "\n" + block
    return replace(start, node_end(coll, site.text), block)


def add_key(site: Site, mapping: Node, chain: list[Node], key: str, value: Any, anchor: int | None) -> Splice:
    """``mapping`` as a block with ``key: value`` after entry ``anchor`` (None: at the end)."""
    at = len(mapping.value) if anchor is None else anchor + 1
    return _rewrite(site, mapping, chain, at, (key, value))


def add_item(site: Site, seq: Node, chain: list[Node], value: Any, index: int | None) -> Splice:
    """``seq`` as a block with ``value`` before item ``index`` (None: at the end)."""
    if index is not None and not 0 <= index <= len(seq.value):
        raise at_mark(f"index {index} out of range for a sequence of {len(seq.value)} items", seq.start_mark)
    return _rewrite(site, seq, chain, len(seq.value) if index is None else index, value)
