"""Run the rules over one model, and drop what the repository asked to ignore."""

from __future__ import annotations

import re
from dataclasses import dataclass

from patcher.config import Config
from patcher.findings import Finding
from patcher.model import Model
from patcher.registry import Rule, all_rules
from patcher.rule import Context
from patcher.source import PatcherError
from patcher.topology import build_topology

IGNORE = re.compile(r"#\s*patcher:\s*ignore\[([^\]]+)\]")


@dataclass(frozen=True)
class Selection:
    """Which rules run: --rule picks, --skip and the settings' ``disable`` drop."""

    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()

    def rules(self, config: Config) -> list[Rule]:
        rules = all_rules()
        known = {r.id for r in rules}
        for rule_id in self.only + self.skip:
            if rule_id not in known:
                raise PatcherError(f"unknown rule '{rule_id}'", hint="`patcher rules` lists the rule ids")
        for key in ("disable", "enable"):
            for rule_id in config[key]:
                if rule_id not in known:
                    raise PatcherError(f"unknown rule '{rule_id}' in '{key}'", config.source,
                                       hint="`patcher rules` lists the rule ids")
        return [r for r in rules if config.enabled(r.id, self.only, self.skip, r.info.default_enabled)]


def analyse(model: Model, selection: Selection, derived: bool | None = None) -> list[Finding]:
    """Findings of the selected rules; ``derived`` True or False keeps only rules that derive
    policy from the routing, or only the others."""
    context = Context(model, build_topology(model), model.config)
    findings: list[Finding] = []
    for rule in selection.rules(model.config):
        if derived is not None and rule.info.derived != derived:
            continue
        try:
            findings += [f for f in rule.check(context) if not _ignored(model, f)]
        except (PatcherError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # a rule's bug must not look like the user's mistake
            raise PatcherError(f"rule {rule.id} failed on this repository: {type(exc).__name__}: {exc}",
                               hint=f"please report it; `--skip {rule.id}` works around it") from exc
    return sorted(findings, key=lambda f: (-f.severity, f.sort_key()))


def _ignored(model: Model, finding: Finding) -> bool:
    text = model.workspace.texts.get(finding.location.file)
    if text is None:
        return False
    lines = text.splitlines()
    first, last = _scope(model, finding)
    for line in lines[max(first - 1, 0):last]:
        for match in IGNORE.finditer(line):
            if finding.rule in [r.strip() for r in match.group(1).split(",")]:
                return True
    return False


def _scope(model: Model, finding: Finding) -> tuple[int, int]:
    """Lines (1-based, inclusive) whose ignore comments cover a finding.

    In YAML: the whole document, with the comments above it. Elsewhere: the
    finding's line and the one before.
    """
    loc = finding.location
    docs = model.documents.get(loc.file)
    if docs is None or loc.doc is None or loc.doc >= len(docs):
        return (loc.line - 1, loc.line)
    doc = docs[loc.doc]
    start = docs[loc.doc - 1].node.end_mark.line + 1 if loc.doc > 0 else 1
    return (start, doc.node.end_mark.line + 1)
