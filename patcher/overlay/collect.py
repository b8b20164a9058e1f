"""What an overlay must carry: each applied fix as changes to the resources a Kustomize root builds.

The plan's applied log says which fixes went in, in order. Each fix's edits are replayed on
the repository's texts, and every kustomize root that reads an edited file is built (real
kustomize) before and after it: what differs is what the overlay must do to that root's
output. A changed resource keeps the operations its fix stated (``Fix.changes``) when they
produce exactly the built difference; otherwise (a rule that still writes only file edits, a
field a root's own patch overrides) the operations are read from the difference itself, so
the overlay is complete either way. A later fix's operations, and its patch's ``test``
guards, address the resource as the earlier fixes left it, as kustomize applies the patches
in order.

A resource a Helm release renders is not in any build: for a post-renderer, the fix's stated
operations are applied to the rendered resource the model holds.

What is not a Kubernetes resource a root builds (a kind cluster config, a script, a Helm
template, a manifest only a script applies) is kept aside with why, for the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from patcher.containment import inside
from patcher.deployed.kustomize_build import RootBuild, build_roots, kubectl_path
from patcher.edits import AddDocument, CreateFile, Edit, ReplaceText
from patcher.findings import Finding
from patcher.intent import changes as C
from patcher.intent.apply import OpMismatch, apply_ops
from patcher.kustomize import Kustomization, building
from patcher.model import Model, ParseCache
from patcher.overlay.diff import diff_ops
from patcher.plan import Plan
from patcher.reading import read_regular
from patcher.resources import is_manifest
from patcher.source import PatcherError, decode
from patcher.transform import apply_edits

Key = tuple[str, str, str, str]  # apiVersion, kind, namespace, name (as built)
HELM = "helm:"  # the root of a resource a Helm release renders: a post-renderer's stdin


@dataclass(frozen=True)
class Patched:
    """One fix's operations on one resource as a root builds it, and the resource before them."""

    finding: Finding
    root: str
    before: dict
    ops: tuple


@dataclass(frozen=True)
class Generated:
    """A resource a fix adds, as its root builds it (the root's namespace, labels, prefixes)."""

    finding: Finding
    root: str
    data: dict


@dataclass(frozen=True)
class Elsewhere:
    """A fix (or part of one) an overlay cannot carry."""

    finding: Finding
    why: str
    needs: str = ""  # the manifest a base kustomization would have to list for an overlay to carry it
    chart: str | None = None  # the chart whose files the fix edits (what a post-renderer does instead)


@dataclass
class Collected:
    roots: tuple[str, ...]
    items: list = field(default_factory=list)  # Patched and Generated, in the order the fixes went in
    elsewhere: list[Elsewhere] = field(default_factory=list)

    @property
    def used_roots(self) -> tuple[str, ...]:
        return tuple(sorted({x.root for x in self.items}))


def kustomize_roots(kustomizations: tuple[Kustomization, ...]) -> tuple[str, ...]:
    """Folders of the kustomizations no other one builds: what an overlay can point at."""
    included = {t for k in kustomizations for t in building(k)}
    return tuple(sorted(k.directory for k in kustomizations if k.directory not in included))


def collect(plan: Plan, model: Model, extra: tuple[Finding, ...] = ()) -> Collected:
    """The applied fixes as overlay items; ``extra`` (fixes no placement could write) on the
    Helm-rendered resources they change."""
    out = Collected(kustomize_roots(model.kustomizations))
    _Replay(plan, model, out).run(plan.applied)
    _rendered(model, out, extra)
    return out


def identity(data: dict) -> Key:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return (str(data.get("apiVersion")), str(data.get("kind")), str(meta.get("namespace") or ""),
            str(meta.get("name")))


