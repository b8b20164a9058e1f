"""Two or more VirtualServices route the same host on the same gateway.

What it finds: VirtualServices that share a host (``*`` included) and a gateway
(or the mesh). Istio merges such VirtualServices only for gateways and in an
order nobody chose, so their routes compete. As Istio reads them, a short host
(``frontend``) and a gateway named without a namespace belong to the
VirtualService's own namespace: ``frontend`` in two namespaces is two hosts.

Why it matters: which route answers a request depends on merge order; a later
change to one file silently shadows routes of the other.

Example:

    # app-vs.yaml                      # frontend-virtualservice.yaml
    hosts: ["*"]                       hosts: ["*"]
    gateways: [web-gateway]            gateways: [web-gateway]
    http: [/api/ -> api, / -> web]     http: [/static -> web, / -> web]

Fixed example:

    # app-vs.yaml keeps every route, ordered so none is shadowed:
    http: [/api/ -> api, /static -> web, / -> web]
    # frontend-virtualservice.yaml is removed (and dropped from its kustomization)

The VirtualService with the most routes is kept. Routes of the others are
inserted before the first route that would shadow them, with short destination
hosts qualified when the namespaces differ. A route with the same match as a
kept one but another target is reported and not copied, unless it only adds
settings the kept route does not set (one VirtualService for the timeout, one for
the retries): those are added to the kept route.

The fix is safe only when the merged VirtualService answers every request as
Istio answers it today whatever order it merges them in: the VirtualServices are
bound to gateways (Istio does not merge mesh VirtualServices: only one is used
today, and merging would switch the other's routes on), and no route of one can
match a request a route of the other matches unless both send it to the same
place. Otherwise which route answers depends on the order Istio merged them in,
the merge fixes one order, and the fix is unsafe (``--unsafe-fixes``).

The merge is only offered where it changes nothing but the duplicate: when the
kept and the removed document are not deployed by the same Kustomize builds (a
base several overlays build, one overlay's own VirtualService), removing one or
adding routes to the other would change a build where they are no duplicates,
and the fix is shown only, saying which build.
"""

from __future__ import annotations

from typing import Iterator

from patcher.deployed.variants import same_object
from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.model import Model
from patcher.intent.changes import AddItem, AddKey, Change, Delete, ResourceRef
from patcher.merged_hosts import groups as _groups, hosts as _hosts, order as _order
from patcher.resources import Resource
from patcher.route_complement import complement
from patcher.route_twins import absolute as _absolute
from patcher.routes import dead_conditions, disjoint, forwarding, forwards, insertion_index, same_match
from patcher.rule import Context, RuleInfo
from patcher.unread import needs
from patcher.topology import VirtualService

RULE = RuleInfo(
    id="istio/duplicate-gateway-host",
    severity=Severity.MEDIUM,
    summary="Several VirtualServices for the same host on the same gateway",
    fixable=True,
    safety="Safe only when the VirtualServices are bound to gateways and no two of their routes can "
           "match one request with different targets (so the merged order cannot change an answer); "
           "unsafe otherwise, and when conflicting routes are left out.",
)


def _requalified(route: dict, source_ns: str, target_ns: str, domain: str) -> dict:
    """A route moved to another namespace keeps its targets: short hosts become FQDNs."""
    return route if source_ns == target_ns else _absolute(route, source_ns, domain)


def _merge(keep: VirtualService, other: VirtualService, domain: str) -> tuple[list, list[str], list[str]]:
    """Insertions of ``other``'s routes into ``keep``, the routes that conflict with kept ones
    and the routes Istio would reject (nothing to route, redirect or answer with): neither moves.
    A copied route goes before the first route covering any of its conditions, and only where it
    leaves every condition of every route as reachable as it was."""
    merged: list[tuple[bool, dict]] = [(False, r.data) for r in keep.routes]  # (is new, route)
    dropped: list[str] = []
    invalid: list[str] = []
    completions: list = []  # settings added to kept routes, before insertions shift their indexes
    moved = [_requalified(r.data, other.resource.namespace, keep.resource.namespace, domain) for r in other.routes]
    for order, route in enumerate(moved):
        label = route.get("name") or f"route {order}"
        if not forwards(route):
            invalid.append(label)
            continue
        routes = [r for _, r in merged]
        twin = next((r for r in routes if same_match(r, route)), None)
        if twin is not None:
            if _target(twin, keep, domain) != _target(route, keep, domain):
                index = next((i for i, r in enumerate(keep.routes) if r.data is twin), None)
                extra = None if index is None else complement(
                    _absolute(twin, keep.resource.namespace, domain), _absolute(route, keep.resource.namespace, domain))
                if extra:  # one sets the timeout, the other the retries: one route says both
                    completions.extend(AddKey(("spec", "http", index), k, route[k]) for k in extra)
                else:
                    dropped.append(label)
            continue
        at = insertion_index(routes, route)
        candidate = routes[:at] + [route] + routes[at:]
        was = {(i + (i >= at), c) for i, c in dead_conditions(routes)}
        if dead_conditions(candidate) - was:
            dropped.append(label)  # it would shadow a condition of a route already there
            continue
        merged.insert(at, (True, route))
    groups: dict[int, list[dict]] = {}
    originals_before = 0
    for is_new, route in merged:
        if is_new:
            groups.setdefault(originals_before, []).append(route)
        else:
            originals_before += 1
    ops = completions
    for index, routes in sorted(groups.items()):
        position = index if index < len(keep.routes) else None
        # insertions at one position are applied in turn, each before the previous: reverse them
        for route in reversed(routes) if position is not None else routes:
            ops.append(AddItem(("spec", "http"), route, position))
    return ops, dropped, invalid


