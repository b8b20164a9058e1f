"""A Gateway whose selector picks no gateway pod the repository deploys.

What it finds: a deployed Istio Gateway whose ``spec.selector`` matches the labels of no pod
template anywhere in the repository (manifests, rendered charts, built kustomizations, in any
namespace: istiod binds Gateways across namespaces by default), while the repository deploys
its gateway proxies itself (a pod with the gateway injection template or the proxy image) and
nothing outside it may add others. When the gateway may be installed outside the repository
(``istioctl install``, an IstioOperator, a chart, manifest or Argo CD source from outside the
repository, anything patcher could not read), or the selector names the labels of the gateways
Istio's own profiles install while the repository does not install Istio itself, a note says
the selector is not judged, never a finding. A selector a Service of the
repository selects with too is not judged (its pods are expected from somewhere).

Why it matters: no gateway proxy takes the Gateway's servers: its ports are never opened and
every VirtualService bound to it serves nothing, with no error anywhere.

Example:

    kind: Gateway
    spec:
      selector: {istio: ingressgateway}   # the gateway Deployment's pods: istio: ingress

Fixed example:

    kind: Gateway
    spec:
      selector: {istio: ingress}

The fix is written only when the repository deploys exactly one gateway proxy, the selector's
keys are all labels of its pods, and no value swaps an ingress for an egress gateway; the
finding lists the repository's gateway pods otherwise.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.gateway_workloads import GatewayPods, PodTemplate
from patcher.intent.changes import Change, ResourceRef, Set
from patcher.rule import Context, RuleInfo
from patcher.source import Diagnostic
from patcher.unread import needs

RULE = RuleInfo(
    id="istio/gateway-selector-without-pods",
    severity=Severity.CRITICAL,
    summary="Gateway whose selector matches no gateway pod the repository deploys",
    fixable=True,
    safety="Safe when the repository deploys exactly one gateway proxy and the selector names its label keys "
           "with other values (not an egress for an ingress): the Gateway binds to no pod today. "
           "Otherwise no fix; the finding lists the gateway pods.",
)

WHY = "No gateway proxy takes this Gateway: its servers never listen and the VirtualServices bound to it serve nothing."


def _describe(labels: dict) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) + "}"


def _unmatched(ctx: Context, pods: GatewayPods):
    for _, gateway in sorted(ctx.topology.gateways.items()):
        selector = gateway.selector
        if not isinstance(selector, dict) or not selector:
            continue  # no selector: every gateway proxy takes it
        selector = {str(k): str(v) for k, v in selector.items()}
        if pods.matches(selector) or pods.fronted(selector):
            continue
        yield gateway, selector


def _unjudged(pods: GatewayPods, selector: dict) -> str | None:
    """Why the selector is not judged; None when a finding stands."""
    elsewhere = pods.installed_elsewhere
    if elsewhere:
        return f"the gateway may be installed outside the repository ({', '.join(elsewhere[:3])})"
    if not pods.repository_gateways:
        return "the repository deploys no gateway proxy itself"
    return pods.default_install(selector)


def notes(ctx: Context) -> list[Diagnostic]:
    pods = GatewayPods(ctx.model)
    if ctx.model.ingress_unknown and not pods.repository_gateways:
        return []  # the model says once already that the ingress gateway is not in the repository
    out = []
    for gateway, selector in _unmatched(ctx, pods):
        why = _unjudged(pods, selector)
        if why is None:
            continue
        res = gateway.resource
        loc = res.location(("spec", "selector"))
        line = loc.line if res.source.editable or res.source.line else None
        out.append(Diagnostic(loc.file, f"Gateway {res.namespace}/{res.name} selects {_describe(selector)}, no pod "
                                        f"of the repository: not judged, as {why}", line, level="note"))
    return out


def _fix(res, selector: dict, only: PodTemplate) -> Fix | None:
    if not all(k in only.labels for k in selector):
        return None
    changed = {k: only.labels[k] for k, v in selector.items() if only.labels[k] != v}
    if any(("egress" in v) != ("egress" in selector[k]) for k, v in changed.items()):
        return None  # an egress Gateway is not meant for the ingress proxy, nor the reverse
    ops = tuple(Set(("spec", "selector", k), selector[k], v) for k, v in sorted(changed.items()))
    return Fix(f"select the gateway pods of {only.resource.kind} {only.resource.namespace}/{only.resource.name}", (),
               Applicability.SAFE,
               "the Gateway binds to no pod today; the repository deploys exactly one gateway proxy and nothing "
               "outside it may add another",
               needs=needs(*("Deployment", "DaemonSet", "StatefulSet", "Pod")),
               changes=(Change(ResourceRef.of(res), ops),))


def check(ctx: Context) -> Iterator[Finding]:
    pods = GatewayPods(ctx.model)
    gateways = pods.repository_gateways
    for gateway, selector in _unmatched(ctx, pods):
        if _unjudged(pods, selector):
            continue  # the gateway may come from elsewhere: notes(ctx) says so
        res = gateway.resource
        shown = "; ".join(f"{t.resource.kind} {t.resource.namespace}/{t.resource.name} {_describe(t.labels)}"
                          for t in gateways[:3])
        more = f" and {len(gateways) - 3} more" if len(gateways) > 3 else ""
        message = (f"Gateway {res.namespace}/{res.name} selects {_describe(selector)}, but no pod the repository "
                   f"deploys carries these labels; its gateway pods: {shown}{more}")
        fix = _fix(res, selector, gateways[0]) if len(gateways) == 1 else None
        yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "selector")), WHY, fix,
                      tuple(t.resource.location(t.path + ("metadata", "labels")) for t in gateways[:3]))
