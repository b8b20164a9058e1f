"""Every run of `kubectl kustomize`, and the model's reads of kustomization entries.

The pre-apply build must write only into its scratch copy, run kubectl with no
credentials and no network, never hang, and build a monorepo subfolder from a copy
of exactly what its kustomizations name. A `kubectl` placed first on PATH stands in
where the test must see what patcher hands the child (its environment, the copy it
builds in); elsewhere the real kubectl builds.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from patcher import kustomize_run
from patcher.kustomize_check import check_kustomize
from patcher.plan import FileChange
from patcher.source import PatcherError

REAL_KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(REAL_KUBECTL is None, reason="kubectl is not installed")
RULE = ("--rule", "istio/route-without-timeout")  # one fix, in a file a kustomization lists

ROUTE = """apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: shop
spec:
  hosts:
  - shop
  http:
  - route:
    - destination:
        host: shop
        port:
          number: 80
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  selector:
    app: shop
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""


def _kustomization(*resources: str, extra: str = "") -> str:
    return "resources:\n" + "".join(f"- {r}\n" for r in resources) + extra


def _routed(folder: str, *more: str, extra: str = "") -> dict[str, str]:
    """A kustomization listing a Service and a VirtualService whose route patcher fixes."""
    return {f"{folder}/kustomization.yaml": _kustomization("service.yaml", "route.yaml", *more, extra=extra),
            f"{folder}/service.yaml": SERVICE, f"{folder}/route.yaml": ROUTE}


