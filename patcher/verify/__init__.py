"""Verification before anything is written.

``file``: each changed file differs from its old text exactly where the edits say.
``effect``: what the changed files build or render differs from before exactly by the
changes the fixes declare (patcher.intent), whatever strategy placed them.
"""

from patcher.verify.file import verify_file

__all__ = ["verify_file"]
