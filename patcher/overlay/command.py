"""The `patcher overlay` command's body: plan, write the overlay, tell what was left out."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.markup import escape

from patcher.failures import os_failure
from patcher.overlay.layout import elsewhere_lines
from patcher.overlay.write import write_overlay
from patcher.plan import Plan
from patcher.source import PatcherError


def run_overlay(make_plan: Callable[[Console], Plan], path: Path, out: Path | None, post_renderer: Path | None,
                force: bool, options: list[str] = ()) -> int:
    """0: nothing to write; 1: the overlay was written; 2: an error (nothing written). ``options``:
    those that choose the fixes, repeated in the line the README says made the overlay."""
    err = Console(stderr=True, highlight=False)
    if (out is None) == (post_renderer is None):
        return _fail(err, PatcherError("give one of --out DIR or --post-renderer DIR",
                                       hint="--out writes an overlay of the repository's kustomization; "
                                            "--post-renderer one for Helm's rendered output"))
    folder = out if out is not None else post_renderer
    flag = "--out" if out is not None else "--post-renderer"
    command = " ".join(["patcher overlay", *map(shlex.quote, options), shlex.quote(str(path)), flag,
                        shlex.quote(str(folder))])
    try:
        plan = make_plan(err)
        written = write_overlay(plan, folder, str(path), command, force, post_renderer is not None)
    except PatcherError as exc:
        return _fail(err, exc)
    except OSError as exc:
        return _fail(err, os_failure(exc, False))
    for line in elsewhere_lines(written.elsewhere, str(path), set(written.carried)):
        err.print(line, markup=False, soft_wrap=True)
    if not written.files:
        err.print(written.note, markup=False, soft_wrap=True)
        return 0
    err.print(f"overlay: {len(written.files)} files written to {folder}", markup=False, soft_wrap=True)
    return 1


def _fail(err: Console, exc: PatcherError) -> int:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
    return 2
