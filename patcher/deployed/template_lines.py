"""The template line where each rendered resource starts.

A template is Go text, never YAML, so it is not parsed: its lines are only scanned for the
top-level ``kind:`` lines written literally (and the ``apiVersion:`` line that opens each such
document). A rendered document of kind K is placed at the one literal ``kind: K`` document of its
template, or at the n-th one when the template writes as many as were rendered, or at the one
whose literal ``name:`` is the resource's name; a template that renders one document and writes one
``apiVersion:`` line (its kind templated) starts there. When none of that decides (a templated
kind among several documents, a conditional document), the line is unknown rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

SEPARATOR = re.compile(r"^---(\s|$)")
KIND = re.compile(r"""^kind:\s*["']?([A-Za-z][A-Za-z0-9]*)["']?\s*(#.*)?$""")
API_VERSION = re.compile(r"^apiVersion:")


@dataclass(frozen=True)
class _Candidate:
    kind: str
    line: int  # where the document starts: its apiVersion line, else its kind line
    text: str  # the template document's text, for its literal names


def _candidates(template: str) -> list[_Candidate]:
    out: list[_Candidate] = []
    segment: list[tuple[int, str]] = []

    def close() -> None:
        opened: int | None = None  # the top-level apiVersion line not yet paired with a kind
        text = "\n".join(line for _, line in segment)
        for number, line in segment:
            if API_VERSION.match(line):
                opened = opened or number
                continue
            match = KIND.match(line)
            if match:
                out.append(_Candidate(match.group(1), min(opened or number, number), text))
                opened = None

    for number, line in enumerate(template.splitlines(), start=1):
        if SEPARATOR.match(line):
            close()
            segment = []
        else:
            segment.append((number, line))
    close()
    return out


def _named(candidate: _Candidate, name: str) -> bool:
    return re.search(rf"""^\s+name:\s*["']?{re.escape(name)}["']?\s*$""", candidate.text, re.M) is not None


def start_lines(template: str | None, rendered: Sequence[Any]) -> tuple[int | None, ...]:
    """For each rendered document's data (in order), the template line it starts at, or None."""
    if template is None:
        return tuple(None for _ in rendered)
    candidates = _candidates(template)
    versions = [n for n, line in enumerate(template.splitlines(), start=1) if API_VERSION.match(line)]
    only = versions[0] if len(versions) == 1 and len(rendered) == 1 else None
    by_kind: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_kind.setdefault(candidate.kind, []).append(candidate)
    kinds = [data.get("kind") if isinstance(data, dict) else None for data in rendered]
    counts = {kind: kinds.count(kind) for kind in set(kinds)}
    seen: dict[str, int] = {}
    out: list[int | None] = []
    for data, kind in zip(rendered, kinds):
        options = by_kind.get(kind, []) if isinstance(kind, str) else []
        nth = seen.get(kind, 0)
        seen[kind] = nth + 1
        if len(options) == 1:
            out.append(options[0].line)
        elif options and len(options) == counts[kind]:
            out.append(options[nth].line)
        else:
            meta = data.get("metadata") if isinstance(data, dict) else None
            name = meta.get("name") if isinstance(meta, dict) else None
            named = [c for c in options if isinstance(name, str) and _named(c, name)]
            out.append(named[0].line if len(named) == 1 else only if not options else None)
    return tuple(out)
