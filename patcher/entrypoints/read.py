"""The repository's entry points, read from its scripts and its Argo CD resources."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Mapping

from patcher.containment import boundary, inside
from patcher.entrypoints.argo import argo_sources
from patcher.entrypoints.commands import Paths, read_commands
from patcher.entrypoints.records import EntryPoints
from patcher.entrypoints.shell import read_scripts
from patcher.reading import read_regular
from patcher.source import Diagnostic, PatcherError, decode
from patcher.workspace import Workspace
from patcher.yamlread import Document


def read_entry_points(workspace: Workspace,
                      documents: Mapping[str, list[Document]]) -> tuple[EntryPoints, list[Diagnostic]]:
    folders = _folders(workspace)
    found = read_commands(read_scripts(workspace.scripts, workspace.texts), _paths(workspace, folders))
    applications, notes = argo_sources(documents, folders)
    entry_points = EntryPoints(tuple(found.applies), tuple(found.patches), tuple(found.namespaces),
                               tuple(found.labels), tuple(found.port_forwards), tuple(found.helm),
                               tuple(found.istioctl), tuple(applications), tuple(found.kind_clusters))
    return entry_points, found.notes + notes


def _folders(workspace: Workspace) -> frozenset[str]:
    """The repository's folders that hold a file patcher reads or a chart ("" is the root)."""
    folders = {""}
    for path in (*workspace.texts, *(c + "/Chart.yaml" for c in workspace.inventory.charts),
                 *workspace.inventory.skipped):
        folder = posixpath.dirname(path)
        while folder and folder not in folders:
            folders.add(folder)
            folder = posixpath.dirname(folder)
    return frozenset(folders)


def _paths(workspace: Workspace, folders: frozenset[str]) -> Paths:
    limit = boundary(workspace.root)

    def on_disk(path: str) -> Path | None:
        found = inside(limit, str(workspace.root / path))
        return found if found is not None and os.path.lexists(found) else None

    def exists(path: str) -> bool:
        return path in workspace.texts or path in folders or on_disk(path) is not None

    def read(path: str) -> str | None:
        if path in workspace.texts:
            return workspace.texts[path]
        full = on_disk(path)
        if full is None:
            return None
        try:
            return decode(read_regular(full, path), path)
        except (OSError, PatcherError):
            return None

    return Paths(exists, read)
