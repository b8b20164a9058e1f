"""Bounded work on YAML: alias bombs, deep nesting, values JSON has no type for, schema
servers that never answer, a temporary folder or disk that is full.

Each repository also holds a plain VirtualService without a timeout (``api``): its finding
and fix prove the rest of the repository was still analysed.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading

import pytest
from conftest import TIMEOUT_SECONDS as TIMEOUT, Outcome

from patcher.schema_download import TIMEOUT_SECONDS
from patcher.yamlbounds import MAX_DEPTH, MAX_NODES

ROUTE = """apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {name}
  namespace: store
{meta}spec:
  hosts:
    - "{name}.example.com"
  http:
    - name: {name}
{route}      route:
        - destination:
            host: {name}
            port:
              number: 3000
"""
API_FINDING = "route 0 'api' of VirtualService store/api has no timeout and no retries"


def route(name: str, meta: str = "", extra: str = "") -> str:
    """A VirtualService whose route the timeout rule fixes; ``meta`` goes under metadata,
    ``extra`` into the route (both already indented)."""
    return ROUTE.format(name=name, meta=meta, route=extra)


def laughs(levels: int, indent: int) -> str:
    """Billion laughs: each level an anchored list of nine aliases to the level below."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "".join(" " * indent + line + "\n" for line in lines)


def nested_mappings(depth: int) -> str:
    return "{a: " * depth + "1" + "}" * depth


def nested_sequences(depth: int) -> str:
    return "- " * depth + "x\n"


def assert_rest_analysed(outcome) -> None:
    assert API_FINDING in outcome.output
    assert "+      timeout: 30s" in outcome.stdout


def test_alias_bomb_in_an_edited_document_is_refused_naming_file_and_line(hostile):
    # nine levels expand to 9^9 nodes: a tree walk of that (the check of a fix) never ends
    hostile.write({"istio/web.yaml": route("web", "  annotations:\n    bomb:\n" + laughs(9, 6)),
                   "istio/api.yaml": route("api")})
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 1, outcome.output
    # line 14 holds a6, the first list past the bound (9^7 nodes); column 11 its "["
    assert (f"error: istio/web.yaml:14:11: the file holds more than {MAX_NODES:,} YAML nodes once its "
            "aliases are expanded (an alias bomb?): not analysed") in outcome.stderr
    assert "web.yaml" not in outcome.stdout  # no fix for the refused file
    assert_rest_analysed(outcome)
    hostile.assert_contained(outcome, before)


@pytest.mark.parametrize("format", ["json", "sarif", "markdown"])
def test_alias_bomb_every_output_format(hostile, format):
    hostile.write({"istio/web.yaml": route("web", "  labels:\n    bomb:\n" + laughs(9, 6)),
                   "istio/api.yaml": route("api")})
    outcome = hostile.run("plan", "--format", format, str(hostile.root))
    assert outcome.code == 1, outcome.output
    assert "istio/web.yaml" in outcome.stdout and "alias bomb" in outcome.stdout
    if format != "markdown":
        json.loads(outcome.stdout)
    hostile.assert_contained(outcome, hostile.snapshot_outside())


def test_alias_bomb_in_validate_and_apply(hostile):
    hostile.write({"istio/web.yaml": route("web", "  labels:\n    bomb:\n" + laughs(9, 6)),
                   "istio/api.yaml": route("api")})
    bomb = (hostile.root / "istio/web.yaml").read_bytes()
    validated = hostile.run("validate", str(hostile.root))
    assert validated.code == 1 and "istio/web.yaml:14:11:" in validated.output, validated.output
    applied = hostile.run("apply", str(hostile.root))
    assert applied.code == 1 and "alias bomb" in applied.output, applied.output
    assert (hostile.root / "istio/web.yaml").read_bytes() == bomb
    assert "timeout: 30s" in (hostile.root / "istio/api.yaml").read_text()


