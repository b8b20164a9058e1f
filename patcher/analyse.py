"""Run the rules over one model, and drop what the repository asked to ignore."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from patcher.config import Config
from patcher.findings import Finding
from patcher.model import KindConfig, Model
from patcher.place.placement import place_finding
from patcher.registry import Rule, all_rules
from patcher.resources import Resource
from patcher.rule import Context
from patcher.rule_patterns import known, matches, split, suggestion
from patcher.source import Diagnostic, PatcherError
from patcher.suppress import Baseline, parse_ignores
from patcher.topology import build_topology
from patcher.unread import KIND_CLUSTER, Unread

IGNORE = re.compile(r"#\s*patcher:\s*ignore\[([^\]]+)\]")
RULES_HINT = "`patcher rules` lists the rule ids"

# why a finding was hidden, for the summary's count
BY_COMMENT, BY_SETTINGS, BY_BASELINE = "ignore comments", "the settings' ignore", "the baseline"


@dataclass(frozen=True)
class Selection:
    """Which rules run (--rule picks, --skip and the settings' ``disable`` drop; each an id,
    a family or a glob, see patcher.rule_patterns), and the baseline of findings to hide."""

    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    baseline: Baseline | None = None

    def rules(self, config: Config) -> list[Rule]:
        rules = all_rules()
        ids = [r.id for r in rules]
        only, skip = split(self.only), split(self.skip)
        for pattern in only + skip:
            if not known(pattern, ids):
                raise PatcherError(f"unknown rule '{pattern}'{suggestion(pattern, ids)}", hint=RULES_HINT)
        for key in ("disable", "enable"):
            for pattern in split(config[key]):
                if not known(pattern, ids):
                    raise PatcherError(f"unknown rule '{pattern}' in '{key}'{suggestion(pattern, ids)}",
                                       config.source, hint=RULES_HINT)
        for entry in parse_ignores(config["ignore"], config.source):
            if not known(entry.rule, ids):
                raise PatcherError(f"unknown rule '{entry.rule}' in 'ignore'{suggestion(entry.rule, ids)}",
                                   config.source, hint=RULES_HINT)
        chosen = [r for r in rules if config.enabled(r.id, only, skip, r.info.default_enabled)]
        if only and not chosen:
            # --rule X --skip X (or a disable covering every rule asked for) would pass as "no findings"
            raise PatcherError(f"no rule left to run: --rule {','.join(only)} selects only rules that "
                               "--skip or the settings' disable drop",
                               hint="drop the --skip, or select other rules")
        return chosen


Progress = Callable[[int, int, str], None]


@dataclass
class Skips:
    """What rules left out because they could not read it: a diagnostic for each, and the
    gaps that withhold the fixes relying on what was left out."""

    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    unread: list[Unread] = dataclasses.field(default_factory=list)


def analyse(model: Model, selection: Selection, derived: bool | None = None,
            hidden: list[tuple[Finding, str]] | None = None, progress: Progress | None = None,
            skips: Skips | None = None) -> list[Finding]:
    """Findings of the selected rules; ``derived`` True or False keeps only rules that derive
    policy from the routing, or only the others. Findings an ignore comment, the settings'
    ``ignore`` or the baseline hide are left out, and added to ``hidden`` with the reason.
    A resource a rule fails on is left out of that rule's analysis and reported in ``skips``."""
    context = Context(model, build_topology(model), model.config)
    entries = parse_ignores(model.config["ignore"], model.config.source)
    findings: list[Finding] = []
    skips = skips if skips is not None else Skips()
    rules = [r for r in selection.rules(model.config) if derived is None or r.info.derived == derived]
    if any(r.info.derived for r in rules):
        # what the call graph could not resolve: said once, where the policies derived from it are made
        skips.diagnostics.extend(d for d in context.topology.call_notes if d not in skips.diagnostics)
    for number, rule in enumerate(rules, start=1):
        if progress:
            progress(number, len(rules), "analysing")
        if rule.notes is not None:  # each said once, though later passes find it again (lines may move)
            told = {(d.file, d.message) for d in skips.diagnostics}
            skips.diagnostics.extend(d for d in rule.notes(context) if (d.file, d.message) not in told)
        for finding in _isolated(rule, context, skips):
            reason = (BY_COMMENT if _ignored(model, finding) else
                      BY_SETTINGS if any(e.hides(finding) for e in entries) else
                      BY_BASELINE if selection.baseline and selection.baseline.hides(finding) else None)
            if reason is None:
                findings.append(place_finding(model, finding))
            elif hidden is not None:
                hidden.append((finding, reason))
    return sorted(findings, key=lambda f: (-f.severity, f.sort_key()))


MAX_SKIPPED = 20  # resources one rule may leave out before its failure counts as patcher's own


