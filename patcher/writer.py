"""Writing a plan to disk: atomically, all or nothing.

Every new text is first written to a temporary file beside its target; only
when all of them are written are they renamed over the originals (and files
deleted). So a full disk or a quota (ENOSPC, EDQUOT, EFBIG) fails before any of
the user's files is touched: the temporary files and any folder made for a new
file are removed. If a rename fails, files already renamed are restored and
created files removed. Either way the error says that nothing changed. A file
that changed on disk since it was read is never overwritten.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Sequence

from patcher.containment import inside
from patcher.plan import FileChange
from patcher.source import PatcherError


def _encode(text: str) -> bytes:
    return text.encode("utf-8")


def _new_file_mode() -> int:
    """What open() would give a new file: 0666 less the umask (mkstemp alone gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _stage(path: Path, data: bytes, mode: int | None = None) -> str:
    """``data`` in a new temporary file beside ``path``, with the mode ``path`` is to have; its name."""
    if mode is None:
        mode = path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode()
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".patcher", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, mode)
    except BaseException:
        _remove(temp)
        raise
    return temp


def _atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _stage(path, data, mode)
    try:
        os.replace(temp, path)
    except BaseException:
        _remove(temp)
        raise


def _remove(temp: str) -> None:
    if os.path.exists(temp):
        os.unlink(temp)


def write_text(path: Path, text: str) -> None:
    """One file the user named (a report, a baseline): a regular file is written atomically (a
    reader never sees half of it), through a link to it, which stays a link; anything else
    (/dev/stdout, a FIFO, a device) is written into, as a shell redirect would, never replaced."""
    target = Path(os.path.realpath(path))
    if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
        with open(target, "wb") as out:
            out.write(_encode(text))
        return
    _atomic_write(target, _encode(text))


def _check_unchanged(root: Path, change: FileChange) -> None:
    path = root / change.path
    if path.is_symlink():
        raise PatcherError("refusing to write through a symbolic link", change.path,
                           hint="edit the link's target directly")
    if inside(root, change.path) is None:
        # the plan never makes such a change; this is the last line should one slip through
        raise PatcherError("refusing to write outside the repository (the path leads out of it); "
                           "nothing was written", change.path, hint="report this to patcher")
    if change.old is None:
        if path.exists():
            raise PatcherError("the file appeared on disk after it was planned", change.path,
                               hint="run patcher again")
        return
    try:
        current = path.read_bytes()
        writable = path.stat().st_mode & 0o222
    except OSError as exc:
        raise PatcherError(f"cannot read: {exc.strerror}", change.path) from None
    if not writable:
        # root could write it anyway; a read-only file says someone does not want it changed
        raise PatcherError("the file is read-only; nothing was written", change.path,
                           hint="make it writable (chmod u+w) to let patcher fix it, or --skip the rule")
    if current != _encode(change.old):
        raise PatcherError("the file changed on disk after it was read", change.path,
                           hint="run patcher again; nothing was written")


def write_changes(root: Path, changes: Sequence[FileChange]) -> None:
    for change in changes:
        _check_unchanged(root, change)
    modes = {c.path: (root / c.path).stat().st_mode & 0o7777 for c in changes if c.old is not None}
    folders = _missing_folders(root, changes)
    staged: dict[str, str] = {}
    try:
        for change in changes:
            if change.new is not None:
                path = root / change.path
                path.parent.mkdir(parents=True, exist_ok=True)
                staged[change.path] = _stage(path, _encode(change.new), modes.get(change.path))
    except OSError as exc:
        _discard(staged, folders)
        raise _failed(exc, change.path, "nothing changed") from None
    done: list[FileChange] = []
    try:
        for change in changes:
            if change.new is None:
                (root / change.path).unlink()
            else:
                os.replace(staged[change.path], root / change.path)
                del staged[change.path]
            done.append(change)
    except OSError as exc:
        _discard(staged, ())
        _rollback(root, done, modes)
        _discard({}, folders)
        raise _failed(exc, change.path, "every file was restored, nothing changed") from None


def _failed(exc: OSError, path: str, outcome: str) -> PatcherError:
    return PatcherError(f"write failed ({exc.strerror or exc}); {outcome}", path,
                        hint="fix the cause (permissions, disk space) and run apply again")


def _missing_folders(root: Path, changes: Sequence[FileChange]) -> list[Path]:
    """Folders that writing the new files would create, deepest first."""
    missing: set[Path] = set()
    for change in changes:
        folder = (root / change.path).parent
        while change.new is not None and folder != root and not folder.exists():
            missing.add(folder)
            folder = folder.parent
    return sorted(missing, key=lambda p: len(p.parts), reverse=True)


def _discard(staged: dict[str, str], folders: Sequence[Path]) -> None:
    """Remove temporary files not renamed, and the folders made for new files (when empty)."""
    for temp in staged.values():
        _remove(temp)
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: something else is in it now


def _rollback(root: Path, done: list[FileChange], modes: dict[str, int]) -> None:
    for change in reversed(done):
        path = root / change.path
        if change.old is None:
            if path.exists():
                path.unlink()
        else:
            _atomic_write(path, _encode(change.old), modes.get(change.path))
