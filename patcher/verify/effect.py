"""Check what a fix pass changes in what is deployed, not only in the files.

The file check (patcher.verify.file) proves each edited file differs where its edits say.
That is not enough: a base edit that an overlay patch overrides, or a values key no template
reads, verifies file by file and changes nothing that runs. Here the model built from the new
texts (kustomize-built, Helm-rendered, as the loop rebuilds it) is compared with the model
before the pass:

- every resource a fix's ``changes`` target must now equal the old one with the operations
  applied (patcher.intent.apply);
- every resource a ``Create`` states must be deployed, into the namespace it was made for;
- a resource nobody declared must not change because of such a fix.

A fix written as edits alone (a rule not yet stating intent) declares no effect: it is not
judged here, and what its files build may change as it likes. Where such a fix shares a
resource with one that states intent, only the declared paths are compared; a change both could
have made is blamed on neither (a wrong refusal costs a fix, a wrong blame costs trust).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from deepdiff import DeepDiff

from patcher.data_path import value_at
from patcher.discover import KUSTOMIZATION_NAMES
from patcher.findings import Finding
from patcher.intent import changes as C
from patcher.intent.apply import OpMismatch, apply_ops
from patcher.model import Model
from patcher.resources import Resource
from patcher.verify.equal import deployed_equal, strictly_equal
from patcher.verify.inline_values import inline_places, only_inline_values

_ABSENT = object()


def effect_failures(before: Model, after: Model, fixes: Sequence[Finding]) -> dict[str, str]:
    """Why each fix among ``fixes`` (applied together, turning ``before`` into ``after``) does
    not have the effect its changes declare, by finding identity; empty when all do."""
    pairs = _Pairs(before, after)
    reads_before, reads_after = _Reads(before), _Reads(after)
    legacy = [f for f in fixes if f.fix is not None and not f.fix.changes]
    legacy_files = {e.file for f in legacy for e in f.fix.edits}
    stating = [f for f in fixes if f.fix is not None and f.fix.changes]
    failures: dict[str, str] = {}
    accounted: set[tuple] = set()
    groups = _targets(pairs, stating)
    # the Applications whose inline values the targeted releases read: edited as a values file is
    inline = inline_places(before, {pairs.at(s)[0].source.release for g in groups for s in g.slots})
    for group in groups:
        accounted |= group.accounted(pairs)
        for identity, reason in group.failures(pairs, lambda r: bool(reads_before(r) & legacy_files)).items():
            failures.setdefault(identity, reason)
    for finding in stating:
        for create in (c for c in finding.fix.changes if isinstance(c, C.Create)):
            found, reason = _created(pairs, after, create)
            accounted |= found
            if reason:
                failures.setdefault(finding.identity, reason)
    for slot, old, new in pairs.changed():
        if slot in accounted:
            continue
        resource = new or old
        reads = reads_before(old) | reads_after(new)
        if reads & legacy_files:
            continue  # a fix that states no effect may have made this change
        if only_inline_values(old, new, inline):
            continue
        for finding in stating:
            if finding.identity not in failures and reads & {e.file for e in finding.fix.edits}:
                failures[finding.identity] = (f"it also changes {resource.ref}{_built_by(resource)}, which it does "
                                              f"not declare{_first_difference(old, new)}")
    return failures


# --- old and new resources, paired ---------------------------------------------------------------

Slot = tuple  # (key, position among the resources of that key)


def _key(resource: Resource) -> tuple:
    """Who a resource is across the pass: identity and provenance, not its document index (a
    deleted document renumbers those after it)."""
    src = resource.source
    return (resource.group, resource.kind, resource.namespace, resource.name, src.file, src.release,
            src.kustomize_root, src.declared_by, src.prefix)


class _Pairs:
    def __init__(self, before: Model, after: Model) -> None:
        self.old = _index(before.own_defect_resources)
        self.new = _index(after.own_defect_resources)
        # (file, document) -> the slots of what is read from it, before and after: lookups stay linear
        self.documents: dict[tuple[str, int], set[Slot]] = {}
        self.old_documents: dict[tuple[str, int], list[Slot]] = {}
        for side, index in ((0, self.old), (1, self.new)):
            for key, listed in index.items():
                for position, resource in enumerate(listed):
                    where = (resource.source.file, resource.source.doc)
                    self.documents.setdefault(where, set()).add((key, position))
                    if side == 0:
                        self.old_documents.setdefault(where, []).append((key, position))
        self.added = [(slot, new) for slot in self.slots() for old, new in [self.at(slot)] if old is None and new]

    def slots(self) -> Iterable[Slot]:
        for key in dict.fromkeys([*self.old, *self.new]):
            for position in range(max(len(self.old.get(key, ())), len(self.new.get(key, ())))):
                yield key, position

    def at(self, slot: Slot) -> tuple[Resource | None, Resource | None]:
        key, position = slot
        old, new = self.old.get(key, ()), self.new.get(key, ())
        return (old[position] if position < len(old) else None, new[position] if position < len(new) else None)

    def changed(self) -> Iterable[tuple[Slot, Resource | None, Resource | None]]:
        for slot in self.slots():
            old, new = self.at(slot)
            if old is None or new is None or not strictly_equal(old.data, new.data):
                yield slot, old, new

    def slots_of(self, target: C.ResourceRef) -> list[Slot]:
        """The old resources a target names (several when kustomize roots build one document
        into the same identity)."""
        out = []
        for slot in self.old_documents.get((target.file, target.doc), ()):
            r = self.at(slot)[0]
            if (r.kind, r.name, r.namespace, r.api_version) == (target.kind, target.name, target.namespace,
                                                                target.api_version):
                out.append(slot)
        return out


def _index(resources: Iterable[Resource]) -> dict[tuple, list[Resource]]:
    out: dict[tuple, list[Resource]] = {}
    for resource in resources:
        out.setdefault(_key(resource), []).append(resource)
    return out


# --- changes to existing resources ---------------------------------------------------------------

@dataclass
class _Group:
    """The fixes of a pass that change one resource: their operations apply together."""

    slots: tuple[Slot, ...]
    target: C.ResourceRef
    parts: list[tuple[Finding, tuple]] = field(default_factory=list)  # (finding, its ops)

    def ops(self) -> tuple:
        ops: list = []
        for _, part in self.parts:  # two fixes stating one op write it once (plan.new_edits)
            ops += [op for op in part if op not in ops]
        # list operations last, highest index first: the placed edits all address the old lists
        items = [op for op in ops if isinstance(op, (C.AddItem, C.RemoveItem))]
        items.sort(key=lambda op: -(op.index if op.index is not None else 1 << 30))
        return tuple(op for op in ops if op not in items) + tuple(items)

    def accounted(self, pairs: _Pairs) -> set[Slot]:
        """The target, and what else is read from its document (another root's build of it, a
        Service an IstioOperator declares): the same text, changed by the same edit."""
        documents = {(old.source.file, old.source.doc) for old, _ in map(pairs.at, self.slots) if old}
        return set(self.slots).union(*(pairs.documents.get(d, set()) for d in documents))

    def failures(self, pairs: _Pairs, shared) -> dict[str, str]:
        """Nothing when some resource of the target now is what the operations make of it."""
        ops = self.ops()
        reasons = []
        for slot in self.slots:
            old, new = pairs.at(slot)
            assert old is not None
            try:
                expected = apply_ops(old.data, ops)
            except OpMismatch as exc:
                reasons.append((f"its change does not apply to {old.ref} as built: {exc}", ()))
                continue
            paths = None if not shared(old) else _op_paths(ops)  # another fix edits it too: the declared paths
            got = None if new is None else new.data
            if _matches(expected, got, paths):
                return {}
            reasons.append((_mismatch(old, new, expected, ops), _differences(expected, got)))
        reason, differing = reasons[0]
        blamed = [f for f, part in self.parts if any(_related(d, p) for d in differing for p in _op_paths(part))]
        return {f.identity: reason for f, _ in (self.parts if not blamed else [(f, ()) for f in blamed])}


def _targets(pairs: _Pairs, stating: Sequence[Finding]) -> list[_Group]:
    groups: dict[tuple[Slot, ...], _Group] = {}
    for finding in stating:
        for change in finding.fix.changes:
            if not (isinstance(change, C.Change) and isinstance(change.target, C.ResourceRef)):
                continue
            slots = tuple(pairs.slots_of(change.target))
            if not slots:
                continue  # placement found nothing to change either; the file check has the last word
            groups.setdefault(slots, _Group(slots, change.target)).parts.append((finding, change.ops))
    return list(groups.values())


def _matches(expected: Any, got: Any, paths: list[tuple] | None) -> bool:
    if paths is None:
        return deployed_equal(expected, got) if expected is not None else got is None
    if expected is None or got is None:
        return expected is None and got is None
    if deployed_equal(expected, got):
        return True
    return all(strictly_equal(value_at(expected, p, _ABSENT), value_at(got, p, _ABSENT)) for p in paths)


def _op_paths(ops) -> list[tuple]:
    """The paths the operations decide (a list operation decides the whole list)."""
    out: list[tuple] = []
    for op in ops:
        if isinstance(op, C.Set):
            out.append(tuple(op.path))
        elif isinstance(op, (C.AddKey, C.RemoveKey)):
            out.append(tuple(op.path) + (op.key,))
        elif isinstance(op, C.MoveKey):
            out += [tuple(op.path) + (op.key,), tuple(op.to_path) + (op.key,)]
        elif isinstance(op, (C.AddItem, C.RemoveItem, C.MoveItem)):
            out.append(tuple(op.path))
        elif isinstance(op, C.Delete):
            out.append(())
    return out


def _mismatch(old: Resource, new: Resource | None, expected: Any, ops) -> str:
    if expected is None:
        return f"{old.ref}{_built_by(old)} is still deployed after the fix deletes it"
    if new is None:
        return f"{old.ref}{_built_by(old)} is no longer built after the fix"
    if strictly_equal(old.data, new.data):
        src = new.source
        patches = [p for p in src.patched_paths if any(_related(p, q) for q in _op_paths(ops))]
        if src.patched_by and patches:
            shown = ", ".join(_show(p) for p in patches)
            return (f"a Kustomize patch in {', '.join(src.patched_by)} sets {shown} of {new.ref}{_built_by(new)}: "
                    f"the edit has no effect on what is deployed; change the patch instead")
        return f"the edit has no effect on {new.ref} as deployed{_built_by(new)}"
    first = _differences(expected, new.data)[:1]
    if not first:
        return f"{new.ref}{_built_by(new)} differs from the declared change"
    path = first[0]
    return (f"{new.ref}{_built_by(new)} differs from the declared change at {_show(path)}: "
            f"expected {_shown(value_at(expected, path, _ABSENT))}, built {_shown(value_at(new.data, path, _ABSENT))}")


# --- new resources -------------------------------------------------------------------------------

def _created(pairs: _Pairs, after: Model, create: C.Create) -> tuple[set[Slot], str]:
    """The slots of the resource ``create`` makes, and why it is not deployed as stated ("" when it is)."""
    data = create.data if isinstance(create.data, dict) else {}
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    kind, name = data.get("kind"), str(meta.get("name") or "")
    namespace = meta.get("namespace") or create.namespace
    # kustomize may prefix or suffix the name
    found = [(slot, r) for slot, r in pairs.added if r.kind == kind and name and name in r.name]
    if not found:
        return set(), f"the new {create.ref} is not among the resources the repository builds after the fix"
    slots = {slot for slot, _ in found}
    live = {id(r) for r in after.resources}
    deployed = [r for _, r in found if id(r) in live]
    if not deployed:
        return slots, f"the new {create.ref} is in {found[0][1].source.file}, which no entry point deploys"
    placed = [r for r in deployed if r.namespace == namespace]
    if not placed:
        return slots, f"the new {create.ref} is deployed into namespace {deployed[0].namespace}, not {namespace}"
    if "spec" in data and not any(strictly_equal(r.data.get("spec"), data["spec"]) for r in placed):
        built = placed[0]
        differing = _differences({"spec": data["spec"]}, {"spec": built.data.get("spec")})
        patches = [p for p in built.source.patched_paths if any(_related(p, d) for d in differing)]
        if built.source.patched_by and patches:
            return slots, (f"a Kustomize patch in {', '.join(built.source.patched_by)} sets "
                           f"{', '.join(_show(p) for p in patches)} of the new {create.ref}{_built_by(built)}: "
                           "what is deployed is not what the fix writes")
        where = f" at {_show(differing[0])}" if differing else ""
        return slots, f"the new {create.ref}{_built_by(built)} is deployed with another spec than the fix writes{where}"
    return slots, ""


# --- what a resource is made from ----------------------------------------------------------------

class _Reads:
    """The repository files an edit of which may change a resource as ``model`` builds it."""

    def __init__(self, model: Model) -> None:
        self.releases: dict[str, frozenset[str]] = {}
        for release in model.releases:
            prefix = release.chart.rstrip("/") + "/"
            declared = [release.declared_in.split(":")[0]] if release.declared_in else []  # its inline values
            self.releases[f"{release.name}/{release.namespace}"] = frozenset(
                {*release.values, *declared, *model.workspace.files_under((prefix,))})

    def __call__(self, resource: Resource | None) -> set[str]:
        if resource is None:
            return set()
        src = resource.source
        files = {src.file, *src.patched_by}
        if src.kustomize_root is not None:
            files |= {posixpath.join(src.kustomize_root, n) for n in KUSTOMIZATION_NAMES}
        if src.release:
            files |= self.releases.get(src.release, frozenset())
        return files


def _built_by(resource: Resource) -> str:
    src = resource.source
    if src.kustomize_root is not None:
        return f" (built by kustomize from {src.kustomize_root or '.'})"
    if src.release:
        return f" (rendered by Helm release {src.release})"
    return ""


def _first_difference(old: Resource | None, new: Resource | None) -> str:
    if old is None:
        return " (it appears)"
    if new is None:
        return " (it disappears)"
    first = _differences(old.data, new.data)[:1]
    return f" (at {_show(first[0])})" if first else ""


def _differences(a: Any, b: Any) -> list[tuple]:
    if a is None or b is None:
        return [()]
    diff = DeepDiff(a, b, view="tree", threshold_to_diff_deeper=0)
    return sorted((tuple(level.path(output_format="list")) for levels in diff.values() for level in levels),
                  key=lambda p: [str(x) for x in p])


def _related(a: tuple, b: tuple) -> bool:
    return a[:len(b)] == b or b[:len(a)] == a


def _show(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "(the resource)"


def _shown(value: Any) -> str:
    return "nothing" if value is _ABSENT else repr(value)
