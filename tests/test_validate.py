"""Schema validation: core kinds, custom resources from a folder or a URL
template (downloaded once, then cached), `patcher validate`, and fixes whose
result would fail validation."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import copy_tree, read_tree
from patcher.cli import app
from patcher.validate import Validator

REPO = Path(__file__).resolve().parent.parent
RUNNER = CliRunner()
BAD_DR = """apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: api
  namespace: default
spec:
  host: api
  connectionPool:
    tcp:
      maxConnections: 100
"""


def test_core_kinds_need_no_schema_location() -> None:
    validator = Validator(None)
    ok = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": "80"}]}}
    assert validator.errors(ok) == []
    [error] = validator.errors(bad)
    assert (error.where, error.message) == ("spec.ports.0.port", "'80' is not of type 'integer'")


def test_custom_resources_without_a_location_are_not_checked() -> None:
    assert Validator(None).errors({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                                   "metadata": {"name": "g"}}) is None


def test_istio_kinds_from_a_folder(shared: Path) -> None:
    validator = Validator(str(shared / "schemas"))
    [error] = validator.errors(json.loads(json.dumps(__import__("yaml").safe_load(BAD_DR))))
    assert error.where == "spec.connectionPool"
    assert error.message == "Additional properties are not allowed ('connectionPool' was unexpected)"


@pytest.fixture
def schema_server(shared: Path):
    """The shared schemas served over HTTP on loopback, for the URL-template form."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(shared / "schemas"))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_template_downloads_once_then_uses_the_cache(schema_server: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    template = schema_server + "/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
    gateway = {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "g"},
               "spec": {"servers": [{"port": {"number": "eighty"}}]}}
    expected = ["spec.servers.0", "spec.servers.0.port", "spec.servers.0.port", "spec.servers.0.port.number"]
    errors = Validator(template, cache_dir=tmp_path / "cache").errors(gateway)
    assert [e.where for e in errors] == expected
    assert errors[-1].message == "'eighty' is not of type 'integer'"
    assert len(list((tmp_path / "cache").iterdir())) == 1
    def no_network(*args, **kwargs):
        raise AssertionError("downloaded again instead of using the cache")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    cached = Validator(template, cache_dir=tmp_path / "cache")
    assert [e.where for e in cached.errors(gateway)] == expected


def test_unknown_kind_at_a_url_is_not_an_error(schema_server: str, tmp_path: Path) -> None:
    template = schema_server + "/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
    assert Validator(template, cache_dir=tmp_path).errors(
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}) is None


def test_validate_command_on_base(shared: Path) -> None:
    result = RUNNER.invoke(app, ["validate", str(REPO / "base"), "--schema-location", str(shared / "schemas")])
    assert result.exit_code == 0, result.stdout
    assert result.stdout == "no findings\n"


def test_validate_command_names_resource_field_and_reason(shared: Path, tmp_path: Path) -> None:
    (tmp_path / "dr.yaml").write_text(BAD_DR)
    result = RUNNER.invoke(app, ["validate", str(tmp_path), "--schema-location", str(shared / "schemas")])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "dr.yaml:8:3: critical [schema/invalid-resource] DestinationRule default/api: spec.connectionPool: "
        "Additional properties are not allowed ('connectionPool' was unexpected)")


def test_a_fix_that_would_fail_its_schema_is_not_written(tmp_path: Path, shared: Path) -> None:
    repo = copy_tree(REPO / "base", tmp_path / "repo")
    # a schema that caps the pool size below the configured one makes every generated DestinationRule invalid
    schemas = tmp_path / "schemas"
    shutil.copytree(shared / "schemas", schemas)
    for dr in (schemas / "networking.istio.io").glob("destinationrule_*.json"):
        schema = json.loads(dr.read_text())
        pool = schema["properties"]["spec"]["properties"]["trafficPolicy"]["properties"]["connectionPool"]
        pool["properties"]["tcp"]["properties"]["maxConnections"]["maximum"] = 10
        dr.write_text(json.dumps(schema))
    (repo / ".patcher.yaml").write_text(f"schema-location: {schemas}\n")
    before = read_tree(repo)
    result = RUNNER.invoke(app, ["apply", "--rule", "istio/destination-without-circuit-breaker", str(repo)])
    assert result.exit_code == 1
    plan = RUNNER.invoke(app, ["plan", "--format", "json", "--rule", "istio/destination-without-circuit-breaker",
                               str(repo)])
    data = json.loads(plan.stdout)
    assert {f["fix"]["status"] for f in data["findings"]} == {"failed-verification"}
    reason = data["findings"][0]["fix"]["reason"]
    assert "the fixed DestinationRule default/" in reason
    assert "would fail its schema at spec.trafficPolicy.connectionPool.tcp.maxConnections" in reason
    assert "the fix was not applied" in reason
    assert data["changes"] == []
    assert read_tree(repo) == before


def test_fast_checker_agrees_with_jsonschema_on_the_corpus(shared: Path) -> None:
    """The compiled checker is only a shortcut: on every real document its verdict
    (valid or not) must be jsonschema's."""
    import yaml

    from patcher.validate import _Checker

    validator = Validator(str(shared / "schemas"))
    disagreements, compared = [], 0
    for category in ("k8s", "istio"):
        for path in sorted((shared / "corpus" / category).rglob("*.y*ml")):
            for data in yaml.safe_load_all(path.read_text()):
                if not isinstance(data, dict) or "kind" not in data or "apiVersion" not in data:
                    continue
                key = (str(data["apiVersion"]), str(data["kind"]))
                if key not in validator._validators:
                    validator._validators[key] = validator._build(*key)
                checker: _Checker | None = validator._validators[key]
                if checker is None:
                    continue
                if checker.fast is None:
                    checker.fast = checker._compile()
                if not checker.fast:
                    continue
                precise = not list(checker.precise.iter_errors(data))
                try:
                    checker.fast(data)
                    fast = True
                except Exception:
                    fast = False
                compared += 1
                if precise != fast:
                    disagreements.append(f"{path.relative_to(shared)} {key}: jsonschema {precise}, fast {fast}")
    assert compared > 500
    assert disagreements == []
