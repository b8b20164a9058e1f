"""A DestinationRule, mesh VirtualService, mirror or environment URL whose host names no Service.

What it finds: a DestinationRule ``host``, a mesh VirtualService's ``spec.hosts``, a route or
``mirror`` destination, or a container's environment URL (``ORDERS_URL=http://orders:8080``,
``DB_HOST=db``) naming a Service that does not exist in a namespace whose Services the
repository deploys (short names resolve in the resource's namespace; Services are named as Helm
and Kustomize deploy them). When exactly one Service of that namespace is evidently meant (the
name with a Helm release or kustomize namePrefix/nameSuffix added), the fix renames the host in
every Istio resource that names it at once: the DestinationRule, the VirtualService's hosts and
its destinations. Hosts of things the repository does not show (ServiceEntry hosts, names
outside the cluster domain, namespaces a remote chart, a URL manifest or istioctl installs
into, charts that did not render) are not judged. A route destination with exactly one such
namesake is istio/route-to-missing-service's finding; it is renamed here too when a
DestinationRule or VirtualService host names the same Service.

Why it matters: Istio applies a DestinationRule or VirtualService only to the host it names:
one naming nothing leaves the traffic without its policy (subsets, TLS mode, circuit breaker)
and its routes, with no error anywhere. A mirror or URL naming nothing fails every request.

Example:

    kind: DestinationRule
    spec:
      host: api                 # the chart creates shop-api
      subsets: [{name: v1, labels: {version: v1}}]
    ---
    kind: VirtualService
    spec:
      hosts: [api]
      http:
        - route: [{destination: {host: api, subset: v1}}]

Fixed example:

    kind: DestinationRule
    spec:
      host: shop-api
      subsets: [{name: v1, labels: {version: v1}}]
    ---
    kind: VirtualService
    spec:
      hosts: [shop-api]
      http:
        - route: [{destination: {host: shop-api, subset: v1}}]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from patcher.callgraph import HOST_PORT, URL, Unresolved
from patcher.destination_rules import destinations
from patcher.findings import Applicability, Finding, Fix, Location, Severity
from patcher.intent.changes import Change, ResourceRef, Set
from patcher.resources import Resource
from patcher.rule import Context, RuleInfo
from patcher.service_hosts import HostJudge, Missing, broken_elsewhere, renamed
from patcher.source import Diagnostic
from patcher.unread import needs

RULE = RuleInfo(
    id="istio/host-without-service",
    severity=Severity.CRITICAL,
    summary="DestinationRule, mesh VirtualService, mirror or environment URL host naming no Service",
    fixable=True,
    safety="Safe: the host names no Service today, so what names it has no effect (or fails); it is renamed "
           "only when exactly one Service is the evident target, in every Istio resource naming it together. "
           "Refused when the file is built by other kustomize roots where the new name is no Service.",
)

WHY = ("Istio applies a DestinationRule or VirtualService only to the host it names: one naming no Service "
       "leaves the traffic without its policy and routes; a mirror or URL naming none fails every request.")
# what the call graph read from a container's environment (patcher.callgraph evidence)
ENVIRONMENT = ("env ", "ConfigMap ", "configMapGenerator ")
# variables whose plain value is a name more often than a host: judged only when it is a URL
NAMED = re.compile(r"SERVICES?$", re.IGNORECASE)


@dataclass(frozen=True)
class Site:
    resource: Resource
    path: tuple
    host: str
    field: str  # where in it: "spec.host", "spec.hosts", "route", "mirror"
    routed: bool = False  # a route or mirror destination (istio/route-to-missing-service's ground)
    http: bool = False  # in an http route, which istio/route-to-missing-service reads


def _sites(ctx: Context) -> Iterator[Site]:
    for dr in ctx.model.of_kind("DestinationRule"):
        host = dr.get("spec", "host")
        if dr.group.startswith("networking.istio.io") and isinstance(host, str):
            yield Site(dr, ("spec", "host"), host, "spec.host")
    for vs in ctx.topology.virtual_services:
        res = vs.resource
        hosts = res.get("spec", "hosts")
        if None in vs.gateways and isinstance(hosts, list):  # the mesh: sidecars route what calls these
            for i, host in enumerate(hosts):
                if isinstance(host, str):
                    yield Site(res, ("spec", "hosts", i), host, "spec.hosts")
    for vs in ctx.topology.virtual_services:
        res = vs.resource
        for dest in destinations(res):
            if dest.host is not None:
                # istio/route-to-missing-service reads http routes and their single mirror
                http = dest.section == "http" and "mirrors" not in dest.path
                yield Site(res, dest.path + ("host",), dest.host, "mirror" if dest.mirror else "route", True, http)


def _judged(site: Site, missing: Missing) -> bool:
    """Whether the site is this rule's to report: a destination with one evident namesake in an
    http route is istio/route-to-missing-service's finding."""
    return not (site.routed and site.http and missing.target is not None)


