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
from .tree import Document, compose, construct, document, node_end, regions, walk


def read_roundtrip(text: str) -> str:
    """What writing an unedited file produces: the same text, by construction."""
    body, envelope = unwrap(text)
    return wrap(body, envelope)


def apply_yaml_edits(text: str, edits: Sequence[YamlEdit]) -> str:
    body, envelope = unwrap(text)
    ordered = list(edits)
    if len(ordered) > 1:
        docs = compose(body)
        ordered.sort(key=lambda e: _position(body, docs, e), reverse=True)
    for edit in ordered:
        body = _apply_one(body, edit)
    return wrap(body, envelope)


def _position(text: str, docs: list[Document], edit: YamlEdit) -> tuple[int, int, int]:
    """Where in the original text an edit acts, for back-to-front ordering."""
    doc = document(docs, edit.doc)
    if isinstance(edit, DeleteDocument):
        return (edit.doc, -1, 0)
    node, _ = walk(doc.root, edit.path)
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
    docs = compose(text)
    doc = document(docs, edit.doc)
    if isinstance(edit, DeleteDocument):
        new = delete_document(text, docs, edit.doc)
        _check_old(construct(doc.root), edit.old, f"document {edit.doc}", doc.root)
    else:
        new = _apply_in_document(text, doc, edit)
    _verify(text, docs, new, edit)
    return new


def _child(value: Any, path: tuple) -> Any:
    for elem in path:
        value = value[elem]
    return value


def _apply_in_document(text: str, doc: Document, edit: YamlEdit) -> str:
    """Splice, then check ``old``: the check constructs data, which spoils the nodes."""
    node, chain = walk(doc.root, edit.path)
    where = f"path {list(edit.path)}"
    if isinstance(edit, SetValue):
        new = splice.set_node(text, doc.root, node, chain, edit.new)
        _check_old(_child(construct(doc.root), edit.path), edit.old, where, node)
        return new
    if isinstance(edit, (InsertKey, DeleteKey)):
        if not isinstance(node, yaml.MappingNode):
            raise at_mark(f"{where}: expected a mapping, found a {node.id}", node.start_mark)
        if isinstance(edit, InsertKey):
            return splice.insert_key(text, doc.root, node, chain, edit.key, edit.value, edit.after)
        new = splice.delete_key(text, doc.root, node, chain, edit.key)
        target = _child(construct(doc.root), edit.path)
        _check_old(target.get(edit.key), edit.old, f"{where} key {edit.key!r}", node)
        return new
    if not isinstance(node, yaml.SequenceNode):
        raise at_mark(f"{where}: expected a sequence, found a {node.id}", node.start_mark)
    if isinstance(edit, InsertItem):
        return splice.insert_item(text, doc.root, node, chain, edit.value, edit.index)
    if not 0 <= edit.index < len(node.value):
        raise at_mark(f"{where}: index {edit.index} out of range ({len(node.value)} items)", node.start_mark)
    new = splice.delete_item(text, doc.root, node, chain, edit.index)
    _check_old(_child(construct(doc.root), edit.path)[edit.index], edit.old, f"{where} item {edit.index}", node)
    return new


def _verify(old: str, old_docs: list[Document], new: str, edit: YamlEdit) -> None:
    """The spliced text must read as the old data plus exactly the declared change.

    Documents other than the edited one are checked by their text (a splice
    never moves them, so same text means same data); constructing every
    document of a long stream per edit would make multi-edit files quadratic.
    """
    label = f"{type(edit).__name__} on document {edit.doc} path {list(getattr(edit, 'path', ()))}"
    try:
        new_docs = compose(new)
    except YamlEditError as exc:
        raise YamlEditError(f"{label}: the result does not parse: {exc.message}") from exc
    before, after = regions(old, old_docs), regions(new, new_docs)
    if isinstance(edit, DeleteDocument):
        # rare enough to afford constructing the whole stream
        want = data.expected([construct(d.root) for d in compose(old)], edit)
        ok = data.same([construct(d.root) for d in new_docs], want)
    else:
        i = edit.doc
        ok = len(before) == len(after) and before[:i] == after[:i] and before[i + 1 :] == after[i + 1 :]
        if ok:
            want = data.expected([construct(compose(old)[i].root)], _in_first(edit))[0]
            ok = data.same(construct(new_docs[i].root), want)
    if not ok:
        raise YamlEditError(
            f"{label}: the spliced text does not read back as exactly the declared change "
            "(anchors, merge keys or an unusual layout?); not applied"
        )


def _in_first(edit: YamlEdit) -> YamlEdit:
    return dataclasses.replace(edit, doc=0)
