"""What patcher reads and writes, from discovery to the writer: only regular files inside the
repository, each once; never through a link leading out, never a FIFO; generated files only
into plain manifest files; diff headers that git applies whatever the file is called."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from patcher.kustomize_check import affected_kustomizations
from patcher.plan import FileChange
from patcher.source import PatcherError
from patcher.writer import write_changes

# a route with no timeout: a finding with a safe fix, so a run has something to report and write
ROUTES = """\
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: shop
  namespace: web
spec:
  hosts: ["shop.example.com"]
  http:
  - route:
    - destination:
        host: shop
"""
FINDING = "route 0 of VirtualService web/shop has no timeout and no retries"
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: web\nspec:\n  ports: [{port: 80}]\n"
CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": "backend: web\n",
    # a values file's `secret` would name the route: were it read, the canary would be in the finding
    "chart/templates/vs.yaml": ("apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n"
                                "  name: {{ .Values.secret | default \"app\" }}\nspec:\n  hosts: [app.example.com]\n"
                                "  http:\n  - route:\n    - destination:\n        host: {{ .Values.backend }}\n"),
}


def _plan(hostile, *args: str):
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", str(hostile.root), *args)
    hostile.assert_contained(outcome, before)
    return outcome


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)


# --- non-regular files -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["deploy.sh", "k8s/app.yaml", ".gitignore", "k8s/.gitignore", "bin/run",
                                  "k8s/kustomization.yaml"])
def test_fifo_with_a_name_patcher_reads_is_skipped(hostile, name: str) -> None:
    hostile.write({"k8s/routes.yaml": ROUTES})
    (hostile.root / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(hostile.root / name)  # opening it for reading would wait for a writer forever
    outcome = _plan(hostile)
    assert outcome.code == 1, outcome.output
    assert f"note: {name}: not a regular file (a FIFO): not read" in outcome.stderr
    assert FINDING in outcome.stderr and "+++ b/k8s/routes.yaml" in outcome.stdout


def test_fifo_alone_is_a_note_and_a_clean_exit(hostile) -> None:
    hostile.write({"k8s/api.yaml": SERVICE})
    os.mkfifo(hostile.root / "k8s" / "app.yaml")
    outcome = _plan(hostile)
    assert outcome.code == 0, outcome.output
    assert "note: k8s/app.yaml: not a regular file (a FIFO): not read" in outcome.stderr


def test_socket_with_a_manifest_name_is_skipped(hostile, tmp_path: Path) -> None:
    hostile.write({"k8s/routes.yaml": ROUTES})
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(hostile.root / "k8s" / "app.yaml"))
        outcome = _plan(hostile)
    finally:
        server.close()
    assert outcome.code == 1
    assert "note: k8s/app.yaml: not a regular file (a socket): not read" in outcome.stderr
    assert FINDING in outcome.stderr


def test_apply_with_a_fifo_writes_the_rest(hostile) -> None:
    hostile.write({"k8s/routes.yaml": ROUTES})
    os.mkfifo(hostile.root / "deploy.sh")
    before = hostile.snapshot_outside()
    outcome = hostile.run("apply", str(hostile.root))
    hostile.assert_contained(outcome, before)
    assert outcome.code == 0, outcome.output
    assert "note: deploy.sh: not a regular file (a FIFO): not read" in outcome.stderr
    assert "updated k8s/routes.yaml" in outcome.stderr
    assert "timeout: 30s" in (hostile.root / "k8s" / "routes.yaml").read_text()


# --- symbolic links ----------------------------------------------------------------------

def test_file_symlink_loop_is_an_error_naming_it(hostile) -> None:
    hostile.write({"k8s/api.yaml": SERVICE})
    os.symlink("b.yaml", hostile.root / "k8s" / "a.yaml")
    os.symlink("a.yaml", hostile.root / "k8s" / "b.yaml")
    os.symlink("self.yaml", hostile.root / "k8s" / "self.yaml")
    outcome = _plan(hostile)
    assert outcome.code == 1, outcome.output  # a file that cannot be read, as any other
    for name in ("a.yaml", "b.yaml", "self.yaml"):
        assert (f"error: k8s/{name}: symbolic link loop: the link never reaches a file; not read\n"
                "  hint: point the link at a file, or remove it") in outcome.stderr


def test_file_symlink_loop_leaves_the_rest_analysed(hostile) -> None:
    hostile.write({"k8s/routes.yaml": ROUTES})
    os.symlink("self.yaml", hostile.root / "k8s" / "self.yaml")
    outcome = _plan(hostile, "--format", "json")
    data = json.loads(outcome.stdout)
    assert [f["message"] for f in data["findings"]] == [FINDING]
    assert {"file": "k8s/self.yaml", "level": "error",
            "message": "symbolic link loop: the link never reaches a file; not read"}.items() <= \
        next(d for d in data["diagnostics"] if d["file"] == "k8s/self.yaml").items()


def test_symlinked_file_inside_is_read_once(hostile) -> None:
    hostile.write({"manifests/routes.yaml": ROUTES})
    (hostile.root / "k8s").mkdir()
    os.symlink("../manifests/routes.yaml", hostile.root / "k8s" / "routes.yaml")
    outcome = _plan(hostile)
    assert outcome.stderr.count(FINDING) == 1, outcome.stderr
    assert ("note: k8s/routes.yaml: symbolic link to 'manifests/routes.yaml', which is read in its place"
            in outcome.stderr)
    assert [line for line in outcome.stdout.splitlines() if line.startswith("diff --git")] == [
        "diff --git a/manifests/routes.yaml b/manifests/routes.yaml"]
    applied = hostile.run("apply", str(hostile.root))
    assert applied.code == 0, applied.output
    assert (hostile.root / "k8s" / "routes.yaml").is_symlink()
    assert "timeout: 30s" in (hostile.root / "manifests" / "routes.yaml").read_text()


def test_kustomization_entry_naming_a_link_means_the_file_read(hostile) -> None:
    hostile.write({"k8s/base/routes.yaml": ROUTES.replace("  namespace: web\n", ""),
                   "k8s/kustomization.yaml": "namespace: web\nresources: [routes.yaml]\n"})
    os.symlink("base/routes.yaml", hostile.root / "k8s" / "routes.yaml")
    outcome = _plan(hostile)
    # the namespace the kustomization sets reaches the file, as kustomize builds it
    assert f"k8s/base/routes.yaml:8:5: recommended [istio/route-without-timeout] {FINDING}" in outcome.stderr


def test_symlinked_kustomization_is_a_kustomization_of_its_own_folder(hostile) -> None:
    hostile.write({"base/kustomization.yaml": "namespace: web\nresources: [routes.yaml]\n",
                   "base/routes.yaml": ROUTES.replace("  namespace: web\n", ""),
                   "prod/routes.yaml": ROUTES.replace("  namespace: web\n", "").replace("shop", "prod")})
    os.symlink("../base/kustomization.yaml", hostile.root / "prod" / "kustomization.yaml")
    outcome = _plan(hostile)
    assert "prod/routes.yaml:8:5: recommended [istio/route-without-timeout] route 0 of VirtualService web/prod" \
        in outcome.stderr, outcome.stderr
    assert FINDING in outcome.stderr


def test_symlinked_file_leading_outside_is_not_followed(hostile) -> None:
    hostile.write({"k8s/routes.yaml": ROUTES})
    os.symlink(hostile.outside / "values.yaml", hostile.root / "k8s" / "values.yaml")
    os.symlink("../../outside/secret.txt", hostile.root / "k8s" / "secret.yaml")
    os.symlink("/proc/self/environ", hostile.root / "k8s" / "env.yaml")  # holds the canary variable
    outcome = _plan(hostile)
    for name in ("values.yaml", "secret.yaml", "env.yaml"):
        assert (f"note: k8s/{name}: symbolic link to a file outside the repository: not followed"
                in outcome.stderr)
    assert FINDING in outcome.stderr and outcome.code == 1


def test_symlinked_folder_leading_outside_is_not_walked(hostile) -> None:
    hostile.write({"k8s/routes.yaml": ROUTES})
    (hostile.outside / "k8s").mkdir()
    (hostile.outside / "k8s" / "routes.yaml").write_text(ROUTES.replace("shop", "outside"))
    os.symlink(hostile.outside, hostile.root / "k8s" / "vendor")
    outcome = _plan(hostile)
    # os.walk(followlinks=False) never enters it; the note says it was seen and left
    assert ("note: k8s/vendor: symbolic link to a folder outside the repository: not followed, nothing in it "
            "is read") in outcome.stderr
    assert "outside" not in outcome.stdout and outcome.stderr.count("has no timeout") == 1


def test_symlink_to_a_file_patcher_does_not_read_is_not_followed(hostile) -> None:
    hostile.write({".gitignore": "generated/\n", "generated/routes.yaml": ROUTES, "k8s/api.yaml": SERVICE})
    os.symlink("../generated/routes.yaml", hostile.root / "k8s" / "routes.yaml")
    outcome = _plan(hostile)
    assert outcome.code == 0, outcome.output  # the ignored file's route is not analysed through the link
    assert ("note: k8s/routes.yaml: symbolic link to 'generated/routes.yaml', which patcher does not read "
            "(ignored, or not a manifest, kustomization or script): not followed") in outcome.stderr


def test_dangling_symlink_is_a_note(hostile) -> None:
    hostile.write({"k8s/api.yaml": SERVICE})
    os.symlink("missing.yaml", hostile.root / "k8s" / "gone.yaml")
    outcome = _plan(hostile)
    assert outcome.code == 0, outcome.output
    assert "note: k8s/gone.yaml: symbolic link to a file that does not exist: not read" in outcome.stderr


def test_symlinked_gitignore_is_not_followed(hostile) -> None:
    hostile.write({"k8s/routes.yaml": ROUTES})
    os.symlink(hostile.outside / "secret.txt", hostile.root / ".gitignore")
    outcome = _plan(hostile)
    assert ("note: .gitignore: symbolic link: not followed, its patterns are not applied (git does not follow "
            "a linked .gitignore either)") in outcome.stderr
    assert FINDING in outcome.stderr


# --- a chart at the root -----------------------------------------------------------------

def test_chart_at_the_root_does_not_hide_the_repository(hostile) -> None:
    chart = {path.removeprefix("chart/"): text for path, text in CHART.items()}
    hostile.write({**chart, "k8s/routes.yaml": ROUTES,
                   "kind/cluster.yaml": "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n",
                   "scripts/deploy.sh": "#!/bin/sh\nhelm install app . -n web\n"})
    outcome = _plan(hostile, "--format", "json")
    data = json.loads(outcome.stdout)
    found = {(f["location"]["file"], f["message"]) for f in data["findings"]}
    assert ("k8s/routes.yaml", FINDING) in found  # was hidden: the whole repository counted as the chart
    # the chart is still rendered (with the release the script names), its template never read as YAML
    assert ("templates/vs.yaml", "route 0 of VirtualService web/app has no timeout and no retries") in found
    assert not [d for d in data["diagnostics"] if d["level"] != "note"], data["diagnostics"]
    assert outcome.code == 1


def test_folder_of_a_chart_outside_its_templates_is_analysed(hostile) -> None:
    hostile.write({**CHART, "chart/extras/routes.yaml": ROUTES,
                   "chart/files/config.yaml": "key: {{ .Values.backend }}\n"})
    outcome = _plan(hostile)
    assert "chart/extras/routes.yaml" in outcome.stderr and FINDING in outcome.stderr
    assert ("note: chart/files/config.yaml: template braces in a file of chart 'chart' outside its templates/: "
            "Helm renders only templates/ (this file reaches the chart through .Files, if at all); not analysed"
            in outcome.stderr)


# --- values files named outside the repository --------------------------------------------

@pytest.mark.parametrize("values", ["../../outside/values.yaml", "/etc/passwd", "/proc/self/environ"])
def test_values_file_outside_named_by_a_script_is_not_read(hostile, values: str) -> None:
    hostile.write({**CHART, "scripts/deploy.sh": f"#!/bin/sh\nset -e\nhelm install app ./chart -f {values}\n"})
    outcome = _plan(hostile)
    shown = values if values.startswith("/") else "../../outside/values.yaml"
    assert (f"error: scripts/deploy.sh:3: values file '{shown}' is outside the repository: not read, so release "
            "'app' of chart 'chart' was not rendered") in outcome.stderr
    assert outcome.code == 1


def test_values_file_outside_named_by_the_settings_is_not_read(hostile) -> None:
    hostile.write({**CHART, ".patcher.yaml": "helm-releases:\n- chart: chart\n  values: [../outside/values.yaml]\n"})
    outcome = _plan(hostile)
    assert ("error: .patcher.yaml: values file '../outside/values.yaml' is outside the repository: not read, "
            "so release 'chart' of chart 'chart' was not rendered") in outcome.stderr
    assert outcome.code == 1


def test_values_file_outside_named_by_an_argo_application_is_not_read(hostile) -> None:
    chart = {path.replace("chart/", "helm/app/"): text for path, text in CHART.items()}
    application = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n"
                   "  namespace: argocd\nspec:\n  destination:\n    namespace: web\n  source:\n"
                   "    path: helm/app\n    helm:\n      valueFiles: [../../../outside/values.yaml]\n")
    hostile.write({**chart, "argocd/shop.yaml": application})
    outcome = _plan(hostile)
    assert ("error: argocd/shop.yaml: Application shop: values file '../outside/values.yaml' is outside the "
            "repository: not read, so release 'shop' of chart 'helm/app' was not rendered") in outcome.stderr
    assert outcome.code == 1


def test_values_file_given_as_a_url_is_not_fetched(hostile) -> None:
    hostile.write({**CHART, "deploy.sh": "#!/bin/sh\nhelm upgrade --install app ./chart -f https://example.invalid/v.yaml\n"})
    outcome = _plan(hostile)
    assert ("error: deploy.sh:2: values file 'https://example.invalid/v.yaml' is a URL, which patcher does not "
            "fetch, so release 'app' of chart 'chart' was not rendered") in outcome.stderr


def test_values_file_inside_still_renders(hostile) -> None:
    hostile.write({**CHART, "env/prod.yaml": "secret: prod-app\n",
                   "scripts/deploy.sh": "#!/bin/sh\nhelm install app ./chart -f ../env/prod.yaml\n"})
    outcome = _plan(hostile)
    assert "route 0 of VirtualService default/prod-app has no timeout" in outcome.stderr, outcome.stderr


def test_values_file_that_is_a_fifo_is_not_read(hostile) -> None:
    hostile.write({**CHART, "scripts/deploy.sh": "#!/bin/sh\nhelm install app ./chart -f ../env/prod.yaml\n"})
    (hostile.root / "env").mkdir()
    os.mkfifo(hostile.root / "env" / "prod.yaml")
    outcome = _plan(hostile)
    assert ("error: scripts/deploy.sh:2: values file 'env/prod.yaml': not a regular file (a FIFO): not read, so "
            "release 'app' of chart 'chart' was not rendered") in outcome.stderr


# --- where generated files may go ---------------------------------------------------------

NAMESPACED = {"k8s/routes.yaml": ROUTES, "k8s/kustomization.yaml": "resources: [routes.yaml]\n",
              "kind/cluster.yaml": "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n",
              "k8s/patch.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: shop\n",
              "k8s/ci.yaml": "on: push\njobs: {}\n", **CHART,
              "scripts/deploy.sh": "#!/bin/sh\nhelm install app ./chart -f ../env/prod.yaml\n",
              "env/prod.yaml": "backend: web\n"}


def _refused(hostile, output: str, problem: str) -> None:
    settings = f"outputs:\n  network-policies: {output}\n"
    files = dict(NAMESPACED, **{".patcher.yaml": settings})
    files["k8s/kustomization.yaml"] = "resources: [routes.yaml]\npatches: [{path: patch.yaml}]\n"
    hostile.write(files)
    before = {p: p.read_bytes() for p in hostile.root.rglob("*") if p.is_file() and not p.is_symlink()
              and not p.is_fifo()}
    for command in ("plan", "apply"):
        outside = hostile.snapshot_outside()
        outcome = hostile.run(command, str(hostile.root))
        hostile.assert_contained(outcome, outside)
        assert outcome.code == 2, outcome.output
        assert (f"error: .patcher.yaml: setting 'outputs.network-policies' is '{output}': {problem}\n"
                "  hint: name a new YAML file inside the repository, or one that holds only Kubernetes "
                "manifests") in outcome.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_output_through_a_folder_link_leading_outside_is_refused(hostile) -> None:
    os.symlink(hostile.outside, hostile.root / "out")
    _refused(hostile, "out/np.yaml", "it leads outside the repository (through a symbolic link)")
    assert sorted(p.name for p in hostile.outside.iterdir()) == ["secret.txt", "values.yaml"]


@pytest.mark.parametrize("output, problem", [
    ("k8s/kustomization.yaml", "it is a kustomization"),
    ("kind/cluster.yaml", "it is a kind cluster config"),
    ("chart/values.yaml", "it is in the Helm chart 'chart'"),
    ("chart/templates/np.yaml", "it is in the Helm chart 'chart'"),
    ("env/prod.yaml", "it is a Helm values file"),
    ("k8s/patch.yaml", "it is a Kustomize patch"),
    ("k8s/ci.yaml", "it holds YAML that is not Kubernetes manifests"),
    (".patcher.yaml", "it holds YAML that is not Kubernetes manifests"),
])
def test_output_naming_a_file_that_is_not_a_manifest_file_is_refused(hostile, output: str, problem: str) -> None:
    _refused(hostile, output, problem)


def test_output_naming_a_symlink_is_refused(hostile) -> None:
    (hostile.root / "k8s").mkdir()
    os.symlink("routes.yaml", hostile.root / "k8s" / "np.yaml")
    _refused(hostile, "k8s/np.yaml", "it is a symbolic link, and patcher never writes through one")


def test_output_naming_a_fifo_is_refused(hostile) -> None:
    (hostile.root / "k8s").mkdir()
    os.mkfifo(hostile.root / "k8s" / "np.yaml")
    _refused(hostile, "k8s/np.yaml", "it is a FIFO, not a manifest file")


def test_output_naming_a_manifest_file_is_written(hostile) -> None:
    shop = SERVICE.replace("name: api", "name: shop")
    hostile.write({"k8s/routes.yaml": ROUTES, "k8s/shop.yaml": shop,
                   ".patcher.yaml": "outputs:\n  destination-rules: ./k8s/shop.yaml\n"})
    outcome = _plan(hostile, "--unsafe-fixes")
    assert outcome.code == 1 and "error" not in outcome.stderr, outcome.output
    added = outcome.stdout[outcome.stdout.index("+++ b/k8s/shop.yaml"):]
    assert "+kind: DestinationRule" in added


# --- the writer and the kustomization walk, whatever path reaches them --------------------

@pytest.mark.parametrize("path", ["../outside/np.yaml", "{outside}/np.yaml", "out/np.yaml", "k8s/../../outside/x.yaml"])
def test_writer_refuses_a_path_leading_outside(hostile, path: str) -> None:
    path = path.format(outside=hostile.outside)  # an absolute path, to the outside folder
    hostile.write({"k8s/routes.yaml": ROUTES})
    os.symlink(hostile.outside, hostile.root / "out")
    before = hostile.snapshot_outside()
    changes = [FileChange("k8s/routes.yaml", ROUTES, ROUTES + "# x\n"), FileChange(path, None, "x: 1\n")]
    with pytest.raises(PatcherError) as info:
        write_changes(hostile.root, changes)
    assert info.value.file == path
    assert info.value.message == ("refusing to write outside the repository (the path leads out of it); "
                                  "nothing was written")
    assert hostile.snapshot_outside() == before
    assert (hostile.root / "k8s" / "routes.yaml").read_text() == ROUTES


@pytest.mark.parametrize("path", ["/etc/np.yaml", "../../x/np.yaml", "k8s/../../x/np.yaml", "..", "/"])
def test_kustomization_walk_ends_at_the_root(hostile, path: str) -> None:
    hostile.write({"k8s/kustomization.yaml": "resources: []\n", "kustomization.yaml": "resources: [k8s]\n"})
    assert affected_kustomizations(hostile.root, [FileChange(path, None, "x: 1\n")]) == []
    assert affected_kustomizations(hostile.root, [FileChange("k8s/np.yaml", None, "x: 1\n")]) == ["", "k8s"]


# --- file names git quotes ----------------------------------------------------------------

@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("name", ["k8s/my app\n.yaml", "k8s/tab\there.yaml", 'k8s/"quoted" app.yaml',
                                  "k8s/caf\u00e9 r\u00f6utes.yaml", "k8s/back\\slash.yaml", "with space/routes.yaml"])
def test_diff_of_an_odd_file_name_applies_with_git(hostile, name: str, tmp_path_factory) -> None:
    hostile.write({name: ROUTES})
    outcome = _plan(hostile)
    assert outcome.code == 1 and FINDING in outcome.stderr
    tmp_path = tmp_path_factory.mktemp("git")
    patch = tmp_path / "fixes.patch"
    patch.write_text(outcome.stdout, encoding="utf-8")
    copy = tmp_path / "copy"
    shutil.copytree(hostile.root, copy)
    assert _git(copy, "init", "-q").returncode == 0
    done = _git(copy, "apply", str(patch))
    assert done.returncode == 0, (outcome.stdout, done.stderr)
    applied = hostile.run("apply", str(hostile.root))
    assert applied.code == 0, applied.output
    assert (copy / name).read_bytes() == (hostile.root / name).read_bytes() != ROUTES.encode()


def test_a_default_output_path_taken_by_a_link_gets_the_next_free_name(hostile) -> None:
    import shutil
    from pathlib import Path

    shutil.copytree(Path(__file__).resolve().parents[2] / "base", hostile.root, dirs_exist_ok=True)
    link = hostile.root / "k8s" / "istio" / "destination-rules.yaml"
    link.symlink_to("../../scripts/01-create-cluster.sh")
    script = (hostile.root / "scripts" / "01-create-cluster.sh").read_bytes()
    outcome = hostile.run("plan", "--unsafe-fixes", str(hostile.root))
    assert outcome.code == 1, outcome.output
    assert "+++ b/k8s/istio/destination-rules-2.yaml" in outcome.stdout
    assert not any(line.startswith(("--- a/scripts/01-create-cluster.sh", "+++ b/scripts/01-create-cluster.sh",
                                    "+++ b/k8s/istio/destination-rules.yaml"))
                   for line in outcome.stdout.splitlines())
    applied = hostile.run("apply", "--unsafe-fixes", str(hostile.root))
    assert applied.code in (0, 1), applied.output
    assert link.is_symlink() and (hostile.root / "scripts" / "01-create-cluster.sh").read_bytes() == script
    assert "kind: DestinationRule" in (hostile.root / "k8s" / "istio" / "destination-rules-2.yaml").read_text()


def test_a_second_release_of_a_chart_is_named_in_a_note_not_passed_over(hostile) -> None:
    import shutil
    from pathlib import Path

    shutil.copytree(Path(__file__).resolve().parents[2] / "base", hostile.root, dirs_exist_ok=True)
    script = hostile.root / "scripts" / "03-deploy-app.sh"
    lines = script.read_text().splitlines()
    script.write_text("\n".join(lines + ["helm install second ./helm/app-stack -n other -f ../outside/values.yaml"])
                      + "\n")
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", str(hostile.root))
    hostile.assert_contained(outcome, before)
    first = next(n for n, line in enumerate(lines, 1) if line.startswith("helm upgrade --install app-stack"))
    assert (f"note: scripts/03-deploy-app.sh:{len(lines) + 1}: helm release 'second' of chart 'helm/app-stack' is "
            f"not analysed: only one release per chart is, 'app-stack' (scripts/03-deploy-app.sh:{first})"
            in outcome.stderr), outcome.stderr
