"""What a kustomization names: every path kustomize would read, and every remote it would fetch.

Both the model (which must not read outside the read boundary) and the pre-apply
build (which copies exactly what a build needs, and must not let kustomize reach
the network) use this one list. The fields are kustomize's own; an entry not
listed here is not read by patcher, and a build that needs it fails before and
after a change alike, so it is never held against the change.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from patcher.containment import inside, regular_file
from patcher.discover import KUSTOMIZATION_NAMES
from patcher.source import PatcherError
from patcher.yamlread import read_documents

# Kinds of entry: what kustomize accepts there.
ANY, FOLDER, FILE = "file or kustomization folder", "kustomization folder", "file"

# Fields of plain path lists, and what each entry may be.
_LISTS = {"resources": ANY, "bases": ANY, "components": FOLDER, "generators": ANY, "transformers": ANY,
          "validators": ANY, "crds": FILE, "configurations": FILE, "patchesStrategicMerge": FILE}
# Fields of objects holding one ``path``.
_PATH_OBJECTS = ("patches", "patchesJson6902", "replacements")
_GENERATORS = ("configMapGenerator", "secretGenerator")

# kustomize clones these with git (go-getter style and scp-like addresses); anything with a
# scheme is fetched over HTTP or git.
_REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|git::|gh:|[^/\s]+@[^/\s]+:|github\.com[/:])")
_HOST_LIKE = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?/")


@dataclass(frozen=True)
class Reference:
    field: str  # as a user reads it: "resources", "configMapGenerator 'app' files"; "": the file itself
    entry: str  # exactly as written
    kind: str  # ANY, FOLDER or FILE
    yaml_path: tuple[str | int, ...]  # where in the kustomization, for a line number
    remote: bool = False  # kustomize would fetch it


def references(data: Any) -> list[Reference]:
    """Every path and remote a kustomization's data names, inline patches and values left out."""
    if not isinstance(data, dict):
        return []
    return list(_walk(data))


def is_remote(entry: str, kind: str = ANY) -> bool:
    """Would kustomize fetch ``entry``? Any kind of entry is fetched over HTTP when it has a
    scheme; folders are also cloned from git forms without one (``github.com/org/repo``)."""
    if "://" in entry:
        return True
    return kind != FILE and bool(_REMOTE.match(entry) or "?ref=" in entry or "?version=" in entry)


def looks_like_host(entry: str) -> bool:
    """``example.com/org/repo``: a remote to some kustomize versions when no such local path exists."""
    return bool(_HOST_LIKE.match(entry))


def _walk(data: dict) -> Iterator[Reference]:
    for key, kind in _LISTS.items():
        for index, entry in _items(data.get(key)):
            if isinstance(entry, str) and "\n" not in entry:  # a string with a newline is inline YAML
                yield _ref(key, entry, kind, (key, index))
    for key in _PATH_OBJECTS:
        for index, entry in _items(data.get(key)):
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield _ref(key, entry["path"], FILE, (key, index, "path"))
    for key in _GENERATORS:
        for index, generator in _items(data.get(key)):
            if isinstance(generator, dict):
                yield from _generator(key, index, generator)
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield _ref("openapi", openapi["path"], FILE, ("openapi", "path"))
    for key, repo in (("helmCharts", "repo"), ("helmChartInflationGenerator", "chartRepoUrl")):
        for index, chart in _items(data.get(key)):
            if isinstance(chart, dict) and isinstance(chart.get(repo), str) and chart[repo]:
                yield Reference(key, chart[repo], FOLDER, (key, index, repo), remote=True)


def _generator(key: str, index: int, generator: dict) -> Iterator[Reference]:
    label = f"{key} '{generator.get('name', index)}'"
    for index_f, entry in _items(generator.get("files")):
        if isinstance(entry, str):
            path = entry.split("=", 1)[1] if "=" in entry else entry  # key=path
            yield _ref(f"{label} files", path, FILE, (key, index, "files", index_f))
    for index_e, entry in _items(generator.get("envs")):
        if isinstance(entry, str):
            yield _ref(f"{label} envs", entry, FILE, (key, index, "envs", index_e))
    if isinstance(generator.get("env"), str):
        yield _ref(f"{label} env", generator["env"], FILE, (key, index, "env"))


