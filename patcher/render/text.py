"""The human summary: one block per finding, sorted, then what the fixes change."""

from __future__ import annotations

from patcher.plan import Plan


def render_findings(plan: Plan) -> str:
    lines = []
    for d in plan.diagnostics:
        lines.append(f"{d}\n")
    for f, result in zip(plan.findings, plan.results):
        lines.append(f"{f.location}: {f.severity.label} [{f.rule}] {f.message}\n")
        if f.why:
            lines.append(f"    why: {f.why}\n")
        if f.fix:
            state = "" if result.status == "fixed" else \
                f" ({result.status}{': ' + result.reason if result.reason else ''})"
            lines.append(f"    fix: {f.fix.title} [{f.fix.applicability.label}]{state}\n")
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
    if not fixable and not files:
        return found
    return f"{found}; {fixable} fixable, changing {files} file{'s' if files != 1 else ''}"
