"""The GitHub token: read from the environment, and kept out of every text patcher shows.

The token only ever travels in the environment of a child process (git's askpass helper reads
it from there) and in the Authorization header of API requests. Everything printed, logged or
raised by `patcher pr` passes through ``redact``, which also hides credentials a remote URL
carries (https://user:secret@host/...), since git and the API echo URLs in their errors.
"""

from __future__ import annotations

import os
import re

TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def token() -> str | None:
    for name in TOKEN_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def redact(text: str) -> str:
    """``text`` without any token from the environment or credentials in a URL."""
    for name in TOKEN_VARIABLES:
        value = os.environ.get(name, "").strip()
        if len(value) >= 4:
            text = text.replace(value, "***")
    return _USERINFO.sub("***@", text)


def public_url(url: str) -> str:
    """A remote URL as it may be shown or written to disk: without userinfo."""
    return _USERINFO.sub("", url)
