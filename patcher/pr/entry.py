"""The command's error handling: every failure is one redacted line and exit 2, never a traceback
that could carry the token."""

from __future__ import annotations

from rich.console import Console

from patcher.failures import os_failure
from patcher.pr.command import Options, run_pr
from patcher.pr.secrets import redact
from patcher.source import PatcherError


def pr_command(values: dict) -> int:
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    try:
        return run_pr(Options(**values), out, err)
    except PatcherError as exc:
        err.print(f"error: {redact(str(exc))}", markup=False, soft_wrap=True)
    except OSError as exc:
        err.print(f"error: {redact(str(os_failure(exc, False)))}", markup=False, soft_wrap=True)
    except Exception as exc:  # a bug: said without its traceback, whose frames could hold the token
        err.print(f"error: patcher crashed: {type(exc).__name__}: {redact(str(exc))}\n"
                  "hint: this is a bug in patcher, not in your repository; your branch, index and files "
                  "are untouched", markup=False, soft_wrap=True)
    return 2
