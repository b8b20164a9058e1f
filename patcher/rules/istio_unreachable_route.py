"""An HTTP route no request can reach: earlier routes match everything it matches.

What it finds: a VirtualService ``http`` route each of whose ``match`` conditions
is covered by a condition of an earlier route (a catch-all first, a shorter
prefix first, identical matches, an exact match after a prefix that contains
it). A condition covers another only when it is at least as general on every
attribute: uri, method, scheme, authority, headers, withoutHeaders,
queryParams, port, sourceLabels, sourceNamespace and gateways. A regular
expression covers only the identical expression; whether one contains another
is not decided, so no finding rests on it. Also reported: a route of one
VirtualService that a route of another VirtualService for the same host on the
same gateway covers. Istio merges the two in an order nobody chose, so the
route may never match, depending on which VirtualService comes first.

Why it matters: Istio takes the first route that matches. A route placed after
a broader one is dead configuration. The requests it was written for go
elsewhere, and nothing says so.

Example:

    http:
      - name: web
        route: [{destination: {host: web}}]          # matches everything
      - name: api
        match: [{uri: {prefix: /api}}]
        route: [{destination: {host: api}}]          # never reached

Fixed example:

    http:
      - name: api
        match: [{uri: {prefix: /api}}]
        route: [{destination: {host: api}}]
      - name: web
        route: [{destination: {host: web}}]

The fix moves the route, with its text and comments, to just before the first
route that covers one of its conditions. It is offered only when the move
changes nothing but the answer for the requests the route matches. No condition
of another route may become unreachable, and no route it passes may share
requests with it and send them elsewhere. Otherwise the finding names the route
that stands in the way and the fix is only shown. A route that sends its
requests where the covering routes already send them is left for a human to
remove, and routes across VirtualServices are never reordered automatically.
"""

from __future__ import annotations

from typing import Iterator

from patcher.deployed.variants import same_object
from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Change, MoveItem, ResourceRef
from patcher.merged_hosts import groups, shared
from patcher.routes import (Scope, coverers, covers_any, dead_conditions, disjoint, forwarding, forwards,
                            unreachable)
from patcher.rule import Context, RuleInfo
from patcher.topology import VirtualService
from patcher.unread import needs

RULE = RuleInfo(
    id="istio/unreachable-route",
    severity=Severity.MEDIUM,
    summary="VirtualService HTTP route that earlier routes always match first",
    fixable=True,
    safety="Safe when moving the route before the routes that cover it leaves every other route's "
           "conditions reachable, passes no route that shares requests with it and sends them "
           "elsewhere, and every destination it forwards to is a Service of the repository; unsafe "
           "when a destination is not (the requests it takes would go there). Shown only otherwise, "
           "and across VirtualServices Istio merges.",
)


def _label(http: list, index: int) -> str:
    name = http[index].get("name") if isinstance(http[index], dict) else None
    return f"route {index}" + (f" '{name}'" if name else "")


def _routes(vs: VirtualService) -> list[dict] | None:
    http = vs.resource.get("spec", "http", default=[]) or []
    return http if isinstance(http, list) and all(isinstance(r, dict) for r in http) else None


def _takers(http: list, firsts: list[int]) -> str:
    shown = [_label(http, k) for k in sorted(set(firsts))]
    if len(shown) == 1:
        return f"{shown[0]} matches every request it matches"
    return f"{', '.join(shown[:-1])} and {shown[-1]} match every request it matches between them"


def _refusal(http: list, index: int, to: int, scope: Scope) -> str:
    """Why moving route ``index`` to ``to`` would change more than the requests it matches, or ""."""
    route = http[index]
    if not forwards(route):
        return "it has no route, redirect or directResponse, which Istio rejects: give it one first"
    passed = range(to, index)
    covering = [k for k in passed if covers_any(http[k], route, scope)]
    if all(forwarding(http[k]) == forwarding(route) for k in covering):
        return (f"it sends its requests where {_label(http, covering[0])} already does: moving it would change "
                "nothing; remove it if it is left over")
    for k in passed:
        if k not in covering and not disjoint(http[k], route) and forwarding(http[k]) != forwarding(route):
            return (f"{_label(http, k)} can match some of its requests and handles them otherwise: moved before "
                    "it, they would change route; order them by hand")
    moved = http[:to] + [route] + http[to:index] + http[index + 1:]
    renumber = {k: (k + 1 if to <= k < index else to if k == index else k) for k in range(len(http))}
    was = {(renumber[k], c) for k, c in dead_conditions(http, scope)}
    lost = sorted({k for k, _ in dead_conditions(moved, scope) - was})
    if lost:
        original = next(k for k, new in renumber.items() if new == lost[0])
        return (f"moved before {_label(http, to)}, it would take requests {_label(http, original)} matches now; "
                "order them by hand")
    return ""