class _Replay:
    def __init__(self, plan: Plan, model: Model, out: Collected) -> None:
        self.plan, self.model, self.out = plan, model, out
        self.texts: dict[str, str | None] = dict(model.workspace.texts)
        self.cache = ParseCache()
        self.kubectl = kubectl_path()
        self.builds: dict[str, RootBuild] = {}

    def run(self, applied) -> None:
        if self.out.roots and applied:
            if self.kubectl is None:
                raise PatcherError("an overlay is built from the repository's kustomizations, and kubectl is "
                                   "not installed", hint="install kubectl (its `kubectl kustomize` builds them)")
            self.builds = self._build(self.out.roots)
        seen: dict[int, set[str]] = {}  # per pass: edits two fixes share went in once (as plan applies them)
        for entry in applied:
            self._fix(entry.finding, seen.setdefault(entry.number, set()))

    def _build(self, roots) -> dict[str, RootBuild]:
        workspace = self.model.workspace.with_texts({p: t for p, t in self.texts.items() if t is not None})
        return {b.root: b for b in build_roots(workspace, self.cache, self.kubectl, roots)}

    def _read(self, path: str) -> str:
        full = inside(self.plan.root, path)
        if full is None or not full.exists():
            raise FileNotFoundError(path)
        return decode(read_regular(full, path), path)

    def _fix(self, finding: Finding, seen: set[str]) -> None:
        edits = [e for e in finding.fix.edits if repr(e) not in seen]
        seen.update(repr(e) for e in edits)
        try:
            new = apply_edits(self.texts, edits, self._read)
        except (PatcherError, OSError) as exc:
            self.out.elsewhere.append(Elsewhere(finding, f"its edits do not replay: {exc}"))
            return
        edited = set(new)
        affected = [r for r, b in sorted(self.builds.items()) if b.files & edited]
        self.texts.update(new)
        after = self._build(affected) if affected else {}
        for root in affected:
            self._root(finding, root, self.builds[root], after[root])
        self.builds.update(after)
        built = set().union(*(b.files for b in self.builds.values())) if self.builds else set()
        self._not_built(finding, [e for e in edits if e.file not in built])

    def _root(self, finding: Finding, root: str, before: RootBuild, after: RootBuild) -> None:
        if not before.built or not after.built:
            why = before.error or before.refused or after.error or after.refused
            self.out.elsewhere.append(Elsewhere(finding, f"`kubectl kustomize {root or '.'}`: {why}"))
            return
        old = {identity(r.data): r.data for r in before.resources}
        new = {identity(r.data): r.data for r in after.resources}
        for key, data in old.items():
            if key not in new:
                self.out.items.append(Patched(finding, root, data, (C.Delete(data),)))
            elif new[key] != data:
                self.out.items.append(Patched(finding, root, data, _ops(finding, key, data, new[key])))
        self.out.items += [Generated(finding, root, data) for key, data in new.items() if key not in old]

    def _not_built(self, finding: Finding, edits: list[Edit]) -> None:
        """Edits of files no root reads: what they are, for the README."""
        for file in dict.fromkeys(e.file for e in edits):
            mine = [e for e in edits if e.file == file]
            lines = [str(e.line) for e in mine if isinstance(e, ReplaceText)]
            existing = _manifest(self.model, file)
            if any(isinstance(e, (AddDocument, CreateFile)) for e in mine):
                what = f"writes {file}"
            elif lines:
                what = f"rewrites {file}:{','.join(lines)}"
            else:
                what = f"edits {file}"
            chart = next((c for c in self.model.workspace.inventory.charts
                          if c in ("", ".") or file.startswith(c + "/")), None)
            stated = [c.target for c in finding.fix.changes if isinstance(c, C.Change)
                      and isinstance(c.target, C.ResourceRef) and c.target.file == file]
            if chart is not None:
                why = f"{what}, in chart {chart or '.'} (Helm renders it)"
            elif stated:
                why = f"{stated[0]} is not built by a kustomization"
            elif existing or any(isinstance(e, (AddDocument, CreateFile)) for e in mine):
                why = f"{what}, which no kustomization builds"
            else:
                why = what
            # a base kustomization would list the manifest, were there one; a file apply creates is not there yet
            needs = file if existing and chart is None else ""
            self.out.elsewhere.append(Elsewhere(finding, why, needs, chart))


def _ops(finding: Finding, key: Key, before: dict, after: dict) -> tuple:
    """The fix's stated operations on this resource when they make exactly the built change,
    else the change as the builds show it."""
    _, kind, namespace, name = key
    stated = [op for c in finding.fix.changes if isinstance(c, C.Change) and isinstance(c.target, C.ResourceRef)
              and (c.target.kind, c.target.name) == (kind, name) and c.target.namespace in (namespace, "default")
              for op in c.ops]
    if stated:
        try:
            if apply_ops(before, stated) == after:
                return tuple(stated)
        except OpMismatch:
            pass
    return tuple(diff_ops(before, after))


def _manifest(model: Model, file: str) -> bool:
    return any(isinstance(d.data, dict) and is_manifest(d.data) for d in model.documents.get(file, ()))


def _rendered(model: Model, out: Collected, findings: tuple[Finding, ...]) -> None:
    """Stated changes to resources a Helm release renders, on the rendered resource."""
    state: dict[tuple, tuple[str, dict]] = {}
    for r in model.resources:
        if r.source.release and isinstance(r.data, dict):
            state[(r.kind, r.namespace, r.name)] = (HELM + r.source.release, r.data)
    for finding in findings:
        for change in finding.fix.changes:
            target = change.target
            found = state.get((target.kind, target.namespace, target.name))
            if found is None:
                continue
            root, data = found
            try:
                new = apply_ops(data, change.ops)
            except OpMismatch as exc:
                out.elsewhere.append(Elsewhere(finding, f"{target} as Helm renders it: {exc}"))
                continue
            out.items.append(Patched(finding, root, data, tuple(change.ops)))
            if new is not None:
                state[(target.kind, target.namespace, target.name)] = (root, new)


def plain(data: Any) -> Any:
    """ruamel's mappings and sequences as plain dicts and lists (for emitting and comparing)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data
