"""SARIF as GitHub code scanning and other consumers read it: rule help, fixes whose
replacements really produce the fix, fingerprints, and a third-party validator's verdict."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import copy_tree, plan, read_tree
from patcher.fix_changes import Position, Replacement, replacements
from patcher.plan import FileChange
from patcher.registry import all_rules
from patcher.render.sarif import RULES_DOC_URL, render_sarif
from patcher.source import decode
from patcher.transform import apply_edits
from patcher.writer import write_changes

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE = REPO_ROOT / "base"
FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*/*") if (p / "before").is_dir())
MULTITOOL_VERSION = "5.7.0"  # npm @microsoft/sarif-multitool, pinned


def _log(root: Path, *rules: str, unsafe: bool = False) -> tuple[dict, object]:
    result = plan(root, *rules, unsafe=unsafe)
    return json.loads(render_sarif(result, all_rules())), result


@pytest.fixture(scope="module")
def base_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, object, Path]:
    root = copy_tree(BASE, tmp_path_factory.mktemp("sarif") / "repo")
    log, result = _log(root)
    return log, result, root


# --- applying SARIF replacements, as a consumer would (independently of patcher's code) ----------

def _offset(text: str, line: int, column: int) -> int:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return starts[line - 1] + column - 1


def apply_replacements(text: str, edits: list[dict]) -> str:
    """SARIF §3.57: every deletedRegion is relative to the unmodified text, in code points,
    not counting a byte-order mark."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    spans = []
    for edit in edits:
        r = edit["deletedRegion"]
        start = _offset(body, r["startLine"], r.get("startColumn", 1))
        end = _offset(body, r.get("endLine", r["startLine"]), r["endColumn"])
        spans.append((start, end, edit.get("insertedContent", {}).get("text", "")))
    for start, end, new in sorted(spans, reverse=True):
        assert 0 <= start <= end <= len(body)
        body = body[:start] + new + body[end:]
    return bom + body


# --- rules ----------------------------------------------------------------------------------------

def test_every_rule_has_help_from_its_docstring_and_a_help_uri_to_its_docs_section(base_log) -> None:
    log, _, _ = base_log
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {r.id for r in all_rules()}
    headings = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in all_rules():
        entry = rules[rule.id]
        assert entry["shortDescription"]["text"] == rule.info.summary
        doc = inspect.cleandoc(rule.module.__doc__)
        assert entry["help"]["text"].startswith(doc) and entry["help"]["markdown"].startswith(doc)
        for section in ("What it finds:", "Why it matters:", "Example:"):
            assert section in doc, (rule.id, section)
        assert f"\n## `{rule.id}`\n" in headings
        # GitHub's anchor for "## `istio/route-without-timeout`": backticks and slash dropped
        assert entry["helpUri"] == f"{RULES_DOC_URL}#{rule.id.replace('/', '')}"
        assert entry["helpUri"] in entry["help"]["markdown"]
    assert rules["istio/route-without-timeout"]["helpUri"] == (
        "https://github.com/patcher-dev/patcher/blob/main/docs/rules.md#istioroute-without-timeout")
    assert rules["istio/route-without-timeout"]["name"] == "IstioRouteWithoutTimeout"


# --- results --------------------------------------------------------------------------------------

