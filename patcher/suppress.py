"""Hiding findings where no ignore comment can sit: the settings' ``ignore`` entries and a
baseline file.

A finding about a namespace, or one in a Helm-rendered resource, points at a
template or at line 1 of a file; a comment there would be wrong or lost. The
settings name such findings by rule and namespace, file glob or resource. A
baseline (as checkov's) records the findings a repository has today, so that a
pipeline fails only on new ones: each entry is the finding's identity and a hash
of its message, so a finding whose text changes (another route joins the list)
shows again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Iterable

from patcher.findings import Finding
from patcher.ownfiles import read_own_file
from patcher.rule_patterns import matches
from patcher.source import PatcherError

SCOPES = ("namespace", "file", "resource")
ENTRY_HINT = "an entry is {rule: ID, namespace: NS} or {rule: ID, file: GLOB} or {rule: ID, resource: \"Kind ns/name\"}"
BASELINE_VERSION = 1
BASELINE_HINT = "write one with `patcher plan --write-baseline FILE`"


@dataclass(frozen=True)
class IgnoreEntry:
    """One entry of the settings' ``ignore``: every scope it gives must match."""

    rule: str  # an id, family or glob
    namespace: str | None = None
    file: str | None = None  # a glob over the repository-relative path
    resource: str | None = None  # "Kind namespace/name", or a glob over it

    def hides(self, finding: Finding) -> bool:
        loc = finding.location
        if not matches(self.rule, finding.rule):
            return False
        if self.namespace is not None and _namespace(loc.resource) != self.namespace:
            return False
        if self.file is not None and not fnmatchcase(loc.file, self.file):
            return False
        return self.resource is None or fnmatchcase(loc.resource, self.resource)


def _namespace(resource: str) -> str | None:
    """The namespace of "Kind namespace/name"; None outside a resource."""
    _, _, ref = resource.partition(" ")
    return ref.split("/", 1)[0] if "/" in ref else None


def parse_ignores(value: Any, source: str | None, line: int | None = None,
                  column: int | None = None) -> tuple[IgnoreEntry, ...]:
    """The settings' ``ignore`` entries, checked: errors name the settings file and the key
    (at ``line`` and ``column``, where the settings give one)."""
    def error(message: str, hint: str = ENTRY_HINT) -> PatcherError:
        return PatcherError(message, source, line, column, hint=hint)

    if not isinstance(value, list):
        raise error("'ignore' must be a list of entries")
    entries = []
    for number, item in enumerate(value, start=1):
        where = f"'ignore' entry {number}"
        if not isinstance(item, dict):
            raise error(f"{where} must be a mapping")
        unknown = sorted(str(k) for k in item if k not in ("rule",) + SCOPES)
        if unknown:
            raise error(f"{where}: unknown key '{unknown[0]}'")
        if "rule" not in item:
            raise error(f"{where}: missing key 'rule'")
        for key, text in item.items():
            if not isinstance(text, str) or not text:
                raise error(f"{where}: '{key}' must be a non-empty string")
        if not any(k in item for k in SCOPES):
            raise error(f"{where}: give 'namespace', 'file' or 'resource'",
                        hint="to turn a rule off everywhere, list it under 'disable'")
        entries.append(IgnoreEntry(item["rule"], item.get("namespace"), item.get("file"), item.get("resource")))
    return tuple(entries)


def message_hash(message: str) -> str:
    return hashlib.sha256(message.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Baseline:
    file: str  # as the user named it, for messages
    keys: frozenset[tuple[str, str]]  # (finding identity, message hash)

    def hides(self, finding: Finding) -> bool:
        return (finding.identity, message_hash(finding.message)) in self.keys


def render_baseline(findings: Iterable[Finding]) -> str:
    entries = sorted({(f.rule, f.location.file, f.identity, message_hash(f.message)) for f in findings})
    data = {"tool": "patcher", "baseline-version": BASELINE_VERSION,
            "findings": [{"rule": rule, "file": file, "identity": identity, "message-hash": digest}
                         for rule, file, identity, digest in entries]}
    return json.dumps(data, indent=2) + "\n"


def read_baseline(path: Path, name: str, limit: Path | None = None) -> Baseline:
    """The baseline at ``path``; one the settings name must lie inside ``limit`` (the
    repository's read boundary), one given on the command line may lie anywhere."""
    text = read_own_file(path, name, limit)
    if text is None:
        raise PatcherError("baseline file does not exist", name, hint=BASELINE_HINT)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PatcherError(f"baseline is not valid JSON: {exc.msg}", name, exc.lineno, exc.colno,
                           hint=BASELINE_HINT) from None
    if not isinstance(data, dict) or data.get("baseline-version") != BASELINE_VERSION:
        raise PatcherError(f"not a patcher baseline (no \"baseline-version\": {BASELINE_VERSION})", name,
                           hint=BASELINE_HINT)
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("identity"), str) and isinstance(e.get("message-hash"), str)
            for e in entries):
        raise PatcherError("baseline 'findings' must be a list of entries with 'identity' and 'message-hash'",
                           name, hint=BASELINE_HINT)
    return Baseline(name, frozenset((e["identity"], e["message-hash"]) for e in entries))
