"""patcher as a user installs it: a wheel built from the repository, installed
(not editable) into a fresh virtual environment, run from a working directory
outside the checkout. Every command and every format must behave as it does
from the checkout, with the templates, schemas and licences the wheel carries.

The wheel and the environment are built once per test session: dependencies
come from PyPI (or pip's cache), so this needs what `make install` needs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import patcher
from helpers import BASE_NOTE_TEXT, copy_tree, read_tree
from patcher.cli import app

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "base"
BUILD_LEFTOVERS = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                         ".pytest_cache", ".hypothesis", "bench-out")
BAD_GATEWAY = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  servers:
    - port:
        number: eighty
        name: http
        protocol: HTTP
      hosts: ["*"]
"""
WIDGETS = """apiVersion: example.com/v1
kind: Widget
metadata:
  name: a
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: b
"""


def _run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PYTHONPATH", "COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=dict(clean, **env))


def _checked(command: list[str], cwd: Path) -> None:
    done = _run(command, cwd)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the checkout (so no build/ folder is left in it, and no stale
    one from an earlier build can leak files into the wheel)."""
    top = tmp_path_factory.mktemp("wheel")
    source = top / "source"
    shutil.copytree(REPO, source, ignore=BUILD_LEFTOVERS, symlinks=True)
    _checked([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(top / "dist"), str(source)],
             top)
    [built] = (top / "dist").glob("patcher-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtual environment with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    _checked([sys.executable, "-m", "venv", str(venv)], venv.parent)
    _checked([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], venv.parent)
    return venv / "bin"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory outside the checkout holding a copy of base/ as ./repo; the in-process
    runs of the checkout's patcher that the installed one is compared with run there too."""
    copy_tree(REPO / "base", tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def patcher_cmd(installed: Path, work: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    done = _run([str(installed / "patcher"), *args], work, **env)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def checkout(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_wheel_carries_templates_schemas_and_licences(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {p.relative_to(REPO).as_posix() for p in (REPO / "patcher").rglob("*.py")}
    templates = {f"patcher/templates/{p.name}" for p in (REPO / "templates").iterdir()}
    schemas = {p.relative_to(REPO).as_posix() for p in (REPO / "patcher" / "schemas").rglob("*") if p.is_file()}
    assert len(templates) >= 4 and {"patcher/templates/report.md.j2"} <= templates
    assert {"patcher/schemas/LICENSE", "patcher/schemas/README.md",
            "patcher/schemas/networking.istio.io/virtualservice_v1.json",
            "patcher/schemas/security.istio.io/peerauthentication_v1.json",
            "patcher/schemas/telemetry.istio.io/telemetry_v1.json",
            "patcher/schemas/argoproj.io/application_v1alpha1.json"} <= schemas
    assert sources | templates | schemas <= names
    assert not [n for n in names if "sarif" in n.lower() and n.endswith(".json")]  # the SARIF schema is test data
    assert "patcher-0.1.0.dist-info/licenses/LICENSE" in names
    assert "patcher-0.1.0.dist-info/licenses/patcher/schemas/LICENSE" in names
    assert {"patcher/report/assets/mermaid.min.js", "patcher/report/assets/LICENSE",
            "patcher-0.1.0.dist-info/licenses/patcher/report/assets/LICENSE"} <= names
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("patcher-0.1.0.dist-info/licenses/LICENSE") == (REPO / "LICENSE").read_bytes()
        metadata = archive.read("patcher-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert (REPO / "LICENSE").read_text().split()[:4] == ["Apache", "License", "Version", "2.0,"]


def test_installed_from_the_wheel_not_from_the_checkout(installed: Path, work: Path) -> None:
    done = _run([str(installed / "python"), "-c", "import patcher, patcher.templating as t; "
                 "print(patcher.__file__); print(t._loader().list_templates())"], work)
    assert done.returncode == 0, done.stderr
    location, templates = done.stdout.splitlines()
    assert Path(location).is_relative_to(installed.parent)
    assert "site-packages" in Path(location).parts
    assert templates == str(sorted(p.name for p in (REPO / "templates").iterdir()))


def test_version(installed: Path, work: Path) -> None:
    done = patcher_cmd(installed, work, "--version")
    assert (done.returncode, done.stdout) == (0, "patcher 0.1.0\n")
    metadata = _run([str(installed / "python"), "-c", "import importlib.metadata as m; print(m.version('patcher'))"],
                    work)
    assert metadata.stdout == f"{patcher.__version__}\n" == "0.1.0\n"


@pytest.mark.parametrize("command", [[], ["plan"], ["apply"], ["validate"], ["rules"]], ids=" ".join)
def test_short_and_long_help(installed: Path, work: Path, command: list[str]) -> None:
    short = patcher_cmd(installed, work, *command, "-h")
    long = patcher_cmd(installed, work, *command, "--help")
    assert short.returncode == long.returncode == 0
    assert short.stdout == long.stdout
    assert f"Usage: patcher {command[0] if command else ''}".rstrip() in short.stdout
    assert "-h" in short.stdout and "--help" in short.stdout


def test_shell_completion(installed: Path, work: Path) -> None:
    # the shell is named, not detected: `--show-completion` takes no value and detects the shell
    # from the process tree, which a background or CI job may not have
    script = patcher_cmd(installed, work, _PATCHER_COMPLETE="source_bash")
    assert script.returncode == 0
    assert "_patcher_completion" in script.stdout and "complete " in script.stdout
    words = patcher_cmd(installed, work, _PATCHER_COMPLETE="complete_bash", COMP_WORDS="patcher va", COMP_CWORD="1")
    assert (words.returncode, words.stdout.split()) == (0, ["validate"])
    assert "--install-completion" in patcher_cmd(installed, work, "--help").stdout


@pytest.mark.parametrize("fmt", [None, "text", "json", "markdown", "sarif"], ids=str)
def test_plan_in_every_format_as_from_the_checkout(installed: Path, work: Path, fmt: str | None) -> None:
    args = ["plan", "repo"] + (["--format", fmt] if fmt else [])
    done = patcher_cmd(installed, work, *args)
    expected = checkout(*args)
    assert done.returncode == expected.exit_code == 1
    assert done.stdout == expected.stdout
    assert done.stderr == expected.stderr
    if fmt == "sarif":
        assert json.loads(done.stdout)["runs"][0]["results"]
    else:  # the fixes render templates/destination-rule.yaml.j2 into the diff
        assert "+kind: DestinationRule" in done.stdout
    if fmt == "json":
        assert json.loads(done.stdout)["findings"]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_report_as_from_the_checkout(installed: Path, work: Path, fmt: str) -> None:
    done = patcher_cmd(installed, work, "report", "repo", "--format", fmt)
    expected = checkout("report", "repo", "--format", fmt)
    assert done.returncode == expected.exit_code == 0, done.stderr
    assert done.stdout == expected.stdout
    if fmt == "html":  # the page carries the diagram library from the installed package
        assert "globalThis.__esbuild_esm_mermaid_nm" in done.stdout


def test_apply_writes_the_golden_tree(installed: Path, work: Path) -> None:
    original = read_tree(work / "repo")
    done = patcher_cmd(installed, work, "apply", "--unsafe-fixes", "repo")  # the golden tree has every fix
    assert done.returncode in (0, 1), done.stderr
    assert "updated k8s/kind-config.yaml" in done.stderr.splitlines()
    expected = dict(original)
    for path in (GOLDEN / "deleted.txt").read_text().split():
        del expected[path]
    expected.update({p.relative_to(GOLDEN / "files").as_posix(): p.read_bytes()
                     for p in (GOLDEN / "files").rglob("*") if p.is_file()})
    assert read_tree(work / "repo") == expected
    again = patcher_cmd(installed, work, "apply", "--unsafe-fixes", "repo")
    assert again.returncode == done.returncode
    assert read_tree(work / "repo") == expected


@pytest.mark.parametrize("fmt", [None, "text", "json", "markdown", "sarif"], ids=str)
def test_validate_in_every_format_as_from_the_checkout(installed: Path, work: Path, fmt: str | None) -> None:
    args = ["validate", "repo"] + (["--format", fmt] if fmt else [])
    done = patcher_cmd(installed, work, *args)
    expected = checkout(*args)
    assert done.returncode == expected.exit_code == 0
    assert done.stdout == expected.stdout
    if fmt in (None, "text"):
        assert done.stdout == BASE_NOTE_TEXT + "no findings\n"


def test_validate_checks_istio_kinds_with_the_shipped_schemas(installed: Path, work: Path) -> None:
    repo = work / "small"
    repo.mkdir()
    (repo / "gateway.yaml").write_text(BAD_GATEWAY)
    (repo / "widgets.yaml").write_text(WIDGETS)
    done = patcher_cmd(installed, work, "validate", "small")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "note: .: 2 custom resource(s) of kinds patcher does not analyse: Widget (2)",
        "note: .: 2 resources of kinds with no schema were not checked: Widget example.com/v1 (2)",
        "  hint: give the schemas with --schema-location or the schema-location setting",
        "gateway.yaml:11:9: critical [schema/invalid-resource] Gateway istio-system/public: "
        "spec.servers.0.port.number: 'eighty' is not of type 'integer'",
        "    why: The API server rejects the resource, or silently drops the field so the setting never applies.",
        "    fix: none (no-fix)",
        "1 finding (1 critical); 1 remains: 1 with no fix",
    ]


def test_a_missing_schema_location_is_an_error(installed: Path, work: Path) -> None:
    done = patcher_cmd(installed, work, "validate", "repo", "--schema-location", "no-such-schemas")
    assert done.returncode == 2
    assert f"error: schema location '{work / 'no-such-schemas'}' does not exist" in done.stderr


def test_rules_as_from_the_checkout(installed: Path, work: Path) -> None:
    for args in (["rules"], ["rules", "--format", "markdown"]):
        done = patcher_cmd(installed, work, *args)
        expected = checkout(*args)
        assert done.returncode == expected.exit_code == 0
        assert done.stdout == expected.stdout
        assert "istio/route-without-timeout" in done.stdout
