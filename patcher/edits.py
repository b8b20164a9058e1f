"""The closed set of edits a fix may make, as plain data.

A fix never carries code: it carries these records, so that the same fix can be
previewed as a diff, checked before writing, turned into a Kustomize patch or a
Helm values change, and written.

Addresses: ``file`` is a repository-relative POSIX path, ``doc`` the 0-based
index of the YAML document in that file (as ``---``-separated documents are
numbered by a YAML parser), ``path`` a tuple of mapping keys and sequence
indices from the document root. Values (``old``, ``new``, ``value``) are plain
Python data: dict, list, str, int, float, bool, None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

YamlPath = tuple[Union[str, int], ...]


@dataclass(frozen=True)
class SetValue:
    """Replace the node at ``path`` (a scalar or a whole subtree) with ``new``."""

    file: str
    doc: int
    path: YamlPath
    old: Any
    new: Any


@dataclass(frozen=True)
class InsertKey:
    """Add ``key: value`` to the mapping at ``path``.

    Placed right after the entry ``after`` when given and present, else at the
    end of the mapping.
    """

    file: str
    doc: int
    path: YamlPath
    key: str
    value: Any
    after: str | None = None


@dataclass(frozen=True)
class DeleteKey:
    """Remove the entry ``key`` (whose value is ``old``) from the mapping at ``path``."""

    file: str
    doc: int
    path: YamlPath
    key: str
    old: Any


@dataclass(frozen=True)
class MoveKey:
    """Move the entry ``key`` (whose value is ``old``) from the mapping at ``path``
    to the end of the mapping at ``to_path``, keeping its text.

    The entry's comment lines directly above it, its inline comments, the
    quoting of its scalars and blank lines inside it move with it, re-indented
    to their new place. When ``to_path`` names a key missing in an existing
    parent mapping, that key is created at the end of the parent and holds the
    moved entries: a rule moves several keys into a new mapping with one
    MoveKey each, no other edit. Several MoveKeys between the same two mappings
    keep the entries' order in the source. ``to_path`` may not lie inside the
    moved entry. It touches both ``path + (key,)`` and ``to_path + (key,)``.
    """

    file: str
    doc: int
    path: YamlPath
    key: str
    to_path: YamlPath
    old: Any


@dataclass(frozen=True)
class InsertItem:
    """Insert ``value`` into the sequence at ``path`` before ``index`` (None: append)."""

    file: str
    doc: int
    path: YamlPath
    value: Any
    index: int | None = None


@dataclass(frozen=True)
class DeleteItem:
    """Remove item ``index`` (whose value is ``old``) from the sequence at ``path``."""

    file: str
    doc: int
    path: YamlPath
    index: int
    old: Any


@dataclass(frozen=True)
class MoveItem:
    """Move item ``index`` (whose value is ``old``) of the sequence at ``path`` so that it ends up
    at ``to`` (as ``items.insert(to, items.pop(index))``), keeping its text.

    The item's comment lines directly above it at its dash's column, its inline comments and the
    comment lines right after it indented deeper than its dash move with it; blank lines and
    other text between items stay where they are. It touches the whole sequence.
    """

    file: str
    doc: int
    path: YamlPath
    index: int
    to: int
    old: Any


@dataclass(frozen=True)
class DeleteDocument:
    """Remove document ``doc`` (whose value is ``old``) with its ``---`` marker.

    When no document is left the file itself is deleted.
    """

    file: str
    doc: int
    old: Any


@dataclass(frozen=True)
class CreateFile:
    """Create ``file`` with ``content`` (text, LF line ends). The file must not exist."""

    file: str
    content: str


@dataclass(frozen=True)
class AddDocument:
    """Append a YAML document (``content``, one document's text) to ``file``.

    The file is created when it does not exist. Several AddDocument edits to one
    file are written in the order the fixes are applied.
    """

    file: str
    content: str


@dataclass(frozen=True)
class ReplaceText:
    """Replace ``old`` with ``new`` at 1-based ``line``/``column`` of a non-YAML file."""

    file: str
    line: int
    column: int
    old: str
    new: str


YamlEdit = Union[SetValue, InsertKey, DeleteKey, MoveKey, InsertItem, DeleteItem, MoveItem, DeleteDocument]


@dataclass(frozen=True)
class EditInline:
    """Apply ``edits`` to the YAML document the literal block scalar at ``path`` holds (an Argo CD
    Application's ``helm.values: |``); the inner edits address that document (their ``doc`` is 0).
    The block keeps its header and indentation; nothing outside it changes (patcher.inline_yaml)."""

    file: str
    doc: int
    path: YamlPath
    edits: tuple[YamlEdit, ...]


Edit = Union[YamlEdit, CreateFile, AddDocument, ReplaceText, EditInline]
YAML_EDITS = (SetValue, InsertKey, DeleteKey, MoveKey, InsertItem, DeleteItem, MoveItem, DeleteDocument)


def edit_paths(edit: Edit) -> tuple[YamlPath, ...]:
    """The deepest nodes an edit touches, for overlap checks and verification.

    One path for every edit but MoveKey, which touches where the entry was and
    where it goes. A path may run through a mapping the edit creates (MoveKey
    into a new mapping).
    """
    if isinstance(edit, (SetValue,)):
        return (edit.path,)
    if isinstance(edit, (InsertKey, DeleteKey)):
        return (edit.path + (edit.key,),)
    if isinstance(edit, MoveKey):
        return (edit.path + (edit.key,), edit.to_path + (edit.key,))
    if isinstance(edit, (InsertItem, DeleteItem, MoveItem, EditInline)):
        return (edit.path,)
    return ((),)

