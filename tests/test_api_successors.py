"""API versions with a stable successor: one note per apiVersion, with the count and the first
resource, never a finding; kinds without a stable successor (EnvoyFilter, argoproj.io) say nothing."""

from __future__ import annotations

from pathlib import Path

from helpers import copy_tree

from patcher.analyse import Selection
from patcher.config import load_config
from patcher.plan import make_plan

CASES = Path(__file__).parent / "fixtures" / "schema" / "api-version-successor"


def _notes(repo: Path, selection: Selection = Selection()) -> list[tuple[str, int | None, str]]:
    plan = make_plan(repo, load_config(repo), selection)
    return [(d.file, d.line, d.message) for d in plan.diagnostics if "stable successor" in d.message]


def test_one_note_per_api_version_with_its_count_and_first_resource(tmp_path: Path) -> None:
    repo = copy_tree(CASES / "beta-versions" / "before", tmp_path / "repo")
    assert _notes(repo) == [
        ("app.yaml", 1, "1 resource uses policy/v1beta1, which has a stable successor, policy/v1 "
                        "(since Kubernetes 1.21); the first is PodDisruptionBudget default/api"),
        ("app.yaml", 11, "2 resources use networking.istio.io/v1beta1, which has a stable successor, "
                         "networking.istio.io/v1 (since Istio 1.22); the first is DestinationRule default/api")]


def test_stable_versions_and_kinds_without_a_successor_give_no_note(tmp_path: Path) -> None:
    repo = copy_tree(CASES / "clean-stable-versions" / "before", tmp_path / "repo")
    assert _notes(repo) == []


def test_skipping_the_rule_drops_its_notes(tmp_path: Path) -> None:
    repo = copy_tree(CASES / "beta-versions" / "before", tmp_path / "repo")
    assert _notes(repo, Selection(skip=("schema/api-version-successor",))) == []