def _stand_in(folder: Path, real: str | None = None, hang_from_call: int | None = None) -> Path:
    """A `kubectl` recording, per call, its arguments, environment and every file of the scratch
    area it builds in (HOME's parent); it runs the real kubectl when given one, and from call
    ``hang_from_call`` on never ends (until killed)."""
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / "calls.jsonl"
    script = folder / "kubectl"
    script.write_text(f"""#!{sys.executable}
import json, os, subprocess, sys, time
from pathlib import Path
record = Path({str(record)!r})
calls = record.read_text().count("\\n") if record.exists() else 0
area = Path(os.environ.get("HOME", "/nonexistent")).parent
files = sorted(p.relative_to(area).as_posix() for p in area.rglob("*") if p.is_file()) if area.is_dir() else []
code = 0
if {real!r}:
    code = subprocess.run([{real!r}, *sys.argv[1:]]).returncode  # its output is what the model reads
with record.open("a") as out:
    out.write(json.dumps({{"argv": sys.argv[1:], "env": dict(os.environ), "files": files, "code": code}}) + "\\n")
if {hang_from_call!r} is not None and calls + 1 >= {hang_from_call!r}:
    time.sleep(3600)
sys.exit(code)
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return record


def _calls(record: Path) -> list[dict]:
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def _prechecks(calls: list[dict]) -> list[dict]:
    """The pre-apply check's builds; the model's own (patcher.deployed.kustomize_build) are the others."""
    return [c for c in calls if Path(c["env"]["HOME"]).parent.name.startswith("patcher-kustomize-")]


def _on_path(folder: Path) -> dict[str, str]:
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


class _Silent:
    """A server on 127.0.0.1 that accepts connections and never answers: counts who came."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent():
    server = _Silent()
    yield server
    server.close()


# 1. Writes into the scratch copy stay inside it -------------------------------------------------

def test_a_change_climbing_out_with_dotdot_is_refused_and_nothing_is_written(hostile) -> None:
    root = hostile.write(_routed("k8s"))
    before = hostile.snapshot_outside()
    change = FileChange("k8s/../../outside/np.yaml", None, "kind: NetworkPolicy\n")
    with pytest.raises(PatcherError) as caught:
        check_kustomize(root, [change])
    assert str(caught.value).startswith(
        "k8s/../../outside/np.yaml: refusing to write outside the repository (an absolute path or one that "
        "climbs out with '..'); nothing was written")
    assert hostile.snapshot_outside() == before


def test_an_absolute_change_path_is_refused_and_nothing_is_written(hostile) -> None:
    root = hostile.write(_routed("k8s"))
    before = hostile.snapshot_outside()
    target = hostile.outside / "np.yaml"
    with pytest.raises(PatcherError) as caught:
        check_kustomize(root, [FileChange(str(target), None, "kind: NetworkPolicy\n")])
    assert caught.value.file == str(target)
    assert caught.value.message.startswith("refusing to write outside the repository")
    assert hostile.snapshot_outside() == before


def test_a_change_through_a_folder_link_leading_out_is_refused_and_nothing_is_written(hostile) -> None:
    root = hostile.write(_routed("k8s", "linked/np.yaml"))
    (root / "k8s" / "linked").symlink_to(hostile.outside, target_is_directory=True)
    before = hostile.snapshot_outside()
    change = FileChange("k8s/linked/np.yaml", None, "kind: NetworkPolicy\n")
    with pytest.raises(PatcherError) as caught:
        check_kustomize(root, [change])
    assert str(caught.value) == (
        "k8s/linked/np.yaml: refusing to write through 'k8s/linked', a symbolic link to a folder outside the "
        "repository; nothing was written\n  hint: replace the link with a folder, or skip the rule that "
        "writes there")
    assert hostile.snapshot_outside() == before


@needs_kubectl
def test_a_file_link_leading_out_is_not_copied_and_the_build_is_skipped(hostile) -> None:
    root = hostile.write(_routed("k8s", "secret.yaml"))
    (root / "k8s" / "secret.yaml").symlink_to(hostile.outside / "secret.txt")
    change = FileChange("k8s/route.yaml", ROUTE, ROUTE + "# touched\n")
    result = check_kustomize(root, [change])
    assert result.built == ()
    assert result.notes == (
        "k8s/kustomization.yaml names 'secret.yaml' (resources), which is outside the repository: the Kustomize "
        "pre-check was skipped for it, `kubectl kustomize k8s` was not run before writing",)


@needs_kubectl
def test_a_kustomization_file_linking_out_is_not_copied_and_the_build_is_skipped(hostile) -> None:
    root = hostile.write({"k8s/service.yaml": SERVICE, "k8s/route.yaml": ROUTE})
    (hostile.outside / "kustomization.yaml").write_text(_kustomization("service.yaml", "route.yaml"))
    (root / "k8s" / "kustomization.yaml").symlink_to(hostile.outside / "kustomization.yaml")
    result = check_kustomize(root, [FileChange("k8s/route.yaml", ROUTE, ROUTE + "# touched\n")])
    assert result.built == ()
    assert result.notes == (
        "k8s/kustomization.yaml is a link leading outside the repository: the Kustomize pre-check was skipped "
        "for it, `kubectl kustomize k8s` was not run before writing",)


@needs_kubectl
def test_a_fifo_a_kustomization_names_is_never_opened_and_the_build_is_skipped(hostile) -> None:
    root = hostile.write(_routed("k8s", "pipe.yaml"))
    os.mkfifo(root / "k8s" / "pipe.yaml")  # opening it would block until a writer comes
    result = check_kustomize(root, [FileChange("k8s/route.yaml", ROUTE, ROUTE + "# touched\n")])
    assert result.built == ()
    assert result.notes == (
        "k8s/kustomization.yaml names 'pipe.yaml' (resources), which is not a regular file: the Kustomize "
        "pre-check was skipped for it, `kubectl kustomize k8s` was not run before writing",)


@needs_kubectl
def test_a_temporary_folder_that_cannot_be_used_is_an_error_naming_it(hostile, monkeypatch) -> None:
    root = hostile.write(_routed("k8s"))
    missing = hostile.root / "no-such-tmp"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    with pytest.raises(PatcherError) as caught:
        check_kustomize(root, [FileChange("k8s/route.yaml", ROUTE, ROUTE + "# touched\n")])
    assert str(caught.value) == (
        f"the Kustomize pre-check could not prepare its scratch copy in {missing}: No such file or directory; "
        "nothing was written\n  hint: free space in the temporary folder (or point TMPDIR elsewhere) and run "
        "apply again")
    assert (root / "k8s" / "route.yaml").read_text() == ROUTE


# 2. The child's environment and its time limit ---------------------------------------------------

@needs_kubectl
def test_kubectl_gets_no_credentials_kubeconfig_or_proxy(hostile, tmp_path_factory) -> None:
    root = hostile.write(_routed("k8s"))
    kubeconfig = hostile.outside / "kubeconfig"
    kubeconfig.write_text(f"token: {hostile.canary}\n")
    stand_in = tmp_path_factory.mktemp("bin")
    record = _stand_in(stand_in, real=REAL_KUBECTL)  # real: the model reads what it builds
    secrets = {"KUBECONFIG": str(kubeconfig), "GITHUB_TOKEN": hostile.canary, "GH_TOKEN": hostile.canary,
               "AWS_SECRET_ACCESS_KEY": hostile.canary, "GOOGLE_APPLICATION_CREDENTIALS": str(kubeconfig),
               "AZURE_CLIENT_SECRET": hostile.canary, "HTTPS_PROXY": f"http://user:{hostile.canary}@proxy:3128",
               "LC_ALL": "C.UTF-8"}
    before = hostile.snapshot_outside()
    outcome = hostile.run("apply", str(root), *RULE, env={**_on_path(stand_in), **secrets})
    assert outcome.code == 0, outcome.output
    hostile.assert_contained(outcome, before)
    calls = _calls(record)
    assert [c["argv"][0] for c in _prechecks(calls)] == ["kustomize", "kustomize"]  # before and after the change
    assert len(calls) == 4  # and the model's builds, before and after the fix
    for call in calls:
        env = call["env"]
        assert hostile.canary not in json.dumps(env)
        assert not {"KUBECONFIG", "GITHUB_TOKEN", "GH_TOKEN", "PATCHER_CANARY"} & set(env)
        assert not [k for k in env if k.startswith(("AWS_", "GOOGLE_", "AZURE_"))]
        assert env["PATH"] == _on_path(stand_in)["PATH"] and env["LC_ALL"] == "C.UTF-8"
        assert env["HOME"] != os.environ.get("HOME") and not Path(env["HOME"]).exists()  # scratch, removed
        assert env["HTTPS_PROXY"].startswith("http://127.0.0.1:") and env["GIT_ALLOW_PROTOCOL"] == "none"
    assert "timeout: 30s" in (root / "k8s" / "route.yaml").read_text()


def test_a_build_that_never_ends_after_the_change_is_stopped_and_nothing_is_written(
        hostile, tmp_path_factory, monkeypatch) -> None:
    root = hostile.write(_routed("k8s"))
    stand_in = tmp_path_factory.mktemp("bin")
    record = _stand_in(stand_in, hang_from_call=2)  # builds before the change, hangs after it
    monkeypatch.setenv("PATH", _on_path(stand_in)["PATH"])
    monkeypatch.setattr(kustomize_run, "TIMEOUT_SECONDS", 1)  # a limit, not a measurement
    change = FileChange("k8s/route.yaml", ROUTE, ROUTE + "# touched\n")
    with pytest.raises(PatcherError) as caught:
        check_kustomize(root, [change])
    assert str(caught.value) == (
        "k8s/kustomization.yaml: after the fixes, `kubectl kustomize k8s` fails: it did not finish within 1 s "
        "and was stopped\n  hint: nothing was written; skip the rule whose fix breaks the build and report it")
    assert len(_calls(record)) == 2
    assert (root / "k8s" / "route.yaml").read_text() == ROUTE


def test_a_build_that_never_ends_before_the_change_is_noted_not_held_against_it(
        hostile, tmp_path_factory, monkeypatch) -> None:
    root = hostile.write(_routed("k8s"))
    stand_in = tmp_path_factory.mktemp("bin")
    _stand_in(stand_in, hang_from_call=1)
    monkeypatch.setenv("PATH", _on_path(stand_in)["PATH"])
    monkeypatch.setattr(kustomize_run, "TIMEOUT_SECONDS", 1)
    result = check_kustomize(root, [FileChange("k8s/route.yaml", ROUTE, ROUTE + "# touched\n")])
    assert result.built == ()
    assert result.notes == ("`kubectl kustomize k8s` did not finish within 1 s even before the change and was "
                            "stopped: the Kustomize pre-check was skipped for it",)


# 3. No network: remote entries are not built -----------------------------------------------------

REMOTES = {
    "https resource": ("resources", "http://127.0.0.1:{port}/x.yaml", ""),
    "git over http": ("resources", "git::http://127.0.0.1:{port}/org/repo.git//deploy?ref=v1", ""),
    "git over ssh": ("resources", "ssh://git@127.0.0.1:{port}/org/repo.git", ""),
    "github shorthand": ("resources", "github.com/org/repo//deploy?ref=v1", ""),
    "scp-like git": ("resources", "git@github.com:org/repo.git", ""),
    "helm chart repository": ("helmCharts", "http://127.0.0.1:{port}/charts",
                              "helmCharts:\n- name: shop\n  repo: http://127.0.0.1:{port}/charts\n  version: 1.0.0\n"),
    "remote patch": ("patches", "http://127.0.0.1:{port}/patch.yaml",
                     "patches:\n- path: http://127.0.0.1:{port}/patch.yaml\n"),
    "remote generator file": ("configMapGenerator 'shop' files", "http://127.0.0.1:{port}/app.env",
                              "configMapGenerator:\n- name: shop\n  files:\n  - http://127.0.0.1:{port}/app.env\n"),
}


@needs_kubectl
@pytest.mark.parametrize("case", sorted(REMOTES))
def test_a_remote_entry_is_never_fetched_and_the_build_is_skipped_with_a_note(hostile, silent, case) -> None:
    field, entry, extra = (part.format(port=silent.port) for part in REMOTES[case])
    more = () if extra else (f"'{entry}'",)
    root = hostile.write(_routed("k8s", *more, extra=extra))
    before = hostile.snapshot_outside()
    outcome = hostile.run("apply", str(root), *RULE)
    hostile.assert_contained(outcome, before)
    assert silent.accepted == [], "kustomize was let at the network"
    assert (f"note: k8s/kustomization.yaml names the remote {field} entry '{entry}', which kustomize would "
            "fetch: the Kustomize pre-check was skipped for it, `kubectl kustomize k8s` was not run before "
            "writing") in outcome.stderr
    assert outcome.code == 0, outcome.output
    assert "timeout: 30s" in (root / "k8s" / "route.yaml").read_text()


OUTSIDE_ENTRIES = {
    "resource": (_kustomization("service.yaml", "route.yaml", "../../outside/secret.txt"), 4, 3,
                 "'../../outside/secret.txt' (resources)"),
    "absolute patch": (_kustomization("service.yaml", "route.yaml", extra="patches:\n- path: {secret}\n"), 5, 9,
                       "'{secret}' (patches)"),
    "generator file": (_kustomization("service.yaml", "route.yaml", extra=(
        "configMapGenerator:\n- name: leak\n  files:\n  - key=../../outside/secret.txt\n")), 7, 5,
        "'../../outside/secret.txt' (configMapGenerator 'leak' files)"),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE_ENTRIES))
