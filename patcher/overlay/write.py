"""`patcher overlay`: the plan's fixes written as a Kustomize overlay (or a Helm post-renderer).

The repository is never edited. The output folder is written only when it is empty, missing,
or an overlay patcher wrote before (its README says so); ``force`` overrides that.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from patcher.findings import Finding
from patcher.intent import changes as C
from patcher.overlay.collect import HELM, Collected, Elsewhere, collect
from patcher.overlay.layout import MARKER, POST_RENDER_SCRIPT, POST_RENDERER, RENDERED, TITLE, overlay_files, readme, \
    subfolder
from patcher.plan import SKIPPED_UNSAFE, Plan
from patcher.source import PatcherError
from patcher.writer import write_text

README = "README.md"


@dataclass(frozen=True)
class Written:
    files: tuple[str, ...]  # paths inside the output folder; () when there was nothing to write
    elsewhere: tuple[Elsewhere, ...]
    note: str = ""
    carried: frozenset[str] = frozenset()  # identities of the findings the overlay carries


def write_overlay(plan: Plan, out: Path, repo: str, command: str, force: bool = False,
                  post_renderer: bool = False) -> Written:
    model = plan.model
    collected = collect(plan, model, _helm_only(plan) if post_renderer else ())
    if post_renderer:
        helm = [r for r in collected.used_roots if r.startswith(HELM)]
        collected = _keep(collected, set(helm), "not rendered by Helm: `patcher overlay --out DIR` carries it")
        carried = {x.finding.identity for x in collected.items}
        collected = replace(collected, elsewhere=[e for e in collected.elsewhere  # its chart edit, done over the output
                                                  if e.chart is None or e.finding.identity not in carried])
        bases = {r: RENDERED for r in helm}
    else:
        collected = _keep(collected, {r for r in collected.used_roots if not r.startswith(HELM)},
                          "rendered by Helm: `patcher apply` writes it to the chart, "
                          "`patcher overlay --post-renderer DIR` over Helm's output")
        several = len(collected.used_roots) > 1
        bases = {r: _relative(plan.root / r, out / subfolder(r, several)) for r in collected.used_roots}
    if not bases:
        note = _nothing(collected, model)
        if out.is_dir() and _ours(out):  # a stale overlay would still claim fixes nobody needs now
            _clear(out)
            note += f"; the previous overlay's files in {out} were removed"
        return Written((), tuple(collected.elsewhere), note)
    files = overlay_files(collected, bases, command, targeted=post_renderer)
    if post_renderer:
        files[POST_RENDERER] = POST_RENDER_SCRIPT
    installs = tuple(_install(r, out) for r in model.releases if HELM + f"{r.name}/{r.namespace}" in bases)
    files[README] = readme(collected, bases, command, repo, installs if post_renderer else None)
    _check_folder(out, force)
    _clear(out)
    for name, text in sorted(files.items()):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        write_text(out / name, text)
    if post_renderer:
        os.chmod(out / POST_RENDERER, 0o755)
    return Written(tuple(sorted(files)), tuple(collected.elsewhere),
                   carried=frozenset(x.finding.identity for x in collected.items))


def _install(release, out: Path) -> str:
    return (f"helm install {release.name} {release.chart} -n {release.namespace} "
            f"--post-renderer {(out / POST_RENDERER).as_posix()}")


def _helm_only(plan: Plan) -> tuple[Finding, ...]:
    """Fixes whose every change is to a Helm-rendered resource: those applied (in the chart's
    values or templates), then those placement refused only because Helm renders what they
    change. A post-renderer carries either over Helm's output."""
    rendered = {(r.kind, r.namespace, r.name): r for r in plan.model.resources if r.source.release}

    def targets(finding: Finding) -> list:
        fix = finding.fix
        found = [rendered.get((c.target.kind, c.target.namespace, c.target.name)) for c in fix.changes
                 if isinstance(c, C.Change) and isinstance(c.target, C.ResourceRef)]
        return found if fix.changes and len(found) == len(fix.changes) and None not in found else []

    applied = [a.finding for a in plan.applied if targets(a.finding)]
    done = {f.identity for f in applied}
    refused = [r.finding for r in plan.results if r.status == SKIPPED_UNSAFE and r.finding.fix is not None
               and r.finding.identity not in done
               # display-only for that reason alone (patcher.place.rendered), not because the rule says so
               and all(f"{t.ref} is rendered by Helm release" in r.finding.fix.reason for t in targets(r.finding))
               and targets(r.finding)]
    return tuple(applied + refused)


def _keep(collected: Collected, roots: set[str], why: str) -> Collected:
    """Only the items of ``roots``; the others' fixes listed once each, with ``why``."""
    kept = [x for x in collected.items if x.root in roots]
    moved = {x.finding.identity: Elsewhere(x.finding, why) for x in collected.items if x.root not in roots}
    return replace(collected, items=kept, elsewhere=list(collected.elsewhere) + list(moved.values()))


def _relative(path: Path, out: Path) -> str:
    return Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()


def _nothing(collected: Collected, model) -> str:
    if not collected.roots:
        files = sorted({e.needs for e in collected.elsewhere if e.needs})
        if files:
            raise PatcherError("the repository has no kustomization for an overlay to point at",
                               hint="a kustomization.yaml listing " + ", ".join(files) +
                                    " would let the overlay patch them; or `patcher apply` fixes them in place")
    return "no fix changes a Kubernetes resource an overlay can patch: nothing was written"


def _check_folder(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise PatcherError(f"{out} is not a folder", hint="give --out a folder (it is created when missing)")
    if force or not out.exists() or not any(out.iterdir()) or _ours(out):
        return
    raise PatcherError(f"{out} is not empty and is not an overlay patcher wrote",
                       hint="give an empty or new folder, or --force to write into it anyway")


def _ours(out: Path) -> bool:
    try:
        with open(out / README, encoding="utf-8") as handle:
            return handle.readline().rstrip("\n") == TITLE
    except OSError:
        return False


def _clear(out: Path) -> None:
    """A previous overlay's own files (its patches and resources), so none is left stale."""
    if not _ours(out):
        return
    for child in out.iterdir():
        if child.is_dir() and (child.name in ("patches", "generated") or _marked(child / "kustomization.yaml")):
            shutil.rmtree(child)
        elif child.name in (README, "kustomization.yaml", POST_RENDERER):
            child.unlink()


def _marked(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().startswith(MARKER)
    except OSError:
        return False
