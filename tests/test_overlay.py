"""`patcher overlay`: the overlay builds, and builds what `patcher apply` produces.

For each sample with a kustomization, the overlay written from an untouched copy is built
with `kubectl kustomize`, and so is the repository's kustomize root after apply's changes;
the resources must be equal, lists compared in order except those Kubernetes merges by key.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import copy_tree, plan
from patcher.edits import InsertKey
from patcher.overlay.merge_keys import merge_key
from patcher.overlay.write import write_overlay
from patcher.writer import write_changes

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "base"
REPOS = ROOT / "tests" / "repos"
COMMITTED = ROOT / "overlays" / "base"
BASE_COMMAND = "patcher overlay base --out overlays/base"

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


def kustomize(folder: Path) -> dict:
    built = subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    return {_identity(d): _normal(d, d, ()) for d in yaml.safe_load_all(built.stdout) if d}


def _identity(doc: dict) -> tuple:
    meta = doc.get("metadata") or {}
    return doc.get("apiVersion"), doc.get("kind"), meta.get("namespace"), meta.get("name")


def _normal(doc: dict, node, path: tuple):
    """Lists Kubernetes merges by key sorted on it (their order means nothing); others kept."""
    if isinstance(node, dict):
        return {k: _normal(doc, v, path + (k,)) for k, v in node.items()}
    if isinstance(node, list):
        items = [_normal(doc, v, path + (0,)) for v in node]
        key = merge_key(str(doc.get("apiVersion")), str(doc.get("kind")), path)
        if key and all(isinstance(i, dict) and key in i for i in items):
            items.sort(key=lambda i: str(i[key]))
        return items
    return node


def _overlay_and_applied(repo: Path, tmp: Path, command: str = "patcher overlay REPO --out DIR", *rules: str):
    before = copy_tree(repo, tmp / "before" / repo.name)
    after = copy_tree(repo, tmp / "after" / repo.name)
    result = plan(before, *rules)
    written = write_overlay(result, tmp / "overlay", repo.name, command)
    write_changes(after, result.changes)
    return result, written, after


def _overlays(folder: Path) -> list[tuple[Path, str]]:
    """(overlay folder, the root it builds on, repository-relative)."""
    out = []
    for kust in sorted(folder.rglob("kustomization.yaml")):
        data = yaml.safe_load(kust.read_text())
        base = (kust.parent / data["resources"][0]).resolve()
        out.append((kust.parent, base))
    return out


SAMPLES_WITH_ROOTS = ["base", "ep-taskfile", "other", "third", "kz-overlays", "tr-mesh", "ep-argo"]


@needs_kubectl
@pytest.mark.parametrize("name", SAMPLES_WITH_ROOTS)
def test_overlay_builds_what_apply_writes(name: str, tmp_path: Path) -> None:
    repo = BASE if name == "base" else REPOS / name
    result, written, after = _overlay_and_applied(repo, tmp_path)
    if not written.files:
        assert not [x for x in result.applied if x.finding.fix.changes], written.note
        return
    before_root = tmp_path / "before" / repo.name
    for folder, base in _overlays(tmp_path / "overlay"):
        root = base.relative_to(before_root)
        assert kustomize(folder) == kustomize(after / root), f"{folder} differs from apply's {root}"


@needs_kubectl
def test_one_overlay_per_root_the_fixes_change(tmp_path: Path) -> None:
    """Two kustomize roots: a folder each, each building on its own root."""
    repo = ROOT / "tests" / "overlay" / "two-roots"
    _, written, after = _overlay_and_applied(repo, tmp_path, "c", "istio/route-without-timeout")
    assert written.files == ("README.md", "alpha/kustomization.yaml",
                             "alpha/patches/01-istio-route-without-timeout-virtualservice-web.yaml",
                             "beta/kustomization.yaml",
                             "beta/patches/01-istio-route-without-timeout-virtualservice-web.yaml")
    built = [(folder.name, base.name) for folder, base in _overlays(tmp_path / "overlay")]
    assert built == [("alpha", "alpha"), ("beta", "beta")]
    for folder, base in _overlays(tmp_path / "overlay"):
        assert kustomize(folder) == kustomize(after / base.name)
        assert kustomize(folder) != kustomize(base)


@needs_kubectl
def test_committed_base_overlay_is_regenerated_and_builds(tmp_path: Path) -> None:
    copy_tree(BASE, tmp_path / "base")
    written = write_overlay(plan(tmp_path / "base"), tmp_path / "overlays" / "base", "base", BASE_COMMAND)
    fresh = {p: (tmp_path / "overlays" / "base" / p).read_text() for p in written.files}
    committed = {p.relative_to(COMMITTED).as_posix(): p.read_text() for p in COMMITTED.rglob("*") if p.is_file()}
    assert fresh == committed, "overlays/base is stale: run `patcher overlay base --out overlays/base`"
    kustomize(COMMITTED)


def test_no_kustomization_says_which_files_a_base_needs(tmp_path: Path) -> None:
    from patcher.source import PatcherError
    repo = copy_tree(REPOS / "ig-istioctl-profile", tmp_path / "repo")
    with pytest.raises(PatcherError) as caught:
        write_overlay(plan(repo), tmp_path / "overlay", "repo", "patcher overlay repo --out overlay")
    assert caught.value.message == "the repository has no kustomization for an overlay to point at"
    assert caught.value.hint == ("a kustomization.yaml listing mesh/gateway.yaml would "
                                 "let the overlay patch them; or `patcher apply` fixes them in place")
    assert not (tmp_path / "overlay").exists()


# --- the Helm post-renderer -------------------------------------------------------------------

HELM_ROUTE = ROOT / "tests" / "overlay" / "helm-route"


@needs_kubectl
def test_post_renderer_patches_a_rendered_chart(tmp_path: Path) -> None:
    from patcher.helm import Release, render
    repo = copy_tree(HELM_ROUTE, tmp_path / "repo")
    out = tmp_path / "post"
    written = write_overlay(plan(repo), out, "repo", "patcher overlay repo --post-renderer post", post_renderer=True)
    assert written.files == ("README.md", "kustomization.yaml",
                             "patches/01-istio-route-without-timeout-virtualservice-web.yaml", "post-render")
    assert os.access(out / "post-render", os.X_OK)
    assert f"    helm install web charts/web -n shop --post-renderer {out.as_posix()}/post-render\n" in \
        (out / "README.md").read_text()
    rendered = [d.data for f in render(repo, Release("charts/web", "web", "shop"), {}, {}) for d in f.documents]
    piped = subprocess.run([str(out / "post-render")], input=yaml.safe_dump_all(rendered), capture_output=True,
                           text=True, timeout=120, cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    after = {_identity(d): d for d in yaml.safe_load_all(piped.stdout) if d}
    before = {_identity(d): d for d in rendered}
    key = ("networking.istio.io/v1", "VirtualService", None, "web")
    expected = dict(before[key], spec={**before[key]["spec"], "http": [{
        **before[key]["spec"]["http"][0], "timeout": "30s",
        "retries": {"attempts": 3, "perTryTimeout": "10s",
                    "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"}}]})
    assert after == {**before, key: expected}
    assert sorted(os.listdir(out)) == ["README.md", "kustomization.yaml", "patches", "post-render"]  # copy, not in place


def test_post_renderer_with_nothing_rendered_to_patch_writes_nothing(tmp_path: Path) -> None:
    repo = copy_tree(REPOS / "kz-overlays", tmp_path / "repo")
    written = write_overlay(plan(repo), tmp_path / "post", "repo", "c", post_renderer=True)
    assert written.files == ()
    assert written.note == "no fix changes a Kubernetes resource an overlay can patch: nothing was written"
    assert not (tmp_path / "post").exists()


# --- the patches ------------------------------------------------------------------------------

def test_patch_shapes_of_base() -> None:
    """Merge-keyed Service ports: strategic merge; a route of a custom resource: JSON 6902, its
    index guarded by the route's name."""
    service = (COMMITTED / "patches" / "01-kind-unmapped-gateway-port-service-istio-ingressgateway.yaml").read_text()
    assert service.splitlines()[2:] == [
        "apiVersion: v1", "kind: Service", "metadata:", "  name: istio-ingressgateway",
        "  namespace: istio-system", "spec:", "  ports:", "    - name: http-monitoring", "      port: 9090",
        "      targetPort: 9090", "      nodePort: 30000", "      protocol: TCP"]
    route = yaml.safe_load((COMMITTED / "patches" / "04-istio-route-without-timeout-virtualservice-app-vs.yaml")
                           .read_text())
    assert route == [
        {"op": "test", "path": "/spec/http/1/name", "value": "grafana"},
        {"op": "add", "path": "/spec/http/1/timeout", "value": "30s"},
        {"op": "add", "path": "/spec/http/1/retries", "value": {
            "attempts": 3, "perTryTimeout": "10s",
            "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"}}]


