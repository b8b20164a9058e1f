"""A change to the ingress Service an Argo CD Application's ``helm.values: |`` configures: placed
inside that string (patcher.place.inline_values), the outer file changed only inside the block,
and verified by the model the new values give (patcher.verify.effect)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from patcher.config import load_config
from patcher.edits import EditInline
from patcher.findings import Finding, Fix, Severity
from patcher.intent.changes import AddItem, Change, ResourceRef, Set
from patcher.model import build_model
from patcher.place.placement import place_fix
from patcher.plan import load_workspace
from patcher.render.data import edit_data
from patcher.transform import apply_edits
from patcher.verify import verify_file
from patcher.verify.effect import effect_failures
from patcher.workspace import ParseCache

APP = "argocd/gateway.yaml"
HEAD = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: edge-gateway\n  namespace: argocd\n"
        "spec:\n  project: default\n  source:\n    repoURL: https://istio-release.storage.googleapis.com/charts\n"
        "    chart: gateway\n    targetRevision: 1.24.2\n    helm:\n")
VALUES = ("      values: |\n        # the kind cluster maps these node ports\n        service:\n          type: NodePort\n"
          "          ports:\n            - name: http2\n              port: 80\n              targetPort: 80\n"
          "              nodePort: 32180\n")
TAIL = "  destination:\n    server: https://kubernetes.default.svc\n    namespace: edge\n"
HTTPS = {"name": "https", "port": 443, "targetPort": 443, "nodePort": 32543}


def _model(root: Path, texts: dict[str, str] | None = None):
    workspace, _ = load_workspace(root)
    if texts:
        workspace = workspace.with_texts({**workspace.texts, **texts})
    return build_model(workspace, load_config(root), ParseCache())


def _service(model):
    [svc] = [r for r in model.resources if r.kind == "Service"]
    return svc


def _finding(svc, *ops) -> Finding:
    fix = Fix("add port 443", (), changes=(Change(ResourceRef.of(svc), ops),))
    return Finding("kind/unmapped-gateway-port", Severity.CRITICAL, "no port 443", svc.location(("spec", "ports")),
                   fix=fix)


def test_a_port_added_to_the_inline_values_is_written_in_the_block_and_verified(tmp_path: Path) -> None:
    (tmp_path / "argocd").mkdir()
    text = HEAD + VALUES + TAIL
    (tmp_path / APP).write_text(text)
    before = _model(tmp_path)
    svc = _service(before)
    assert (svc.ref, svc.source.block) == ("Service edge/edge-gateway", ("spec", "source", "helm", "values"))
    assert svc.file_path(("spec", "ports")) is None  # not YAML of the file: only an inline edit reaches it
    finding = _finding(svc, AddItem(("spec", "ports"), HTTPS))
    fix = place_fix(before, finding.fix)
    [edit] = fix.edits
    assert isinstance(edit, EditInline) and (edit.file, edit.doc, edit.path) == (APP, 0, svc.source.block)
    new = apply_edits({APP: text}, fix.edits, lambda p: text)[APP]
    assert new == HEAD + VALUES + ("            - name: https\n              port: 443\n              targetPort: 443\n"
                                   "              nodePort: 32543\n") + TAIL
    verify_file(APP, text, new, fix.edits)
    after = _model(tmp_path, {APP: new})
    assert [p["port"] for p in _service(after).data["spec"]["ports"]] == [80, 443]
    assert effect_failures(before, after, [finding]) == {}
    # the same change claimed while the values stay as they were: no effect, and verification says so
    assert effect_failures(before, before, [finding]) == {finding.identity: (
        "the edit has no effect on Service edge/edge-gateway as deployed")}


def test_a_field_the_values_do_not_write_is_refused(tmp_path: Path) -> None:
    (tmp_path / "argocd").mkdir()
    (tmp_path / APP).write_text(HEAD + VALUES + TAIL)
    model = _model(tmp_path)
    svc = _service(model)
    fix = place_fix(model, _finding(svc, Set(("spec", "type"), "NodePort", "LoadBalancer")).fix)
    assert (fix.edits, fix.applicability.label, fix.reason) == (
        (), "display-only", f"spec.type of Service edge/edge-gateway is not written in the inline values of {APP}")


def test_the_inline_edit_in_json_matches_the_plan_schema(tmp_path: Path) -> None:
    (tmp_path / "argocd").mkdir()
    (tmp_path / APP).write_text(HEAD + VALUES + TAIL)
    model = _model(tmp_path)
    [edit] = place_fix(model, _finding(_service(model), AddItem(("spec", "ports"), HTTPS)).fix).edits
    data = edit_data(edit)
    assert data == {"type": "EditInline", "file": APP, "doc": 0, "path": ["spec", "source", "helm", "values"],
                    "edits": [{"type": "InsertItem", "file": APP, "doc": 0, "path": ["service", "ports"],
                               "value": HTTPS, "index": None}]}
    schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "plan.schema.json").read_text())
    validator = jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/edit"})
    assert [e.message for e in validator.iter_errors(data)] == []
