"""A kind port mapping that leads nowhere.

What it finds: an extraPortMapping whose containerPort is neither the NodePort
of any Service nor the hostPort of any workload in the repository, so traffic
sent to its host port reaches nothing.

A mapping whose host port is a Gateway server port that is not reachable yet
is left to kind/unmapped-gateway-port, which completes that chain instead (and
points a mapping whose containerPort is outside the NodePort range at the new
NodePort). A containerPort outside the NodePort range (the setting
``nodeport-range``, or the ``service-node-port-range`` kind's kubeadm patches
give the API server) can only be a hostPort; the finding says so.

Why it matters: the mapping holds a host port for no purpose, misleads readers
into thinking something is served there, and collides with other local tools.

Example:

    extraPortMappings:
      - containerPort: 30542   # no Service has nodePort 30542
        hostPort: 8081

Fixed example:

    extraPortMappings: []      # the mapping is removed (others stay)
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Location, Severity
from patcher.intent.changes import Change, DocumentRef, RemoveItem
from patcher.nodeport_range import in_range, nodeport_range
from patcher.rule import Context, RuleInfo
from patcher.trace.chain import listener
from patcher.unread import INGRESS_CHAIN, needs

RULE = RuleInfo(
    id="kind/unused-port-mapping",
    severity=Severity.MEDIUM,
    summary="kind port mapping onto a containerPort that no NodePort or hostPort uses",
    fixable=True,
    safety="Never safe: a mapping that leads to nothing patcher sees may serve something the repository "
           "installs from outside it (an ingress controller applied from a URL, a chart from a remote "
           "repository, a hostPort of a DaemonSet installed by hand), and removing it takes that offline "
           "once the cluster is recreated. Applied only with --unsafe-fixes.",
)


# a NodePort or hostPort that could not be read may be what the mapping serves
NEEDS = needs(*INGRESS_CHAIN)


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if ctx.model.ingress_unknown:
        return  # the mapping may well lead to the ingress gateway the repository does not declare
    if not topology.node_ports and not topology.host_ports:
        return  # the repository does not define what the mappings point at; nothing to judge by
    for mapping in topology.mappings:
        if listener(topology, mapping.container_port):
            continue  # a NodePort, a hostPort, or a port of a resource whose namespace is not known
        if mapping.host_port in topology.unreachable_server_ports:
            continue  # meant for a Gateway port: kind/unmapped-gateway-port wires it up
        config = mapping.config
        line, column = config.document.line_of(mapping.path)
        loc = Location(config.file, line, column, config.document.index, mapping.path)
        message = (f"kind maps host port {mapping.host_port} to containerPort {mapping.container_port}, "
                   f"but no Service has nodePort {mapping.container_port} and no workload uses it as hostPort")
        bounds = nodeport_range(ctx.model, ctx.config)
        if not in_range(mapping.container_port, bounds):
            message += (f" (containerPort {mapping.container_port} is outside the NodePort range "
                        f"{bounds[0]}-{bounds[1]}: only a hostPort can receive it)")
        why = "An unused mapping reserves a host port for nothing and suggests a route that does not exist."
        old = config.data["nodes"][mapping.node]["extraPortMappings"][mapping.index]
        change = Change(DocumentRef(config.file, config.document.index),
                        (RemoveItem(mapping.path[:-1], mapping.index, old),))
        fix = Fix(f"remove the mapping of host port {mapping.host_port}", (), Applicability.UNSAFE,
                  f"something installed from outside the repository may listen on containerPort "
                  f"{mapping.container_port}; removing the mapping would cut host port {mapping.host_port} off",
                  NEEDS, changes=(change,))
        yield Finding(RULE.id, RULE.severity, message, loc, why, fix)