def _patched(before: dict, *ops):
    from patcher.overlay.collect import Patched
    from patcher.findings import Finding, Location, Severity
    return Patched(Finding("x/y", Severity.MEDIUM, "m", Location("f.yaml")), "", before, ops)


DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"template": {"spec": {"containers": [
                  {"name": "app", "image": "a:1", "ports": [{"containerPort": 80}], "args": ["-v"]}]}}}}


def test_a_change_inside_a_merge_keyed_item_names_it_by_its_key() -> None:
    from patcher.intent import changes as C
    from patcher.overlay.patches import make_patch
    patch = make_patch(_patched(DEPLOYMENT, C.Set(("spec", "template", "spec", "containers", 0, "image"), "a:1", "a:2"),
                                C.AddItem(("spec", "template", "spec", "containers", 0, "ports"),
                                          {"containerPort": 8080})))
    assert patch.strategic
    assert patch.body["spec"] == {"template": {"spec": {"containers": [
        {"name": "app", "image": "a:2"}, {"name": "app", "ports": [{"containerPort": 8080}]}]}}}


def test_a_list_kubernetes_replaces_whole_gets_json6902_with_guards() -> None:
    from patcher.intent import changes as C
    from patcher.overlay.patches import make_patch
    patch = make_patch(_patched(DEPLOYMENT, C.AddItem(("spec", "template", "spec", "containers", 0, "args"), "-q"),
                                C.RemoveItem(("spec", "template", "spec", "containers", 0, "ports"), 0,
                                             {"containerPort": 80})))
    assert not patch.strategic
    assert patch.target == {"group": "apps", "version": "v1", "kind": "Deployment", "name": "web", "namespace": "shop"}
    assert patch.body == [
        {"op": "test", "path": "/spec/template/spec/containers/0/name", "value": "app"},
        {"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "-q"},
        {"op": "test", "path": "/spec/template/spec/containers/0/ports/0", "value": {"containerPort": 80}},
        {"op": "remove", "path": "/spec/template/spec/containers/0/ports/0"}]


def test_a_deleted_resource_is_a_delete_patch() -> None:
    from patcher.intent import changes as C
    from patcher.overlay.patches import make_patch
    patch = make_patch(_patched(DEPLOYMENT, C.Delete(DEPLOYMENT)))
    assert patch.strategic
    assert patch.body == {"apiVersion": "apps/v1", "kind": "Deployment",
                          "metadata": {"name": "web", "namespace": "shop"}, "$patch": "delete"}


def test_a_null_is_never_a_merge_patch() -> None:
    """In a strategic merge patch `key: null` deletes the key: setting one to null is JSON 6902."""
    from patcher.intent import changes as C
    from patcher.overlay.patches import make_patch
    patch = make_patch(_patched(DEPLOYMENT, C.AddKey(("spec",), "paused", None)))
    assert not patch.strategic
    assert patch.body == [{"op": "add", "path": "/spec/paused", "value": None}]


# --- a difference read from the builds ----------------------------------------------------------

def test_the_difference_of_two_builds_as_operations() -> None:
    from patcher.intent import changes as C
    from patcher.intent.apply import apply_ops
    from patcher.overlay.diff import diff_ops
    before = {"spec": {"ports": [{"port": 80}, {"port": 443}], "a": 1, "gone": True, "args": ["x", "y"]}}
    after = {"spec": {"ports": [{"port": 80}, {"port": 9090}, {"port": 443}], "a": 2, "new": {"k": "v"},
                      "args": ["y"]}}
    ops = diff_ops(before, after)
    assert ops == [C.AddItem(("spec", "ports"), {"port": 9090}, 1), C.Set(("spec", "a"), 1, 2),
                   C.RemoveKey(("spec",), "gone", True), C.RemoveItem(("spec", "args"), 0, "x"),
                   C.AddKey(("spec",), "new", {"k": "v"})]
    assert apply_ops(before, ops) == after
    assert diff_ops([1, 2], [3]) == [C.Set((), [1, 2], [3])]


@needs_kubectl
def test_a_moved_route_fails_the_build_loudly(tmp_path: Path) -> None:
    """A route inserted in the base before the patched ones: the guards stop the build instead of
    giving the new route the timeout meant for another."""
    base = copy_tree(BASE, tmp_path / "base")
    write_overlay(plan(base), tmp_path / "overlays" / "base", "base", BASE_COMMAND)
    routes = base / "k8s" / "istio" / "virtual-services" / "app-vs.yaml"
    text = routes.read_text()
    routes.write_text(text.replace("  http:\n", "  http:\n    - name: status\n      route:\n"
                                              "        - destination:\n            host: status\n", 1))
    built = subprocess.run(["kubectl", "kustomize", str(tmp_path / "overlays" / "base")], capture_output=True,
                           text=True, timeout=120)
    assert built.returncode == 1
    assert "testing value /spec/http/0/name failed: test failed" in built.stderr


@needs_kubectl
def test_a_fix_applied_in_the_chart_is_carried_by_the_post_renderer_too(tmp_path: Path) -> None:
    """Once a fix to a rendered resource is written into the chart (values or template), the
    post-renderer still carries it over Helm's output, and does not list it as left out."""
    import dataclasses
    from patcher.plan import WOULD_FIX, Applied
    repo = copy_tree(HELM_ROUTE, tmp_path / "repo")
    result = plan(repo)
    route = next(r.finding for r in result.results if r.finding.rule == "istio/route-without-timeout")
    in_chart = dataclasses.replace(route, fix=dataclasses.replace(route.fix, edits=(
        InsertKey("charts/web/values.yaml", 0, (), "timeout", "30s"),)))
    result = dataclasses.replace(
        result, applied=result.applied + (Applied(1, in_chart),),
        results=tuple(dataclasses.replace(r, status=WOULD_FIX) if r.finding is route else r for r in result.results))
    written = write_overlay(result, tmp_path / "post", "repo", "c", post_renderer=True)
    assert "patches/01-istio-route-without-timeout-virtualservice-web.yaml" in written.files
    assert [e.finding.rule for e in written.elsewhere] == ["istio/destination-without-circuit-breaker"]