def test_alias_bomb_under_the_bound_is_fixed(hostile):
    # six levels: about 600,000 nodes, inside the bound; the fix is checked and made
    # under a field no check reads (labels must be strings: a bomb there is a malformed resource)
    hostile.write({"istio/web.yaml": route("web", extra="      headers:\n        bomb:\n" + laughs(6, 10))})
    outcome = hostile.run("plan", "--format", "json", str(hostile.root))
    assert outcome.code == 1, outcome.output
    found = [(f["rule"], f["status"]) for f in json.loads(outcome.stdout)["findings"]]
    # headers hold request/response, not a header name: the schema says so, the route is still fixed
    assert found == [("schema/invalid-resource", "no-fix"), ("istio/route-without-timeout", "would-fix")]


def test_alias_to_its_own_collection_is_refused(hostile):
    # `&loop [*loop]` is a list that holds itself: every walk of it loops forever
    hostile.write({"istio/web.yaml": route("web", "  labels:\n    loop: &loop [x, *loop]\n"),
                   "istio/api.yaml": route("api")})
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 1, outcome.output
    assert ("error: istio/web.yaml:7:11: an alias refers to the collection it is in (the document never "
            "ends): not analysed") in outcome.stderr
    assert_rest_analysed(outcome)
    hostile.assert_contained(outcome, hostile.snapshot_outside())


@pytest.mark.parametrize("shape", ["mappings", "sequences"])
def test_500_levels_of_nesting_in_an_edited_document(hostile, shape):
    deep = (f"      headers:\n        request:\n          set:\n            deep: {nested_mappings(500)}\n"
            if shape == "mappings" else "      mirror:\n" + "        " + nested_sequences(500))
    hostile.write({"istio/web.yaml": route("web", extra=deep), "istio/api.yaml": route("api")})
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 1, outcome.output
    assert f"collections nest more than {MAX_DEPTH} levels deep: not analysed" in outcome.stderr
    # where the nesting passes the limit: in the flow mappings' line, or the sequences' line
    assert f"error: istio/web.yaml:{14 if shape == 'mappings' else 12}:" in outcome.stderr, outcome.stderr
    assert_rest_analysed(outcome)
    hostile.assert_contained(outcome, before)


def test_500_levels_of_nesting_in_a_plain_document(hostile):
    hostile.write({"k8s/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n"
                                      "  x:\n" + "    " + nested_sequences(500),
                   "istio/api.yaml": route("api")})
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 1, outcome.output
    assert (f"error: k8s/config.yaml:7:"  # the line of the sequences
            in outcome.stderr and f"nest more than {MAX_DEPTH} levels deep" in outcome.stderr), outcome.stderr
    assert_rest_analysed(outcome)
    hostile.assert_contained(outcome, hostile.snapshot_outside())


def test_nesting_at_the_limit_is_analysed_and_fixed(hostile):
    # the route's headers.request.set sits 7 levels down: the mappings take it to exactly the limit
    deep = f"      headers:\n        request:\n          set:\n            deep: {nested_mappings(MAX_DEPTH - 7)}\n"
    hostile.write({"istio/web.yaml": route("web", extra=deep)})
    for format in ("json", "sarif", "text"):
        outcome = hostile.run("plan", "--format", format, str(hostile.root))
        assert outcome.code == 1, outcome.output
        assert "nest more than" not in outcome.output
        if format == "json":
            # a header's value is a string: the schema says so, the route is still fixed
            assert [(f["rule"], f["status"]) for f in json.loads(outcome.stdout)["findings"]] == [
                ("schema/invalid-resource", "no-fix"), ("istio/route-without-timeout", "would-fix")]
    applied = hostile.run("apply", str(hostile.root))
    assert applied.code == 1, applied.output  # the schema finding remains, to fix by hand
    assert "1 fixed, changing 1 file; 1 remains: 1 with no fix" in applied.stderr
    assert "timeout: 30s" in (hostile.root / "istio/web.yaml").read_text()


def test_settings_file_with_an_alias_bomb_exits_2(hostile):
    hostile.write({".patcher.yaml": "disable: []\nbomb:\n" + laughs(9, 2), "istio/api.yaml": route("api")})
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 2, outcome.output
    assert "error: .patcher.yaml:" in outcome.stderr and "alias bomb" in outcome.stderr
    hostile.assert_contained(outcome, hostile.snapshot_outside())


# --- values JSON has no type for, in a document a fix edits -----------------------------------