def test_a_kustomization_entry_outside_the_repository_is_reported_never_read(hostile, case) -> None:
    text, line, column, named = OUTSIDE_ENTRIES[case]
    secret = str(hostile.outside / "secret.txt")
    root = hostile.write({"k8s/kustomization.yaml": text.format(secret=secret), "k8s/service.yaml": SERVICE,
                          "k8s/route.yaml": ROUTE})
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", str(root), *RULE)
    hostile.assert_contained(outcome, before)
    assert outcome.code == 1
    assert (f"warning: k8s/kustomization.yaml:{line}:{column}: names {named.format(secret=secret)}, which is "
            "outside the repository: not read, so what it adds is not analysed") in outcome.stderr


# 4. A monorepo subfolder builds from a copy of what it names -------------------------------------

def _monorepo(hostile, overlay_base: str) -> Path:
    files = {
        "platform/base/kustomization.yaml": _kustomization("service.yaml"),
        "platform/base/service.yaml": SERVICE,
        "platform/unrelated/kustomization.yaml": _kustomization("service.yaml"),
        "platform/unrelated/service.yaml": SERVICE,
        "services/shop/overlays/dev/kustomization.yaml": "namespace: shop\n" + _kustomization(overlay_base,
                                                                                               "route.yaml"),
        "services/shop/overlays/dev/route.yaml": ROUTE,
        "services/shop/docs/notes.yaml": "unrelated: true\n",
        "services/shop/.gitignore": "build/\n",
        "services/shop/build/cache.yaml": "ignored: true\n",
    }
    files.update({f"services/shop/node_modules/pkg{n}/index.js": "module.exports = 1\n" for n in range(500)})
    files.update({f"services/shop/.venv/lib/mod{n}.py": "x = 1\n" for n in range(100)})
    root = hostile.write(files)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@needs_kubectl
