"""No rule picks files: every fix states its changes, and placement alone makes its edits.

For every rule fixture, the rule's own findings (before placement) carry no edits, every fix
states changes (or is refused by the rule, saying why), and the edits analyse reports for a
fix are exactly what placement makes of its changes.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from helpers import copy_tree
from patcher.analyse import Selection, analyse
from patcher.config import load_config
from patcher.findings import Applicability
from patcher.model import build_model
from patcher.place.placement import place_fix
from patcher.plan import load_workspace
from patcher.registry import all_rules
from patcher.rule import Context
from patcher.topology import build_topology

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*/*") if (p / "before").is_dir())
# rules that still write their own edits: strict, so the test fails (XPASS) once the rule states
# intent and the entry must go
NOT_YET: dict[str, str] = {}


def _rule_id(case: Path) -> str:
    return f"{case.parent.parent.name}/{case.parent.name}"


def _param(case: Path):
    reason = NOT_YET.get(_rule_id(case))
    # a clean case has no fix to judge: it passes either way
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason and not case.name.startswith("clean") else []
    return pytest.param(case, id=str(case.relative_to(FIXTURES)), marks=marks)


def _model(case: Path, tmp_path: Path):
    repo = copy_tree(case / "before", tmp_path / "repo")
    if (case / "config.yaml").is_file():
        shutil.copy(case / "config.yaml", repo / ".patcher.yaml")
    workspace, _ = load_workspace(repo)
    return build_model(workspace, load_config(repo))


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_rules_state_intent_and_placement_writes_it(case: Path, tmp_path: Path) -> None:
    model = _model(case, tmp_path)
    rule = next(r for r in all_rules() if r.id == _rule_id(case))
    raw = list(rule.check(Context(model, build_topology(model), model.config)))
    fixes = [f.fix for f in raw if f.fix is not None]
    assert [fix.edits for fix in fixes] == [() for _ in fixes], "a rule wrote file edits itself"
    # a fix the rule refuses itself states nothing to change, and says why
    assert all(fix.changes or (fix.applicability == Applicability.DISPLAY_ONLY and fix.reason) for fix in fixes), \
        "a fix states no changes"

    placed = [f for f in analyse(model, Selection(only=(_rule_id(case),))) if f.fix is not None]
    for finding in (f for f in placed if f.fix.edits):
        assert finding.fix.changes
        assert place_fix(model, dataclasses.replace(finding.fix, edits=())).edits == finding.fix.edits