ODD_VALUES = """    when: 2024-01-01
    stamp: 2024-01-01T10:00:00Z
    blob: !!binary aGVsbG8=
    members: !!set {a, b}
    1: one
    2024-02-02: dated
    ratio: .nan
    limit: .inf
    floor: -.inf
"""

MISPLACED = """apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: web
  namespace: store
spec:
  host: web
  loadBalancer:
    simple: ROUND_ROBIN
""" + ODD_VALUES.replace("    ", "    ", 1)


@pytest.mark.parametrize("format", ["json", "sarif", "markdown", "text"])
def test_timestamps_binary_sets_odd_keys_and_nan_in_edited_documents(hostile, format):
    # the route fix edits web.yaml (odd values under the route's headers); the policy fix moves loadBalancer, odd values
    # and all, so they appear in the fix's edits (JSON's "old")
    hostile.write({"istio/web.yaml": route("web", extra="      headers:\n" + ODD_VALUES.replace("    ", "        ")),
                   "istio/dr.yaml": MISPLACED, "istio/api.yaml": route("api")})
    outcome = hostile.run("plan", "--format", format, "--unsafe-fixes", str(hostile.root))
    assert outcome.code == 1, outcome.output
    hostile.assert_contained(outcome, hostile.snapshot_outside())
    if format == "json":
        plan = json.loads(outcome.stdout)  # strict: NaN or Infinity would not parse in other readers
        assert "NaN" not in outcome.stdout and "Infinity" not in outcome.stdout
        moved = [e for f in plan["findings"] if f["fix"] for e in f["fix"]["edits"] if e["type"] == "MoveKey"]
        assert moved[0]["old"] == {"simple": "ROUND_ROBIN", "when": "2024-01-01", "stamp": "2024-01-01T10:00:00+00:00",
                                   "blob": "aGVsbG8=", "members": ["a", "b"], "1": "one", "2024-02-02": "dated",
                                   "ratio": ".nan", "limit": ".inf", "floor": "-.inf"}
        statuses = {f["location"]["file"]: f["status"] for f in plan["findings"]}
        assert statuses["istio/web.yaml"] == "would-fix"  # the odd values do not fail the route's check
    elif format == "sarif":
        json.loads(outcome.stdout)
    assert "istio/web.yaml" in outcome.stdout


def test_mapping_key_that_is_a_list_is_a_diagnostic(hostile):
    hostile.write({"k8s/odd.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  ? [a]\n  : b\n",
                   "istio/api.yaml": route("api")})
    outcome = hostile.run("plan", "--format", "json", str(hostile.root))
    assert outcome.code == 1, outcome.output
    diagnostics = json.loads(outcome.stdout)["diagnostics"]
    assert {"level": "error", "file": "k8s/odd.yaml", "line": 6, "column": 5,
            "message": "a mapping key is itself a list or mapping: not analysed",
            "hint": "write the key as a string"} in diagnostics
    assert API_FINDING in outcome.stdout


# --- schema locations that never answer, or hold what cannot be read ------------------------------

