"""Plan: findings, the fixes chosen for them, and the files those fixes produce.

Like ruff's fix loop: apply every fix that does not overlap one already taken,
rebuild the model from the new texts, run the rules again, and repeat until no
fixable finding is left. Findings reported are those of the first pass (what
the repository has); the change is what the last pass ends with.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from patcher.analyse import Selection, Skips, analyse, unknown_ignores
from patcher.config import Config
from patcher.containment import inside
from patcher.discover import OUTSIDE_LINK, discover, read_in_place
from patcher.edits import (AddDocument, CreateFile, DeleteDocument, DeleteItem, Edit, EditInline, InsertItem,
                           InsertKey, ReplaceText, edit_paths)
from patcher.findings import Applicability, Finding
from patcher.incremental import enabled as incremental
from patcher.model import ParseCache, Workspace, build_model
from patcher.outputs import check_outputs
from patcher.reading import open_regular, read_regular
from patcher.registry import all_rules
from patcher.rules.schema_invalid_resource import RULE as SCHEMA_RULE
from patcher.source import Diagnostic, PatcherError, decode
from patcher.schema_run import run_validator
from patcher.transform import apply_edits
from patcher.deployed.overridden import overridden
from patcher.unread import Unread, gaps, withheld_reason
from patcher.validate import Validator, schema_location
from patcher.verify.effect import effect_failures
from patcher.verify.file import verify_file
from patcher.yamlread import read_documents

MAX_PASSES = 8
DEFAULT_MAX_SIZE = 5 * 1024 * 1024


@dataclass(frozen=True)
class FileChange:
    path: str
    old: str | None  # None: created
    new: str | None  # None: deleted


# What happened to a finding's fix. A plan only computes: its fixes "would-fix"; after apply
# has written them they are "fixed" (see ``written``).
# A "withheld" fix relies on something patcher could not read (patcher.unread): never applied.
WOULD_FIX, FIXED, SKIPPED_UNSAFE, NO_FIX, FAILED, WITHHELD = (
    "would-fix", "fixed", "skipped-unsafe", "no-fix", "failed-verification", "withheld")
STATUSES = (WOULD_FIX, FIXED, SKIPPED_UNSAFE, NO_FIX, FAILED, WITHHELD)


@dataclass(frozen=True)
class FixResult:
    finding: Finding
    status: str  # one of STATUSES
    reason: str = ""


@dataclass(frozen=True)
class Applied:
    """A fix the loop applied: the pass it went in (1-based) and the finding, whose fix's
    ``changes`` (intent) and ``edits`` (as placed in that pass) are what changed. Passes are
    applied in order: a later pass's changes address the resources as earlier passes left them."""

    number: int
    finding: Finding


