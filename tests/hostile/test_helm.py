"""Hostile Helm charts: a chart is code the repository brings, and Helm runs it.

Each repository here is base/ (whose eight routing problems must still be found)
plus one chart, ``evil/``, that attacks patcher: a template that never ends or
builds gigabytes, links that lead Helm outside the repository, a FIFO.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from patcher import helm_process
from helpers import CHECKLIST_RULES
from patcher.chart_copy import LeftOut, copy_chart

if TYPE_CHECKING:
    from conftest import Hostile

WAIT = 120  # seconds, as the hostile fixture's own timeout: far above a normal run
BASE = Path(__file__).resolve().parents[2] / "base"
CHART = "apiVersion: v2\nname: evil\nversion: 0.1.0\n"
FIRST = "helm-releases: [{chart: evil}]\n"  # rendered before base's chart, so a stopped engine must restart
NESTED_LOOP = "{{ range $i := until 100000 }}{{ range $j := until 100000 }}{{ end }}{{ end }}\n"
# what ``.Files.Get`` returns becomes the render's error message, which patcher prints: a leak shows
LEAK = '{{ with .Files.Get "files/env" }}{{ fail . }}{{ end }}\n'


def repository(hostile: Hostile, files: dict[str, str]) -> Path:
    shutil.copytree(BASE, hostile.root, dirs_exist_ok=True)
    return hostile.write({"evil/Chart.yaml": CHART, **files})


def link(hostile: Hostile, rel: str, target: str) -> None:
    path = hostile.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


def plan_json(hostile: Hostile, *args: str) -> tuple[int, dict, str]:
    outcome = hostile.run("plan", "--format", "json", *args, str(hostile.root))
    assert "Traceback" not in outcome.stderr and "patcher crashed" not in outcome.stderr, outcome.stderr
    return outcome.code, json.loads(outcome.stdout), outcome.stderr


def diagnostic(data: dict, file: str) -> dict:
    found = [d for d in data["diagnostics"] if d["file"] == file]
    assert len(found) == 1, data["diagnostics"]
    return found[0]


def base_still_analysed(data: dict) -> bool:
    return CHECKLIST_RULES <= {f["rule"] for f in data["findings"]}


def test_template_that_loops_for_hours_is_stopped_at_the_time_limit(hostile: Hostile) -> None:
    repository(hostile, {".patcher.yaml": FIRST + "helm-timeout: 2s\n", "evil/templates/loop.yaml": NESTED_LOOP})
    before = hostile.snapshot_outside()
    code, data, _ = plan_json(hostile)
    d = diagnostic(data, "evil/Chart.yaml")
    assert (d["level"], d["message"]) == ("error", "Helm did not finish rendering the chart within the time limit "
                                                   "of 2s (helm-timeout): stopped, its resources are not analysed")
    assert "raise helm-timeout" in d["hint"]
    assert code == 1 and base_still_analysed(data)
    hostile.assert_contained(hostile.run("plan", str(hostile.root)), before)


def test_recursive_include_ends_with_helms_error_shortened(hostile: Hostile) -> None:
    repository(hostile, {".patcher.yaml": FIRST, "evil/templates/self.yaml":
                         '{{ define "again" }}{{ include "again" . }}{{ end }}{{ include "again" . }}\n'})
    code, data, _ = plan_json(hostile)
    d = diagnostic(data, "evil/Chart.yaml")
    assert d["message"].startswith("Helm could not render the chart: template: evil/templates/self.yaml:1:")
    assert d["message"].endswith("rendering template has a nested reference name: again: unable to execute template")
    assert len(d["message"]) < 1100
    assert code == 1 and base_still_analysed(data)


def test_render_of_100_mb_is_refused_at_the_output_limit(hostile: Hostile) -> None:
    repository(hostile, {".patcher.yaml": FIRST, "evil/templates/big.yaml": 'big: {{ "x" | repeat 100000000 }}\n'})
    code, data, _ = plan_json(hostile)
    d = diagnostic(data, "evil/Chart.yaml")
    assert d["message"] == ("the chart rendered 95 MiB of text, over the limit of 64 MiB: "
                            "its resources are not analysed")
    assert code == 1 and base_still_analysed(data)


def test_render_that_needs_gigabytes_is_stopped_at_the_memory_limit(hostile: Hostile) -> None:
    repository(hostile, {".patcher.yaml": FIRST, "evil/templates/huge.yaml": 'huge: {{ "x" | repeat 5000000000 }}\n'})
    code, data, _ = plan_json(hostile)
    d = diagnostic(data, "evil/Chart.yaml")
    assert d["message"] == ("Helm needed more than the memory limit of 4 GiB to render the chart: stopped, "
                            "its resources are not analysed")
    assert code == 1 and base_still_analysed(data)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _busy_worker(pid: int) -> int:
    """The engine process patcher ``pid`` started, once it has spent a second of CPU rendering."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for child in _children(pid):
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") >= 1.0:
                return child
        time.sleep(0.1)
    raise AssertionError("no engine process started rendering")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_during_a_render_stops_patcher_and_its_engine(hostile: Hostile) -> None:
    repository(hostile, {"evil/templates/loop.yaml": NESTED_LOOP})
    env = {**os.environ, "PATCHER_CANARY": hostile.canary, "NO_COLOR": "1"}
    # as from a terminal: a job started in the background without job control (CI may run the
    # suite so) inherits SIGINT ignored, and Python then keeps ignoring it
    patcher = subprocess.Popen([sys.executable, "-m", "patcher", "plan", str(hostile.root)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        worker = _busy_worker(patcher.pid)
        assert hostile.canary.encode() not in Path(f"/proc/{worker}/environ").read_bytes()
        patcher.send_signal(signal.SIGINT)
        _, stderr = patcher.communicate(timeout=WAIT)
    finally:
        patcher.kill()
    assert patcher.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert not os.path.exists(f"/proc/{worker}"), "the engine process outlived patcher"


def test_files_get_of_a_link_to_proc_self_environ_reads_nothing(hostile: Hostile) -> None:
    repository(hostile, {"evil/templates/leak.yaml": LEAK, "evil/templates/cm.yaml":
                         'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: env\n'
                         'data:\n  env: {{ .Files.Get "files/env" | quote }}\n'})
    link(hostile, "evil/files/env", "/proc/self/environ")
    before = hostile.snapshot_outside()
    code, data, stderr = plan_json(hostile)
    d = diagnostic(data, "evil/Chart.yaml")
    assert (d["level"], d["message"]) == ("note", "rendered without 1 path(s) Helm must not read: evil/files/env "
                                                  "(a symbolic link leading outside the repository)")
    assert code == 1 and base_still_analysed(data)
    assert hostile.canary not in json.dumps(data) + stderr
    for form in ("text", "sarif", "markdown"):
        hostile.assert_contained(hostile.run("plan", "--format", form, str(hostile.root)), before)


def test_templates_folder_linking_outside_is_not_rendered(hostile: Hostile) -> None:
    (hostile.outside / "templates").mkdir()
    (hostile.outside / "templates" / "outside.yaml").write_text(
        f'{{{{ fail "{hostile.canary}" }}}}\n', encoding="utf-8")
    repository(hostile, {})
    link(hostile, "evil/templates", "../../outside/templates")
    before = hostile.snapshot_outside()
    code, data, _ = plan_json(hostile)
    assert diagnostic(data, "evil/Chart.yaml")["message"] == (
        "rendered without 1 path(s) Helm must not read: evil/templates (a symbolic link leading outside the "
        "repository)")
    assert code == 1 and base_still_analysed(data)
    for form in ("text", "json", "sarif"):
        hostile.assert_contained(hostile.run("plan", "--format", form, str(hostile.root)), before)


def test_fifo_in_chart_files_is_left_out(hostile: Hostile) -> None:
    repository(hostile, {"evil/templates/cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pipe\n'
                                                   'data:\n  pipe: {{ .Files.Get "files/pipe" | quote }}\n'})
    (hostile.root / "evil" / "files").mkdir()
    os.mkfifo(hostile.root / "evil" / "files" / "pipe")
    code, data, _ = plan_json(hostile)
    d = diagnostic(data, "evil/Chart.yaml")
    assert (d["level"], d["message"]) == ("note", "rendered without 1 path(s) Helm must not read: evil/files/pipe "
                                                  "(not a regular file but a FIFO)")
    assert code == 1 and base_still_analysed(data)


def test_link_inside_the_repository_is_rendered_as_its_target(hostile: Hostile) -> None:
    repository(hostile, {"shared/message.txt": "read through a link inside the repository",
                         "evil/templates/show.yaml": '{{ fail (.Files.Get "files/message.txt") }}\n'})
    link(hostile, "evil/files/message.txt", "../../shared/message.txt")
    _, data, _ = plan_json(hostile)
    assert diagnostic(data, "evil/Chart.yaml")["message"] == (
        "Helm could not render the chart: execution error at (evil/templates/show.yaml:1:3): "
        "read through a link inside the repository")


def test_link_loops_and_folder_cycles_are_left_out_of_the_copy(tmp_path: Path) -> None:
    chart = tmp_path / "repo" / "chart"
    (chart / "files").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART)
    (chart / "files" / "kept.txt").write_text("kept")
    os.symlink("self", chart / "files" / "self")
    os.symlink("b", chart / "files" / "a")
    os.symlink("a", chart / "files" / "b")
    os.symlink("..", chart / "files" / "up")
    copy = tmp_path / "copy"
    left = copy_chart(tmp_path / "repo", "chart", copy)
    assert left == [LeftOut("chart/files/a", "a symbolic link loop"), LeftOut("chart/files/b", "a symbolic link loop"),
                    LeftOut("chart/files/self", "a symbolic link loop"),
                    LeftOut("chart/files/up", "a symbolic link loop")]
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == [
        "Chart.yaml", "files", "files/kept.txt"]
    assert not any(p.is_symlink() for p in copy.rglob("*"))


def test_version_control_folders_are_not_copied_with_a_root_chart(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "objects" / "pack").write_bytes(b"x" * 1000)
    (root / "templates").mkdir()
    (root / "Chart.yaml").write_text(CHART)
    (root / "templates" / "cm.yaml").write_text("kind: ConfigMap\n")
    copy = tmp_path / "copy"
    assert copy_chart(root, ".", copy) == []
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == [
        "Chart.yaml", "templates", "templates/cm.yaml"]


def test_helm_timeout_setting_must_be_a_duration(hostile: Hostile) -> None:
    repository(hostile, {".patcher.yaml": "helm-timeout: soon\n"})
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 2
    assert ("error: .patcher.yaml:1:1: setting 'helm-timeout' is 'soon'; it must be a duration above zero such as "
            "30s, 1m30s or 250ms") in outcome.stderr


def test_one_engine_serves_every_render_of_a_run(hostile: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import plan

    repository(hostile, {"evil/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"})
    helm_process.engine().stop()
    served: list[tuple[str, int]] = []  # (request, engine process id)
    started = helm_process.Engine._started
    monkeypatch.setattr(helm_process.Engine, "_started",
                        lambda self: (lambda p: served.append(("", p.pid)) or p)(started(self)))
    answer = helm_process.Engine.request
    monkeypatch.setattr(helm_process.Engine, "request",
                        lambda self, r, t: served.append((r["op"], 0)) or answer(self, r, t))
    result = plan(hostile.root)
    assert CHECKLIST_RULES <= {f.rule for f in result.findings}
    assert sorted(op for op, _ in served if op) == ["dependencies", "dependencies", "render", "render"]
    assert len({pid for op, pid in served if not op}) == 1


def test_dates_in_a_values_file_reach_helm_as_written(hostile: Hostile) -> None:
    repository(hostile, {".patcher.yaml": "helm-releases: [{chart: evil, values: [evil/extra.yaml]}]\n",
                         "evil/extra.yaml": "day: 2024-01-31\n",
                         "evil/templates/show.yaml": "{{ fail .Values.day }}\n"})
    _, data, _ = plan_json(hostile)
    assert diagnostic(data, "evil/Chart.yaml")["message"] == (
        "Helm could not render the chart: execution error at (evil/templates/show.yaml:1:3): 2024-01-31")


def test_a_timestamp_in_a_values_file_is_an_error_naming_the_chart(hostile: Hostile) -> None:
    repository(hostile, {".patcher.yaml": "helm-releases: [{chart: evil, values: [evil/extra.yaml]}]\n",
                         "evil/extra.yaml": "at: 2024-01-31T10:00:00Z\n"})
    code, data, _ = plan_json(hostile)
    d = diagnostic(data, "evil/Chart.yaml")
    assert d["message"] == ("the chart's values cannot be passed to Helm: a datetime value (Helm would read its "
                            "text, which patcher does not keep)")
    assert code == 1 and base_still_analysed(data)


def test_links_reach_as_far_as_the_git_work_tree_holding_the_repository(tmp_path: Path) -> None:
    work_tree = tmp_path / "mono"
    (work_tree / ".git").mkdir(parents=True)
    (work_tree / "shared").mkdir()
    (work_tree / "shared" / "common.txt").write_text("common")
    (tmp_path / "beside.txt").write_text("beside")
    chart = work_tree / "app" / "chart"
    (chart / "files").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART)
    os.symlink("../../../shared/common.txt", chart / "files" / "common.txt")
    os.symlink("../../../../beside.txt", chart / "files" / "beside.txt")
    copy = tmp_path / "copy"
    left = copy_chart(work_tree / "app", "chart", copy)
    assert left == [LeftOut("chart/files/beside.txt", "a symbolic link leading outside the repository")]
    assert (copy / "files" / "common.txt").read_text() == "common"
    assert not (copy / "files" / "common.txt").is_symlink()


def test_values_schema_ref_to_a_server_is_never_fetched(hostile: Hostile) -> None:
    # Helm loads a values schema's $ref over HTTP, loopback included (no proxy setting reaches
    # it): the engine's process has no network, so the server must see no connection at all
    import http.server
    import threading

    connections: list[str] = []

    class Schema(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            connections.append(self.path)
            body = json.dumps({"type": "object", "required": [hostile.canary]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Schema)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/schema.json"
        repository(hostile, {"evil/values.schema.json": json.dumps({"$ref": url}),
                             "evil/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil}\n"})
        before = hostile.snapshot_outside()
        outcome = hostile.run("plan", "--format", "json", str(hostile.root))
    finally:
        server.shutdown()
    assert connections == []
    data = json.loads(outcome.stdout)
    assert diagnostic(data, "evil/Chart.yaml")["message"] == (
        f"rendered without 1 path(s) Helm must not read: evil/values.schema.json (a values schema that refers to "
        f"'{url}', outside itself)")
    assert outcome.code == 1 and base_still_analysed(data)
    hostile.assert_contained(outcome, before)


@pytest.mark.parametrize("reference", ["file://{outside}/secret.txt", "file:///proc/self/environ",
                                       "../../outside/schema.json", "https://example.com/s.json#/x"])
def test_values_schema_referring_outside_itself_is_left_out(hostile: Hostile, reference: str) -> None:
    (hostile.outside / "schema.json").write_text(json.dumps({"type": "object", "required": [hostile.canary]}))
    ref = reference.replace("{outside}", str(hostile.outside))
    schema = {"type": "object", "properties": {"a": {"$ref": "#/definitions/a"}, "b": {"$ref": ref}},
              "definitions": {"a": {"type": "string"}}}
    repository(hostile, {"evil/values.schema.json": json.dumps(schema),
                         "evil/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil}\n"})
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", "--format", "json", str(hostile.root))
    data = json.loads(outcome.stdout)
    assert diagnostic(data, "evil/Chart.yaml")["message"] == (
        "rendered without 1 path(s) Helm must not read: evil/values.schema.json (a values schema that refers to "
        f"'{ref}', outside itself)")
    assert outcome.code == 1 and base_still_analysed(data)
    hostile.assert_contained(outcome, before)


def test_values_schema_with_only_local_references_is_kept(hostile: Hostile) -> None:
    schema = {"$id": "https://example.com/values.json", "type": "object", "required": ["name"],
              "properties": {"name": {"$ref": "#/definitions/name"}}, "definitions": {"name": {"type": "string"}}}
    repository(hostile, {"evil/values.schema.json": json.dumps(schema), "evil/values.yaml": "name: 7\n",
                         "evil/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil}\n"})
    _, data, _ = plan_json(hostile)
    assert "got number, want string" in diagnostic(data, "evil/Chart.yaml")["message"]  # Helm checked it


def test_packed_subchart_whose_schema_refers_outside_is_left_out(hostile: Hostile, tmp_path: Path) -> None:
    import tarfile

    sub = tmp_path / "sub"
    (sub / "templates").mkdir(parents=True)
    (sub / "Chart.yaml").write_text("apiVersion: v2\nname: sub\nversion: 0.1.0\n")
    (sub / "values.schema.json").write_text(json.dumps({"$ref": "file:///proc/self/environ"}))
    repository(hostile, {"evil/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil}\n"})
    (hostile.root / "evil" / "charts").mkdir()
    with tarfile.open(hostile.root / "evil" / "charts" / "sub-0.1.0.tgz", "w:gz") as archive:
        archive.add(sub, arcname="sub")
    outcome = hostile.run("plan", "--format", "json", str(hostile.root))
    data = json.loads(outcome.stdout)
    assert diagnostic(data, "evil/Chart.yaml")["message"] == (
        "rendered without 1 path(s) Helm must not read: evil/charts/sub-0.1.0.tgz (a packed subchart holding "
        "sub/values.schema.json, whose values schema refers to 'file:///proc/self/environ')")
    assert hostile.canary not in outcome.output


def test_the_engine_process_cannot_open_a_network_socket() -> None:
    # the second line of defence behind the schema check: whatever a chart makes Go load
    probe = ("import socket, sys; from patcher.no_network import forbid_network; why = forbid_network()\n"
             "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=5)\n"
             "except PermissionError:\n    sys.exit(0)\n"
             "except OSError as exc:\n    sys.exit(f'not refused by the filter: {exc} {why}')\n"
             "sys.exit('connected')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr
