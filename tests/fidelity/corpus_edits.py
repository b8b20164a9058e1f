"""The four probe edits Test B makes on each mapping-rooted corpus document.

Each probe returns the edit and the range of original lines it may change
(0-based, end exclusive), or None when the document has no suitable node.
"""

from __future__ import annotations

from typing import Any

import yaml

from patcher.edits import DeleteKey, InsertItem, InsertKey, SetValue

KEY = "patcherProbe"


def _walk(node: yaml.Node, path: tuple = ()):
    """(path, node, parent_node) in document order, block-style nodes only under keys we can address."""
    yield path, node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag.endswith(":str") and key.value != "<<":
                yield from _walk(value, path + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _walk(value, path + (i,))


def _get(data: Any, path: tuple) -> Any:
    for elem in path:
        data = data[elem]
    return data


def _last_line(node: yaml.Node) -> int:
    """Last line holding the node's content (collection end marks sit at the next token)."""
    if isinstance(node, yaml.CollectionNode) and node.value and not node.flow_style:
        last = node.value[-1]
        return _last_line(last[1] if isinstance(last, tuple) else last)
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _lines(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line, _last_line(node) + 1


def set_scalar(doc: int, root: yaml.Node, data: Any):
    for path, node in _walk(root):
        if path and isinstance(node, yaml.ScalarNode) and node.style not in ("|", ">"):
            old = _get(data, path)
            if isinstance(old, bool):
                new: Any = not old
            elif isinstance(old, int):
                new = old + 1
            elif isinstance(old, str):
                new = old + "-probe"
            else:
                new = "probe"
            return SetValue("f", doc, path, old, new), _lines(node)
    return None


def insert_key(doc: int, root: yaml.Node, data: Any):
    candidates = [(p, n) for p, n in _walk(root) if isinstance(n, yaml.MappingNode) and not n.flow_style]
    nested = [(p, n) for p, n in candidates if p] or candidates
    if not nested:
        return None
    path, node = nested[0]
    if KEY in _get(data, path):
        return None
    return InsertKey("f", doc, path, KEY, {"enabled": True, "items": ["a", "b"]}), _lines(node)


def append_item(doc: int, root: yaml.Node, data: Any):
    for path, node in _walk(root):
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and path:
            last = _get(data, path)[-1]
            value: Any = {"name": "probe", "port": 80} if isinstance(last, dict) else "probe"
            return InsertItem("f", doc, path, value), _lines(node)
    return None


def delete_key(doc: int, root: yaml.Node, data: Any):
    for path, node in _walk(root):
        if isinstance(node, yaml.MappingNode) and not node.flow_style and path and len(node.value) > 1:
            key, value = node.value[-1]
            if not (isinstance(key, yaml.ScalarNode) and key.tag.endswith(":str")):
                continue
            start, _ = _lines(key)
            _, end = _lines(value)
            return DeleteKey("f", doc, path, key.value, _get(data, path)[key.value]), (start, end)
    return None


PROBES = {"set-scalar": set_scalar, "insert-key": insert_key, "append-item": append_item, "delete-key": delete_key}


def deletion_lines(lines: list[str], lo: int, hi: int) -> tuple[int, int]:
    """The lines a deletion of lines [lo, hi) may also take: the entry's own comment lines
    directly above at its indentation (not a document's heading), and one of the blank
    lines it sat between."""
    col = len(lines[lo]) - len(lines[lo].lstrip(" "))
    start = lo
    while start > 0 and lines[start - 1].lstrip(" ").startswith("#") and len(lines[start - 1]) - len(lines[start - 1].lstrip(" ")) == col:
        start -= 1
    if start == 0 or lines[start - 1].startswith(("---", "%")):
        start = lo
    if start > 0 and not lines[start - 1].strip():
        # one blank line less reads as any one of the blank lines around deleted
        while hi < len(lines) and not lines[hi].strip():
            hi += 1
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    return start, hi
