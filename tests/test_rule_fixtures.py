"""One runner for every rule fixture: tests/fixtures/<family>/<slug>/<case>/.

Each case has before/ (a small repository), after/ (the expected tree after
apply, byte for byte), findings.json (the expected findings of that rule) and
optionally config.yaml (settings, written as the repository's .patcher.yaml).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from helpers import apply, copy_tree, finding_rows, plan, read_tree
from patcher.analyse import Selection, analyse
from patcher.config import load_config
from patcher.findings import Applicability
from patcher.model import build_model
from patcher.plan import load_workspace

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*/*") if (p / "before").is_dir())


def _rule_id(case: Path) -> str:
    return f"{case.parent.parent.name}/{case.parent.name}"


def _prepare(case: Path, tmp_path: Path) -> Path:
    repo = copy_tree(case / "before", tmp_path / "repo")
    if (case / "config.yaml").is_file():
        shutil.copy(case / "config.yaml", repo / ".patcher.yaml")
    return repo


def _tree_without_config(root: Path) -> dict[str, bytes]:
    tree = read_tree(root)
    tree.pop(".patcher.yaml", None)
    return tree


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_fixture(case: Path, tmp_path: Path, update_golden: bool) -> None:
    rule = _rule_id(case)
    repo = _prepare(case, tmp_path)
    # unsafe fixes too: after/ shows what each fix writes; findings.json records its label
    result = apply(repo, rule, unsafe=True)
    rows = finding_rows(result)
    if update_golden:
        (case / "findings.json").write_text(json.dumps(rows, indent=2) + "\n")
        shutil.rmtree(case / "after", ignore_errors=True)
        (case / "after").mkdir()
        for path, data in _tree_without_config(repo).items():
            target = case / "after" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    assert rows == json.loads((case / "findings.json").read_text())
    assert _tree_without_config(repo) == read_tree(case / "after")
    again = plan(repo, rule)
    fixable = [f for f in again.findings if f.fix and f.fix.applicability >= Applicability.SAFE]
    assert fixable == [], "plan after apply still finds fixable problems"
    assert again.changes == ()


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_rules_do_not_mutate_the_model(case: Path, tmp_path: Path) -> None:
    repo = _prepare(case, tmp_path)
    workspace, _ = load_workspace(repo)
    model = build_model(workspace, load_config(repo))
    before = copy.deepcopy([r.data for r in model.resources])
    analyse(model, Selection())
    assert [r.data for r in model.resources] == before
