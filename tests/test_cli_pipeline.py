"""The command line in pipelines: exit control, several outputs in one run, rule patterns,
`rules --format json` and `rule ID`, suppressions (unknown ignore ids, the settings' ignore,
baselines), and the terminal output (summary last, why once, --statistics, progress)."""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import BASE_NOTE, BASE_NOTES, BASE_NOTE_TEXT, BASE_NOTES_TEXT, copy_tree, read_tree
from patcher.analyse import Selection
from patcher.cli import app
from patcher.config import load_config
from patcher.plan import make_plan
from patcher.registry import all_rules

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "base"
ROUTE = "istio/route-without-timeout"
BREAKER = "istio/destination-without-circuit-breaker"
UNUSED = "kind/unused-port-mapping"
APP_VS = "k8s/istio/virtual-services/app-vs.yaml"
HINT = "  hint: `patcher rules` lists the rule ids\n"
SUMMARY = ("25 findings (2 critical, 8 medium, 15 recommended); 15 would be fixed, changing 7 files; "
           "10 remain: 5 unsafe (--unsafe-fixes applies them), 5 only shown (to fix by hand)")
ISTIO = {BREAKER, "istio/duplicate-gateway-host", "istio/namespace-without-mtls", ROUTE, "istio/unreachable-route"}


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_tree(BASE, tmp_path / "repo")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of base/ that no test changes (plans only)."""
    return copy_tree(BASE, tmp_path_factory.mktemp("base") / "repo")


@pytest.fixture(scope="module")
def base_outputs(base: Path) -> dict[str, str]:
    """Each format of `plan` on base/, alone on stdout."""
    return {fmt: invoke("plan", base, "--format", fmt).stdout for fmt in ("text", "json", "markdown", "sarif")}


def rules_of(result) -> set[str]:
    return {f["rule"] for f in json.loads(result.stdout)["findings"]}


# --- exit control ----------------------------------------------------------------------------

def test_exit_zero_keeps_the_output_and_errors_still_exit_2(base: Path, base_outputs: dict) -> None:
    result = invoke("plan", base, "--exit-zero", "--format", "json")
    assert result.exit_code == 0
    assert result.stdout == base_outputs["json"]
    error = invoke("plan", base, "--exit-zero", "--rule", "nope")
    assert error.exit_code == 2
    assert error.stderr == "error: unknown rule 'nope'\n" + HINT


def test_fail_on_is_the_lowest_severity_that_fails(base: Path) -> None:
    # base/ has critical, medium and recommended findings
    for level in ("critical", "medium", "recommended"):
        assert invoke("plan", base, "--fail-on", level).exit_code == 1
    # the route rule finds only recommended ones
    assert invoke("plan", base, "--rule", ROUTE, "--fail-on", "medium").exit_code == 0
    assert invoke("plan", base, "--rule", ROUTE, "--fail-on", "recommended").exit_code == 1
    assert invoke("plan", base, "--rule", UNUSED, "--fail-on", "critical").exit_code == 0
    assert invoke("plan", base, "--rule", UNUSED, "--fail-on", "medium").exit_code == 1
    assert invoke("plan", base, "--fail-on", "high").exit_code == 2


def test_input_warnings_fail_whatever_fail_on_says_but_not_with_exit_zero(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 1\nreplicas: 2\n")  # a duplicate key: a warning
    assert invoke("plan", tmp_path).exit_code == 1
    assert invoke("plan", tmp_path, "--fail-on", "critical").exit_code == 1
    assert invoke("plan", tmp_path, "--exit-zero").exit_code == 0


def test_apply_exit_control_counts_what_remains(tmp_path: Path) -> None:
    conflict = REPO / "tests/fixtures/istio/duplicate-gateway-host/conflicting-same-match-is-unsafe/before"
    rule = ("--rule", "istio/duplicate-gateway-host")
    # its fix is unsafe: the medium finding remains after apply
    assert invoke("apply", copy_tree(conflict, tmp_path / "a"), *rule).exit_code == 1
    assert invoke("apply", copy_tree(conflict, tmp_path / "b"), *rule, "--fail-on", "critical").exit_code == 0
    assert invoke("apply", copy_tree(conflict, tmp_path / "c"), *rule, "--exit-zero").exit_code == 0


def test_validate_exit_control(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"
                                       "  ports:\n    - port: \"80\"\n")
    assert invoke("validate", tmp_path).exit_code == 1
    assert invoke("validate", tmp_path, "--fail-on", "critical").exit_code == 1
    assert invoke("validate", tmp_path, "--exit-zero").exit_code == 0


# --- several outputs in one run --------------------------------------------------------------

def test_one_format_on_stdout_and_others_in_files(base: Path, base_outputs: dict, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = invoke("plan", base, "-f", "text", "-f", "sarif", "--output-file", f"sarif={out / 'p.sarif'}",
                    "--output-file", f"json={out / 'p.json'}", "--output-file", f"markdown={out / 'p.md'}")
    assert result.exit_code == 1
    assert result.stdout == base_outputs["text"]
    assert (out / "p.sarif").read_text() == base_outputs["sarif"]
    assert (out / "p.json").read_text() == base_outputs["json"]
    assert (out / "p.md").read_text() == base_outputs["markdown"]
    assert sorted(p.name for p in out.iterdir()) == ["p.json", "p.md", "p.sarif"]  # no temporary files left


def test_output_file_without_format_keeps_the_usual_output(base: Path, base_outputs: dict, tmp_path: Path) -> None:
    result = invoke("plan", base, "--output-file", f"sarif={tmp_path / 'p.sarif'}")
    assert result.exit_code == 1
    assert result.stdout == json.loads(base_outputs["json"])["diff"]  # piped: the diff alone
    assert result.stderr.endswith(SUMMARY + "\n")
    assert (tmp_path / "p.sarif").read_text() == base_outputs["sarif"]


def test_output_file_dash_is_stdout(base: Path, base_outputs: dict, tmp_path: Path) -> None:
    result = invoke("plan", base, "--output-file", "json=-", "--output-file", f"text={tmp_path / 'p.txt'}")
    assert result.stdout == base_outputs["json"]
    assert result.stderr == ""
    assert (tmp_path / "p.txt").read_text() == base_outputs["text"]


def test_output_file_through_a_link_writes_its_target_and_keeps_the_link(base: Path, base_outputs: dict,
                                                                          tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("old")
    (tmp_path / "latest.json").symlink_to("report.json")
    assert invoke("plan", base, "--output-file", f"json={tmp_path / 'latest.json'}").exit_code == 1
    assert (tmp_path / "latest.json").is_symlink()
    assert (tmp_path / "report.json").read_text() == base_outputs["json"]


def test_output_file_that_is_a_fifo_is_written_into_not_replaced(base: Path, base_outputs: dict,
                                                                 tmp_path: Path) -> None:
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert invoke("plan", base, "--output-file", f"json={fifo}").exit_code == 1
    reader.join(60)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received == [base_outputs["json"].encode()]


def test_text_format_ends_with_the_summary(base_outputs: dict) -> None:
    text = base_outputs["text"]
    diff = json.loads(base_outputs["json"])["diff"]
    assert text.endswith(diff + SUMMARY + "\n")


@pytest.mark.parametrize("args, message", [
    (["-f", "text", "-f", "json"],
     "error: only one format can go to stdout, not text and json\n"
     "  hint: send the others to files: --output-file FORMAT=PATH\n"),
    (["--output-file", "sarif"],
     "error: --output-file 'sarif' is not FORMAT=PATH\n"
     "  hint: write --output-file FORMAT=PATH, e.g. --output-file sarif=patcher.sarif (PATH - is stdout)\n"),
    (["--output-file", "sarf=out.sarif"],
     "error: --output-file 'sarf=out.sarif': unknown format 'sarf' (did you mean 'sarif'?)\n"
     "  hint: formats: text, json, markdown, sarif\n"),
    (["--output-file", "json=-", "-f", "text"],
     "error: only one format can go to stdout, not json and text\n"
     "  hint: send the others to files: --output-file FORMAT=PATH\n"),
])
def test_bad_output_options_exit_2(repo: Path, args: list[str], message: str) -> None:
    result = invoke("plan", repo, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


@pytest.mark.parametrize("command", ["plan", "apply", "validate"])
def test_an_output_in_a_missing_folder_fails_before_any_work(repo: Path, tmp_path: Path, command: str) -> None:
    before = read_tree(repo)
    target = tmp_path / "no-such-folder" / "p.sarif"
    message = (f"error: {target}: folder '{target.parent}' does not exist\n"
               "  hint: create the folder first, or write somewhere else\n")
    result = invoke(command, repo, "--output-file", f"sarif={target}")
    assert (result.exit_code, result.stderr) == (2, message)
    assert read_tree(repo) == before  # apply wrote nothing
    # checked before the repository is even looked at
    result = invoke(command, tmp_path / "no-such-repo", "--output-file", f"sarif={target}")
    assert (result.exit_code, result.stderr) == (2, message)


def test_the_same_file_twice_or_a_folder_is_an_error(repo: Path, tmp_path: Path) -> None:
    twice = invoke("plan", repo, "--output-file", f"json={tmp_path / 'a'}", "--output-file", f"sarif={tmp_path / 'a'}")
    assert (twice.exit_code, twice.stderr) == (2, f"error: {tmp_path / 'a'}: written twice in one run\n"
                                                  "  hint: give each output its own file\n")
    folder = invoke("plan", repo, "--output-file", f"json={tmp_path}")
    assert (folder.exit_code, folder.stderr) == (2, f"error: {tmp_path}: is a folder, not a file\n"
                                                    "  hint: name a file to write\n")


def test_apply_writes_its_report_to_a_file(repo: Path, tmp_path: Path) -> None:
    result = invoke("apply", repo, "--rule", UNUSED, "--unsafe-fixes", "--output-file", f"json={tmp_path / 'a.json'}")
    assert result.exit_code == 0
    assert result.stderr == BASE_NOTE_TEXT + "updated k8s/kind-config.yaml\n2 findings (2 medium); 2 fixed, changing 1 file\n"
    data = json.loads((tmp_path / "a.json").read_text())
    assert [f["rule"] for f in data["findings"]] == [UNUSED, UNUSED]
    assert data["changes"] == [{"file": "k8s/kind-config.yaml", "action": "modify"}]


def test_apply_with_a_format_on_stdout_still_says_what_it_wrote(repo: Path) -> None:
    result = invoke("apply", repo, "--rule", UNUSED, "--unsafe-fixes", "-f", "json", "--statistics")
    assert result.exit_code == 0
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == [UNUSED, UNUSED]
    assert result.stderr == (BASE_NOTE_TEXT + "    2  kind/unused-port-mapping  medium       fixable\n"
                             "updated k8s/kind-config.yaml\n2 findings (2 medium); 2 fixed, changing 1 file\n")


# --- choosing rules by family, glob and comma lists ------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (["--rule", "istio"], ISTIO),
    (["--rule", "istio/"], ISTIO),
    (["--rule", "istio/*-timeout"], {ROUTE}),
    (["--rule", "istio,kind"], ISTIO | {UNUSED, "kind/unmapped-gateway-port"}),
    (["-r", "kind", "-r", "script/url-unmapped-port"], {UNUSED, "kind/unmapped-gateway-port",
                                                        "script/url-unmapped-port"}),
    (["--rule", "istio", "--skip", f"{ROUTE},{BREAKER}"], ISTIO - {ROUTE, BREAKER}),
    (["--skip", "istio,k8s", "-s", "script"], {UNUSED, "kind/unmapped-gateway-port"}),
])
def test_rule_patterns(base: Path, args: list[str], expected: set[str]) -> None:
    assert rules_of(invoke("plan", base, "-f", "json", *args)) == expected


@pytest.mark.parametrize("option", ["--rule", "--skip"])
def test_unknown_rule_says_what_was_meant(base: Path, option: str) -> None:
    result = invoke("plan", base, option, f"kind,{ROUTE}s")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: unknown rule '{ROUTE}s' (did you mean '{ROUTE}'?)\n" + HINT
    glob = invoke("plan", base, option, "nope/*")
    assert glob.stderr == "error: unknown rule 'nope/*'\n" + HINT


def test_settings_disable_takes_families_and_suggests(repo: Path) -> None:
    (repo / ".patcher.yaml").write_text("disable: [istio, 'kind/*']\n")
    assert rules_of(invoke("plan", repo, "-f", "json")) == {"k8s/namespace-without-network-policy",
                                                           "script/url-unmapped-port"}
    (repo / ".patcher.yaml").write_text("enable: [schema/invalid-resourc]\n")
    result = invoke("plan", repo)
    assert result.exit_code == 2
    assert result.stderr == ("error: .patcher.yaml: unknown rule 'schema/invalid-resourc' in 'enable' "
                             "(did you mean 'schema/invalid-resource'?)\n" + HINT)


# --- rules --format json and rule ID ----------------------------------------------------------

def test_rules_json_describes_every_rule() -> None:
    result = invoke("rules", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    rules = all_rules()
    assert [r["id"] for r in data] == [r.id for r in rules]
    for entry, rule in zip(data, rules):
        assert entry == {"id": rule.id, "severity": rule.info.severity.label, "summary": rule.info.summary,
                         "fixable": rule.info.fixable, "default_enabled": rule.info.default_enabled,
                         "options": {k: str(v) for k, v in rule.info.options.items()},
                         "docs": inspect.cleandoc(rule.module.__doc__)}
    assert [r["id"] for r in data if not r["default_enabled"]] == []  # the schema rule runs by default since it became cheap


def test_rule_prints_one_rules_documentation() -> None:
    result = invoke("rule", UNUSED)
    assert result.exit_code == 0
    reference = (REPO / "docs" / "rules.md").read_text()
    section = reference.split(f"## `{UNUSED}`\n")[1].split("\n## ")[0]
    assert result.stdout == f"# `{UNUSED}`\n" + section
    assert result.stdout.startswith(f"# `{UNUSED}`\n\nSeverity: medium. Fix: yes.\n\n"
                                    "A kind port mapping that leads nowhere.\n")


def test_rule_with_an_unknown_id_exits_2_with_a_suggestion() -> None:
    result = invoke("rule", "kind/unused-port-maping")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: unknown rule 'kind/unused-port-maping' (did you mean '{UNUSED}'?)\n" + HINT


# --- suppressions ----------------------------------------------------------------------------

def _comment(repo: Path, ids: str) -> None:
    path = repo / APP_VS
    path.write_text(path.read_text().replace("spec:\n", f"spec:\n  # patcher: ignore[{ids}] reviewed\n", 1))


def test_an_ignore_comment_naming_an_unknown_rule_is_a_warning(repo: Path) -> None:
    _comment(repo, f"{ROUTE}s, kind, nope")
    result = invoke("plan", repo, "--rule", "script", "-f", "json")
    assert result.exit_code == 1  # a warning fails the run, as findings do
    assert json.loads(result.stdout)["diagnostics"] == [
        {"level": "warning", "file": APP_VS, "line": 9, "column": 21,
         "message": f"ignore comment names unknown rule '{ROUTE}s' (did you mean '{ROUTE}'?)",
         "hint": "`patcher rules` lists the rule ids"},
        {"level": "warning", "file": APP_VS, "line": 9, "column": 57,
         "message": "ignore comment names unknown rule 'nope'", "hint": "`patcher rules` lists the rule ids"},
        BASE_NOTE]
    text = invoke("plan", repo, "--rule", "script")
    assert text.stderr.startswith(f"warning: {APP_VS}:9:21: ignore comment names unknown rule '{ROUTE}s' "
                                  f"(did you mean '{ROUTE}'?)\n" + HINT)


def test_an_ignore_comment_may_name_a_family(repo: Path) -> None:
    _comment(repo, "istio")
    data = json.loads(invoke("plan", repo, "--rule", ROUTE, "-f", "json").stdout)
    assert [f["location"]["file"] for f in data["findings"]] == ["k8s/istio/frontend-virtualservice.yaml"]
    assert data["diagnostics"] == [BASE_NOTE]


@pytest.mark.parametrize("entry, hidden, left", [
    (f"{{rule: {BREAKER}, namespace: default}}", 6, set()),
    ("{rule: istio/*-breaker, file: 'helm/app-stack/templates/*'}", 6, set()),
    (f"{{rule: {BREAKER}, resource: 'Service default/app-stack-postgres'}}", 1,
     {"helm/app-stack/templates/service.yaml"}),
    (f"{{rule: {BREAKER}, namespace: other}}", 0,
     {"helm/app-stack/templates/service.yaml", "helm/app-stack/templates/postgres.yaml"}),
])
def test_settings_ignore_hides_findings_that_sit_on_no_line(repo: Path, entry: str, hidden: int,
                                                           left: set[str]) -> None:
    (repo / ".patcher.yaml").write_text(f"ignore:\n  - {entry}\n")
    result = invoke("plan", repo, "--rule", BREAKER, "-f", "json")
    data = json.loads(result.stdout)
    assert {f["location"]["file"] for f in data["findings"]} == left
    assert len(data["findings"]) == 6 - hidden
    text = invoke("plan", repo, "--rule", BREAKER)
    suffix = f"; {hidden} hidden ({hidden} by the settings' ignore)\n" if hidden else "\n"
    assert text.stderr.endswith(suffix)
    if not left:
        # a hidden finding's fix is not written either
        assert (result.exit_code, data["changes"]) == (0, [])


@pytest.mark.parametrize("settings, message", [
    ("ignore: {rule: x}\n", "'ignore' must be a list of entries"),
    ("ignore: [istio]\n", "'ignore' entry 1 must be a mapping"),
    ("ignore:\n  - {rule: istio, namespace: a}\n  - {rule: istio, namesapce: a}\n",
     "'ignore' entry 2: unknown key 'namesapce'"),
    ("ignore: [{namespace: default}]\n", "'ignore' entry 1: missing key 'rule'"),
    ("ignore: [{rule: istio, namespace: 3}]\n", "'ignore' entry 1: 'namespace' must be a non-empty string"),
    ("ignore: [{rule: istio}]\n", "'ignore' entry 1: give 'namespace', 'file' or 'resource'"),
    ("ignore: [{rule: istio/route-without-timeouts, namespace: a}]\n",
     f"unknown rule 'istio/route-without-timeouts' in 'ignore' (did you mean '{ROUTE}'?)"),
    ("baseline: [a]\n", "'baseline' must be the path of a baseline file"),
])
def test_bad_ignore_entries_name_the_settings_file_and_key(repo: Path, settings: str, message: str) -> None:
    (repo / ".patcher.yaml").write_text(settings)
    result = invoke("plan", repo)
    assert result.exit_code == 2
    where = "" if message.startswith("unknown rule") else ":1:1"  # the line of the 'ignore' or 'baseline' key
    assert result.stderr.startswith(f"error: .patcher.yaml{where}: {message}\n")


def test_a_baseline_hides_known_findings_until_they_change(repo: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    written = invoke("plan", repo, "--write-baseline", baseline)
    assert written.exit_code == 1  # this run still shows what it found
    assert written.stderr.startswith(f"baseline: 25 findings recorded in {baseline}\n" + BASE_NOTES_TEXT)
    assert written.stderr.endswith(SUMMARY + "\n")
    data = json.loads(baseline.read_text())
    assert data["tool"] == "patcher" and data["baseline-version"] == 1
    assert len(data["findings"]) == 25
    plan = make_plan(repo, load_config(repo), Selection())
    unused = [f for f in plan.findings if f.rule == UNUSED][0]
    assert {"rule": UNUSED, "file": "k8s/kind-config.yaml", "identity": unused.identity,
            "message-hash": hashlib.sha256(unused.message.encode()).hexdigest()[:16]} in data["findings"]

    hidden = invoke("plan", repo, "--baseline", baseline)
    assert (hidden.exit_code, hidden.stdout, hidden.stderr) == (
        0, "", BASE_NOTES_TEXT + "no findings; 25 hidden (25 by the baseline)\n")

    # the same mapping with another host port: same identity, new message -> shown again
    kind = repo / "k8s/kind-config.yaml"
    kind.write_text(kind.read_text().replace("hostPort: 8081", "hostPort: 8181"))
    again = invoke("plan", repo, "--baseline", baseline, "-f", "json")
    assert again.exit_code == 1
    (shown,) = json.loads(again.stdout)["findings"]
    assert shown["message"].startswith("kind maps host port 8181 to containerPort 31542")
    # the findings derived from the routing, found after the routing fix, are still hidden and counted
    text = invoke("plan", repo, "--baseline", baseline, "--unsafe-fixes")
    assert text.stderr.endswith("\n1 finding (1 medium); 1 would be fixed, changing 1 file; "
                                "24 hidden (24 by the baseline)\n")


def test_the_settings_name_the_baseline_relative_to_the_repository(repo: Path, tmp_path: Path) -> None:
    assert invoke("plan", repo, "--write-baseline", repo / "patcher-baseline.json").exit_code == 1
    (repo / ".patcher.yaml").write_text("baseline: patcher-baseline.json\n")
    result = invoke("plan", repo, "--rule", "kind")
    assert (result.exit_code, result.stderr) == (0, BASE_NOTE_TEXT + "no findings; 3 hidden (3 by the baseline)\n")
    # --write-baseline keeps what the baseline hid: the new file records every current finding
    assert invoke("plan", repo, "--write-baseline", tmp_path / "again.json").exit_code == 0
    assert (tmp_path / "again.json").read_text() == (repo / "patcher-baseline.json").read_text()


@pytest.mark.parametrize("content, message", [
    (None, "error: b.json: baseline file does not exist\n"
           "  hint: write one with `patcher plan --write-baseline FILE`\n"),
    ("{\n  \"findings\": [,]\n}\n", "error: b.json:2:16: baseline is not valid JSON: Expecting value\n"
                                    "  hint: write one with `patcher plan --write-baseline FILE`\n"),
    ("[]\n", "error: b.json: not a patcher baseline (no \"baseline-version\": 1)\n"
             "  hint: write one with `patcher plan --write-baseline FILE`\n"),
    ('{"baseline-version": 1, "findings": [{"identity": "x"}]}\n',
     "error: b.json: baseline 'findings' must be a list of entries with 'identity' and 'message-hash'\n"
     "  hint: write one with `patcher plan --write-baseline FILE`\n"),
])
def test_a_missing_or_malformed_baseline_is_an_error_naming_it(repo: Path, content: str | None,
                                                              message: str) -> None:
    if content is not None:
        (repo / "b.json").write_text(content)
    (repo / ".patcher.yaml").write_text("baseline: b.json\n")
    result = invoke("plan", repo)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_write_baseline_into_a_missing_folder_fails_first(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "b.json"
    result = invoke("plan", repo, "--write-baseline", target)
    assert (result.exit_code, result.stderr) == (2, f"error: {target}: folder '{target.parent}' does not exist\n"
                                                    "  hint: create the folder first, or write somewhere else\n")


# --- terminal output -------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_on_a_terminal_the_summary_comes_after_the_diff(base: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    lines = ANSI.sub("", invoke("plan", base).stdout).rstrip("\n").splitlines()
    assert lines[-1] == SUMMARY
    assert SUMMARY not in lines[:-1]
    assert any(line.startswith("diff --git ") for line in lines)


def test_a_rules_repeated_why_is_printed_once(base: Path, base_outputs: dict) -> None:
    findings = json.loads(base_outputs["json"])["findings"]
    text = base_outputs["text"]
    whys = [line for line in text.splitlines() if line.startswith("    why: ")]
    assert len(whys) == len({(f["rule"], f["why"]) for f in findings}) == 9
    assert text.count("    why: A hung backend holds callers without a timeout") == 1
    # the machine formats keep every finding's why
    assert sum(1 for f in findings if f["rule"] == ROUTE and f["why"]) == 7


def test_statistics_count_the_findings_per_rule(base: Path, base_outputs: dict) -> None:
    result = invoke("plan", base, "--rule", "istio,kind", "--statistics")
    assert result.exit_code == 1
    assert result.stderr == (
        BASE_NOTE_TEXT +
        "    7  istio/route-without-timeout                recommended  fixable\n"
        "    6  istio/destination-without-circuit-breaker  recommended  fixable\n"
        "    5  istio/unreachable-route                    medium\n"
        "    2  kind/unused-port-mapping                   medium       fixable\n"
        "    1  istio/duplicate-gateway-host               medium       fixable\n"
        "    1  istio/namespace-without-mtls               recommended  fixable\n"
        "    1  kind/unmapped-gateway-port                 critical     fixable\n"
        "23 findings (1 critical, 8 medium, 14 recommended); 14 would be fixed, changing 6 files; "
        "9 remain: 4 unsafe (--unsafe-fixes applies them), 5 only shown (to fix by hand)\n")
    assert result.stdout.startswith("diff --git ")  # the patch on stdout is unchanged
    text = invoke("plan", base, "--rule", "schema", "--statistics", "-f", "text")
    assert text.stdout == BASE_NOTES_TEXT + "no findings\n"


def test_statistics_without_fixes_leave_the_column_empty(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"
                                       "  ports:\n    - port: \"80\"\n")
    result = invoke("validate", tmp_path, "--statistics")
    assert result.stdout == "    1  schema/invalid-resource  critical\n1 finding (1 critical); 1 remains: 1 with no fix\n"


def test_progress_covers_every_long_stage(repo: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    make_plan(repo, load_config(repo), Selection(), progress=lambda done, total, what: seen.append(
        (done, total, what)))
    stages = list(dict.fromkeys(what for _, _, what in seen))
    assert stages[:3] == ["reading", "rendering charts", "analysing"]
    assert "fix pass 1: verifying" in stages and "fix pass 2: verifying" in stages
    assert all(1 <= done <= total for done, total, _ in seen)
    # every stage reaches its end
    for stage in stages:
        last = [(d, t) for d, t, w in seen if w == stage][-1]
        assert last[0] == last[1], stage


def test_a_selection_that_leaves_no_rule_is_an_error(repo: Path) -> None:
    result = invoke("plan", repo, "--rule", "script", "--skip", "script")
    assert (result.exit_code, result.stderr) == (2, (
        "error: no rule left to run: --rule script selects only rules that --skip or the settings' disable drop\n"
        "  hint: drop the --skip, or select other rules\n"))


@pytest.mark.parametrize("option", ["--rule", "--skip"])
def test_an_empty_rule_pattern_is_an_error(base: Path, option: str) -> None:
    result = invoke("plan", base, option, "")
    assert result.exit_code == 2
    assert result.stderr == f"error: {option} was given no rule pattern\n{HINT}"
