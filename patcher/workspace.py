"""The repository as patcher reads it: the files' texts, and their parses kept by text.

A workspace is what is on disk, or what a plan has computed in memory; the
model (patcher.model) is what those texts mean.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Mapping

from patcher.discover import Inventory
from patcher.source import PatcherError
from patcher.yamlread import Document, read_documents


@dataclass(frozen=True)
class Workspace:
    root: Path
    texts: Mapping[str, str]  # every file patcher reads or may edit, by relative path
    inventory: Inventory

    def with_texts(self, texts: Mapping[str, str]) -> "Workspace":
        return Workspace(self.root, texts, self.inventory)

    def texts_under(self, prefixes: tuple[str, ...]) -> dict[str, str]:
        """The texts of the files whose paths start with one of ``prefixes``."""
        return {p: self.texts[p] for p in self.files_under(prefixes)}

    @property
    def yaml_files(self) -> list[str]:
        kustomizations = set(self.inventory.kustomizations)
        return sorted(p for p in self.texts if p.endswith((".yaml", ".yml"))
                      and p not in kustomizations and not self._in_chart(p))

    @property
    def scripts(self) -> list[str]:
        scripts = set(self.inventory.scripts)
        return sorted(p for p in self.texts if p in scripts)

    def files_under(self, prefixes: tuple[str, ...]) -> list[str]:
        """``[p for p in texts if p.startswith(prefixes)]``, found by bisection: every release's
        render asks, on every pass, and a repository of many charts has many files."""
        paths, place = self._sorted_paths
        found = set()
        for prefix in prefixes:
            for index in range(bisect_left(paths, prefix), len(paths)):  # no slice: it would copy the rest
                if not paths[index].startswith(prefix):
                    break
                found.add(paths[index])
        return sorted(found, key=place.__getitem__)

    @cached_property
    def _sorted_paths(self) -> tuple[list[str], dict[str, int]]:
        # texts are not changed once a workspace holds them (a plan's passes each make their own)
        return sorted(self.texts), {path: index for index, path in enumerate(self.texts)}

    def _in_chart(self, path: str) -> bool:
        return self.inventory.chart_index.chart_of(path) is not None


class ParseCache:
    """Parsed documents by file text, so a plan's later passes re-read only edited files."""

    def __init__(self) -> None:
        self._docs: dict[tuple[str, str], list[Document]] = {}
        self._renders: dict[tuple, list] = {}
        self._kept: dict[tuple, object] = {}
        self.disk: dict[str, str | None] = {}  # boundary-relative path -> its text on disk (None: none)
        self.closures: dict[str, tuple] = {}  # kustomization folder -> (texts it read, its closure)

    def documents(self, path: str, text: str) -> list[Document]:
        key = (path, text)
        if key not in self._docs:
            self._docs[key] = read_documents(text, path)
        return self._docs[key]

    def kept(self, key: tuple, produce):
        """``produce()`` once per key: what is derived from texts alone (the key holds them)."""
        if key not in self._kept:
            self._kept[key] = produce()
        return self._kept[key]

    def holds(self, key: tuple) -> bool:
        return key in self._renders

    def rendered(self, key: tuple, produce) -> list:
        """``produce()`` once per key; a failure is kept too, so that a chart that ran into a
        limit is not rendered again (and waited for again) by every pass of the fix loop."""
        if key not in self._renders:
            try:
                self._renders[key] = produce()
            except PatcherError as exc:
                self._renders[key] = exc
        kept = self._renders[key]
        if isinstance(kept, PatcherError):
            raise kept
        return kept
