"""A DestinationRule that turns mutual TLS off towards pods that accept only mutual TLS.

What it finds: a deployed DestinationRule whose ``trafficPolicy.tls.mode`` is ``DISABLE``, for a
host naming a Service of the repository whose pods all have a sidecar, where the
PeerAuthentication in force for every one of those pods is ``STRICT``: a workload policy
(``selector``) first, then the namespace's own, then the mesh-wide one in Istio's root
namespace, an ``UNSET`` mode taking its parent's. Policies with ``portLevelMtls``, wildcard
hosts, PeerAuthentications deployed into a namespace patcher cannot resolve, and anything it
could not read leave the host unjudged.

Why it matters: the client's sidecar sends plain text, as the DestinationRule says; the server's
sidecar refuses anything but mutual TLS. Every request on the host fails (connection reset,
503 "upstream connect error").

Example:

    kind: DestinationRule                  kind: PeerAuthentication
    spec:                                  metadata: {namespace: shop}
      host: cart.shop.svc.cluster.local    spec:
      trafficPolicy:                         mtls: {mode: STRICT}
        tls: {mode: DISABLE}

Fixed example: none automatic; set the DestinationRule's mode to ``ISTIO_MUTUAL`` (or drop it:
auto mTLS then picks it), or let the PeerAuthentication be ``PERMISSIVE`` for these pods.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.names import selects
from patcher.resources import Resource
from patcher.rule import Context, RuleInfo
from patcher.topology import Workload
from patcher.unread import gaps, needs

RULE = RuleInfo(
    id="istio/mtls-disabled-to-strict",
    severity=Severity.CRITICAL,
    summary="DestinationRule with TLS DISABLE towards pods a STRICT PeerAuthentication covers",
    fixable=False,
    safety="No fix: whether the client or the server policy is wrong is the author's call.",
)

WHY = "The client sidecar sends plain text, the server sidecar accepts only mutual TLS: every request fails."


def _mode(policy: Resource) -> str:
    mtls = policy.get("spec", "mtls")
    mode = mtls.get("mode") if isinstance(mtls, dict) else None
    return str(mode).upper() if mode else "UNSET"


class _Policies:
    def __init__(self, ctx: Context) -> None:
        self.root = str(ctx.config["istio-namespace"])
        self.all = [p for p in ctx.model.of_kind("PeerAuthentication") if p.group.startswith("security.istio.io")]

    def _wide(self, namespace: str) -> Resource | None:
        found = [p for p in self.all if p.namespace == namespace and not p.get("spec", "selector")]
        return found[0] if len(found) == 1 else None

    def strict(self, workload: Workload) -> Resource | None:
        """The policy that makes the workload's mode STRICT, or None (another mode, or unsure)."""
        namespace = workload.resource.namespace
        chain = [p for p in self.all if p.namespace == namespace and isinstance(p.get("spec", "selector"), dict)
                 and selects((p.get("spec", "selector") or {}).get("matchLabels") or {}, workload.pod_labels)]
        if len(chain) > 1:
            return None  # several workload policies: Istio picks one by age, which files do not show
        chain += [p for p in (self._wide(namespace), self._wide(self.root)) if p is not None]
        for policy in chain:
            if policy.get("spec", "portLevelMtls"):
                return None  # a port may differ
            mode = _mode(policy)
            if mode != "UNSET":
                return policy if mode == "STRICT" else None
        return None


def check(ctx: Context) -> Iterator[Finding]:
    topology, model = ctx.topology, ctx.model
    if model.unplaced_of_kind("PeerAuthentication") or gaps(needs("PeerAuthentication"), model.unread):
        return
    policies = _Policies(ctx)
    if not policies.all:
        return
    for rule in model.of_kind("DestinationRule"):
        if not rule.group.startswith("networking.istio.io"):
            continue
        tls = rule.get("spec", "trafficPolicy", "tls")
        if not isinstance(tls, dict) or str(tls.get("mode", "")).upper() != "DISABLE":
            continue
        host = rule.get("spec", "host")
        service = topology.resolve(str(host), rule.namespace) if isinstance(host, str) else None
        if service is None:
            continue
        workloads = topology.workloads_of(service)
        if not workloads or any(topology.in_mesh(w) is not True for w in workloads):
            continue
        strict = [policies.strict(w) for w in workloads]
        if any(p is None for p in strict):
            continue
        named = sorted({f"{p.namespace}/{p.name}" for p in strict})
        message = (f"DestinationRule {rule.namespace}/{rule.name} sends plain text to {host} (tls.mode DISABLE), but "
                   f"PeerAuthentication {', '.join(named)} accepts only mutual TLS on the pods of Service "
                   f"{service.key[0]}/{service.key[1]}: every request fails")
        yield Finding(RULE.id, RULE.severity, message, rule.location(("spec", "trafficPolicy", "tls", "mode")), WHY,
                      None, tuple(p.location(("spec", "mtls")) for p in strict[:1]))
