"""The copy of a chart that Helm renders: what the repository holds, and nothing it only points at.

Helm follows symbolic links when it loads a chart folder, so a chart file that
links to ``/proc/self/environ`` would be read by ``.Files.Get`` into a rendered
resource, and a template folder linking outside the repository would be
rendered. Helm therefore never sees the repository's folder: it gets a copy in
which every link that resolves inside the read boundary (containment.boundary)
is replaced by what it points at, and everything else is left out and named:
links leading outside, links that never reach a file, link loops, and files
that are not regular (a FIFO would block the reader forever).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from patcher.containment import boundary, inside, link_loop
from patcher.reading import kind_of
from patcher.schema_refs import MAX_SCHEMA_BYTES, SCHEMA_NAME, archive_reference, outside_reference

OUTSIDE = "a symbolic link leading outside the repository"
LOOP = "a symbolic link loop"
DANGLING = "a symbolic link to nothing"
VCS_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class LeftOut:
    path: str  # repository-relative
    why: str


def copy_chart(root: Path, chart: str, destination: Path | None) -> list[LeftOut]:
    """Copy ``root/chart`` to ``destination`` (None: only look) and say what was left out."""
    limit = boundary(root)
    source = root / chart
    left_out: list[LeftOut] = []
    real = Path(os.path.realpath(source))
    if destination is not None:
        destination.mkdir(parents=True, exist_ok=True)
    _copy_folder(real, "" if chart == "." else chart, destination, limit, frozenset({real}), left_out)
    return left_out


def _copy_folder(source: Path, rel: str, destination: Path | None, limit: Path, ancestors: frozenset[Path],
                 left_out: list[LeftOut]) -> None:
    try:
        names = sorted(os.listdir(source))
    except OSError as exc:
        left_out.append(LeftOut(rel or ".", f"a folder that cannot be read ({exc.strerror})"))
        return
    for name in names:
        if name in VCS_DIRS:
            continue  # version-control history is not chart content, and a root chart's .git can be huge
        entry_rel = f"{rel}/{name}" if rel else name
        target, mode, why = _resolve(source / name, limit, ancestors)
        if why:
            left_out.append(LeftOut(entry_rel, why))
            continue
        assert target is not None
        copy = destination / name if destination is not None else None
        if stat.S_ISDIR(mode):
            if copy is not None:
                copy.mkdir()
            _copy_folder(target, entry_rel, copy, limit, ancestors | {target}, left_out)
            continue
        why = _reaches_outside(target, name)
        if why:
            left_out.append(LeftOut(entry_rel, why))
            continue
        if copy is not None:
            try:
                shutil.copyfile(target, copy)
            except OSError as exc:
                left_out.append(LeftOut(entry_rel, f"a file that cannot be read ({exc.strerror})"))


def _reaches_outside(path: Path, name: str) -> str:
    """Why Helm must not see a file that would make it load a document from elsewhere."""
    try:
        if name == SCHEMA_NAME:
            with open(path, "rb") as handle:
                text = handle.read(MAX_SCHEMA_BYTES + 1)
            if len(text) > MAX_SCHEMA_BYTES:
                return "a values schema too large to check for references outside itself"
            found = outside_reference(text)
            return f"a values schema that refers to '{found}', outside itself" if found else ""
        if name.endswith((".tgz", ".tar.gz")):
            found = archive_reference(path)
            return f"a packed subchart holding {found}" if found else ""
    except OSError:
        return ""  # copying it fails next and says why
    return ""


def _resolve(path: Path, limit: Path, ancestors: frozenset[Path]) -> tuple[Path | None, int, str]:
    """What ``path`` stands for: (real path, its mode, "") or (None, 0, why it is left out)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return None, 0, f"a file that cannot be read ({exc.strerror})"
    target = path
    if stat.S_ISLNK(mode):
        if link_loop(path):
            return None, 0, LOOP
        resolved = inside(limit, os.path.realpath(path))
        if resolved is None:
            return None, 0, OUTSIDE
        try:
            mode = os.stat(resolved).st_mode
        except OSError:
            return None, 0, DANGLING
        target = resolved
    if stat.S_ISDIR(mode):
        # a folder linking to one that holds it would be copied without end
        return (None, 0, LOOP) if target in ancestors else (target, mode, "")
    if stat.S_ISREG(mode):
        return target, mode, ""
    return None, 0, f"not a regular file but {kind_of(mode)}"
