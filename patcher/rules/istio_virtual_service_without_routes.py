"""A VirtualService with no route of any protocol.

What it finds: a VirtualService (deployed or not: the defect is in the resource itself) whose
``spec`` has none of ``http``, ``tcp`` and ``tls``, or has them only as empty lists.

Why it matters: Istio's validation rejects it ("http, tcp or tls must be provided in virtual
service"), so the apply that carries it fails; where validation is off, it routes nothing.
The JSON schema does not require any of the three, so the schema check does not see it.

Example:

    kind: VirtualService
    spec:
      hosts: [cart]
      gateways: [web]
      # the routes were meant to come from another file

Fixed example: none automatic; add the routes, or delete the VirtualService.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.rule import Context, RuleInfo

RULE = RuleInfo(
    id="istio/virtual-service-without-routes",
    severity=Severity.CRITICAL,
    summary="VirtualService with no http, tcp or tls route (Istio rejects it)",
    fixable=False,
    safety="No fix: which routes were meant is the author's call.",
)

WHY = "Istio's validation rejects a VirtualService without http, tcp or tls routes: the apply fails."


def check(ctx: Context) -> Iterator[Finding]:
    for res in ctx.model.own_of_kind("VirtualService"):
        spec = res.get("spec")
        if not res.group.startswith("networking.istio.io") or not isinstance(spec, dict):
            continue  # a spec that is no mapping is the schema check's
        if any(spec.get(key) for key in ("http", "tcp", "tls")):
            continue
        message = f"VirtualService {res.namespace}/{res.name} has no http, tcp or tls route: Istio rejects it"
        yield Finding(RULE.id, RULE.severity, message, res.location(("spec",)), WHY, None)
