"""Which files a repository has, and what each one is.

Classification here is by name and place only; whether a YAML file is a kind
cluster config or a set of manifests is decided after it is read (see model).
Helm templates are recognised so that they are never parsed as YAML: their
chart is rendered by the Helm engine instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

YAML_SUFFIXES = (".yaml", ".yml")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SCRIPT_SUFFIXES = (".sh", ".bash")
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
SKIP_DIRS = (".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__")


@dataclass(frozen=True)
class Inventory:
    """The files of a repository by role; paths are repository-relative POSIX."""

    yaml: tuple[str, ...] = ()
    kustomizations: tuple[str, ...] = ()
    charts: tuple[str, ...] = ()  # chart root folders
    scripts: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())  # helm templates and chart files
    outside_links: tuple[str, ...] = field(default=())  # symbolic links leading out of the repository


def _ignore_spec(directory: Path, rel: str, specs: list[tuple[str, pathspec.PathSpec]]) -> None:
    gitignore = directory / ".gitignore"
    if gitignore.is_file():
        lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
        specs.append((rel, pathspec.PathSpec.from_lines("gitwildmatch", lines)))


def _ignored(rel: str, is_dir: bool, specs: list[tuple[str, pathspec.PathSpec]]) -> bool:
    for base, spec in specs:
        if base and not rel.startswith(base + "/"):
            continue
        sub = rel[len(base) + 1:] if base else rel
        if spec.match_file(sub + ("/" if is_dir else "")):
            return True
    return False


def _is_script(path: Path, name: str) -> bool:
    """Shell scripts, and Makefiles: their recipes are shell, and often curl the ingress."""
    if name.endswith(SCRIPT_SUFFIXES) or name in MAKEFILES or name.endswith(".mk"):
        return True
    if "." in name:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return False
    return head.startswith(b"#!") and (b"sh" in head.split(b"\n", 1)[0])


def discover(root: Path) -> Inventory:
    yaml_files: list[str] = []
    kustomizations: list[str] = []
    charts: list[str] = []
    scripts: list[str] = []
    skipped: list[str] = []
    specs: list[tuple[str, pathspec.PathSpec]] = []
    chart_roots: list[str] = []
    outside: list[str] = []
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        directory = Path(dirpath)
        rel_dir = directory.relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        _ignore_spec(directory, rel_dir, specs)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not _ignored(_join(rel_dir, d), True, specs)
        )
        if "Chart.yaml" in filenames:
            charts.append(rel_dir or ".")
            chart_roots.append(rel_dir)
        inside_chart = any(rel_dir == c or rel_dir.startswith(c + "/") or c == "" for c in chart_roots)
        for name in sorted(filenames):
            rel = _join(rel_dir, name)
            full = directory / name
            if _ignored(rel, False, specs):
                continue
            if full.is_symlink() and not _inside(full, real_root):
                outside.append(rel)
                continue
            if inside_chart:
                skipped.append(rel)
            elif name in KUSTOMIZATION_NAMES:
                kustomizations.append(rel)
            elif name.endswith(YAML_SUFFIXES):
                yaml_files.append(rel)
            elif _is_script(full, name):
                scripts.append(rel)
    return Inventory(tuple(yaml_files), tuple(kustomizations), tuple(charts), tuple(scripts),
                     tuple(skipped), tuple(outside))


def _inside(link: Path, real_root: Path) -> bool:
    target = link.resolve()
    return target.is_file() and (target == real_root or real_root in target.parents)


def _join(base: str, name: str) -> str:
    return str(PurePosixPath(base) / name) if base else name
