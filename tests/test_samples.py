"""The two sample repositories end to end: base/ (the report's shape) and
tests/repos/other (same kinds of problem, other names, ports, namespaces, layout).

Golden data lives in tests/golden/<sample>/: findings.json, the files apply
creates or changes (files/), and the files it deletes (deleted.txt). Every
other file must come out byte-identical.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import apply, copy_tree, finding_rows, plan, read_tree
from patcher.model import build_model
from patcher.config import load_config
from patcher.plan import load_workspace
from patcher.render.text import summary
from patcher.validate import Validator

REPO = Path(__file__).resolve().parent.parent
SAMPLES = {"base": REPO / "base", "other": REPO / "tests" / "repos" / "other"}
GOLDEN = Path(__file__).parent / "golden"
EIGHT = {"kind/unmapped-gateway-port", "script/url-unmapped-port", "istio/duplicate-gateway-host",
         "kind/unused-port-mapping", "istio/route-without-timeout",
         "istio/destination-without-circuit-breaker", "k8s/namespace-without-network-policy",
         "istio/namespace-without-mtls"}


@pytest.fixture(params=sorted(SAMPLES))
def sample(request, tmp_path) -> tuple[str, Path, Path]:
    name = request.param
    return name, SAMPLES[name], copy_tree(SAMPLES[name], tmp_path / name)


def _golden_write(name: str, rows, original: dict, result: dict) -> None:
    target = GOLDEN / name
    shutil.rmtree(target, ignore_errors=True)
    (target / "files").mkdir(parents=True)
    (target / "findings.json").write_text(json.dumps(rows, indent=2) + "\n")
    for path, data in result.items():
        if original.get(path) != data:
            (target / "files" / path).parent.mkdir(parents=True, exist_ok=True)
            (target / "files" / path).write_bytes(data)
    deleted = sorted(set(original) - set(result))
    (target / "deleted.txt").write_text("".join(p + "\n" for p in deleted))


def test_sample_findings_and_fixed_tree(sample, update_golden) -> None:
    name, source, copy = sample
    original = read_tree(source)
    result = apply(copy, unsafe=True)  # the whole review's checklist; the safe subset is tested below
    rows = finding_rows(result)
    after = read_tree(copy)
    if update_golden:
        _golden_write(name, rows, original, after)
    assert rows == json.loads((GOLDEN / name / "findings.json").read_text())
    # the eight checklist rules, and the routing-integrity rules that are true on the sample
    assert {r["rule"] for r in rows} == EIGHT | {"istio/unreachable-route"}
    expected = dict(original)
    for path in (GOLDEN / name / "deleted.txt").read_text().split():
        del expected[path]
    expected.update(read_tree(GOLDEN / name / "files"))
    assert after == expected


def test_second_plan_finds_nothing(sample) -> None:
    _, _, copy = sample
    apply(copy, unsafe=True)
    again = plan(copy)
    assert again.findings == ()
    assert again.changes == ()


def test_fixed_kustomization_builds(sample) -> None:
    _, _, copy = sample
    apply(copy, unsafe=True)
    kustomizations = sorted(copy.rglob("kustomization.yaml"))
    assert kustomizations
    for kust in kustomizations:
        run = subprocess.run(["kubectl", "kustomize", str(kust.parent)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr


def test_every_fixed_resource_validates(sample, shared) -> None:
    _, _, copy = sample
    apply(copy, unsafe=True)
    workspace, diagnostics = load_workspace(copy)
    model = build_model(workspace, load_config(copy))
    # notes name what the repository deploys from elsewhere (the base installs Istio's addons by URL)
    assert diagnostics == [] and [d for d in model.diagnostics if d.level != "note"] == []
    validator = Validator(str(shared / "schemas"))
    problems = {}
    unchecked = []
    for resource in model.resources:
        errors = validator.errors(resource.data)
        if errors is None:
            unchecked.append(resource.ref)
        elif errors:
            problems[resource.ref] = errors
    assert problems == {}
    assert unchecked == []


SUMMARIES = {
    "base": "25 findings (2 critical, 8 medium, 15 recommended); 15 would be fixed, changing 7 files; "
            "10 remain: 5 unsafe (--unsafe-fixes applies them), 5 only shown (to fix by hand)",
    "other": "18 findings (2 critical, 4 medium, 12 recommended); 14 would be fixed, changing 9 files; "
             "4 remain: 2 unsafe (--unsafe-fixes applies them), 2 only shown (to fix by hand)",
}


def test_summary_line(sample) -> None:
    name, source, _ = sample
    assert summary(plan(source)) == SUMMARIES[name]