def test_message_why_status_applicability_and_fingerprint_are_kept_apart(base_log) -> None:
    log, result, _ = base_log
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert len(run["results"]) == len(result.findings) == 25
    for entry, finding, fix_result in zip(run["results"], result.findings, result.results):
        assert entry["message"] == {"text": finding.message}
        props = entry["properties"]
        assert props["why"] == finding.why and finding.why not in entry["message"]["text"]
        assert props["fixStatus"] == fix_result.status
        assert props.get("applicability") == (finding.fix.applicability.label if finding.fix else None)
        assert entry["partialFingerprints"] == {
            "patcherIdentity/v1": hashlib.sha256(finding.identity.encode()).hexdigest()}
    fingerprints = [e["partialFingerprints"]["patcherIdentity/v1"] for e in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_what_github_requires_of_an_upload(base_log) -> None:
    """docs.github.com, "SARIF support for code scanning": ruleId, a location with a region
    whose startLine >= 1, relative URIs with a uriBaseId, rules with id, shortDescription, help."""
    log, _, _ = base_log
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["id"] and rule["shortDescription"]["text"] and rule["help"]["markdown"]
    for entry in run["results"]:
        assert entry["ruleId"] and entry["message"]["text"]
        physical = entry["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] >= 1
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")


def test_the_fix_of_the_script_finding_is_one_exact_replacement(base_log) -> None:
    log, _, root = base_log
    (entry,) = [e for e in log["runs"][0]["results"] if e["ruleId"] == "script/url-unmapped-port"]
    (fix,) = entry["fixes"]
    assert fix == {"description": {"text": "use http://localhost"}, "artifactChanges": [{
        "artifactLocation": {"uri": "scripts/07-test-api-endpoints.sh", "uriBaseId": "%SRCROOT%"},
        "replacements": [{"deletedRegion": {"startLine": 5, "startColumn": 27, "endLine": 5, "endColumn": 32}}]}]}
    line = (root / "scripts/07-test-api-endpoints.sh").read_bytes().decode().split("\n")[4]
    assert line[26:31] == ":8080"


def test_each_fix_replayed_alone_gives_what_that_fix_writes(base_log, tmp_path: Path) -> None:
    log, result, root = base_log
    with_fixes = 0
    for entry, finding in zip(log["runs"][0]["results"], result.findings):
        if "fixes" not in entry:
            continue
        with_fixes += 1
        # the same fix, written on its own by patcher's own engine into a copy
        alone = copy_tree(root, tmp_path / f"alone-{with_fixes}")

        def read(path: str) -> str:
            full = alone / path
            if not full.is_file():
                raise FileNotFoundError(path)
            return decode(full.read_bytes(), path)
        new = apply_edits({}, finding.fix.edits, read)
        old = {p: (read(p) if (alone / p).is_file() else None) for p in new}
        write_changes(alone, tuple(FileChange(p, old[p], new[p]) for p in sorted(new) if old[p] != new[p]))
        for change in entry["fixes"][0]["artifactChanges"]:
            path = change["artifactLocation"]["uri"]
            before = (root / path).read_bytes().decode() if (root / path).is_file() else ""
            after = apply_replacements(before, change["replacements"])
            expected = (alone / path).read_bytes().decode() if (alone / path).is_file() else ""
            assert after == expected, (finding.rule, path)
    # every finding on base/ is fixable but the routes merged VirtualServices hide (a human orders
    # them), and each fix applies alone
    assert with_fixes == 20


def _single_fix_cases() -> list[Path]:
    return [c for c in CASES if (c / "findings.json").is_file()
            and len(json.loads((c / "findings.json").read_text())) == 1]


@pytest.mark.parametrize("case", _single_fix_cases(), ids=lambda c: str(c.relative_to(FIXTURES)))
def test_sarif_fix_of_a_single_finding_fixture_turns_before_into_after(case: Path, tmp_path: Path) -> None:
    repo = copy_tree(case / "before", tmp_path / "repo")
    if (case / "config.yaml").is_file():
        shutil.copy(case / "config.yaml", repo / ".patcher.yaml")
    # after/ is what apply --unsafe-fixes writes
    log, result = _log(repo, f"{case.parent.parent.name}/{case.parent.name}", unsafe=True)
    (entry,) = log["runs"][0]["results"]
    expected = read_tree(case / "after")
    tree = {k: v for k, v in read_tree(repo).items() if k != ".patcher.yaml"}
    if "fixes" not in entry:
        fix = result.findings[0].fix  # nothing to fix (or only shown, with no edits), nothing offered
        assert (fix is None or not fix.edits) and tree == expected
        return
    for change in entry["fixes"][0]["artifactChanges"]:
        path = change["artifactLocation"]["uri"]
        before = tree.get(path, b"").decode("utf-8")
        after = apply_replacements(before, change["replacements"])
        if after:
            tree[path] = after.encode("utf-8")
        else:
            tree.pop(path, None)  # SARIF has no file deletion: the whole content is removed
    assert tree == expected


# --- replacements ---------------------------------------------------------------------------------

def _r(sl: int, sc: int, el: int, ec: int, text: str = "") -> Replacement:
    return Replacement(Position(sl, sc), Position(el, ec), text)


@pytest.mark.parametrize(("old", "new", "want"), [
    ("a: 1\nb: 2\n", "a: 1\nb: 3\n", [_r(2, 4, 2, 5, "3")]),
    ("a: 1\nb: 2\nc: 3\n", "a: 1\nc: 3\n", [_r(2, 1, 3, 1)]),  # a whole line, ending at column 1 of the next
    ("a: 1\nb: 2\n", "a: 1\n", [_r(2, 1, 2, 6)]),  # the last line: up to the end of the file
    ("a: 1\n", "a: 1\nb: 2\n", [_r(1, 6, 1, 6, "b: 2\n")]),  # insertion point at the very end
    ("a: 1", "a: 1\nb: 2", [_r(1, 5, 1, 5, "\nb: 2")]),  # no final newline
    (None, "x: 1\ny: 2\n", [_r(1, 1, 1, 1, "x: 1\ny: 2\n")]),  # new file
    ("x: 1\ny: 2\n", None, [_r(1, 1, 2, 6)]),  # deleted file
    ("a: 1\r\nb: 2\r\n", "a: 1\r\nb: 22\r\n", [_r(2, 5, 2, 5, "2")]),  # CRLF kept
    ("\ufeffname: é\nx: 1\n", "\ufeffname: é\nx: 2\n", [_r(2, 4, 2, 5, "2")]),  # the BOM is not counted
    ("n: é😀 1\n", "n: é😀 2\n", [_r(1, 7, 1, 8, "2")]),  # code points, not UTF-16 units or bytes
    ("", "", []),
], ids=["in-line", "line", "last-line", "append", "no-eol", "create", "delete", "crlf", "bom", "astral", "same"])
def test_replacements(old, new, want) -> None:
    got = replacements(old, new)
    assert got == want
    as_sarif = [{"deletedRegion": {"startLine": r.start.line, "startColumn": r.start.column,
                                   "endLine": r.end.line, "endColumn": r.end.column},
                 "insertedContent": {"text": r.text}} for r in got]
    assert apply_replacements(old or "", as_sarif) == (new or "")


# --- a third-party consumer: Microsoft's SARIF Multitool, with GitHub's upload rules --------------

@pytest.fixture(scope="session")
def multitool() -> Path:
    """The SARIF Multitool from npm, installed once per environment beside the test tools."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install @microsoft/sarif-multitool")
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system())
    if system is None:
        pytest.skip(f"no SARIF Multitool build for {platform.system()}")
    home = Path(sys.prefix) / "patcher-test-tools" / f"sarif-multitool-{MULTITOOL_VERSION}"
    binary = home / "node_modules" / "@microsoft" / f"sarif-multitool-{system}" / (
        "Sarif.Multitool.exe" if system == "win32" else "Sarif.Multitool")
    if not binary.is_file():
        home.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--prefix", str(home), "--no-audit", "--no-fund", "--ignore-scripts",
                               f"@microsoft/sarif-multitool@{MULTITOOL_VERSION}"],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0 and binary.is_file(), done.stderr
    binary.chmod(binary.stat().st_mode | 0o100)  # its postinstall would do this; scripts are not run
    return binary


def _multitool_verdict(binary: Path, logs: dict[str, dict], tmp_path: Path) -> dict[str, list[str]]:
    """The problems Microsoft's validator reports at error and warning level in each log, with
    the rules of the SARIF spec and of GitHub's upload (GH*); one run for all logs."""
    folder = tmp_path / "logs"
    folder.mkdir()
    targets = {}
    for number, (name, log) in enumerate(sorted(logs.items())):
        target = folder / f"{number}.sarif"
        target.write_text(json.dumps(log), encoding="utf-8")
        targets[target.name] = name
    out = tmp_path / "verdict.sarif"
    done = subprocess.run([str(binary), "validate", "--rule-kind", "Sarif;Gh", "--output", str(out),
                           *map(str, sorted(folder.iterdir()))], capture_output=True, text=True, check=False,
                          env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"})
    assert done.returncode == 0 and out.is_file(), done.stdout + done.stderr
    assert f"Done. {len(logs)} files scanned." in done.stdout, done.stdout  # it read every log
    (run,) = json.loads(out.read_text(encoding="utf-8-sig"))["runs"]
    problems: dict[str, list[str]] = {}
    for r in run.get("results", []):
        name = targets[Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name]
        problems.setdefault(name, []).append(f"{r['ruleId']}: {r['message'].get('text', r['message'])}")
    return {name: sorted(found) for name, found in problems.items()}


def test_sarif_multitool_accepts_the_base_log_and_every_fixture_log(multitool: Path, base_log,
                                                                    tmp_path: Path) -> None:
    # the fixtures add created and deleted files, CRLF, no final newline, diagnostics
    logs = {"base": base_log[0]}
    unreadable = copy_tree(BASE, tmp_path / "unreadable")  # notifications for files that could not be read
    (unreadable / "k8s" / "broken.yaml").write_text("a: [1\n", encoding="utf-8")
    (unreadable / "k8s" / "tabs.yaml").write_text("a:\n\tb: 1\n", encoding="utf-8")
    logs["unreadable"] = _log(unreadable)[0]
    # the two files, and the base's notes (its Istio addons are applied from a URL; its Istio
    # resources use networking.istio.io/v1beta1, which has a stable successor)
    assert len(logs["unreadable"]["runs"][0]["invocations"][0]["toolExecutionNotifications"]) == 4
    for case in CASES:
        repo = copy_tree(case / "before", tmp_path / "repos" / case.relative_to(FIXTURES))
        logs[str(case.relative_to(FIXTURES))] = _log(repo, f"{case.parent.parent.name}/{case.parent.name}")[0]
    assert _multitool_verdict(multitool, logs, tmp_path) == {}


def test_sarif_multitool_rejects_what_github_would(multitool: Path, base_log, tmp_path: Path) -> None:
    """The validator is no rubber stamp: a log without rule help and with a line-0 region fails."""
    log, _, _ = base_log
    broken = json.loads(json.dumps(log))
    run = broken["runs"][0]
    del run["tool"]["driver"]["rules"][0]["help"]
    run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    (verdict,) = _multitool_verdict(multitool, {"broken": broken}, tmp_path).values()
    assert any(v.startswith("GH2012:") for v in verdict), verdict
    assert any(v.startswith("JSON1008:") for v in verdict), verdict
