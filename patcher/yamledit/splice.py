"""Each insertion and replacement as a splice of the LF text: located nodes in, a Splice out.

Only the characters of the addressed node (or the inserted lines) change;
everything else is copied. A splice is computed against one text and says
how far it read that text, so that several splices computed against the same
original can be checked for independence and applied together (batch.py).
"""

from __future__ import annotations

from typing import Any

import yaml

from . import flow, quoting, render
from .data import same
from .errors import at_mark
from .layout import Layout, prefer_sequence
from .site import Site, Splice, colon_end, owning_key, replace
from .textio import indent_of, is_blank_or_comment, line_end, line_start, next_line
from .tree import Node, construct, find_key, in_flow, is_block, is_empty_plain, node_end

_FLOW_UNSAFE = set(",[]{}#&*!|>'\"%@`")


def _insert_lines(site: Site, at: int, lines: str, reads_to: int, peek: bool, scope: tuple, at_end: bool) -> Splice:
    """Insert newline-terminated ``lines`` at a line start, keeping a missing final newline."""
    text = site.text
    if at == len(text) and text and not text.endswith("\n"):
        lines = "\n" + lines[:-1]
    return Splice(at, at, lines, max(at, reads_to), peek, scope, at_end)


def _scope(chain: list[Node], node: Node) -> tuple[int, ...]:
    return tuple(id(n) for n in chain) + (id(node),)


def _needs_block(value: Any) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


def _scalar_text(text: str, node: Node, new: Any, layout: Layout, flow: bool) -> str:
    style = node.style or None  # libyaml says '' for plain
    if flow and isinstance(new, str) and style is None and (_FLOW_UNSAFE & set(new) or ": " in new):
        style = '"'
    if style in ("|", ">"):
        body = text[next_line(text, node.start_mark.index) : node.end_mark.index]
        content = [l for l in body.split("\n") if l.strip()]
        indent = indent_of(content[0]) if content else layout.map_step
    else:
        indent = indent_of(text[line_start(text, node.start_mark.index) :]) + layout.map_step
    return render.scalar(new, style, indent, layout)


def set_node(site: Site, node: Node, chain: list[Node], new: Any) -> Splice:
    """Replace ``node`` (at the end of ``chain``) with the value ``new``."""
    text, layout = site.text, site.layout
    flow = in_flow(chain)  # the node's surroundings, not the node itself
    start, end = node.start_mark.index, node_end(node, text)
    if flow and _needs_block(new):
        raise at_mark("cannot write a non-empty collection inside a flow-style collection", node.start_mark)
    if isinstance(node, yaml.ScalarNode) and not _needs_block(new) and not isinstance(new, (dict, list)):
        if same(construct(node), new):
            return replace(start, end, text[start:end])  # its value already: its text stays (plain.py)
        if is_empty_plain(node) and not flow:
            # `key:` with nothing after it: the empty scalar sits at the colon
            return replace(start, end, " " + render.scalar(new, None, 0, layout))
        return replace(start, end, _scalar_text(text, node, new, layout, flow))
    key = owning_key(chain, node)
    same_kind = (isinstance(new, dict) and isinstance(node, yaml.MappingNode)) or (
        isinstance(new, list) and isinstance(node, yaml.SequenceNode)
    )
    if key is not None and not (same_kind and is_block(node) and _needs_block(new)):
        return replace(colon_end(text, key), end, render.after_key(new, key.start_mark.column, layout))
    if flow:
        return replace(start, end, render.inline(new, 0, layout))
    return replace(start, end, render.inline(new, node.start_mark.column, layout))


def after_trailing_comments(text: str, pos: int, col: int) -> tuple[int, int]:
    """Move past comment lines indented at least ``col`` (they belong to the block above).

    Returns that position and the start of the line where the scan stopped.
    """
    best, cur = pos, pos
    while cur < len(text):
        line = text[cur : line_end(text, cur)]
        if not is_blank_or_comment(line) or (line.strip() and indent_of(line) < col):
            break
        cur = next_line(text, cur)
        if line.strip():
            best = cur
    return best, cur


def insert_key(site: Site, mapping: Node, chain: list[Node], key: str, value: Any, after: str | None) -> Splice:
    text = site.text
    if find_key(mapping, key) is not None:
        raise at_mark(f"key {key!r} already exists in this mapping", mapping.start_mark)
    value = quoting.follow({key: value}, quoting.peers(chain, mapping))[key]
    anchor = find_key(mapping, after) if after is not None else None
    if mapping.flow_style:
        if mapping.value:
            return flow.add_key(site, mapping, chain, key, value, anchor)
        return set_node(site, mapping, chain, {key: value})
    col = mapping.value[0][0].start_mark.column
    last = anchor is None or anchor == len(mapping.value) - 1
    k, v = mapping.value[-1 if anchor is None else anchor]
    at = next_line(text, max(node_end(k, text), node_end(v, text)))
    stop, peek = at, False
    if last:
        (at, stop), peek = after_trailing_comments(text, at, col), True
    new = render.entry(key, value, col, site.layout)
    return _insert_lines(site, at, new, stop, peek, _scope(chain, mapping), last)


def dash(text: str, item: Node) -> int:
    i = item.start_mark.index - 1
    while i >= 0 and text[i] in " \n":
        i -= 1
    if i < 0 or text[i] != "-":
        raise at_mark("cannot find the '-' of this sequence item", item.start_mark)
    return i


def insert_item(site: Site, seq: Node, chain: list[Node], value: Any, index: int | None) -> Splice:
    text = site.text
    value = quoting.follow(value, seq.value)
    if seq.flow_style:
        if seq.value:
            return flow.add_item(site, seq, chain, value, index)
        return set_node(site, seq, chain, [value])
    n = len(seq.value)
    if index is not None and not 0 <= index <= n:
        raise at_mark(f"index {index} out of range for a sequence of {n} items", seq.start_mark)
    key = owning_key(chain, seq)
    layout = prefer_sequence(site.layout, key, seq) if key is not None else site.layout
    col = seq.start_mark.column
    new = render.item(value, col, layout)
    scope = _scope(chain, seq)
    if index is None or index == n:
        at, stop = after_trailing_comments(text, next_line(text, node_end(seq.value[-1], text)), col)
        return _insert_lines(site, at, new, stop, True, scope, True)
    d = dash(text, seq.value[index])
    at = line_start(text, d)
    if text[at:d].strip():
        raise at_mark("cannot insert before an item that shares its line with an enclosing '- '", seq.start_mark)
    return _insert_lines(site, at, new, d + 1, False, scope, False)
