"""Duplicate keys in Helm values files: legal YAML to Helm's parser, which keeps the last one.

A values file repeating a key silently drops the first value; whoever edits the first one sees
no effect. Chart values files live inside chart folders, which are rendered rather than read as
manifests, so they are checked here: every chart's ``values.yaml`` (vendored dependencies
included) and every values file a release names.
"""

from __future__ import annotations

import os
from typing import Iterable

from patcher.containment import boundary, readable_inside
from patcher.deployed.charts import ChartGraph
from patcher.reading import read_regular
from patcher.source import Diagnostic, PatcherError, decode

MESSAGE = "duplicate key '{key}' in a values file: Helm uses the last value"
HINT = "remove one of the entries"


def values_files(graph: ChartGraph, releases: Iterable) -> list[str]:
    """Every chart's values.yaml, and the repository files releases name as values, once each."""
    files: list[str] = []
    folders = set(graph.charts)
    folders |= {d.path for info in graph.charts.values() for d in info.dependencies
                if d.folder == d.path and not d.linked}  # vendored folders in charts/
    for folder in sorted(folders):
        files.append("values.yaml" if folder in ("", ".") else f"{folder}/values.yaml")
    for release in releases:
        files += [v for v in release.values if "://" not in v]
    return list(dict.fromkeys(files))


def values_duplicates(workspace, graph: ChartGraph, releases: Iterable, cache) -> list[Diagnostic]:
    """A warning per repeated key in a values file, at its line. Files that cannot be read or
    parsed are reported by the render that needs them, not here."""
    limit = boundary(workspace.root)
    out = []
    for path in values_files(graph, releases):
        text = workspace.texts.get(path)
        if text is None:
            full = readable_inside(limit, str(workspace.root / path))
            if full is None or not os.path.isfile(full):
                continue
            try:
                text = decode(read_regular(full, path), path)
            except (OSError, PatcherError):
                continue
        try:
            docs = cache.documents(path, text)
        except PatcherError:
            continue
        out += [Diagnostic(path, MESSAGE.format(key=key), line, column, HINT, level="warning")
                for doc in docs for key, line, column in doc.duplicates]
    return out
