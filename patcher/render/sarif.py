"""SARIF 2.1.0, for code-scanning uploads."""

from __future__ import annotations

import json

from patcher import __version__
from patcher.findings import Severity
from patcher.plan import Plan
from patcher.registry import Rule

LEVELS = {Severity.CRITICAL: "error", Severity.MEDIUM: "warning", Severity.RECOMMENDED: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule(rule: Rule) -> dict:
    doc = (rule.module.__doc__ or "").strip()
    return {
        "id": rule.id,
        "name": rule.id.replace("/", "-"),
        "shortDescription": {"text": rule.info.summary},
        "fullDescription": {"text": doc.split("\n\n")[0] if doc else rule.info.summary},
        "defaultConfiguration": {"level": LEVELS[rule.info.severity]},
        "properties": {"fixable": rule.info.fixable, "severity": rule.info.severity.label},
    }


def _notification(diagnostic) -> dict:
    region = {"startLine": diagnostic.line} if diagnostic.line else {}
    if diagnostic.line and diagnostic.column:
        region["startColumn"] = diagnostic.column
    location = {"artifactLocation": {"uri": diagnostic.file, "uriBaseId": "%SRCROOT%"}}
    if region:
        location["region"] = region
    text = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    return {"level": diagnostic.level, "message": {"text": text},
            "locations": [{"physicalLocation": location}]}


def render_sarif(plan: Plan, rules: list[Rule]) -> str:
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for finding, result in zip(plan.findings, plan.results):
        loc = finding.location
        entry = {
            "ruleId": finding.rule,
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message + (f" {finding.why}" if finding.why else "")},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": loc.file, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": loc.line, "startColumn": loc.column}}}],
            "properties": {"fixStatus": result.status},
        }
        if finding.rule in index:
            entry["ruleIndex"] = index[finding.rule]
        results.append(entry)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "patcher", "version": __version__,
                                "informationUri": "https://github.com/patcher-dev/patcher",
                                "rules": [_rule(r) for r in rules]}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
                _notification(d) for d in plan.diagnostics]}],
            "originalUriBaseIds": {"%SRCROOT%": {"uri": plan.root.resolve().as_uri() + "/"}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"
