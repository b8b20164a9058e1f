"""The charts of a repository as Helm sees them: names, dependencies, and where each rendered
template lives on disk.

A chart folder is known by its path, but Helm knows a chart by the ``name`` its Chart.yaml
gives, and it loads a chart's dependencies from its ``charts/`` folder (vendored folders and
packaged ``.tgz`` archives) after ``helm dependency build`` has put ``file://`` dependencies
there. A chart that another chart of the repository depends on is rendered by Helm as part of
that parent, with the parent's values: it is not a release of its own unless something
installs it on its own.
"""

from __future__ import annotations

import io
import os
import posixpath
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from patcher.containment import boundary, readable_inside
from patcher.reading import read_regular
from patcher.source import PatcherError
from patcher.yamlread import read_documents

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")
MAX_ARCHIVE_BYTES = 16 << 20  # a chart archive larger than this is not a chart anyone vendors
MAX_MEMBER_BYTES = 1 << 20
MAX_MEMBERS = 2000
MAX_UNPACKED_BYTES = 64 << 20
MAX_DEPTH = 8  # nested dependencies deeper than this are a loop of file:// references


@dataclass(frozen=True)
class Dependency:
    """One chart Helm loads into a parent: a vendored folder, an archive, or a ``file://`` folder."""

    name: str  # the dependency chart's own name
    key: str  # the name Helm renders it under (its alias, else its name)
    path: str  # repository-relative: the folder or the archive it is loaded from
    folder: str | None  # the chart folder of this repository that is the same chart, if any
    linked: bool = False  # a file:// dependency Helm finds only once it is copied into charts/


@dataclass(frozen=True)
class ChartInfo:
    folder: str  # repository-relative chart root ("." for the root)
    name: str  # Chart.yaml name ("" when unreadable)
    version: str
    dependencies: tuple[Dependency, ...] = ()


@dataclass(frozen=True)
class ChartGraph:
    charts: Mapping[str, ChartInfo]  # by folder
    archives: Mapping[str, str]  # repository-relative .tgz -> the chart name its Chart.yaml gives

    def subcharts(self) -> frozenset[str]:
        """Chart folders (of the inventory) some other chart of the repository loads as a dependency."""
        return frozenset(d.folder for info in self.charts.values() for d in info.dependencies
                         if d.folder in self.charts and d.folder != info.folder)

    def vendored(self) -> tuple[str, ...]:
        """Chart folders vendored in another chart's charts/ folder (not charts of the inventory)."""
        return tuple(sorted({d.path for info in self.charts.values() for d in info.dependencies
                             if d.folder == d.path and d.path not in self.charts}))

    def parents(self, folder: str) -> tuple[str, ...]:
        return tuple(sorted(info.folder for info in self.charts.values()
                            if any(d.folder == folder for d in info.dependencies) and info.folder != folder))

    def named(self, name: str) -> tuple[str, ...]:
        """The chart folders whose Chart.yaml gives this name."""
        return tuple(sorted(f for f, info in self.charts.items() if name and info.name == name))

    def archive_chart(self, path: str) -> str | None:
        """The chart folder a packaged archive is a copy of (same Chart.yaml name), if exactly one."""
        folders = self.named(self.archives.get(path, ""))
        return folders[0] if len(folders) == 1 else None

    def linked(self, folder: str, depth: int = 0) -> tuple[tuple[str, str], ...]:
        """(path inside the chart copy, repository chart folder) for every file:// dependency, at
        any depth, that Helm finds only once ``helm dependency build`` has copied it to charts/."""
        info = self.charts.get(folder)
        if info is None or depth > MAX_DEPTH:
            return ()
        out: list[tuple[str, str]] = []
        for dep in info.dependencies:
            if not dep.linked or dep.folder is None:
                continue
            inner = f"charts/{dep.key}"
            out.append((inner, dep.folder))
            out += [(f"{inner}/{sub}", target) for sub, target in self.linked(dep.folder, depth + 1)]
        return tuple(out)

    def origins(self, folder: str, depth: int = 0) -> tuple[tuple[str, str], ...]:
        """(rendered path prefix relative to the chart, repository path it comes from) for every
        dependency at any depth: where the templates Helm renders under ``charts/KEY/`` are."""
        info = self.charts.get(folder)
        if info is None or depth > MAX_DEPTH:
            return ()
        out: list[tuple[str, str]] = []
        for dep in info.dependencies:
            inner = f"charts/{dep.key}"
            where = dep.folder or dep.path
            out.append((inner, where))
            if dep.folder is not None:
                out += [(f"{inner}/{sub}", target) for sub, target in self.origins(dep.folder, depth + 1)]
        return tuple(out)

    def packed(self, folder: str, depth: int = 0) -> tuple[tuple[str, str, str], ...]:
        """(rendered prefix, archive, chart folder) for dependencies Helm loads from an archive
        that is a packaged copy of a chart folder of the repository."""
        info = self.charts.get(folder)
        if info is None or depth > MAX_DEPTH:
            return ()
        out: list[tuple[str, str, str]] = []
        for dep in info.dependencies:
            inner = f"charts/{dep.key}"
            if dep.folder is not None and dep.path.endswith(ARCHIVE_SUFFIXES):
                out.append((inner, dep.path, dep.folder))
            elif dep.folder is not None:
                out += [(f"{inner}/{sub}", archive, target) for sub, archive, target in self.packed(dep.folder, depth + 1)]
        return tuple(out)


def template_file(chart: str, rendered: str, origins: tuple[tuple[str, str], ...]) -> str:
    """The repository file a rendered template name (relative to the chart) was rendered from."""
    best = ("", chart)
    for prefix, where in origins:
        if (rendered == prefix or rendered.startswith(prefix + "/")) and len(prefix) > len(best[0]):
            best = (prefix, where)
    prefix, where = best
    rest = rendered[len(prefix):].lstrip("/")
    if where.endswith(ARCHIVE_SUFFIXES):
        return where  # inside an archive: the archive is the file on disk
    return posixpath.normpath(posixpath.join(where, rest)) if rest else where


def chart_graph(root: Path, charts: tuple[str, ...], texts: Mapping[str, str]) -> ChartGraph:
    """Read every chart's Chart.yaml and charts/ folder. Unreadable files are left to the render,
    which reports them; here they only make a chart's name or dependencies unknown."""
    read = _reader(root, texts)
    meta = {folder: _chart_yaml(read(_join(folder, "Chart.yaml")), _join(folder, "Chart.yaml")) for folder in charts}
    archives: dict[str, str] = {}
    loaded: dict[str, list[tuple[str, str, str | None]]] = {}  # folder -> (name, path, folder) from charts/
    for folder in charts:
        found = []
        for entry in _charts_folder(root, folder):
            if entry.endswith(ARCHIVE_SUFFIXES):
                name = _archive_name(root, entry)
                if name:
                    archives[entry] = name
                    found.append((name, entry, None))
            else:
                name = _chart_yaml(read(_join(entry, "Chart.yaml")), _join(entry, "Chart.yaml"))[0]
                if name:
                    found.append((name, entry, entry))
        loaded[folder] = found
    names: dict[str, list[str]] = {}
    for folder, (name, _version, _deps) in meta.items():
        if name:
            names.setdefault(name, []).append(folder)
    infos: dict[str, ChartInfo] = {}
    for folder in charts:
        name, version, declared = meta[folder]
        dependencies: list[Dependency] = []
        present = {n for n, _p, _f in loaded[folder]}
        for dep_name, path, vendored in loaded[folder]:
            same = vendored or _only(names.get(dep_name, []))
            for key in _keys(dep_name, declared):
                dependencies.append(Dependency(dep_name, key, path, same))
        for entry in declared:
            repository = str(entry.get("repository") or "")
            dep_name = str(entry.get("name") or "")
            if not repository.startswith("file://") or dep_name in present or not dep_name:
                continue
            target = posixpath.normpath(posixpath.join(folder, repository[len("file://"):]))
            if target in meta and meta[target][0] == dep_name:
                key = str(entry.get("alias") or dep_name)
                dependencies.append(Dependency(dep_name, key, target, target, linked=True))
        infos[folder] = ChartInfo(folder, name, version, tuple(dependencies))
    return ChartGraph(infos, archives)


def _keys(name: str, declared: list[dict]) -> list[str]:
    """The names Helm renders a loaded chart under: one per alias declared for it, else its name."""
    aliases = [str(d["alias"]) for d in declared if d.get("name") == name and d.get("alias")]
    plain = any(d.get("name") == name and not d.get("alias") for d in declared)
    return aliases + [name] if plain or not aliases else aliases


def _only(folders: list[str]) -> str | None:
    return folders[0] if len(folders) == 1 else None


def _join(folder: str, name: str) -> str:
    return name if folder in ("", ".") else f"{folder}/{name}"


def _reader(root: Path, texts: Mapping[str, str]) -> Callable[[str], str | None]:
    limit = boundary(root)

    def read(rel: str) -> str | None:
        if rel in texts:
            return texts[rel]
        full = readable_inside(limit, str(root / rel))
        if full is None:
            return None
        try:
            return read_regular(full, rel).decode("utf-8", errors="replace")
        except (OSError, PatcherError):
            return None
    return read


def _chart_yaml(text: str | None, path: str) -> tuple[str, str, list[dict]]:
    """(name, version, dependencies) of a Chart.yaml; empty when it cannot be read."""
    if text is None:
        return "", "", []
    try:
        docs = read_documents(text, path)
    except PatcherError:
        return "", "", []
    data = docs[0].data if docs else None
    if not isinstance(data, dict):
        return "", "", []
    deps = data.get("dependencies")
    deps = [d for d in deps if isinstance(d, dict)] if isinstance(deps, list) else []
    return str(data.get("name") or ""), str(data.get("version") or ""), deps


def _charts_folder(root: Path, folder: str) -> list[str]:
    """The vendored chart folders and archives in a chart's charts/ folder (regular entries only)."""
    base = _join(folder, "charts")
    directory = root / base
    if directory.is_symlink() or not directory.is_dir():
        return []
    out = []
    for entry in sorted(directory.iterdir()):
        if entry.is_symlink():
            continue
        rel = f"{base}/{entry.name}"
        if entry.is_dir() and (entry / "Chart.yaml").is_file():
            out.append(rel)
        elif entry.is_file() and entry.name.endswith(ARCHIVE_SUFFIXES):
            out.append(rel)
    return out


def _archive_name(root: Path, rel: str) -> str:
    """The name the Chart.yaml at the top of a chart archive gives; "" when it cannot be read."""
    full = readable_inside(boundary(root), str(root / rel))
    if full is None:
        return ""
    try:
        data = _archive_bytes(full, rel)
        if data is None:
            return ""
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in _members(archive):
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile() and member.size <= MAX_MEMBER_BYTES:
                    handle = archive.extractfile(member)
                    text = handle.read().decode("utf-8", errors="replace") if handle else None
                    return _chart_yaml(text, rel)[0]
    except (OSError, PatcherError, tarfile.TarError, EOFError):
        return ""
    return ""


def _archive_bytes(full: Path, rel: str) -> bytes | None:
    if os.stat(full).st_size > MAX_ARCHIVE_BYTES:
        return None
    return read_regular(full, rel)


def _members(archive: tarfile.TarFile):
    """The archive's first members, read no further than a chart's size: a small archive may
    unpack to gigabytes, and only its chart files are wanted."""
    unpacked = 0
    for count, member in enumerate(archive):
        unpacked += member.size
        if count >= MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
            return
        yield member


def archive_member(root: Path, rel: str, inner: str) -> str | None:
    """The text of ``inner`` (a path below the chart's top folder) in a chart archive, or None."""
    full = readable_inside(boundary(root), str(root / rel))
    if full is None:
        return None
    try:
        data = _archive_bytes(full, rel)
        if data is None:
            return None
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in _members(archive):
                parts = member.name.split("/", 1)
                if len(parts) == 2 and parts[1] == inner and member.isfile() and member.size <= MAX_MEMBER_BYTES:
                    handle = archive.extractfile(member)
                    return handle.read().decode("utf-8", errors="replace") if handle else None
    except (OSError, PatcherError, tarfile.TarError, EOFError):
        return None
    return None


def archive_name(root: Path, rel: str) -> str:
    """The chart name of an archive anywhere in the repository (a script's ``helm install x a.tgz``)."""
    return _archive_name(root, rel) if rel.endswith(ARCHIVE_SUFFIXES) else ""
