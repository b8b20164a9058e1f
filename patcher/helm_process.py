"""The Helm engine's process: one per run, bounded in time, memory and output.

A chart is the repository's code as much as a script is: a template can loop
for hours or build gigabytes. So Helm runs in patcher.helm_worker, a child
process started on the first render and reused for the rest of the run, and:

- each request has a time limit (the ``helm-timeout`` setting, 60s by
  default); past it the process is killed and the next request starts another;
- the process may use at most MEMORY_LIMIT of address space. Go reserves about
  1.5 GiB of it when its runtime starts (more with more threads, hence the
  bounded GOMAXPROCS), which leaves about 2.5 GiB for a render — far above any
  real chart, far below what would make the machine swap;
- a render may produce at most OUTPUT_LIMIT of text: more is not a deployment
  anyone reads, and parsing it would take minutes;
- it gets an environment without patcher's (no credentials to leak, no
  HELM_* or GO* variables changing what it does), and dies with patcher:
  Ctrl-C kills it, and Linux kills it if patcher is killed.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

from patcher.helm_worker import MEMORY_EXIT
from patcher.source import PatcherError

MEMORY_LIMIT = 4 << 30
OUTPUT_LIMIT = 64 << 20
DEFAULT_TIMEOUT = 60.0  # seconds; the helm-timeout setting's default
PIPE_BUF = 4096
KEPT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT")
# an answer is JSON: escapes can make it larger than the text it carries
ANSWER_LIMIT = 6 * OUTPUT_LIMIT + (1 << 20)


class EngineStopped(Exception):
    """The worker was stopped or died; ``limit`` says which bound it hit, if any."""

    def __init__(self, limit: str, detail: str = "") -> None:
        super().__init__(limit)
        self.limit = limit
        self.detail = detail


# -I: no PYTHON* variables, no user site, no current folder on the path; the worker imports what
# patcher imported, from where patcher imported it
BOOT = "import json, sys; sys.path[:] = json.loads(sys.argv[1]); from patcher.helm_worker import main; main(sys.argv[2:])"


def _command() -> list[str]:
    paths = [str(Path(__file__).resolve().parent.parent)] + [p for p in sys.path if p]
    return [sys.executable, "-I", "-c", BOOT, json.dumps(paths), str(MEMORY_LIMIT), str(OUTPUT_LIMIT),
            str(os.getpid())]


def _environment() -> dict[str, str]:
    env = {k: os.environ[k] for k in KEPT_ENVIRONMENT if k in os.environ}
    env["GOMAXPROCS"] = str(min(os.cpu_count() or 1, 4))
    env["GOMEMLIMIT"] = str(MEMORY_LIMIT // 2)  # Go collects harder well before the hard limit
    env["GOTRACEBACK"] = "none"
    env["MALLOC_ARENA_MAX"] = "2"  # each glibc arena reserves 64 MiB of address space
    return env


class Engine:
    """patcher.helm_worker, started when first needed and again after it was stopped."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._stderr: BinaryIO | None = None

    def request(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The worker's answer; EngineStopped when it ran out of time or memory, or died."""
        line = json.dumps(request).encode("utf-8") + b"\n"
        try:
            process = self._started()
            assert self._stderr is not None
            self._stderr.seek(0)  # the file is shared with the process: only this request's messages are kept
            self._stderr.truncate()
            deadline = time.monotonic() + timeout
            assert process.stdin is not None and process.stdout is not None
            self._write(process.stdin.fileno(), line, deadline)
            fd = process.stdout.fileno()
            header = self._read_line(fd, deadline)
            size = int(header) if header.isdigit() else -1
            if not 0 <= size <= ANSWER_LIMIT:
                self.stop()
                raise EngineStopped("crash", f"an answer of {header[:20]!r}")
            body = self._read(fd, size, deadline)
            try:
                return json.loads(body)
            except ValueError:
                raise EngineStopped("crash", "an answer that is not JSON") from None
        except BaseException:  # a limit, Ctrl-C, anything: never leave a worker behind
            self.stop()
            raise

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _started(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self.stop()
        self._stderr = tempfile.TemporaryFile(prefix="patcher-helm-")
        self._process = subprocess.Popen(_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self._stderr, env=_environment(), cwd=tempfile.gettempdir())
        return self._process

    def _write(self, fd: int, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise EngineStopped("time")
            try:
                view = view[os.write(fd, view[:PIPE_BUF]):]  # no more than a writable pipe takes at once
            except BrokenPipeError:
                raise self._died() from None

    def _read_line(self, fd: int, deadline: float) -> str:
        data = b""
        while not data.endswith(b"\n"):
            data += self._chunk(fd, 1, deadline)
            if len(data) > 32:
                break
        return data.decode("ascii", "replace").strip()

    def _read(self, fd: int, size: int, deadline: float) -> bytes:
        parts, got = [], 0
        while got < size:
            chunk = self._chunk(fd, min(size - got, 1 << 20), deadline)
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _chunk(self, fd: int, most: int, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise EngineStopped("time")
        chunk = os.read(fd, most)
        if not chunk:
            raise self._died()
        return chunk

    def _died(self) -> EngineStopped:
        code = None
        if self._process is not None:
            try:
                code = self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # it closed its output but lives on: it is stopped anyway
                pass
        stderr = b""
        if self._stderr is not None:  # what the process said last: how it ended
            end = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, end - 64 * 1024))
            stderr = self._stderr.read()
        if b"failed to reserve" in stderr:  # at start, before any chart: the limit is not ours
            return EngineStopped("crash", "Go could not reserve its memory at start; is `ulimit -v` below "
                                          f"{MEMORY_LIMIT >> 30} GiB?")
        if code == MEMORY_EXIT or b"out of memory" in stderr:
            return EngineStopped("memory")
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        last = next((line.strip() for line in reversed(stderr.decode("utf-8", "replace").splitlines())
                     if line.strip()), "")
        return EngineStopped("crash", f"{how}: {last[:200]}" if last else how)


_ENGINE = Engine()
atexit.register(_ENGINE.stop)


def engine() -> Engine:
    return _ENGINE


def request(request: dict[str, Any], chart: str, timeout: float) -> dict[str, Any]:
    """The worker's answer for a chart; a PatcherError naming ``CHART/Chart.yaml`` at a limit."""
    try:
        return _ENGINE.request(request, timeout)
    except EngineStopped as stopped:
        raise _limit_error(stopped, chart, timeout) from None


def _limit_error(stopped: EngineStopped, chart: str, timeout: float) -> PatcherError:
    where = chart.rstrip("/") + "/Chart.yaml"
    if stopped.limit == "time":
        return PatcherError(f"Helm did not finish rendering the chart within the time limit of {timeout:g}s "
                            "(helm-timeout): stopped, its resources are not analysed", where,
                            hint="a template that loops without end never finishes; if the chart is just "
                                 "slow, raise helm-timeout in .patcher.yaml")
    if stopped.limit == "memory":
        return PatcherError(f"Helm needed more than the memory limit of {MEMORY_LIMIT >> 30} GiB to render the "
                            "chart: stopped, its resources are not analysed", where,
                            hint="a template that builds huge strings or lists; run `helm template` on the "
                                 "chart to see what it renders")
    return PatcherError(f"the Helm engine stopped unexpectedly ({stopped.detail}): the chart is not analysed",
                        where, hint="run `helm template` on the chart to see whether Helm itself fails")


def output_limit_error(chart: str, size: int) -> PatcherError:
    return PatcherError(f"the chart rendered {size >> 20} MiB of text, over the limit of {OUTPUT_LIMIT >> 20} MiB: "
                        "its resources are not analysed", chart.rstrip("/") + "/Chart.yaml",
                        hint="a template that repeats without end, or a chart far larger than a deployment")
