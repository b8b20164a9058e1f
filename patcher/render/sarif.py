"""SARIF 2.1.0, for code-scanning uploads (GitHub code scanning's subset included)."""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from urllib.parse import quote

from patcher import __version__
from patcher.findings import Applicability, Finding, Severity
from patcher.fix_changes import Originals, Replacement, fix_changes, replacements
from patcher.plan import WITHHELD, FixResult, Plan
from patcher.registry import Rule
from patcher.render.rules import heading_anchor

LEVELS = {Severity.CRITICAL: "error", Severity.MEDIUM: "warning", Severity.RECOMMENDED: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
PROJECT_URL = "https://github.com/patcher-dev/patcher"
RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"  # each rule's section: RULES_DOC_URL#anchor
SRCROOT = "%SRCROOT%"
FINGERPRINT = "patcherIdentity/v1"


def _rule(rule: Rule) -> dict:
    doc = inspect.cleandoc(rule.module.__doc__ or "") or rule.info.summary
    if rule.info.safety:
        doc += f"\n\nWhen the fix is safe: {rule.info.safety}"
    url = f"{RULES_DOC_URL}#{heading_anchor(rule.id)}"
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in re.split(r"[/-]", rule.id)),  # SARIF's PascalCase
        "shortDescription": {"text": rule.info.summary},
        "fullDescription": {"text": doc.split("\n\n")[0]},
        "help": {"text": f"{doc}\n\n{url}", "markdown": f"{doc}\n\n[Rule reference]({url})"},
        "helpUri": url,
        "defaultConfiguration": {"level": LEVELS[rule.info.severity]},
        "properties": {"fixable": rule.info.fixable, "severity": rule.info.severity.label},
    }


def _artifact(path: str) -> dict:
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _notification(diagnostic) -> dict:
    region = {"startLine": diagnostic.line} if diagnostic.line else {}
    if diagnostic.line and diagnostic.column:
        region["startColumn"] = diagnostic.column
    location = {"artifactLocation": _artifact(diagnostic.file)}
    if region:
        location["region"] = region
    text = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    return {"level": diagnostic.level, "message": {"text": text},
            "locations": [{"physicalLocation": location}]}


def _region(r: Replacement) -> dict:
    return {"startLine": r.start.line, "startColumn": r.start.column,
            "endLine": r.end.line, "endColumn": r.end.column}


def _fixes(finding: Finding, result: FixResult, originals: Originals) -> list[dict]:
    if finding.fix is None or result.status.startswith("failed") or result.status == WITHHELD:
        return []  # refused by verification, or relying on what could not be read: not offered
    if finding.fix.applicability == Applicability.DISPLAY_ONLY:
        return []  # shown to a human, never to be applied by a tool

    changes = fix_changes(finding, originals)
    if not changes:
        return []
    artifact_changes = []
    for change in changes:
        edits = [{"deletedRegion": _region(r), **({"insertedContent": {"text": r.text}} if r.text else {})}
                 for r in replacements(change.old, change.new)]
        artifact_changes.append({"artifactLocation": _artifact(change.path), "replacements": edits})
    return [{"description": {"text": finding.fix.title}, "artifactChanges": artifact_changes}]


def _result(finding: Finding, result: FixResult, index: dict[str, int], originals: Originals) -> dict:
    loc = finding.location
    properties = {"fixStatus": result.status}
    if result.reason:
        properties["fixStatusReason"] = result.reason
    if finding.why:
        properties["why"] = finding.why
    if finding.fix:
        properties["fixTitle"] = finding.fix.title
        properties["applicability"] = finding.fix.applicability.label
        if finding.fix.reason:
            properties["applicabilityReason"] = finding.fix.reason
    entry = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(loc.file),
            "region": {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}}}],
        "partialFingerprints": {FINGERPRINT: hashlib.sha256(finding.identity.encode("utf-8")).hexdigest()},
        "properties": properties,
    }
    if finding.rule in index:
        entry["ruleIndex"] = index[finding.rule]
    fixes = _fixes(finding, result, originals)
    if fixes:
        entry["fixes"] = fixes
    return entry


def render_sarif(plan: Plan, rules: list[Rule]) -> str:
    index = {r.id: i for i, r in enumerate(rules)}
    originals = Originals(plan)
    results = [_result(f, r, index, originals) for f, r in zip(plan.findings, plan.results)]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "patcher", "version": __version__,
                                "informationUri": PROJECT_URL,
                                "rules": [_rule(r) for r in rules]}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
                _notification(d) for d in plan.diagnostics]}],
            "originalUriBaseIds": {SRCROOT: {"uri": plan.root.resolve().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"
