"""Where scratch copies go: the chart copies Helm renders and the trees kustomize builds.

A plan of a large repository makes hundreds of them, each written and removed within a
second; on a disk that costs more than the builds (removing the copies alone took seconds).
Memory-backed /dev/shm is used when it is there and no other folder was chosen (TMPDIR,
or Python's tempfile.tempdir); otherwise the usual temporary folder.
"""

from __future__ import annotations

import os
import tempfile

SHM = "/dev/shm"


def folder() -> str:
    chosen = os.environ.get("TMPDIR") or tempfile.tempdir not in (None, "/tmp")
    if not chosen and os.path.isdir(SHM) and os.access(SHM, os.W_OK | os.X_OK):
        return SHM
    return tempfile.gettempdir()


def directory(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix, dir=folder())
