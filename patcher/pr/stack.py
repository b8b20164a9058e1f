"""Branches for the units, stacked where one needs another, checked by merging them as a reviewer would.

Every unit starts as its own branch off the base. A unit is stacked (cut from the branch of the unit
it needs, and its pull request targets that branch) when:
- its fixes were placed on texts earlier passes changed, and fixing its rule alone on the base does
  not give the same files (policy derived from the fixed routing);
- building it, or merging it after the units before it, conflicts with one of them.
A unit needing several others stacks them in a chain. Once every branch is built, they are merged
in order onto the base with git's merge, as merging the pull requests in turn would, and the result
must equal the plan's (`patcher apply`'s): if it does not, every unit goes in one chain, and if that
still differs the caller falls back to a single branch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from typing import Callable, Mapping

from patcher.pr.commits import Committer
from patcher.pr.merge3 import Conflict, merge3
from patcher.pr.passes import FixStep, Replay
from patcher.pr.units import Unit, message
from patcher.source import PatcherError

Texts = dict[str, "str | None"]
# the changes the unit's rules make planned alone on a commit (None: the plan failed)
Standalone = Callable[[Unit, str], "Mapping[str, str | None] | None"]
NARROW_LIMIT = 8


@dataclass(frozen=True)
class Commit:
    sha: str
    step: FixStep
    files: tuple[str, ...]
    subject: str


@dataclass
class Built:
    unit: Unit
    parent: str | None  # the key of the unit it is stacked on
    tip: str
    commits: tuple[Commit, ...]
    content: Texts  # its files as the branch has them (files it does not list are as on the base)
    why: str = ""  # why it is stacked
    skipped: tuple[FixStep, ...] = ()  # fixes whose change an earlier commit already made


class Unmergeable(Exception):
    pass


@dataclass
class Stacker:
    replay: Replay
    units: list[Unit]
    committer: Committer
    base: str
    standalone: Standalone
    exact: bool = False  # one unit holding every fix: each pass ends exactly as the plan's
    requires: dict[str, set[str]] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)

    def run(self) -> list[Built]:
        order = [u.key for u in self.units]
        self.position = {k: i for i, k in enumerate(order)}
        self.by_key = {u.key: u for u in self.units}
        self.requires = {k: set() for k in order}
        for unit in self.units:
            if unit.level > 1 and not self.exact:
                self._derived(unit)
        chained = False
        for _ in range(2 * len(order) + 2):
            parents = self._linearize(order)
            try:
                built = self._build_all(order, parents)
            except _Needs as needs:
                self._add(needs.key, needs.others, needs.reason)
                continue
            problem = self._merge_in_turn(order, built)
            if problem is None:
                return [built[k] for k in order]
            if isinstance(problem, _Needs):
                self._add(problem.key, problem.others, problem.reason)
                continue
            if chained:
                break
            chained = True  # merged cleanly yet not equal to the plan: the whole set in one chain
            for before, after in zip(order, order[1:]):
                self._add(after, {before}, "merged beside the others its result differs from the plan's")
        raise Unmergeable("the fixes could not be split into pull requests that merge to the plan's result")

    def _add(self, key: str, others: set[str], reason: str) -> None:
        new = others - self.requires[key]
        if not new:
            raise Unmergeable(f"{key}: {reason}")
        self.requires[key] |= new
        self.why.setdefault(key, reason)

    def _derived(self, unit: Unit) -> None:
        """Stack a unit placed on earlier passes' texts on the fewest earlier units that, merged,
        make its rule alone fix the tree the way its commits do (none: it needs nothing)."""
        if self._explains(unit, []):
            return
        earlier = [u.key for u in self.units if u.level < unit.level]
        if not earlier:
            return
        needed = list(earlier)
        if len(earlier) <= NARROW_LIMIT:  # each trial is a plan: past this, all of them, which is safe
            for key in reversed(earlier):
                trial = [k for k in needed if k != key]
                if self._explains(unit, trial):
                    needed = trial
        self.requires[unit.key] |= set(needed)
        names = ", ".join(self.by_key[k].branch for k in needed)
        self.why[unit.key] = f"its fixes are written for what {names} change{'s' if len(needed) == 1 else ''}"

    def _explains(self, unit: Unit, keys: list[str]) -> bool:
        """Whether the unit's rules planned alone on the base with ``keys``' units merged give the
        files the unit's commits give there."""
        try:
            tip, content, prior = self.base, {}, ()
            for key in keys:
                tip, _, content, _ = self._build(self.by_key[key], tip, dict(content), prior)
                prior += self.by_key[key].steps
            mine = self._build(unit, tip, dict(content), prior)[2]
        except (Conflict, PatcherError):
            return False
        wanted = self.standalone(unit, tip)
        if wanted is None:
            return False
        return all(self._text(mine, p) == self._text({**content, **wanted}, p) for p in set(mine) | set(wanted))

    def _text(self, content: Mapping[str, str | None], path: str) -> str | None:
        return content[path] if path in content else self.replay.text({}, path)

    def _linearize(self, order: list[str]) -> dict[str, str | None]:
        """Each unit's parent: the latest unit it requires, which must itself hold the others."""
        while True:
            parent: dict[str, str | None] = {}
            for key in order:
                needed = self.requires[key]
                if not needed:
                    parent[key] = None
                    continue
                last = max(needed, key=self.position.__getitem__)
                held = {last} | _ancestors(last, parent)
                missing = needed - held
                if missing:
                    self.requires[last] |= missing
                    self.why.setdefault(last, f"{self.by_key[key].branch} needs it together with "
                                              + ", ".join(sorted(self.by_key[m].branch for m in missing)))
                    break
                parent[key] = last
            else:
                return parent

    def _build_all(self, order: list[str], parents: dict[str, str | None]) -> dict[str, Built]:
        built: dict[str, Built] = {}
        for key in order:
            unit, up = self.by_key[key], parents[key]
            start, content = (built[up].tip, dict(built[up].content)) if up else (self.base, {})
            # in the plan's order: a batch places appends to one list in the order its edits come
            prior = tuple(sorted((s for k in _ancestors(key, parents) for s in self.by_key[k].steps), key=lambda s: s.index))
            try:
                tip, commits, content, skipped = self._build(unit, start, content, prior)
            except Conflict as conflict:
                ancestors = _ancestors(key, parents)
                others = {k for k in order[: order.index(key)] if k not in ancestors
                          and conflict.path in self.by_key[k].files}
                raise _Needs(key, others or set(order[: order.index(key)]) - ancestors,
                             f"it changes {conflict.path} where an earlier one does") from None
            built[key] = Built(unit, up, tip, commits, content, self.why.get(key, "") if up else "", skipped)
        return built

    def _build(self, unit: Unit, tip: str, content: Texts, prior: tuple[FixStep, ...] = ()):
        """Its commits on ``tip`` (whose files are ``content``); ``prior``: the fixes of the units it is
        stacked on. In each pass, its fixes are placed as the plan placed them after those of the
        units below it in that pass (a list both append to keeps the plan's order), and three-way
        merged onto the branch."""
        commits: list[Commit] = []
        skipped: list[FixStep] = []
        siblings = tuple(s.finding for s in unit.steps)
        for number, group in groupby(unit.steps, key=lambda s: s.number):
            group = list(group)
            start = dict(content)
            below = [s for s in prior if s.number == number]
            seen: set[str] = set()
            theirs = self._below(number, below, seen)
            base = dict(theirs)
            for k, step in enumerate(group):
                theirs = self._theirs(number, below, group, k, theirs, seen)
                new = {p: merge3(p, base[p] if p in base else self.replay.start(number, p), self._text(start, p), t)
                       for p, t in theirs.items()}
                changed = {p: t for p, t in new.items() if self._text(content, p) != t}
                if not changed:
                    skipped.append(step)
                    continue
                files = tuple(sorted(changed))
                text = message(step.finding, tuple(map(self.committer.path, files)), siblings)
                tip = self.committer.commit(tip, changed, text)
                commits.append(Commit(tip, step, files, text.split("\n", 1)[0]))
                content.update(changed)
        return tip, tuple(commits), content, tuple(skipped)

    def _below(self, number: int, below: list[FixStep], seen: set[str]) -> Texts:
        if not below:
            return {}
        findings = [s.finding for s in sorted(below, key=lambda s: s.index)]
        seen.update(repr(e) for f in findings for e in f.fix.edits)
        try:
            return self.replay.alone(number, findings)
        except PatcherError:
            return self.replay.after(number, {f for s in below for f in s.files})

    def _theirs(self, number: int, below: list[FixStep], group: list[FixStep], k: int, previous: Texts,
                seen: set[str]) -> Texts:
        """The files once the fixes below and the group's 1..k+1 went in, as the plan's pass places them."""
        if self.exact and k == len(group) - 1:
            return self.replay.after(number, {f for s in group for f in s.files} | set(previous))
        step = group[k]
        attempt = set(seen)
        try:
            made = self.replay.more(number, previous, step.finding, attempt)
            seen.update(attempt)
            return {**previous, **made}
        except PatcherError:
            pass
        try:
            return self.replay.alone(number, [s.finding for s in below + group[: k + 1]])
        except PatcherError:
            return {**previous, **self.replay.after(number, step.files)}

    def _merge_in_turn(self, order: list[str], built: dict[str, Built]):
        """Merge every branch onto the base in order; a conflict names who the unit needs."""
        merged = self.base
        done: list[str] = []
        for key in order:
            result = self.committer.merge(merged, built[key].tip, f"Merge {built[key].unit.branch}")
            if result is None:
                ancestors = _ancestors(key, {k: b.parent for k, b in built.items()})
                others = {k for k in done if k not in ancestors and self.by_key[k].files & self.by_key[key].files}
                return _Needs(key, others or set(done) - ancestors, "merged after the others it conflicts")
            merged = result
            done.append(key)
        expected = self.committer.commit(self.base, self.replay.final, "expected")
        if self.committer.tree(merged) != self.committer.tree(expected):
            return "differs"
        return None


def _ancestors(key: str, parent: Mapping[str, str | None]) -> set[str]:
    out: set[str] = set()
    up = parent.get(key)
    while up is not None:
        out.add(up)
        up = parent.get(up)
    return out


class _Needs(Exception):
    def __init__(self, key: str, others: set[str], reason: str) -> None:
        super().__init__(key)
        self.key, self.others, self.reason = key, others, reason
