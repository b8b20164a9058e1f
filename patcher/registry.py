"""Rule discovery: every module of patcher.rules with a RULE and a check is a rule.

Nobody edits a central list; a meta-test checks each module has its docstring,
fixture folder and a unique id.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterator

import patcher.rules
from patcher.findings import Finding
from patcher.rule import Context, RuleInfo
from patcher.source import Diagnostic


@dataclass(frozen=True)
class Rule:
    info: RuleInfo
    check: Callable[[Context], Iterator[Finding]]
    module: ModuleType
    # what the rule did not judge and why (hosts of things outside the repository): notes, never findings
    notes: Callable[[Context], list[Diagnostic]] | None = None

    @property
    def id(self) -> str:
        return self.info.id


def all_rules() -> list[Rule]:
    rules = []
    for module_info in pkgutil.iter_modules(patcher.rules.__path__):
        module = importlib.import_module(f"patcher.rules.{module_info.name}")
        info = getattr(module, "RULE", None)
        check = getattr(module, "check", None)
        if isinstance(info, RuleInfo) and callable(check):
            notes = getattr(module, "notes", None)
            rules.append(Rule(info, check, module, notes if callable(notes) else None))
    return sorted(rules, key=lambda r: r.id)
