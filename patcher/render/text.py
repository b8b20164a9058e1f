"""The human summary: one block per finding, sorted, then what the fixes change."""

from __future__ import annotations

from collections import Counter

from patcher.plan import FAILED, FIXED, NO_FIX, SKIPPED_UNSAFE, WOULD_FIX, Plan


def render_findings(plan: Plan) -> str:
    lines = []
    for d in plan.diagnostics:
        lines.append(f"{d}\n")
    for f, result in zip(plan.findings, plan.results):
        lines.append(f"{f.location}: {f.severity.label} [{f.rule}] {f.message}\n")
        if f.why:
            lines.append(f"    why: {f.why}\n")
        lines.append(f"    {_fix_line(f, result)}\n")
    lines.append(summary(plan) + "\n")
    return "".join(lines)


def _fix_line(finding, result) -> str:
    reason = f": {result.reason}" if result.reason else ""
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
    left = [f"{status[SKIPPED_UNSAFE]} unsafe (--unsafe-fixes applies them)" if status[SKIPPED_UNSAFE] else "",
            f"{status[NO_FIX]} with no fix" if status[NO_FIX] else "",
            f"{status[FAILED]} failed verification" if status[FAILED] else ""]
    left = [part for part in left if part]
    if left:
        remain = sum(status[s] for s in (SKIPPED_UNSAFE, NO_FIX, FAILED))
        parts.append(f"{remain} remain{'s' if remain == 1 else ''}: " + ", ".join(left))
    return "; ".join([found] + parts)
