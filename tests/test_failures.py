"""The machine's errors that reach the command line unhandled read as such, naming the file."""

from __future__ import annotations

import errno
import shutil

from patcher.failures import os_failure


def test_a_full_disk_names_the_file_and_says_what_happened_to_the_repository() -> None:
    exc = OSError(errno.ENOSPC, "No space left on device", "/tmp/patcher-chart-x/chart/values.yaml")
    before, after = os_failure(exc, written=False), os_failure(exc, written=True)
    assert str(before) == ("/tmp/patcher-chart-x/chart/values.yaml: cannot write: No space left on device\n"
                           "  hint: free space, or set TMPDIR to a folder with room; nothing in the repository "
                           "was changed")
    assert after.hint.endswith("the changes were written before it")


def test_a_copy_that_failed_names_the_first_file_it_could_not_copy() -> None:
    exc = shutil.Error([("/repo/a.yaml", "/tmp/x/a.yaml", "[Errno 27] File too large: '/tmp/x/a.yaml'"),
                        ("/repo/b.yaml", "/tmp/x/b.yaml", "[Errno 27] File too large: '/tmp/x/b.yaml'")])
    error = os_failure(exc, written=False)
    assert (error.file, error.message) == ("/tmp/x/a.yaml", "cannot write: File too large")


def test_another_error_is_not_called_a_full_disk() -> None:
    error = os_failure(OSError(errno.EACCES, "Permission denied", "/tmp/x"), written=False)
    assert error.message == "file system error: Permission denied"
    assert error.hint.startswith("check the permissions")
