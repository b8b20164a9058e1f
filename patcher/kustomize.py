"""Kustomizations: which manifests they include and which namespace they set.

Only what routing analysis needs is read here (resources, components and the
namespace field); the real ``kubectl kustomize`` is what checks a result. An
entry that leads out of the read boundary is never opened: it is reported.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from patcher.containment import boundary
from patcher.kustomize_refs import is_remote, references, resolve
from patcher.shapes import KUSTOMIZATION, check
from patcher.source import Diagnostic, PatcherError

if TYPE_CHECKING:
    from patcher.workspace import ParseCache, Workspace
    from patcher.yamlread import Document


@dataclass(frozen=True)
class Kustomization:
    file: str
    data: dict[str, Any]
    # link -> the file read in its place (see discover): an entry naming a link means that file
    links: Mapping[str, str] = field(default_factory=dict, compare=False)

    @cached_property
    def directory(self) -> str:
        return posixpath.dirname(self.file)

    @property
    def namespace(self) -> str | None:
        value = self.data.get("namespace")
        return str(value) if value else None

    def entries(self) -> tuple[tuple[int, str], ...]:
        """(index, repository-relative path) of each local ``resources`` entry."""
        return self._entries

    @cached_property
    def _entries(self) -> tuple[tuple[int, str], ...]:
        out = []
        for index, entry in enumerate(self.data.get("resources") or []):
            if isinstance(entry, str) and not is_remote(entry):
                path = posixpath.normpath(posixpath.join(self.directory, entry))
                out.append((index, self.links.get(path, path)))
        return tuple(out)

    @cached_property
    def listed(self) -> frozenset[str]:
        return frozenset(target for _, target in self._entries)

    @cached_property
    def listed_folders(self) -> frozenset[str]:
        return frozenset(posixpath.dirname(target) for _, target in self._entries)

    def lists(self, path: str) -> bool:
        return path in self.listed

    @cached_property
    def patches(self) -> tuple[tuple[str, dict, bool], ...]:
        """(file, target selector, is a JSON 6902 patch) of each patch file this kustomization applies."""
        found = []
        for entry in self.data.get("patchesStrategicMerge") or []:
            if isinstance(entry, str) and "\n" not in entry:
                found.append((entry, {}, False))
        for key in ("patches", "patchesJson6902"):
            for entry in self.data.get(key) or []:
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    target = entry.get("target") if isinstance(entry.get("target"), dict) else {}
                    found.append((entry["path"], target, key == "patchesJson6902"))
        return tuple((posixpath.normpath(posixpath.join(self.directory, f)), t, j) for f, t, j in found)

    @cached_property
    def patch_files(self) -> frozenset[str]:
        """Files this kustomization uses as patches: partial resources, not resources."""
        return frozenset(path for path, _, _ in self.patches)


def read_kustomizations(workspace: "Workspace", cache: "ParseCache", deployed: frozenset[str] = frozenset()):
    """The kustomizations, and the namespace each included file lands in. ``deployed`` are
    folders an Argo CD Application deploys: where a base is shared, they decide."""
    kustomizations: list[Kustomization] = []
    diagnostics: list[Diagnostic] = []
    reach = _Reach(workspace.root)
    for path in workspace.inventory.kustomizations:
        text = workspace.texts.get(path)
        if text is None:
            continue
        try:
            docs = cache.documents(path, text)
        except PatcherError as exc:
            diagnostics.append(Diagnostic.of(exc, path))
            continue
        if docs and isinstance(docs[0].data, dict):
            problem = check(docs[0].data, KUSTOMIZATION)
            if problem:
                diagnostics.append(Diagnostic(path, f"{problem.message}: kustomization skipped, not analysed",
                                              docs[0].key_position(problem.path)[0],
                                              hint="kustomize refuses it too: correct the field's type"))
                continue
            kustomizations.append(Kustomization(path, docs[0].data, dict(workspace.inventory.links)))
            diagnostics += reach.outside(path, docs[0])
    return kustomizations, _namespaces(kustomizations, deployed), diagnostics


class _Reach:
    """Which entries lead out of the read boundary (the git work tree holding the repository)."""

    def __init__(self, root: Path) -> None:
        self.boundary = boundary(root)
        prefix = Path(os.path.realpath(root)).relative_to(self.boundary).as_posix()
        self.prefix = "" if prefix == "." else prefix

    def outside(self, path: str, doc: "Document") -> list[Diagnostic]:
        folder = posixpath.join(self.prefix, posixpath.dirname(path))
        found = []
        for ref in references(doc.data):
            if not ref.remote and resolve(self.boundary, folder, ref.entry)[1] is None:
                line, column = doc.line_of(ref.yaml_path)
                found.append(Diagnostic(path, f"names '{ref.entry}' ({ref.field}), which is outside the "
                                              "repository: not read, so what it adds is not analysed",
                                        line, column, "keep what a kustomization names inside the repository "
                                                      "(or the git work tree holding it)", level="warning"))
        return found


def _deploys(directory: str, deployed: frozenset[str]) -> bool:
    return any(directory == d or directory.startswith(d + "/") for d in deployed)


def included_files(kust: Kustomization, kustomizations: list[Kustomization]) -> set[str]:
    """Every file a kustomization brings in, through the bases it includes too."""
    by_dir = {k.directory: k for k in kustomizations}
    files: set[str] = set()
    pending, seen = [kust], {kust.directory}
    while pending:
        current = pending.pop()
        for _, target in current.entries():
            if target in by_dir and target not in seen:
                seen.add(target)
                pending.append(by_dir[target])
            else:
                files.add(target)
    return files


def closure(kust: Kustomization, kustomizations: list[Kustomization]) -> dict[str, str | None]:
    """Every file building ``kust`` deploys (through ``resources``, ``bases`` and ``components``,
    kustomizations included), with the namespace the outermost kustomization on the way sets.
    Patch files are not listed: they change resources, they are none."""
    by_dir = {k.directory: k for k in kustomizations}
    files: dict[str, str | None] = {}
    pending = [(kust, kust.namespace)]
    seen = {kust.directory}
    while pending:
        current, namespace = pending.pop()
        for target in building(current):
            if target in by_dir:
                if target not in seen:
                    seen.add(target)
                    pending.append((by_dir[target], namespace or by_dir[target].namespace))
            else:
                files.setdefault(target, namespace)
    return files


def building(kust: Kustomization) -> list[str]:
    """Repository-relative targets of a kustomization's resources, bases and components."""
    out = [target for _, target in kust.entries()]
    for key in ("bases", "components"):
        for entry in kust.data.get(key) or []:
            if isinstance(entry, str) and not is_remote(entry):
                path = posixpath.normpath(posixpath.join(kust.directory, entry))
                out.append(kust.links.get(path, path))
    return out


def _namespaces(kustomizations: list[Kustomization], deployed: frozenset[str]) -> dict[str, str]:
    """File -> namespace that the kustomization including it sets; the outermost wins, and
    among several roots sharing a base, the one an Application deploys."""
    by_dir = {k.directory: k for k in kustomizations}
    namespaces: dict[str, str] = {}

    def visit(kust: Kustomization, inherited: str | None, seen: frozenset[str]) -> None:
        namespace = inherited or kust.namespace
        for _, target in kust.entries():
            if target in by_dir and target not in seen:
                visit(by_dir[target], namespace, seen | {target})
            elif namespace and target not in namespaces:
                namespaces[target] = namespace

    included = {t for k in kustomizations for _, t in k.entries()}
    roots = [k for k in kustomizations if k.directory not in included]
    for kust in sorted(roots, key=lambda k: (not _deploys(k.directory, deployed), k.directory)):
        visit(kust, None, frozenset({kust.directory}))
    return namespaces
