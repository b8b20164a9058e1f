"""The parts of `patcher pr` a user meets through their edges: the body's size limit, what is
hidden from output, which GitHub repository a remote names, the askpass helper, and the merge."""

from __future__ import annotations

import os
import subprocess

import pytest

from patcher.pr.body import render
from patcher.pr.git import Askpass
from patcher.pr.github import GitHub, GitHubError, api_for, parse_slug
from patcher.pr.merge3 import Conflict, merge3
from patcher.pr.secrets import public_url, redact

from fake_github import FakeGitHub

TOKEN = "ghp_fake0123456789abcdefghijklmnopqrstuv"


def context(diff_lines: int = 3, semantic: int = 2, findings: int = 1) -> dict:
    diff = "".join(f"+line {i} of the diff\n" for i in range(diff_lines))
    return {
        "path": "deploy", "base": "main", "base_sha": "0" * 40, "branch": "patcher/istio/route-without-timeout",
        "version": "0.1.0", "rules": [{"id": "istio/route-without-timeout", "summary": "Route without timeout"}],
        "findings": [{"severity": "recommended", "rule": "istio/route-without-timeout", "location": f"vs.yaml:{i}:1",
                      "message": f"route {i} has no timeout"} for i in range(findings)],
        "checklist": [], "semantic": [f"- `VirtualService web/vs` (vs.yaml) changed: detail {i}" for i in range(semantic)],
        "files": [{"path": "deploy/vs.yaml", "added": str(diff_lines), "removed": "0"}],
        "verified": ["re-plan of this branch: nothing left to fix"], "commands": ["patcher plan deploy"],
        "diff": diff, "diff_lines": diff_lines, "stacked_on": None, "skipped": [],
    }


def test_a_body_under_the_limit_keeps_its_diff():
    text = render(context())
    assert text.title == "fix(istio): Route without timeout"
    assert "```diff\n+line 0 of the diff\n" in text.body


def test_a_body_over_the_limit_summarises_the_diff_then_the_lists_and_never_cuts_a_line():
    big = context(diff_lines=5000, semantic=3000, findings=400)
    text = render(big, limit=20000)
    assert len(text.body) <= 20000
    assert "```diff" not in text.body
    assert "The diff (5000 lines) is too long for a pull request body; the Files changed tab shows it." in text.body
    assert text.title == "fix(istio): Route without timeout (400 fixes)"
    kept = [line for line in text.body.splitlines() if "VirtualService web/vs" in line]
    assert kept and f"- … and {3000 - len(kept)} more" in text.body
    assert f"| | | | … and {400 - text.body.count('has no timeout')} more |" in text.body
    whole = set(render(context(diff_lines=5000, semantic=3000, findings=400), limit=10 ** 9).body.splitlines())
    assert all(line in whole or "… and" in line or line.startswith("The diff (") for line in text.body.splitlines())


def test_a_template_of_the_repository_with_an_error_names_the_file_and_line(tmp_path):
    template = tmp_path / "pr.md.j2"
    template.write_text("Title\n\n{% for x in findings %}\n")
    with pytest.raises(Exception) as caught:
        render(context(), template)
    assert str(caught.value).startswith(f"{template}:3: pull request template:")


def test_redact_hides_the_token_and_credentials_in_urls(monkeypatch):
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    said = f"fatal: could not read from https://bot:{TOKEN}@github.com/acme/shop.git (token {TOKEN})"
    assert redact(said) == "fatal: could not read from https://***@github.com/acme/shop.git (token ***)"
    assert public_url("https://user:pw@ghe.example/acme/shop.git") == "https://ghe.example/acme/shop.git"


@pytest.mark.parametrize("url, slug", [
    ("https://github.com/acme/shop.git", ("github.com", "acme", "shop")),
    ("git@github.com:acme/shop.git", ("github.com", "acme", "shop")),
    ("ssh://git@ghe.example:2222/platform/routing", ("ghe.example", "platform", "routing")),
    ("https://user:pw@ghe.example/platform/routing/", ("ghe.example", "platform", "routing")),
    ("/srv/git/shop.git", None),
    ("file:///srv/git/shop.git", None),
    ("../shop.git", None),
])
def test_which_github_repository_a_remote_names(url, slug):
    assert parse_slug(url) == slug


def test_github_enterprise_hosts_get_their_api_path():
    assert api_for("github.com") == "https://api.github.com"
    assert api_for("ghe.example") == "https://ghe.example/api/v3"


def test_the_askpass_helper_holds_no_secret_and_answers_from_its_environment(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    helper = Askpass()
    try:
        assert TOKEN not in helper.path.read_text()
        env = {**os.environ, **helper.env()}
        asked = lambda prompt: subprocess.run([str(helper.path), prompt], env=env, capture_output=True,
                                              text=True).stdout
        assert asked("Username for 'https://github.com': ") == "x-access-token\n"
        assert asked("Password for 'https://x-access-token@github.com': ") == TOKEN + "\n"
    finally:
        helper.close()
    assert not helper.path.exists()


def test_without_a_token_git_gets_no_askpass(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    helper = Askpass()
    try:
        assert helper.env() == {}
    finally:
        helper.close()


def test_githubs_errors_are_told_with_their_reasons_and_without_the_token(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    with FakeGitHub(remote) as gh:
        api = GitHub(gh.url, "acme", "shop", TOKEN)
        with pytest.raises(GitHubError) as caught:
            api.create("", "patcher/x", "main", "body")
        assert caught.value.status == 422
        assert str(caught.value) == ("GitHub API POST /repos/acme/shop/pulls: 422 Validation Failed "
                                     "(PullRequest title missing_field)")
        with pytest.raises(GitHubError) as caught:
            GitHub(gh.url, "acme", "shop", "wrong").pulls()
        assert str(caught.value).startswith("GitHub API GET /repos/acme/shop/pulls: 401 Bad credentials")
        assert "GITHUB_TOKEN" in caught.value.hint
        assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("base, ours, theirs, merged", [
    ("a\nb\nc\n", "a\nb\nc\n", "a\nB\nc\n", "a\nB\nc\n"),  # only theirs changed
    ("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", "A\nb\nC\n"),  # apart: both kept
    ("a\nb\n", "a\nb\nx\n", "a\nb\nx\n", "a\nb\nx\n"),  # the same change
    (None, None, "new\n", "new\n"),  # created on one side
    ("a\r\nb\r\nc\r\n", "A\r\nb\r\nc\r\n", "a\r\nb\r\nC\r\n", "A\r\nb\r\nC\r\n"),  # CRLF kept
])
def test_merge3_merges_like_git(base, ours, theirs, merged):
    assert merge3("f", base, ours, theirs) == merged


@pytest.mark.parametrize("base, ours, theirs", [
    ("a\nb\n", "a\nb\nx\n", "a\nb\ny\n"),  # both append at one place
    ("a\n", None, "b\n"),  # deleted on one side, changed on the other
])
def test_merge3_conflicts_like_git(base, ours, theirs):
    with pytest.raises(Conflict):
        merge3("f", base, ours, theirs)
