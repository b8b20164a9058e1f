"""Before apply writes: do the kustomizations a change touches still build?

The real kustomize (``kubectl kustomize``) builds each affected kustomization
twice, before and after the change, in a scratch copy that holds exactly what
those kustomizations name (transitively, within the read boundary: a monorepo
subfolder's ``../../platform/base`` too), laid out at the same relative paths.
Files are copied, never links, so nothing in the copy leads out of it. A
kustomization that names a remote or a path outside the boundary is not built
(kustomize would fetch or read it); a note says so.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Sequence

from patcher import kustomize_run
from patcher.scratch import directory as scratch_directory, folder as scratch_folder
from patcher.containment import boundary, inside, regular_file
from patcher.discover import KUSTOMIZATION_NAMES, discover
from patcher.kustomize_refs import NOT_REGULAR, OUTSIDE, Refusal, closure
from patcher.plan import FileChange
from patcher.source import PatcherError


def affected_kustomizations(root: Path, changes: Sequence[FileChange]) -> list[str]:
    """Folders (repository-relative) holding a kustomization at or above a changed file (the
    check also builds those whose entries name a changed file from elsewhere: an overlay's base)."""
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
    skipped: str = ""  # why the check did not run at all, when it should have
    notes: tuple[str, ...] = ()  # kustomizations the check could not build, and why


def check_kustomize(root: Path, changes: Sequence[FileChange]) -> KustomizeCheck:
    """Build every affected kustomization with the changes in place; raise if one fails.

    A change whose path leads out of the repository is refused before anything is
    copied or built. Without kubectl nothing is built and nothing is raised, and the
    result says the check was skipped; a kustomization that did not build before the
    change is not held against it.
    """
    for change in changes:
        _contained(root, change.path)
    folders = affected_kustomizations(root, changes)
    if not folders:
        return KustomizeCheck()
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return KustomizeCheck(skipped=(
            f"kubectl was not found, so the {len(folders)} kustomization(s) the change touches were not "
            "built before writing (install kubectl to have `kubectl kustomize` check them)"))
    scope = _Scope(root, changes)
    closures = {f: closure(scope.boundary, scope.rel(f), scope.texts)
                for f in sorted({posixpath.dirname(k) for k in discover(root).kustomizations} | set(folders))}
    changed = set(scope.changed)
    folders = [f for f, found in closures.items() if f in folders or found.files & changed]
    files: set[str] = set()
    buildable, notes = [], []
    for folder in folders:
        found = closures[folder]
        if found.refused:
            notes.append(_note(scope, folder, found.refused))
        else:
            buildable.append(folder)
            files |= found.files
    if not buildable:
        return KustomizeCheck(notes=tuple(notes))
    try:
        built, slow = _build_all(kubectl, scope, buildable, files, changes)
    except OSError as exc:  # a full or unwritable temporary folder
        raise PatcherError(f"the Kustomize pre-check could not prepare its scratch copy in "
                           f"{scratch_folder()}: {exc.strerror or exc}; nothing was written",
                           hint="free space in the temporary folder (or point TMPDIR elsewhere) and run "
                                "apply again") from None
    notes += [f"`kubectl kustomize {f or '.'}` did not finish within {kustomize_run.TIMEOUT_SECONDS} s even "
              "before the change and was stopped: the Kustomize pre-check was skipped for it" for f in slow]
    return KustomizeCheck(built, notes=tuple(notes))


class _Scope:
    """The repository inside its read boundary, and the texts a build sees before and after."""

    def __init__(self, root: Path, changes: Sequence[FileChange]) -> None:
        self.root = Path(os.path.realpath(root))
        self.boundary = boundary(root)
        prefix = self.root.relative_to(self.boundary).as_posix()
        self.prefix = "" if prefix == "." else prefix
        self.changed = {self.rel(c.path): c.new for c in changes}

    def rel(self, path: str) -> str:
        """Repository-relative to boundary-relative."""
        return posixpath.join(self.prefix, path) if self.prefix and path else (self.prefix or path)

    def shown(self, rel: str) -> str:
        """Boundary-relative as the user names it: from the repository folder."""
        return Path(os.path.relpath(self.boundary / rel, self.root)).as_posix()

    def texts(self, rel: str) -> list[str]:
        found = []
        path = inside(self.boundary, rel)
        if path is not None and regular_file(path):
            try:
                found.append(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                pass  # unreadable: kustomize cannot read it either, before or after
        if self.changed.get(rel) is not None:
            found.append(self.changed[rel])
        return found


def _note(scope: _Scope, folder: str, refused: list[Refusal]) -> str:
    first = refused[0]
    ref, kustomization = first.reference, scope.shown(first.kustomization)
    if not ref.field:  # the kustomization file itself
        what = "is a link leading outside the repository" if first.why == OUTSIDE else "is not a regular file"
    elif first.why == OUTSIDE:
        what = f"names '{ref.entry}' ({ref.field}), which is outside the repository"
    elif first.why == NOT_REGULAR:
        what = f"names '{ref.entry}' ({ref.field}), which is not a regular file"
    else:
        what = f"names the remote {ref.field} entry '{ref.entry}', which kustomize would fetch"
    more = f" (and {len(refused) - 1} more such entries)" if len(refused) > 1 else ""
    return (f"{kustomization} {what}{more}: the Kustomize pre-check was skipped for it, "
            f"`kubectl kustomize {folder or '.'}` was not run before writing")


def _build_all(kubectl: str, scope: _Scope, folders: list[str], files: set[str],
               changes: Sequence[FileChange]) -> tuple[tuple[str, ...], list[str]]:
    """The folders built after the change, and those whose build before it timed out."""
    with scratch_directory("patcher-kustomize-") as tmp, \
            kustomize_run.refusing_port() as proxy:
        scratch = Path(tmp)
        tree = scratch / "tree"
        tree.mkdir()
        for rel in sorted(files):
            source = inside(scope.boundary, rel)
            if source is not None and regular_file(source):
                (tree / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, tree / rel)  # the content, never a link
        env = kustomize_run.environment(scratch, proxy)
        before = {f: kustomize_run.build(kubectl, tree / scope.rel(f), env, scratch).returncode
                  for f in folders if _has_kustomization(tree / scope.rel(f))}
        for change in changes:
            _write(tree, scope.rel(change.path), change)
        built = []
        for folder in folders:
            if before.get(folder, 0) != 0:
                continue  # broken before the change: not this change's doing, and not for it to block
            run = kustomize_run.build(kubectl, tree / scope.rel(folder), env, scratch)
            built.append(folder)
            if run.returncode != 0:
                raise _failed(folder, run, [str(tree / scope.prefix) + os.sep, str(tree) + os.sep])
    return tuple(built), [f for f, code in before.items() if code is None]


def _failed(folder: str, run: kustomize_run.Build, scratch_prefixes: list[str]) -> PatcherError:
    if run.returncode is None:
        reason = f"it did not finish within {kustomize_run.TIMEOUT_SECONDS} s and was stopped"
    else:
        stderr = run.stderr
        for prefix in scratch_prefixes:  # the copy's paths, as the repository names them
            stderr = stderr.replace(prefix, "")
        reason = " ".join(stderr.strip().splitlines()[-2:])[:400]
    return PatcherError(f"after the fixes, `kubectl kustomize {folder or '.'}` fails: {reason}",
                        posixpath.join(folder, "kustomization.yaml"),
                        hint="nothing was written; skip the rule whose fix breaks the build and report it")


def _has_kustomization(folder: Path) -> bool:
    return any((folder / name).is_file() for name in KUSTOMIZATION_NAMES)


def _write(tree: Path, rel: str, change: FileChange) -> None:
    """One change into the copy, checked to land inside it (the copy holds no links)."""
    target = inside(tree, rel)
    if target is None or target != Path(os.path.realpath(tree)) / rel:
        raise PatcherError("refusing to write outside the Kustomize pre-check's scratch copy; nothing was "
                           "written", change.path)
    if change.new is None:
        target.unlink(missing_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(change.new, encoding="utf-8")


def _contained(root: Path, path: str) -> None:
    """A change's path must stay inside the repository: relative, no ``..``, and no folder on
    the way that is a link leading out (the file itself may be a link: the writer refuses it)."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
        raise PatcherError("refusing to write outside the repository (an absolute path or one that climbs "
                           "out with '..'); nothing was written", path,
                           hint="this is a bug in patcher or its settings: report it")
    for depth in range(1, len(parts)):
        folder = "/".join(parts[:depth])
        if inside(root, folder) is None:
            raise PatcherError(f"refusing to write through '{folder}', a symbolic link to a folder outside "
                               "the repository; nothing was written", path,
                               hint="replace the link with a folder, or skip the rule that writes there")
