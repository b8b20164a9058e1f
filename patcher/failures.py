"""An error of the machine rather than of the repository, said as one.

A full disk or temporary folder, a quota, a file size limit, a read-only
folder: patcher's own scratch files (the Kustomize pre-check's copy, a chart's
copy, the writer's temporary files) fail with these. They end the run with exit
2 and a message naming the file that could not be written, never as "patcher
crashed"; the writer itself reports its own (patcher.writer), having changed
nothing.
"""

from __future__ import annotations

import errno
import re
import shutil

from patcher.source import PatcherError

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_ERRNO = re.compile(r"\[Errno (\d+)\] ([^:]+)")


def os_failure(exc: OSError, written: bool) -> PatcherError:
    """``exc`` as a user-facing error; ``written`` says whether apply had written its changes."""
    number, reason, filename = exc.errno, exc.strerror or str(exc), exc.filename
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        _source, filename, why = exc.args[0][0]  # copytree gathers (source, destination, why) per file
        found = _ERRNO.search(str(why))
        number, reason = (int(found[1]), found[2].strip()) if found else (None, str(why))
    outcome = "the changes were written before it" if written else "nothing in the repository was changed"
    if number in FULL:
        hint = f"free space, or set TMPDIR to a folder with room; {outcome}"
    else:
        hint = f"check the permissions and free space of that folder; {outcome}"
    verb = "cannot write" if number in FULL + (errno.EROFS,) else "file system error"
    return PatcherError(f"{verb}: {reason}", str(filename) if filename else None, hint=hint)
