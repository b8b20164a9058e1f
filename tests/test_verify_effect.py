"""Effect verification (patcher.verify.effect): after a fix pass, what kustomize builds must differ
from before exactly by the changes the fixes declare; a fix whose edit changes nothing deployed is
taken out of the pass, which is applied again without it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from helpers import apply, plan, read_tree
from patcher.config import load_config
from patcher.edits import InsertKey
from patcher.findings import Finding, Fix, Severity
from patcher.intent.changes import AddKey, Change, ResourceRef
from patcher.model import build_model
from patcher.plan import load_workspace
from patcher.verify.effect import effect_failures
from patcher.workspace import ParseCache

pytestmark = pytest.mark.skipif(__import__("shutil").which("kubectl") is None, reason="needs kubectl")

RULE = "istio/route-without-timeout"
RETRIES = "      retries: {attempts: 2, perTryTimeout: 2s, retryOn: connect-failure}\n"


def virtual_service(name: str, host: str) -> str:
    return (f"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {name}\n"
            f"spec:\n  hosts: [{host}]\n  http:\n    - route:\n        - destination: {{host: {name}}}\n"
            + RETRIES)


BASE = {
    "base/kustomization.yaml": "resources: [quota.yaml, ledger.yaml]\n",
    "base/quota.yaml": virtual_service("quota", "quota.example.test"),
    "base/ledger.yaml": virtual_service("ledger", "ledger.example.test"),
}


# the overlay replaces quota's whole first route: a timeout written into the base never reaches the build
ROUTE_REPLACED = {**BASE,
                  "shop/kustomization.yaml": ("namespace: shop\nresources: [../base]\npatches:\n"
                                              "  - path: route.yaml\n"
                                              "    target: {kind: VirtualService, name: quota}\n"),
                  "shop/route.yaml": ("- op: replace\n  path: /spec/http/0\n  value:\n"
                                      "    route:\n      - destination: {host: quota-v2}\n"
                                      "    retries: {attempts: 2, perTryTimeout: 2s, retryOn: reset}\n")}


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def rows(result) -> list[tuple]:
    return [(f.location.file, f.message, r.status, r.reason) for f, r in zip(result.findings, result.results)]


def test_a_base_edit_an_overlay_patch_overrides_is_never_written(tmp_path: Path) -> None:
    # the overlay replaces quota's whole first route: a timeout written into the base never reaches the build.
    # Placement sees the patch and refuses first; verification is the net for what placement cannot
    # foresee (a generated resource a patch rewrites, below).
    root = write(tmp_path, ROUTE_REPLACED)
    before = read_tree(root)
    result = apply(root, RULE)
    assert rows(result) == [
        ("base/ledger.yaml", "route 0 of VirtualService shop/ledger has no timeout", "fixed", ""),
        ("base/quota.yaml", "route 0 of VirtualService shop/quota has no timeout", "skipped-unsafe",
         "shown, never applied; VirtualService shop/quota (built by shop) gets spec.http.0 from shop/route.yaml: "
         "the edit in base/quota.yaml would not change what kustomize builds; change the patch instead"),
    ]
    # the pass was applied again without it: only ledger's fix is written, and logged
    assert [(a.number, a.finding.location.file) for a in result.applied] == [(1, "base/ledger.yaml")]
    after = read_tree(root)
    assert after["base/quota.yaml"] == before["base/quota.yaml"]
    assert after["base/ledger.yaml"].decode() == BASE["base/ledger.yaml"] + "      timeout: 30s\n"
    assert {p for p in after if after[p] != before[p]} == {"base/ledger.yaml"}


def test_a_base_edit_the_overlay_leaves_alone_is_verified_and_written(tmp_path: Path) -> None:
    # the overlay patches only the hosts: the timeout written into the base is what is built
    root = write(tmp_path, {**BASE,
                            "shop/kustomization.yaml": ("namespace: shop\nresources: [../base]\npatches:\n"
                                                        "  - path: hosts.yaml\n"
                                                        "    target: {kind: VirtualService, name: quota}\n"),
                            "shop/hosts.yaml": "- op: replace\n  path: /spec/hosts\n  value: [quota.shop.test]\n"})
    before = read_tree(root)
    result = apply(root, RULE)
    assert rows(result) == [
        ("base/ledger.yaml", "route 0 of VirtualService shop/ledger has no timeout", "fixed", ""),
        ("base/quota.yaml", "route 0 of VirtualService shop/quota has no timeout", "fixed", ""),
    ]
    assert [(a.number, a.finding.location.file) for a in result.applied] == [
        (1, "base/ledger.yaml"), (1, "base/quota.yaml")]
    after = read_tree(root)
    for name in ("base/quota.yaml", "base/ledger.yaml"):
        assert after[name].decode() == BASE[name] + "      timeout: 30s\n"
    assert {p for p in after if after[p] != before[p]} == {"base/quota.yaml", "base/ledger.yaml"}
    assert plan(root, RULE).findings == ()  # the built routes now carry the timeout


def test_the_plan_says_the_same_without_writing(tmp_path: Path) -> None:
    root = write(tmp_path, ROUTE_REPLACED)
    before = read_tree(root)
    result = plan(root, RULE)
    assert [r.status for r in result.results] == ["would-fix", "skipped-unsafe"]
    assert [c.path for c in result.changes] == ["base/ledger.yaml"]
    assert read_tree(root) == before


def test_a_new_resource_an_overlay_patch_rewrites_fails_verification(tmp_path: Path) -> None:
    # a patch for every DestinationRule replaces the traffic policy the generated one carries
    root = write(tmp_path, {
        "shop/kustomization.yaml": ("namespace: shop\nresources: [quota.yaml]\npatches:\n"
                                    "  - target: {kind: DestinationRule}\n    patch: |-\n"
                                    "      - op: replace\n        path: /spec/trafficPolicy\n"
                                    "        value: {tls: {mode: ISTIO_MUTUAL}}\n"),
        "shop/quota.yaml": ("apiVersion: v1\nkind: Service\nmetadata:\n  name: quota\nspec:\n"
                            "  selector: {app: quota}\n  ports:\n    - port: 8080\n---\n"
                            + virtual_service("quota", "quota.example.test") + "      timeout: 5s\n"),
    })
    before = read_tree(root)
    result = apply(root, "istio/destination-without-circuit-breaker")
    assert rows(result) == [(
        "shop/quota.yaml", "Service shop/quota receives traffic but no DestinationRule sets a circuit breaker for it",
        "failed-verification",
        "a Kustomize patch in shop/kustomization.yaml sets spec.trafficPolicy of the new DestinationRule "
        "shop/quota (built by kustomize from shop): what is deployed is not what the fix writes")]
    assert result.applied == () and result.changes == ()
    assert read_tree(root) == before


def _model(root: Path, texts: dict[str, str] | None = None):
    workspace, _ = load_workspace(root)
    if texts:
        workspace = workspace.with_texts({**workspace.texts, **texts})
    return build_model(workspace, load_config(root), ParseCache())


def _timeout_fix(model, name: str, edits=(), changes: bool = True) -> Finding:
    [vs] = [r for r in model.resources if r.kind == "VirtualService" and r.name == name]
    change = Change(ResourceRef.of(vs), (AddKey(("spec", "http", 0), "timeout", "30s"),))
    fix = Fix("add timeout", tuple(edits), changes=(change,) if changes else ())
    return Finding(RULE, Severity.RECOMMENDED, f"{name} has no timeout", vs.location(("spec", "http", 0)), fix=fix)


def test_a_fix_that_also_changes_another_resource_is_named(tmp_path: Path) -> None:
    # two VirtualServices in one file: the fix states a timeout for quota, its text also rewrites ledger
    text = BASE["base/quota.yaml"] + "---\n" + BASE["base/ledger.yaml"]
    root = write(tmp_path, {"shop/kustomization.yaml": "namespace: shop\nresources: [vs.yaml]\n",
                            "shop/vs.yaml": text})
    before = _model(root)
    new = text.replace("retryOn: connect-failure}\n---", "retryOn: connect-failure}\n      timeout: 30s\n---")
    assert new != text
    after_ok = _model(root, {"shop/vs.yaml": new})
    edit = InsertKey("shop/vs.yaml", 0, ("spec", "http", 0), "timeout", "30s")
    fix = _timeout_fix(before, "quota", [edit])
    assert effect_failures(before, after_ok, [fix]) == {}
    after_both = _model(root, {"shop/vs.yaml": new.replace("[ledger.example.test]", "[ledger.other.test]")})
    assert effect_failures(before, after_both, [fix]) == {fix.identity: (
        "it also changes VirtualService shop/ledger (built by kustomize from shop), which it does not declare "
        "(at spec.hosts.0)")}
    # the same change next to a fix that states no effect: either may have made it, neither is blamed
    legacy = dataclasses.replace(fix, rule="istio/other", fix=dataclasses.replace(fix.fix, changes=()))
    assert effect_failures(before, after_both, [fix, legacy]) == {}
    # and the stated change not made at all: the fix has no effect
    assert effect_failures(before, before, [fix]) == {fix.identity: (
        "the edit has no effect on VirtualService shop/quota as deployed (built by kustomize from shop)")}


def test_two_fixes_stating_one_change_are_verified_as_the_one_edit_written(tmp_path: Path) -> None:
    # a merge completing a route and the route's own fix add the same timeout: the plan writes
    # the shared edit once, so the expected resource has it once and neither fix fails
    root = write(tmp_path, {"shop/kustomization.yaml": "namespace: shop\nresources: [vs.yaml]\n",
                            "shop/vs.yaml": BASE["base/quota.yaml"]})
    before = _model(root)
    after = _model(root, {"shop/vs.yaml": BASE["base/quota.yaml"] + "      timeout: 30s\n"})
    edit = InsertKey("shop/vs.yaml", 0, ("spec", "http", 0), "timeout", "30s")
    own = _timeout_fix(before, "quota", [edit])
    merge = dataclasses.replace(own, rule="istio/duplicate-gateway-host")
    assert own.identity != merge.identity
    assert effect_failures(before, after, [own, merge]) == {}
