"""Schemas fetched from a URL template: bounded in time and size, failures remembered.

A schema server that accepts a connection and never answers must not stall a run
once per resource: each download has one short deadline (TIMEOUT_SECONDS for the
whole download, not per read, so a server trickling bytes is cut off too), and a
server that failed once is not asked again during the run (the process: plan's
checks of fixes and the schema rule, pass after pass, each build a Validator): the
kinds it would have served fall back to the schemas patcher ships, and a note
says so. 404 is an
answer ("no schema for this kind"), not a failure. Downloads are cached on disk;
a cache that cannot be read or written is passed over, never an error.
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from patcher.source import Diagnostic

TIMEOUT_SECONDS = 5.0
MAX_BYTES = 16 * 1024 * 1024  # the largest shipped schema is under 1 MB

_FAILED: dict[str, tuple[str, str]] = {}  # server -> (the URL that failed, why), for the whole run


class Downloads:
    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.failed = _FAILED

    def schema(self, url: str) -> dict | None:
        """The schema at ``url``; None when there is none (404) or its server has failed."""
        cached = self.cache_dir / (hashlib.sha256(url.encode()).hexdigest() + ".json")
        found = _json(_read_cache(cached))
        if isinstance(found, dict):
            return found
        server = _server(url)
        if server in self.failed:
            return None
        try:
            body = _fetch(url)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            self.failed[server] = (url, f"HTTP {exc.code} {exc.reason}")
            return None
        except (OSError, ValueError) as exc:  # refused, unreachable, timed out, a bad URL
            self.failed[server] = (url, _reason(exc))
            return None
        schema = _json(body)
        if not isinstance(schema, dict):
            self.failed[server] = (url, "the answer is not a JSON schema")
            return None
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(body)
        except OSError:
            pass  # downloaded again next run
        return schema

    def notes(self) -> list[Diagnostic]:
        return [Diagnostic(".", f"schema server {server} failed ({why}, for {url}): it was not asked again in "
                                "this run, and its kinds were checked against patcher's own schemas where it "
                                "has them", hint="check the schema location, or validate offline with a folder",
                           level="note")
                for server, (url, why) in sorted(self.failed.items())]


def _fetch(url: str) -> bytes:
    """The body at ``url`` within TIMEOUT_SECONDS in all (name lookup, connection, headers and
    body): the download runs in a thread that is left behind, not waited for, past the deadline."""
    outcome: dict[str, object] = {}

    def download() -> None:
        try:
            outcome["body"] = _read(url)
        except BaseException as exc:  # handed to the caller as it is
            outcome["error"] = exc

    thread = threading.Thread(target=download, name="patcher-schema-download", daemon=True)
    thread.start()
    thread.join(TIMEOUT_SECONDS)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {TIMEOUT_SECONDS:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["body"]  # type: ignore[return-value]


def _read(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        body = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    return body


def _server(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    reason = getattr(exc, "reason", None) or exc
    return str(getattr(reason, "strerror", None) or reason)


def _read_cache(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _json(body: bytes | None):
    if body is None:
        return None
    try:
        return json.loads(body)
    except ValueError:  # JSONDecodeError, and bytes that are not UTF-8
        return None
