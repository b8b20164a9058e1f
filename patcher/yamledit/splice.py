"""Each edit type as a splice of the LF text: located nodes in, new text out.

Only the characters of the addressed node (or the lines of the removed
entry, or the inserted lines) change; everything else is copied.
"""

from __future__ import annotations

from typing import Any

import yaml

from . import render
from .errors import YamlEditError, at_mark
from .layout import Layout, detect
from .textio import indent_of, is_blank_or_comment, line_end, line_start, next_line
from .tree import Node, find_key, in_flow, is_block, is_empty_plain, node_end

_FLOW_UNSAFE = set(",[]{}#&*!|>'\"%@`")


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _insert_lines(text: str, at: int, lines: str) -> str:
    """Insert newline-terminated ``lines`` at a line start, keeping a missing final newline."""
    if at == len(text) and text and not text.endswith("\n"):
        return text + "\n" + lines[:-1]
    return text[:at] + lines + text[at:]


def _colon_end(text: str, key: Node) -> int:
    colon = text.find(":", node_end(key, text))
    if colon < 0:
        raise at_mark("cannot find the ':' after this key", key.start_mark)
    return colon + 1


def _owning_key(chain: list[Node], node: Node) -> Node | None:
    """The key of ``node`` when its parent is a block mapping."""
    if chain and isinstance(chain[-1], yaml.MappingNode) and is_block(chain[-1]):
        for key, value in chain[-1].value:
            if value is node:
                return key
    return None


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


def set_node(text: str, root: Node, node: Node, chain: list[Node], new: Any) -> str:
    """Replace ``node`` (at the end of ``chain``) with the value ``new``."""
    layout = detect(root)
    flow = in_flow(chain)  # the node's surroundings, not the node itself
    start, end = node.start_mark.index, node_end(node, text)
    if flow and _needs_block(new):
        raise at_mark("cannot write a non-empty collection inside a flow-style collection", node.start_mark)
    if isinstance(node, yaml.ScalarNode) and not _needs_block(new) and not isinstance(new, (dict, list)):
        if is_empty_plain(node) and not flow:
            # `key:` with nothing after it: the empty scalar sits at the colon
            return _replace(text, start, end, " " + render.scalar(new, None, 0, layout))
        return _replace(text, start, end, _scalar_text(text, node, new, layout, flow))
    key = _owning_key(chain, node)
    same_kind = (isinstance(new, dict) and isinstance(node, yaml.MappingNode)) or (
        isinstance(new, list) and isinstance(node, yaml.SequenceNode)
    )
    if key is not None and not (same_kind and is_block(node) and _needs_block(new)):
        return _replace(text, _colon_end(text, key), end, render.after_key(new, key.start_mark.column, layout))
    if flow:
        return _replace(text, start, end, render.inline(new, 0, layout))
    return _replace(text, start, end, render.inline(new, node.start_mark.column, layout))


def _after_trailing_comments(text: str, pos: int, col: int) -> int:
    """Move past comment lines indented at least ``col`` (they belong to the block above)."""
    best, cur = pos, pos
    while cur < len(text):
        line = text[cur : line_end(text, cur)]
        if not is_blank_or_comment(line) or (line.strip() and indent_of(line) < col):
            break
        cur = next_line(text, cur)
        if line.strip():
            best = cur
    return best


def insert_key(text: str, root: Node, mapping: Node, chain: list[Node], key: str, value: Any, after: str | None) -> str:
    if find_key(mapping, key) is not None:
        raise at_mark(f"key {key!r} already exists in this mapping", mapping.start_mark)
    if mapping.flow_style:
        if mapping.value:
            raise at_mark("cannot insert a key into a non-empty flow-style mapping ({...}) safely", mapping.start_mark)
        return set_node(text, root, mapping, chain, {key: value})
    col = mapping.value[0][0].start_mark.column
    anchor = find_key(mapping, after) if after is not None else None
    last = anchor is None or anchor == len(mapping.value) - 1
    k, v = mapping.value[-1 if anchor is None else anchor]
    at = next_line(text, max(node_end(k, text), node_end(v, text)))
    if last:
        at = _after_trailing_comments(text, at, col)
    return _insert_lines(text, at, render.entry(key, value, col, detect(root)))


def _remove_entry(text: str, first: int, end: int, next_start: int | None) -> str:
    ls = line_start(text, first)
    if text[ls:first].strip() == "":
        stop = next_line(text, end)
        if stop == len(text) and not text.endswith("\n") and ls > 0:
            ls -= 1  # the file has no final newline: keep it that way
        return _replace(text, ls, stop, "")
    if next_start is None:
        raise YamlEditError("cannot remove an entry that shares its line with an enclosing '- '")
    # the entry shares its line with a `- ` of an enclosing sequence: pull the next one up
    return _replace(text, first, next_start, "")


def delete_key(text: str, root: Node, mapping: Node, chain: list[Node], key: str) -> str:
    i = find_key(mapping, key)
    if i is None:
        raise at_mark(f"path not found: key {key!r} missing in this mapping", mapping.start_mark)
    if len(mapping.value) == 1:
        return set_node(text, root, mapping, chain, {})
    if mapping.flow_style:
        raise at_mark("cannot delete a key from a flow-style mapping ({...}) safely", mapping.start_mark)
    k, v = mapping.value[i]
    nxt = mapping.value[i + 1][0].start_mark.index if i + 1 < len(mapping.value) else None
    return _remove_entry(text, k.start_mark.index, max(node_end(k, text), node_end(v, text)), nxt)


def _dash(text: str, item: Node) -> int:
    i = item.start_mark.index - 1
    while i >= 0 and text[i] in " \n":
        i -= 1
    if i < 0 or text[i] != "-":
        raise at_mark("cannot find the '-' of this sequence item", item.start_mark)
    return i


def insert_item(text: str, root: Node, seq: Node, chain: list[Node], value: Any, index: int | None) -> str:
    if seq.flow_style:
        if seq.value:
            raise at_mark("cannot insert an item into a non-empty flow-style sequence ([...]) safely", seq.start_mark)
        return set_node(text, root, seq, chain, [value])
    n = len(seq.value)
    if index is not None and not 0 <= index <= n:
        raise at_mark(f"index {index} out of range for a sequence of {n} items", seq.start_mark)
    key = _owning_key(chain, seq)
    layout = detect(root, (key, seq) if key is not None else None)
    col = seq.start_mark.column
    new = render.item(value, col, layout)
    if index is None or index == n:
        at = next_line(text, node_end(seq.value[-1], text))
        return _insert_lines(text, _after_trailing_comments(text, at, col), new)
    dash = _dash(text, seq.value[index])
    at = line_start(text, dash)
    if text[at:dash].strip():
        raise at_mark("cannot insert before an item that shares its line with an enclosing '- '", seq.start_mark)
    return _insert_lines(text, at, new)


def delete_item(text: str, root: Node, seq: Node, chain: list[Node], index: int) -> str:
    if len(seq.value) == 1:
        return set_node(text, root, seq, chain, [])
    if seq.flow_style:
        raise at_mark("cannot delete an item from a flow-style sequence ([...]) safely", seq.start_mark)
    item = seq.value[index]
    nxt = _dash(text, seq.value[index + 1]) if index + 1 < len(seq.value) else None
    return _remove_entry(text, _dash(text, item), node_end(item, text), nxt)
