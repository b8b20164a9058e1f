"""Settings and baselines that are wrong, unreadable or not files: exit 2, a message naming
the file (and line where there is one), never a traceback, never a run with other settings."""

from __future__ import annotations

import os

import pytest

ROUTE = """apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: api
  namespace: store
spec:
  hosts: ["api.example.com"]
  http:
    - route:
        - destination: {host: api, port: {number: 3000}}
"""


def failed(hostile, *args: str) -> str:
    """Run plan; assert it failed as a run (exit 2, contained, no crash); return stderr."""
    before = hostile.snapshot_outside()
    outcome = hostile.run("plan", *args, str(hostile.root))
    assert outcome.code == 2, outcome.output
    assert outcome.stdout == ""
    hostile.assert_contained(outcome, before)
    return outcome.stderr


@pytest.mark.parametrize("settings, message", [
    ("max-file-size: big\n", ".patcher.yaml:1:1: setting 'max-file-size' is 'big'; it must be a whole number of at least 1"),
    ("max-file-size: -1\n", ".patcher.yaml:1:1: setting 'max-file-size' is -1; it must be a whole number of at least 1"),
    ("helm-releases: 3\n", ".patcher.yaml:1:1: setting 'helm-releases' is 3; it must be a list of {chart, name, namespace, values}"),
    ("retries: [3, 10s]\n", ".patcher.yaml:1:1: setting 'retries' is [3, '10s']; it must be a mapping"),
    ("route-timeout: 30s\noutputs: k8s/np.yaml\n", ".patcher.yaml:2:1: setting 'outputs' is 'k8s/np.yaml'; it must be a mapping"),
    ("dns: 53\n", ".patcher.yaml:1:1: setting 'dns' is 53; it must be a mapping"),
    ("connection-pool: [100]\n", ".patcher.yaml:1:1: setting 'connection-pool' is [100]; it must be a mapping"),
    ("dns:\n  labels: [kube-dns]\n", ".patcher.yaml:2:3: setting 'dns.labels' is ['kube-dns']; it must be a mapping"),
    ("ignore: {rule: x}\n", ".patcher.yaml:1:1: 'ignore' must be a list of entries"),
    ("baseline: [a]\n", ".patcher.yaml:1:1: 'baseline' must be the path of a baseline file"),
    ("1: x\n", ".patcher.yaml:1:1: unknown setting '1'"),
    ("kubernetes-version: 1.30\n", ".patcher.yaml:1:1: setting 'kubernetes-version' is 1.3; it must be a Kubernetes "
                                   "version such as 1.30 or v1.30.2 in quotes (unquoted, 1.30 is the number 1.3)"),
    ("- disable\n", ".patcher.yaml:1: settings must be a mapping"),
    ("? [a]\n: b\n", ".patcher.yaml:1:3: a mapping key is itself a list or mapping"),
    ("disable: [" + "x, " * 200 + "7]\n", ".patcher.yaml:1:1: setting 'disable' is ['x', 'x', "),
])
def test_wrong_setting_types(hostile, settings, message):
    hostile.write({".patcher.yaml": settings, "istio/api.yaml": ROUTE})
    stderr = failed(hostile)
    assert stderr.startswith("error: " + message), stderr
    assert len(stderr.splitlines()[0]) < 300  # a long value is cut short, not quoted whole


def test_non_utf8_settings(hostile):
    hostile.write({".patcher.yaml": b"disable: []\nroute-timeout: \xff\n", "istio/api.yaml": ROUTE})
    assert failed(hostile).startswith("error: .patcher.yaml:2: not valid UTF-8 (byte 0xff)")


def test_binary_settings(hostile):
    hostile.write({".patcher.yaml": b"\x7fELF\x02\x01\x01\x00\x00\x00", "istio/api.yaml": ROUTE})
    assert failed(hostile).startswith("error: .patcher.yaml: binary content (NUL bytes) in a text file")


def test_settings_that_are_a_fifo(hostile):
    hostile.write({"istio/api.yaml": ROUTE})
    os.mkfifo(hostile.root / ".patcher.yaml")  # opening it for reading would block forever
    assert failed(hostile).startswith(
        "error: .patcher.yaml: not a regular file (a FIFO, socket or device): not read")


def test_settings_linked_outside_the_repository(hostile):
    hostile.write({"istio/api.yaml": ROUTE})
    (hostile.root / ".patcher.yaml").symlink_to(hostile.outside / "values.yaml")
    assert failed(hostile).startswith(
        "error: .patcher.yaml: symbolic link to a file outside the repository: not read")


def test_settings_link_loop(hostile):
    hostile.write({"istio/api.yaml": ROUTE})
    (hostile.root / ".patcher.yaml").symlink_to(".patcher.yaml")
    assert failed(hostile).startswith("error: .patcher.yaml: symbolic link loop: not read")


def test_settings_linked_inside_the_repository_are_read(hostile):
    hostile.write({"config/patcher.yaml": "route-timeout: 7s\n", "istio/api.yaml": ROUTE})
    (hostile.root / ".patcher.yaml").symlink_to("config/patcher.yaml")
    outcome = hostile.run("plan", str(hostile.root))
    assert outcome.code == 1 and "+      timeout: 7s" in outcome.stdout, outcome.output


