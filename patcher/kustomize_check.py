"""Before apply writes: do the kustomizations a change touches still build?

The real kustomize (``kubectl kustomize``) runs on a scratch copy of the
repository with the planned changes in it; nothing of the user's is touched.
Only the kustomizations whose files the change creates, edits or deletes are
built, outermost first.
"""

from __future__ import annotations

import posixpath
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from patcher.discover import KUSTOMIZATION_NAMES
from patcher.plan import FileChange
from patcher.source import PatcherError

TIMEOUT_SECONDS = 120


def affected_kustomizations(root: Path, changes: Sequence[FileChange]) -> list[str]:
    """Folders (repository-relative) holding a kustomization at or above a changed file."""
    folders: set[str] = set()
    for change in changes:
        normal = posixpath.normpath(change.path)
        if normal.startswith(("/", "../")) or normal == "..":
            continue  # outside the repository: the writer refuses it, and no folder of it is looked at
        folder = posixpath.dirname(normal)
        while True:
            if any((root / folder / name).is_file() for name in KUSTOMIZATION_NAMES) or \
                    any(c.path == posixpath.join(folder, n) and c.new is not None for c in changes
                        for n in KUSTOMIZATION_NAMES):
                folders.add(folder)
            parent = posixpath.dirname(folder)
            if not folder or parent == folder:  # the root, or "/" for a path that is not relative
                break
            folder = parent
    return sorted(folders)


@dataclass(frozen=True)
class KustomizeCheck:
    built: tuple[str, ...] = ()  # kustomization folders built with the changes in place
    skipped: str = ""  # why the check did not run, when it should have


def check_kustomize(root: Path, changes: Sequence[FileChange]) -> KustomizeCheck:
    """Build every affected kustomization with the changes in place; raise if one fails.

    Without kubectl nothing is built and nothing is raised, and the result says the
    check was skipped; a kustomization that did not build before the change is not
    held against it.
    """
    folders = affected_kustomizations(root, changes)
    if not folders:
        return KustomizeCheck()
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return KustomizeCheck(skipped=(
            f"kubectl was not found, so the {len(folders)} kustomization(s) the change touches were not "
            "built before writing (install kubectl to have `kubectl kustomize` check them)"))
    with tempfile.TemporaryDirectory(prefix="patcher-kustomize-") as tmp:
        scratch = Path(tmp) / "repo"
        shutil.copytree(root, scratch, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        for change in changes:
            target = scratch / change.path
            if target.is_symlink():
                target.unlink()  # the copy keeps links as links: never write through one to the original
            if change.new is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(change.new, encoding="utf-8")
        built = []
        for folder in folders:
            if (root / folder).is_dir() and _build(kubectl, root / folder).returncode != 0:
                continue  # broken before the change: not this change's doing, and not for it to block
            run = _build(kubectl, scratch / folder)
            built.append(folder)
            if run.returncode != 0:
                reason = " ".join(run.stderr.strip().splitlines()[-2:])[:400]
                raise PatcherError(f"after the fixes, `kubectl kustomize {folder or '.'}` fails: {reason}",
                                   posixpath.join(folder, "kustomization.yaml"),
                                   hint="nothing was written; skip the rule whose fix breaks the build and "
                                        "report it")
    return KustomizeCheck(tuple(built))


def _build(kubectl: str, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS)
