"""The human summary: one block per finding, sorted, then what the fixes change."""

from __future__ import annotations

from patcher.plan import Plan


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
        if f.fix:
            state = "" if result.status == "fixed" else \
                f" ({result.status}{': ' + result.reason if result.reason else ''})"
            lines.append(f"    fix: {f.fix.title} [{f.fix.applicability.label}]{state}\n")
    if with_summary:
        lines.append(summary(plan) + "\n")
    return "".join(lines)


def render_statistics(plan: Plan, with_summary: bool = True) -> str:
    """Diagnostics, then one line per rule (as ruff's --statistics): count, rule id, severity,
    and "fixable" when its findings carry fixes; most frequent first."""
    rows: dict[str, list] = {}
    for f in plan.findings:
        row = rows.setdefault(f.rule, [0, f.severity, False])
        row[0] += 1
        row[2] = row[2] or f.fix is not None
    width = max((len(rule) for rule in rows), default=0)
    lines = [f"{d}\n" for d in plan.diagnostics]
    for rule, (count, severity, fixable) in sorted(rows.items(), key=lambda kv: (-kv[1][0], kv[0])):
        lines.append(f"{count:>5}  {rule:<{width}}  {severity.label:<11}  {'fixable' if fixable else ''}".rstrip()
                     + "\n")
    if with_summary:
        lines.append(summary(plan) + "\n")
    return "".join(lines)


def summary(plan: Plan) -> str:
    counts: dict[str, int] = {}
    for f in plan.findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    if not plan.findings:
        found = "no findings"
    else:
        found = f"{len(plan.findings)} finding{'s' if len(plan.findings) != 1 else ''} (" + ", ".join(
            f"{counts[k]} {k}" for k in ("critical", "medium", "recommended") if k in counts) + ")"
    fixable = sum(1 for r in plan.results if r.status in ("fixed", "resolved"))
    files = len(plan.changes)
    if fixable or files:
        found += f"; {fixable} fixable, changing {files} file{'s' if files != 1 else ''}"
    return found + _hidden(plan)


def _hidden(plan: Plan) -> str:
    """"; 3 hidden (2 by the baseline, 1 by ignore comments)", or "" when nothing was hidden."""
    reasons: dict[str, int] = {}
    for _, why in plan.hidden:
        reasons[why] = reasons.get(why, 0) + 1
    if not reasons:
        return ""
    parts = ", ".join(f"{n} by {why}" for why, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"; {len(plan.hidden)} hidden ({parts})"
