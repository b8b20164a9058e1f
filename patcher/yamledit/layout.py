"""Indentation conventions detected from the document being edited.

New text must look like its neighbours: the mapping step and whether a
sequence's dashes sit under its key (`key:\n- a`) or indented
(`key:\n  - a`) are read from the existing document, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .tree import Node, is_block

DEFAULT_STEP = 2
DEFAULT_SEQ_OFFSET = 2


@dataclass(frozen=True)
class Layout:
    map_step: int = DEFAULT_STEP
    seq_offset: int = DEFAULT_SEQ_OFFSET  # dash column minus parent key column


def _nested_pairs(root: Node):
    """(key, value) pairs of block mappings whose value starts on a later line."""
    stack = [root]
    while stack:
        node = stack.pop()
        if not is_block(node):
            continue
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if is_block(value) and value.start_mark.line > key.start_mark.line:
                    yield key, value
            stack.extend(reversed([v for _, v in node.value]))
        else:
            stack.extend(reversed(node.value))


def detect(root: Node) -> Layout:
    """Layout of ``root``: the first nested mapping and sequence in document order decide."""
    step = offset = None
    for key, value in _nested_pairs(root):
        delta = value.start_mark.column - key.start_mark.column
        if isinstance(value, yaml.MappingNode) and step is None and delta > 0:
            step = delta
        if isinstance(value, yaml.SequenceNode) and offset is None and delta >= 0:
            offset = delta
        if step is not None and offset is not None:
            break
    return Layout(step or DEFAULT_STEP, DEFAULT_SEQ_OFFSET if offset is None else offset)


def prefer_sequence(layout: Layout, key: Node, seq: Node) -> Layout:
    """``layout`` with the dash offset of ``seq`` (under ``key``) when it has one:
    a new item must line up with its own siblings before the document's habit."""
    delta = seq.start_mark.column - key.start_mark.column
    return Layout(layout.map_step, delta) if delta >= 0 else layout
