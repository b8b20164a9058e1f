"""Applying a file's edits: order them back to front, splice, verify.

All edits address the file as it was before any of them. Applying them from
the end of the file backwards keeps every later-applied address valid: an
edit never moves text that lies before it. So the file is parsed once, every
edit is spliced at the original node marks and the result is verified once
(batch.py). When the edits interact in a way that shortcut cannot reproduce,
the call falls back to the per-edit path here: re-parse, splice and verify
after each edit. MoveKey edits always take the per-edit path, those between
the same two mappings as one step (move.py); so do MoveItem edits (move_item.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from patcher.edits import DeleteDocument, MoveItem, MoveKey, YamlEdit

from . import batch, data, move, move_item
from .documents import delete_document
from .errors import YamlEditError
from .ops import check_old, position, splice_for
from .site import Site
from .textio import unwrap, wrap
from .tree import compose, construct, content, document, documents, has_merge_keys


def read_roundtrip(text: str) -> str:
    """What writing an unedited file produces: the same text, by construction."""
    body, envelope = unwrap(text)
    return wrap(body, envelope)


def apply_yaml_edits(text: str, edits: Sequence[YamlEdit]) -> str:
    body, envelope = unwrap(text)
    ordered = list(edits)
    if not ordered:
        return text
    roots = compose(body)
    # stable: edits at the same spot are applied in the order given
    ordered.sort(key=lambda e: position(body, roots, e), reverse=True)
    moves = any(isinstance(e, (MoveKey, MoveItem)) for e in ordered)
    new = None if moves else batch.apply_all(body, roots, ordered)
    if new is None:
        for step in _steps(ordered):
            body = _apply_step(body, step)
        new = body
    return wrap(new, envelope)


def _steps(ordered: list[YamlEdit]) -> list[list[YamlEdit]]:
    """One edit per step, except moves between the same two mappings: one step, where the
    first of them comes (they must be inserted together to keep their order)."""
    steps: list[list[YamlEdit]] = []
    groups: dict[tuple, list[YamlEdit]] = {}
    for edit in ordered:
        if isinstance(edit, MoveKey):
            group = (edit.doc, edit.path, edit.to_path)
            if group in groups:
                groups[group].append(edit)
                continue
            groups[group] = [edit]
            steps.append(groups[group])
        else:
            steps.append([edit])
    return steps


def _apply_step(text: str, step: list[YamlEdit]) -> str:
    edit = step[0]
    if isinstance(edit, DeleteDocument):
        docs = documents(text)
        document(docs, edit.doc)
        check_old(construct(docs[edit.doc].root), edit.old, f"document {edit.doc}", docs[edit.doc].root)
        new = delete_document(text, docs, edit.doc)
        # rare enough to afford constructing the whole stream twice
        want = data.expected([construct(r) for r in compose(text)], edit)
        _require(data.same([construct(r) for r in compose(new)], want), edit)
        return new
    roots = compose(text)
    root = document(roots, edit.doc)
    before = construct(compose(text)[edit.doc] if has_merge_keys(text) else root)
    if isinstance(edit, MoveKey):
        new = batch.assemble(text, move.move_keys(Site(text, root), before, step))  # type: ignore[arg-type]
    elif isinstance(edit, MoveItem):
        new = move_item.move_item(Site(text, root), before, edit).apply(text)
    else:
        new = splice_for(Site(text, root), before, edit)[0].apply(text)
    _verify(text, roots, before, new, step)
    return new


def _verify(old: str, old_roots: list, before: Any, new: str, step: list[YamlEdit]) -> None:
    """The spliced text must read as the old data plus exactly the declared change.

    Other documents are compared by their text (a splice inside one document
    leaves the others' characters alone, so same text means same data):
    constructing every document of a long stream per edit would be quadratic.
    """
    try:
        new_roots = compose(new)
    except YamlEditError as exc:
        raise YamlEditError(f"{_label(step[0])}: the result does not parse: {exc.message}") from exc
    edit = step[0]
    i = edit.doc
    others_old = [content(old, r) for j, r in enumerate(old_roots) if j != i]
    others_new = [content(new, r) for j, r in enumerate(new_roots) if j != i]
    ok = len(old_roots) == len(new_roots) and others_old == others_new
    if ok:
        want = data.expected([before], *[dataclasses.replace(e, doc=0) for e in step])[0]
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