def _safety(vs: VirtualService, index: int) -> tuple[Applicability, str]:
    route = next((r for r in vs.routes if r.index == index), None)
    outside = sorted({d.host for d in (route.destinations if route else ()) if d.service is None})
    if outside:
        return Applicability.UNSAFE, (f"the requests it takes would go to {', '.join(outside)}, which no Service "
                                      "of the repository provides")
    return Applicability.SAFE, ("only the requests it matches change route, to the route written for them; "
                                "every other route keeps what it matches")


def _within(ctx: Context, vs: VirtualService) -> Iterator[Finding]:
    http = _routes(vs)
    if not http:
        return
    res = vs.resource
    scope = Scope(res.namespace, vs.gateways)
    for index, firsts in sorted(unreachable(http, scope).items()):
        to = min(firsts)
        message = (f"{_label(http, index)} of VirtualService {res.namespace}/{res.name} never matches: "
                   f"{_takers(http, firsts)}")
        why = "Istio takes the first matching route: the requests this route was written for go elsewhere."
        title = f"move it before {_label(http, to)}"
        refused = _refusal(http, index, to, scope)
        if refused:
            fix = Fix(title, (), Applicability.DISPLAY_ONLY, refused, needs("VirtualService"))
        else:
            change = Change(ResourceRef.of(res), (MoveItem(("spec", "http"), index, to, http[index]),))
            fix = Fix(title, (), *_safety(vs, index), needs("VirtualService", "Service"), changes=(change,))
        related = tuple(res.location(("spec", "http", k)) for k in sorted(set(firsts)))
        yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "http", index)), why, fix, related)


def _across(ctx: Context) -> Iterator[Finding]:
    """Routes of one VirtualService that another's routes cover when Istio puts that one first."""
    domain = ctx.topology.cluster_domain
    for group in groups(ctx.topology.virtual_services, domain):
        for vs in group:
            http = _routes(vs)
            if not http:
                continue
            own = set(unreachable(http, Scope(vs.resource.namespace, vs.gateways)))
            for other in group:
                if other is vs or same_object(other.resource, vs.resource):
                    continue
                gateways, hosts = shared(other, vs, domain)
                theirs = _routes(other)
                if None in gateways or not hosts or not theirs:
                    continue  # mesh VirtualServices are not merged: only one applies
                yield from _covered_by(vs, http, own, other, theirs, hosts, gateways)


def _covered_by(vs: VirtualService, http: list, own: set, other: VirtualService, theirs: list,
                hosts: list[str], gateways: list) -> Iterator[Finding]:
    # match-level gateways are read without the VirtualServices' own: a condition naming some
    # covers only conditions naming fewer, never a false "unreachable"
    earlier = [(r, Scope(other.resource.namespace)) for r in theirs]
    res, them = vs.resource, other.resource
    for index, route in enumerate(http):
        if index in own:
            continue  # its own VirtualService already hides it: reported there
        scope = Scope(res.namespace)
        firsts = coverers(earlier + [(r, scope) for r in http[:index]], route, scope)
        if firsts is None or all(k >= len(theirs) for k in firsts):
            continue
        takers = sorted({k for k in firsts if k < len(theirs)})
        if all(forwarding(theirs[k]) == forwarding(route) for k in takers):
            continue  # whichever comes first, the requests go to the same place
        shown = ", ".join(_label(theirs, k) for k in takers)
        on = ", ".join(name if ns == res.namespace else f"{ns}/{name}" for ns, name in gateways)
        message = (f"{_label(http, index)} of VirtualService {res.namespace}/{res.name} may never match for "
                   f"{', '.join(hosts)} on gateway {on}: Istio merges it with VirtualService {them.namespace}/{them.name} "
                   f"({them.source.file}) in an order nobody chose, and when that one comes first its {shown} "
                   "takes every request this route matches")
        why = "Which VirtualService's route answers depends on the merge order, which nobody chose."
        fix = Fix("merge the VirtualServices into one, ordering the routes", (), Applicability.DISPLAY_ONLY,
                  "which route should win is a decision about the application: merge them by hand "
                  "(istio/duplicate-gateway-host offers the merge where it is unambiguous)",
                  needs("VirtualService"))
        related = tuple(them.location(("spec", "http", k)) for k in takers)
        yield Finding(RULE.id, RULE.severity, message, res.location(("spec", "http", index)), why, fix, related)


def check(ctx: Context) -> Iterator[Finding]:
    for vs in ctx.topology.own_virtual_services:  # each by itself: deployed or not, every variant
        yield from _within(ctx, vs)
    yield from _across(ctx)
