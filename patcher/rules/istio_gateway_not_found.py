"""A VirtualService bound to a Gateway that does not exist.

What it finds: an entry of a deployed VirtualService's ``spec.gateways`` (other than ``mesh``)
naming a Gateway that is not deployed, in a namespace where the repository deploys its
Gateways (a bare name is the VirtualService's own namespace, as Istio reads it; Gateways are
named as Helm and Kustomize deploy them). When the Gateway may exist outside what patcher reads
(a namespace the repository deploys no Gateway into, a remote chart or manifest, a Gateway
deployed into a namespace patcher cannot resolve or by nothing it reads, a chart that did not
render), a note says so, never a finding. When exactly one Gateway of that namespace is
evidently meant (the name with a Helm release or kustomize namePrefix/nameSuffix added), the
fix names it.

Why it matters: Istio binds the VirtualService to no gateway proxy for that entry: its routes
are not served there, and the request gets 404 from the gateway, with no error anywhere.

Example:

    kind: VirtualService
    spec:
      gateways: [web-gateway]      # the chart deploys Gateway shop-web-gateway

Fixed example:

    kind: VirtualService
    spec:
      gateways: [shop-web-gateway]
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Change, ResourceRef, Set
from patcher.names import gateway_key
from patcher.rule import Context, RuleInfo
from patcher.service_hosts import ANYWHERE, HostJudge, namesakes, other_builds
from patcher.source import Diagnostic
from patcher.unread import gaps, needs

RULE = RuleInfo(
    id="istio/gateway-not-found",
    severity=Severity.CRITICAL,
    summary="VirtualService bound to a Gateway that the repository does not deploy",
    fixable=True,
    safety="Safe when exactly one Gateway of that namespace is the name with a release prefix or kustomize "
           "prefix/suffix added: the entry binds to nothing today. Otherwise no fix; the finding lists the "
           "namespace's Gateways.",
)

WHY = "Istio binds the VirtualService to no gateway for this entry: its routes are not served there."


def _entries(ctx: Context):
    """(VirtualService, index, reference, (namespace, name)) of every non-mesh gateway entry
    that names no deployed Gateway."""
    for vs in ctx.topology.virtual_services:
        res = vs.resource
        for index, ref in enumerate(res.get("spec", "gateways") or []):
            if not isinstance(ref, str):
                continue
            key = gateway_key(ref, res.namespace)
            if key is not None and key not in ctx.topology.gateways:
                yield vs, index, ref, key


def _unseen(ctx: Context, key: tuple[str, str]) -> str | None:
    """Why the Gateway may exist although the repository does not show it; None: it does not."""
    model = ctx.model
    unseen = {r.name for r in model.unplaced_of_kind("Gateway")} | {r.name for r in model.undeployed
                                                                     if r.kind == "Gateway"}
    if key[1] in unseen:
        return f"a Gateway {key[1]} is deployed where patcher cannot tell the namespace, or by nothing it reads"
    if not any(ns == key[0] for ns, _ in ctx.topology.gateways):
        return f"the repository deploys no Gateway into namespace {key[0]}"
    outside = HostJudge(ctx.topology).outside
    found = outside.get(key[0]) or outside.get(ANYWHERE)
    if found:
        return f"{found} may create it"
    unread = gaps(needs("Gateway", namespace=key[0]), model.unread)
    if unread:
        return f"patcher could not read {unread[0].what}"
    return None


def notes(ctx: Context) -> list[Diagnostic]:
    out = []
    for vs, index, ref, key in _entries(ctx):
        why = _unseen(ctx, key)
        if why is None:
            continue
        res = vs.resource
        loc = res.location(("spec", "gateways", index))
        line = loc.line if res.source.editable or res.source.line else None
        out.append(Diagnostic(loc.file, f"VirtualService {res.namespace}/{res.name} is bound to Gateway "
                                        f"{key[0]}/{key[1]}, not in the repository: not judged, as {why}",
                              line, level="note"))
    return list(dict.fromkeys(out))


def _renamed(ref: str, name: str, new: str) -> str:
    if "/" in ref:
        return f"{ref.split('/', 1)[0]}/{new}"
    return new + ref[len(name):]  # a bare name, or the FQDN form name.namespace.svc...


def check(ctx: Context) -> Iterator[Finding]:
    for vs, index, ref, key in _entries(ctx):
        if _unseen(ctx, key) is not None:
            continue
        res = vs.resource
        present = sorted(name for ns, name in ctx.topology.gateways if ns == key[0])
        message = (f"VirtualService {res.namespace}/{res.name} is bound to Gateway {key[0]}/{key[1]}, which the "
                   f"repository does not deploy; namespace {key[0]} has {', '.join(present)}")
        meant = namesakes(key[1], present)
        fix = None
        if len(meant) == 1:
            path = ("spec", "gateways", index)
            fix = Fix(f"bind to Gateway {key[0]}/{meant[0]}", (), Applicability.SAFE,
                      "the entry binds to nothing today; exactly one Gateway of the namespace is the name with a "
                      "prefix or suffix added", needs("Gateway", namespace=key[0]),
                      changes=(Change(ResourceRef.of(res), (Set(path, ref, _renamed(ref, key[1], meant[0])),)),))
            new = _renamed(ref, key[1], meant[0])
            broken = sorted({f"{o.source.kustomize_root or '.'}: namespace {o.namespace}"
                             for o in other_builds(ctx.model, res, path)
                             if gateway_key(new, o.namespace) not in ctx.topology.gateways})
            if broken:
                fix = Fix(fix.title, (), Applicability.DISPLAY_ONLY,
                          f"{res.source.file} is built by other kustomize roots too, where {new} names no Gateway "
                          f"({', '.join(broken)}): the edit would unbind them", fix.needs, changes=fix.changes)
        else:
            message += "; which one is meant is not evident"
        yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "gateways", index)), WHY, fix,
                      tuple(ctx.topology.gateways[(key[0], n)].resource.location() for n in present[:3]))
