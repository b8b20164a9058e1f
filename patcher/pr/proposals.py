"""From the plan on the base branch to the pull requests to propose: branches built and stacked,
each with its title, body and diff, and how it was verified."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from patcher import __version__
from patcher.plan import WOULD_FIX, Plan
from patcher.pr import review
from patcher.pr.body import Text, render
from patcher.pr.clone import Clone
from patcher.pr.commits import Committer
from patcher.pr.overlay_branch import overlay_branch
from patcher.pr.passes import Replay
from patcher.pr.semantic import describe, summary_lines
from patcher.pr.stack import Built, Stacker, Unmergeable
from patcher.pr.units import Unit, units
from patcher.registry import all_rules
from patcher.report.changes import flow_changes

PlanFor = Callable[[Path, tuple[str, ...]], Plan]  # a plan of the given rules (all when empty) of a folder


@dataclass
class Proposal:
    built: Built
    base: str  # the branch its pull request targets
    start: str  # the commit its own commits start from
    text: Text
    diff: str
    files: list[dict]
    stacked_on: str | None = None  # the branch it is stacked on
    status: str = ""
    url: str = ""
    number: int | None = None
    error: str = ""
    context: dict = field(default_factory=dict, repr=False)
    template: Path | None = None

    def linked(self, parent_number: int) -> None:
        """Name the pull request it is stacked on by number, once that one has one (GitHub links #N)."""
        if self.stacked_on and self.context.get("stacked_on"):
            self.context["stacked_on"] = {**self.context["stacked_on"], "link": f"#{parent_number}"}
            self.text = render(self.context, self.template)

    @property
    def branch(self) -> str:
        return self.built.unit.branch


@dataclass
class Proposed:
    plan: Plan
    proposals: list[Proposal]
    notes: list[str] = field(default_factory=list)


def propose(clone: Clone, plan: Plan, plan_for: PlanFor, committer: Committer, single: bool,
            template: Path | None, shown_path: str, overlay: tuple[str, list[str]] | None = None) -> Proposed:
    """``overlay``: (folder, the options that chose the fixes) for --strategy overlay."""
    notes: list[str] = []
    replay = Replay(plan, plan.model.workspace.texts if plan.model is not None else {})
    if overlay is not None:
        built, checked, told, left = overlay_branch(clone, plan, committer, *overlay)
        if built is None:
            return Proposed(plan, [], told)
        fixed_by = {**left, **{s.finding.identity: f"in `{built.unit.branch}`" for s in built.unit.steps}}
        verified = [checked, "the repository's own files are not edited: the overlay builds on its kustomization"]
        return Proposed(plan, [_proposal(clone, plan, plan_for, committer, replay, built, None, clone.base_sha,
                                         fixed_by, template, shown_path, verified)], told)
    if not replay.exact and not single:
        single = True
        notes.append("the fixes could not be replayed one by one; they go in one pull request (patcher/fixes)")
    made = units(replay.steps, single)

    def standalone(unit: Unit, commit: str):
        try:
            alone = plan_at(clone, plan_for, commit, unit.rules)
        except Exception:  # a plan that fails alone says the unit is not independent, nothing more
            return None
        return {c.path: c.new for c in alone.changes}

    try:
        built = Stacker(replay, made, committer, clone.base_sha, standalone, exact=single).run()
    except Unmergeable as exc:
        notes.append(f"{exc}; every fix goes in one pull request (patcher/fixes)")
        made = units(replay.steps, True)
        built = Stacker(replay, made, committer, clone.base_sha, standalone, exact=True).run()
    fixed_by = {s.finding.identity: f"in `{b.unit.branch}`" for b in built for s in b.unit.steps}
    by_key = {b.unit.key: b for b in built}
    proposals = []
    for each in built:
        parent = by_key[each.parent] if each.parent else None
        start = parent.tip if parent else clone.base_sha
        proposals.append(_proposal(clone, plan, plan_for, committer, replay, each, parent, start, fixed_by,
                                   template, shown_path))
    return Proposed(plan, proposals, notes)


def _proposal(clone, plan, plan_for, committer, replay, built: Built, parent: Built | None, start: str,
              fixed_by, template, shown_path, verified: list[str] | None = None) -> Proposal:
    git = clone.git
    diff = git.run("diff", "--no-color", "--no-renames", start, built.tip).stdout.decode("utf-8", "replace")
    files = review.numstat(git.out("diff", "--numstat", "--no-renames", start, built.tip))
    own = [p for p in sorted(built.content) if _before(replay, parent, p) != built.content[p]]
    changes = []
    for path in own:
        changes += describe(committer.path(path), _before(replay, parent, path), built.content[path])
    unit = built.unit
    rules = {r.id: r for r in all_rules()}
    here = {s.finding.identity for s in unit.steps}
    flows: list[str] = []
    if verified is None:
        replanned, again = _replan(clone, plan_for, built)
        verified = review.verified(plan, own, replanned, True, clone.base, committer.path)
        flows = flow_changes(plan, again) if again is not None else []
    context = {
        "path": shown_path or ".", "base": clone.base, "base_sha": clone.base_sha,
        "branch": unit.branch, "version": __version__,
        "rules": [{"id": r, "summary": rules[r].info.summary if r in rules else r} for r in unit.rules],
        "findings": [{"severity": s.finding.severity.label, "rule": s.finding.rule, "location": committer.path(str(s.finding.location)),
                      "message": s.finding.message} for s in unit.steps],
        "checklist": review.checklist(plan, here, fixed_by, committer.path),
        "semantic": summary_lines(changes),
        "files": files,
        "verified": verified,
        "flows": flows,
        "commands": review.commands(plan, clone.prefix, unit.branch, unit.rules, own),
        "diff": diff, "diff_lines": diff.count("\n"),
        "stacked_on": ({"branch": parent.unit.branch, "link": f"`{parent.unit.branch}`", "why": built.why}
                       if parent else None),
        "skipped": [s.finding.message for s in built.skipped],
    }
    text = render(context, template)
    return Proposal(built, parent.unit.branch if parent else clone.base, start, text, diff, files,
                    parent.unit.branch if parent else None, context=context, template=template)


def _before(replay: Replay, parent: Built | None, path: str) -> str | None:
    if parent is not None and path in parent.content:
        return parent.content[path]
    return replay.original[path] if path in replay.original else replay.text({}, path)


def plan_at(clone: Clone, plan_for: PlanFor, commit: str, rules: tuple[str, ...]) -> Plan:
    """A plan of ``rules`` on the tree of ``commit``, checked out beside the clone's."""
    if commit == clone.base_sha:
        return plan_for(clone.root, rules)
    folder = Path(tempfile.mkdtemp(prefix="patcher-tree-"))
    checkout = folder / "tree"
    try:
        clone.git.run("worktree", "add", "--quiet", "--detach", str(checkout), commit)
        return plan_for(checkout / clone.prefix if clone.prefix else checkout, rules)
    finally:
        clone.git.run("worktree", "remove", "--force", str(checkout), check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _replan(clone: Clone, plan_for: PlanFor, built: Built) -> tuple[str, Plan | None]:
    """Plan the branch's own tree again with its rules: what they would still fix there (and the
    plan, whose traces say which request flows the branch changes)."""
    try:
        again = plan_at(clone, plan_for, built.tip, built.unit.rules)
    except Exception as exc:  # said in the body: a re-plan that failed is no verification
        return f"re-plan of this branch: failed ({str(exc).splitlines()[0]})", None
    left = [r for r in again.results if r.status == WOULD_FIX]
    rules = ", ".join(f"`{r}`" for r in built.unit.rules)
    if not left:
        rest = len(again.findings)
        tail = f" ({rest} finding{'s' if rest != 1 else ''} without a safe fix remain)" if rest else ""
        return f"re-plan of this branch: {rules} finds nothing left to fix{tail}", again
    return (f"re-plan of this branch: {rules} would still fix {len(left)} finding{'s' if len(left) != 1 else ''}",
            again)
