"""The human summary: one block per finding, sorted, then what the fixes change."""

from __future__ import annotations

from collections import Counter

from patcher.findings import Applicability
from patcher.plan import FAILED, FIXED, NO_FIX, SKIPPED_UNSAFE, WITHHELD, WOULD_FIX, Plan


def render_findings(plan: Plan, with_summary: bool = True) -> str:
    """Diagnostics, then each finding; a rule's "why" is printed with its first finding only
    (later findings of that rule with the same reason would repeat it word for word)."""
    lines = []
    for d in plan.diagnostics:
        lines.append(f"{d}\n")
    told: set[tuple[str, str]] = set()
    for f, result in zip(plan.findings, plan.results):
        lines.append(f"{f.location}: {f.severity.label} [{f.rule}] {f.message}\n")
        if f.why and (f.rule, f.why) not in told:
            told.add((f.rule, f.why))
            lines.append(f"    why: {f.why}\n")
        lines.append(f"    {_fix_line(f, result)}\n")
    if with_summary:
        lines.append(summary(plan) + "\n")
    return "".join(lines)


def render_statistics(plan: Plan, with_summary: bool = True) -> str:
    """Diagnostics, then one line per rule (as ruff's --statistics): count, rule id, severity,
    and "fixable" when some of its findings carry a fix patcher can write (not one only shown);
    most frequent first."""
    rows: dict[str, list] = {}
    for f in plan.findings:
        row = rows.setdefault(f.rule, [0, f.severity, False])
        row[0] += 1
        row[2] = row[2] or (f.fix is not None and f.fix.applicability != Applicability.DISPLAY_ONLY)
    width = max((len(rule) for rule in rows), default=0)
    lines = [f"{d}\n" for d in plan.diagnostics]
    for rule, (count, severity, fixable) in sorted(rows.items(), key=lambda kv: (-kv[1][0], kv[0])):
        lines.append(f"{count:>5}  {rule:<{width}}  {severity.label:<11}  {'fixable' if fixable else ''}".rstrip()
                     + "\n")
    if with_summary:
        lines.append(summary(plan) + "\n")
    return "".join(lines)


def _fix_line(finding, result) -> str:
    reason = f": {' '.join(result.reason.split())}" if result.reason else ""  # one line, its parenthesis closed
    if finding.fix is None:
        return f"fix: none ({result.status}{reason})"
    return f"fix: {finding.fix.title} [{finding.fix.applicability.label}] ({result.status}{reason})"


def summary(plan: Plan) -> str:
    """One line: what was found, what the fixes do (or did), and what is left and why."""
    counts: dict[str, int] = {}
    for f in plan.findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    if not plan.findings:
        found = "no findings"
    else:
        found = f"{len(plan.findings)} finding{'s' if len(plan.findings) != 1 else ''} (" + ", ".join(
            f"{counts[k]} {k}" for k in ("critical", "medium", "recommended") if k in counts) + ")"
    status = Counter(r.status for r in plan.results)
    files = len(plan.changes)
    changed = f"changing {files} file{'s' if files != 1 else ''}"
    parts = []
    if status[FIXED]:
        parts.append(f"{status[FIXED]} fixed, {changed}")
    elif status[WOULD_FIX] or files:
        parts.append(f"{status[WOULD_FIX]} would be fixed, {changed}")
    # a display-only fix is skipped too, but --unsafe-fixes never writes it: say which is which
    shown = sum(1 for r in plan.results if r.status == SKIPPED_UNSAFE and r.finding.fix is not None
                and r.finding.fix.applicability == Applicability.DISPLAY_ONLY)
    unsafe = status[SKIPPED_UNSAFE] - shown
    left = [f"{unsafe} unsafe (--unsafe-fixes applies them)" if unsafe else "",
            f"{shown} only shown (to fix by hand)" if shown else "",
            f"{status[NO_FIX]} with no fix" if status[NO_FIX] else "",
            f"{status[FAILED]} failed verification" if status[FAILED] else "",
            f"{status[WITHHELD]} withheld (they rely on what could not be read)" if status[WITHHELD] else ""]
    left = [part for part in left if part]
    if left:
        remain = sum(status[s] for s in (SKIPPED_UNSAFE, NO_FIX, FAILED, WITHHELD))
        parts.append(f"{remain} remain{'s' if remain == 1 else ''}: " + ", ".join(left))
    return "; ".join([found] + parts) + _hidden(plan)


def _hidden(plan: Plan) -> str:
    """"; 3 hidden (2 by the baseline, 1 by ignore comments)", or "" when nothing was hidden."""
    reasons: dict[str, int] = {}
    for _, why in plan.hidden:
        reasons[why] = reasons.get(why, 0) + 1
    if not reasons:
        return ""
    parts = ", ".join(f"{n} by {why}" for why, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"; {len(plan.hidden)} hidden ({parts})"