class SilentServer:
    """A real server on 127.0.0.1 that accepts every connection and never answers; it counts them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed: the test is over
                return
            self.accepted.append(connection)  # held open, never read from or written to

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def test_schema_server_that_never_answers_is_asked_once(hostile, silent_server, tmp_path_factory):
    # three routes to fix: each fix is schema-checked; and two kinds the server would serve
    hostile.write({f"istio/{name}.yaml": route(name) for name in ("api", "web", "shop")})
    hostile.write({"istio/dr.yaml": MISPLACED.split("    when:")[0]})
    location = f"http://127.0.0.1:{silent_server.port}/{{{{.ResourceKind}}}}.json"
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", "--format", "json", "--schema-location", location, str(hostile.root),
                          env={"XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))})
    assert outcome.code == 1, outcome.output
    plan = json.loads(outcome.stdout)
    # the rest analysed and fixed; the schema error of the misplaced field is cleared by its fix
    assert sorted((f["rule"], f["status"]) for f in plan["findings"]) == [
        ("istio/misplaced-traffic-policy", "would-fix")] + [("istio/route-without-timeout", "would-fix")] * 3 + [
        ("schema/invalid-resource", "would-fix")]
    [note] = [d for d in plan["diagnostics"] if "schema server" in d["message"]]
    assert note["level"] == "note"
    assert note["message"].startswith(f"schema server http://127.0.0.1:{silent_server.port} failed (no answer "
                                      f"within {TIMEOUT_SECONDS:g} s, for http://127.0.0.1:{silent_server.port}/")
    assert len(silent_server.accepted) == 1  # the second, third... schema did not wait again
    hostile.assert_contained(outcome, before)


def test_validate_against_a_schema_server_that_never_answers(hostile, silent_server, tmp_path_factory):
    hostile.write({f"istio/{name}.yaml": route(name) for name in ("api", "web", "shop")})
    hostile.write({"istio/dr.yaml": MISPLACED.split("    when:")[0]})
    location = f"http://127.0.0.1:{silent_server.port}/"
    outcome = hostile.run("validate", "--schema-location", location, str(hostile.root),
                          env={"XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))})
    # patcher's own DestinationRule schema still finds loadBalancer misplaced
    assert outcome.code == 1, outcome.output
    assert "istio/dr.yaml:8:3: critical [schema/invalid-resource] DestinationRule store/web" in outcome.output
    assert f"note: .: schema server http://127.0.0.1:{silent_server.port} failed (no answer" in outcome.output
    assert len(silent_server.accepted) == 1
    hostile.assert_contained(outcome, hostile.snapshot_outside())


def test_schema_folder_with_a_fifo_and_a_link_loop(hostile, tmp_path_factory):
    location = tmp_path_factory.mktemp("schemas")
    schemas = location / "networking.istio.io"
    schemas.mkdir()
    os.mkfifo(schemas / "virtualservice_v1beta1.json")  # reading it would block forever
    (schemas / "destinationrule_v1beta1.json").symlink_to("destinationrule_v1beta1.json")
    hostile.write({"istio/api.yaml": route("api"), "istio/dr.yaml": MISPLACED.split("    when:")[0]})
    before = hostile.snapshot_outside()
    outcome = hostile.run("validate", "--schema-location", str(location), str(hostile.root))
    assert outcome.code == 1, outcome.output  # patcher's own schemas stand in for the unreadable ones
    assert "istio/dr.yaml:8:3: critical [schema/invalid-resource] DestinationRule store/web" in outcome.output
    hostile.assert_contained(outcome, before)


# --- a full disk or temporary folder ------------------------------------------------------------
# Two ways to make writes fail for real, without root: RLIMIT_FSIZE (every write past the limit
# fails with EFBIG; Python ignores SIGXFSZ, so the process is not killed), which always works;
# and a tiny tmpfs mounted in a user and mount namespace (unshare -Urm), which is ENOSPC itself,
# where the kernel allows such namespaces.

LIMIT = 4096  # bytes a file may grow to under RLIMIT_FSIZE
PADDING = "# " + "padding " * 800 + "\n"  # makes a file larger than LIMIT


def limited_run(hostile, *args: str, env: dict[str, str] | None = None):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    full_env = {**os.environ, "PATCHER_CANARY": hostile.canary, "NO_COLOR": "1", **(env or {})}
    done = subprocess.run([sys.executable, "-m", "patcher", *args], capture_output=True, text=True,
                          timeout=TIMEOUT, env=full_env, cwd=hostile.root.parent, preexec_fn=limit)
    return Outcome(done.returncode, done.stdout, done.stderr)


def can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-Urm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


needs_tmpfs = pytest.mark.skipif(not can_mount_tmpfs(), reason="user namespaces (unshare -Urm) are not allowed here")
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="the Kustomize pre-check needs kubectl")

KUSTOMIZED = {"deploy/kustomization.yaml": "resources:\n  - vs.yaml\n", "deploy/vs.yaml": PADDING + route("api")}


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@needs_kubectl
def test_kustomize_scratch_copy_past_a_file_size_limit(hostile, tmp_path_factory):
    hostile.write(KUSTOMIZED)
    before, outside = tree(hostile.root), hostile.snapshot_outside()
    scratch = tmp_path_factory.mktemp("tmp")
    outcome = limited_run(hostile, "apply", str(hostile.root), env={"TMPDIR": str(scratch)})
    assert outcome.code == 2, outcome.output
    assert outcome.stderr.startswith(f"error: the Kustomize pre-check could not prepare its scratch copy in "
                                     f"{scratch}: File too large; nothing was written"), outcome.stderr
    assert tree(hostile.root) == before
    assert list(scratch.iterdir()) == []  # the scratch copy is gone too
    hostile.assert_contained(outcome, outside)


def test_writer_past_a_file_size_limit_changes_nothing(hostile):
    # a.yaml's fixed text fits under the limit, b.yaml's does not: a is written to its temporary
    # file first, b fails, and neither original is replaced
    hostile.write({"a.yaml": route("api"), "b.yaml": PADDING + route("web")})
    before, outside = tree(hostile.root), hostile.snapshot_outside()
    outcome = limited_run(hostile, "apply", str(hostile.root))
    assert outcome.code == 2, outcome.output
    assert outcome.stderr.startswith("error: b.yaml: write failed (File too large); nothing changed"), outcome.stderr
    assert tree(hostile.root) == before  # no temporary file left either
    hostile.assert_contained(outcome, outside)


@needs_tmpfs
@needs_kubectl
def test_full_temporary_folder_for_the_kustomize_pre_check(hostile, tmp_path_factory):
    hostile.write(KUSTOMIZED)
    before, outside = tree(hostile.root), hostile.snapshot_outside()
    small = tmp_path_factory.mktemp("small-tmp")
    script = 'mount -t tmpfs -o size=4k tmpfs "$0" && exec "$@"'
    env = {**os.environ, "TMPDIR": str(small), "PATCHER_CANARY": hostile.canary, "NO_COLOR": "1"}
    done = subprocess.run(["unshare", "-Urm", "sh", "-c", script, str(small), sys.executable, "-m", "patcher",
                           "apply", str(hostile.root)], capture_output=True, text=True, timeout=TIMEOUT, env=env)
    outcome = Outcome(done.returncode, done.stdout, done.stderr)
    assert outcome.code == 2, outcome.output
    assert outcome.stderr.startswith(f"error: the Kustomize pre-check could not prepare its scratch copy in "
                                     f"{small}: No space left on device; nothing was written"), outcome.stderr
    assert tree(hostile.root) == before
    hostile.assert_contained(outcome, outside)


@needs_tmpfs
def test_full_disk_under_the_repository(hostile, tmp_path_factory):
    # the repository on a tmpfs filled to the last byte: the first temporary file fails, nothing
    # is replaced; the repository is copied out afterwards to be looked at (the mount ends with
    # the namespace)
    hostile.write({"a.yaml": route("api"), "b.yaml": route("web")})
    before = tree(hostile.root)
    disk, after = tmp_path_factory.mktemp("disk"), tmp_path_factory.mktemp("after") / "repo"
    script = ('mount -t tmpfs -o size=64k tmpfs "$DISK" && cp -r "$REPO" "$DISK/repo" && '
              '(dd if=/dev/zero of="$DISK/fill" bs=1k 2>/dev/null; true) && '
              '"$PY" -m patcher apply "$DISK/repo"; code=$?; cp -r "$DISK/repo" "$AFTER"; exit $code')
    env = {**os.environ, "DISK": str(disk), "REPO": str(hostile.root), "AFTER": str(after), "PY": sys.executable,
           "PATCHER_CANARY": hostile.canary, "NO_COLOR": "1"}
    done = subprocess.run(["unshare", "-Urm", "sh", "-c", script], capture_output=True, text=True,
                          timeout=TIMEOUT, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: a.yaml: write failed (No space left on device); nothing changed"), \
        done.stderr
    assert tree(after) == before


def test_a_file_of_more_nodes_than_the_bound_without_aliases(hostile):
    items = "[" + "1," * MAX_NODES + "1]"  # about 2 MB, under the default max-file-size
    hostile.write({"k8s/big.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  x: {items}\n",
                   "istio/api.yaml": route("api")})
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 1, outcome.output
    assert f"error: k8s/big.yaml:1:1: the file holds more than {MAX_NODES:,} YAML nodes: not analysed" in outcome.stderr
    assert_rest_analysed(outcome)
