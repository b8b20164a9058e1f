"""`patcher pr --strategy overlay`: one pull request adding patcher's Kustomize overlay of the fixes
(what `patcher overlay --out DIR` writes) instead of editing the repository's files.

The overlay is generated as a whole (its kustomization lists every patch), so it is one branch,
``patcher/overlay``, and one commit; fixes an overlay cannot carry (a chart's files, a script) are
named in the body as left to `patcher pr` in place. It is verified by building the overlay with
`kubectl kustomize` in the clone.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from pathlib import Path

from patcher.overlay.write import write_overlay
from patcher.plan import Plan
from patcher.pr.clone import Clone
from patcher.pr.commits import Committer
from patcher.pr.passes import FixStep
from patcher.pr.stack import Built, Commit
from patcher.pr.units import Unit
from patcher.source import PatcherError

KEY = "overlay"


def overlay_branch(clone: Clone, plan: Plan, committer: Committer, folder: str, options: list[str]):
    """The built branch (None when the overlay would be empty), its build check, notes, and why each
    fix it leaves out is left out (by finding identity)."""
    out = clone.root / folder
    command = " ".join(["patcher overlay", *map(shlex.quote, options), shlex.quote(clone.prefix or "."),
                        "--out", shlex.quote(folder)])
    written = write_overlay(plan, out, clone.prefix or ".", command, force=False)
    notes = list(dict.fromkeys(f"not in the overlay: {e.finding.rule} at {e.finding.location}: {e.why}"
                               for e in written.elsewhere))
    left = {e.finding.identity: f"not in the overlay: {e.why}" for e in written.elsewhere}
    if not written.files:
        _restore(clone, folder)
        return None, "", notes + [written.note], left
    checked = _build_check(out, folder)
    files: dict[str, str | None] = {f"{folder}/{name}": (out / name).read_text(encoding="utf-8")
                                     for name in written.files}
    _restore(clone, folder)
    for old in clone.git.out("ls-tree", "-r", "--name-only", clone.base_sha, "--", committer.path(folder)).splitlines():
        relative = old[len(clone.prefix) + 1:] if clone.prefix else old
        files.setdefault(relative, None)  # a file of the previous overlay it no longer has
    carried = [f for f in plan.findings if f.identity in written.carried]
    steps = tuple(FixStep(i, 1, f) for i, f in enumerate(carried))
    unit = Unit(KEY, steps)
    message = (f"fix: add patcher's Kustomize overlay with {len(carried)} fix{'es' if len(carried) != 1 else ''}\n\n"
               f"Written by `{command}`; the repository's files are not edited.\n\nFiles:\n"
               + "".join(f"- {committer.path(p)}\n" for p in sorted(files)))
    tip = committer.commit(clone.base_sha, files, message)
    if committer.tree(tip) == committer.tree(clone.base_sha):
        return None, "", notes + [f"the overlay in {folder} on {clone.base} already has these fixes"], left
    built = Built(unit, None, tip, (Commit(tip, steps[0], tuple(sorted(files)), message.split("\n", 1)[0]),) if steps else (), dict(files))
    return built, checked, notes, left


def _restore(clone: Clone, folder: str) -> None:
    """The clone's tree as the base has it again: the overlay lives in the commit only."""
    clone.git.run("checkout", "--quiet", "--force", clone.base_sha, "--", ".", check=False)
    clone.git.run("clean", "--quiet", "-d", "--force", "--", clone.prefix or ".", check=False)


def _build_check(out: Path, folder: str) -> str:
    from patcher import kustomize_run
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return "kustomize build: not run (no kubectl on PATH)"
    scratch = Path(tempfile.mkdtemp(prefix="patcher-overlay-build-"))
    try:
        with kustomize_run.refusing_port() as proxy:
            done = kustomize_run.build(kubectl, out, kustomize_run.environment(scratch, proxy), scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["timed out"])[-1]
        raise PatcherError(f"the overlay does not build: {last}", folder,
                           hint="this is a bug in patcher's overlay; `patcher pr` in place still works")
    return f"kustomize build: the overlay `{folder}` built with `kubectl kustomize`"
