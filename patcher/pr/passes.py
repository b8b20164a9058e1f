"""The fix passes of a plan, replayed: the texts before each pass, and what some of its fixes make.

A plan's log (``Plan.applied``) records every fix with the pass it went in and its edits as placed
in that pass, against the texts the earlier passes left. Replaying the log gives the texts before
each pass (the base of a three-way merge) and, for any fixes of one pass, the files as those fixes
alone leave them: what the commits of one pull request change, whatever branch they land on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Sequence

from patcher.containment import inside
from patcher.findings import Finding
from patcher.plan import Plan, new_edits
from patcher.reading import read_regular
from patcher.source import PatcherError, decode
from patcher.transform import apply_edits

Texts = dict[str, "str | None"]


@dataclass(frozen=True)
class FixStep:
    index: int  # its place in the plan's log
    number: int  # the pass it went in
    finding: Finding

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(sorted({e.file for e in self.finding.fix.edits}))


class Replay:
    """The plan's passes over the texts it read (files it did not read come from ``plan.root``)."""

    def __init__(self, plan: Plan, texts: Mapping[str, str]) -> None:
        self.root = plan.root
        self._disk: Texts = {}
        self.steps = tuple(FixStep(i, a.number, a.finding) for i, a in enumerate(plan.applied))
        self._starts: dict[int, Texts] = {}
        current: Texts = dict(texts)
        initial = dict(texts)
        for number in sorted({s.number for s in self.steps}):
            self._starts[number] = dict(current)
            current.update(self._together(current, [s.finding for s in self.steps if s.number == number]))
        touched = sorted({f for s in self.steps for f in s.files} | {c.path for c in plan.changes})
        self.original: Texts = {p: self.text(initial, p) for p in touched}
        self.final: Texts = {p: self.text(current, p) for p in touched}
        wanted = {c.path: c.new for c in plan.changes}
        # whether replaying ends where the plan does; if not, a single branch takes the plan's texts
        self.exact = all(self.final[p] == wanted.get(p, self.original[p]) for p in touched)
        if not self.exact:
            self.final.update(wanted)

    def text(self, state: Mapping[str, str | None], path: str) -> str | None:
        if path in state:
            return state[path]
        try:
            return self._read(path)
        except FileNotFoundError:
            return None

    def start(self, number: int, path: str) -> str | None:
        return self.text(self._starts[number], path)

    def alone(self, number: int, findings: Sequence[Finding]) -> Texts:
        """The files ``findings`` (all of pass ``number``) touch, once only they went in."""
        start = self._starts[number]
        return dict(apply_edits(start, new_edits([e for f in findings for e in f.fix.edits], set()), self._read))

    def more(self, number: int, previous: Mapping[str, str | None], finding: Finding, seen: set[str]) -> Texts:
        """``finding`` (of pass ``number``) applied over ``previous`` (others of its pass already in),
        as the plan applies a pass fix by fix; its edits already in ``seen`` are not made twice."""
        state = {**self._starts[number], **previous}
        return dict(apply_edits(state, new_edits(finding.fix.edits, seen), self._read))

    def after(self, number: int, paths) -> Texts:
        """``paths`` as pass ``number`` left them, every fix of it in."""
        later = [n for n in self._starts if n > number]
        state = self._starts[min(later)] if later else None
        if state is None:
            return {p: self.final[p] for p in paths}
        return {p: self.text(state, p) for p in paths}

    def _read(self, path: str) -> str:
        if path not in self._disk:
            full = inside(self.root, path)
            if full is None:
                raise PatcherError("a fix would edit a file outside the repository; refused", path)
            self._disk[path] = decode(read_regular(full, path), path) if os.path.lexists(full) else None
        if self._disk[path] is None:
            raise FileNotFoundError(path)
        return self._disk[path]

    def _together(self, start: Texts, findings: list[Finding]) -> Texts:
        """A pass as the plan applied it: one batch, or fix by fix when the batch fails."""
        try:
            return dict(apply_edits(start, new_edits([e for f in findings for e in f.fix.edits], set()), self._read))
        except PatcherError:
            pass
        state = dict(start)
        seen: set[str] = set()
        for finding in findings:
            attempt = set(seen)
            try:
                state.update(apply_edits(state, new_edits(finding.fix.edits, attempt), self._read))
            except PatcherError:
                continue
            seen = attempt
        return {p: t for p, t in state.items() if p not in start or start[p] != t}