def _fix(ctx: Context, found: list[tuple[Site, Missing]]) -> Fix | None:
    target = found[0][1].target
    if target is None:
        return None
    ops: dict[int, tuple[Resource, list[Set]]] = {}
    broken: list[str] = []
    for site, missing in found:
        new = renamed(site.host, missing.key[1], target)
        ops.setdefault(id(site.resource), (site.resource, []))[1].append(Set(site.path, site.host, new))
        broken += broken_elsewhere(ctx.topology, site.resource, new, site.path)
    changes = tuple(Change(ResourceRef.of(r), tuple(sets)) for r, sets in ops.values())
    title = f"name {target} instead of {found[0][1].key[1]}"
    namespace = found[0][1].key[0]
    if broken:
        files = sorted({s.resource.source.file for s, _ in found})
        # certain to break another build: a patch per kustomize root is the repair, which is the author's
        return Fix(title, (), Applicability.DISPLAY_ONLY,
                   f"{', '.join(files)} is built by other kustomize roots too, where {target} names no Service "
                   f"({', '.join(sorted(set(broken)))}): the edit would break them; patch the host in each root "
                   "instead", needs("Service", namespace=namespace), changes=changes)
    return Fix(title, (), Applicability.SAFE, "the host names no Service today; exactly one Service is meant",
               needs("Service", namespace=namespace), changes=changes)


def _has(missing: Missing) -> str:
    namespace, name = missing.key
    if missing.target is not None:
        return f"namespace {namespace} has no Service {name}; it has {missing.target}"
    if missing.candidates:
        return (f"namespace {namespace} has no Service {name}; it has {' and '.join(missing.candidates)}, "
                "and which one is meant is not evident")
    return f"namespace {namespace} has no Service {name}"


def _istio(ctx: Context, judge: HostJudge) -> Iterator[Finding]:
    by_key: dict[tuple[str, str], list[tuple[Site, Missing]]] = {}
    for site in _sites(ctx):
        missing = judge.missing(site.host, site.resource.namespace)
        if missing is not None:
            by_key.setdefault(missing.key, []).append((site, missing))
    for key, found in sorted(by_key.items()):
        judged = [(s, m) for s, m in found if _judged(s, m)]
        if not judged:
            continue
        site, missing = judged[0]
        others: dict[str, list[str]] = {}
        for other, _ in found:
            if other is not site and other.field not in others.setdefault(other.resource.ref, []):
                others[other.resource.ref].append(other.field)
        also = "; ".join(f"{ref} ({', '.join(fields)})" for ref, fields in others.items() if fields)
        also = f" (also named by {also})" if also else ""
        message = f"{site.resource.ref} names {site.host} ({site.field}), but {_has(missing)}{also}"
        related = tuple(s.resource.location(s.path) for s, _ in found if s is not site)
        yield Finding(RULE.id, RULE.severity, message, site.resource.location(site.path), WHY,
                      _fix(ctx, found), related)


def _spans(value: str, host: str) -> list[tuple[int, int]]:
    """Where ``host`` stands in an environment value, as the call graph read it."""
    found = [m.span("host") for m in URL.finditer(value) if m.group("host").lower() == host.lower()]
    if not found:
        match = HOST_PORT.match(value.strip())
        if match and match.group("host").lower() == host.lower():
            offset = len(value) - len(value.lstrip())
            found = [(offset + match.start("host"), offset + match.end("host"))]
    return found