@dataclass(frozen=True)
class Plan:
    root: Path
    findings: tuple[Finding, ...]
    results: tuple[FixResult, ...]
    changes: tuple[FileChange, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    remaining: tuple[Finding, ...] = field(default=())  # what the rules find after the fixes
    unresolved: tuple[Finding, ...] = field(default=())  # findings whose applied fix did not clear them
    hidden: tuple[tuple[Finding, str], ...] = field(default=())  # (finding, why) an ignore or the baseline hid
    applied: tuple[Applied, ...] = field(default=())  # the applied log, in the order the fixes went in
    model: Any = field(default=None, compare=False, repr=False)  # the model of the repository as read

    def written(self) -> "Plan":
        """The plan as it stands once apply has written its changes: what would be fixed is fixed."""
        results = tuple(dataclasses.replace(r, status=FIXED) if r.status == WOULD_FIX else r
                        for r in self.results)
        return dataclasses.replace(self, results=results)


Progress = Callable[[int, int, str], None]


def load_workspace(root: Path, progress: Progress | None = None,
                   max_size: int = DEFAULT_MAX_SIZE) -> tuple[Workspace, list[Diagnostic]]:
    inventory = discover(root)
    texts: dict[str, str] = {}
    diagnostics = [Diagnostic(p, OUTSIDE_LINK, level="note") for p in inventory.outside_links]
    diagnostics += inventory.unread
    # a Taskfile is a YAML file and a script: read once
    paths = tuple(dict.fromkeys(inventory.yaml + inventory.kustomizations + inventory.scripts))
    for number, path in enumerate(paths, start=1):
        if progress:
            progress(number, len(paths), "reading")
        try:
            # discovery saw a regular file; the open checks again, in case it changed since
            with open_regular(inside(root, path) or root / path, path) as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > max_size:
                    diagnostics.append(Diagnostic(path, f"skipped: {size} bytes is over the size limit of {max_size}",
                                                  hint="raise max-file-size in .patcher.yaml to read it"))
                    continue
                text = decode(handle.read(), path)
            template = _template_note(inventory.charts, path, text)
            if template:
                diagnostics.append(Diagnostic(path, template, level="note"))
                continue
            texts[path] = text
        except PatcherError as exc:
            diagnostics.append(Diagnostic.of(exc, path))
        except OSError as exc:
            diagnostics.append(Diagnostic(path, f"cannot read: {exc.strerror}",
                                          hint="check the file's permissions"))
    return Workspace(root, texts, inventory), diagnostics


def _template_note(charts: tuple[str, ...], path: str, text: str) -> str:
    """Why a file with template braces is not read as YAML, when it looks like a Helm template."""
    if "{{" not in text:
        return ""
    if "templates" in path.split("/")[:-1] and not any(c in ("", ".") or path.startswith(c + "/") for c in charts):
        return "Helm template outside a chart (no Chart.yaml above it): not rendered, not analysed"
    chart = next((c for c in charts if c in ("", ".") or path.startswith(c + "/")), None)
    if chart is None:
        return ""
    try:
        read_documents(text, path)
        return ""  # braces inside YAML strings (an alert template in a ConfigMap): a manifest like any other
    except PatcherError:
        return (f"template braces in a file of chart '{chart}' outside its templates/: Helm renders only "
                "templates/ (this file reaches the chart through .Files, if at all); not analysed")


def make_plan(root: Path, config: Config, selection: Selection,
              threshold: Applicability = Applicability.SAFE, progress: Progress | None = None) -> Plan:
    validator = Validator(schema_location(root, config["schema-location"]), config["kubernetes-version"])
    with _collector_paused(), run_validator(validator):
        return _make_plan(root, config, selection, threshold, progress, validator)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while planning.

    Reading keeps every document's node tree for positions: hundreds of
    thousands of small objects, which the collector would rescan over and over
    (it more than doubled the parse time). Parsing creates no reference cycles,
    so nothing is lost by collecting once at the end instead.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _make_plan(root: Path, config: Config, selection: Selection, threshold: Applicability,
               progress: Progress | None, validator: Validator) -> Plan:
    workspace, diagnostics = load_workspace(root, progress, int(config["max-file-size"]))
    not_read = [Unread(f"{d.file} ({d.message})") for d in diagnostics]  # every one is a file left unread
    diagnostics += read_in_place(workspace.inventory)
    cache = ParseCache()
    diagnostics += unknown_ignores(workspace.texts)
    model = build_model(workspace, config, cache, progress)
    check_outputs(model)
    first_model = model
    derived = frozenset(r.id for r in all_rules() if r.info.derived)
    hidden: list[tuple[Finding, str]] = []
    skips = Skips()
    withheld: dict[str, str] = {}  # finding identity -> why its fix is withheld
    first = analyse(model, selection, derived=False, hidden=hidden, progress=progress, skips=skips)
    _withhold(first, not_read + list(model.unread) + skips.unread, withheld)
    _overridden(first, model, withheld)
    if any(r.id == SCHEMA_RULE.id for r in selection.rules(config)):
        for resource in model.own_defect_resources + model.malformed:  # counted for the note on what had no schema to check against
            validator.covers(resource.data)
    if not _choose(_eligible(first, withheld), threshold, {}, {}):
        first = sorted(first + analyse(model, selection, derived=True, hidden=hidden, progress=progress,
                                       skips=skips),
                       key=lambda f: (-f.severity, f.sort_key()))
        _withhold(first, not_read + list(model.unread) + skips.unread, withheld)
        _overridden(first, model, withheld)
    # else the routing changes first, and policy derived from it is found (and reported) on the fixed routing
    texts: dict[str, str | None] = dict(workspace.texts)
    extra_read: dict[str, str | None] = {}
    applied: dict[str, int] = {}  # finding identity -> passes it was fixed in
    log: list[Applied] = []
    failures: dict[str, str] = {}
    later: dict[str, Finding] = {}  # found only once earlier fixes changed the repository
    known = {f.identity for f in first}
    current = first
    for number in range(1, MAX_PASSES + 1):
        chosen = _choose(_eligible(current, withheld), threshold, applied, failures, derived)
        if not chosen:
            break
        before = dict(texts)
        while True:  # a fix whose effect on what is built differs from its changes is taken out
            step = _Step(root, texts, extra_read, validator, cache, progress, f"fix pass {number}: verifying")
            kept = step.apply(chosen)
            failures.update(step.failures)
            live = {p: t for p, t in texts.items() if t is not None}
            built = build_model(Workspace(root, live, workspace.inventory), config,
                                cache if incremental() else ParseCache())
            wrong = effect_failures(model, built, kept)
            if not wrong:
                break
            failures.update(wrong)
            texts.clear()
            texts.update(before)
            chosen = [f for f in kept if f.identity not in wrong]
        model = built
        for finding in kept:
            applied[finding.identity] = applied.get(finding.identity, 0) + 1
            log.append(Applied(number, finding))
        hidden_now: list[tuple[Finding, str]] = []
        current = analyse(model, selection, hidden=hidden_now, skips=skips)
        _withhold(current, not_read + list(model.unread) + skips.unread, withheld)
        _overridden(current, model, withheld)
        # what only exists once a fix is in: policy for a Service a corrected route reaches, a
        # merged route's missing timeout, a mapping a moved port left unused
        later.update((f.identity, f) for f in current
                     if f.identity not in known and f.identity not in later)
        hidden += [(f, why) for f, why in hidden_now if f.identity not in known]  # as `later`: news
    changes = _changes(workspace, texts, extra_read)
    left = {f.identity for f in current}
    # every change written belongs to a finding shown: later findings whose fix went in, and
    # those still there at the end, are reported with the first pass's
    reported = sorted(list(first) + [f for key, f in later.items() if key in applied or key in left],
                      key=lambda f: (-f.severity, f.sort_key()))
    results = tuple(_result(f, threshold, applied, failures, left, withheld) for f in reported)
    unresolved = tuple(f for f in current if f.fix and f.identity in applied)
    # what the repository has, then what only the fixed texts show
    # (a fix that moves lines moves a warning too: the same warning is not told twice)
    first_told = _told(first_model, selection) + tuple(skips.diagnostics)
    seen = {(d.file, d.message, d.level) for d in first_told}
    told = tuple(dict.fromkeys(first_told + tuple(d for d in _told(model, selection)
                                                  if (d.file, d.message, d.level) not in seen)))
    return Plan(root, tuple(reported), results, changes,
                tuple(diagnostics) + told + tuple(validator.unchecked_note()), tuple(current),
                unresolved, _unique(hidden), tuple(log), first_model)


def _told(model, selection: Selection) -> tuple[Diagnostic, ...]:
    """The model's diagnostics; documents skipped as malformed only when a rule that skips
    them runs (the schema check reads them, and says itself what is wrong)."""
    routing = any(r.id != SCHEMA_RULE.id for r in selection.rules(model.config))
    return model.diagnostics + (model.skipped if routing else ())


def _withhold(findings: list[Finding], unread: list[Unread], withheld: dict[str, str]) -> None:
    """Note the findings whose fix relies on something that could not be read."""
    if not unread:
        return
    for finding in findings:
        if finding.fix is not None and finding.identity not in withheld:
            found = gaps(finding.fix.needs, unread)
            if found:
                withheld[finding.identity] = withheld_reason(found)


def _overridden(findings: list[Finding], model, withheld: dict[str, str]) -> None:
    """Note the findings whose fix edits a field a Kustomize patch sets (patcher.deployed.overridden)."""
    for finding in findings:
        # a fix stating its changes is judged by what is built after it (patcher.verify.effect)
        if finding.fix is not None and not finding.fix.changes and finding.identity not in withheld:
            reason = overridden(finding.fix.edits, model.resources, finding.location.resource)
            if reason:
                withheld[finding.identity] = reason


def _eligible(findings: list[Finding], withheld: dict[str, str]) -> list[Finding]:
    return [f for f in findings if f.identity not in withheld]


def _unique(hidden: list[tuple[Finding, str]]) -> tuple[tuple[Finding, str], ...]:
    """Each hidden finding once (every pass finds it again), as first seen."""
    seen: dict[str, tuple[Finding, str]] = {}
    for finding, why in hidden:
        seen.setdefault(finding.identity, (finding, why))
    return tuple(seen.values())


class _Step:
    """One pass of the fix loop: apply the chosen fixes to the texts, verified.

    All fixes go in one batch (one edit of each file); only when the batch fails
    are they applied one by one, so the fix at fault is found and the others
    still land.
    """

    def __init__(self, root: Path, texts: dict[str, str | None], extra: dict[str, str | None],
                 validator: Validator, cache: ParseCache, progress: Progress | None = None,
                 stage: str = "verifying") -> None:
        self.root, self.texts, self.extra = root, texts, extra
        self.validator, self.cache = validator, cache
        self.progress, self.stage = progress, stage
        self.failures: dict[str, str] = {}

    def apply(self, chosen: list[Finding]) -> list[Finding]:
        seen: set[str] = set()
        batch = [e for finding in chosen for e in new_edits(finding.fix.edits, seen)]
        try:
            self._commit(batch)
            return chosen
        except PatcherError:
            pass
        done: set[str] = set()
        applied = []
        for finding in chosen:
            attempt = set(done)
            edits = new_edits(finding.fix.edits, attempt)
            try:
                self._commit(edits)
            except PatcherError as exc:
                self.failures[finding.identity] = str(exc)
                continue
            done = attempt
            applied.append(finding)
        return applied

    def _commit(self, edits: list[Edit]) -> None:
        new = apply_edits(self.texts, edits, lambda p: _read(self.root, p, self.extra))
        for number, (path, text) in enumerate(new.items(), start=1):
            if self.progress:
                self.progress(number, len(new), self.stage)
            old = self.texts.get(path, self.extra.get(path))
            verify_file(path, old, text, [e for e in edits if e.file == path], self.validator,
                        self.cache.documents)
        self.texts.update(new)


def new_edits(edits, seen: set[str]) -> list[Edit]:
    """Edits not yet in ``seen`` (two fixes may share one, e.g. listing a new file in a
    kustomization); edits hold dicts, so their repr is the key."""
    out = []
    for edit in edits:
        key = repr(edit)
        if key not in seen:
            seen.add(key)
            out.append(edit)
    return out


def _choose(findings: list[Finding], threshold: Applicability, applied: dict[str, int],
            failures: dict[str, str], derived: frozenset[str] = frozenset()) -> list[Finding]:
    """Fixes to apply in this pass: eligible, not failing, not overlapping each other.

    Fixes that derive new policy from the routing (NetworkPolicies from the call
    graph, DestinationRules for routed Services) wait for a pass with no fix to
    the routing itself left, so that they are written for the routing as fixed.
    """
    repairs = _choose_among([f for f in findings if f.rule not in derived], threshold, applied, failures)
    return repairs or _choose_among([f for f in findings if f.rule in derived], threshold, applied, failures)


def _choose_among(findings: list[Finding], threshold: Applicability, applied: dict[str, int],
                  failures: dict[str, str]) -> list[Finding]:
    taken: dict[str, _Taken] = {}  # by file; appended documents are left out: they overlap nothing
    created: set[str] = set()
    chosen = []
    for finding in sorted(findings, key=lambda f: (-f.severity, f.sort_key())):
        fix = finding.fix
        if fix is None or fix.applicability < threshold or finding.identity in failures:
            continue
        if applied.get(finding.identity, 0) >= 2:
            continue  # a fix that did not clear its finding is not tried forever
        edits = [e for e in fix.edits if not isinstance(e, AddDocument)]
        if any(e.file in created for e in fix.edits if not isinstance(e, AddDocument)) or any(
                isinstance(e, CreateFile) and e.file in taken for e in edits):
            continue
        if any(_overlap(a, b) for a in edits if a.file in taken for b in taken[a.file].candidates(a)):
            continue
        chosen.append(finding)
        for edit in edits:
            taken.setdefault(edit.file, _Taken()).add(edit)
            if isinstance(edit, CreateFile):
                created.add(edit.file)
    return chosen


class _Taken:
    """The edits chosen so far in one file, indexed so that an edit is compared only with those
    that can overlap it (a repository with thousands of edits in one file stays linear):
    whole-file and whole-document edits with everything, the rest with edits of their document."""

    WIDE = (CreateFile, DeleteDocument, ReplaceText)

    def __init__(self) -> None:
        self.all: list[Edit] = []
        self.wide: list[Edit] = []
        self.by_doc: dict[int, list[Edit]] = {}

    def add(self, edit: Edit) -> None:
        self.all.append(edit)
        if isinstance(edit, self.WIDE):
            self.wide.append(edit)
        else:
            self.by_doc.setdefault(getattr(edit, "doc", -1), []).append(edit)

    def candidates(self, edit: Edit) -> list[Edit]:
        if isinstance(edit, self.WIDE):
            return self.all
        return self.wide + self.by_doc.get(getattr(edit, "doc", -1), [])


def _overlap(a: Edit, b: Edit) -> bool:
    if a == b or a.file != b.file:
        return False
    if isinstance(a, AddDocument) and isinstance(b, AddDocument):
        return False
    if isinstance(a, (CreateFile,)) or isinstance(b, (CreateFile,)):
        return True
    if isinstance(a, ReplaceText) or isinstance(b, ReplaceText):
        return isinstance(a, ReplaceText) and isinstance(b, ReplaceText) and a.line == b.line
    if isinstance(a, AddDocument) or isinstance(b, AddDocument):
        return False
    if isinstance(a, DeleteDocument) or isinstance(b, DeleteDocument):
        return True  # later documents are renumbered
    if a.doc != b.doc:
        return False
    if isinstance(a, InsertItem) and isinstance(b, InsertItem) and a.index is None and b.index is None:
        return False
    if {type(a), type(b)} == {InsertItem, DeleteItem} and a.path == b.path:
        # an append lands after every item, so it moves no index a deletion relies on
        return (a if isinstance(a, InsertItem) else b).index is not None
    if isinstance(a, InsertKey) and isinstance(b, InsertKey) and a.path == b.path:
        return a.key == b.key
    if isinstance(a, EditInline) and isinstance(b, EditInline) and a.path == b.path:
        return any(_overlap(x, y) for x in a.edits for y in b.edits)  # both inside one values string
    return any(pa[: len(pb)] == pb or pb[: len(pa)] == pa for pa in edit_paths(a) for pb in edit_paths(b))


def _read(root: Path, path: str, extra: dict[str, str | None]) -> str:
    """A file a fix edits that the plan has not read (an output file .gitignore hides)."""
    if path not in extra:
        full = inside(root, path)
        if full is None:
            raise PatcherError("a fix would edit a file outside the repository; refused", path)
        extra[path] = decode(read_regular(full, path), path) if os.path.lexists(full) else None
    if extra[path] is None:
        raise FileNotFoundError(path)
    return extra[path]


def _changes(workspace: Workspace, texts: dict[str, str | None],
             extra: dict[str, str | None]) -> tuple[FileChange, ...]:
    changes = []
    for path in sorted(set(texts) | set(extra)):
        old = workspace.texts.get(path, extra.get(path))
        new = texts.get(path, old)
        if old != new:
            changes.append(FileChange(path, old, new))
    return tuple(changes)


def _result(finding: Finding, threshold: Applicability, applied, failures, left, withheld) -> FixResult:
    key = finding.identity
    if key in applied:
        return FixResult(finding, WOULD_FIX)
    if key in failures:
        return FixResult(finding, FAILED, failures[key])
    if key not in left:
        return FixResult(finding, WOULD_FIX, "cleared by a related fix")
    if finding.fix is None:
        return FixResult(finding, NO_FIX)
    if key in withheld:
        return FixResult(finding, WITHHELD, withheld[key])
    if finding.fix.applicability < threshold:
        if finding.fix.applicability >= Applicability.UNSAFE:
            reason = "; ".join(filter(None, (finding.fix.reason, "--unsafe-fixes applies it")))
        else:
            reason = "; ".join(filter(None, ("shown, never applied", finding.fix.reason)))
        return FixResult(finding, SKIPPED_UNSAFE, reason)
    return FixResult(finding, NO_FIX, "another fix changed the same lines first and this one no longer "
                                      "applies; run apply again")
