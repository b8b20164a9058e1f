"""What becomes one pull request: the applied fixes of one rule (or all of them), and their commits.

Branches are named ``patcher/<rule id>`` (``patcher/fixes`` for ``--single``); commit messages
follow Conventional Commits: ``fix(<rule family>): <what the fix does> in <where>``, a body with
the finding, the rule, why it matters and the files.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from patcher.findings import Finding
from patcher.pr.passes import FixStep

PREFIX = "patcher/"
SINGLE = "fixes"
SUBJECT_LIMIT = 100


@dataclass(frozen=True)
class Unit:
    key: str  # the rule id, or SINGLE
    steps: tuple[FixStep, ...]

    @property
    def branch(self) -> str:
        return PREFIX + self.key

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.finding.rule for s in self.steps))

    @property
    def level(self) -> int:
        """The last pass any of its fixes went in: a fix of pass 2 was placed on pass 1's texts."""
        return max(s.number for s in self.steps)

    @property
    def files(self) -> frozenset[str]:
        return frozenset(f for s in self.steps for f in s.files)


def units(steps: tuple[FixStep, ...], single: bool) -> list[Unit]:
    if single:
        return [Unit(SINGLE, steps)] if steps else []
    by_rule: dict[str, list[FixStep]] = {}
    for step in steps:
        by_rule.setdefault(step.finding.rule, []).append(step)
    made = [Unit(rule, tuple(found)) for rule, found in by_rule.items()]
    return sorted(made, key=lambda u: (u.level, u.steps[0].index))


def rule_of_branch(branch: str) -> str | None:
    return branch[len(PREFIX):] if branch.startswith(PREFIX) else None


def scope(rule: str) -> str:
    return rule.split("/", 1)[0]


def where(finding: Finding) -> str:
    loc = finding.location
    if loc.resource:
        path = _path(loc.path)
        return f"{loc.resource}" + (f" at {path}" if path else "")
    return f"{loc.file}:{loc.line}"


def _path(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def subject(finding: Finding, siblings: tuple[Finding, ...] = ()) -> str:
    """The first line; the YAML path is named only where other fixes of the unit edit the same resource."""
    title = finding.fix.title
    resource = finding.location.resource
    shared = sum(1 for f in siblings if resource and f.location.resource == resource) > 1
    place = where(finding) if shared or not resource else resource
    named = finding.location.resource and finding.location.resource.split(" ")[-1] in title
    text = f"fix({scope(finding.rule)}): {title}" + ("" if named else f" in {place}")
    if len(text) > SUBJECT_LIMIT:
        text = text[: SUBJECT_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return text


def message(finding: Finding, files: tuple[str, ...], siblings: tuple[Finding, ...] = ()) -> str:
    wrap = lambda text: "\n".join(textwrap.wrap(text, 72, break_long_words=False, break_on_hyphens=False))
    parts = [subject(finding, siblings), "", wrap(finding.message), "",
             f"Rule: {finding.rule} ({finding.severity.label}), at {finding.location}"]
    if finding.why:
        parts += ["", wrap("Why: " + finding.why)]
    if finding.fix.reason:
        parts += ["", wrap(f"Fix ({finding.fix.applicability.label}): {finding.fix.reason}")]
    parts += ["", "Files:"] + [f"- {f}" for f in files]
    return "\n".join(parts) + "\n"
