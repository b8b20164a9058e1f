"""A small, real GitHub REST server on 127.0.0.1 for the tests of `patcher pr`.

It serves the endpoints `patcher pr` uses (pulls, issue labels, review requests, merge) with the
fields, status codes and error bodies GitHub documents, over a real bare repository: branches and
their commits are whatever has been pushed there, and a merge really writes a merge commit into it.
Timestamps come from a fake clock (one minute per change from 2024-01-01), so runs are repeatable.
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import threading
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

REST_DOCS = "https://docs.github.com/rest"
DOCS = {
    "list": f"{REST_DOCS}/pulls/pulls#list-pull-requests",
    "create": f"{REST_DOCS}/pulls/pulls#create-a-pull-request",
    "get": f"{REST_DOCS}/pulls/pulls#get-a-pull-request",
    "update": f"{REST_DOCS}/pulls/pulls#update-a-pull-request",
    "merge": f"{REST_DOCS}/pulls/pulls#merge-a-pull-request",
    "labels": f"{REST_DOCS}/issues/labels#add-labels-to-an-issue",
    "list-labels": f"{REST_DOCS}/issues/labels#list-labels-for-an-issue",
    "reviewers": f"{REST_DOCS}/pulls/review-requests#request-reviewers-for-a-pull-request",
    "list-reviewers": f"{REST_DOCS}/pulls/review-requests#get-all-requested-reviewers-for-a-pull-request",
    "repo": f"{REST_DOCS}/repos/repos#get-a-repository",
    "user": f"{REST_DOCS}/users/users#get-the-authenticated-user",
}
BODY_LIMIT = 65536
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status, self.body = status, body


def error(status: int, message: str, doc: str = REST_DOCS, **extra: Any) -> ApiError:
    # GitHub has sent "status" (a string) in its error bodies since 2023.
    return ApiError(status, {"message": message, **extra, "documentation_url": doc, "status": str(status)})


def validation(doc: str, *errors: dict[str, Any]) -> ApiError:
    return error(422, "Validation Failed", doc, errors=list(errors))


def invalid_request(doc: str, detail: str) -> ApiError:
    """GitHub's JSON-schema rejection (a wrong type or enum value), before any other check."""
    return error(422, f"Invalid request.\n\n{detail}", doc)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]                # last value of each parameter
    headers: dict[str, str]              # names lower-cased
    body: Any                            # parsed JSON; None when absent or unparsable
    raw_body: bytes = b""
    status: int | None = None            # the status the server answered with


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class _Pull:
    number: int
    title: str
    body: str | None
    head: str
    base: str
    head_sha: str
    base_sha: str
    user: str
    draft: bool
    maintainer_can_modify: bool
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)


