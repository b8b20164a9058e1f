"""A Service targetPort naming a container port that none of its pods defines.

What it finds: a Service port whose ``targetPort`` is a name (``targetPort: http``) that no
container port of any pod template the Service selects carries, where the repository deploys
those pods (manifests, rendered charts, built kustomizations). Services whose pods the
repository does not show, and namespaces whose workloads patcher could not all read, are not
judged. A numeric targetPort is not judged: a container may listen on a port it does not
declare.

Why it matters: Kubernetes resolves a named targetPort in each pod; a pod without that name
gets no endpoint for the port, so the Service has none and every connection to it fails
(Istio answers 503 "no healthy upstream").

Example:

    kind: Service
    spec:
      ports:
        - {name: http, port: 80, targetPort: web}   # the container port is named http

Fixed example:

    kind: Service
    spec:
      ports:
        - {name: http, port: 80, targetPort: http}

The fix is written only when the selected pods declare exactly one container port (the same
in each); otherwise the finding lists the ports they declare.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Change, ResourceRef, Set
from patcher.rule import Context, RuleInfo
from patcher.topology import Workload
from patcher.unread import WORKLOADS, gaps, needs

RULE = RuleInfo(
    id="k8s/target-port-name-not-found",
    severity=Severity.CRITICAL,
    summary="Service targetPort naming a container port none of its pods defines",
    fixable=True,
    safety="Safe when the selected pods declare exactly one container port: the Service port has no endpoint "
           "today, and that port is the only one the pods show. Otherwise no fix.",
)

WHY = "A pod without the named port gets no endpoint for it: the Service has none and every connection fails."


def _ports(workload: Workload) -> list[tuple[str | None, int]]:
    pod = workload.resource.get(*workload.pod_path) or {}
    return [(str(p["name"]) if p.get("name") is not None else None, p["containerPort"])
            for c in (pod.get("containers") or []) + (pod.get("initContainers") or []) if isinstance(c, dict)
            for p in c.get("ports") or [] if isinstance(p, dict) and isinstance(p.get("containerPort"), int)]


def check(ctx: Context) -> Iterator[Finding]:
    topology, model = ctx.topology, ctx.model
    unplaced = any(r.kind in WORKLOADS for r in model.unplaced)
    for key, service in sorted(topology.services.items()):
        workloads = topology.workloads_of(service)
        if not workloads or unplaced or gaps(needs(*WORKLOADS, namespace=key[0]), model.unread):
            continue
        declared = [_ports(w) for w in workloads]
        for port in service.ports:
            name = port.target_port
            if not isinstance(name, str) or any(n == name for ports in declared for n, _ in ports):
                continue
            res = service.resource
            shown = sorted({f"{n or '(no name)'} {number}" for ports in declared for n, number in ports})
            message = (f"Service {res.namespace}/{res.name} port {port.port} targets container port '{name}', which "
                       f"no pod it selects defines ({', '.join(shown) or 'they declare no port'})")
            distinct = {tuple(ports) for ports in declared}
            fix = None
            if len(distinct) == 1 and len(declared[0]) == 1:
                only_name, number = declared[0][0]
                target = only_name if only_name is not None else number
                path = ("spec", "ports", port.index, "targetPort")
                fix = Fix(f"target container port {target}", (), Applicability.SAFE,
                          "the Service port has no endpoint today; the pods declare exactly one port",
                          needs=needs("Service", *WORKLOADS, namespace=key[0]),
                          changes=(Change(ResourceRef.of(res), (Set(path, name, target),)),))
            else:
                message += "; which one is meant is not evident"
            yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "ports", port.index, "targetPort")),
                          WHY, fix, tuple(w.resource.location(w.pod_path) for w in workloads[:3]))
