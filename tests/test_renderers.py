"""The unified diff renderer: exact text, and patches that real `git apply` accepts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from patcher.plan import FileChange
from patcher.render.diff import render_diff

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "core.autocrlf=false", "-c", "user.name=t", "-c", "user.email=t@t",
                           *args], cwd=repo, input=stdin, capture_output=True, check=False)


def _repo(tmp_path: Path, files: dict[str, bytes]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert _git(repo, "init", "-q").returncode == 0
    for name, data in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    if files:
        _git(repo, "add", "-A")
        assert _git(repo, "commit", "-qm", "before").returncode == 0
    return repo


def _git_apply(repo: Path, diff: str) -> None:
    check = _git(repo, "apply", "--check", "--index", "-", stdin=diff.encode("utf-8"))
    assert check.returncode == 0, check.stderr.decode()
    done = _git(repo, "apply", "--index", "-", stdin=diff.encode("utf-8"))
    assert done.returncode == 0, done.stderr.decode()


def test_created_file() -> None:
    diff = render_diff([FileChange("k8s/new.yaml", None, "a: 1\nb: 2\n")])
    assert diff == ("diff --git a/k8s/new.yaml b/k8s/new.yaml\n"
                    "new file mode 100644\n"
                    "--- /dev/null\n"
                    "+++ b/k8s/new.yaml\n"
                    "@@ -0,0 +1,2 @@\n"
                    "+a: 1\n"
                    "+b: 2\n")


def test_deleted_file_without_final_newline() -> None:
    diff = render_diff([FileChange("old.yaml", "a: 1\nb: 2", None)])
    assert diff == ("diff --git a/old.yaml b/old.yaml\n"
                    "deleted file mode 100644\n"
                    "--- a/old.yaml\n"
                    "+++ /dev/null\n"
                    "@@ -1,2 +0,0 @@\n"
                    "-a: 1\n"
                    "-b: 2\n"
                    "\\ No newline at end of file\n")


def test_modified_file_gains_a_final_newline() -> None:
    diff = render_diff([FileChange("x.yaml", "a: 1\nb: 2", "a: 1\nb: 2\nc: 3\n")])
    assert diff == ("diff --git a/x.yaml b/x.yaml\n"
                    "--- a/x.yaml\n"
                    "+++ b/x.yaml\n"
                    "@@ -1,2 +1,3 @@\n"
                    " a: 1\n"
                    "-b: 2\n"
                    "\\ No newline at end of file\n"
                    "+b: 2\n"
                    "+c: 3\n")


def test_modified_file_keeps_no_final_newline() -> None:
    diff = render_diff([FileChange("x.yaml", "a: 1\nb: 2", "a: 1\nb: 3")])
    assert diff == ("diff --git a/x.yaml b/x.yaml\n"
                    "--- a/x.yaml\n"
                    "+++ b/x.yaml\n"
                    "@@ -1,2 +1,2 @@\n"
                    " a: 1\n"
                    "-b: 2\n"
                    "\\ No newline at end of file\n"
                    "+b: 3\n"
                    "\\ No newline at end of file\n")


def test_crlf_lines_keep_their_carriage_returns() -> None:
    diff = render_diff([FileChange("w.yaml", "a: 1\r\nb: 2\r\n", "a: 1\r\nb: 3\r\n")])
    assert diff == ("diff --git a/w.yaml b/w.yaml\n"
                    "--- a/w.yaml\n"
                    "+++ b/w.yaml\n"
                    "@@ -1,2 +1,2 @@\n"
                    " a: 1\r\n"
                    "-b: 2\r\n"
                    "+b: 3\r\n")


def test_form_feed_does_not_split_a_line() -> None:
    # str.splitlines() would cut at \x0c and number the hunk wrongly
    diff = render_diff([FileChange("f.sh", "echo a\x0cb\necho c\n", "echo a\x0cb\necho d\n")])
    assert "@@ -1,2 +1,2 @@\n echo a\x0cb\n-echo c\n+echo d\n" in diff


def test_unchanged_context_is_three_lines_and_files_keep_their_order() -> None:
    old = "".join(f"line{i}\n" for i in range(1, 21))
    new = old.replace("line10\n", "line10 changed\n")
    diff = render_diff([FileChange("b.txt", old, new), FileChange("a.txt", None, "x\n")])
    assert diff.index("a/b.txt") < diff.index("b/a.txt")
    assert ("@@ -7,7 +7,7 @@\n line7\n line8\n line9\n-line10\n+line10 changed\n line11\n line12\n line13\n"
            in diff)


def test_no_changes_no_diff() -> None:
    assert render_diff([]) == ""


# What `git apply` makes of the diff: every case at once, then byte for byte.
OLD = {
    "k8s/modified.yaml": b"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    "k8s/deleted.yaml": b"# gone\nkind: VirtualService\nmetadata:\n  name: old",  # no final newline
    "k8s/no-eol.yaml": b"a: 1\nb: 2",
    "deploy/web-routes.yaml": b"hosts:\r\n  - shop.example.com\r\nhttp:\r\n  - route: []\r\n",
    "scripts/smoke.sh": b"#!/bin/sh\nBASE_URL=\"http://localhost:8080\"\ncurl \"$BASE_URL/\"\n",
}
NEW = {
    "k8s/modified.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n",
    "k8s/deleted.yaml": None,
    "k8s/no-eol.yaml": "a: 1\nb: 3",
    "deploy/web-routes.yaml": "hosts:\r\n  - shop.example.com\r\nhttp:\r\n  - route: []\r\n    timeout: 30s\r\n",
    "scripts/smoke.sh": "#!/bin/sh\nBASE_URL=\"http://localhost\"\ncurl \"$BASE_URL/\"\n",
    "k8s/created/policy.yaml": "kind: NetworkPolicy\nmetadata:\n  name: deny\n",
}


@needs_git
def test_git_apply_produces_the_new_text(tmp_path: Path) -> None:
    repo = _repo(tmp_path, OLD)
    changes = [FileChange(path, OLD[path].decode() if path in OLD else None, NEW[path]) for path in sorted(NEW)]
    _git_apply(repo, render_diff(changes))
    for path, text in NEW.items():
        if text is None:
            assert not (repo / path).exists(), path
        else:
            assert (repo / path).read_bytes() == text.encode("utf-8"), path


@needs_git
@pytest.mark.parametrize(("old", "new"), [
    ("a: 1\nb: 2", "a: 1\nb: 2\n"),  # final newline added
    ("a: 1\nb: 2\n", "a: 1\nb: 2"),  # final newline removed
    ("a: 1\r\nb: 2", "a: 1\r\nb: 2\r\nc: 3"),  # CRLF and no final newline
    ("x: ü\n", "x: é\n"),  # non-ASCII
], ids=["add-eol", "drop-eol", "crlf-no-eol", "utf8"])
def test_git_apply_edge_cases(tmp_path: Path, old: str, new: str) -> None:
    repo = _repo(tmp_path, {"f.yaml": old.encode("utf-8")})
    _git_apply(repo, render_diff([FileChange("f.yaml", old, new)]))
    assert (repo / "f.yaml").read_bytes() == new.encode("utf-8")


@needs_git
def test_git_apply_path_with_spaces(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"my charts/values.yaml": b"replicas: 1\n"})
    _git_apply(repo, render_diff([FileChange("my charts/values.yaml", "replicas: 1\n", "replicas: 2\n")]))
    assert (repo / "my charts/values.yaml").read_bytes() == b"replicas: 2\n"
