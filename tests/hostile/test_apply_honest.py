"""apply is as honest as plan: it prints the same errors and warnings, and never writes a fix
whose reasoning depends on something that could not be read (a chart that did not render, a
file that did not parse or could not be read, a resource skipped as malformed). Such a fix is
reported as withheld, with what could not be read, in every format; fixes that cannot depend
on the missing part still go in.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

BASE = Path(__file__).resolve().parents[2] / "base"
SCHEMA = json.loads((BASE.parent / "docs" / "plan.schema.json").read_text(encoding="utf-8"))
BROKEN_CHART = {
    "helm/broken/Chart.yaml": "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
    "helm/broken/templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n"
                                          "  name: {{ .Values.name | nosuchfunction }}\n",
}
CHART_REASON = ("withheld: its reasoning depends on what patcher could not read: chart helm/broken "
                "(release broken/default) did not render")
UNUSED_MAPPING = "fix: remove the mapping of host port 8081 [unsafe] ("
TIMEOUT_FIX = "fix: add timeout and retries [safe] (would-fix)"


@pytest.fixture
def repo(hostile):
    shutil.copytree(BASE, hostile.root, dirs_exist_ok=True)
    return hostile


def _problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("error:", "warning:"))]


def _fix_line(stderr: str, start: str) -> str:
    return next(line.strip() for line in stderr.splitlines() if line.strip().startswith(start))


def test_apply_prints_the_errors_and_warnings_plan_prints(repo) -> None:
    repo.write({"k8s/broken.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: x\n",
                "k8s/web.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: app\n",
                **BROKEN_CHART})
    planned = repo.run("plan", str(repo.root))
    applied = repo.run("apply", str(repo.root))
    assert (planned.code, applied.code) == (1, 1), applied.output
    assert _problems(planned.stderr) == _problems(applied.stderr)
    assert _problems(applied.stderr) == [
        "error: k8s/broken.yaml:4:1: YAML syntax error: did not find expected ',' or '}'",
        "error: helm/broken/Chart.yaml: Helm could not render the chart: parse error at "
        "(broken/templates/service.yaml:4): function \"nosuchfunction\" not defined",
        "error: k8s/web.yaml:6: spec.selector is the string 'app', not a mapping: Service default/web skipped, "
        "not analysed",
    ]


def test_a_kind_mapping_is_kept_while_a_chart_that_may_define_its_node_port_fails_to_render(repo) -> None:
    repo.write(BROKEN_CHART)
    kind_config = (repo.root / "k8s/kind-config.yaml").read_text(encoding="utf-8")
    before = repo.snapshot_outside()
    outcome = repo.run("apply", str(repo.root), "--unsafe-fixes")
    repo.assert_contained(outcome, before)
    assert outcome.code == 1, outcome.output
    assert _fix_line(outcome.stderr, UNUSED_MAPPING) == f"{UNUSED_MAPPING}{CHART_REASON})"
    assert (repo.root / "k8s/kind-config.yaml").read_text(encoding="utf-8") == kind_config
    # policy derived from a routing patcher could not see whole is not written either
    assert not (repo.root / "k8s/network-policies.yaml").exists()
    assert not (repo.root / "k8s/istio/peer-authentication.yaml").exists()
    # a timeout on a route does not depend on the chart: it goes in
    assert "timeout: 30s" in (repo.root / "k8s/istio/frontend-virtualservice.yaml").read_text(encoding="utf-8")


def test_without_the_broken_chart_the_same_apply_does_write_those_fixes(repo) -> None:
    # the control for the test above: what is withheld there is written when nothing is missing
    outcome = repo.run("apply", str(repo.root), "--unsafe-fixes")
    assert "withheld" not in outcome.stderr, outcome.stderr
    assert (repo.root / "k8s/network-policies.yaml").exists()
    assert "31542" not in (repo.root / "k8s/kind-config.yaml").read_text(encoding="utf-8")


def test_a_file_that_does_not_parse_withholds_the_fixes_that_rely_on_what_it_may_hold(repo) -> None:
    repo.write({"k8s/broken.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: x\n"})
    outcome = repo.run("plan", str(repo.root), "--unsafe-fixes")
    assert outcome.code == 1, outcome.output
    reason = "withheld: its reasoning depends on what patcher could not read: k8s/broken.yaml (not parsed)"
    assert _fix_line(outcome.stderr, UNUSED_MAPPING) == f"{UNUSED_MAPPING}{reason})"
    assert _fix_line(outcome.stderr, "fix: use http://localhost") == f"fix: use http://localhost [safe] ({reason})"
    assert TIMEOUT_FIX in outcome.stderr
    assert outcome.stderr.splitlines()[-1].endswith("withheld (they rely on what could not be read)")


def test_the_script_url_rewrite_is_withheld_when_a_script_cannot_be_read(repo) -> None:
    repo.write({"scripts/08-serve.sh": b"#!/bin/sh\n# caf\xe9\ndocker run -p 8080:80 nginx\n"})
    script = (repo.root / "scripts/07-test-api-endpoints.sh").read_text(encoding="utf-8")
    outcome = repo.run("apply", str(repo.root))
    assert outcome.code == 1, outcome.output
    assert "error: scripts/08-serve.sh:2: not valid UTF-8 (byte 0xe9)" in outcome.stderr
    line = _fix_line(outcome.stderr, "fix: use http://localhost")
    assert line == ("fix: use http://localhost [safe] (withheld: its reasoning depends on what patcher could "
                    "not read: scripts/08-serve.sh (not valid UTF-8 (byte 0xe9)))")
    assert (repo.root / "scripts/07-test-api-endpoints.sh").read_text(encoding="utf-8") == script


ROUTED = {
    "k8s/shop.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata: {name: web-frontend, namespace: shop}\n"
        "spec:\n  selector: {app: web}\n  ports: [{port: 80}]\n"
        "---\n"
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: shop, namespace: shop}\n"
        "spec:\n  hosts: [shop.example.com]\n  http:\n    - route:\n        - destination: {host: frontend}\n"
        "      timeout: 5s\n      retries: {attempts: 2}\n"),
    # deployed, so that the route pairs with the Services (a file no entry point applies never does)
    "scripts/09-deploy-shop.sh": "#!/bin/sh\nkubectl apply -f k8s/shop.yaml -f k8s/frontend.yaml\n",
}
MISSING = "[istio/route-to-missing-service] VirtualService shop/shop routes to frontend"


def test_a_route_is_not_renamed_while_a_service_of_its_namespace_could_not_be_read(repo) -> None:
    repo.write({**ROUTED, "k8s/frontend.yaml": "apiVersion: v1\nkind: Service\n"
                                               "metadata: {name: frontend, namespace: shop}\nspec:\n  selector: app\n"})
    outcome = repo.run("plan", str(repo.root))
    assert MISSING in outcome.stderr, outcome.stderr
    assert _fix_line(outcome.stderr, "fix: route to web-frontend") == (
        "fix: route to web-frontend [safe] (withheld: its reasoning depends on what patcher could not read: "
        "Service shop/frontend in k8s/frontend.yaml (malformed: spec.selector))")


def test_a_malformed_service_of_another_namespace_does_not_withhold_the_route_fix(repo) -> None:
    repo.write({**ROUTED, "k8s/frontend.yaml": "apiVersion: v1\nkind: Service\n"
                                               "metadata: {name: frontend, namespace: other}\nspec:\n  selector: app\n"})
    outcome = repo.run("plan", str(repo.root))
    assert MISSING in outcome.stderr, outcome.stderr
    assert _fix_line(outcome.stderr, "fix: route to web-frontend") == "fix: route to web-frontend [safe] (would-fix)"


def test_a_withheld_fix_is_reported_in_json_sarif_and_markdown(repo) -> None:
    repo.write(BROKEN_CHART)
    out = repo.root.parent
    outcome = repo.run("plan", str(repo.root), "--unsafe-fixes", "--format", "json",
                       "--output-file", f"sarif={out / 'plan.sarif'}", "--output-file", f"markdown={out / 'plan.md'}")
    assert outcome.code == 1, outcome.output
    data = json.loads(outcome.stdout)
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)) == []
    unused = [f for f in data["findings"] if f["rule"] == "kind/unused-port-mapping"]
    assert {(f["status"], f["reason"]) for f in unused} == {("withheld", CHART_REASON[len("withheld: "):])}
    assert all(f["fix"]["status"] == "withheld" for f in unused)
    sarif = json.loads((out / "plan.sarif").read_text(encoding="utf-8"))
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "kind/unused-port-mapping"]
    assert results and all(r["properties"]["fixStatus"] == "withheld" and "fixes" not in r for r in results)
    markdown = (out / "plan.md").read_text(encoding="utf-8")
    assert f"| {CHART_REASON} |" in markdown
    for name in ("plan.sarif", "plan.md"):
        (out / name).unlink()  # the containment check counts what lies beside the repository
