"""Reading the files that steer patcher itself: the settings (``.patcher.yaml``,
``pyproject.toml``) and a baseline.

These are read before anything else, so that a bad one ends the run (exit 2) with
a message naming it, rather than a run with other settings than the user meant.
A repository's settings may be a link, but only to a file inside the read
boundary (a monorepo's shared settings); a FIFO would block the read forever, a
link loop or a link outside is refused rather than followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from patcher.containment import inside, link_loop, regular_file
from patcher.reading import read_regular
from patcher.source import PatcherError, decode


def read_own_file(path: Path, name: str, limit: Path | None) -> str | None:
    """The text of ``path`` (called ``name`` in messages), None when nothing is there.

    ``limit``: the folder the file must resolve inside (None: anywhere, for a file the
    user named on the command line).
    """
    if not os.path.lexists(path):
        return None
    if link_loop(path):
        raise PatcherError("symbolic link loop: not read", name, hint="point the link at a file, or remove it")
    if limit is not None and inside(limit, str(path)) is None:
        if os.path.islink(path):
            raise PatcherError("symbolic link to a file outside the repository: not read", name,
                               hint="copy the file into the repository instead of linking to it")
        raise PatcherError("outside the repository: not read", name, hint="name a file inside the repository")
    if not os.path.exists(path):
        raise PatcherError("symbolic link to a file that does not exist", name, hint="fix or remove the link")
    if os.path.isdir(path):
        raise PatcherError("is a folder, not a file", name)
    if not regular_file(path):
        raise PatcherError("not a regular file (a FIFO, socket or device): not read", name,
                           hint="replace it with a plain file")
    try:  # opened so that a file swapped for a FIFO or a link since the checks above is still refused
        data = read_regular(Path(os.path.realpath(path)), name)
    except OSError as exc:
        raise PatcherError(f"cannot read: {exc.strerror}", name, hint="check the file's permissions") from None
    return decode(data, name)