def test_a_monorepo_subfolder_builds_with_what_it_names_outside_the_folder(hostile, tmp_path_factory) -> None:
    root = _monorepo(hostile, "../../../../platform/base")
    stand_in = tmp_path_factory.mktemp("bin")
    record = _stand_in(stand_in, real=REAL_KUBECTL)
    before = hostile.snapshot_outside()
    outcome = hostile.run("apply", str(root / "services" / "shop"), *RULE, env=_on_path(stand_in))
    hostile.assert_contained(outcome, before)
    assert outcome.code == 0, outcome.output
    assert "note:" not in outcome.stderr
    calls = _prechecks(_calls(record))
    assert [(Path(c["argv"][1]).relative_to(Path(c["env"]["HOME"]).parent).as_posix(), c["code"])
            for c in calls] == [("tree/services/shop/overlays/dev", 0)] * 2  # real kubectl built it, twice
    assert [f for f in calls[0]["files"] if f.startswith("tree/")] == [
        "tree/platform/base/kustomization.yaml", "tree/platform/base/service.yaml",
        "tree/services/shop/overlays/dev/kustomization.yaml", "tree/services/shop/overlays/dev/route.yaml"]
    assert "timeout: 30s" in (root / "services/shop/overlays/dev/route.yaml").read_text()