class _Bare:
    """Plumbing on the bare repository the server stands for."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = Path(git_dir)

    def git(self, *args: str, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> tuple[int, str]:
        # An enclosing hook's GIT_DIR or GIT_INDEX_FILE would redirect every command.
        base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        done = subprocess.run(["git", f"--git-dir={self.git_dir}", *args], capture_output=True, text=True,
                              env={**base, **(env or {})}, check=False)
        if done.returncode not in ok:
            raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.returncode, done.stdout

    def branches(self) -> dict[str, str]:
        _, out = self.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/")
        return {ref.removeprefix("refs/heads/"): sha for ref, sha in (line.split(" ") for line in out.splitlines())}

    def default_branch(self) -> str:
        code, out = self.git("symbolic-ref", "--short", "HEAD", ok=(0, 1, 128))
        return out.strip() if code == 0 else "main"

    def ahead(self, base_sha: str, head_sha: str) -> int:
        return int(self.git("rev-list", "--count", f"{base_sha}..{head_sha}")[1])

    def merge(self, base_sha: str, head_sha: str, message: str, author: str, when: datetime,
              squash: bool) -> str | None:
        """The new commit of head merged into base, or None on a conflict; refs are not moved."""
        code, out = self.git("merge-tree", "--write-tree", "--no-messages", base_sha, head_sha, ok=(0, 1))
        if code == 1:
            return None
        stamp = f"{int(when.timestamp())} +0000"
        env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@users.noreply.github.example",
               "GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.example",
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        parents = ["-p", base_sha] if squash else ["-p", base_sha, "-p", head_sha]
        return self.git("commit-tree", out.splitlines()[0], *parents, "-m", message, env=env)[1].strip()

    def update_ref(self, branch: str, new: str, old: str) -> None:
        self.git("update-ref", f"refs/heads/{branch}", new, old)

    def delete_ref(self, branch: str, old: str) -> None:
        self.git("update-ref", "-d", f"refs/heads/{branch}", old)


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "id": zlib.crc32(login.encode()), "type": "User",
            "html_url": f"https://github.example/{login}"}


class FakeGitHub:
    """A GitHub REST API for one repository, served on 127.0.0.1 until close()."""

    def __init__(self, bare_repo: Path, owner: str = "acme", repo: str = "shop",
                 token: str = "ghp_fake0123456789abcdefghijklmnopqrstuv", *, login: str = "patcher-bot",
                 collaborators: set[str] | frozenset[str] = frozenset({"alice", "bob"}),
                 teams: set[str] | frozenset[str] = frozenset({"platform"}),
                 delete_branch_on_merge: bool = True) -> None:
        self.bare = _Bare(Path(bare_repo))
        self.owner, self.repo, self.token, self.login = owner, repo, token, login
        self.collaborators, self.teams = set(collaborators), set(teams)
        self.delete_branch_on_merge = delete_branch_on_merge
        self.requests: list[RecordedRequest] = []
        self._pulls: dict[int, _Pull] = {}
        self._labels: dict[str, dict[str, Any]] = {}     # lower-cased name -> label
        self._faults: list[_Fault] = []
        self._ticks = 0
        self._lock = threading.RLock()
        self._sockets: set[socket.socket] = set()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        # A connection reset between the poll and accept() would block a blocking accept() for
        # good, and close() with it: with a timeout, accept() gives up and serving goes on.
        self._server.socket.settimeout(0.5)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll keeps close() (which waits for the serving loop to notice) quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-github",
                                        daemon=True)
        self._closed = False
        self._thread.start()

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> FakeGitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        # Keep-alive connections would otherwise leave handler threads waiting for a next request.
        with self._lock:
            for sock in list(self._sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._server.server_close()
        self._thread.join()

    # -- test controls -----------------------------------------------------------------------------
    def fail(self, method: str, path_regex: str, status: int = 500, times: int = 1,
             body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        """The next `times` requests whose method matches and whose path re.search-es path_regex get
        `status`, `body` (default {"message": "Server Error"}) and `headers` (say Retry-After) before
        anything else is checked, authentication included."""
        with self._lock:
            self._faults.append(_Fault(method.upper(), re.compile(path_regex), status, times,
                                       body if body is not None else {"message": "Server Error"}, headers or {}))

    @property
    def pulls(self) -> dict[int, dict[str, Any]]:
        """number -> the PR object GET /pulls/{n} would return now (a copy)."""
        with self._lock:
            branches = self.bare.branches()
            return {n: self._render(p, branches) for n, p in sorted(self._pulls.items())}

    def add_pull(self, head: str, base: str, title: str = "Existing pull request", body: str | None = None,
                 user: str | None = None, draft: bool = False, state: str = "open") -> dict[str, Any]:
        """A PR made outside the API under test (by `user`, default the token's login); no validation."""
        with self._lock:
            branches = self.bare.branches()
            pull = self._new_pull(title, body, head, base, branches, user or self.login, draft, True)
            if state == "closed":
                pull.state, pull.closed_at = "closed", pull.updated_at
            return self._render(pull, branches)

    def calls(self, method: str | None = None, path_regex: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if (method is None or r.method == method.upper())
                    and (path_regex is None or re.search(path_regex, r.path))]

    # -- request handling --------------------------------------------------------------------------
    def _now(self) -> datetime:
        self._ticks += 1
        return EPOCH + timedelta(minutes=self._ticks)

    def _stamp(self) -> str:
        return self._now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def handle(self, record: RecordedRequest, body_ok: bool) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append(record)
            try:
                status, payload, headers = self._dispatch(record, body_ok)
            except ApiError as exc:
                status, payload, headers = exc.status, exc.body, {}
            except Exception as exc:  # noqa: BLE001 - a bug here must reach the test as an answer, not a hang-up
                status, payload, headers = 500, {"message": f"fake GitHub failed: {exc!r}"}, {}
            record.status = status
            return status, payload, headers

    def _dispatch(self, req: RecordedRequest, body_ok: bool) -> tuple[int, Any, dict[str, str]]:
        for fault in self._faults:
            if fault.times > 0 and fault.method == req.method and fault.path.search(req.path):
                fault.times -= 1
                return fault.status, fault.body, fault.headers
        self._authenticate(req.headers.get("authorization"))
        for method, pattern, name, doc in ROUTES:
            match = pattern.fullmatch(req.path.rstrip("/") or "/")
            if match and method == req.method:
                break
        else:
            raise error(404, "Not Found")
        args = match.groupdict()
        if "owner" in args:
            if (args.pop("owner").lower(), args.pop("repo").lower()) != (self.owner.lower(), self.repo.lower()):
                raise error(404, "Not Found", doc)
        if not body_ok:
            raise error(400, "Problems parsing JSON", doc)
        result = getattr(self, f"_{name}")(req, **{k: int(v) for k, v in args.items()})
        return result if len(result) == 3 else (*result, {})

    def _authenticate(self, header: str | None) -> None:
        if not header:
            raise error(401, "Requires authentication")
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() not in ("bearer", "token") or value.strip() != self.token:
            raise error(401, "Bad credentials")

    # -- rendering -----------------------------------------------------------------------------------
    def _repo_object(self) -> dict[str, Any]:
        full = f"{self.owner}/{self.repo}"
        return {"id": zlib.crc32(full.encode()), "name": self.repo, "full_name": full, "private": True,
                "owner": {**_user(self.owner), "type": "Organization"},
                "html_url": f"https://github.example/{full}", "url": f"{self.url}/repos/{full}",
                "default_branch": self.bare.default_branch(),
                "delete_branch_on_merge": self.delete_branch_on_merge,
                "allow_merge_commit": True, "allow_squash_merge": True, "allow_rebase_merge": False}

    def _ref(self, ref: str, sha: str) -> dict[str, Any]:
        return {"label": f"{self.owner}:{ref}", "ref": ref, "sha": sha, "user": _user(self.owner),
                "repo": {"name": self.repo, "full_name": f"{self.owner}/{self.repo}"}}

    def _label_objects(self, names: list[str]) -> list[dict[str, Any]]:
        return [copy.deepcopy(self._labels[name.lower()]) for name in names]

    def _render(self, pull: _Pull, branches: dict[str, str], simple: bool = False) -> dict[str, Any]:
        """The "pull-request" object, or with `simple` the "pull-request-simple" that listing and
        requesting reviewers answer with: without merged, merged_by and maintainer_can_modify."""
        # An open PR follows its branches; a closed one keeps the commits it had when it closed.
        if pull.state == "open":
            pull.head_sha = branches.get(pull.head, pull.head_sha)
            pull.base_sha = branches.get(pull.base, pull.base_sha)
        api = f"{self.url}/repos/{self.owner}/{self.repo}"
        html = f"https://github.example/{self.owner}/{self.repo}/pull/{pull.number}"
        rendered = {
            "url": f"{api}/pulls/{pull.number}", "id": 1_000_000 + pull.number,
            "node_id": f"PR_fake{pull.number}", "html_url": html, "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch", "issue_url": f"{api}/issues/{pull.number}",
            "number": pull.number, "state": pull.state, "locked": False, "title": pull.title,
            "user": _user(pull.user), "body": pull.body, "labels": self._label_objects(pull.labels),
            "created_at": pull.created_at, "updated_at": pull.updated_at, "closed_at": pull.closed_at,
            "merged_at": pull.merged_at, "merge_commit_sha": pull.merge_commit_sha,
            "assignees": [], "requested_reviewers": [_user(r) for r in pull.reviewers],
            "requested_teams": [{"slug": t, "name": t, "id": zlib.crc32(t.encode())} for t in pull.teams],
            "head": self._ref(pull.head, pull.head_sha), "base": self._ref(pull.base, pull.base_sha),
            "draft": pull.draft, "author_association": "MEMBER",
        }
        if not simple:
            rendered.update(merged=pull.merged_at is not None, mergeable=None,
                            merged_by=_user(pull.merged_by) if pull.merged_by else None,
                            maintainer_can_modify=pull.maintainer_can_modify)
        return rendered

    # -- checks shared by create and update --------------------------------------------------------
    @staticmethod
    def _check_types(doc: str, data: dict[str, Any], types: dict[str, tuple[type, ...]]) -> None:
        for key, allowed in types.items():
            if key in data and not isinstance(data[key], allowed):
                kind = "a boolean" if bool in allowed else "a string"
                raise invalid_request(doc, f"For 'properties/{key}', {json.dumps(data[key])} is not {kind}.")

    @staticmethod
    def _check_body(doc: str, body: str | None) -> None:
        if body is not None and len(body) > BODY_LIMIT:
            raise validation(doc, {"resource": "Issue", "field": "body", "code": "custom",
                                   "message": f"body is too long (maximum is {BODY_LIMIT} characters)"})

    def _open_twin(self, pull_head: str, pull_base: str, but: int | None = None) -> _Pull | None:
        return next((p for p in self._pulls.values() if p.state == "open" and p.number != but
                     and p.head == pull_head and p.base == pull_base), None)

    def _exists_error(self, doc: str, head: str) -> ApiError:
        return validation(doc, {"resource": "PullRequest", "code": "custom",
                                "message": f"A pull request already exists for {self.owner}:{head}."})

    @staticmethod
    def _json_object(req: RecordedRequest, doc: str) -> dict[str, Any]:
        if req.body is None:
            return {}
        if not isinstance(req.body, dict):
            raise invalid_request(doc, f"Invalid input: {json.dumps(req.body)[:80]} is not an object.")
        return req.body

    def _pull_or_404(self, number: int, doc: str) -> _Pull:
        if number not in self._pulls:
            raise error(404, "Not Found", doc)
        return self._pulls[number]

    def _new_pull(self, title: str, body: str | None, head: str, base: str, branches: dict[str, str],
                  user: str, draft: bool, maintainer_can_modify: bool) -> _Pull:
        now = self._stamp()
        number = max(self._pulls, default=0) + 1
        pull = _Pull(number, title, body, head, base, branches.get(head, "0" * 40), branches.get(base, "0" * 40),
                     user, draft, maintainer_can_modify, now, now)
        self._pulls[number] = pull
        return pull

    # -- endpoints ---------------------------------------------------------------------------------
    def _user_get(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, _user(self.login)

    def _repo_get(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self._repo_object()

    def _list_pulls(self, req: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        q = req.query
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise invalid_request(DOCS["list"], f"For 'state', {json.dumps(state)} is not one of "
                                                '["open", "closed", "all"].')
        head = q.get("head")
        # GitHub ignores a head filter without the "owner:" prefix, which hides a client bug; so do we.
        head_owner, _, head_ref = head.partition(":") if head and ":" in head else (None, "", None)
        branches = self.bare.branches()
        chosen = [p for p in self._pulls.values()
                  if (state == "all" or p.state == state)
                  and (head_ref is None or (head_owner.lower() == self.owner.lower() and p.head == head_ref))
                  and ("base" not in q or p.base == q["base"])]
        key = (lambda p: (p.updated_at, p.number)) if q.get("sort") == "updated" else (lambda p: p.number)
        chosen.sort(key=key, reverse=q.get("direction", "desc") != "asc")
        per_page = _int(q.get("per_page"), 30)
        per_page = 30 if per_page < 1 else min(per_page, 100)
        page = max(_int(q.get("page"), 1), 1)
        last = max(1, -(-len(chosen) // per_page))
        items = [self._render(p, branches, simple=True) for p in chosen[(page - 1) * per_page:page * per_page]]
        return 200, items, self._link(req, page, last)

    def _link(self, req: RecordedRequest, page: int, last: int) -> dict[str, str]:
        if last == 1:
            return {}
        def at(n: int) -> str:
            return f"<{self.url}{req.path}?{urlencode({**req.query, 'page': n})}>"
        rels = []
        if page > 1:
            rels.append(f'{at(min(page - 1, last))}; rel="prev"')
        if page < last:
            rels += [f'{at(page + 1)}; rel="next"', f'{at(last)}; rel="last"']
        if page > 1:
            rels.append(f'{at(1)}; rel="first"')
        return {"Link": ", ".join(rels)}

    def _create_pull(self, req: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        doc = DOCS["create"]
        data = self._json_object(req, doc)
        self._check_types(doc, data, {"title": (str,), "head": (str,), "base": (str,), "body": (str, type(None)),
                                      "draft": (bool,), "maintainer_can_modify": (bool,)})
        missing = [f for f in ("title", "head", "base") if not data.get(f)]
        if missing:
            raise validation(doc, *({"resource": "PullRequest", "field": f, "code": "missing_field"} for f in missing))
        body = data.get("body")
        self._check_body(doc, body)
        head_owner, _, head = data["head"].rpartition(":")
        base = data["base"]
        branches = self.bare.branches()
        bad = [f for f, ok in (("base", base in branches),
                               ("head", head in branches and head_owner.lower() in ("", self.owner.lower())))
               if not ok]
        if bad:
            raise validation(doc, *({"resource": "PullRequest", "field": f, "code": "invalid"} for f in bad))
        if self._open_twin(head, base):
            raise self._exists_error(doc, head)
        if self.bare.ahead(branches[base], branches[head]) == 0:
            raise validation(doc, {"resource": "PullRequest", "code": "custom",
                                   "message": f"No commits between {base} and {head}"})
        pull = self._new_pull(data["title"], body, head, base, branches, self.login, bool(data.get("draft")),
                              data.get("maintainer_can_modify", True))
        rendered = self._render(pull, branches)
        return 201, rendered, {"Location": rendered["url"]}

    def _get_pull(self, req: RecordedRequest, number: int) -> tuple[int, Any]:
        pull = self._pull_or_404(number, DOCS["get"])
        return 200, self._render(pull, self.bare.branches())

    def _update_pull(self, req: RecordedRequest, number: int) -> tuple[int, Any]:
        doc = DOCS["update"]
        pull = self._pull_or_404(number, doc)
        data = self._json_object(req, doc)
        self._check_types(doc, data, {"title": (str,), "body": (str, type(None)), "state": (str,), "base": (str,),
                                      "maintainer_can_modify": (bool,)})
        if "state" in data and data["state"] not in ("open", "closed"):
            raise validation(doc, {"resource": "PullRequest", "field": "state", "code": "invalid"})
        self._check_body(doc, data.get("body"))
        branches = self.bare.branches()
        base = data.get("base", pull.base)
        state = data.get("state", pull.state)
        if base != pull.base:
            if base not in branches:
                raise validation(doc, {"resource": "PullRequest", "field": "base", "code": "invalid"})
            if pull.state == "closed":
                raise validation(doc, {"resource": "PullRequest", "field": "base", "code": "custom",
                                       "message": "Cannot change the base branch of a closed pull request."})
        if state == "open" and pull.state == "closed":
            if pull.merged_at:
                raise validation(doc, {"resource": "PullRequest", "field": "state", "code": "custom",
                                       "message": "state cannot be changed. The pull request has been merged."})
            if pull.head not in branches:
                raise validation(doc, {"resource": "PullRequest", "field": "state", "code": "custom",
                                       "message": f"state cannot be changed. The {pull.head} branch has been deleted."})
        if state == "open" and self._open_twin(pull.head, base, but=pull.number):
            raise self._exists_error(doc, pull.head)
        changes = {k: data[k] for k in ("title", "body", "maintainer_can_modify") if k in data}
        changes.update(base=base, state=state)
        if any(getattr(pull, k) != v for k, v in changes.items()):
            reopened_or_closed = state != pull.state
            for k, v in changes.items():
                setattr(pull, k, v)
            pull.updated_at = self._stamp()
            if reopened_or_closed:
                pull.closed_at = pull.updated_at if state == "closed" else None
        return 200, self._render(pull, branches)

    def _add_labels(self, req: RecordedRequest, number: int) -> tuple[int, Any]:
        doc = DOCS["labels"]
        pull = self._pull_or_404(number, doc)
        # GitHub takes {"labels": [...]} or a bare array, of names or {"name": ...} objects.
        given = req.body.get("labels") if isinstance(req.body, dict) else req.body
        if not given or not isinstance(given, list):
            raise validation(doc, {"resource": "Label", "field": "labels", "code": "missing_field"})
        names = [g.get("name") if isinstance(g, dict) else g for g in given]
        if not all(isinstance(n, str) and n.strip() for n in names):
            raise validation(doc, {"resource": "Label", "field": "name", "code": "invalid"})
        for name in names:
            if name.lower() not in self._labels:
                self._labels[name.lower()] = self._new_label(name)
            label = self._labels[name.lower()]
            if label["name"].lower() not in (n.lower() for n in pull.labels):
                pull.labels.append(label["name"])
        pull.updated_at = self._stamp()
        return 200, self._label_objects(pull.labels)

    def _list_labels(self, req: RecordedRequest, number: int) -> tuple[int, Any]:
        return 200, self._label_objects(self._pull_or_404(number, DOCS["list-labels"]).labels)

    def _new_label(self, name: str) -> dict[str, Any]:
        return {"id": 2_000_000 + len(self._labels) + 1, "node_id": f"LA_fake{len(self._labels) + 1}",
                "url": f"{self.url}/repos/{self.owner}/{self.repo}/labels/{quote(name, safe='')}",
                "name": name, "description": None, "color": "ededed", "default": False}

    def _request_reviewers(self, req: RecordedRequest, number: int) -> tuple[int, Any]:
        doc = DOCS["reviewers"]
        pull = self._pull_or_404(number, doc)
        data = self._json_object(req, doc)
        if "reviewers" not in data and "team_reviewers" not in data:
            raise invalid_request(doc, 'No subschema in "anyOf" matched.\n"reviewers" wasn\'t supplied.\n'
                                       '"team_reviewers" wasn\'t supplied.')
        reviewers, teams = data.get("reviewers") or [], data.get("team_reviewers") or []
        for key, value in (("reviewers", reviewers), ("team_reviewers", teams)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise invalid_request(doc, f"For 'properties/{key}', {json.dumps(value)} is not an array of strings.")
        if any(r.lower() == pull.user.lower() for r in reviewers):
            raise error(422, "Review cannot be requested from pull request author.", doc)
        known = {c.lower() for c in self.collaborators}
        if any(r.lower() not in known for r in reviewers) or any(t not in self.teams for t in teams):
            raise error(422, "Reviews may only be requested from collaborators. One or more of the users or teams "
                             f"you specified is not a collaborator of the {self.owner}/{self.repo} repository.", doc)
        for wanted, have in ((reviewers, pull.reviewers), (teams, pull.teams)):
            have.extend(w for w in dict.fromkeys(wanted) if w not in have)
        pull.updated_at = self._stamp()
        return 201, self._render(pull, self.bare.branches(), simple=True)

    def _list_reviewers(self, req: RecordedRequest, number: int) -> tuple[int, Any]:
        pull = self._pull_or_404(number, DOCS["list-reviewers"])
        return 200, {"users": [_user(r) for r in pull.reviewers],
                     "teams": [{"slug": t, "name": t, "id": zlib.crc32(t.encode())} for t in pull.teams]}

    def _merge_pull(self, req: RecordedRequest, number: int) -> tuple[int, Any]:
        doc = DOCS["merge"]
        pull = self._pull_or_404(number, doc)
        data = self._json_object(req, doc)
        self._check_types(doc, data, {"commit_title": (str,), "commit_message": (str,), "sha": (str,),
                                      "merge_method": (str,)})
        method = data.get("merge_method", "merge")
        if method not in ("merge", "squash", "rebase"):
            raise invalid_request(doc, f"For 'properties/merge_method', {json.dumps(method)} is not one of "
                                       '["merge", "squash", "rebase"].')
        if method == "rebase":
            raise error(405, "Rebase merges are not allowed on this repository.", doc)
        branches = self.bare.branches()
        if pull.state != "open" or pull.head not in branches or pull.base not in branches:
            raise error(405, "Pull Request is not mergeable", doc)
        if pull.draft:
            raise error(405, "Pull Request is still a draft", doc)
        head_sha, base_sha = branches[pull.head], branches[pull.base]
        if data.get("sha") and data["sha"] != head_sha:
            raise error(409, "Head branch was modified. Review and try the merge again.", doc)
        when = self._now()
        if method == "squash":
            title = data.get("commit_title", f"{pull.title} (#{pull.number})")
        else:
            title = data.get("commit_title", f"Merge pull request #{pull.number} from {self.owner}/{pull.head}")
        message = title + "\n\n" + data.get("commit_message", pull.title if method == "merge" else pull.body or "")
        sha = self.bare.merge(base_sha, head_sha, message.rstrip() + "\n", self.login, when, method == "squash")
        if sha is None:
            raise error(405, "Pull Request is not mergeable", doc)
        self.bare.update_ref(pull.base, sha, base_sha)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        pull.head_sha, pull.base_sha = head_sha, base_sha
        pull.state, pull.merged_at, pull.closed_at, pull.updated_at = "closed", stamp, stamp, stamp
        pull.merged_by, pull.merge_commit_sha = self.login, sha
        if self.delete_branch_on_merge:
            self._delete_head(pull, head_sha)
        return 200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}

    def _delete_head(self, merged: _Pull, head_sha: str) -> None:
        """What "Automatically delete head branches" does: PRs onto the branch move to its base first."""
        others = [p for p in self._pulls.values() if p.state == "open" and p.number != merged.number]
        if merged.head == self.bare.default_branch() or any(p.head == merged.head for p in others):
            return
        for pull in others:
            if pull.base == merged.head:
                pull.base, pull.updated_at = merged.base, self._stamp()
        self.bare.delete_ref(merged.head, head_sha)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
# (method, path, handler, the documentation URL its 400 and 404 bodies name)
ROUTES = [(method, re.compile(pattern), name, DOCS[doc]) for method, pattern, name, doc in (
    ("GET", r"/user", "user_get", "user"),
    ("GET", _REPO, "repo_get", "repo"),
    ("GET", _REPO + r"/pulls", "list_pulls", "list"),
    ("POST", _REPO + r"/pulls", "create_pull", "create"),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)", "get_pull", "get"),
    ("PATCH", _REPO + r"/pulls/(?P<number>\d+)", "update_pull", "update"),
    ("PUT", _REPO + r"/pulls/(?P<number>\d+)/merge", "merge_pull", "merge"),
    ("POST", _REPO + r"/issues/(?P<number>\d+)/labels", "add_labels", "labels"),
    ("GET", _REPO + r"/issues/(?P<number>\d+)/labels", "list_labels", "list-labels"),
    ("POST", _REPO + r"/pulls/(?P<number>\d+)/requested_reviewers", "request_reviewers", "reviewers"),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)/requested_reviewers", "list_reviewers", "list-reviewers"),
)]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64     # tests fire bursts of parallel requests; the default backlog is 5


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "GitHub.com"
        sys_version = ""

        def setup(self) -> None:
            super().setup()
            with fake._lock:
                fake._sockets.add(self.connection)

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                with fake._lock:
                    fake._sockets.discard(self.connection)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def _serve(self) -> None:
            split = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body, body_ok = None, True
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    body_ok = False
            record = RecordedRequest(self.command, split.path, dict(parse_qsl(split.query, keep_blank_values=True)),
                                     {k.lower(): v for k, v in self.headers.items()}, body, raw)
            status, payload, headers = fake.handle(record, body_ok)
            data = json.dumps(payload, indent=2).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler
