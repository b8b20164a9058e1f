"""The Helm engine in a process of its own (started by patcher.helm_process).

helm_python runs Go inside the process that loads it, and nothing stops a Go
template once it runs: a chart that loops forever or builds gigabytes would
hang or exhaust patcher itself. Here it runs under a memory limit, in a child
patcher can kill (see patcher.helm_process, which owns the limits and the time).

Requests arrive one per line on stdin as JSON; each answer is a line holding
its length in bytes, then that many bytes of JSON, so the parent knows how much
it is about to read before it reads it.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
from typing import Any

from patcher.no_network import forbid_network

MEMORY_EXIT = 3  # Python itself ran out of memory (Go's own out-of-memory exit is 2, with a message)


def _limit_memory(limit: int) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # a hard limit already lower: that one holds
        pass


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when patcher ends, however it ends (kill -9 included)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: patcher still kills it on Ctrl-C and at exit
        pass
    if os.getppid() != parent:  # patcher ended before the request above took effect
        os._exit(0)


def _render(request: dict[str, Any], limit: int) -> dict[str, Any]:
    from helm_python.chart import Chart

    with Chart.load(request["chart"]) as chart:
        prefix = chart.name + "/"
        output = chart.render(request.get("values"), name=request["name"], namespace=request["namespace"])
    size = sum(len(text.encode("utf-8")) for text in output.values())
    if size > limit:
        return {"ok": False, "limit": "output", "size": size}
    return {"ok": True, "prefix": prefix, "output": output}


def _dependencies(request: dict[str, Any], _limit: int) -> dict[str, Any]:
    from helm_python.chart import Chart

    with Chart.load(request["chart"]) as chart:
        declared = chart.metadata.get("dependencies") or []
        loaded = [d.get("name") for d in chart.dependencies]
    return {"ok": True, "declared": declared, "loaded": loaded}


OPERATIONS = {"render": _render, "dependencies": _dependencies}


def _answer(request: dict[str, Any], output_limit: int) -> dict[str, Any]:
    from helm_python.errors import HelmError

    try:
        return OPERATIONS[request["op"]](request, output_limit)
    except HelmError as exc:
        return {"ok": False, "error": str(exc)}


def _send(answer: dict[str, Any]) -> None:
    body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
    sys.stdout.buffer.write(b"%d\n" % len(body))
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def main(arguments: list[str]) -> None:
    memory, output_limit, parent = (int(a) for a in arguments[:3])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is patcher's to handle: it kills this process
    _die_with_parent(parent)
    _limit_memory(memory)
    # Rendering is offline, whatever a chart's values schema $refs: Go inherits the filter.
    # Where it cannot be installed (not Linux), the worker's environment still sends
    # proxied traffic nowhere; README's Security section says so.
    forbid_network()
    try:
        import helm_python.chart  # noqa: F401  the Go runtime starts here, under the limit
        for line in sys.stdin.buffer:
            _send(_answer(json.loads(line), output_limit))
    except MemoryError:
        os._exit(MEMORY_EXIT)