def _target(route: dict, vs: VirtualService, domain: str) -> dict:
    """What a route of ``vs`` does, its Services named absolutely."""
    return forwarding(_absolute(route, vs.resource.namespace, domain))


def _safety(keep: VirtualService, other: VirtualService, dropped: list[str], invalid: list[str],
            domain: str) -> tuple[Applicability, str]:
    if dropped:
        return Applicability.UNSAFE, ("routes that match what a kept route matches and do something else "
                                      "are left out")
    if invalid:
        return Applicability.UNSAFE, (f"{', '.join(invalid)} has nothing to route, redirect or answer with and is "
                                      "left out; Istio rejects a VirtualService holding such a route, so the "
                                      "routes merged from it were not in use")
    if None in keep.gateways or None in other.gateways:
        return Applicability.UNSAFE, ("Istio uses only one of several mesh VirtualServices for a host; "
                                      "merging switches the other's routes on")
    for a, b in ((a, b) for a in keep.routes for b in other.routes):
        ta, tb = _target(a.data, keep, domain), _target(b.data, other, domain)
        if not disjoint(a.data, b.data) and ta != tb:
            return Applicability.UNSAFE, (
                f"route {_label(keep, a)} and route {_label(other, b)} can match the same request and handle "
                f"it differently ({_difference(ta, tb)}): which answers today depends on the order "
                "Istio merged them in")
    return Applicability.SAFE, "no two routes of theirs can match one request and handle it differently"


def _difference(fa: dict, fb: dict) -> str:
    keys = sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))
    return "their " + ", ".join(keys) + (" differ" if len(keys) > 1 else " differs")


def _label(vs: VirtualService, route) -> str:
    name = route.data.get("name") if isinstance(route.data, dict) else None
    return f"{vs.resource.name}/{name or route.index}"


def _builds(model: Model, resource: Resource) -> set[str | None]:
    """The kustomize roots that build the resource's document (None: applied as written)."""
    src = resource.source
    return {r.source.kustomize_root for r in model.by_document.get((src.file, src.doc), ())
            if r.kind == resource.kind}


def _unsafe_in_builds(model: Model, kept: Resource, other: Resource) -> str:
    """Why the merge would change a build where the two are not duplicates, or "": deleting a
    document some build deploys without the kept one takes routes away there, and routes added
    to a document some build deploys without the other appear there from nowhere."""
    keeps, others = _builds(model, kept), _builds(model, other)
    if keeps == others:
        return ""
    problems = []
    lost = sorted(others - keeps, key=str)
    if lost:
        problems.append(f"removing {other.source.file} would take VirtualService {other.name} away from what "
                        f"does not deploy {kept.source.file}: {_named(lost)}")
    gained = sorted(keeps - others, key=str)
    if gained:
        problems.append(f"the merged routes would also reach what deploys {kept.source.file} without "
                        f"{other.source.file}: {_named(gained)}")
    return "; ".join(problems + ["merge them by hand in each build"])


def _named(roots: list[str | None]) -> str:
    return ", ".join(root if root is not None else "the manifests applied without kustomize" for root in roots)


def check(ctx: Context) -> Iterator[Finding]:
    domain = ctx.topology.cluster_domain
    for group in _groups(ctx.topology.virtual_services, domain):
        keep = max(group, key=lambda vs: (len(vs.routes), [-ord(c) for c in _order(vs)[0]]))
        # variants of one object never run together: one is never reported against its other
        # version, and no merge is offered where removing a document would take routes away
        # from the other version's deployment
        versions = any(same_object(a.resource, b.resource) for a in group for b in group)
        for other in (vs for vs in group if vs is not keep and not same_object(vs.resource, keep.resource)):
            res, kept = other.resource, keep.resource
            theirs, ours = _hosts(other, domain), _hosts(keep, domain)
            hosts = sorted(written for host, written in theirs.items() if host in ours)
            message = (f"VirtualService {res.namespace}/{res.name} routes host {', '.join(hosts)} on the same "
                       f"gateway as {kept.namespace}/{kept.name} ({kept.source.file})")
            why = "Istio merges VirtualServices of one host in an order nobody chose; their routes compete."
            fix = None
            covered = set(theirs) <= set(ours) and set(other.gateways) <= set(keep.gateways)
            plain = not any(k in res.data.get("spec", {}) for k in ("tcp", "tls"))
            if covered and plain and not versions:
                ops, dropped, invalid = _merge(keep, other, domain)
                title = f"merge its routes into {kept.name} and remove it"
                if dropped:
                    # which of two same-match routes Istio uses depends on merge order: a human decides
                    message += f"; conflicting routes not copied: {', '.join(dropped)}"
                if invalid:
                    message += (f"; routes Istio rejects (no route, redirect or directResponse) not copied: "
                                f"{', '.join(invalid)}")
                safety, reason = _safety(keep, other, dropped, invalid, domain)
                # the removed document goes with its kustomization entry when it empties its file
                changes = (Change(ResourceRef.of(kept), tuple(ops)),
                           Change(ResourceRef.of(res), (Delete(res.document.data),)))
                fix = Fix(title, (), safety, reason, needs("VirtualService"), changes=changes)
                refused = _unsafe_in_builds(ctx.model, kept, res)
                if refused:
                    fix = Fix(title, (), Applicability.DISPLAY_ONLY, refused, needs("VirtualService"))
            yield Finding(RULE.id, RULE.severity, message, res.location(("metadata", "name")), why, fix,
                          (kept.location(("metadata", "name")),))
