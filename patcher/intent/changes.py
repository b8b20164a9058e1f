"""What a fix must change, addressed by what it changes, never by where that is written.

A rule states its fix as :class:`Change` records: a target and operations inside it.
Paths in operations are paths in the target's data as the model holds it (a resource as
it is deployed: rendered by Helm, built by kustomize), not in any file. Placement
(``patcher.place``) decides which file and which node carry each operation for a strategy:
the manifest in place, the values a Helm release uses, an Argo CD Application's inline
values, or a Kustomize overlay. A rule never picks a file, a kustomization entry or an
output folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from patcher.edits import YamlPath


@dataclass(frozen=True)
class ResourceRef:
    """A Kubernetes resource, by identity. ``file``/``doc`` are the provenance the model
    recorded (where it was read or rendered from): they tell variants of one identity apart,
    and placement starts from them; they do not say where the change is written."""

    api_version: str
    kind: str
    namespace: str
    name: str
    file: str
    doc: int

    @classmethod
    def of(cls, resource) -> "ResourceRef":
        return cls(resource.api_version, resource.kind, resource.namespace, resource.name,
                   resource.source.file, resource.source.doc)

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class DocumentRef:
    """A YAML document that is not a deployed resource: a kind cluster config, a
    kustomization, a Taskfile."""

    file: str
    doc: int = 0

    def __str__(self) -> str:
        return f"{self.file} (document {self.doc})"


@dataclass(frozen=True)
class FileRef:
    """A file that is not YAML: a script, a Makefile."""

    file: str

    def __str__(self) -> str:
        return self.file


Target = Union[ResourceRef, DocumentRef, FileRef]


# --- operations inside a target (paths relative to the target's data) ------------------------

@dataclass(frozen=True)
class Set:
    """Replace the node at ``path`` (a scalar or a subtree) with ``new``."""

    path: YamlPath
    old: Any
    new: Any


@dataclass(frozen=True)
class AddKey:
    """Add ``key: value`` to the mapping at ``path`` (right after ``after`` when present)."""

    path: YamlPath
    key: str
    value: Any
    after: str | None = None


@dataclass(frozen=True)
class RemoveKey:
    path: YamlPath
    key: str
    old: Any


@dataclass(frozen=True)
class MoveKey:
    """Move ``key`` (its text and comments) from the mapping at ``path`` to the mapping at
    ``to_path`` (created when missing), as patcher.edits.MoveKey."""

    path: YamlPath
    key: str
    to_path: YamlPath
    old: Any


@dataclass(frozen=True)
class AddItem:
    """Insert ``value`` into the list at ``path`` before ``index`` (None: append)."""

    path: YamlPath
    value: Any
    index: int | None = None


@dataclass(frozen=True)
class RemoveItem:
    path: YamlPath
    index: int
    old: Any


@dataclass(frozen=True)
class MoveItem:
    """Move item ``index`` (whose value is ``old``) of the list at ``path`` so that it ends up at
    ``to`` (``items.insert(to, items.pop(index))``), its text and comments with it, as
    patcher.edits.MoveItem."""

    path: YamlPath
    index: int
    to: int
    old: Any


@dataclass(frozen=True)
class Delete:
    """Remove the whole target (a resource; its document, and the file when it is the last)."""

    old: Any


@dataclass(frozen=True)
class ReplaceText:
    """In a file target: replace ``old`` at 1-based ``line``/``column`` with ``new``."""

    line: int
    column: int
    old: str
    new: str


Op = Union[Set, AddKey, RemoveKey, MoveKey, AddItem, RemoveItem, MoveItem, Delete, ReplaceText]
DATA_OPS = (Set, AddKey, RemoveKey, MoveKey, AddItem, RemoveItem, MoveItem)


@dataclass(frozen=True)
class Change:
    target: Target
    ops: tuple[Op, ...]


@dataclass(frozen=True)
class Create:
    """A new resource, as data, for the namespace it protects or configures.

    ``output`` names the settings key (``outputs.<output>``) that may fix its file, and
    ``default`` the file the repository's layout suggests; placement puts it where an entry
    point deploys it into ``namespace`` (or refuses, saying why). ``text`` is the document
    as the repository will read it (comments naming the rule included); ``data`` is the same
    resource as plain data, for overlays and verification. ``restyle`` False keeps ``text``'s
    own indentation instead of taking the neighbours' (k8s/namespace-without-network-policy
    writes its files in the template's layout, as its golden trees record).
    """

    output: str
    default: str
    namespace: str
    data: dict
    text: str
    restyle: bool = True

    @property
    def ref(self) -> str:
        meta = self.data.get("metadata") or {}
        return f"{self.data.get('kind')} {meta.get('namespace') or self.namespace}/{meta.get('name')}"


Intent = Union[Change, Create]
