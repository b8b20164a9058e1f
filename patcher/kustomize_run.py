"""One run of ``kubectl kustomize``: a stripped environment, no network, a time limit.

A build needs a program path, a locale and a temporary folder, nothing else: no
kubeconfig (the cluster is never asked), no cloud or forge credentials, not the
user's home (its git and kube settings could redirect or authenticate a fetch).
The check never lets kustomize fetch (remote entries are not built at all); if
one slipped through anyway, the proxies point at a local port that refuses every
connection, and git accepts no protocol.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from patcher.source import PatcherError

TIMEOUT_SECONDS = 60  # a build reads local files only; far above the slowest seen, far below a hang
_KEPT = ("PATH", "LANG", "LANGUAGE")  # and every LC_*
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_STDERR_TAIL = 4096


@dataclass(frozen=True)
class Build:
    returncode: int | None  # None: it did not finish within the time limit and was killed
    stderr: str  # its last lines
    stdout: str = ""  # what it built, when asked for (``keep_output``)


def environment(scratch: Path, refused_proxy: str) -> dict[str, str]:
    """What a build runs with: PATH and the locale kept; HOME and TMPDIR scratch folders."""
    env = {k: v for k, v in os.environ.items() if k in _KEPT or k.startswith("LC_")}
    home, tmp = scratch / "home", scratch / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    env.update({"HOME": str(home), "TMPDIR": str(tmp), "NO_PROXY": "", "no_proxy": "",
                "GIT_ALLOW_PROTOCOL": "none", "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": os.devnull})
    env.update(dict.fromkeys(_PROXIES, refused_proxy))
    return env


@contextmanager
def refusing_port() -> Iterator[str]:
    """A proxy address on this machine that refuses connections: bound, never listening, so
    no other program can take the port while builds run."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def build(kubectl: str, folder: Path, env: dict[str, str], scratch: Path, keep_output: bool = False) -> Build:
    """``kubectl kustomize FOLDER``; its output is kept only when the caller reads it (the model
    does, the pre-apply check needs only whether it built). Killed with everything it started
    when the time limit passes or patcher is interrupted."""
    log = scratch / "tmp" / "kustomize.stderr"
    built = scratch / "tmp" / "kustomize.stdout"
    with open(log, "wb") as err, open(built if keep_output else os.devnull, "wb") as out:
        try:
            process = subprocess.Popen([kubectl, "kustomize", str(folder)], stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=err, env=env, cwd=scratch,
                                       start_new_session=True)
        except OSError as exc:
            raise PatcherError(f"cannot run {kubectl}: {exc.strerror or exc}; nothing was written",
                               hint="fix or remove that kubectl (without one, apply skips the Kustomize "
                                    "pre-check with a note)") from None
        try:
            code: int | None = process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if process.poll() is None:
                _kill(process)
    with open(log, "rb") as err:
        err.seek(max(0, os.path.getsize(log) - _STDERR_TAIL))
        tail = err.read().decode("utf-8", "replace")
    output = built.read_text(encoding="utf-8", errors="replace") if keep_output and code == 0 else ""
    return Build(code, tail, output)


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
