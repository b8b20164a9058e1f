"""Check a computed change before anything is written.

The parsed old and new documents are compared with deepdiff; every difference
must lie at or under a path some edit declared. A change anywhere else means
the text edit went wrong, and nothing is written.
"""

from __future__ import annotations

from typing import Callable, Sequence

from deepdiff import DeepDiff

from patcher.data_path import value_at
from patcher.edits import (YAML_EDITS, AddDocument, DeleteDocument, Edit, EditInline, ReplaceText, YamlPath,
                           edit_paths)
from patcher.resources import is_resource
from patcher.source import PatcherError
from patcher.validate import Validator
from patcher.verify.equal import strictly_equal
from patcher.yamlread import Document, read_documents


Parse = Callable[[str, str], list[Document]]


def verify_file(path: str, old: str | None, new: str | None, edits: Sequence[Edit],
                validator: Validator | None = None, parse: Parse | None = None) -> None:
    """Raise unless the new text differs from the old exactly where the edits say,
    and every resource the edits change or create passes its schema."""
    if not path.endswith((".yaml", ".yml")) and path.rsplit("/", 1)[-1] != "Kustomization":
        return
    parse = parse or (lambda name, text: read_documents(text, name))
    try:
        old_docs = [d.data for d in parse(path, old)] if old else []
    except PatcherError:
        if edits and all(isinstance(e, ReplaceText) for e in edits):
            return  # Go text that is not YAML (a Helm template): its placement proved the edit by rendering
        raise
    try:
        new_docs = [d.data for d in parse(path, new)] if new else []
    except PatcherError as exc:
        raise PatcherError(f"the fixed file would not parse: {exc.message}", path, exc.line,
                           exc.column, "this is a patcher bug; nothing was written") from None
    deleted = {e.doc for e in edits if isinstance(e, DeleteDocument)}
    kept = [d for i, d in enumerate(old_docs) if i not in deleted]
    added = sum(1 for e in edits if isinstance(e, AddDocument))
    if len(new_docs) != len(kept) + added:
        raise PatcherError(f"expected {len(kept) + added} documents after the fix, found {len(new_docs)}",
                           path, hint="this is a patcher bug; nothing was written")
    declared: dict[int, list[YamlPath]] = {}
    old_index = [i for i in range(len(old_docs)) if i not in deleted]
    for edit in edits:
        if isinstance(edit, YAML_EDITS) and not isinstance(edit, DeleteDocument):
            declared.setdefault(edit.doc, []).extend(edit_paths(edit))
        elif isinstance(edit, EditInline):  # the string holding the inner document changes
            declared.setdefault(edit.doc, []).append(tuple(edit.path))
    touched = [(None, doc) for doc in new_docs[len(kept):]]  # (the document before, after)
    for new_index, (before, after) in enumerate(zip(kept, new_docs)):
        allowed = declared.get(old_index[new_index], [])
        before = _opened(before, allowed)
        if strictly_equal(_masked(before, allowed), _masked(after, allowed)):
            if allowed and before != after:
                touched.append((kept[new_index], after))
            continue
        changes = _changed_paths(before, after)
        for changed in changes:
            if _replaced_text(edits, value_at(before, changed), value_at(after, changed)):
                continue  # a script held in YAML (a Taskfile's cmds): the text edit lands in that string
            if not any(changed[: len(p)] == p for p in allowed):
                shown = "/".join(str(k) for k in changed) or "(document root)"
                raise PatcherError(f"the fix would also change '{shown}', which it does not declare",
                                   path, hint="this is a patcher bug; nothing was written")
        if changes:
            touched.append((kept[new_index], after))
    blocks: dict[tuple, list[Edit]] = {}
    for edit in edits:
        if isinstance(edit, EditInline) and edit.doc in old_index:
            blocks.setdefault((edit.doc, tuple(edit.path)), []).extend(edit.edits)
    for (doc, block), inner in blocks.items():
        _verify_inline(path, old_docs[doc], new_docs[old_index.index(doc)], block, inner, parse)
    if validator is not None:
        for before, data in touched:
            _validate(validator, path, before, data)


