"""bench/teams.py, the multi-team benchmark tree: deterministic, linear in the team count, and
a tree on which a plan does real work across many rules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from patcher.analyse import Selection
from patcher.config import load_config
from patcher.helm import Release, render
from patcher.plan import make_plan
from patcher.source import PatcherError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from teams import generate_teams  # noqa: E402

# what a plan of two teams finds; a rule that stops firing (or starts) should be looked at
RULES_OF_TWO_TEAMS = {
    "istio/destination-without-circuit-breaker",
    "istio/duplicate-gateway-host",
    "istio/gateway-secret-not-in-repository",
    "istio/namespace-without-mtls",
    "istio/route-without-timeout",
    "istio/unreachable-route",
    "k8s/namespace-without-network-policy",
    "kind/unused-port-mapping",
    "script/url-unmapped-port",
}


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def counts(root: Path) -> tuple[int, int, int]:
    files = [Path(d) / n for d, _, names in os.walk(root) for n in names]
    yaml = [p for p in files if p.suffix in (".yaml", ".yml")]
    return len(files), len(yaml), sum(1 for p in files if p.suffix == ".sh")


@pytest.fixture(scope="module")
def two_teams(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("teams") / "repo"
    generate_teams(root, 2)
    return root


def test_the_same_seed_writes_the_same_bytes(tmp_path, two_teams):
    again = tmp_path / "again"
    generate_teams(again, 2)
    assert tree(again) == tree(two_teams)
    other = tmp_path / "other"
    generate_teams(other, 2, seed=99)
    assert tree(other) != tree(two_teams)


def test_everything_grows_linearly_with_the_teams(tmp_path, two_teams):
    written = generate_teams(tmp_path / "eight", 8)
    assert written == counts(tmp_path / "eight")[0]
    for small, large in zip(counts(two_teams), counts(tmp_path / "eight")):
        assert large / small == pytest.approx(4, rel=0.05)


def test_a_plan_of_two_teams_works_across_many_rules(two_teams):
    plan = make_plan(two_teams, load_config(two_teams), Selection())
    assert [d for d in plan.diagnostics if d.level == "error"] == []
    assert {f.rule for f in plan.findings} == RULES_OF_TWO_TEAMS
    assert plan.changes  # the fix loop has something to write
    assert len(plan.model.releases) == 2 * 3  # per team: the umbrella and two standalone charts


def test_a_subchart_renders_only_under_its_umbrella(two_teams):
    umbrella = "teams/atlas/charts/atlas-platform"
    subchart = f"{umbrella}/charts/atlas-web"
    with pytest.raises(PatcherError, match="global.domain is required"):
        render(two_teams, Release(subchart, "web", "default"), {}, None)
    assert render(two_teams, Release(umbrella, "atlas-platform", "atlas-platform"), {}, None)
