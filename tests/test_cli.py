"""The command line as a user meets it: exit codes, streams, formats, settings, ignores, apply."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import BASE_NOTE, BASE_NOTE_TEXT, BASE_NOTES, copy_tree, read_tree
from patcher.cli import app
from patcher.registry import all_rules

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE = REPO_ROOT / "base"
ROUTE = "istio/route-without-timeout"
BASE_RULES = {
    "istio/destination-without-circuit-breaker",
    "istio/duplicate-gateway-host",
    "istio/namespace-without-mtls",
    ROUTE,
    "istio/unreachable-route",
    "k8s/namespace-without-network-policy",
    "kind/unmapped-gateway-port",
    "kind/unused-port-mapping",
    "script/url-unmapped-port",
}
APP_VS = "k8s/istio/virtual-services/app-vs.yaml"
FRONTEND_VS = "k8s/istio/frontend-virtualservice.yaml"
LEVELS = {"critical": "error", "medium": "warning", "recommended": "note"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_tree(BASE, tmp_path / "repo")


@pytest.fixture(scope="module")
def base_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`plan --format json` of an untouched copy of base/, computed once."""
    return plan_json(copy_tree(BASE, tmp_path_factory.mktemp("base") / "repo"))


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "NO_COLOR")}
    env.update(extra)
    return env


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m patcher` with stdout and stderr both piped (not a terminal)."""
    return subprocess.run([sys.executable, "-m", "patcher", *map(str, args)], capture_output=True,
                          cwd=REPO_ROOT, env=_env(**env), check=False)


def plan_json(path: Path, *args: str) -> dict:
    result = invoke("plan", path, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def rules_found(data: dict) -> set[str]:
    return {f["rule"] for f in data["findings"]}


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "core.autocrlf=false", "-c", "user.name=t", "-c", "user.email=t@t",
                           *args], cwd=repo, input=stdin, capture_output=True, check=False)


# --- exit codes and errors -------------------------------------------------------------------

def test_plan_exits_1_with_findings_and_0_after_apply(repo: Path) -> None:
    assert invoke("plan", repo).exit_code == 1
    applied = invoke("apply", repo, "--unsafe-fixes")
    assert applied.exit_code == 0, applied.stderr
    again = invoke("plan", repo)
    assert again.exit_code == 0, again.stderr
    assert again.stdout == ""  # nothing to change, no diff


def test_a_second_apply_writes_nothing_and_says_what_remains(repo: Path) -> None:
    invoke("apply", repo)
    after_first = read_tree(repo)
    again = invoke("apply", repo)
    assert read_tree(repo) == after_first
    assert again.exit_code == 1  # the unsafe and hand-fixed findings remain
    assert "updated " not in again.output and "created " not in again.output
    last = again.stderr.strip().splitlines()[-1]
    assert last.startswith("10 findings (8 medium, 2 recommended); 10 remain: ") and " fixed" not in last


def test_missing_folder_exits_2_and_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-repo"
    for command in ("plan", "apply"):
        result = invoke(command, missing)
        assert result.exit_code == 2
        assert f"no such folder: {missing}" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stdout == ""


@pytest.mark.parametrize("option", ["--rule", "--skip"])
def test_unknown_rule_exits_2_with_a_hint(repo: Path, option: str) -> None:
    before = read_tree(repo)
    for command in ("plan", "apply"):
        result = invoke(command, repo, option, "istio/no-such-rule")
        assert result.exit_code == 2
        assert "unknown rule 'istio/no-such-rule'" in result.stderr
        assert "patcher rules" in result.stderr  # the hint: where to find the ids
        assert "Traceback" not in result.stderr + result.stdout
    assert read_tree(repo) == before


# --- streams: diff to stdout, findings to stderr ---------------------------------------------

def _finding_header(f: dict) -> str:
    loc = f["location"]
    return f"{loc['file']}:{loc['line']}:{loc['column']}: {f['severity']} [{f['rule']}] {f['message']}"


def test_piped_plan_writes_only_the_diff_to_stdout(repo: Path, base_json: dict) -> None:
    narrow, wide = run("plan", repo, COLUMNS="80"), run("plan", repo, COLUMNS="200")
    assert narrow.returncode == 1
    stdout, stderr = narrow.stdout.decode(), narrow.stderr.decode()
    assert stdout == base_json["diff"]
    assert stdout.startswith("diff --git ")
    assert "[kind/" not in stdout and "[istio/" not in stdout
    assert "diff --git" not in stderr
    # every finding is one whole line on stderr, however wide the terminal claims to be
    lines = stderr.splitlines()
    for finding in base_json["findings"]:
        assert _finding_header(finding) in lines
    assert (wide.stdout, wide.stderr) == (narrow.stdout, narrow.stderr)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_piped_diff_is_a_patch_git_applies(tmp_path: Path) -> None:
    repo = copy_tree(BASE, tmp_path / "repo")
    assert _git(repo, "init", "-q").returncode == 0
    _git(repo, "add", "-A")
    assert _git(repo, "commit", "-qm", "base").returncode == 0
    patch = run("plan", repo, "--unsafe-fixes").stdout
    check = _git(repo, "apply", "--check", "--index", "-", stdin=patch)
    assert check.returncode == 0, check.stderr.decode()
    assert _git(repo, "apply", "--index", "-", stdin=patch).returncode == 0
    # git's result is exactly what `patcher apply` writes
    expected = copy_tree(BASE, tmp_path / "applied")
    assert invoke("apply", expected, "--unsafe-fixes").exit_code == 0
    assert read_tree(repo) == read_tree(expected)


# --- formats ---------------------------------------------------------------------------------

def test_json_lists_every_planted_problem(repo: Path) -> None:
    result = invoke("plan", repo, "--format", "json", "--unsafe-fixes")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert rules_found(data) == BASE_RULES
    assert len(data["findings"]) == 25
    assert data["diagnostics"] == BASE_NOTES
    assert {c["file"]: c["action"] for c in data["changes"]} == {
        "k8s/istio/destination-rules.yaml": "create",
        FRONTEND_VS: "delete",
        "k8s/istio/ingress-gateway.yaml": "modify",
        "k8s/istio/peer-authentication.yaml": "create",
        APP_VS: "modify",
        "k8s/kind-config.yaml": "modify",
        "k8s/kustomization.yaml": "modify",
        "k8s/network-policies.yaml": "create",
        "scripts/07-test-api-endpoints.sh": "modify",
    }
    script = [f for f in data["findings"] if f["rule"] == "script/url-unmapped-port"]
    assert [(f["location"]["file"], f["location"]["line"], f["severity"]) for f in script] == [
        ("scripts/07-test-api-endpoints.sh", 5, "critical")]


def test_markdown_has_the_table_and_the_diff(repo: Path, base_json: dict) -> None:
    diff = base_json["diff"]
    result = invoke("plan", repo, "--format", "markdown")
    assert result.exit_code == 1
    text = result.stdout
    assert "| severity | rule | location | finding | fix | status |\n|---|---|---|---|---|---|\n" in text
    assert "```diff\n" + diff + "```" in text
    for rule in BASE_RULES:
        assert f"`{rule}`" in text


def test_sarif_is_valid_and_has_one_result_per_finding(repo: Path, shared: Path, base_json: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_file = shared / "schemas" / "sarif" / "sarif-schema-2.1.0.json"
    if not schema_file.is_file():
        pytest.skip(f"no SARIF schema at {schema_file}")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    findings = base_json["findings"]
    result = invoke("plan", repo, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    results = run_["results"]
    assert len(results) == len(findings) == 25
    got = sorted((r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results)
    want = sorted((f["rule"], LEVELS[f["severity"]], f["location"]["file"], f["location"]["line"])
                  for f in findings)
    assert got == want
    for r in results:
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]


def test_sarif_of_a_clean_repository_is_valid_and_empty(repo: Path, shared: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_file = shared / "schemas" / "sarif" / "sarif-schema-2.1.0.json"
    if not schema_file.is_file():
        pytest.skip(f"no SARIF schema at {schema_file}")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert invoke("apply", repo, "--unsafe-fixes").exit_code == 0
    result = invoke("plan", repo, "--format", "sarif")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_errors_leave_stdout_empty_for_machine_formats(repo: Path) -> None:
    for fmt in ("json", "sarif", "markdown"):
        result = invoke("plan", repo, "--format", fmt, "--rule", "nope/nope")
        assert (result.exit_code, result.stdout) == (2, "")


# --- choosing rules --------------------------------------------------------------------------

def test_rule_runs_only_that_rule(repo: Path) -> None:
    data = plan_json(repo, "--rule", "kind/unused-port-mapping", "--unsafe-fixes")
    assert rules_found(data) == {"kind/unused-port-mapping"}
    assert len(data["findings"]) == 2
    assert data["changes"] == [{"file": "k8s/kind-config.yaml", "action": "modify"}]
    both = plan_json(repo, "-r", "kind/unused-port-mapping", "-r", "script/url-unmapped-port")
    assert rules_found(both) == {"kind/unused-port-mapping", "script/url-unmapped-port"}


def test_skip_drops_a_rule(repo: Path) -> None:
    data = plan_json(repo, "--skip", ROUTE, "-s", "kind/unused-port-mapping")
    assert rules_found(data) == BASE_RULES - {ROUTE, "kind/unused-port-mapping"}
    assert "timeout:" not in data["diff"]
    assert "-      - containerPort: 31542" not in data["diff"]


def test_apply_with_rule_changes_only_what_that_rule_fixes(repo: Path) -> None:
    before = read_tree(repo)
    result = invoke("apply", repo, "--rule", "script/url-unmapped-port")
    assert result.exit_code == 0, result.stderr
    after = read_tree(repo)
    assert {p for p in after if after[p] != before.get(p)} | (before.keys() - after.keys()) == {
        "scripts/07-test-api-endpoints.sh"}
    assert b'BASE_URL="http://localhost"\n' in after["scripts/07-test-api-endpoints.sh"]
    assert "updated scripts/07-test-api-endpoints.sh" in result.stderr


# --- settings --------------------------------------------------------------------------------

def _timeouts(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip().startswith("timeout:")]


def test_patcher_yaml_route_timeout_is_written(repo: Path) -> None:
    (repo / ".patcher.yaml").write_text("route-timeout: 10s\nretries:\n  attempts: 2\n")
    result = invoke("apply", repo, "--rule", ROUTE)
    assert result.exit_code == 0, result.stderr
    assert _timeouts(repo / APP_VS) == ["timeout: 10s"] * 6
    text = (repo / APP_VS).read_text()
    assert text.count("        attempts: 2\n") == 6
    # perTryTimeout keeps its default unless the attempts would not fit: 2 x 10s > 10s, so 5s each
    assert text.count("        perTryTimeout: 5s\n") == 6


def test_patcher_yaml_disable_drops_a_rule(repo: Path) -> None:
    (repo / ".patcher.yaml").write_text("disable:\n  - istio/route-without-timeout\n  - kind/unused-port-mapping\n")
    data = plan_json(repo)
    assert rules_found(data) == BASE_RULES - {ROUTE, "kind/unused-port-mapping"}
    assert data["diagnostics"] == BASE_NOTES  # the settings file is not read as a manifest


def test_pyproject_tool_patcher_table(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "app-stack-tools"\n\n'
                                         '[tool.patcher]\nroute-timeout = "15s"\n'
                                         'disable = ["kind/unused-port-mapping"]\n')
    data = plan_json(repo)
    assert rules_found(data) == BASE_RULES - {"kind/unused-port-mapping"}
    assert "+      timeout: 15s\n" in data["diff"]
    assert "timeout: 30s" not in data["diff"]


def test_unknown_setting_exits_2_naming_the_settings_file(repo: Path) -> None:
    (repo / ".patcher.yaml").write_text("route-timeout: 10s\nroute-timout: 5s\n")
    before = read_tree(repo)
    for command in ("plan", "apply"):
        result = invoke(command, repo)
        assert result.exit_code == 2
        assert ".patcher.yaml" in result.stderr
        assert "unknown setting 'route-timout'" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert read_tree(repo) == before


def test_unknown_rule_in_disable_names_the_settings_file(repo: Path) -> None:
    (repo / ".patcher.yaml").write_text("disable: [istio/route-without-timeouts]\n")
    result = invoke("plan", repo)
    assert result.exit_code == 2
    assert "unknown rule 'istio/route-without-timeouts'" in result.stderr
    assert ".patcher.yaml" in result.stderr


# --- ignore comments -------------------------------------------------------------------------

EXTRA_VS = """---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: extra-vs
  namespace: default
spec:
  hosts:
    - extra.example.com
  gateways:
    - app-gateway
  http:
    - name: extra
      route:
        - destination:
            host: app-stack-frontend
            port:
              number: 80
"""
IGNORE = "  # patcher: ignore[istio/route-without-timeout] monitoring UIs stream; no timeout wanted\n"


def _route_findings(data: dict) -> list[str]:
    return sorted(f["message"].split(" of VirtualService ")[1].split(" ")[0]
                  for f in data["findings"] if f["rule"] == ROUTE)


def test_ignore_comment_suppresses_that_rule_in_that_document_only(repo: Path) -> None:
    app_vs = repo / APP_VS
    text = app_vs.read_text()
    app_vs.write_text(text.replace("spec:\n", "spec:\n" + IGNORE, 1) + EXTRA_VS)
    data = plan_json(repo)
    # app-vs's six routes are ignored; the next document in the same file and other files are not
    assert _route_findings(data) == ["default/extra-vs", "default/frontend-vs"]
    # other rules still report on that document's resources
    assert rules_found(data) == BASE_RULES


def test_ignore_comment_for_another_rule_suppresses_nothing(repo: Path) -> None:
    app_vs = repo / APP_VS
    app_vs.write_text(app_vs.read_text().replace(
        "spec:\n", "spec:\n  # patcher: ignore[istio/duplicate-gateway-host] not this one\n", 1))
    assert _route_findings(plan_json(repo)) == ["default/app-vs"] * 6 + ["default/frontend-vs"]


def test_ignore_comment_at_the_top_of_the_second_document(repo: Path) -> None:
    app_vs = repo / APP_VS
    app_vs.write_text(app_vs.read_text() + EXTRA_VS.replace("---\n", "---\n" + IGNORE.lstrip(), 1))
    assert _route_findings(plan_json(repo)) == ["default/app-vs"] * 6 + ["default/frontend-vs"]


def test_ignore_comment_in_a_script_covers_the_next_line(repo: Path) -> None:
    script = repo / "scripts/07-test-api-endpoints.sh"
    text = script.read_text()
    script.write_text(text.replace('BASE_URL="http://localhost:8080"',
                                   "# patcher: ignore[script/url-unmapped-port] reached through a tunnel\n"
                                   'BASE_URL="http://localhost:8080"'))
    result = invoke("plan", repo, "--rule", "script/url-unmapped-port")
    assert result.exit_code == 0
    assert result.stdout == ""


# --- apply -----------------------------------------------------------------------------------

def test_apply_writes_only_safe_fixes_by_default_and_says_what_is_left(repo: Path) -> None:
    first = invoke("apply", repo)
    assert first.exit_code == 1  # the unsafe fixes' findings remain
    reported = [line for line in first.stderr.splitlines() if line.split(" ")[0] in ("created", "updated", "deleted")]
    assert reported == [
        "created k8s/istio/destination-rules.yaml",
        f"updated {FRONTEND_VS}",  # its routes get timeouts; the merge that would delete it is unsafe
        "updated k8s/istio/ingress-gateway.yaml",
        f"updated {APP_VS}",
        "updated k8s/kind-config.yaml",
        "updated k8s/kustomization.yaml",
        "updated scripts/07-test-api-endpoints.sh",
    ]
    assert first.stderr.splitlines()[-1] == (
        "25 findings (2 critical, 8 medium, 15 recommended); 15 fixed, changing 7 files; "
        "10 remain: 5 unsafe (--unsafe-fixes applies them), 5 only shown (to fix by hand)")
    assert not (repo / "k8s" / "network-policies.yaml").exists()
    assert not (repo / "k8s" / "istio" / "peer-authentication.yaml").exists()
    # what it left is listed, each with its status and why
    left = [line for line in first.stderr.splitlines() if line.startswith("    fix: ")]
    unsafe = [line for line in left if "[display-only]" not in line]
    assert len(unsafe) == 5 and all("(skipped-unsafe: " in line and line.endswith("--unsafe-fixes applies it)")
                                    for line in unsafe)
    assert len(left) == 10  # the routes a merged VirtualService may hide are shown for a human to order
    assert "fix: remove the mapping of host port 8081 [unsafe] (skipped-unsafe: something installed from " \
           "outside the repository may listen on containerPort 31542" in first.stderr
    data = plan_json(repo)
    assert sorted((f["rule"], f["fix"]["status"]) for f in data["findings"]) == [
        ("istio/duplicate-gateway-host", "skipped-unsafe"),
        ("istio/namespace-without-mtls", "skipped-unsafe"),
        *[("istio/unreachable-route", "skipped-unsafe")] * 5,
        ("k8s/namespace-without-network-policy", "skipped-unsafe"),
        ("kind/unused-port-mapping", "skipped-unsafe"),
        ("kind/unused-port-mapping", "skipped-unsafe"),
    ]


def test_apply_reports_each_file_and_a_second_apply_changes_nothing(repo: Path) -> None:
    first = invoke("apply", repo, "--unsafe-fixes")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""
    reported = [line for line in first.stderr.splitlines() if line.split(" ")[0] in ("created", "updated", "deleted")]
    assert reported == [
        "created k8s/istio/destination-rules.yaml",
        f"deleted {FRONTEND_VS}",
        "updated k8s/istio/ingress-gateway.yaml",
        "created k8s/istio/peer-authentication.yaml",
        f"updated {APP_VS}",
        "updated k8s/kind-config.yaml",
        "updated k8s/kustomization.yaml",
        "created k8s/network-policies.yaml",
        "updated scripts/07-test-api-endpoints.sh",
    ]
    after_first = read_tree(repo)
    second = invoke("apply", repo, "--unsafe-fixes")
    assert second.exit_code == 0, second.stderr
    assert read_tree(repo) == after_first
    # nothing written, nothing left; the fixes wrote their resources in the repository's apiVersion
    assert second.stderr == BASE_NOTE_TEXT + (
        "note: k8s/istio/destination-rules.yaml:3: 9 resources use networking.istio.io/v1beta1, which has a "
        "stable successor, networking.istio.io/v1 (since Istio 1.22); the first is DestinationRule "
        "default/app-stack-postgres\n") + "no findings\n"


def test_apply_refuses_a_read_only_file_and_writes_nothing(repo: Path) -> None:
    os.chmod(repo / "k8s/kind-config.yaml", 0o444)
    before = read_tree(repo)
    result = invoke("apply", repo)
    assert result.exit_code == 2
    assert "k8s/kind-config.yaml" in result.stderr and "read-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_tree(repo) == before


def test_apply_on_the_other_sample_repository_is_idempotent(tmp_path: Path) -> None:
    repo = copy_tree(REPO_ROOT / "tests" / "repos" / "other", tmp_path / "other")
    assert invoke("plan", repo).exit_code == 1
    assert invoke("apply", repo, "--unsafe-fixes").exit_code == 0
    after = read_tree(repo)
    assert invoke("plan", repo).exit_code == 0
    assert invoke("apply", repo, "--unsafe-fixes").exit_code == 0
    assert read_tree(repo) == after


# --- rules and determinism -------------------------------------------------------------------

def test_rules_lists_every_rule_id(tmp_path: Path) -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert ids == sorted(r.id for r in all_rules())
    assert BASE_RULES <= set(ids)
    assert len(ids) == len(set(ids))


def test_two_runs_print_the_same_bytes(repo: Path, tmp_path: Path) -> None:
    # separate processes, different hash seeds: no set or dict order leaks into the output
    one = run("plan", repo, PYTHONHASHSEED="1")
    two = run("plan", repo, PYTHONHASHSEED="4242")
    assert (one.returncode, one.stdout, one.stderr) == (two.returncode, two.stdout, two.stderr)
    # and a copy elsewhere reads the same
    other = copy_tree(BASE, tmp_path / "elsewhere")
    for fmt in ("text", "json"):
        assert invoke("plan", repo, "--format", fmt).stdout == invoke("plan", other, "--format", fmt).stdout


def test_a_failing_rule_is_named_without_a_traceback(repo: Path, monkeypatch) -> None:
    import patcher.rules.istio_route_without_timeout as module

    def broken(ctx):
        raise KeyError("spec")
        yield  # pragma: no cover

    monkeypatch.setattr(module, "check", broken)
    result = invoke("plan", repo)
    assert result.exit_code == 2
    assert "rule istio/route-without-timeout failed on this repository: KeyError: 'spec'" in result.stderr
    assert "--skip istio/route-without-timeout" in result.stderr
    assert "Traceback" not in result.stderr


def test_apply_without_kubectl_says_the_build_check_was_skipped(repo: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin"))
    result = invoke("apply", repo, "--rule", "script/url-unmapped-port,istio/route-without-timeout")
    assert result.exit_code == 0, result.stderr
    assert ("note: kubectl was not found, so the 1 kustomization(s) the change touches were not built before "
            "writing (install kubectl to have `kubectl kustomize` check them)") in result.stderr.splitlines()
