"""The source strategy: a fix's changes become edits of the files that hold what they change."""

from __future__ import annotations

import dataclasses
from patcher import edits as E
from patcher.findings import Applicability, Finding, Fix
from patcher.intent import changes as C
from patcher.model import Model
from patcher.place.created import place_create
from patcher.place.deleted import unlisted
from patcher.place.inline_values import in_block, outside_note
from patcher.place.patched import patched_refusal
from patcher.place.rendered import place_rendered
from patcher.place.resolve import find_resource
from patcher.place.result import Placed, Refused


def place_finding(model: Model, finding: Finding) -> Finding:
    """The finding with its fix's edits placed from its changes (unchanged when it has none)."""
    fix = finding.fix
    if fix is None or not fix.changes:
        return finding
    return dataclasses.replace(finding, fix=place_fix(model, fix))


def place_fix(model: Model, fix: Fix) -> Fix:
    placed = [place(model, change) for change in fix.changes]
    refused = [p.refused for p in placed if p.refused]
    edits = tuple(fix.edits) + tuple(e for p in placed for e in p.edits)
    registration: list = []
    for edit in (e for p in placed for e in p.registration):
        if edit not in registration:
            registration.append(edit)
    edits += tuple(registration)
    where = list(dict.fromkeys(p.where for p in placed if p.where))
    if where:  # a generated resource's title says where it goes, which only placement knows
        fix = dataclasses.replace(fix, title=f"{fix.title} to {', '.join(where)}")
    if refused:
        return dataclasses.replace(fix, edits=(), applicability=Applicability.DISPLAY_ONLY,
                                   reason="; ".join(dict.fromkeys(refused)))
    notes = list(dict.fromkeys(p.note for p in placed if p.note))
    if notes:
        fix = dataclasses.replace(fix, reason=" ".join(filter(None, [fix.reason, *notes])))
    downgrade = [p.downgrade for p in placed if p.downgrade]
    if downgrade and fix.applicability == Applicability.DISPLAY_ONLY:
        return dataclasses.replace(fix, edits=edits)  # the rule's own reason to only show it comes first
    if downgrade:
        return dataclasses.replace(fix, edits=edits, applicability=Applicability.DISPLAY_ONLY,
                                   reason="; ".join(dict.fromkeys(downgrade)))
    return dataclasses.replace(fix, edits=edits)


def place(model: Model, change: C.Intent) -> Placed:
    if isinstance(change, C.Create):
        return place_create(model, change)
    target = change.target
    try:
        if isinstance(target, C.ResourceRef):
            return Placed(_resource_edits(model, target, change.ops), note=outside_note(model, target))
        if isinstance(target, C.DocumentRef):
            return Placed(tuple(_document_edit(target.file, target.doc, op, lambda p: p) for op in change.ops))
        return Placed(tuple(_text_edit(target, op) for op in change.ops))
    except Refused as exc:
        return Placed(refused=str(exc))


def _resource_edits(model: Model, target: C.ResourceRef, ops) -> tuple[E.Edit, ...]:
    resource = find_resource(model, target)
    if resource is None:
        raise Refused(f"{target} is no longer in the model")
    src = resource.source
    if src.block is not None:  # inline Helm values: edits of the document the string holds
        inner = tuple(_document_edit(src.file, 0, op, lambda p: in_block(resource, p)) for op in ops)
        return (E.EditInline(src.file, src.doc, src.block, inner),)
    if not src.editable:
        return place_rendered(model, resource, ops, _document_edit)
    refusal = patched_refusal(resource, ops)
    if refusal:
        raise Refused(refusal)

    def in_file(path):
        mapped = resource.file_path(tuple(path))
        if mapped is None:
            raise Refused(f"{'.'.join(map(str, path))} of {target} is not written in {src.file}")
        return mapped

    edits = tuple(_document_edit(src.file, src.doc, op, in_file) for op in ops)
    if any(isinstance(op, C.Delete) for op in ops):
        edits += unlisted(model, src.file)
    return edits


def _document_edit(file: str, doc: int, op, in_file) -> E.Edit:
    if isinstance(op, C.Set):
        return E.SetValue(file, doc, in_file(op.path), op.old, op.new)
    if isinstance(op, C.AddKey):
        return E.InsertKey(file, doc, in_file(op.path), op.key, op.value, op.after)
    if isinstance(op, C.RemoveKey):
        return E.DeleteKey(file, doc, in_file(op.path), op.key, op.old)
    if isinstance(op, C.MoveKey):
        return E.MoveKey(file, doc, in_file(op.path), op.key, in_file(op.to_path), op.old)
    if isinstance(op, C.AddItem):
        return E.InsertItem(file, doc, in_file(op.path), op.value, op.index)
    if isinstance(op, C.RemoveItem):
        return E.DeleteItem(file, doc, in_file(op.path), op.index, op.old)
    if isinstance(op, C.MoveItem):
        return E.MoveItem(file, doc, in_file(op.path), op.index, op.to, op.old)
    if isinstance(op, C.Delete):
        if in_file(()) != ():
            raise Refused(f"the resource is part of another document in {file}: delete it there by hand")
        return E.DeleteDocument(file, doc, op.old)
    raise Refused(f"{type(op).__name__} does not apply to a YAML document ({file})")


def _text_edit(target: C.FileRef, op) -> E.Edit:
    if not isinstance(op, C.ReplaceText):
        raise Refused(f"{type(op).__name__} does not apply to a text file ({target.file})")
    return E.ReplaceText(target.file, op.line, op.column, op.old, op.new)
