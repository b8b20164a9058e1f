"""`patcher pr` end to end: a real git repository, a real bare remote on disk, and a GitHub REST
server on 127.0.0.1 (tests/fake_github.py). Every test runs the command as a user would, in a
child process, and looks at what landed on the remote, on the server and in the user's clone."""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers import apply, read_tree

from .world import TOKEN, applied_tree, git, remote_tree


def test_first_run_opens_one_pull_request_per_rule_stacked_and_merging_them_in_turn_equals_apply(world, tmp_path):
    expected = applied_tree(world, tmp_path)
    result = world.pr_json("--label", "patcher", "--reviewer", "alice")
    rows = [(p["status"], p["branch"], p["base"], p["stacked_on"]) for p in result["pull_requests"]]
    assert rows == [
        ("opened", "patcher/istio/route-to-missing-service", "main", None),
        ("opened", "patcher/istio/destination-without-circuit-breaker", "patcher/istio/route-to-missing-service",
         "patcher/istio/route-to-missing-service"),
    ]
    pulls = world.open_pulls()
    assert [(p["head"]["ref"], p["base"]["ref"]) for p in pulls] == [(r[1], r[2]) for r in rows]
    first, second = pulls
    assert first["title"] == "fix(istio): VirtualService route to a Service that does not exist (a prefixed namesake does)"
    assert f"Stacked on #{first['number']} (`patcher/istio/route-to-missing-service`)" in second["body"]
    assert [label["name"] for label in first["labels"]] == ["patcher"]
    assert [r["login"] for r in first["requested_reviewers"]] == ["alice"]
    # one commit per fix, Conventional Commits, the files and why in the body
    log = git(world.remote, "log", "--format=%s%n%b%x00", "main..patcher/istio/destination-without-circuit-breaker")
    commits = [c.strip() for c in log.split("\0") if c.strip()]
    assert len(commits) == len(result["pull_requests"][1]["commits"]) + 1  # its own and the one below it
    assert all(c.startswith("fix(istio): ") for c in commits)
    assert all("Files:\n- deploy/" in c and "Rule: istio/" in c for c in commits)
    for pull in pulls:  # parents first: GitHub retargets the stacked one to main when its base branch goes
        world.merge(pull["number"])
    assert world.gh.pulls[second["number"]]["base"]["ref"] == "main"
    assert remote_tree(world, tmp_path, "merged") == expected


def test_second_run_opens_none_and_edits_bodies_that_differ(world, tmp_path):
    world.pr_json()
    heads = world.branches()
    numbers = [p["number"] for p in world.open_pulls()]
    again = world.pr_json()
    assert [p["status"] for p in again["pull_requests"]] == ["unchanged", "unchanged"]
    assert world.branches() == heads  # the same commits: nothing pushed
    template = tmp_path / "pr.md.j2"
    template.write_text("Routing fixes: {{ branch }}\n\n{{ findings | length }} findings on {{ base }}.\n")
    edited = world.pr_json("--template", str(template))
    assert [p["status"] for p in edited["pull_requests"]] == ["updated", "updated"]
    assert [p["number"] for p in world.open_pulls()] == numbers  # no duplicate
    assert [p["title"] for p in world.open_pulls()] == [
        "Routing fixes: patcher/istio/route-to-missing-service",
        "Routing fixes: patcher/istio/destination-without-circuit-breaker"]
    assert world.open_pulls()[0]["body"] == "1 findings on main.\n"


def test_a_fix_already_merged_opens_nothing_and_says_so(world, tmp_path):
    world.pr_json()
    first, second = world.open_pulls()
    world.merge(first["number"])
    result = world.pr_json()
    # the stacked one is cut from main now: its fix no longer needs the other branch
    assert [(p["status"], p["branch"], p["base"]) for p in result["pull_requests"]] == [
        ("updated", "patcher/istio/destination-without-circuit-breaker", "main")]
    assert [(o["status"], o["branch"], o["number"]) for o in result["other_pull_requests"]] == [
        ("merged", "patcher/istio/route-to-missing-service", first["number"])]
    assert len(world.open_pulls()) == 1
    done = world.pr()
    assert "merged: patcher/istio/route-to-missing-service" in done.stderr and "already" in done.stderr


def test_a_pull_request_whose_fix_is_no_longer_needed_is_reported_and_closed_only_when_asked(world, tmp_path):
    world.pr_json()
    # the team fixes both by hand on main, without merging patcher's pull requests
    apply(world.work / "deploy")
    git(world.work, "add", "-A")
    git(world.work, "commit", "-qm", "fix routing by hand")
    git(world.work, "push", "-q", "origin", "main")
    reported = world.pr_json()
    assert reported["pull_requests"] == []
    assert sorted((o["status"], o["branch"]) for o in reported["other_pull_requests"]) == [
        ("stale", "patcher/istio/destination-without-circuit-breaker"), ("stale", "patcher/istio/route-to-missing-service")]
    assert len(world.open_pulls()) == 2
    closed = world.pr_json("--close-stale")
    assert sorted(o["status"] for o in closed["other_pull_requests"]) == ["closed", "closed"]
    assert world.open_pulls() == []


def test_a_failure_half_way_leaves_a_state_the_next_run_repairs(world):
    world.gh.fail("POST", r"/repos/acme/shop/pulls$", status=500, times=1)
    broken = world.pr("--format", "json")
    assert broken.returncode == 2
    rows = json.loads(broken.stdout)["pull_requests"]
    assert [p["status"] for p in rows] == ["failed", "opened"]
    assert "500" in rows[0]["error"]
    assert set(world.branches()) == {"main", "patcher/istio/route-to-missing-service",
                                     "patcher/istio/destination-without-circuit-breaker"}  # pushed before the API
    repaired = world.pr_json()
    assert [p["status"] for p in repaired["pull_requests"]] == ["opened", "updated"]  # its body now links #N
    assert len(world.open_pulls()) == 2


