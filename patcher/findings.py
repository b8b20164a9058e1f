"""Findings and fixes: what rules return, as frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from patcher.edits import Edit, YamlPath
from patcher.intent.changes import Intent


class Severity(IntEnum):
    """The report's scale: critical (fix now), medium (should fix), recommended."""

    RECOMMENDED = 1
    MEDIUM = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Applicability(IntEnum):
    """How safe a fix is to apply without a human reading it (ruff's scale)."""

    DISPLAY_ONLY = 0
    UNSAFE = 1
    SAFE = 2

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True)
class Location:
    """Where a finding points: a file, and inside it a document and YAML path.

    ``line``/``column`` are 1-based and derived from the source for display.
    """

    file: str
    line: int = 1
    column: int = 1
    doc: int | None = None
    path: YamlPath = ()
    resource: str = ""  # "Kind namespace/name" when the location lies in a resource

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Fix:
    """A finding's fix. A rule states it as ``changes`` (patcher.intent: what must change,
    addressed by resource); placement (patcher.place) fills ``edits``, the file edits that
    make those changes where the owner would. ``edits`` a rule writes itself are kept as
    they are (a rule not yet stating intent)."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE
    # why it is labelled so: what the rule proved keeps every known flow working, or
    # which flow it could break or cannot see
    reason: str = ""
    # the resources its reasoning reads (patcher.unread.Needs); None: all of them. A fix is
    # withheld when something it needs could not be read
    needs: tuple | None = None
    changes: tuple[Intent, ...] = ()


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    location: Location
    why: str = ""
    fix: Fix | None = None
    related: tuple[Location, ...] = field(default=())

    @property
    def identity(self) -> str:
        """Who this finding is, across fix passes and runs: never its message, whose
        wording may change while the problem stays (a list of routes that shrinks).

        A finding in a resource is addressed by the resource and the YAML path, which
        survive edits elsewhere in the file (documents before it deleted, lines added);
        one in a script or elsewhere by its line and column, which the edits of a
        script (one line rewritten in place) do not move.
        """
        loc = self.location
        where = loc.resource or (f"doc {loc.doc}" if loc.doc is not None else "")
        path = "/".join(str(p) for p in loc.path)
        if not where and not path:
            where = f"{loc.line}:{loc.column}"
        return f"{self.rule}|{loc.file}|{where}|{path}"

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule, self.message)
