"""Writing a plan to disk: atomically, all or nothing.

Each file is written to a temporary file beside it and renamed over the
original. If any write fails, files already written are restored, created
files removed, and the error says that nothing changed. A file that changed on
disk since it was read is never overwritten.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

from patcher.plan import FileChange
from patcher.source import PatcherError


def _encode(text: str) -> bytes:
    return text.encode("utf-8")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".patcher", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _check_unchanged(root: Path, change: FileChange) -> None:
    path = root / change.path
    if path.is_symlink():
        raise PatcherError("refusing to write through a symbolic link", change.path,
                           hint="edit the link's target directly")
    if change.old is None:
        if path.exists():
            raise PatcherError("the file appeared on disk after it was planned", change.path,
                               hint="run patcher again")
        return
    try:
        current = path.read_bytes()
    except OSError as exc:
        raise PatcherError(f"cannot read: {exc.strerror}", change.path) from None
    if current != _encode(change.old):
        raise PatcherError("the file changed on disk after it was read", change.path,
                           hint="run patcher again; nothing was written")


def write_changes(root: Path, changes: Sequence[FileChange]) -> None:
    for change in changes:
        _check_unchanged(root, change)
    done: list[FileChange] = []
    try:
        for change in changes:
            path = root / change.path
            if change.new is None:
                path.unlink()
            else:
                _atomic_write(path, _encode(change.new))
            done.append(change)
    except OSError as exc:
        _rollback(root, done)
        raise PatcherError(f"write failed ({exc.strerror or exc}); every file was restored, "
                           "nothing changed", getattr(exc, "filename", None) and
                           os.path.relpath(exc.filename, root) or None,
                           hint="fix the cause (permissions, disk space) and run apply again") from None


def _rollback(root: Path, done: list[FileChange]) -> None:
    for change in reversed(done):
        path = root / change.path
        if change.old is None:
            if path.exists():
                path.unlink()
        else:
            _atomic_write(path, _encode(change.old))