def test_dry_run_pushes_nothing_and_calls_no_api(world):
    before = world.branches()
    done = world.pr("--dry-run", token=None)
    assert done.returncode == 0, done.stderr
    assert world.branches() == before
    assert world.gh.requests == []
    assert "title: fix(istio): VirtualService route to a Service that does not exist" in done.stdout
    assert "+++ b/deploy/" in done.stdout  # the diff
    assert "would-open" in done.stdout


def test_the_users_branch_index_and_files_are_left_exactly_as_they_were(world):
    deploy = world.work / "deploy"
    first = sorted(p for p in deploy.rglob("*.yaml"))[0]
    first.write_text(first.read_text() + "# work in progress\n")
    (world.work / "notes.txt").write_text("untracked\n")
    (world.work / "app" / "main.go").write_text("package main // staged\n")
    git(world.work, "add", "app/main.go")
    git(world.work, "switch", "-q", "-c", "feature")
    snapshot = (read_tree(world.work), git(world.work, "status", "--porcelain=v2", "--branch"),
                git(world.work, "ls-files", "-s"), (world.work / ".git" / "config").read_bytes())
    world.pr_json()
    assert (read_tree(world.work), git(world.work, "status", "--porcelain=v2", "--branch"),
            git(world.work, "ls-files", "-s"), (world.work / ".git" / "config").read_bytes()) == snapshot
    # planned from main on the remote, not from the working tree: the edit is not in any branch
    assert "work in progress" not in git(world.remote, "show", "patcher/istio/route-to-missing-service:deploy/"
                                         + first.relative_to(world.work / "deploy").as_posix())


def test_the_token_appears_nowhere(world, tmp_path):
    world.pr_json("--label", "patcher")
    world.pr("--reviewer", "mallory", "--single")  # GitHub refuses: an error message is printed
    bad = world.pr(token=TOKEN[:-1] + "x")
    assert bad.returncode == 2 and "401 Bad credentials" in bad.stderr
    assert TOKEN[:-1] + "x" not in bad.stderr
    world.pr("--dry-run")
    for text in world.outputs:
        assert TOKEN not in text
    for config in (world.work / ".git" / "config", world.remote / "config"):
        assert TOKEN not in config.read_text()
    for request in world.gh.requests:
        assert TOKEN not in request.path and TOKEN not in json.dumps(request.query)


def test_no_token_is_a_clear_error(world):
    done = world.pr(token=None)
    assert done.returncode == 2
    assert done.stderr.startswith("error: no GitHub token: set GITHUB_TOKEN or GH_TOKEN")
    assert world.branches() == {"main": world.branches()["main"]}


def test_single_puts_every_fix_in_one_pull_request(world, tmp_path):
    expected = applied_tree(world, tmp_path)
    result = world.pr_json("--single")
    assert [(p["status"], p["branch"], p["base"]) for p in result["pull_requests"]] == [
        ("opened", "patcher/fixes", "main")]
    world.merge(world.open_pulls()[0]["number"])
    assert remote_tree(world, tmp_path, "merged") == expected


def test_a_reviewer_github_refuses_fails_that_pull_request_with_githubs_reason(world):
    done = world.pr("--reviewer", "mallory", "--format", "json")
    assert done.returncode == 2
    rows = json.loads(done.stdout)["pull_requests"]
    assert all(p["status"] == "failed" for p in rows)
    assert "422 Validation Failed" in rows[0]["error"] or "not a collaborator" in rows[0]["error"]


def test_overlay_strategy_opens_one_pull_request_adding_an_overlay_that_builds(world, tmp_path):
    before = remote_tree(world, tmp_path, "before")
    result = world.pr_json("--strategy", "overlay")
    assert [(p["status"], p["branch"], p["base"]) for p in result["pull_requests"]] == [
        ("opened", "patcher/overlay", "main")]
    assert "kustomize build: the overlay `overlays/patcher` built with `kubectl kustomize`" in world.open_pulls()[0]["body"]
    world.merge(world.open_pulls()[0]["number"])
    after = remote_tree(world, tmp_path, "after")
    added = sorted(set(after) - set(before))
    assert added[0] == "overlays/patcher/README.md" and "overlays/patcher/kustomization.yaml" in added
    assert {p: after[p] for p in before} == before  # the repository's own files are not edited
    built = subprocess.run(["kubectl", "kustomize", str(tmp_path / "after" / "deploy" / "overlays" / "patcher")],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "name: prod-ledger-api" in built.stdout
    assert world.pr_json("--strategy", "overlay")["pull_requests"] == []  # its fixes are on main now


@pytest.mark.parametrize("missed", [1, 2])
def test_an_open_pull_request_the_listing_misses_is_edited_not_duplicated(world, missed):
    first = world.pr_json()  # pushes and opens both
    number = world.open_pulls()[0]["number"]
    # 1: the listing of every pull request misses it (it is asked for by its branch);
    # 2: that question too, so creating it is refused (422, already exists) and it is edited instead
    world.gh.fail("GET", r"/repos/acme/shop/pulls$", status=200, times=missed, body=[])
    again = world.pr_json()
    refused = [r for r in world.gh.requests if r.method == "POST" and r.status == 422]
    assert len(refused) == (1 if missed == 2 else 0)
    assert [p["status"] for p in again["pull_requests"]] == ["unchanged", "unchanged"]
    assert [p["number"] for p in world.open_pulls()][0] == number == first["pull_requests"][0]["number"]
