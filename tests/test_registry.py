"""Meta-tests: every rule is documented, has fixtures, and has a unique id;
the generated rule reference is current; nothing of the samples is hard-coded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from patcher.registry import all_rules
from patcher.render.rules import render_rule_docs

REPO = Path(__file__).resolve().parent.parent
RULES = all_rules()
SECTIONS = ("What it finds:", "Why it matters:", "Example:", "Fixed example")


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rule_id in ids:
        assert re.fullmatch(r"[a-z0-9]+/[a-z0-9-]+", rule_id), rule_id
        assert not rule_id.split("/")[1].startswith("no-"), rule_id


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_is_documented(rule) -> None:
    doc = rule.module.__doc__ or ""
    for section in SECTIONS:
        assert section in doc, f"{rule.id} docstring lacks '{section}'"
    assert rule.info.safety, f"{rule.id} does not say when its fix is safe"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_module_is_named_for_its_id(rule) -> None:
    assert rule.module.__name__.rsplit(".", 1)[1] == rule.id.replace("/", "_").replace("-", "_")


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_has_fixture_cases(rule) -> None:
    folder = REPO / "tests" / "fixtures" / rule.id
    cases = [c for c in folder.glob("*") if (c / "before").is_dir()]
    assert cases, f"no fixture cases under {folder.relative_to(REPO)}"


def test_rule_reference_is_current() -> None:
    assert (REPO / "docs" / "rules.md").read_text() == render_rule_docs(RULES), \
        "run `patcher rules --format markdown > docs/rules.md`"


SAMPLE_FACTS = re.compile(r"\b(31541|31026|31542|31543|31090|app-stack|app-gateway|07-test-api|storefront|"
                          r"shop\.example\.com|30080)\b")


def test_no_sample_fact_is_hard_coded() -> None:
    hits = []
    for path in sorted((REPO / "patcher").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if SAMPLE_FACTS.search(line):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert hits == []
