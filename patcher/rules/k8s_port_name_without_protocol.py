"""A Service port in the mesh whose name does not say its protocol, with no appProtocol.

What it finds: a port of a Service whose pods have an Istio sidecar (in an application
namespace, not the ingress gateway's Service) that has no ``appProtocol`` and whose name is not
``<protocol>[-<suffix>]`` with a protocol Istio knows (http, http2, https, grpc, grpc-web, tcp,
tls, mongo, mysql, redis, udp). UDP and SCTP ports (which the sidecar does not proxy),
ExternalName Services and Services whose pods the repository does not show are not judged.

Why it matters: Istio picks a port's protocol from its name or ``appProtocol``; otherwise it
sniffs the first bytes of each connection, which delays server-first protocols (MySQL, SMTP)
and, for HTTP, leaves routing, retries and telemetry to a guess.

Example:

    ports:
      - name: web                # the container port is named http
        port: 80
        targetPort: 8080

Fixed example:

    ports:
      - name: web
        port: 80
        targetPort: 8080
        appProtocol: http

The fix adds ``appProtocol`` (renaming the port would break what names it) only when the
files say the protocol: the named ``targetPort``, or the name of the container port it lands
on in every pod the Service selects, follows the convention. Otherwise the finding has no fix.
"""

from __future__ import annotations

import re
from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import AddKey, Change, ResourceRef
from patcher.rule import Context, RuleInfo
from patcher.topology import Service, ServicePort, Topology
from patcher.unread import needs

RULE = RuleInfo(
    id="k8s/port-name-without-protocol",
    severity=Severity.RECOMMENDED,
    summary="Service port in the mesh whose name does not name its protocol (no appProtocol)",
    fixable=True,
    safety="Safe when the container port the Service port lands on is named for a protocol in every pod it "
           "selects (or the targetPort names it): appProtocol then states what the pods already say. "
           "Otherwise no fix.",
)

WHY = ("Istio takes a port's protocol from its name or appProtocol; otherwise it sniffs each connection, which "
       "stalls server-first protocols and leaves HTTP routing and telemetry to a guess.")

PROTOCOLS = ("grpc-web", "http2", "https", "http", "grpc", "tcp", "tls", "mongo", "mysql", "redis", "udp")
_NAMED = re.compile(rf"^({'|'.join(re.escape(p) for p in PROTOCOLS)})(-.*)?$", re.IGNORECASE)


def protocol_of(name: object) -> str | None:
    """The protocol a port name states by Istio's convention, or None."""
    match = _NAMED.match(str(name)) if isinstance(name, str) else None
    return match.group(1).lower() if match else None


def _evident(topology: Topology, service: Service, port: ServicePort) -> str | None:
    if isinstance(port.target_port, str):
        return protocol_of(port.target_port)
    names = set()
    for workload in topology.workloads_of(service):
        pod = workload.resource.get(*workload.pod_path) or {}
        found = [entry.get("name") for c in pod.get("containers") or [] if isinstance(c, dict)
                 for entry in c.get("ports") or [] if isinstance(entry, dict)
                 and entry.get("containerPort") == port.target_port]
        if len(found) != 1:
            return None  # this pod does not show the port (or shows it twice)
        names.add(protocol_of(found[0]))
    return names.pop() if len(names) == 1 else None


def _in_mesh(topology: Topology, service: Service) -> bool:
    workloads = topology.workloads_of(service)
    return bool(workloads) and all(topology.in_mesh(w) is True for w in workloads)


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if not topology.uses_istio:
        return
    namespaces = set(topology.application_namespaces)
    ingress = {s.key for s in topology.all_ingress_services}
    for key, service in sorted(topology.services.items()):
        if key[0] not in namespaces or key in ingress or service.type == "ExternalName":
            continue
        if not _in_mesh(topology, service):
            continue
        entries = service.resource.get("spec", "ports") or []
        for port in service.ports:
            entry = entries[port.index]
            if port.protocol.upper() in ("UDP", "SCTP") or entry.get("appProtocol") or protocol_of(port.name):
                continue
            res = service.resource
            named = f"is named '{port.name}', which names no protocol," if port.name else "has no name"
            message = (f"Service {res.namespace}/{res.name} port {port.port} {named} and no appProtocol: Istio "
                       f"sniffs its protocol")
            protocol = _evident(topology, service, port)
            fix = None
            if protocol is not None:
                fix = Fix(f"add appProtocol: {protocol}", (), Applicability.SAFE,
                          f"the pods name the port it lands on {protocol}: appProtocol states the same",
                          needs=needs("Service", "Deployment", "StatefulSet", "DaemonSet", namespace=key[0]),
                          changes=(Change(ResourceRef.of(res),
                                          (AddKey(("spec", "ports", port.index), "appProtocol", protocol),)),))
            else:
                message += "; which protocol it speaks is not evident from the files"
            yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "ports", port.index)), WHY, fix)
