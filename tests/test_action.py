"""The composite GitHub Action (action.yml): its shell steps run with bash as the runner runs
them, with the `${{ }}` expressions replaced by test values, on a copy of base/."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import copy_tree, snapshot_of_this_checkout

REPO_ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None or shutil.which("git") is None, reason="needs bash and git")


def _substitute(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        assert match.group(1) in context, f"action.yml uses ${{{{ {match.group(1)} }}}}, which the test does not know"
        return context[match.group(1)]
    return EXPRESSION.sub(value, text)


def run_step(step: dict, context: dict[str, str], cwd: Path, github_output: Path) -> subprocess.CompletedProcess:
    """One `run:` step as a runner runs a composite action's bash step."""
    assert step["shell"] == "bash"
    script = cwd.parent / f"step-{step.get('id', 'x')}.sh"
    script.write_text(_substitute(step["run"], context), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "VIRTUAL_ENV"))}
    env.update({name: _substitute(str(value), context) for name, value in step.get("env", {}).items()})
    env["GITHUB_OUTPUT"] = str(github_output)
    return subprocess.run([BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=900, check=False)


def _context(runner_temp: Path, action_path: Path, **inputs: str) -> dict[str, str]:
    context = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    context.update({f"inputs.{name.replace('_', '-')}": value for name, value in inputs.items()})
    context.update({"github.action_path": str(action_path), "runner.temp": str(runner_temp)})
    return context


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The install step, once: a venv in runner.temp with patcher from the action's own checkout."""
    action_path, _ = snapshot_of_this_checkout(tmp_path_factory.mktemp("action") / "patcher")
    runner_temp = tmp_path_factory.mktemp("runner-temp")
    work = tmp_path_factory.mktemp("install-work")
    install = ACTION["runs"]["steps"][0]
    assert "run" in install and "pip install" in install["run"]
    done = run_step(install, _context(runner_temp, action_path, python=sys.executable), work,
                    work / "github_output")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (runner_temp / "patcher-venv" / "bin" / "patcher").is_file()
    return runner_temp, action_path


def _plan_step() -> dict:
    (step,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == "plan"]
    return step


def test_the_action_is_composite_with_bash_steps_and_declares_its_outputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert all(step["shell"] == "bash" and "run" in step for step in ACTION["runs"]["steps"])
    assert set(ACTION["inputs"]) == {"path", "version", "sarif-file", "args", "fail-on", "python"}
    assert ACTION["outputs"]["sarif-file"]["value"] == "${{ steps.plan.outputs.sarif-file }}"


def test_the_plan_step_writes_sarif_and_its_path_as_an_output(installed, tmp_path: Path, shared: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    runner_temp, action_path = installed
    workspace = tmp_path / "workspace"
    copy_tree(REPO_ROOT / "base", workspace / "deploy")
    output = tmp_path / "github_output"
    context = _context(runner_temp, action_path, path="deploy", sarif_file="reports/patcher.sarif")
    done = run_step(_plan_step(), context, workspace, output)
    # findings alone do not fail the step unless fail-on says so
    assert done.returncode == 0, done.stdout + done.stderr
    assert "patcher: 25 findings (2 critical, 8 medium, 15 recommended) in reports/patcher.sarif" in done.stdout
    log = json.loads((workspace / "reports" / "patcher.sarif").read_text(encoding="utf-8"))
    schema = json.loads((shared / "schemas" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert len(log["runs"][0]["results"]) == 25
    assert _outputs(output) == {"sarif-file": "reports/patcher.sarif", "findings": "25", "exit-code": "1"}


def test_extra_args_reach_patcher(installed, tmp_path: Path) -> None:
    runner_temp, action_path = installed
    copy_tree(REPO_ROOT / "base", tmp_path / "workspace")
    output = tmp_path / "github_output"
    context = _context(runner_temp, action_path, args="--rule kind/unused-port-mapping --rule script/url-unmapped-port")
    done = run_step(_plan_step(), context, tmp_path / "workspace", output)
    assert done.returncode == 0, done.stdout + done.stderr
    log = json.loads((tmp_path / "workspace" / "patcher.sarif").read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"kind/unused-port-mapping", "script/url-unmapped-port"}
    assert _outputs(output)["sarif-file"] == "patcher.sarif"


@pytest.mark.parametrize(("fail_on", "code", "message"), [
    ("critical", 1, "::error::2 findings at or above critical (fail-on: critical)"),
    ("medium", 1, "::error::10 findings at or above medium (fail-on: medium)"),
    ("recommended", 1, "::error::25 findings at or above recommended (fail-on: recommended)"),
    ("sometimes", 2, "::error::fail-on must be never, critical, medium or recommended, not 'sometimes'"),
])
def test_fail_on_fails_the_step_only_when_asked(installed, tmp_path: Path, fail_on: str, code: int,
                                                message: str) -> None:
    runner_temp, action_path = installed
    copy_tree(REPO_ROOT / "base", tmp_path / "workspace")
    done = run_step(_plan_step(), _context(runner_temp, action_path, fail_on=fail_on), tmp_path / "workspace",
                    tmp_path / "github_output")
    assert (done.returncode, message in done.stdout) == (code, True), done.stdout + done.stderr


def test_an_error_of_patcher_fails_the_step(installed, tmp_path: Path) -> None:
    runner_temp, action_path = installed
    (tmp_path / "workspace").mkdir()
    done = run_step(_plan_step(), _context(runner_temp, action_path, path="missing"), tmp_path / "workspace",
                    tmp_path / "github_output")
    assert done.returncode == 2
    assert "no such folder: missing" in done.stderr
    assert "::error::patcher plan failed with exit code 2" in done.stdout


def test_files_that_could_not_be_read_fail_the_step_when_asked(installed, tmp_path: Path) -> None:
    runner_temp, action_path = installed
    copy_tree(REPO_ROOT / "base", tmp_path / "workspace")
    (tmp_path / "workspace" / "k8s" / "broken.yaml").write_text("kind: [unclosed\n")
    quiet = run_step(_plan_step(), _context(runner_temp, action_path), tmp_path / "workspace",
                     tmp_path / "github_output")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert [line for line in quiet.stdout.splitlines() if line.startswith("::warning::")] != []
    strict = run_step(_plan_step(), _context(runner_temp, action_path, fail_on="critical"), tmp_path / "workspace",
                      tmp_path / "github_output")
    assert strict.returncode == 1
    assert "::error::1 file(s) could not be read cleanly (fail-on: critical)" in strict.stdout
