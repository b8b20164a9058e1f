"""Moving a sequence item to another position with its text: the items between change places.

An item's text in a block sequence is what deleting it would take, blank lines
aside: its own comment lines (directly above its dash, at the dash's column),
its lines from the dash to the end of its value with their comments, and the
comment lines right after it indented deeper than its dash (they sit inside
it). In a flow sequence it is the item's node, from its first to its last
character. What lies between two items (blank lines, a comment at another
column, a flow sequence's commas) stays in place: the items are permuted
across those gaps, so a list whose items are separated by blank lines keeps
them, and nothing outside the first to the last item that change places is
touched. Items are moved within one sequence, so no indentation changes.

Refused (YamlEditError): an index out of range, a move to where the item is,
and a block item that shares its line with an enclosing `- ` (`- - a`).
"""

from __future__ import annotations

from typing import Any

import yaml

from patcher.edits import MoveItem

from . import data
from .errors import YamlEditError, at_mark
from .move import value_end
from .remove import own_comments
from .site import Site, Splice
from .splice import dash
from .textio import line_start
from .tree import Node, node_end, walk


def _block_span(text: str, item: Node) -> tuple[int, int]:
    d = dash(text, item)
    ls = line_start(text, d)
    if text[ls:d].strip():
        raise at_mark("cannot move an item that shares its line with an enclosing '- '", item.start_mark)
    col = d - ls
    return own_comments(text, ls, col), value_end(text, node_end(item, text), col)


def _flow_span(text: str, item: Node) -> tuple[int, int]:
    return item.start_mark.index, node_end(item, text)


def move_item(site: Site, before: Any, edit: MoveItem) -> Splice:
    """The one splice that moves the item: from the first to the last item changing places."""
    text = site.text
    where = f"path {list(edit.path)}"
    seq, _ = walk(site.root, edit.path)
    if not isinstance(seq, yaml.SequenceNode):
        raise at_mark(f"{where}: expected a sequence, found a {seq.id}", seq.start_mark)
    n = len(seq.value)
    for name, i in (("index", edit.index), ("to", edit.to)):
        if not (isinstance(i, int) and 0 <= i < n):
            raise at_mark(f"{where}: {name} {i} out of range ({n} items)", seq.start_mark)
    if edit.index == edit.to:
        raise at_mark(f"{where}: item {edit.index} is already at {edit.to}", seq.start_mark)
    data.check_old(data.at(before, edit.path)[edit.index], edit.old, f"{where} item {edit.index}", seq)
    lo, hi = min(edit.index, edit.to), max(edit.index, edit.to)
    span = _flow_span if seq.flow_style else _block_span
    spans = [span(text, seq.value[k]) for k in range(lo, hi + 1)]
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            raise YamlEditError(f"{where}: two items' texts overlap (an unusual layout?); not moved")
    blocks = [text[s:e] for s, e in spans]
    gaps = [text[a[1]:b[0]] for a, b in zip(spans, spans[1:])]
    # a last item ending the file without a newline: every block ends with one, the region not
    unterminated = not seq.flow_style and not blocks[-1].endswith("\n")
    if unterminated:
        blocks[-1] += "\n"
    order = list(range(len(blocks)))
    order.insert(edit.to - lo, order.pop(edit.index - lo))
    region = blocks[order[0]] + "".join(gap + blocks[k] for gap, k in zip(gaps, order[1:]))
    if unterminated:
        region = region[:-1]
    start, end = spans[0][0], spans[-1][1]
    return Splice(start, end, region, end)
