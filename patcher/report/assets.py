"""The files the HTML review inlines, shipped in the package (patcher/report/assets/)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def mermaid_js() -> str:
    return resources.files("patcher.report").joinpath("assets", "mermaid.min.js").read_text(encoding="utf-8")
