"""An application container in the mesh running as user ID 1337, the sidecar's own.

What it finds: a workload whose pods get an Istio sidecar, where the pod's or an application
container's ``securityContext.runAsUser`` is 1337 (a container named ``istio-proxy`` is the
sidecar itself and is not judged).

Why it matters: the sidecar's traffic capture skips every packet sent by UID 1337, so that it
does not capture its own traffic. An application running as 1337 bypasses the proxy: its calls
leave without mutual TLS, routing rules, retries or telemetry, and STRICT peers refuse them.

Example:

    spec:
      securityContext:
        runAsUser: 1337

Fixed example: none automatic; run the application as another non-root UID.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.rule import Context, RuleInfo

RULE = RuleInfo(
    id="istio/application-uid-1337",
    severity=Severity.MEDIUM,
    summary="Application container in the mesh running as UID 1337 (the sidecar's), so its traffic bypasses the proxy",
    fixable=False,
    safety="No fix: which UID the application may run as is the author's call.",
)

WHY = "Traffic capture skips UID 1337 (the proxy's own): this application's calls bypass the sidecar."
UID = 1337


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    for workload in topology.workloads:
        if topology.in_mesh(workload) is not True:
            continue
        res, pod_path = workload.resource, workload.pod_path
        pod = res.get(*pod_path) or {}
        pod_uid = (pod.get("securityContext") or {}).get("runAsUser") if isinstance(pod.get("securityContext"),
                                                                                    dict) else None
        for index, container in enumerate(pod.get("containers") or []):
            if not isinstance(container, dict) or container.get("name") == "istio-proxy":
                continue
            context = container.get("securityContext") if isinstance(container.get("securityContext"), dict) else {}
            own = context.get("runAsUser")
            uid = own if own is not None else pod_uid
            if uid != UID:
                continue
            path = pod_path + (("containers", index, "securityContext", "runAsUser") if own is not None
                               else ("securityContext", "runAsUser"))
            message = (f"container {container.get('name')} of {res.kind} {res.namespace}/{res.name} runs as UID "
                       f"{UID}, the sidecar's own: its traffic bypasses the proxy")
            yield Finding(RULE.id, RULE.severity, message, res.location(path), WHY, None)
