"""Route destinations with the Service each resolves to: what the port rules judge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from patcher.service_hosts import other_builds
from patcher.topology import Service, ServicePort, Topology, VirtualService

ROUTE_KINDS = ("http", "tcp", "tls")


@dataclass(frozen=True)
class RouteDestination:
    vs: VirtualService
    path: tuple  # YAML path of the destination mapping
    label: str  # "http route 0" for messages
    data: dict
    service: Service


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def destination_port(dest: dict) -> int | None:
    port = dest.get("port")
    return _number(port.get("number")) if isinstance(port, dict) else None


def route_destinations(topology: Topology) -> Iterator[RouteDestination]:
    """Every deployed route destination whose host is a Service the repository deploys, with
    ports patcher can read: hosts outside the repository are not judged."""
    for vs in topology.virtual_services:
        res = vs.resource
        for kind in ROUTE_KINDS:
            for index, route in enumerate(res.get("spec", kind, default=[]) or []):
                if not isinstance(route, dict):
                    continue
                for j, entry in enumerate(route.get("route") or []):
                    dest = entry.get("destination") if isinstance(entry, dict) else None
                    if not isinstance(dest, dict) or not dest.get("host"):
                        continue
                    service = topology.resolve(str(dest["host"]), res.namespace)
                    if service is None or not service.ports or service.type == "ExternalName":
                        continue
                    yield RouteDestination(vs, ("spec", kind, index, "route", j, "destination"),
                                           f"{kind} route {index}", dest, service)


def describe(ports: tuple[ServicePort, ...] | list[ServicePort]) -> str:
    return ", ".join(f"{p.port} ({p.name})" if p.name else str(p.port) for p in ports)


def port_broken_elsewhere(topology: Topology, resource, host: str, port: int, path: tuple) -> list[str]:
    """The other kustomize roots that build the same document as ``resource``, in which the
    Service ``host`` names has no port ``port``: a base shared by overlays whose Services differ.
    A root whose own patch sets the field is not reached by an edit of the base."""
    out = []
    for other in other_builds(topology.model, resource, path):
        service = topology.resolve(host, other.namespace)
        if service is not None and not any(p.port == port for p in service.ports):
            out.append(f"{other.source.kustomize_root or '.'}: {service.key[0]}/{service.key[1]}")
    return sorted(set(out))
