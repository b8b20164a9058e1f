"""Removing a mapping entry or a sequence item: its lines go, the rest is copied.

The entry's own comment lines go with it: the comment lines directly above it
(no blank line between) at exactly its indentation, which sit between the
previous entry and this one. A comment separated by a blank line, indented
differently (the previous entry's), or heading the document is kept. Where
the entry sat between two blank lines, one of them goes too.
"""

from __future__ import annotations

from .errors import YamlEditError, at_mark
from .site import Site, Splice, replace
from .splice import dash, set_node
from .textio import indent_of, line_start, next_line
from .tree import Node, find_key, node_end


def _line_before(text: str, start: int) -> str | None:
    """The line ending just before the line start ``start`` (None at the top of the file)."""
    return text[line_start(text, start - 1) : start - 1] if start > 0 else None


def own_comments(text: str, ls: int, col: int) -> int:
    """Start of the comment lines at column ``col`` directly above the line at ``ls``."""
    start = ls
    while (line := _line_before(text, start)) is not None and line.lstrip(" ").startswith("#"):
        if indent_of(line) != col:
            break
        start = line_start(text, start - 1)
    above = _line_before(text, start)
    if above is None or above.startswith(("---", "%")):
        return ls  # a comment heading the document is about the document
    return start


def remove_entry(text: str, first: int, end: int, next_start: int | None) -> Splice:
    ls = line_start(text, first)
    if text[ls:first].strip() == "":
        start, stop = own_comments(text, ls, first - ls), next_line(text, end)
        reads_to = stop
        if stop == len(text) and not text.endswith("\n") and start > 0:
            # the file has no final newline: keep it that way (blank lines before go too)
            while (above := _line_before(text, start)) is not None and not above.strip() and start > 1:
                start = line_start(text, start - 1)
            start -= 1
            reads_to = stop + 1  # it relied on nothing following: even an insertion at the end matters
        elif (above := _line_before(text, start)) is not None and not above.strip() and stop < len(text):
            # blank lines on both sides would leave two in a row: take the one below
            reads_to = next_line(text, stop)
            if not text[stop:reads_to].strip():
                stop = reads_to
        return Splice(start, stop, "", reads_to)
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
    return remove_entry(text, k.start_mark.index, max(node_end(k, text), node_end(v, text)), nxt)


def delete_item(site: Site, seq: Node, chain: list[Node], index: int) -> Splice:
    text = site.text
    if len(seq.value) == 1:
        return set_node(site, seq, chain, [])
    if seq.flow_style:
        raise at_mark("cannot delete an item from a flow-style sequence ([...]) safely", seq.start_mark)
    item = seq.value[index]
    nxt = dash(text, seq.value[index + 1]) if index + 1 < len(seq.value) else None
    return remove_entry(text, dash(text, item), node_end(item, text), nxt)