def _verify_inline(path: str, before, after, block: tuple, inner: list[Edit], parse) -> None:
    """The document a values string holds is parsed too: it must differ exactly where the inner
    edits say, by the same check as a file's documents."""
    where = ".".join(str(p) for p in block)
    old, new = value_at(before, block), value_at(after, block)
    if not isinstance(old, str) or not isinstance(new, str):
        raise PatcherError(f"the fix edits the YAML held in {where}, which is not a string before and after",
                           path, hint="this is a patcher bug; nothing was written")
    try:
        verify_file(path, old, new, inner, None, parse)
    except PatcherError as exc:
        raise PatcherError(f"in the YAML held in {where}: {exc.message}", path, hint=exc.hint) from None


def _replaced_text(edits: Sequence[Edit], before, after) -> bool:
    """Whether a string changed only as a text edit of the file says (old replaced by new)."""
    return isinstance(before, str) and isinstance(after, str) and any(
        isinstance(e, ReplaceText) and e.old in before and before.replace(e.old, e.new) == after for e in edits)


def _validate(validator: Validator, path: str, before, data) -> None:
    """Refuse a fix that makes a resource fail its schema; errors it had already are not the fix's."""
    if not is_resource(data):
        return
    errors = validator.errors(data)
    if errors and is_resource(before):
        known = {(e.where, e.message) for e in validator.errors(before) or ()}
        errors = [e for e in errors if (e.where, e.message) not in known]
    if errors:
        meta = data["metadata"]
        name = f"{meta.get('namespace', '')}/{meta['name']}".lstrip("/")
        first = errors[0]
        raise PatcherError(f"the fixed {data['kind']} {name} would fail its schema at {first.where}: "
                           f"{first.message}", path, hint="the fix was not applied")

_HIDDEN = object()


def _opened(data, paths: list[YamlPath]):
    """``data`` with an empty mapping at every key a path runs through (not ends at) that a
    mapping lacks: the mapping a MoveKey creates. Its content is then judged key by key,
    as if it had been there empty (copying only along such paths)."""
    for path in paths:
        data = _open_one(data, path)
    return data


def _open_one(data, path: YamlPath):
    if len(path) < 2:
        return data
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        inner = data[head] if head in data else {}
        opened = _open_one(inner, rest)
        if head in data and opened is inner:
            return data
        copy = dict(data)
        copy[head] = opened
        return copy
    if isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data):
        opened = _open_one(data[head], rest)
        if opened is data[head]:
            return data
        copy = list(data)
        copy[head] = opened
        return copy
    return data


def _masked(data, paths: list[YamlPath]):
    """``data`` with the subtree at every path replaced by one marker (copying only along the paths).

    Two documents whose masked forms are equal differ at most under those paths:
    the same verdict deepdiff gives, at the cost of one comparison. Deepdiff is
    still what explains a difference when there is one.
    """
    for path in paths:
        data = _mask_one(data, path)
    return data


def _mask_one(data, path: YamlPath):
    if not path:
        return _HIDDEN
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and head in data:
        copy = dict(data)
        copy[head] = _mask_one(data[head], rest)
        return copy
    if isinstance(data, dict):
        copy = dict(data)
        copy[head] = _HIDDEN  # an inserted key: absent before, present after
        return copy
    if isinstance(data, list) and isinstance(head, int) and 0 <= head < len(data):
        copy = list(data)
        copy[head] = _mask_one(data[head], rest)
        return copy
    return data


def _changed_paths(before, after) -> list[tuple]:
    # threshold 0: name the keys changed inside a mapping, never the mapping as a whole
    diff = DeepDiff(before, after, view="tree", threshold_to_diff_deeper=0)
    paths = []
    for levels in diff.values():
        for level in levels:
            paths.append(tuple(level.path(output_format="list")))
    return paths