@needs_kubectl
def test_an_overlay_naming_a_changed_base_is_built_too(hostile, tmp_path_factory) -> None:
    root = hostile.write({**_routed("base"), "overlays/dev/kustomization.yaml": _kustomization("../../base"),
                          "overlays/unrelated/kustomization.yaml": _kustomization("service.yaml"),
                          "overlays/unrelated/service.yaml": SERVICE})
    stand_in = tmp_path_factory.mktemp("bin")
    record = _stand_in(stand_in, real=REAL_KUBECTL)
    outcome = hostile.run("apply", str(root), *RULE, env=_on_path(stand_in))
    assert outcome.code == 0, outcome.output
    built = sorted((Path(c["argv"][1]).name, c["code"]) for c in _prechecks(_calls(record)))
    assert built == [("base", 0), ("base", 0), ("dev", 0), ("dev", 0)]


@needs_kubectl
def test_a_monorepo_reference_outside_the_git_work_tree_skips_the_build_with_a_note(
        hostile, tmp_path_factory) -> None:
    root = _monorepo(hostile, "../../../../../outside")
    stand_in = tmp_path_factory.mktemp("bin")
    record = _stand_in(stand_in, real=REAL_KUBECTL)
    before = hostile.snapshot_outside()
    outcome = hostile.run("apply", str(root / "services" / "shop"), *RULE, env=_on_path(stand_in))
    hostile.assert_contained(outcome, before)
    assert _calls(record) == []
    assert ("warning: overlays/dev/kustomization.yaml:3:3: names '../../../../../outside' (resources), which is "
            "outside the repository: not read, so what it adds is not analysed") in outcome.stderr
    assert ("note: overlays/dev/kustomization.yaml names '../../../../../outside' (resources), which is outside "
            "the repository: the Kustomize pre-check was skipped for it, `kubectl kustomize overlays/dev` was "
            "not run before writing") in outcome.stderr
    assert outcome.code == 1  # the warning


def test_a_warning_is_told_once_when_a_fix_moves_its_line(hostile) -> None:
    # the fixes add files to this kustomization's resources, which moves the outside entry down a
    # line in the fixed text: the warning is the same one, not a second one at another line
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[2] / "base", hostile.root, dirs_exist_ok=True)
    kustomization = hostile.root / "k8s" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "patches:\n  - path: ../../outside/secret.txt\n")
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", "--unsafe-fixes", str(hostile.root))
    hostile.assert_contained(outcome, before)
    assert "+++ b/k8s/kustomization.yaml" in outcome.stdout
    assert outcome.stderr.count("which is outside the repository: not read") == 1, outcome.stderr
