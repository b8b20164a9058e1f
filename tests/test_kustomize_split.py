"""A kustomization that only lists resources, built as the sum of its parts
(patcher.deployed.kustomize_split): the same resources, traced to the same files, as the
root built whole by kustomize; and the whole build whenever the sum could differ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patcher.deployed import kustomize_build
from patcher.deployed.kustomize_build import build_roots, kubectl_path
from patcher.incremental import ENV as SPLIT_ENV
from patcher.plan import load_workspace
from patcher.workspace import ParseCache

pytestmark = pytest.mark.skipif(__import__("shutil").which("kubectl") is None, reason="needs kubectl")

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector: {{app: {name}}}\n" \
          "  ports:\n    - port: {port}\n"
DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n"
              "  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
              "    spec:\n      containers:\n        - name: main\n          image: example.test/{name}:1\n")

APPS = {
    "shop/kustomization.yaml": "namespace: shop\nnamePrefix: eu-\nresources: [svc.yaml, deploy.yaml]\n"
                               "patches:\n  - path: replicas.yaml\nconfigMapGenerator:\n"
                               "  - name: settings\n    literals: [mode=fast]\n",
    "shop/svc.yaml": SERVICE.format(name="cart", port=8080),
    "shop/deploy.yaml": DEPLOYMENT.format(name="cart"),
    "shop/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  replicas: 3\n",
    "billing/kustomization.yaml": "resources:\n  - ledger.yaml\n",
    "billing/ledger.yaml": SERVICE.format(name="ledger", port=7000) + "---\n" + DEPLOYMENT.format(name="ledger"),
}


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def built(root: Path, roots: list[str], monkeypatch, split: bool, calls: list | None = None) -> dict:
    monkeypatch.setenv(SPLIT_ENV, "1" if split else "0")
    if calls is not None:
        original = kustomize_build._attempt
        monkeypatch.setattr(kustomize_build, "_attempt",
                            lambda kubectl, scope, at, texts: calls.append(at) or original(kubectl, scope, at, texts))
    workspace, _ = load_workspace(root)
    builds = build_roots(workspace, ParseCache(), kubectl_path(), roots)
    return {b.root: (sorted(b.files), b.error, b.refused,
                     sorted((r.file, r.doc, json.dumps(r.data, sort_keys=True), r.patched_by, r.patched_paths)
                            for r in b.resources)) for b in builds}


def test_a_root_listing_folders_and_files_builds_as_its_parts(tmp_path: Path, monkeypatch) -> None:
    root = write(tmp_path, {**APPS, "kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                                                         "kind: Kustomization\nresources:\n  - shop\n"
                                                         "  - ./billing/\n  - gateway.yaml\n",
                            "gateway.yaml": SERVICE.format(name="edge", port=80)})
    calls: list[str] = []
    split = built(root, ["", "shop"], monkeypatch, True, calls)
    # the root's own file, and each folder once (shop is a root of its own too): no whole build
    assert sorted(calls) == ["", "billing", "shop"]
    whole = built(root, ["", "shop"], monkeypatch, False)
    assert split == whole
    files = [r[0] for r in split[""][3]]
    assert files == ["billing/ledger.yaml", "billing/ledger.yaml", "gateway.yaml", "shop/deploy.yaml",
                     "shop/kustomization.yaml", "shop/svc.yaml"]
    deployment = next(r for r in split[""][3] if r[0] == "shop/deploy.yaml")
    assert deployment[3] == ("shop/replicas.yaml",) and json.loads(deployment[2])["spec"]["replicas"] == 3


def test_the_same_object_in_two_parts_is_built_whole_and_kustomize_says_why(tmp_path: Path, monkeypatch) -> None:
    root = write(tmp_path, {**APPS, "kustomization.yaml": "resources: [billing, copy.yaml]\n",
                            "copy.yaml": SERVICE.format(name="ledger", port=7000)})
    calls: list[str] = []
    split = built(root, [""], monkeypatch, True, calls)
    assert calls.count("") == 2  # its own file, then the whole root
    assert split == built(root, [""], monkeypatch, False)
    assert "already registered id" in split[""][1] or "may not add resource" in split[""][1]


def test_a_root_with_a_transformer_is_never_split(tmp_path: Path, monkeypatch) -> None:
    root = write(tmp_path, {**APPS, "kustomization.yaml": "commonLabels: {team: core}\nresources: [shop, billing]\n"})
    calls: list[str] = []
    split = built(root, [""], monkeypatch, True, calls)
    assert calls == [""]
    assert split == built(root, [""], monkeypatch, False)


def test_a_failing_part_gives_the_whole_roots_own_error(tmp_path: Path, monkeypatch) -> None:
    root = write(tmp_path, {**APPS, "billing/kustomization.yaml": "resources: [ledger.yaml, gone.yaml]\n",
                            "kustomization.yaml": "resources: [shop, billing]\n"})
    split = built(root, [""], monkeypatch, True)
    assert split == built(root, [""], monkeypatch, False)
    assert split[""][1].startswith("`kubectl kustomize .` fails: accumulating resources")


def test_many_files_are_built_in_groups(tmp_path: Path, monkeypatch) -> None:
    files = {f"svc/s{i:03}.yaml": SERVICE.format(name=f"s{i:03}", port=8000 + i) for i in range(100)}
    listing = "".join(f"  - svc/s{i:03}.yaml\n" for i in range(100))
    root = write(tmp_path, {**APPS, **files, "kustomization.yaml": f"resources:\n  - shop\n{listing}"})
    calls: list[str] = []
    split = built(root, [""], monkeypatch, True, calls)
    assert sorted(calls) == ["", "", "", "shop"]  # 48 + 48 + 4 files, and the folder
    assert split == built(root, [""], monkeypatch, False)
    assert len(split[""][3]) == 103  # and the folder's Deployment, Service and generated ConfigMap
