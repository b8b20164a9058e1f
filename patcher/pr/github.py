"""The GitHub REST API calls `patcher pr` makes, with the standard library's HTTP client.

Written on urllib rather than a client library: five endpoints, JSON in and out, and a token
that must never reach a log, which is simplest to guarantee with nothing between the request and
the socket. Errors carry GitHub's message and its validation errors, redacted.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from patcher import __version__
from patcher.pr.secrets import redact
from patcher.source import PatcherError

DEFAULT_API = "https://api.github.com"
BODY_LIMIT = 65536  # characters GitHub accepts in a pull request body
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubError(PatcherError):
    def __init__(self, message: str, status: int, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status


@dataclass
class GitHub:
    api: str  # the API base: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise
    owner: str
    repo: str
    token: str
    timeout: float = 30.0

    def pulls(self, state: str = "all", head: str | None = None, limit_pages: int = 10) -> list[dict]:
        query = {"state": state, "per_page": "100"}
        if head:
            query["head"] = f"{self.owner}:{head}"
        url: str | None = self._url("pulls") + "?" + urllib.parse.urlencode(query)
        found: list[dict] = []
        for _ in range(limit_pages):
            if url is None:
                break
            page, headers = self._call("GET", url)
            found += page
            match = _NEXT.search(headers.get("Link", "") or "")
            url = match.group(1) if match else None
        return found

    def create(self, title: str, head: str, base: str, body: str, draft: bool = False) -> dict:
        data = {"title": title, "head": head, "base": base, "body": body, "maintainer_can_modify": True}
        if draft:
            data["draft"] = True
        return self._call("POST", self._url("pulls"), data)[0]

    def update(self, number: int, **fields: Any) -> dict:
        return self._call("PATCH", self._url(f"pulls/{number}"), fields)[0]

    def add_labels(self, number: int, labels: list[str]) -> list[dict]:
        return self._call("POST", self._url(f"issues/{number}/labels"), {"labels": labels})[0]

    def request_reviewers(self, number: int, reviewers: list[str], teams: list[str]) -> dict:
        return self._call("POST", self._url(f"pulls/{number}/requested_reviewers"),
                          {"reviewers": reviewers, "team_reviewers": teams})[0]

    def _url(self, path: str) -> str:
        return f"{self.api.rstrip('/')}/repos/{self.owner}/{self.repo}/{path}"

    def _call(self, method: str, url: str, data: Any = None) -> tuple[Any, Any]:
        body = None if data is None else json.dumps(data).encode("utf-8")
        request = urllib.request.Request(url, data=body, method=method, headers={
            "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
            "Authorization": f"Bearer {self.token}", "User-Agent": f"patcher/{__version__}",
            **({"Content-Type": "application/json"} if body is not None else {})})
        where = f"{method} {redact(urllib.parse.urlsplit(url).path)}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return (json.loads(raw) if raw else None), response.headers
        except urllib.error.HTTPError as error:
            raise _error(where, error) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise GitHubError(f"GitHub API {where}: {redact(str(reason))}", 0,
                              hint="check --api-url and the network") from None


def _error(where: str, error: urllib.error.HTTPError) -> GitHubError:
    try:
        said = json.loads(error.read() or b"{}")
    except ValueError:
        said = {}
    message = str(said.get("message") or error.reason)
    details = [e.get("message") or " ".join(str(e.get(k)) for k in ("resource", "field", "code") if e.get(k))
               for e in said.get("errors", []) if isinstance(e, dict)]
    text = f"GitHub API {where}: {error.code} {message}" + (f" ({'; '.join(details)})" if details else "")
    hint = {401: "check the token in GITHUB_TOKEN or GH_TOKEN",
            403: "the token needs the contents and pull-requests write permissions",
            404: "check --github-repo and that the token can see the repository"}.get(error.code, "")
    return GitHubError(redact(text), error.code, hint)


def parse_slug(url: str) -> tuple[str, str, str] | None:
    """(host, owner, repo) of a GitHub remote URL: https://host/o/r(.git), git@host:o/r, ssh://git@host/o/r."""
    match = re.match(r"^(?:[a-z+]+://)?(?:[^@/]+@)?([^/:]+)(?::\d+)?[:/]+([^/]+)/([^/]+?)(?:\.git)?/?$", url)
    if not match or url.startswith(("/", "file:", ".")):
        return None
    return match.group(1), match.group(2), match.group(3)


def api_for(host: str) -> str:
    return DEFAULT_API if host in ("github.com", "www.github.com") else f"https://{host}/api/v3"
