"""Which files a repository has, and what each one is.

Classification here is by name and place only; whether a YAML file is a kind
cluster config or a set of manifests is decided after it is read (see model).
Helm templates are recognised so that they are never parsed as YAML: their
chart is rendered by the Helm engine instead.

Only regular files are read: a FIFO with a manifest's name would block the
read forever, and a link could lead anywhere. A link is never read as a file
of its own: one to a file the walk finds anyway is that file (read once, under
its own name); any other link is named in a note and left alone. The one
exception is a linked kustomization: its entries are relative to the link's
folder, so there it is a kustomization too.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import pathspec

from patcher.containment import inside, link_loop, readable_inside
from patcher.entrypoints.shell import is_taskfile
from patcher.reading import kind_of, open_regular, read_regular
from patcher.source import Diagnostic, PatcherError

YAML_SUFFIXES = (".yaml", ".yml")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SCRIPT_SUFFIXES = (".sh", ".bash", ".ps1")
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
SKIP_DIRS = (".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__")
# the folders of a chart Helm renders or loads as dependencies; the chart's own
# files (Chart.yaml, values*.yaml) sit directly in its folder
CHART_FOLDERS = ("templates", "charts", "crds")

OUTSIDE_LINK = "symbolic link to a file outside the repository: not followed"
OUTSIDE_FOLDER_LINK = "symbolic link to a folder outside the repository: not followed, nothing in it is read"
LINK_LOOP = "symbolic link loop: the link never reaches a file; not read"


@dataclass(frozen=True)
class Inventory:
    """The files of a repository by role; paths are repository-relative POSIX."""

    yaml: tuple[str, ...] = ()
    kustomizations: tuple[str, ...] = ()
    charts: tuple[str, ...] = ()  # chart root folders
    scripts: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())  # helm templates and chart files
    outside_links: tuple[str, ...] = field(default=())  # symbolic links leading out of the repository
    unread: tuple[Diagnostic, ...] = field(default=())  # files seen and not read, and why
    links: tuple[tuple[str, str], ...] = field(default=())  # (link, the file read in its place)

    @cached_property
    def chart_index(self) -> "ChartIndex":
        return ChartIndex(self.charts)


def in_chart(chart: str, path: str) -> bool:
    """Whether ``path`` is part of the chart at ``chart`` ("." or "" for the root) as Helm sees
    it: its templates/, charts/ and crds/ folders and the files directly in its folder. Other
    folders inside it (a root chart's k8s/ or scripts/) are the repository's, not the chart's."""
    base = "" if chart in ("", ".") else chart.rstrip("/") + "/"
    if not path.startswith(base):
        return False
    parts = path[len(base):].split("/")
    return len(parts) == 1 or parts[0] in CHART_FOLDERS


class ChartIndex:
    """in_chart for many paths against many charts: a path's chart is looked up by the few
    folders of its own that could be one, not tested against every chart."""

    def __init__(self, charts: tuple[str, ...] | list[str] = ()) -> None:
        self._order: dict[str, tuple[int, str]] = {}  # in_chart's base for a chart -> (first place, chart)
        self._within: set[str] = set()  # folders of charts other than the root's
        for chart in charts:
            self.add(chart)

    def add(self, chart: str) -> None:
        base = "" if chart in ("", ".") else chart.rstrip("/") + "/"
        self._order.setdefault(base, (len(self._order), chart))
        if chart not in ("", "."):
            self._within.add(chart)

    def chart_of(self, path: str) -> str | None:
        """``next(c for c in charts if in_chart(c, path))``: the first chart (in the order added)
        that ``path`` is part of."""
        parts = path.split("/")
        last = len(parts) - 1
        found: tuple[int, str] | None = None
        base = ""
        for depth in range(last + 1):
            if depth == last or parts[depth] in CHART_FOLDERS:
                chart = self._order.get(base)
                if chart is not None and (found is None or chart[0] < found[0]):
                    found = chart
            base += parts[depth] + "/"
        return found[1] if found else None

    def under_chart(self, path: str) -> bool:
        """Whether ``path`` is anywhere inside a chart folder other than the root's (its
        folders or their subfolders): ``any(path.startswith(c + "/") for c in charts)``."""
        index = path.find("/")
        while index >= 0:
            if path[:index] in self._within:
                return True
            index = path.find("/", index + 1)
        return False


@dataclass
class _Walk:
    root: Path
    yaml: list[str] = field(default_factory=list)
    kustomizations: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    unread: list[Diagnostic] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # links to files inside, settled once all is walked
    read_as: list[tuple[str, str]] = field(default_factory=list)  # (link, target) settled links
    specs: list[tuple[str, pathspec.PathSpec]] = field(default_factory=list)
    chart_index: ChartIndex = field(default_factory=ChartIndex)

    def note(self, rel: str, message: str, level: str = "note", hint: str = "") -> None:
        self.unread.append(Diagnostic(rel, message, hint=hint, level=level))

    def chart_of(self, rel: str) -> str | None:
        return self.chart_index.chart_of(rel)

    def add_chart(self, rel_dir: str) -> None:
        self.charts.append(rel_dir)
        self.chart_index.add(rel_dir)

    def folders(self, directory: Path, rel_dir: str, names: list[str]) -> list[str]:
        """The subfolders to walk; a folder link is never walked (os.walk does not follow it either):
        one inside leads to a folder walked where it is, one outside is named in a note."""
        kept = []
        for name in sorted(names):
            rel = _join(rel_dir, name)
            if name in SKIP_DIRS or _ignored(rel, True, self.specs):
                continue
            if os.path.islink(directory / name):
                if inside(self.root, rel) is None:
                    self.note(rel, OUTSIDE_FOLDER_LINK)
                continue
            kept.append(name)
        return kept

    def file(self, directory: Path, rel: str, name: str) -> None:
        try:
            mode = os.lstat(directory / name).st_mode
        except OSError as exc:
            self.note(rel, f"cannot read: {exc.strerror}", level="error", hint="check the file's permissions")
            return
        if stat.S_ISLNK(mode):
            self.link(rel)
        elif not stat.S_ISREG(mode):
            self.note(rel, f"not a regular file ({kind_of(mode)}): not read")
        else:
            self.classify(directory, rel, name)

    def link(self, rel: str) -> None:
        full = self.root / rel
        if full.name == ".gitignore":
            self.note(rel, "symbolic link: not followed, its patterns are not applied (git does not follow "
                           "a linked .gitignore either)")
        elif link_loop(full):
            self.note(rel, LINK_LOOP, level="error", hint="point the link at a file, or remove it")
        elif inside(self.root, rel) is None:
            self.outside.append(rel)
        elif not os.path.lexists(os.path.realpath(full)):
            self.note(rel, "symbolic link to a file that does not exist: not read")
        elif readable_inside(self.root, rel) is None:
            self.note(rel, f"symbolic link to {_target_kind(full)}: not read")
        elif self.chart_of(rel) is not None:
            self.skipped.append(rel)  # a chart's own: what Helm does with it is the renderer's concern
        else:
            self.links.append(rel)

    def classify(self, directory: Path, rel: str, name: str) -> None:
        chart = self.chart_of(rel)
        # a script beside Chart.yaml is how the chart is installed, not part of it: read like any other
        if chart is not None and not (_script_name(name) and _directly_in(chart, rel)):
            self.skipped.append(rel)
        elif name in KUSTOMIZATION_NAMES:
            self.kustomizations.append(rel)
        elif name.endswith(YAML_SUFFIXES):
            self.yaml.append(rel)
            if is_taskfile(name):
                self.scripts.append(rel)  # its tasks' commands are read like a script's lines
        elif _is_script(directory / name, name):
            self.scripts.append(rel)

    def settle_links(self) -> None:
        """Each link to a file inside: that file is read once, under its own name; a link to a
        file the walk does not read (ignored, or of no kind patcher reads) is not followed."""
        real_root = Path(os.path.realpath(self.root))
        read = set(self.yaml) | set(self.kustomizations) | set(self.scripts)
        for rel in self.links:
            target = Path(os.path.realpath(self.root / rel)).relative_to(real_root).as_posix()
            if target in self.kustomizations and PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
                # its entries are relative to the link's folder: there it is a kustomization of its own
                self.kustomizations.append(rel)
            elif target in read:
                self.read_as.append((rel, target))  # nothing is left unread: its note is the plan's (read_in_place)
            elif target in self.skipped:
                self.note(rel, f"symbolic link to '{target}', a file of a Helm chart: rendered with its "
                               "chart, not read here")
            else:
                self.note(rel, f"symbolic link to '{target}', which patcher does not read (ignored, or "
                               "not a manifest, kustomization or script): not followed")


def _ignore_spec(walk: _Walk, directory: Path, rel: str) -> None:
    name = _join(rel, ".gitignore")
    if not os.path.lexists(directory / ".gitignore"):
        return
    try:
        data = read_regular(directory / ".gitignore", name)
    except PatcherError:
        return  # a link or not a regular file: the walk names it in a note
    except OSError as exc:
        walk.note(name, f"cannot read: {exc.strerror}; its patterns are not applied", level="warning")
        return
    lines = data.decode("utf-8", errors="replace").splitlines()
    walk.specs.append((rel, pathspec.PathSpec.from_lines("gitwildmatch", lines)))


def _ignored(rel: str, is_dir: bool, specs: list[tuple[str, pathspec.PathSpec]]) -> bool:
    for base, spec in specs:
        if base and not rel.startswith(base + "/"):
            continue
        sub = rel[len(base) + 1:] if base else rel
        if spec.match_file(sub + ("/" if is_dir else "")):
            return True
    return False


def _script_name(name: str) -> bool:
    return name.endswith(SCRIPT_SUFFIXES) or name in MAKEFILES or name.endswith(".mk")


def _is_script(path: Path, name: str) -> bool:
    """Shell and PowerShell scripts, and Makefiles: their recipes are shell, and often curl the
    ingress. (Taskfiles are YAML files, and scripts as well.)"""
    if _script_name(name):
        return True
    if "." in name:
        return False
    try:
        with open_regular(path, name) as handle:
            head = handle.read(64)
    except (OSError, PatcherError):
        return False
    return head.startswith(b"#!") and (b"sh" in head.split(b"\n", 1)[0])


def _target_kind(link: Path) -> str:
    try:
        return kind_of(os.stat(link).st_mode)
    except OSError as exc:
        return f"a file that cannot be read ({exc.strerror})"


def _directly_in(chart: str, path: str) -> bool:
    base = "" if chart in ("", ".") else chart.rstrip("/") + "/"
    return "/" not in path[len(base):]


def _chart_root(walk: _Walk, directory: Path, rel_dir: str, filenames: list[str]) -> None:
    """A folder with a Chart.yaml that is a regular file inside the repository is a chart, unless
    it is another chart's dependency (in its charts/): Helm renders that with its parent."""
    if "Chart.yaml" not in filenames or readable_inside(walk.root, _join(rel_dir, "Chart.yaml")) is None:
        return
    if walk.chart_of(_join(rel_dir, "Chart.yaml")) is None:
        walk.add_chart(rel_dir or ".")


def discover(root: Path) -> Inventory:
    walk = _Walk(root)
    def unreadable(exc: OSError) -> None:
        rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
        walk.note(rel, f"cannot read the folder: {exc.strerror}; nothing in it is analysed", level="warning",
                  hint="check the folder's permissions")

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        directory = Path(dirpath)
        rel_dir = directory.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        _ignore_spec(walk, directory, rel_dir)
        dirnames[:] = walk.folders(directory, rel_dir, dirnames)
        _chart_root(walk, directory, rel_dir, filenames)
        for name in sorted(filenames):
            rel = _join(rel_dir, name)
            if not _ignored(rel, False, walk.specs):
                walk.file(directory, rel, name)
    walk.settle_links()
    return Inventory(tuple(walk.yaml), tuple(walk.kustomizations), tuple(walk.charts), tuple(walk.scripts),
                     tuple(walk.skipped), tuple(walk.outside), tuple(walk.unread), tuple(walk.read_as))


def _join(base: str, name: str) -> str:
    return str(PurePosixPath(base) / name) if base else name


def read_in_place(inventory: Inventory) -> list[Diagnostic]:
    """Notes for the links whose target was read instead of them (nothing of the repository was
    left unread there, so these are kept apart from ``unread``)."""
    return [Diagnostic(link, f"symbolic link to '{target}', which is read in its place", level="note")
            for link, target in inventory.links]
