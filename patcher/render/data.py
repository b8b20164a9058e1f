"""JSON: the plan as data, for scripts and other tools."""

from __future__ import annotations

import dataclasses
import json

from patcher import __version__
from patcher.findings import Finding
from patcher.plan import FixResult, Plan
from patcher.render.plain import json_path, json_value

# What a script reads: "format" names this document, "format_version" changes only when a field
# is removed or changes meaning (docs/plan.schema.json describes it); "version" is patcher's.
FORMAT = "patcher-plan"
FORMAT_VERSION = 1


def edit_data(edit) -> dict:
    data = {"type": type(edit).__name__}
    for f in dataclasses.fields(edit):
        value = getattr(edit, f.name)
        if f.name == "edits":  # an inline edit carries the edits of the document it holds
            data[f.name] = [edit_data(e) for e in value]
        else:
            data[f.name] = json_path(value) if f.name in ("path", "to_path") else json_value(value)
    return data


def finding_data(finding: Finding, result: FixResult) -> dict:
    loc = finding.location
    out = {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "message": finding.message,
        "why": finding.why,
        "location": {"file": loc.file, "line": loc.line, "column": loc.column,
                     "document": loc.doc, "path": json_path(loc.path), "resource": loc.resource},
        "status": result.status,
        "reason": result.reason,
        "fix": None,
    }
    if finding.fix:
        out["fix"] = {"title": finding.fix.title, "applicability": finding.fix.applicability.label,
                      "applicability_reason": finding.fix.reason,
                      "status": result.status, "reason": result.reason,
                      "edits": [edit_data(e) for e in finding.fix.edits]}
    return out


def render_json(plan: Plan, diff: str) -> str:
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": "patcher",
        "version": __version__,
        "findings": [finding_data(f, r) for f, r in zip(plan.findings, plan.results)],
        "changes": [{"file": c.path, "action": "create" if c.old is None else
                     "delete" if c.new is None else "modify"} for c in plan.changes],
        "diagnostics": [{"level": d.level, "file": d.file, "line": d.line, "column": d.column,
                         "message": d.message, "hint": d.hint} for d in plan.diagnostics],
        "diff": diff,
    }
    return json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n"
