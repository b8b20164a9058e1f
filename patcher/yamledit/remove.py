"""Removing a mapping entry or a sequence item: its lines go, the rest is copied."""

from __future__ import annotations

from .errors import YamlEditError, at_mark
from .splice import Site, Splice, dash, replace, set_node
from .textio import line_start, next_line
from .tree import Node, find_key, node_end


def _remove_entry(text: str, first: int, end: int, next_start: int | None) -> Splice:
    ls = line_start(text, first)
    if text[ls:first].strip() == "":
        stop = next_line(text, end)
        if stop == len(text) and not text.endswith("\n") and ls > 0:
            ls -= 1  # the file has no final newline: keep it that way
        return replace(ls, stop, "")
    if next_start is None:
        raise YamlEditError("cannot remove an entry that shares its line with an enclosing '- '")
    # the entry shares its line with a `- ` of an enclosing sequence: pull the next one up
    return replace(first, next_start, "")


def delete_key(site: Site, mapping: Node, chain: list[Node], key: str) -> Splice:
    text = site.text
    i = find_key(mapping, key)
    if i is None:
        raise at_mark(f"path not found: key {key!r} missing in this mapping", mapping.start_mark)
    if len(mapping.value) == 1:
        return set_node(site, mapping, chain, {})
    if mapping.flow_style:
        raise at_mark("cannot delete a key from a flow-style mapping ({...}) safely", mapping.start_mark)
    k, v = mapping.value[i]
    nxt = mapping.value[i + 1][0].start_mark.index if i + 1 < len(mapping.value) else None
    return _remove_entry(text, k.start_mark.index, max(node_end(k, text), node_end(v, text)), nxt)


def delete_item(site: Site, seq: Node, chain: list[Node], index: int) -> Splice:
    text = site.text
    if len(seq.value) == 1:
        return set_node(site, seq, chain, [])
    if seq.flow_style:
        raise at_mark("cannot delete an item from a flow-style sequence ([...]) safely", seq.start_mark)
    item = seq.value[index]
    nxt = dash(text, seq.value[index + 1]) if index + 1 < len(seq.value) else None
    return _remove_entry(text, dash(text, item), node_end(item, text), nxt)
