"""Kustomize roots as ``kubectl kustomize`` builds them (patcher.deployed.kustomize_build), and
the model that reads them: built data, the source file and document of each resource."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import plan
from patcher import kustomize_run
from patcher.config import load_config
from patcher.deployed.kustomize_build import kustomization_roots, with_build_metadata
from patcher.deployed.overridden import overridden
from patcher.edits import InsertKey, SetValue
from patcher.model import NO_KUBECTL, build_model
from patcher.plan import load_workspace
from patcher.workspace import ParseCache

pytestmark = pytest.mark.skipif(__import__("shutil").which("kubectl") is None, reason="needs kubectl")

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector: {{app: {name}}}\n" \
          "  ports:\n    - port: {port}\n"
DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n"
              "  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
              "    spec:\n      containers:\n        - name: main\n          image: example.test/{name}:1\n")


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def model_of(root: Path, cache: ParseCache | None = None, texts: dict[str, str] | None = None):
    workspace, _ = load_workspace(root)
    if texts:
        workspace = workspace.with_texts({**workspace.texts, **texts})
    return build_model(workspace, load_config(root), cache)


def rows(model, kind: str) -> list[tuple]:
    return [(r.namespace, r.name, r.source.file, r.source.doc, r.source.kustomize_root)
            for r in model.of_kind(kind)]


def test_prefix_suffix_and_namespace_come_from_the_overlay(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [svc.yaml]\n",
        "base/svc.yaml": SERVICE.format(name="quota", port=6100),
        "env/kustomization.yaml": "namePrefix: eu-\nnameSuffix: -v2\nnamespace: billing\nresources: [../base]\n",
    })
    model = model_of(root)
    assert rows(model, "Service") == [("billing", "eu-quota-v2", "base/svc.yaml", 0, "env")]
    [service] = model.of_kind("Service")
    assert service.data["metadata"] == {"name": "eu-quota-v2", "namespace": "billing"}  # origin annotations removed
    assert service.location(("spec", "ports")).line == 7  # in the base file, where the field is written


def test_common_labels_reach_selectors_and_labels_only_metadata(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": ("commonLabels: {tier: payments}\nlabels:\n  - pairs: {owner: ops}\n"
                               "resources: [app.yaml]\n"),
        "app.yaml": DEPLOYMENT.format(name="ledger"),
    })
    [deployment] = model_of(root).of_kind("Deployment")
    assert deployment.data["metadata"]["labels"] == {"tier": "payments", "owner": "ops"}
    assert deployment.data["spec"]["selector"]["matchLabels"] == {"app": "ledger", "tier": "payments"}
    assert deployment.data["spec"]["template"]["metadata"]["labels"] == {"app": "ledger", "tier": "payments"}


def test_strategic_merge_patch_is_merged_and_marks_the_resource(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [app.yaml]\n",
        "base/app.yaml": DEPLOYMENT.format(name="ledger"),
        "prod/kustomization.yaml": "resources: [../base]\npatches:\n  - path: scale.yaml\n",
        "prod/scale.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\nspec:\n  replicas: 4\n",
    })
    [deployment] = model_of(root).of_kind("Deployment")
    assert deployment.data["spec"]["replicas"] == 4
    assert (deployment.source.file, deployment.source.patched_by, deployment.source.patched_paths) == \
        ("base/app.yaml", ("prod/scale.yaml",), (("spec", "replicas"),))


def test_json_6902_patch_is_applied(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [svc.yaml]\n",
        "base/svc.yaml": SERVICE.format(name="quota", port=6100),
        "dev/kustomization.yaml": ("resources: [../base]\npatches:\n  - path: port.yaml\n"
                                   "    target: {kind: Service, name: quota}\n"),
        "dev/port.yaml": "- op: replace\n  path: /spec/ports/0/port\n  value: 6200\n",
    })
    [service] = model_of(root).of_kind("Service")
    assert service.data["spec"]["ports"] == [{"port": 6200}]
    assert (service.source.patched_by, service.source.patched_paths) == (("dev/port.yaml",), (("spec", "ports", 0, "port"),))


def test_components_add_their_resources_and_patches(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": "resources: [app.yaml]\ncomponents: [tracing]\n",
        "app.yaml": DEPLOYMENT.format(name="ledger"),
        "tracing/kustomization.yaml": ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                       "resources: [collector.yaml]\npatches:\n  - path: env.yaml\n"
                                       "    target: {kind: Deployment}\n"),
        "tracing/collector.yaml": SERVICE.format(name="otel-collector", port=4317),
        "tracing/env.yaml": ("- op: add\n  path: /spec/template/spec/containers/0/env\n"
                             "  value: [{name: OTEL_ENDPOINT, value: 'http://otel-collector:4317'}]\n"),
    })
    model = model_of(root)
    assert rows(model, "Service") == [("default", "otel-collector", "tracing/collector.yaml", 0, "")]
    [deployment] = model.of_kind("Deployment")
    assert deployment.data["spec"]["template"]["spec"]["containers"][0]["env"] == \
        [{"name": "OTEL_ENDPOINT", "value": "http://otel-collector:4317"}]
    assert deployment.source.patched_by == ("tracing/env.yaml",)


def test_config_map_generator_is_a_generated_resource_of_its_kustomization(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": ("namespace: shop\nresources: [app.yaml]\nconfigMapGenerator:\n"
                               "  - name: ledger\n    literals: [MODE=strict]\n"),
        "app.yaml": DEPLOYMENT.format(name="ledger").replace(
            "image: example.test/ledger:1\n", "image: example.test/ledger:1\n"
            "          envFrom:\n            - configMapRef: {name: ledger}\n"),
    })
    model = model_of(root)
    [config_map] = model.of_kind("ConfigMap")
    assert config_map.name.startswith("ledger-") and config_map.data["data"] == {"MODE": "strict"}
    assert (config_map.namespace, config_map.source.file, config_map.source.editable) == \
        ("shop", "kustomization.yaml", False)
    [deployment] = model.of_kind("Deployment")
    assert deployment.data["spec"]["template"]["spec"]["containers"][0]["envFrom"] == \
        [{"configMapRef": {"name": config_map.name}}]  # the hashed name, as kustomize rewrites it


def test_replacements_copy_a_field(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": (
            "namePrefix: eu-\nresources: [svc.yaml, app.yaml]\nreplacements:\n  - source: {kind: Service, name: quota}\n"
            "    targets:\n      - select: {kind: Deployment}\n"
            "        fieldPaths: [spec.template.spec.containers.0.env.0.value]\n"),
        "svc.yaml": SERVICE.format(name="quota", port=6100),
        "app.yaml": DEPLOYMENT.format(name="ledger").replace(
            "image: example.test/ledger:1\n",
            "image: example.test/ledger:1\n          env:\n            - {name: QUOTA_HOST, value: quota}\n"),
    })
    [deployment] = model_of(root).of_kind("Deployment")
    assert deployment.data["spec"]["template"]["spec"]["containers"][0]["env"] == \
        [{"name": "QUOTA_HOST", "value": "eu-quota"}]


def test_a_base_shared_by_two_overlays_is_two_resources(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [svc.yaml]\n",
        "base/svc.yaml": SERVICE.format(name="quota", port=6100),
        "blue/kustomization.yaml": "namespace: blue\nresources: [../base]\n",
        "green/kustomization.yaml": "namespace: green\nnamePrefix: g-\nresources: [../base]\n",
        "loose.yaml": SERVICE.format(name="loose", port=1),
    })
    workspace, _ = load_workspace(root)
    assert kustomization_roots(workspace, workspace.inventory.kustomizations) == ["blue", "green"]
    assert rows(model_of(root), "Service") == [
        ("blue", "quota", "base/svc.yaml", 0, "blue"), ("green", "g-quota", "base/svc.yaml", 0, "green"),
        ("default", "loose", "loose.yaml", 0, None)]  # no kustomization includes it: a plain document


def test_only_the_roots_asked_for_are_built(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [svc.yaml]\n",
        "base/svc.yaml": SERVICE.format(name="quota", port=6100),
        "blue/kustomization.yaml": "namespace: blue\nresources: [../base]\n",
        "green/kustomization.yaml": "namespace: green\nresources: [../base]\n",
    })
    workspace, _ = load_workspace(root)
    model = build_model(workspace, load_config(root), kustomize_roots=["green"])
    assert rows(model, "Service") == [("green", "quota", "base/svc.yaml", 0, "green")]


def test_a_root_that_does_not_build_is_an_error_and_its_files_are_read_plain(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": "namespace: shop\nresources: [svc.yaml, missing.yaml]\n",
        "svc.yaml": SERVICE.format(name="quota", port=6100),
    })
    model = model_of(root)
    [error] = [d for d in model.diagnostics if d.level == "error"]
    assert error.file == "kustomization.yaml"
    assert error.message == (
        "`kubectl kustomize .` fails: accumulating resources: accumulation err='accumulating resources from "
        "'missing.yaml': evalsymlink failure on 'missing.yaml' : lstat missing.yaml: no such file or directory': "
        "must build at directory: not a valid directory: evalsymlink failure on 'missing.yaml' : lstat "
        "missing.yaml: no such file or directory; its files are read as plain manifests")
    assert rows(model, "Service") == [("shop", "quota", "svc.yaml", 0, None)]
    assert [u.what for u in model.unread] == ["kustomization root . (does not build)"]
    assert error in plan(root).diagnostics  # plan says so too, not only apply


def test_a_remote_base_is_not_built_and_the_hand_merge_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": ("namespace: shop\nresources:\n  - svc.yaml\n"
                               "  - https://github.com/example/platform//base?ref=v1\n"),
        "svc.yaml": SERVICE.format(name="quota", port=6100),
    })
    monkeypatch.setattr(kustomize_run, "build", lambda *a, **k: pytest.fail("a remote root must not be built"))
    model = model_of(root)
    assert rows(model, "Service") == [("shop", "quota", "svc.yaml", 0, None)]
    assert [(d.file, d.level, d.message) for d in model.diagnostics] == [(
        "kustomization.yaml", "note",
        "not built: kustomization.yaml names the remote resources entry "
        "'https://github.com/example/platform//base?ref=v1', which patcher does not fetch; patcher's own merge "
        "approximates this root (JSON 6902 patches, generators and replacements are not applied)")]


def test_origin_is_the_exact_file_and_document(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": "namePrefix: x-\nresources: [all.yaml]\n",
        "all.yaml": ("# three documents\n" + SERVICE.format(name="api", port=1) + "---\n"
                     + SERVICE.format(name="api-admin", port=2) + "---\n" + DEPLOYMENT.format(name="api")),
    })
    model = model_of(root)
    assert sorted((r.kind, r.name, r.source.file, r.source.doc) for r in model.resources) == [
        ("Deployment", "x-api", "all.yaml", 2), ("Service", "x-api", "all.yaml", 0),
        ("Service", "x-api-admin", "all.yaml", 1)]
    admin = next(r for r in model.resources if r.name == "x-api-admin")
    assert admin.document.index == 1 and admin.location(("spec", "ports")).line == 17


def test_in_memory_texts_are_built_not_the_disk(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": "resources: [svc.yaml]\n",
        "svc.yaml": SERVICE.format(name="quota", port=6100),
    })
    edited = {"kustomization.yaml": "namespace: edited\nresources: [svc.yaml, extra.yaml]\n",
              "extra.yaml": SERVICE.format(name="extra", port=6300)}  # neither is on disk
    assert rows(model_of(root, texts=edited), "Service") == [
        ("edited", "extra", "extra.yaml", 0, ""), ("edited", "quota", "svc.yaml", 0, "")]
    assert (root / "kustomization.yaml").read_text() == "resources: [svc.yaml]\n"


def test_builds_are_cached_by_their_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": "resources: [svc.yaml]\n",
        "svc.yaml": SERVICE.format(name="quota", port=6100),
    })
    runs = []
    real = kustomize_run.build
    monkeypatch.setattr(kustomize_run, "build", lambda *a, **k: runs.append(a[1]) or real(*a, **k))
    cache = ParseCache()
    model_of(root, cache)
    model_of(root, cache)
    assert len(runs) == 1
    model_of(root, cache, texts={"svc.yaml": SERVICE.format(name="quota", port=6101)})
    assert len(runs) == 2


def test_without_kubectl_one_note_and_the_hand_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [svc.yaml]\n",
        "base/svc.yaml": SERVICE.format(name="quota", port=6100),
        "dev/kustomization.yaml": "namePrefix: dev-\nnamespace: dev\nresources: [../base]\n",
    })
    monkeypatch.setattr("patcher.model.kubectl_path", lambda: None)
    model = model_of(root)
    assert [(d.level, d.message) for d in model.diagnostics] == [("note", NO_KUBECTL)]
    assert rows(model, "Service") == [("dev", "quota", "base/svc.yaml", 0, None)]  # no prefix: an approximation


def test_build_metadata_is_appended_or_merged() -> None:
    assert with_build_metadata("resources: [a.yaml]") == \
        "resources: [a.yaml]\nbuildMetadata: [originAnnotations, transformerAnnotations]\n"
    assert with_build_metadata("buildMetadata: [managedByLabel]\n") == \
        "buildMetadata:\n- managedByLabel\n- originAnnotations\n- transformerAnnotations\n"


def test_a_fix_to_a_field_a_patch_sets_is_refused_naming_the_patch(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [svc.yaml, vs.yaml]\n",
        "base/svc.yaml": SERVICE.format(name="quota", port=6100),
        "base/vs.yaml": ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: quota\n"
                         "spec:\n  hosts: [quota.example.test]\n  http:\n    - route:\n"
                         "        - destination: {host: shop-quota}\n"),
        "shop/kustomization.yaml": ("namespace: shop\nnamePrefix: shop-\nresources: [../base]\npatches:\n"
                                    "  - path: host.yaml\n    target: {kind: VirtualService}\n"),
        "shop/host.yaml": "- op: replace\n  path: /spec/http/0/route/0/destination/host\n  value: quota\n",
    })
    result = plan(root, "istio/route-to-missing-service")
    [(finding, status)] = [(f, r) for f, r in zip(result.findings, result.results)]
    assert (finding.location.file, finding.message) == (
        "base/vs.yaml", "VirtualService shop/shop-quota routes to quota, but namespace shop has no Service quota; "
                        "it has shop-quota")
    # placement refuses it (patcher.place.patched): the fix is only shown, saying why
    assert (finding.fix.applicability.label, status.status, finding.fix.reason) == ("display-only", "skipped-unsafe", (
        "VirtualService shop/shop-quota (built by shop) gets spec.http.0.route.0.destination.host from "
        "shop/host.yaml: the edit in base/vs.yaml would not change what kustomize builds; change the patch instead"))
    assert result.changes == ()


def test_overridden_looks_at_the_variant_the_finding_is_about(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "base/kustomization.yaml": "resources: [app.yaml]\n",
        "base/app.yaml": DEPLOYMENT.format(name="ledger"),
        "blue/kustomization.yaml": "namespace: blue\nresources: [../base]\n",
        "green/kustomization.yaml": "namespace: green\nresources: [../base]\npatches:\n  - path: scale.yaml\n",
        "green/scale.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\nspec:\n  replicas: 4\n",
    })
    model = model_of(root)
    edit = SetValue("base/app.yaml", 0, ("spec", "replicas"), 1, 2)
    assert overridden([edit], model.resources, "Deployment blue/ledger") is None
    assert overridden([edit], model.resources, "Deployment green/ledger").startswith(
        "Deployment green/ledger (built by green) gets spec.replicas from green/scale.yaml")
    beside = InsertKey("base/app.yaml", 0, ("spec",), "minReadySeconds", 5)
    assert overridden([beside], model.resources, "Deployment green/ledger") is None


def test_a_component_alone_is_no_root_and_helm_inflation_is_not_built(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "parts/kustomization.yaml": ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                     "patches:\n  - path: scale.yaml\n"),
        "parts/scale.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\nspec:\n  replicas: 4\n",
        "charts/kustomization.yaml": "helmCharts:\n  - name: redis\n    version: 19.0.0\n",
    })
    workspace, _ = load_workspace(root)
    assert kustomization_roots(workspace, workspace.inventory.kustomizations) == ["charts"]
    assert [(d.file, d.level, d.message) for d in model_of(root).diagnostics] == [(
        "charts/kustomization.yaml", "note",
        "not built: charts/kustomization.yaml inflates Helm charts (helmCharts), which patcher does not build "
        "through kustomize; patcher's own merge approximates this root (JSON 6902 patches, generators and "
        "replacements are not applied)")]
