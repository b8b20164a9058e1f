"""Bad input: every kind gets a clear message (file, line, column where they
exist, and a hint), and every other file is still analysed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import BASE_ADDONS_MESSAGE, BASE_NOTE, BASE_NOTES, BASE_SUCCESSOR_MESSAGE, CHECKLIST_RULES, copy_tree, read_tree
from patcher.cli import app

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "base"
RUNNER = CliRunner()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_tree(BASE, tmp_path / "repo")


def plan_json(repo: Path) -> tuple[int, dict]:
    result = RUNNER.invoke(app, ["plan", "--format", "json", str(repo)])
    return result.exit_code, json.loads(result.stdout)


def diagnostics(data: dict) -> dict[str, dict]:
    return {d["file"]: d for d in data["diagnostics"]}


def still_analysed(data: dict) -> bool:
    """The eight routing problems of base/ are still all found."""
    return CHECKLIST_RULES <= {f["rule"] for f in data["findings"]}


def test_malformed_yaml(repo: Path) -> None:
    (repo / "k8s" / "broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: [1, 2\n")
    code, data = plan_json(repo)
    d = diagnostics(data)["k8s/broken.yaml"]
    assert (d["level"], d["line"], d["column"]) == ("error", 4, 1)
    assert d["message"].startswith("YAML syntax error:") and d["hint"] == "fix the YAML syntax"
    assert code == 1 and still_analysed(data)


def test_duplicate_keys_take_the_last_value(repo: Path) -> None:
    (repo / "k8s" / "dup.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: dup\n  name: dup2\nspec:\n  ports: [{port: 80}]\n")
    code, data = plan_json(repo)
    d = diagnostics(data)["k8s/dup.yaml"]
    assert (d["level"], d["line"], d["column"]) == ("warning", 5, 3)
    assert d["message"] == "duplicate key 'name': Kubernetes and Helm use the last value"
    assert code == 1 and still_analysed(data)


def test_tabs_get_a_hint(repo: Path) -> None:
    (repo / "k8s" / "tabs.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata:\n\tkey: value\n")
    _, data = plan_json(repo)
    d = diagnostics(data)["k8s/tabs.yaml"]
    assert d["line"] == 4 and "tabs" in d["hint"]


def test_byte_order_mark_is_read_and_kept(repo: Path) -> None:
    script = repo / "k8s" / "kind-config.yaml"
    script.write_bytes(b"\xef\xbb\xbf" + script.read_bytes())
    code, data = plan_json(repo)
    assert data["diagnostics"] == BASE_NOTES and still_analysed(data)
    assert RUNNER.invoke(app, ["apply", "--unsafe-fixes", str(repo)]).exit_code == 0
    assert script.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"hostPort: 8081" not in script.read_bytes()


def test_crlf_line_ends_are_kept_on_edit(repo: Path) -> None:
    path = repo / "k8s" / "kind-config.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert RUNNER.invoke(app, ["apply", "--unsafe-fixes", str(repo)]).exit_code == 0
    data = path.read_bytes()
    assert b"hostPort: 8081" not in data and b"hostPort: 9090\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_non_utf8_file(repo: Path) -> None:
    (repo / "k8s" / "latin1.yaml").write_bytes("metadata:\n  name: caf\xe9\n".encode("latin-1"))
    code, data = plan_json(repo)
    d = diagnostics(data)["k8s/latin1.yaml"]
    assert (d["line"], d["message"]) == (2, "not valid UTF-8 (byte 0xe9)")
    assert d["hint"] == "re-save the file as UTF-8"
    assert code == 1 and still_analysed(data)


def test_file_over_the_size_limit(repo: Path) -> None:
    (repo / ".patcher.yaml").write_text("max-file-size: 100\n")
    big = repo / "k8s" / "big.yaml"
    big.write_text("# padding\n" * 20)
    _, data = plan_json(repo)
    d = diagnostics(data)["k8s/big.yaml"]
    assert d["message"] == "skipped: 200 bytes is over the size limit of 100"
    assert "max-file-size" in d["hint"]


def test_binary_file_with_a_yaml_name(repo: Path) -> None:
    (repo / "k8s" / "image.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _, data = plan_json(repo)
    d = diagnostics(data)["k8s/image.yaml"]
    assert d["message"] == "binary content (NUL bytes) in a text file"
    assert still_analysed(data)


def test_symlink_out_of_the_repository_is_not_followed(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: outside\n")
    os.symlink(outside, repo / "k8s" / "outside.yaml")
    code, data = plan_json(repo)
    d = diagnostics(data)["k8s/outside.yaml"]
    assert (d["level"], d["message"]) == ("note", "symbolic link to a file outside the repository: not followed")
    assert still_analysed(data)


def test_symlinked_file_is_edited_where_it_is_never_through_the_link(repo: Path) -> None:
    target = repo / "k8s" / "kind-config.yaml"
    real = repo / "kind-real.yaml"
    target.rename(real)
    os.symlink(real, target)
    planned = RUNNER.invoke(app, ["plan", str(repo)])
    assert "diff --git a/kind-real.yaml b/kind-real.yaml" in planned.stdout
    assert "k8s/kind-config.yaml" not in planned.stdout
    assert "note: k8s/kind-config.yaml: symbolic link to 'kind-real.yaml', which is read in its place" in planned.stderr
    before = read_tree(repo)
    result = RUNNER.invoke(app, ["apply", str(repo)])
    assert result.exit_code == 1, result.stderr
    assert "updated kind-real.yaml" in result.stderr
    assert target.is_symlink() and os.readlink(target) == str(real)
    assert read_tree(repo)["kind-real.yaml"] != before["kind-real.yaml"]


def test_read_only_file_stops_the_apply_before_any_write(repo: Path) -> None:
    path = repo / "k8s" / "kind-config.yaml"
    path.chmod(0o444)
    before = read_tree(repo)
    result = RUNNER.invoke(app, ["apply", str(repo)])
    assert result.exit_code == 2
    assert "k8s/kind-config.yaml: the file is read-only; nothing was written" in result.stderr
    assert "chmod u+w" in result.stderr
    assert read_tree(repo) == before


def test_chart_that_fails_to_render(repo: Path) -> None:
    template = repo / "helm" / "app-stack" / "templates" / "broken.yaml"
    template.write_text("value: {{ .Values.does.not.exist }}\n")
    code, data = plan_json(repo)
    d = diagnostics(data)["helm/app-stack/Chart.yaml"]
    assert d["message"].startswith("Helm could not render the chart:")
    assert "broken.yaml" in d["message"] and len(d["message"]) < 400
    assert "helm template" in d["hint"]
    assert code == 1
    assert {f["rule"] for f in data["findings"]} >= {"kind/unmapped-gateway-port", "istio/route-without-timeout"}


def test_missing_chart_dependency(repo: Path) -> None:
    chart = repo / "helm" / "app-stack" / "Chart.yaml"
    chart.write_text(chart.read_text() + "dependencies:\n  - name: redis\n    version: 1.0.0\n"
                     "    repository: https://charts.example.com\n")
    _, data = plan_json(repo)
    d = diagnostics(data)["helm/app-stack/Chart.yaml"]
    assert d["level"] == "warning"
    assert d["message"] == "dependency 'redis' is declared but missing from charts/; its resources are not analysed"
    assert "helm dependency build" in d["hint"] and still_analysed(data)


def test_unknown_kinds_and_custom_resources_are_counted(repo: Path) -> None:
    (repo / "k8s" / "certs.yaml").write_text(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: a\n---\n"
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: b\n---\n"
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n")
    code, data = plan_json(repo)
    notes = [d for d in data["diagnostics"] if d["level"] == "note"]
    # base's kustomization does not list the new file: nothing deploys it, and the count says so too
    assert [n["message"] for n in notes] == [
        BASE_ADDONS_MESSAGE, "3 custom resource(s) of kinds patcher does not analyse: Certificate (2), Widget (1)",
        "3 resource(s) no entry point deploys, analysed only for their own defects (never as coverage, never "
        "paired with deployed ones): k8s/certs.yaml", BASE_SUCCESSOR_MESSAGE,
        "3 resources of kinds with no schema were not checked: Certificate cert-manager.io/v1 (2), "
        "Widget example.com/v1 (1)"]
    assert still_analysed(data)


def test_go_template_braces_outside_a_chart(repo: Path) -> None:
    (repo / "k8s" / "templated.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                                 "  name: {{ .Release.Name }}\n")
    _, data = plan_json(repo)
    d = diagnostics(data)["k8s/templated.yaml"]
    assert d["line"] == 4 and "Go-template braces" in d["hint"] and "templates/" in d["hint"]


def test_braces_inside_strings_are_fine(repo: Path) -> None:
    (repo / "k8s" / "alert.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\n"
                                             "data:\n  summary: '{{ $labels.instance }} is down'\n")
    _, data = plan_json(repo)
    assert [d["message"] for d in data["diagnostics"]] == [BASE_NOTE["message"], (
        "1 resource(s) no entry point deploys, analysed only for their own defects (never as coverage, never "
        "paired with deployed ones): k8s/alert.yaml"), BASE_SUCCESSOR_MESSAGE]  # read, not refused: base's kustomization lists it not


def test_empty_file_and_comment_only_document(repo: Path) -> None:
    (repo / "k8s" / "empty.yaml").write_text("")
    (repo / "k8s" / "comments.yaml").write_text("# nothing here yet\n---\n# still nothing\n")
    code, data = plan_json(repo)
    assert data["diagnostics"] == BASE_NOTES and still_analysed(data)


def test_bad_input_never_prints_a_traceback(repo: Path) -> None:
    (repo / "k8s" / "broken.yaml").write_text("a: [\n")
    result = RUNNER.invoke(app, ["plan", str(repo)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr


def test_helm_templates_without_their_chart_are_noted_not_parsed(repo: Path) -> None:
    folder = repo / "vendored" / "templates"
    folder.mkdir(parents=True)
    (folder / "deployment.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                            "  name: {{ include \"x.fullname\" . }}\n")
    code, data = plan_json(repo)
    assert diagnostics(data)["vendored/templates/deployment.yaml"] == {
        "level": "note", "file": "vendored/templates/deployment.yaml", "line": None, "column": None,
        "message": "Helm template outside a chart (no Chart.yaml above it): not rendered, not analysed",
        "hint": ""}
    assert still_analysed(data)
