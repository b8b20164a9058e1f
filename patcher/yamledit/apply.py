"""Applying a file's edits: order them, splice each, verify each.

All edits address the file as it was before any of them. Applying them from
the end of the file backwards keeps every later-applied address valid: an
edit never moves text that lies before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import yaml

from patcher.edits import DeleteDocument, DeleteItem, DeleteKey, InsertItem, InsertKey, SetValue, YamlEdit

from . import data, splice
from .documents import delete_document
from .errors import YamlEditError, at_mark
from .textio import unwrap, wrap
from .tree import compose, construct, content, document, documents, has_merge_keys, node_end, walk


def read_roundtrip(text: str) -> str:
    """What writing an unedited file produces: the same text, by construction."""
    body, envelope = unwrap(text)
    return wrap(body, envelope)


def apply_yaml_edits(text: str, edits: Sequence[YamlEdit]) -> str:
    body, envelope = unwrap(text)
    ordered = list(edits)
    if len(ordered) > 1:
        roots = compose(body)
        ordered.sort(key=lambda e: _position(body, roots, e), reverse=True)
    for edit in ordered:
        body = _apply_one(body, edit)
    return wrap(body, envelope)


def _position(text: str, roots: list, edit: YamlEdit) -> tuple[int, int, int]:
    """Where in the original text an edit acts, for back-to-front ordering."""
    root = document(roots, edit.doc)
    if isinstance(edit, DeleteDocument):
        return (edit.doc, -1, 0)
    node, _ = walk(root, edit.path)
    if isinstance(edit, InsertKey) and isinstance(node, yaml.MappingNode):
        return (edit.doc, node_end(node, text), 0)
    if isinstance(edit, (DeleteKey,)) and isinstance(node, yaml.MappingNode):
        pair = [k for k, _ in node.value if k.value == edit.key]
        return (edit.doc, pair[0].start_mark.index if pair else node.start_mark.index, 1)
    if isinstance(edit, (InsertItem, DeleteItem)) and isinstance(node, yaml.SequenceNode):
        index = edit.index if edit.index is not None else len(node.value)
        if index < len(node.value):
            # at the same item a deletion goes first, so the insertion lands before its successor
            return (edit.doc, node.value[index].start_mark.index, 1 if isinstance(edit, DeleteItem) else 0)
        return (edit.doc, node_end(node, text), 0)
    return (edit.doc, node.start_mark.index, 0)


def _check_old(actual: Any, old: Any, what: str, node) -> None:
    if not data.same(actual, old):
        raise at_mark(f"{what}: old value mismatch: expected {old!r}, found {actual!r}", node.start_mark)


def _apply_one(text: str, edit: YamlEdit) -> str:
    if isinstance(edit, DeleteDocument):
        docs = documents(text)
        document(docs, edit.doc)
        _check_old(construct(docs[edit.doc].root), edit.old, f"document {edit.doc}", docs[edit.doc].root)
        new = delete_document(text, docs, edit.doc)
        # rare enough to afford constructing the whole stream twice
        want = data.expected([construct(r) for r in compose(text)], edit)
        _require(data.same([construct(r) for r in compose(new)], want), edit)
        return new
    roots = compose(text)
    root = document(roots, edit.doc)
    before = construct(compose(text)[edit.doc] if has_merge_keys(text) else root)
    new = _apply_in_document(text, root, before, edit)
    _verify(text, roots, before, new, edit)
    return new


def _child(value: Any, path: tuple) -> Any:
    for elem in path:
        value = value[elem]
    return value


def _apply_in_document(text: str, root, before: Any, edit: YamlEdit) -> str:
    node, chain = walk(root, edit.path)
    target = _child(before, edit.path)
    where = f"path {list(edit.path)}"
    if isinstance(edit, SetValue):
        _check_old(target, edit.old, where, node)
        return splice.set_node(text, root, node, chain, edit.new)
    if isinstance(edit, (InsertKey, DeleteKey)):
        if not isinstance(node, yaml.MappingNode):
            raise at_mark(f"{where}: expected a mapping, found a {node.id}", node.start_mark)
        if isinstance(edit, InsertKey):
            return splice.insert_key(text, root, node, chain, edit.key, edit.value, edit.after)
        if edit.key not in target:
            raise at_mark(f"{where}: key {edit.key!r} not found", node.start_mark)
        _check_old(target[edit.key], edit.old, f"{where} key {edit.key!r}", node)
        return splice.delete_key(text, root, node, chain, edit.key)
    if not isinstance(node, yaml.SequenceNode):
        raise at_mark(f"{where}: expected a sequence, found a {node.id}", node.start_mark)
    if isinstance(edit, InsertItem):
        return splice.insert_item(text, root, node, chain, edit.value, edit.index)
    if not 0 <= edit.index < len(node.value):
        raise at_mark(f"{where}: index {edit.index} out of range ({len(node.value)} items)", node.start_mark)
    _check_old(target[edit.index], edit.old, f"{where} item {edit.index}", node)
    return splice.delete_item(text, root, node, chain, edit.index)


def _verify(old: str, old_roots: list, before: Any, new: str, edit: YamlEdit) -> None:
    """The spliced text must read as the old data plus exactly the declared change.

    Other documents are compared by their text (a splice inside one document
    leaves the others' characters alone, so same text means same data):
    constructing every document of a long stream per edit would be quadratic.
    """
    try:
        new_roots = compose(new)
    except YamlEditError as exc:
        raise YamlEditError(f"{_label(edit)}: the result does not parse: {exc.message}") from exc
    i = edit.doc
    others_old = [content(old, r) for j, r in enumerate(old_roots) if j != i]
    others_new = [content(new, r) for j, r in enumerate(new_roots) if j != i]
    ok = len(old_roots) == len(new_roots) and others_old == others_new
    if ok:
        want = data.expected([before], dataclasses.replace(edit, doc=0))[0]
        ok = data.same(construct(new_roots[i]), want)
    _require(ok, edit)


def _label(edit: YamlEdit) -> str:
    return f"{type(edit).__name__} on document {edit.doc} path {list(getattr(edit, 'path', ()))}"


def _require(ok: bool, edit: YamlEdit) -> None:
    if not ok:
        raise YamlEditError(
            f"{_label(edit)}: the spliced text does not read back as exactly the declared change "
            "(anchors, merge keys or an unusual layout?); not applied"
        )
