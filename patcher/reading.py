"""Opening a repository file without blocking and without being led elsewhere.

A path was checked (discovery, ``containment``) before it gets here, but the
file could change between the check and the open; so the open itself refuses
a link (O_NOFOLLOW) and never waits (O_NONBLOCK: a FIFO with no writer would
block the read forever), and what was opened is checked to be a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from patcher.source import PatcherError

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"))


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(name: str, mode: int) -> PatcherError:
    return PatcherError(f"not a regular file ({kind_of(mode)}): not read", name,
                        hint="patcher reads only regular files; remove it or add it to .gitignore")


@contextmanager
def open_regular(path: Path, name: str) -> Iterator[BinaryIO]:
    """``path`` opened for reading, when it is a regular file and not a link; else PatcherError
    naming ``name``. Other OSErrors (permissions, a missing file) are the caller's to word."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise PatcherError("is a symbolic link: not read", name) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise not_regular(name, mode)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_regular(path: Path, name: str) -> bytes:
    with open_regular(path, name) as handle:
        return handle.read()