@pytest.mark.parametrize("toml, message", [
    ('[tool.patcher]\nmax-file-size = "big"\n',
     "pyproject.toml:2:1: setting 'max-file-size' is 'big'; it must be a whole number of at least 1"),
    ('[project]\nname = "x"\n\n[tool.patcher]\nhelm-releases = 3\n',
     "pyproject.toml:5:1: setting 'helm-releases' is 3; it must be a list of {chart, name, namespace, values}"),
    ('[tool.patcher]\nretries = {attempts = "big"}\n',
     "pyproject.toml:2:12: setting 'retries.attempts' is 'big'; it must be a whole number of at least 0"),
    ('[tool.patcher]\nretries = 3\n', "pyproject.toml:2:1: setting 'retries' is 3; it must be a mapping"),
    ('[tool.patcher\nretries = 3\n', "pyproject.toml:1:14: invalid TOML: Expected ']' at the end of a table declaration\n"),
    ('[tool]\npatcher = "on"\n', "pyproject.toml: [tool.patcher] must be a table of settings"),
    ('tool = 3\n', "pyproject.toml: [tool.patcher] must be a table of settings"),
    (b'[tool.patcher]\nroute-timeout = "\xff"\n', "pyproject.toml:2: not valid UTF-8 (byte 0xff)"),
])
def test_pyproject_settings(hostile, toml, message):
    hostile.write({"pyproject.toml": toml, "istio/api.yaml": ROUTE})
    stderr = failed(hostile)
    assert stderr.startswith("error: " + message), stderr


def test_pyproject_that_is_a_fifo(hostile):
    hostile.write({"istio/api.yaml": ROUTE})
    os.mkfifo(hostile.root / "pyproject.toml")
    assert failed(hostile).startswith("error: pyproject.toml: not a regular file")


# --- the baseline: named by the settings (inside the repository) or by --baseline ----------------

def test_baseline_setting_outside_the_repository(hostile):
    hostile.write({".patcher.yaml": "baseline: ../outside/secret.txt\n", "istio/api.yaml": ROUTE})
    assert failed(hostile).startswith("error: ../outside/secret.txt: outside the repository: not read")


def test_baseline_linked_outside_the_repository(hostile):
    hostile.write({".patcher.yaml": "baseline: baseline.json\n", "istio/api.yaml": ROUTE})
    (hostile.root / "baseline.json").symlink_to(hostile.outside / "secret.txt")
    assert failed(hostile).startswith(
        "error: baseline.json: symbolic link to a file outside the repository: not read")


def test_baseline_that_is_a_fifo(hostile):
    hostile.write({".patcher.yaml": "baseline: baseline.json\n", "istio/api.yaml": ROUTE})
    os.mkfifo(hostile.root / "baseline.json")
    assert failed(hostile).startswith("error: baseline.json: not a regular file (a FIFO, socket or device)")


def test_baseline_option_naming_a_fifo(hostile):
    hostile.write({"istio/api.yaml": ROUTE})
    fifo = hostile.root / "baseline.json"
    os.mkfifo(fifo)
    assert failed(hostile, "--baseline", str(fifo)).startswith(f"error: {fifo}: not a regular file")


def test_non_utf8_baseline(hostile):
    hostile.write({".patcher.yaml": "baseline: baseline.json\n", "baseline.json": b'{"a": "\xff"}',
                   "istio/api.yaml": ROUTE})
    assert failed(hostile).startswith("error: baseline.json:1: not valid UTF-8 (byte 0xff)")


# --- a schema folder the repository's settings name ---------------------------------------------

@pytest.mark.parametrize("location", ["../outside", "/etc", "file:///etc/{{.Group}}/{{.ResourceKind}}.json",
                                      "~/schemas"])
def test_schema_location_outside_the_repository_is_refused(hostile, location: str) -> None:
    hostile.write({".patcher.yaml": f"schema-location: '{location}'\n", "istio/api.yaml": ROUTE})
    assert (f".patcher.yaml:1:1: setting 'schema-location' is '{location}'; it must be a URL template or a "
            "folder inside the repository, relative to its root") in failed(hostile)


def test_schema_location_through_a_folder_link_leading_out_is_refused(hostile) -> None:
    (hostile.outside / "networking.istio.io").mkdir()
    (hostile.outside / "networking.istio.io" / "virtualservice_v1beta1.json").write_text(
        '{"description": "%s"}' % hostile.canary)
    hostile.write({".patcher.yaml": "schema-location: schemas\n", "istio/api.yaml": ROUTE})
    os.symlink(hostile.outside, hostile.root / "schemas")
    assert ("setting 'schema-location' is 'schemas', a folder outside the repository: not read"
            in failed(hostile))


def test_schema_location_on_the_command_line_may_be_anywhere(hostile) -> None:
    (hostile.outside / "schemas").mkdir()
    hostile.write({"istio/api.yaml": ROUTE})
    outcome = hostile.run("plan", "--schema-location", str(hostile.outside / "schemas"), str(hostile.root))
    assert outcome.code == 1 and "timeout: 30s" in outcome.stdout, outcome.output  # the user's choice
