"""Calls between workloads, as their manifests reveal them.

A container's environment names the services it talks to: ``ORDERS_URL=
http://orders:8080``, ``DATABASE_URL=postgresql://u:p@db:5432/x``,
``DB_HOST=db`` with ``DB_PORT=5432``, ``REDIS_ADDR=redis:6379``. Every such
value that resolves to a Service of the repository is a call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patcher.topology import Service, Topology, Workload

URL = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>\d+))?")
HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*)(?::(?P<port>\d+))?$")
HOST_NAMES = re.compile(r"(HOST|ADDR|ADDRESS|ENDPOINT|SERVER|URL|URI|SERVICE)S?$", re.IGNORECASE)


@dataclass(frozen=True)
class Call:
    caller: "Workload"
    callee: "Service"
    port: int | None  # None: the call names no port; every port of the Service may be used
    evidence: str  # the env variable that names the callee


def _targets(name: str, value: str, env: dict[str, str]) -> list[tuple[str, int | None]]:
    found = [(m.group("host"), int(m.group("port")) if m.group("port") else None)
             for m in URL.finditer(value)]
    if found:
        return found
    if HOST_NAMES.search(name):
        match = HOST_PORT.match(value.strip())
        if match:
            port = match.group("port")
            if port is None:
                sibling = HOST_NAMES.sub("PORT", name)
                port = env.get(sibling) if sibling != name else None
            return [(match.group("host"), int(port) if port and str(port).isdigit() else None)]
    return []


def _containers(workload: "Workload") -> list[dict]:
    pod = workload.resource.get(*workload.pod_path) or {}
    return [c for c in (pod.get("containers") or []) + (pod.get("initContainers") or []) if isinstance(c, dict)]


def workload_key(workload: "Workload") -> tuple[str, str, str]:
    r = workload.resource
    return (r.kind, r.namespace, r.name)


def calls_of(topology: "Topology") -> list[Call]:
    calls: dict[tuple, Call] = {}
    for workload in topology.workloads:
        namespace = workload.resource.namespace
        own = {s.key for s in topology.services_by_workload.get(workload_key(workload), [])}
        for container in _containers(workload):
            env = {str(e.get("name")): str(e.get("value")) for e in container.get("env") or []
                   if isinstance(e, dict) and isinstance(e.get("value"), (str, int))}
            for name, value in sorted(env.items()):
                for host, port in _targets(name, value, env):
                    service = topology.resolve(host, namespace)
                    if service is None or service.key in own:
                        continue
                    key = (workload.key, service.key, port)
                    calls.setdefault(key, Call(workload, service, port, name))
    return [calls[k] for k in sorted(calls, key=lambda k: (k[0], k[1], k[2] or 0))]

