"""Where patcher may read and write: inside the repository, and nowhere else.

Every path patcher opens because a repository file named it (a values file, an
output path, a kustomization entry, a link) goes through ``inside`` first, so
that a hostile repository cannot point patcher at ``/proc/self/environ`` or a
file beside the checkout. Non-regular files (FIFOs, devices, sockets) are never
opened: reading one can block forever.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` with every link resolved, or None when that leads out of ``root``
    (an absolute path, ``..``, or a link anywhere along the way)."""
    real_root = Path(os.path.realpath(root))
    try:
        target = Path(os.path.realpath(root / rel))
    except (OSError, ValueError):  # a link loop on some Pythons, a NUL byte in the name
        return None
    if target == real_root or real_root in target.parents:
        return target
    return None


def regular_file(path: Path) -> bool:
    """A file that can be read without blocking: no FIFO, device or socket; links followed."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def readable_inside(root: Path, rel: str) -> Path | None:
    """The resolved path of a regular file inside ``root`` named ``rel``, else None."""
    target = inside(root, rel)
    return target if target is not None and regular_file(target) else None


def link_loop(path: Path) -> bool:
    """A symbolic link that never reaches a file (it resolves back onto itself)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == 40  # ELOOP
    return False


def boundary(root: Path) -> Path:
    """How far reads may reach: the git work tree that holds ``root`` (a subfolder of a
    monorepo may name ``../base``), else ``root`` itself. Writes stay inside ``root``."""
    real = Path(os.path.realpath(root))
    for folder in (real, *real.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return real
