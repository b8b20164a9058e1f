"""What an overlay must carry: each applied fix as changes to the resources a Kustomize root builds.

The plan's applied log says which fixes went in, pass by pass. A fix that states intent
(``Fix.changes``) gives its operations directly; one that still writes file edits has them read
back as the same operations on the resource its document defines (the inverse of in-place
placement), so the overlay is complete either way. Resources are followed as the fixes change
them: a later fix's operations (and its patch's ``test`` guards) address the resource as the
earlier ones left it, just as kustomize applies the patches in order.

What is not a Kubernetes resource a root builds (a kind cluster config, a script, a Helm
template, a manifest only a script applies) is kept aside with why, for the README.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from patcher import edits as E
from patcher.findings import Finding
from patcher.intent import changes as C
from patcher.intent.apply import OpMismatch, apply_ops
from patcher.kustomize import Kustomization, building
from patcher.model import Model
from patcher.plan import Plan
from patcher.resources import is_manifest
from patcher.source import PatcherError
from patcher.yamlread import read_documents

Key = tuple[str, str, str, str]  # root, kind, namespace, name


@dataclass(frozen=True)
class Patched:
    """One fix's operations on one resource as a root builds it, and the resource before them."""

    finding: Finding
    root: str
    before: dict
    ops: tuple


@dataclass(frozen=True)
class Generated:
    finding: Finding
    root: str
    data: dict
    file: str = ""  # where apply writes it, and as which document
    doc: int | None = None


@dataclass(frozen=True)
class Elsewhere:
    """A fix (or part of one) an overlay cannot carry."""

    finding: Finding
    why: str
    needs: str = ""  # the manifest a base kustomization would have to list for an overlay to carry it


@dataclass
class Collected:
    roots: tuple[str, ...]
    items: list = field(default_factory=list)  # Patched and Generated, in the order the fixes went in
    elsewhere: list[Elsewhere] = field(default_factory=list)

    def for_root(self, root: str) -> list:
        return [x for x in self.items if x.root == root]

    @property
    def used_roots(self) -> tuple[str, ...]:
        return tuple(sorted({x.root for x in self.items}))


def kustomize_roots(kustomizations: tuple[Kustomization, ...]) -> tuple[str, ...]:
    """Folders of the kustomizations no other one builds: what an overlay can point at."""
    included = {t for k in kustomizations for t in building(k)}
    return tuple(sorted(k.directory for k in kustomizations if k.directory not in included))


HELM = "helm:"  # the root of a resource a Helm release renders: a post-renderer's stdin


def collect(plan: Plan, model: Model, extra: tuple[Finding, ...] = ()) -> Collected:
    """The applied fixes (then ``extra``, fixes no placement could write) as overlay items."""
    roots = kustomize_roots(model.kustomizations)
    out = Collected(roots)
    state: dict[Key, dict] = {}
    docs: dict[tuple[str, int], list[Key]] = {}  # where each root-built resource is defined now
    for r in model.resources:
        root = r.source.kustomize_root or (HELM + r.source.release if r.source.release else None)
        if root is None or not isinstance(r.data, dict):
            continue
        key = (root, r.kind, _namespace(r.data), r.name)
        state[key] = r.data
        if r.source.editable and r.source.prefix is None:
            docs.setdefault((r.source.file, r.source.doc), []).append(key)
    counts = {f: len(d) for f, d in model.documents.items()}
    by_file = {k.file: k for k in model.kustomizations}
    for finding in [a.finding for a in plan.applied] + list(extra):
        _Fix(finding, out, state, docs, counts, model, by_file).run()
    return out


def _namespace(data: dict) -> str:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return str(meta.get("namespace") or "")