def _ref(key: str, entry: str, kind: str, yaml_path: tuple[str | int, ...]) -> Reference:
    return Reference(key, entry, kind, yaml_path, is_remote(entry, kind))


def _items(value: Any) -> Iterator[tuple[int, Any]]:
    return enumerate(value) if isinstance(value, list) else iter(())


@dataclass(frozen=True)
class Refusal:
    kustomization: str  # read-boundary-relative file that names the entry
    reference: Reference
    why: str  # REMOTE, OUTSIDE or NOT_REGULAR


REMOTE, OUTSIDE, NOT_REGULAR = "remote", "outside", "not a regular file"


def resolve(boundary: Path, folder: str, entry: str) -> tuple[str, Path | None]:
    """The boundary-relative path ``entry`` names from ``folder``, and where it really is
    (None when it leads out of ``boundary``: absolute, ``..`` too far, or through a link)."""
    target = posixpath.normpath(posixpath.join(folder, entry))
    target = "" if target == "." else target
    if posixpath.isabs(entry) or target == ".." or target.startswith("../"):
        return target, None
    return target, inside(boundary, target)


@dataclass
class Closure:
    """What building a kustomization folder reads, transitively, inside the read boundary."""

    files: set[str] = field(default_factory=set)  # boundary-relative, to copy
    refused: list[Refusal] = field(default_factory=list)  # why it cannot be built from a copy


def closure(boundary: Path, folder: str, texts: Callable[[str], list[str]]) -> Closure:
    """Follow ``folder``'s kustomization through every entry. ``texts(rel)`` gives the versions of
    a kustomization file to follow (on disk, and as a change leaves it): the copy must serve both."""
    found = Closure()
    pending, seen = [folder], {folder}
    while pending:
        current = pending.pop()
        for name in KUSTOMIZATION_NAMES:
            rel = posixpath.join(current, name) if current else name
            path = inside(boundary, rel)
            if path is not None and regular_file(path):
                found.files.add(rel)
            elif os.path.lexists(boundary / rel):  # kustomize would read it: a link out, or a FIFO
                why = OUTSIDE if path is None else NOT_REGULAR
                found.refused.append(Refusal(rel, Reference("", name, FILE, ()), why))
                continue
            for text in texts(rel):
                for ref in _parsed(text, rel):
                    nested = _follow(boundary, current, rel, ref, texts, found)
                    if nested is not None and nested not in seen:
                        seen.add(nested)
                        pending.append(nested)
    return found


def _follow(boundary: Path, folder: str, kustomization: str, ref: Reference,
            texts: Callable[[str], list[str]], found: Closure) -> str | None:
    """Record what ``ref`` brings in; a kustomization folder to visit next is returned."""
    if ref.remote:
        found.refused.append(Refusal(kustomization, ref, REMOTE))
        return None
    target, real = resolve(boundary, folder, ref.entry)
    if real is None:
        found.refused.append(Refusal(kustomization, ref, OUTSIDE))
        return None
    if ref.kind != FILE and (real.is_dir() or any(texts(posixpath.join(target, n)) for n in KUSTOMIZATION_NAMES)):
        return target
    if regular_file(real):
        found.files.add(target)
    elif os.path.lexists(real):
        found.refused.append(Refusal(kustomization, ref, NOT_REGULAR))
    elif texts(target):  # not on disk yet: a file a fix adds, which the build must see
        found.files.add(target)
    elif ref.kind != FILE and looks_like_host(ref.entry):
        found.refused.append(Refusal(kustomization, ref, REMOTE))
    return None  # missing: the build fails with or without the change


def _parsed(text: str, rel: str) -> list[Reference]:
    try:
        docs = read_documents(text, rel)
    except PatcherError:
        return []  # a build fails on it before and after alike
    return references(docs[0].data) if docs else []
