"""Building a kustomization that only lists resources as the sum of what it lists.

kustomize's build time grows faster than its output: one root that gathers ten
application folders (2,000 resources) takes seconds, while the ten folders
built one by one take a fraction of it, and a fix loop that edits one file
would pay for the whole root again on every pass. A kustomization with no
transformer, generator, patch or component (only ``resources``) adds nothing of
its own to what it lists, so its output is what each listed folder builds to,
plus what its listed files build to. Each part is still built by the real
kustomize, and each is cached by the texts it reads, so the folders that are
roots of their own are built once for both, and an edit rebuilds only its part.

When the parts' sum could differ from the whole (two parts emit the same
object, one file reaches two parts, a part fails: kustomize's own message must
be told) the root is built whole, as before.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from patcher.discover import KUSTOMIZATION_NAMES
from patcher.kustomize_refs import resolve

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_KEYS = frozenset({"apiVersion", "kind", "resources"})


@dataclass(frozen=True)
class Parts:
    folders: tuple[str, ...]  # boundary-relative kustomization folders the root lists, in order
    files: tuple[str, ...]  # the resource entries naming files, as written
    kustomization: str  # the root's kustomization file, boundary-relative


def parts(boundary: Path, rel_root: str, texts: dict[str, str | None]) -> Parts | None:
    """The root's parts, when its kustomization lists resources and nothing else; else None."""
    kustomization = next((posixpath.join(rel_root, n) if rel_root else n for n in KUSTOMIZATION_NAMES
                          if texts.get(posixpath.join(rel_root, n) if rel_root else n) is not None), None)
    if kustomization is None:
        return None
    try:
        data = yaml.load(texts[kustomization], Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or not set(data) <= _PLAIN_KEYS or data.get("kind", "Kustomization") != "Kustomization":
        return None
    entries = data.get("resources")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, str) for e in entries):
        return None
    folders: list[str] = []
    files: list[str] = []
    for entry in entries:
        target, real = resolve(boundary, rel_root, entry)
        if real is None:
            return None
        if any(texts.get(posixpath.join(target, n) if target else n) is not None for n in KUSTOMIZATION_NAMES):
            folders.append(target)
        elif texts.get(target) is not None:
            files.append(entry)
        else:
            return None  # a folder without a kustomization, or a file not there: kustomize says what is wrong
    if len(set(folders)) != len(folders) or len(set(files)) != len(files):
        return None
    return Parts(tuple(folders), tuple(files), kustomization)


GROUP = 48  # files per build: a kubectl process costs about as much as building 50 small files


def file_groups(parts_: Parts) -> list[Parts]:
    """The root's listed files in groups of consecutive entries: an edit rebuilds its group only."""
    return [Parts((), parts_.files[i:i + GROUP], parts_.kustomization) for i in range(0, len(parts_.files), GROUP)]


def files_only(parts_: Parts, rel_root: str, texts: dict[str, str | None]) -> dict[str, str | None]:
    """The scratch copy's texts for the root's own files: its kustomization listing only them."""
    kustomization = "resources:\n" + "".join(f"- {json.dumps(entry)}\n" for entry in parts_.files)
    kept = {parts_.kustomization: kustomization}
    for entry in parts_.files:
        target = posixpath.normpath(posixpath.join(rel_root, entry))
        kept[target] = texts.get(target)
    return kept


def disjoint(groups: Iterable[Iterable[Any]], identity: Callable[[Any], tuple], file: Callable[[Any], str]) -> bool:
    """No object and no source file in two parts: then their sum is the whole build, reordered."""
    seen_ids: set[tuple] = set()
    seen_files: set[str] = set()
    for group in groups:
        ids, files = set(), set()
        for item in group:
            key = identity(item)
            if key in seen_ids or key in ids:
                return False
            ids.add(key)
            files.add(file(item))
        if files & seen_files:
            return False
        seen_ids |= ids
        seen_files |= files
    return True


def identity(data: Any) -> tuple:
    meta = data.get("metadata") if isinstance(data, dict) and isinstance(data.get("metadata"), dict) else {}
    kind = data.get("kind") if isinstance(data, dict) else None
    return (str(kind), str(meta.get("namespace") or "default"), str(meta.get("name") or ""))  # kustomize: none is default