class _Fix:
    def __init__(self, finding: Finding, out: Collected, state, docs, counts, model: Model, by_file) -> None:
        self.finding, self.out, self.state, self.docs = finding, out, state, docs
        self.counts, self.model, self.by_file = counts, model, by_file

    def run(self) -> None:
        fix = self.finding.fix
        stated = [c for c in fix.changes if isinstance(c, C.Change) and isinstance(c.target, C.ResourceRef)]
        for change in stated:
            self._change(change)
        for change in fix.changes:
            if isinstance(change, C.Change) and not isinstance(change.target, C.ResourceRef):
                self._elsewhere(f"changes {change.target}, not a Kubernetes resource")
        for edit in fix.edits:
            self._edit(edit, from_intent=bool(stated))

    def _elsewhere(self, why: str, needs: str = "") -> None:
        self.out.elsewhere.append(Elsewhere(self.finding, why, needs))

    def _change(self, change: C.Change) -> None:
        target = change.target
        keys = [k for k in self.state if k[1:] == (target.kind, target.namespace, target.name)] or [
            k for k in self.state if k[1] == target.kind and k[3] == target.name and not k[2]]
        if not keys:
            defined = [r.source.file for r in self.model.resources if r.source.editable and r.source.prefix is None
                       and (r.kind, r.namespace, r.name) == (target.kind, target.namespace, target.name)]
            self._elsewhere(f"{target} is not built by a kustomization", defined[0] if defined else "")
            return
        # every root building the same document changes with it, as an edit in place does
        where = [d for d, ks in self.docs.items() if keys[0] in ks]
        for key in (self.docs[where[0]] if where else keys):
            self._ops(key, change.ops, variant=key != keys[0])

    def _ops(self, key: Key, ops, variant: bool = False) -> None:
        before = self.state[key]
        if variant and not all(_holds(before, op) for op in ops):
            return  # another root's patch sets what the document's edit changes: no effect there
        if any(isinstance(op, C.Delete) for op in ops):
            self.out.items.append(Patched(self.finding, key[0], before, (C.Delete(before),)))
            del self.state[key]
            return
        try:
            after = apply_ops(before, ops)
        except OpMismatch as exc:
            self._elsewhere(f"{key[1]} {key[2]}/{key[3]} as {key[0]} builds it: {exc}")
            return
        self.out.items.append(Patched(self.finding, key[0], before, tuple(ops)))
        self.state[key] = after

    def _edit(self, edit: E.Edit, from_intent: bool) -> None:
        file = edit.file
        if file in self.by_file:
            if not (isinstance(edit, E.InsertItem) and edit.path == ("resources",)):
                self._elsewhere(f"edits {file}")
            return  # a new file listed: the overlay lists its own copy
        if isinstance(edit, (E.AddDocument, E.CreateFile)):
            self._generated(edit)
            return
        if isinstance(edit, E.ReplaceText):
            self._elsewhere(f"rewrites {file}:{edit.line}")
            return
        keys = self.docs.get((file, edit.doc))
        if not keys:
            if not self._manifest(file):
                self._elsewhere(f"edits {file}")
            elif not from_intent:  # else its change said so already
                self._elsewhere(f"edits {file}, which no kustomization builds", file)
            return
        if from_intent:
            return  # placed from the changes already read
        op = _op(edit)
        several = len(keys) > 1
        for key in list(keys):
            self._ops(key, (op,), variant=several)
        if isinstance(edit, E.DeleteDocument):
            self._renumber(file, edit.doc)

    def _manifest(self, file: str) -> bool:
        return any(isinstance(d.data, dict) and is_manifest(d.data) for d in self.model.documents.get(file, ()))

    def _renumber(self, file: str, doc: int) -> None:
        moved = {}
        for (f, d), keys in self.docs.items():
            if f == file and d > doc:
                moved[(f, d)] = keys
        self.docs.pop((file, doc), None)
        for (f, d) in moved:
            self.docs.pop((f, d))
        for (f, d), keys in moved.items():
            self.docs[(f, d - 1)] = keys
        self.counts[file] = self.counts.get(file, 1) - 1

    def _generated(self, edit) -> None:
        file = edit.file
        try:
            new = [d.data for d in read_documents(edit.content, file)]
        except PatcherError as exc:
            self._elsewhere(f"writes {file}, which does not read as YAML: {exc}")
            return
        start = 0 if isinstance(edit, E.CreateFile) else self.counts.get(file, 0)
        self.counts[file] = start + len(new)
        roots = self._roots_of(file)
        manifests = [d for d in new if isinstance(d, dict) and is_manifest(d)]
        if not manifests:
            self._elsewhere(f"writes {file}")
            return
        if not roots:
            self._elsewhere(f"writes {file}, which no kustomization builds")
            return
        for root in roots:
            for number, data in enumerate(new):
                if not (isinstance(data, dict) and is_manifest(data)):
                    continue
                data = _with_namespace(data, self._namespace_for(root))
                key = (root, data["kind"], _namespace(data), data["metadata"]["name"])
                self.state[key] = data
                self.docs.setdefault((file, start + number), []).append(key)
                self.out.items.append(Generated(self.finding, root, data, file, start + number))

    def _roots_of(self, file: str) -> list[str]:
        """The roots whose build reads ``file``, once this fix's own listing of it is in."""
        listing = [k for k in self.model.kustomizations if k.lists(file)] + [
            self.by_file[e.file] for e in self.finding.fix.edits
            if isinstance(e, E.InsertItem) and e.file in self.by_file and e.path == ("resources",)
            and posixpath.normpath(posixpath.join(self.by_file[e.file].directory, str(e.value))) == file]
        folders = {k.directory for k in listing}
        return [root for root in self.out.roots if folders & _reached(root, self.model.kustomizations)]

    def _namespace_for(self, root: str) -> str | None:
        kust = next((k for k in self.model.kustomizations if k.directory == root), None)
        return kust.namespace if kust is not None else None


