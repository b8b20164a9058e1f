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

from helpers import BASE_NOTE_TEXT, copy_tree, read_tree
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


BAD_GATEWAY = {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "g"},
               "spec": {"servers": [{"port": {"number": "eighty", "name": "http", "protocol": "HTTP"},
                                     "hosts": ["*"]}]}}


def test_istio_and_argo_cd_schemas_ship_with_patcher() -> None:
    validator = Validator(None)
    [error] = validator.errors(BAD_GATEWAY)
    assert (error.where, error.message) == ("spec.servers.0.port.number", "'eighty' is not of type 'integer'")
    errors = validator.errors({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                               "metadata": {"name": "a"}, "spec": {"project": "default", "destinations": {}}})
    assert [(e.where, e.message) for e in errors] == [
        ("spec", "'destination' is a required property"),
        ("spec.destinations", "Additional properties are not allowed ('destinations' was unexpected)")]
    assert validator.errors({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                             "metadata": {"name": "p"}, "spec": {"mtls": {"mode": "STRICT"}}}) == []


def test_kinds_with_no_schema_are_counted_never_valid() -> None:
    validator = Validator(None)
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "a"}}
    assert validator.errors(widget) is None
    assert validator.errors(widget) is None  # the same resource again is counted once
    assert validator.errors(dict(widget, metadata={"name": "w", "namespace": "b"})) is None
    assert validator.errors({"apiVersion": "v1", "kind": "Widget", "metadata": {"name": "w"}}) is None
    assert validator.errors(BAD_GATEWAY)
    [note] = validator.unchecked_note()
    assert (note.level, note.file, note.message, note.hint) == (
        "note", ".", "3 resources of kinds with no schema were not checked: Widget example.com/v1 (2), Widget v1 (1)",
        "give the schemas with --schema-location or the schema-location setting")
    assert Validator(None).unchecked_note() == []


def test_a_schema_location_overrides_the_shipped_schemas_for_its_kinds_only(tmp_path: Path) -> None:
    folder = tmp_path / "networking.istio.io"
    folder.mkdir()
    (folder / "gateway_v1.json").write_text(json.dumps(
        {"type": "object", "properties": {"spec": {"type": "object", "required": ["selector"]}}}))
    validator = Validator(str(tmp_path))
    [error] = validator.errors(BAD_GATEWAY)  # the location's schema, not the shipped one
    assert (error.where, error.message) == ("spec", "'selector' is a required property")
    bad_route = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "v"},
                 "spec": {"hosts": ["*"], "htp": []}}
    [error] = validator.errors(bad_route)  # the shipped schema still checks the kinds the location lacks
    assert error.message == "Additional properties are not allowed ('htp' was unexpected)"


@pytest.mark.parametrize("location", ["missing", "missing/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"])
def test_a_schema_location_that_does_not_exist_is_an_error(tmp_path: Path, location: str) -> None:
    (tmp_path / "dr.yaml").write_text(BAD_DR)
    (tmp_path / ".patcher.yaml").write_text(f"schema-location: {location.replace('{root}', str(tmp_path))}\n")
    for command in (["validate", str(tmp_path)], ["plan", str(tmp_path)], ["apply", str(tmp_path)]):
        result = RUNNER.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert result.stderr == (f"error: schema location '{tmp_path / 'missing'}' does not exist\n"
                                 "  hint: give a folder laid out as <group>/<kind>_<version>.json, or a URL template\n")


def test_a_schema_location_on_the_command_line_is_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "dr.yaml").write_text(BAD_DR)
    shutil.copytree(shared / "schemas", tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["validate", "repo", "--schema-location", "schemas"])
    assert result.exit_code == 1, result.output
    assert "spec.connectionPool: Additional properties are not allowed" in result.stdout
    missing = RUNNER.invoke(app, ["validate", "repo", "--schema-location", "repo/schemas"])
    assert missing.exit_code == 2
    assert missing.stderr.startswith(f"error: schema location '{tmp_path / 'repo' / 'schemas'}' does not exist\n")


def test_validate_notes_the_resources_it_could_not_check(tmp_path: Path) -> None:
    (tmp_path / "dr.yaml").write_text(BAD_DR)
    (tmp_path / "widget.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n")
    result = RUNNER.invoke(app, ["validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [f["location"]["file"] for f in data["findings"]] == ["dr.yaml"]  # the shipped schema, no location
    assert [(d["level"], d["message"]) for d in data["diagnostics"]] == [
        ("note", "1 custom resource(s) of kinds patcher does not analyse: Widget (1)"),
        ("note", "1 resource of a kind with no schema was not checked: Widget example.com/v1 (1)")]


def test_plan_notes_a_fixed_resource_it_could_not_check() -> None:
    """Fixes are schema-checked before they are written; an IstioOperator has no schema to check against."""
    before = REPO / "tests" / "fixtures" / "kind" / "unmapped-gateway-port" / "istio-operator-gateway" / "before"
    data = json.loads(RUNNER.invoke(app, ["plan", str(before), "--format", "json"]).stdout)
    assert "istio/operator.yaml" in {c["file"] for c in data["changes"]}
    assert [(d["level"], d["message"]) for d in data["diagnostics"]] == [
        ("note", "1 resource of a kind with no schema was not checked: IstioOperator install.istio.io/v1alpha1 (1)")]


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
    assert result.stdout == BASE_NOTE_TEXT + "no findings\n"


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
    before = read_tree(repo)
    result = RUNNER.invoke(app, ["apply", "--rule", "istio/destination-without-circuit-breaker",
                                 "--schema-location", str(schemas), str(repo)])
    assert result.exit_code == 1
    plan = RUNNER.invoke(app, ["plan", "--format", "json", "--rule", "istio/destination-without-circuit-breaker",
                               "--schema-location", str(schemas), str(repo)])
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


def test_a_fix_to_a_resource_already_failing_its_schema_is_written(tmp_path: Path) -> None:
    """The shipped schema rejects the weight; adding the timeout is not what made it invalid."""
    (tmp_path / "vs.yaml").write_text("""apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews}
          weight: abc
""")
    result = RUNNER.invoke(app, ["apply", "--rule", "istio/route-without-timeout", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "timeout: 30s" in (tmp_path / "vs.yaml").read_text()
    assert RUNNER.invoke(app, ["validate", str(tmp_path)]).stdout.splitlines()[0] == (
        "vs.yaml:10:11: critical [schema/invalid-resource] VirtualService default/reviews: "
        "spec.http.0.route.0.weight: 'abc' is not of type 'integer'")