def _written(ctx: Context, item: Unresolved) -> tuple[Resource, tuple] | None:
    """The resource and path of the value an environment call was read from: the container's
    ``env`` entry, or a ConfigMap's data key; None when it is elsewhere (a generator literal)."""
    evidence, workload = item.evidence, item.caller.workload
    candidates = [workload.resource] if workload is not None and evidence.what.startswith("env ") else [
        r for r in ctx.model.of_kind("ConfigMap") if evidence.what.startswith("ConfigMap ")
        and r.namespace == item.caller.namespace and r.source.file == evidence.file]
    for resource in candidates:
        path = evidence.path
        if resource.source.prefix is None and resource.source.block is None and isinstance(resource.get(*path), str) \
                and resource.location(path).line == (evidence.line or resource.location(path).line):
            return resource, path
    return None


def _environment(ctx: Context, judge: HostJudge) -> Iterator[Finding]:
    for item in ctx.topology.call_graph.unresolved:
        caller, evidence = item.caller, item.evidence
        if caller.kind != "workload" or caller.namespace is None or not evidence.what.startswith(ENVIRONMENT) \
                or "routed by" in evidence.what:  # a route's destination: judged as the route's
            continue
        missing = judge.missing(item.host, caller.namespace)
        if missing is None:
            continue
        written = _written(ctx, item)
        if NAMED.search(evidence.what.split()[-1]) and (written is None or "://" not in written[0].get(*written[1])):
            continue  # CURRENT_SERVICE=orders names the workload itself as often as a host it calls
        location = written[0].location(written[1]) if written else Location(evidence.file, evidence.line or 1,
                                                                            path=evidence.path)
        message = f"{caller} calls {item.host} ({evidence.what}), but {_has(missing)}"
        yield Finding(RULE.id, RULE.severity, message, location, WHY, _env_fix(ctx.topology, missing, written))


def _env_fix(topology, missing: Missing, written: tuple[Resource, tuple] | None) -> Fix | None:
    if missing.target is None:
        return None
    title = f"call {missing.target} instead of {missing.key[1]}"
    if written is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, "the value is not written in a container's env or a "
                   "ConfigMap's data (a kustomize generator's literal or env file), which patcher does not edit")
    resource, path = written
    old = resource.get(*path)
    new = old
    for start, end in reversed(_spans(old, missing.host)):
        new = new[:start] + renamed(new[start:end], missing.key[1], missing.target) + new[end:]
    changes = (Change(ResourceRef.of(resource), (Set(path, old, new),)),)
    broken = broken_elsewhere(topology, resource, renamed(missing.host, missing.key[1], missing.target), path)
    if broken:
        return Fix(title, (), Applicability.DISPLAY_ONLY,
                   f"{resource.source.file} is built by other kustomize roots too, where {missing.target} names no "
                   f"Service ({', '.join(broken)}): the edit would break them; patch the value in each root instead",
                   needs("Service", namespace=missing.key[0]), changes=changes)
    return Fix(title, (), Applicability.SAFE, "the host names no Service today; exactly one Service is meant",
               needs("Service", namespace=missing.key[0]), changes=changes)


def notes(ctx: Context) -> list[Diagnostic]:
    """The Istio hosts naming a Service the repository does not show, and why they are not judged,
    unless what may create it is told already (a remote chart's, a URL manifest's own note)."""
    if not ctx.topology.uses_istio:
        return []
    judge, out = HostJudge(ctx.topology), []
    for site in _sites(ctx):
        unseen = judge.unseen(site.host, site.resource.namespace)
        if unseen is None or unseen.told:
            continue
        loc = site.resource.location(site.path)
        line = loc.line if site.resource.source.editable or site.resource.source.line else None
        out.append(Diagnostic(loc.file, f"{site.resource.ref} names {site.host} ({site.field}), no Service of "
                                        f"the repository: not judged, as {unseen.why}", line, level="note"))
    return list(dict.fromkeys(out))


def check(ctx: Context) -> Iterator[Finding]:
    judge = HostJudge(ctx.topology)
    if ctx.topology.uses_istio:
        yield from _istio(ctx, judge)
    yield from _environment(ctx, judge)