def _reached(root: str, kustomizations) -> set[str]:
    by_dir = {k.directory: k for k in kustomizations}
    seen, pending = {root}, [root]
    while pending:
        current = by_dir.get(pending.pop())
        if current is None:
            continue
        for target in building(current):
            if target in by_dir and target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def _with_namespace(data: dict, namespace: str | None) -> dict:
    """A generated resource as the root builds it: the root's ``namespace:`` wins, as kustomize's does."""
    if not namespace:
        return data
    meta = dict(data.get("metadata") or {})
    meta["namespace"] = namespace
    return {**data, "metadata": meta}


def _holds(data: Any, op) -> bool:
    """Whether the value an operation replaces or removes is there as it read it."""
    try:
        if isinstance(op, C.Set):
            return plain(_at(data, op.path)) == plain(op.old)
        if isinstance(op, C.RemoveKey):
            return plain(_at(data, op.path + (op.key,))) == plain(op.old)
        if isinstance(op, C.RemoveItem):
            return plain(_at(data, op.path + (op.index,))) == plain(op.old)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _op(edit: E.Edit):
    if isinstance(edit, E.SetValue):
        return C.Set(edit.path, edit.old, edit.new)
    if isinstance(edit, E.InsertKey):
        return C.AddKey(edit.path, edit.key, edit.value, edit.after)
    if isinstance(edit, E.DeleteKey):
        return C.RemoveKey(edit.path, edit.key, edit.old)
    if isinstance(edit, E.MoveKey):
        return C.MoveKey(edit.path, edit.key, edit.to_path, edit.old)
    if isinstance(edit, E.InsertItem):
        return C.AddItem(edit.path, edit.value, edit.index)
    if isinstance(edit, E.DeleteItem):
        return C.RemoveItem(edit.path, edit.index, edit.old)
    if isinstance(edit, E.DeleteDocument):
        return C.Delete(edit.old)
    raise OpMismatch(f"{type(edit).__name__} is not a change to a resource")


def plain(data: Any) -> Any:
    """ruamel's mappings and sequences as plain dicts and lists (for emitting and comparing)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data
