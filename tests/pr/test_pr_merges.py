"""For repositories of several shapes: the pull requests `patcher pr` opens, merged one after the
other on the remote (parents first, as a reviewer would), give exactly what `patcher apply` writes,
and no merge conflicts. Some of them stack: policy written for corrected routing, and files two
rules both list in one kustomization."""

from __future__ import annotations

import json

import pytest

from fake_github import FakeGitHub
from helpers import apply, read_tree

from .world import REPO, World, git, make_world

CASES = {
    # name: (source, where it sits in the git repository, the stacking expected: branch -> base)
    "base": (REPO / "base", "", {}),
    "tr-mesh": (REPO / "tests/repos/tr-mesh", "infra/mesh", {
        "patcher/istio/namespace-without-mtls": "patcher/istio/destination-without-circuit-breaker",
        "patcher/k8s/namespace-without-network-policy": "patcher/istio/namespace-without-mtls"}),
    "third": (REPO / "tests/repos/third", "deploy", {
        "patcher/k8s/namespace-without-network-policy": "patcher/istio/route-to-missing-service"}),
    "dep-scripts": (REPO / "tests/repos/dep-scripts", "ops", {}),
    "ig-istioctl-profile": (REPO / "tests/repos/ig-istioctl-profile", "cluster", {}),
    # one fix merges two DestinationRules (deleting a document), another edits the one that stays
    "dr-merge": (REPO / "tests/pr/repos/dr-merge", "mesh", {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_merging_every_pull_request_in_turn_equals_apply(case, tmp_path):
    source, where, stacked = CASES[case]
    work, remote = make_world(tmp_path, source, where)
    with FakeGitHub(remote) as gh:
        world = World(work, remote, gh, [])
        path = where or "."
        target = tmp_path / "applied"
        git(tmp_path, "clone", "-q", str(remote), str(target))
        apply(target / where if where else target)
        expected = read_tree(target / where if where else target)
        result = _run(world, path)
        rows = result["pull_requests"]
        assert rows and all(p["status"] == "opened" for p in rows)
        assert {p["branch"]: p["base"] for p in rows if p["base"] != "main"} == stacked
        for pull in sorted((p for p in gh.pulls.values() if p["state"] == "open"), key=lambda p: p["number"]):
            world.merge(pull["number"])
        merged = tmp_path / "merged"
        git(tmp_path, "clone", "-q", str(remote), str(merged))
        assert read_tree(merged / where if where else merged) == expected
        assert _run(world, path)["pull_requests"] == []  # nothing left to propose on the merged main


def _run(world: World, path: str) -> dict:
    done = world.pr("--format", "json", path=path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_same_repository_gives_the_same_branches_commits_and_bodies_whatever_the_hash_seed(tmp_path):
    source, where, _ = CASES["tr-mesh"]
    work, remote = make_world(tmp_path, source, where)
    with FakeGitHub(remote) as gh:
        world = World(work, remote, gh, [])
        runs = [world.pr("--dry-run", "--format", "json", path=where, env={"PYTHONHASHSEED": seed})
                for seed in ("0", "1", "2")]
    assert all(run.returncode == 0 for run in runs)
    first = json.loads(runs[0].stdout)
    assert len(first["pull_requests"]) == 4
    assert runs[1].stdout == runs[0].stdout == runs[2].stdout
