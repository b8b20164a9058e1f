"""The JSON output is what docs/plan.schema.json says, on base/, on every rule fixture, from
plan and from validate; and the schema knows every edit type and every status."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from helpers import copy_tree, plan
from patcher import edits as edits_module
from patcher.cli import app
from patcher.plan import STATUSES
from patcher.render.data import render_json
from patcher.render.diff import render_diff

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO_ROOT / "docs" / "plan.schema.json").read_text(encoding="utf-8"))
FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*/*") if (p / "before").is_dir())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _errors(data: dict) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data))


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.fixture(scope="module")
def base_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_tree(REPO_ROOT / "base", tmp_path_factory.mktemp("schema") / "repo")


def test_plan_json_on_base_matches_the_schema(base_copy: Path) -> None:
    result = CliRunner().invoke(app, ["plan", str(base_copy), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["format"], data["format_version"], data["tool"]) == ("patcher-plan", 1, "patcher")
    assert _errors(data) == []
    assert {f["status"] for f in data["findings"]} <= set(STATUSES)
    assert len(data["findings"]) == 25


def test_validate_json_matches_the_schema(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n"
        "spec:\n  ports:\n    - port: '8000'\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("a: [1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert _errors(data) == []
    assert [f["rule"] for f in data["findings"]] == ["schema/invalid-resource"]
    assert [(d["level"], d["file"]) for d in data["diagnostics"]] == [("error", "broken.yaml")]


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_plan_json_of_each_fixture_matches_the_schema(case: Path, tmp_path: Path) -> None:
    repo = copy_tree(case / "before", tmp_path / "repo")
    if (case / "config.yaml").is_file():
        shutil.copy(case / "config.yaml", repo / ".patcher.yaml")
    result = plan(repo, f"{case.parent.parent.name}/{case.parent.name}")
    for shown in (result, result.written()):  # as plan prints it, and as it stands after apply
        assert _errors(json.loads(render_json(shown, render_diff(shown.changes)))) == []


def _edit_types() -> dict[str, list[str]]:
    return {name: [f.name for f in dataclasses.fields(cls)]
            for name, cls in inspect.getmembers(edits_module, inspect.isclass)
            if dataclasses.is_dataclass(cls) and cls.__module__ == edits_module.__name__}


def test_the_schema_lists_every_edit_type_with_exactly_its_fields() -> None:
    types = _edit_types()
    assert len(types) >= 10
    listed = {ref["$ref"].rsplit("/", 1)[-1].removeprefix("edit") for ref in SCHEMA["$defs"]["edit"]["oneOf"]}
    assert listed == set(types), "an edit type in patcher/edits.py is missing from docs/plan.schema.json"
    for name, fields in types.items():
        definition = SCHEMA["$defs"][f"edit{name}"]
        assert definition["properties"]["type"] == {"const": name}
        assert set(definition["properties"]) == {"type", *fields}, name
        assert definition["additionalProperties"] is False


def test_the_schema_lists_exactly_the_fix_statuses() -> None:
    assert SCHEMA["$defs"]["status"]["enum"] == list(STATUSES)


def test_the_schema_rejects_what_patcher_would_never_write(base_copy: Path) -> None:
    good = json.loads(CliRunner().invoke(app, ["plan", str(base_copy), "--format", "json"]).stdout)
    mutations = {
        "unknown status": lambda d: d["findings"][0].__setitem__("status", "resolved"),
        "unknown edit type": lambda d: d["findings"][0]["fix"]["edits"][0].__setitem__("type", "Rewrite"),
        "extra field": lambda d: d["findings"][0]["location"].__setitem__("offset", 3),
        "line 0": lambda d: d["findings"][0]["location"].__setitem__("line", 0),
        "other format version": lambda d: d.__setitem__("format_version", 2),
    }
    for what, mutate in mutations.items():
        bad = copy.deepcopy(good)
        mutate(bad)
        assert _errors(bad), what
