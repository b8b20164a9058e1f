"""A script calls the ingress on a localhost port that nothing listens on.

What it finds: a URL in a shell script or Makefile (``BASE_URL=...``,
``curl ...``) aimed at localhost or 127.0.0.1 on a port that is not a host port
kind maps onto the ingress gateway (without Istio: onto the one NodePort Service
kind publishes). A URL on a Gateway's own port that kind publishes under another
host port is rewritten to that host port; a Gateway port the host cannot reach
at all is kind/unmapped-gateway-port's business. Local ports the same script
opens with ``kubectl port-forward`` (in any script: the URL works while it runs) are left alone.
When the ingress gateway Service is not in the repository, nothing is judged.

Why it matters: every request the script sends is refused, so the smoke test
fails even when the cluster is healthy, and people stop trusting it.

Example:

    BASE_URL="http://localhost:8080"      # kind maps host 80 to the gateway

Fixed example:

    BASE_URL="http://localhost"
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Location, Severity
from patcher.intent.changes import Change, FileRef, ReplaceText
from patcher.rule import Context, RuleInfo
from patcher.unread import INGRESS_CHAIN, SCRIPT, needs
from patcher.scripts import LocalUrl
from patcher.topology import Topology
from patcher.trace import Entry, HopState

RULE = RuleInfo(
    id="script/url-unmapped-port",
    severity=Severity.CRITICAL,
    summary="Script URL on a localhost port that no kind mapping or Gateway serves",
    fixable=True,
    safety="Safe when the call names a virtual host (a Host header, curl --resolve) or the URL's port is one of the ingress chain's own (a Gateway server port, an ingress Service port, target port or NodePort, a mapped containerPort): the URL was meant for the ingress and reaches nothing today. Unsafe otherwise: the port may be a server started outside the repository. URLs to ports the scripts publish or serve themselves (`docker run -p`, `python -m http.server`, `kubectl port-forward`) and registry image references (`docker push localhost:5001/app`) are not judged.",
)

SCHEME_PROTOCOLS = {"http": ("HTTP", "HTTP2", "GRPC"), "https": ("HTTPS", "TLS")}
DEFAULT_PORTS = {"http": 80, "https": 443}
# the ingress chain decides the new port; a script that could not be read may serve the old one
NEEDS = needs(*INGRESS_CHAIN, SCRIPT)


def _ingress_host_ports(topology: Topology) -> tuple[dict[int, set[str]], dict[int, int]]:
    """Host port -> protocols of the Gateway servers behind it; Gateway port -> its host port."""
    protocols: dict[int, set[str]] = {}
    by_gateway_port: dict[int, int] = {}
    for service in topology.all_ingress_services:
        servers = [s for g in topology.gateways_on(service) for s in g.servers]
        for port in service.ports:
            if not port.node_port:
                continue
            host = topology.mapped_host_port(port.node_port)
            if host is not None:
                protocols.setdefault(host, set()).update(s.protocol for s in servers if s.number == port.port)
                by_gateway_port.setdefault(port.port, host)
    return protocols, by_gateway_port


def _replacement(url: LocalUrl, mapped: dict[int, set[str]], by_gateway_port: dict[int, int]) -> str | None:
    if url.effective_port in by_gateway_port:
        port = by_gateway_port[url.effective_port]  # the Gateway serves it, through another host port
    else:
        wanted = SCHEME_PROTOCOLS[url.scheme]
        ports = sorted(p for p, protocols in mapped.items() if protocols & set(wanted))
        if not ports:
            return None
        port = DEFAULT_PORTS[url.scheme] if DEFAULT_PORTS[url.scheme] in ports else ports[0]
    if url.bare:
        return f"{url.host}:{port}"  # the script wrote no scheme; keep it that way
    suffix = "" if port == DEFAULT_PORTS[url.scheme] else f":{port}"
    return f"{url.scheme}://{url.host}{suffix}"


def _ingress_ports(topology: Topology) -> set[int]:
    """Every port number the ingress chain uses: Gateway servers, ingress Service ports, their
    target ports and NodePorts, and the containerPorts kind maps. A script URL on one of these
    that kind does not publish was meant for the ingress."""
    ports = {s.number for g in topology.gateways.values() for s in g.servers}
    for service in topology.all_ingress_services or [s for s, _ in topology.node_ports.values()]:
        for port in service.ports:
            ports.add(port.port)
            if port.node_port:
                ports.add(port.node_port)
            target = topology.target_port(service, port)
            if isinstance(target, int):
                ports.add(target)
    ports |= {m.container_port for m in topology.mappings}
    return ports


def _published_host_ports(topology: Topology) -> dict[int, set[str]]:
    """Without an Istio ingress: host ports kind maps onto some Service's NodePort, any protocol."""
    return {m.host_port: {"HTTP", "HTTPS", "TLS"} for m in topology.mappings
            if m.container_port in topology.node_ports}


def _refused(topology: Topology, port: int) -> bool:
    """Whether the trace of a call of the host port ends where the host meets nothing: no kind
    mapping (and no port-forward or server of the scripts' own), or a mapping onto a port no
    Service or pod of the cluster listens on."""
    first = topology.trace(Entry(port), unread=False).failing
    return first is not None and (first.layer, first.state) in (("host port", HopState.MISSING),
                                                                ("NodePort", HopState.UNREACHABLE))


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if not topology.mappings:
        return  # without kind mappings there is nothing to compare with
    if ctx.model.ingress_unknown:
        return  # which host port reaches the ingress is not known: nothing to judge a URL by
    if topology.all_ingress_services:
        mapped, by_gateway_port = _ingress_host_ports(topology)
    else:
        mapped, by_gateway_port = _published_host_ports(topology), {}
        if len(mapped) != 1:
            # which of several NodePort Services a script meant cannot be told: only the single entry is judged
            return
    served = {s.number for g in topology.gateways.values() for s in g.servers}
    unreachable = served - set(by_gateway_port)  # kind/unmapped-gateway-port reports these
    for url in ctx.model.local_urls:
        port = url.effective_port
        if port in mapped or port in unreachable or not _refused(topology, port):
            continue  # reachable, reported elsewhere, or a local server of the scripts' own
        new = _replacement(url, mapped, by_gateway_port)
        loc = Location(url.file, url.line, url.column)
        reachable = ", ".join(str(p) for p in sorted(mapped)) or "none"
        message = f"{url.text} targets port {port}, which kind does not map onto the ingress (mapped: {reachable})"
        if port in by_gateway_port:
            message += f"; Gateway port {port} is published as host port {by_gateway_port[port]}"
        why = "Requests from this script are refused; the ingress is reachable only on its mapped host ports."
        fix = None
        if new:
            changes = (Change(FileRef(url.file), (ReplaceText(url.line, url.column, url.text, new),)),)
            if url.virtual_host:
                fix = Fix(f"use {new}", (), Applicability.SAFE,
                          "the call names a virtual host, so it was meant for the ingress, which the host "
                          f"reaches only as {new}", NEEDS, changes=changes)
            elif port in _ingress_ports(topology):
                fix = Fix(f"use {new}", (), Applicability.SAFE,
                          f"port {port} is a port of the ingress chain, which the host reaches only as {new}",
                          NEEDS, changes=changes)
            else:
                fix = Fix(f"use {new}", (), Applicability.UNSAFE,
                          f"nothing in the repository says port {port} was meant for the ingress: it may be "
                          "a server started outside the repository, which the rewrite would stop reaching",
                          NEEDS, changes=changes)
        yield Finding(RULE.id, RULE.severity, message, loc, why, fix)
