"""The fake GitHub the `patcher pr` tests talk to: GitHub's statuses and bodies, over a real bare repository."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fake_github import FakeGitHub
from helpers import run_git

TOKEN = "ghp_test_token"
ERROR_TYPE = "application/json; charset=utf-8"


class Remote:
    """A bare repository and a work clone that pushes to it."""

    def __init__(self, root: Path) -> None:
        self.bare, self.work = root / "remote.git", root / "work"
        run_git(root, "init", "--bare", "-b", "main", str(self.bare))
        run_git(root, "clone", str(self.bare), str(self.work))
        self.commit("main", "README", "hello\n")

    def commit(self, branch: str, name: str, text: str, start: str = "main") -> str:
        """A commit writing `name` on `branch` (made from `start` if new), pushed; its sha."""
        if run_git(self.work, "rev-parse", "--all").strip():  # an empty clone is already on its unborn main
            known = run_git(self.work, "branch", "--list", branch).strip()
            run_git(self.work, "checkout", "-q", *([branch] if known else ["-b", branch, start]))
        (self.work / name).write_text(text)
        run_git(self.work, "add", name)
        run_git(self.work, "commit", "-q", "-m", f"{branch}: {name}")
        run_git(self.work, "push", "-q", "origin", branch)
        return self.sha(branch)

    def sha(self, branch: str) -> str:
        return run_git(self.bare, "rev-parse", f"refs/heads/{branch}").strip()

    def branches(self) -> set[str]:
        return set(run_git(self.bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split())


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    made = Remote(tmp_path)
    made.commit("patcher/x", "a.txt", "a\n")
    return made


@pytest.fixture
def gh(remote: Remote):
    with FakeGitHub(remote.bare, token=TOKEN) as server:
        yield server


def call(gh: FakeGitHub, method: str, path: str, body: Any = None, *, auth: str | None = f"Bearer {TOKEN}",
         raw: bytes | None = None, url: str | None = None) -> tuple[int, Any, dict[str, str]]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url or gh.url + path, data=data, method=method)
    if auth:
        request.add_header("Authorization", auth)
    request.add_header("Accept", "application/vnd.github+json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, payload = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, headers, payload = exc.code, dict(exc.headers), exc.read()
    assert headers["Content-Type"] == ERROR_TYPE
    return status, json.loads(payload), headers


def create(gh: FakeGitHub, head: str = "patcher/x", base: str = "main", **extra: Any) -> tuple[int, Any]:
    status, body, _ = call(gh, "POST", "/repos/acme/shop/pulls", {"title": f"Fix {head}", "head": head,
                                                                   "base": base, **extra})
    return status, body


def unprocessable(errors: list[dict[str, Any]], doc: str = "create-a-pull-request") -> dict[str, Any]:
    return {"message": "Validation Failed", "errors": errors,
            "documentation_url": f"https://docs.github.com/rest/pulls/pulls#{doc}", "status": "422"}


# -- auth and routing ------------------------------------------------------------------------------
def test_a_request_without_a_token_needs_authentication(gh: FakeGitHub) -> None:
    assert call(gh, "GET", "/repos/acme/shop/pulls", auth=None)[:2] == (401, {
        "message": "Requires authentication", "documentation_url": "https://docs.github.com/rest", "status": "401"})


@pytest.mark.parametrize("auth", ["Bearer ghp_wrong", "token ghp_wrong", "Basic " + TOKEN, "Bearer"])
def test_a_wrong_token_is_bad_credentials(gh: FakeGitHub, auth: str) -> None:
    assert call(gh, "GET", "/repos/acme/shop/pulls", auth=auth)[:2] == (401, {
        "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})


@pytest.mark.parametrize("auth", [f"Bearer {TOKEN}", f"token {TOKEN}", f"bearer {TOKEN}"])
def test_bearer_and_token_schemes_are_accepted(gh: FakeGitHub, auth: str) -> None:
    assert call(gh, "GET", "/repos/acme/shop/pulls", auth=auth)[:2] == (200, [])


def test_unknown_repositories_and_routes_are_not_found(gh: FakeGitHub) -> None:
    status, body, _ = call(gh, "GET", "/repos/acme/other/pulls")
    assert (status, body["message"]) == (404, "Not Found")
    assert call(gh, "GET", "/repos/other/shop/pulls/1")[0] == 404
    assert call(gh, "GET", "/nowhere")[:2] == (404, {
        "message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
    assert call(gh, "DELETE", "/repos/acme/shop/pulls/1")[0] == 404


def test_owner_and_repository_names_are_not_case_sensitive(gh: FakeGitHub) -> None:
    assert call(gh, "GET", "/repos/ACME/Shop/pulls")[0] == 200


def test_the_repository_and_the_user_are_described(gh: FakeGitHub) -> None:
    repo = call(gh, "GET", "/repos/acme/shop")[1]
    assert (repo["full_name"], repo["default_branch"], repo["delete_branch_on_merge"]) == ("acme/shop", "main", True)
    assert call(gh, "GET", "/user")[1]["login"] == "patcher-bot"


def test_every_request_is_recorded(gh: FakeGitHub) -> None:
    create(gh)
    call(gh, "GET", "/repos/acme/shop/pulls?state=all&head=acme:patcher/x", auth=f"token {TOKEN}")
    posted, listed = gh.requests
    assert (posted.method, posted.path, posted.status) == ("POST", "/repos/acme/shop/pulls", 201)
    assert posted.body == {"title": "Fix patcher/x", "head": "patcher/x", "base": "main"}
    assert posted.headers["authorization"] == f"Bearer {TOKEN}"
    assert listed.query == {"state": "all", "head": "acme:patcher/x"}
    assert listed.headers["authorization"] == f"token {TOKEN}" and listed.body is None
    assert gh.calls("post", r"/pulls$") == [posted]


# -- create ----------------------------------------------------------------------------------------
def test_creating_a_pull_request(gh: FakeGitHub, remote: Remote) -> None:
    status, pr, headers = call(gh, "POST", "/repos/acme/shop/pulls", {
        "title": "Fix routes", "head": "patcher/x", "base": "main", "body": "Why", "draft": True})
    assert status == 201
    assert headers["Location"] == pr["url"] == f"{gh.url}/repos/acme/shop/pulls/1"
    assert pr["html_url"] == "https://github.example/acme/shop/pull/1"
    assert {k: pr[k] for k in ("number", "state", "title", "body", "draft", "merged", "merged_at", "labels",
                               "requested_reviewers", "requested_teams")} == {
        "number": 1, "state": "open", "title": "Fix routes", "body": "Why", "draft": True, "merged": False,
        "merged_at": None, "labels": [], "requested_reviewers": [], "requested_teams": []}
    assert pr["head"]["label"] == "acme:patcher/x" and pr["head"]["ref"] == "patcher/x"
    assert pr["head"]["sha"] == remote.sha("patcher/x")
    assert (pr["base"]["label"], pr["base"]["ref"], pr["base"]["sha"]) == ("acme:main", "main", remote.sha("main"))
    assert pr["user"]["login"] == "patcher-bot" and pr["created_at"] == pr["updated_at"]
    assert gh.pulls[1]["title"] == "Fix routes"


def test_the_head_may_carry_the_owner(gh: FakeGitHub) -> None:
    status, pr = create(gh, head="acme:patcher/x")
    assert (status, pr["head"]["ref"]) == (201, "patcher/x")


def test_missing_fields(gh: FakeGitHub) -> None:
    assert call(gh, "POST", "/repos/acme/shop/pulls", {"title": "t"})[:2] == (422, unprocessable([
        {"resource": "PullRequest", "field": "head", "code": "missing_field"},
        {"resource": "PullRequest", "field": "base", "code": "missing_field"}]))
    assert call(gh, "POST", "/repos/acme/shop/pulls", {"head": "patcher/x", "base": "main"})[1]["errors"] == [
        {"resource": "PullRequest", "field": "title", "code": "missing_field"}]


def test_branches_missing_from_the_remote_are_invalid(gh: FakeGitHub) -> None:
    assert create(gh, head="patcher/nope") == (422, unprocessable([
        {"resource": "PullRequest", "field": "head", "code": "invalid"}]))
    assert create(gh, base="release") == (422, unprocessable([
        {"resource": "PullRequest", "field": "base", "code": "invalid"}]))
    assert create(gh, head="someone-else:patcher/x")[1]["errors"] == [
        {"resource": "PullRequest", "field": "head", "code": "invalid"}]


def test_one_open_pull_request_per_head_and_base(gh: FakeGitHub) -> None:
    assert create(gh)[0] == 201
    assert create(gh) == (422, unprocessable([{"resource": "PullRequest", "code": "custom",
                                                "message": "A pull request already exists for acme:patcher/x."}]))
    call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "closed"})
    assert create(gh)[0] == 201


def test_no_commits_between_base_and_head(gh: FakeGitHub, remote: Remote) -> None:
    run_git(remote.work, "push", "-q", "origin", "main:refs/heads/patcher/same")
    assert create(gh, head="patcher/same") == (422, unprocessable([
        {"resource": "PullRequest", "code": "custom", "message": "No commits between main and patcher/same"}]))
    assert create(gh, head="main", base="patcher/x")[1]["errors"][0]["message"] == \
        "No commits between patcher/x and main"


def test_a_body_too_long(gh: FakeGitHub) -> None:
    too_long = [{"resource": "Issue", "field": "body", "code": "custom",
                 "message": "body is too long (maximum is 65536 characters)"}]
    assert create(gh, body="x" * 65537) == (422, unprocessable(too_long))
    assert create(gh, body="x" * 65536)[0] == 201
    assert call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"body": "y" * 65537})[:2] == (
        422, unprocessable(too_long, "update-a-pull-request"))


def test_json_that_does_not_parse(gh: FakeGitHub) -> None:
    assert call(gh, "POST", "/repos/acme/shop/pulls", raw=b'{"title": ')[:2] == (400, {
        "message": "Problems parsing JSON",
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", "status": "400"})
    assert gh.requests[-1].raw_body == b'{"title": ' and gh.requests[-1].body is None


def test_a_field_of_the_wrong_type(gh: FakeGitHub) -> None:
    status, body = create(gh, draft="yes")
    assert (status, body["message"]) == (422, "Invalid request.\n\nFor 'properties/draft', \"yes\" is not a boolean.")


# -- list ------------------------------------------------------------------------------------------
@pytest.fixture
def five(gh: FakeGitHub, remote: Remote) -> FakeGitHub:
    for n in range(1, 5):
        remote.commit(f"patcher/b{n}", "b.txt", f"{n}\n")
    for head in ("patcher/x", "patcher/b1", "patcher/b2", "patcher/b3", "patcher/b4"):
        assert create(gh, head=head)[0] == 201
    call(gh, "PATCH", "/repos/acme/shop/pulls/2", {"state": "closed"})
    return gh


def numbers(prs: list[dict[str, Any]]) -> list[int]:
    return [pr["number"] for pr in prs]


def test_listing_filters_by_state_head_and_base(five: FakeGitHub) -> None:
    pulls = "/repos/acme/shop/pulls"
    assert numbers(call(five, "GET", pulls)[1]) == [5, 4, 3, 1]
    assert numbers(call(five, "GET", pulls + "?state=closed")[1]) == [2]
    assert numbers(call(five, "GET", pulls + "?state=all")[1]) == [5, 4, 3, 2, 1]
    assert numbers(call(five, "GET", pulls + "?state=all&head=acme:patcher/b1")[1]) == [2]
    assert numbers(call(five, "GET", pulls + "?head=other:patcher/b3")[1]) == []
    assert numbers(call(five, "GET", pulls + "?base=release")[1]) == []
    assert numbers(call(five, "GET", pulls + "?base=main&direction=asc")[1]) == [1, 3, 4, 5]
    assert call(five, "GET", pulls + "?state=merged")[0] == 422
    listed = call(five, "GET", pulls)[1][0]
    assert "merged" not in listed and "merged_at" in listed  # a pull-request-simple, as GitHub lists them


def test_a_head_filter_without_the_owner_is_ignored_as_on_github(five: FakeGitHub) -> None:
    assert numbers(call(five, "GET", "/repos/acme/shop/pulls?head=patcher/b3")[1]) == [5, 4, 3, 1]


def test_pages_are_linked_like_github(five: FakeGitHub) -> None:
    base = f"{five.url}/repos/acme/shop/pulls?state=all&per_page=2"
    status, first, headers = call(five, "GET", "/repos/acme/shop/pulls?state=all&per_page=2")
    assert (status, numbers(first)) == (200, [5, 4])
    assert headers["Link"] == f'<{base}&page=2>; rel="next", <{base}&page=3>; rel="last"'
    _, middle, headers = call(five, "GET", "/repos/acme/shop/pulls?state=all&per_page=2&page=2")
    assert numbers(middle) == [3, 2]
    assert headers["Link"] == (f'<{base}&page=1>; rel="prev", <{base}&page=3>; rel="next", '
                               f'<{base}&page=3>; rel="last", <{base}&page=1>; rel="first"')
    _, last, headers = call(five, "GET", "/repos/acme/shop/pulls?state=all&per_page=2&page=3")
    assert numbers(last) == [1]
    assert headers["Link"] == f'<{base}&page=2>; rel="prev", <{base}&page=1>; rel="first"'
    assert call(five, "GET", "/repos/acme/shop/pulls?state=all&per_page=2&page=9")[1] == []


def test_one_page_has_no_link_and_per_page_is_at_most_100(five: FakeGitHub) -> None:
    assert "Link" not in call(five, "GET", "/repos/acme/shop/pulls?state=all")[2]
    assert "Link" not in call(five, "GET", "/repos/acme/shop/pulls?state=all&per_page=500")[2]


def test_thirty_a_page_by_default(gh: FakeGitHub, remote: Remote) -> None:
    for n in range(31):
        gh.add_pull(f"patcher/p{n}", "main")
    status, page, headers = call(gh, "GET", "/repos/acme/shop/pulls")
    assert (status, len(page), numbers(page)[0]) == (200, 30, 31)
    assert 'page=2>; rel="next"' in headers["Link"]


# -- get and update --------------------------------------------------------------------------------
def test_getting_a_pull_request(gh: FakeGitHub, remote: Remote) -> None:
    create(gh)
    status, pr, _ = call(gh, "GET", "/repos/acme/shop/pulls/1")
    assert (status, pr["number"]) == (200, 1)
    assert call(gh, "GET", "/repos/acme/shop/pulls/2")[:2] == (404, {
        "message": "Not Found", "documentation_url": "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
        "status": "404"})


def test_an_open_pull_request_follows_a_push_to_its_head(gh: FakeGitHub, remote: Remote) -> None:
    create(gh)
    new = remote.commit("patcher/x", "a.txt", "again\n")
    assert call(gh, "GET", "/repos/acme/shop/pulls/1")[1]["head"]["sha"] == new


def test_updating_title_body_and_state(gh: FakeGitHub) -> None:
    created = create(gh)[1]
    status, pr, _ = call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"title": "New", "body": "B"})
    assert (status, pr["title"], pr["body"]) == (200, "New", "B")
    assert pr["updated_at"] > created["updated_at"]
    closed = call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "closed"})[1]
    assert (closed["state"], closed["merged"]) == ("closed", False) and closed["closed_at"]
    reopened = call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "open"})[1]
    assert (reopened["state"], reopened["closed_at"]) == ("open", None)
    assert call(gh, "PATCH", "/repos/acme/shop/pulls/9", {"title": "x"})[0] == 404


def test_an_invalid_state_or_base(gh: FakeGitHub) -> None:
    create(gh)
    assert call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "merged"})[:2] == (422, unprocessable(
        [{"resource": "PullRequest", "field": "state", "code": "invalid"}], "update-a-pull-request"))
    assert call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"base": "release"})[:2] == (422, unprocessable(
        [{"resource": "PullRequest", "field": "base", "code": "invalid"}], "update-a-pull-request"))


def test_changing_the_base(gh: FakeGitHub, remote: Remote) -> None:
    remote.commit("release", "r.txt", "r\n")
    create(gh)
    pr = call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"base": "release"})[1]
    assert (pr["base"]["ref"], pr["base"]["sha"]) == ("release", remote.sha("release"))


def test_reopening_beside_another_open_pull_request_of_the_head(gh: FakeGitHub) -> None:
    create(gh)
    call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "closed"})
    create(gh)
    assert call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "open"})[:2] == (422, unprocessable(
        [{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for acme:patcher/x."}],
        "update-a-pull-request"))


# -- labels and reviewers --------------------------------------------------------------------------
def test_labels_are_added_not_replaced(gh: FakeGitHub) -> None:
    create(gh)
    status, labels, _ = call(gh, "POST", "/repos/acme/shop/issues/1/labels", {"labels": ["patcher"]})
    assert status == 200
    assert [(label["name"], label["color"], label["default"]) for label in labels] == [("patcher", "ededed", False)]
    assert isinstance(labels[0]["id"], int)
    labels = call(gh, "POST", "/repos/acme/shop/issues/1/labels", {"labels": ["routing", "patcher"]})[1]
    assert [label["name"] for label in labels] == ["patcher", "routing"]
    assert [label["name"] for label in gh.pulls[1]["labels"]] == ["patcher", "routing"]
    assert [label["name"] for label in call(gh, "GET", "/repos/acme/shop/issues/1/labels")[1]] == ["patcher", "routing"]


def test_labels_missing_or_empty_or_on_no_pull_request(gh: FakeGitHub) -> None:
    create(gh)
    for body in ({"labels": []}, {}):
        status, error, _ = call(gh, "POST", "/repos/acme/shop/issues/1/labels", body)
        assert (status, error["message"]) == (422, "Validation Failed")
    assert call(gh, "POST", "/repos/acme/shop/issues/7/labels", {"labels": ["a"]})[0] == 404


def test_requesting_reviewers(gh: FakeGitHub) -> None:
    create(gh)
    status, pr, _ = call(gh, "POST", "/repos/acme/shop/pulls/1/requested_reviewers",
                         {"reviewers": ["alice"], "team_reviewers": ["platform"]})
    assert status == 201
    assert ([r["login"] for r in pr["requested_reviewers"]], [t["slug"] for t in pr["requested_teams"]]) == (
        ["alice"], ["platform"])
    pr = call(gh, "POST", "/repos/acme/shop/pulls/1/requested_reviewers", {"reviewers": ["bob", "alice"]})[1]
    assert [r["login"] for r in pr["requested_reviewers"]] == ["alice", "bob"]
    assert "merged" not in pr  # GitHub answers with a pull-request-simple here
    requested = call(gh, "GET", "/repos/acme/shop/pulls/1/requested_reviewers")[1]
    assert ([u["login"] for u in requested["users"]], [t["slug"] for t in requested["teams"]]) == (
        ["alice", "bob"], ["platform"])


def test_reviewers_who_cannot_be_requested(gh: FakeGitHub) -> None:
    create(gh)
    doc = "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request"
    path = "/repos/acme/shop/pulls/1/requested_reviewers"
    assert call(gh, "POST", path, {"reviewers": ["patcher-bot"]})[:2] == (422, {
        "message": "Review cannot be requested from pull request author.", "documentation_url": doc,
        "status": "422"})
    not_collaborator = {"message": "Reviews may only be requested from collaborators. One or more of the users or "
                                   "teams you specified is not a collaborator of the acme/shop repository.",
                        "documentation_url": doc, "status": "422"}
    assert call(gh, "POST", path, {"reviewers": ["alice", "mallory"]})[:2] == (422, not_collaborator)
    assert call(gh, "POST", path, {"team_reviewers": ["nobody"]})[:2] == (422, not_collaborator)
    assert gh.pulls[1]["requested_reviewers"] == []
    assert call(gh, "POST", "/repos/acme/shop/pulls/5/requested_reviewers", {"reviewers": ["alice"]})[0] == 404


# -- merge -----------------------------------------------------------------------------------------
def test_merging_writes_a_merge_commit_and_retargets_the_stack(gh: FakeGitHub, remote: Remote) -> None:
    remote.commit("patcher/y", "b.txt", "b\n", start="patcher/x")
    remote.commit("main", "m.txt", "m\n")
    base_before, head = remote.sha("main"), remote.sha("patcher/x")
    create(gh)
    create(gh, head="patcher/y", base="patcher/x")
    status, merged, _ = call(gh, "PUT", "/repos/acme/shop/pulls/1/merge", {})
    assert (status, merged["merged"], merged["message"]) == (200, True, "Pull Request successfully merged")
    assert remote.sha("main") == merged["sha"]
    assert run_git(remote.bare, "rev-parse", f"{merged['sha']}^1", f"{merged['sha']}^2").split() == [base_before, head]
    assert run_git(remote.bare, "log", "-1", "--format=%s", merged["sha"]).strip() == \
        "Merge pull request #1 from acme/patcher/x"
    assert run_git(remote.bare, "show", f"{merged['sha']}:a.txt") == "a\n"
    assert remote.branches() == {"main", "patcher/y"}
    pr = call(gh, "GET", "/repos/acme/shop/pulls/1")[1]
    assert (pr["state"], pr["merged"], pr["merge_commit_sha"], pr["head"]["sha"]) == (
        "closed", True, merged["sha"], head)
    assert pr["merged_at"] == pr["closed_at"] and pr["merged_at"].endswith("Z")
    assert pr["base"]["sha"] == base_before and pr["merged_by"]["login"] == "patcher-bot"
    assert gh.pulls[2]["base"]["ref"] == "main"
    assert call(gh, "PUT", "/repos/acme/shop/pulls/1/merge", {})[:2] == (405, {
        "message": "Pull Request is not mergeable",
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request", "status": "405"})
    assert call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "open"})[1]["errors"][0]["message"] == \
        "state cannot be changed. The pull request has been merged."


def test_a_closed_pull_request_whose_branch_is_gone_stays_closed(gh: FakeGitHub, remote: Remote) -> None:
    create(gh)
    closed = call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "closed"})[1]
    assert call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "closed", "title": "T"})[1]["closed_at"] == \
        closed["closed_at"]
    run_git(remote.work, "push", "-q", "origin", ":patcher/x")
    status, body, _ = call(gh, "PATCH", "/repos/acme/shop/pulls/1", {"state": "open"})
    assert (status, body["errors"][0]["message"]) == (
        422, "state cannot be changed. The patcher/x branch has been deleted.")
    assert gh.pulls[1]["head"]["sha"] == closed["head"]["sha"]


def test_without_automatic_deletion_the_head_branch_stays(remote: Remote) -> None:
    remote.commit("patcher/y", "b.txt", "b\n", start="patcher/x")
    with FakeGitHub(remote.bare, token=TOKEN, delete_branch_on_merge=False) as gh:
        create(gh)
        create(gh, head="patcher/y", base="patcher/x")
        assert call(gh, "PUT", "/repos/acme/shop/pulls/1/merge", {"merge_method": "squash"})[0] == 200
        assert remote.branches() == {"main", "patcher/x", "patcher/y"}
        assert gh.pulls[2]["base"]["ref"] == "patcher/x"
        squashed = remote.sha("main")
        assert len(run_git(remote.bare, "rev-list", "--parents", "-1", squashed).split()) == 2  # one parent
        assert run_git(remote.bare, "log", "-1", "--format=%s", squashed).strip() == "Fix patcher/x (#1)"


def test_a_conflict_is_not_mergeable(gh: FakeGitHub, remote: Remote) -> None:
    remote.commit("main", "a.txt", "other\n")
    create(gh)
    before = remote.sha("main")
    status, body, _ = call(gh, "PUT", "/repos/acme/shop/pulls/1/merge")
    assert (status, body["message"]) == (405, "Pull Request is not mergeable")
    assert remote.sha("main") == before and "patcher/x" in remote.branches()
    assert gh.pulls[1]["state"] == "open"


def test_a_merge_of_a_moved_head_or_a_draft(gh: FakeGitHub, remote: Remote) -> None:
    create(gh)
    status, body, _ = call(gh, "PUT", "/repos/acme/shop/pulls/1/merge", {"sha": "0" * 40})
    assert (status, body["message"]) == (409, "Head branch was modified. Review and try the merge again.")
    remote.commit("patcher/d", "d.txt", "d\n")
    create(gh, head="patcher/d", draft=True)
    assert call(gh, "PUT", "/repos/acme/shop/pulls/2/merge")[1]["message"] == "Pull Request is still a draft"
    assert call(gh, "PUT", "/repos/acme/shop/pulls/1/merge", {"sha": remote.sha("patcher/x")})[0] == 200


# -- faults, threads, shutdown ---------------------------------------------------------------------
def test_injected_faults_answer_before_anything_else(gh: FakeGitHub) -> None:
    gh.fail("POST", r"/pulls$", status=502, times=2)
    assert create(gh) == (502, {"message": "Server Error"})
    assert call(gh, "POST", "/repos/acme/shop/pulls", {}, auth=None)[:2] == (502, {"message": "Server Error"})
    assert create(gh)[0] == 201
    assert [r.status for r in gh.requests] == [502, 502, 201]
    gh.fail("GET", r"/pulls/1$")
    assert call(gh, "GET", "/repos/acme/shop/pulls/1")[0] == 500
    assert call(gh, "GET", "/repos/acme/shop/pulls/1")[0] == 200
    gh.fail("GET", r"/pulls$", status=403, body={"message": "API rate limit exceeded"},
            headers={"Retry-After": "7", "X-RateLimit-Remaining": "0"})
    status, body, headers = call(gh, "GET", "/repos/acme/shop/pulls")
    assert (status, body, headers["Retry-After"], headers["X-RateLimit-Remaining"]) == (
        403, {"message": "API rate limit exceeded"}, "7", "0")


def test_concurrent_requests_lose_nothing(gh: FakeGitHub) -> None:
    create(gh)
    names = [f"l{n}" for n in range(16)]
    threads = [threading.Thread(target=call, args=(gh, "POST", "/repos/acme/shop/issues/1/labels",
                                                   {"labels": [name]})) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(label["name"] for label in gh.pulls[1]["labels"]) == sorted(names)
    assert len(gh.requests) == 17


def test_close_ends_kept_alive_connections(remote: Remote) -> None:
    gh = FakeGitHub(remote.bare, token=TOKEN)
    connection = http.client.HTTPConnection("127.0.0.1", int(gh.url.rsplit(":", 1)[1]), timeout=30)
    for _ in range(2):  # HTTP/1.1: both requests on one connection
        connection.request("GET", "/repos/acme/shop/pulls", headers={"Authorization": f"Bearer {TOKEN}"})
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (200, [])
    gh.close()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        connection.request("GET", "/repos/acme/shop/pulls", headers={"Authorization": f"Bearer {TOKEN}"})
        connection.getresponse()
    connection.close()


def test_close_stops_the_server(remote: Remote) -> None:
    gh = FakeGitHub(remote.bare, token=TOKEN)
    url = gh.url
    assert call(gh, "GET", "/repos/acme/shop/pulls")[0] == 200
    gh.close()
    gh.close()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/repos/acme/shop/pulls", timeout=5)


def test_a_failure_inside_the_fake_is_an_answer_not_a_hang_up(tmp_path: Path) -> None:
    with FakeGitHub(tmp_path / "no-such.git", token=TOKEN) as gh:
        status, body, _ = call(gh, "GET", "/repos/acme/shop/pulls")
    assert status == 500 and body["message"].startswith("fake GitHub failed: RuntimeError")


def test_a_pull_request_added_directly_belongs_to_its_user(gh: FakeGitHub) -> None:
    pr = gh.add_pull("patcher/x", "main", user="alice")
    assert (pr["number"], pr["user"]["login"], pr["head"]["sha"]) == (1, "alice", gh.pulls[1]["head"]["sha"])
    assert create(gh)[1]["errors"][0]["code"] == "custom"  # already exists
    status, body, _ = call(gh, "POST", "/repos/acme/shop/pulls/1/requested_reviewers", {"reviewers": ["alice"]})
    assert (status, body["message"]) == (422, "Review cannot be requested from pull request author.")