def _isolated(rule: Rule, context: Context, skips: Skips) -> list[Finding]:
    """A rule's findings; when it fails on one resource (a shape patcher.shapes does not
    describe), that resource is left out of the rule and the rule runs again. A failure
    no resource explains is patcher's bug: the run stops (exit 2), naming the rule."""
    left_out: list[Any] = []
    while True:
        try:
            return list(rule.check(context))
        except (PatcherError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # a rule's bug must not look like the user's mistake
            culprit = _culprit(exc)
            if culprit is None or len(left_out) >= MAX_SKIPPED or any(c is culprit for c in left_out):
                raise PatcherError(f"rule {rule.id} failed on this repository: {type(exc).__name__}: {exc}",
                                   hint=f"please report it; `--skip {rule.id}` works around it") from exc
            left_out.append(culprit)
            skips.diagnostics.append(_skipped(rule, culprit, exc))
            skips.unread.append(_gap(rule, culprit))
            context = _without(context, culprit)


def _frames(exc: BaseException) -> Iterator[Any]:
    """Each frame's local values, innermost frame first."""
    tb, frames = exc.__traceback__, []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        yield from frame.f_locals.values()


def _culprit(exc: BaseException) -> Resource | KindConfig | None:
    """The resource (or kind config) the failing code was reading: the innermost one in scope."""
    for value in _frames(exc):
        if isinstance(value, (Resource, KindConfig)):
            return value
        for name in ("resource", "config"):  # a topology view of one: a Service, a port mapping
            inner = value.__dict__.get(name) if hasattr(value, "__dict__") else None
            if isinstance(inner, (Resource, KindConfig)):
                return inner
    return None


def _skipped(rule: Rule, culprit: Resource | KindConfig, exc: Exception) -> Diagnostic:
    if isinstance(culprit, KindConfig):
        file, line, what = culprit.file, culprit.document.line_of(())[0], "the kind cluster config"
    else:
        loc = culprit.location()
        file, line, what = loc.file, (loc.line if culprit.source.editable or culprit.source.line else None), culprit.ref
    return Diagnostic(file, f"rule {rule.id} cannot read {what} ({type(exc).__name__}: {exc}): skipped it",
                      line, hint="a field has a shape patcher does not expect; check its types", level="error")


def _gap(rule: Rule, culprit: Resource | KindConfig) -> Unread:
    if isinstance(culprit, KindConfig):
        return Unread(f"the kind cluster config in {culprit.file} (rule {rule.id} could not read it)",
                      frozenset({KIND_CLUSTER}))
    return Unread(f"{culprit.ref} (rule {rule.id} could not read it)", frozenset({culprit.kind}),
                  culprit.namespace or None)


def _without(context: Context, culprit: Resource | KindConfig) -> Context:
    model = dataclasses.replace(context.model,
                                resources=tuple(r for r in context.model.resources if r is not culprit),
                                undeployed=tuple(r for r in context.model.undeployed if r is not culprit),
                                unplaced=tuple(r for r in context.model.unplaced if r is not culprit),
                                kind_configs=tuple(k for k in context.model.kind_configs if k is not culprit))
    return Context(model, build_topology(model), context.config)


def _ignored(model: Model, finding: Finding) -> bool:
    text = model.workspace.texts.get(finding.location.file)
    if text is None:
        return False
    lines = text.splitlines()
    first, last = _scope(model, finding)
    for line in lines[max(first - 1, 0):last]:
        for match in IGNORE.finditer(line):
            if any(matches(p, finding.rule) for p in split([match.group(1)])):
                return True
    return False


def unknown_ignores(texts: Mapping[str, str]) -> list[Diagnostic]:
    """Ignore comments that name no rule (a typo suppresses nothing): warnings, as ruff's RUF100."""
    ids = [r.id for r in all_rules()]
    out = []
    for path in sorted(texts):
        text = texts[path]
        if "patcher:" not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for match in IGNORE.finditer(line):
                for pattern in split([match.group(1)]):
                    if not known(pattern, ids):
                        column = line.index(pattern, match.start(1)) + 1
                        out.append(Diagnostic(path, f"ignore comment names unknown rule '{pattern}'"
                                              f"{suggestion(pattern, ids)}", number, column,
                                              RULES_HINT, level="warning"))
    return out


def _scope(model: Model, finding: Finding) -> tuple[int, int]:
    """Lines (1-based, inclusive) whose ignore comments cover a finding.

    In YAML: the whole document, with the comments above it. Elsewhere: the
    finding's line and the one before.
    """
    loc = finding.location
    docs = model.documents.get(loc.file)
    if docs is None or loc.doc is None or loc.doc >= len(docs):
        return (loc.line - 1, loc.line)
    doc = docs[loc.doc]
    start = docs[loc.doc - 1].node.end_mark.line + 1 if loc.doc > 0 else 1
    return (start, doc.node.end_mark.line + 1)
