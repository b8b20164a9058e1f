"""DestinationRule traffic settings written directly under ``spec``.

What it finds: ``connectionPool``, ``outlierDetection``, ``loadBalancer``,
``tls`` or ``portLevelSettings`` as keys of a DestinationRule's ``spec``, where
Istio does not read them; they belong under ``spec.trafficPolicy``.

Why it matters: the API server (or Istio's validation webhook) rejects the
resource, or, where validation is off, the circuit breaker or TLS setting
silently never applies.

Example:

    spec:
      host: api
      connectionPool:
        tcp: {maxConnections: 100}

Fixed example:

    spec:
      host: api
      trafficPolicy:
        connectionPool:
          tcp: {maxConnections: 100}
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Change, MoveKey, ResourceRef
from patcher.rule import Context, RuleInfo


RULE = RuleInfo(
    id="istio/misplaced-traffic-policy",
    severity=Severity.MEDIUM,
    summary="DestinationRule traffic settings outside spec.trafficPolicy",
    fixable=True,
    safety="Safe: the misplaced fields are moved where Istio reads them, unchanged; nothing else in the DestinationRule moves.",
)

POLICY_KEYS = ("loadBalancer", "connectionPool", "outlierDetection", "tls", "portLevelSettings")


def check(ctx: Context) -> Iterator[Finding]:
    for dr in ctx.model.own_of_kind("DestinationRule"):  # a defect of the resource alone: deployed or not
        spec = dr.get("spec") or {}
        misplaced = [k for k in POLICY_KEYS if k in spec]
        if not misplaced or not dr.group.startswith("networking.istio.io"):
            continue
        policy = spec.get("trafficPolicy")
        clash = [k for k in misplaced if isinstance(policy, dict) and k in policy]
        # the entries move with their text (comments, quoting); trafficPolicy is created when missing
        ops = tuple(MoveKey(("spec",), k, ("spec", "trafficPolicy"), spec[k]) for k in misplaced)
        fix = None
        if not clash and ("trafficPolicy" not in spec or isinstance(policy, dict)):
            fix = Fix(f"move {', '.join(misplaced)} under spec.trafficPolicy", (), Applicability.SAFE,
                      needs=(),  # the move reads nothing beyond the resource itself
                      changes=(Change(ResourceRef.of(dr), ops),))
        message = (f"DestinationRule {dr.namespace}/{dr.name} has {', '.join(misplaced)} directly under spec, "
                   "where Istio does not read it")
        if clash:
            message += f"; trafficPolicy already sets {', '.join(clash)}, so a human must choose"
        why = "Validation rejects the resource, or the setting silently never applies."
        yield Finding(RULE.id, RULE.severity, message, dr.location(("spec", misplaced[0])), why, fix)
