"""Effect verification (patcher.verify.effect): after a fix pass, what kustomize builds must differ
from before exactly by the changes the fixes declare; a fix whose edit changes nothing deployed is
taken out of the pass, which is applied again without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import apply, plan, read_tree

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


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def rows(result) -> list[tuple]:
    return [(f.location.file, f.message, r.status, r.reason) for f, r in zip(result.findings, result.results)]


def test_a_base_edit_an_overlay_patch_overrides_fails_verification(tmp_path: Path) -> None:
    # the overlay replaces quota's whole first route: a timeout written into the base never reaches the build
    root = write(tmp_path, {**BASE,
                            "shop/kustomization.yaml": ("namespace: shop\nresources: [../base]\npatches:\n"
                                                        "  - path: route.yaml\n"
                                                        "    target: {kind: VirtualService, name: quota}\n"),
                            "shop/route.yaml": ("- op: replace\n  path: /spec/http/0\n  value:\n"
                                                "    route:\n      - destination: {host: quota-v2}\n"
                                                "    retries: {attempts: 2, perTryTimeout: 2s, retryOn: reset}\n")})
    before = read_tree(root)
    result = apply(root, RULE)
    assert rows(result) == [
        ("base/ledger.yaml", "route 0 of VirtualService shop/ledger has no timeout", "fixed", ""),
        ("base/quota.yaml", "route 0 of VirtualService shop/quota has no timeout", "failed-verification",
         "a Kustomize patch in shop/route.yaml sets spec.http.0 of VirtualService shop/quota (built by kustomize "
         "from shop): the edit has no effect on what is deployed; change the patch instead"),
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
    root = write(tmp_path, {**BASE,
                            "shop/kustomization.yaml": ("namespace: shop\nresources: [../base]\npatches:\n"
                                                        "  - path: route.yaml\n"
                                                        "    target: {kind: VirtualService, name: quota}\n"),
                            "shop/route.yaml": ("- op: replace\n  path: /spec/http/0\n  value:\n"
                                                "    route:\n      - destination: {host: quota-v2}\n"
                                                "    retries: {attempts: 2, perTryTimeout: 2s, retryOn: reset}\n")})
    before = read_tree(root)
    result = plan(root, RULE)
    assert [r.status for r in result.results] == ["would-fix", "failed-verification"]
    assert [c.path for c in result.changes] == ["base/ledger.yaml"]
    assert read_tree(root) == before
