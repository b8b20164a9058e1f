"""A Service that traffic is routed or called to, with no circuit breaker.

What it finds: a Service that a VirtualService routes to, or that a workload of
the mesh calls (see the call graph), with no DestinationRule whose trafficPolicy sets
both ``connectionPool`` and ``outlierDetection``.

Why it matters: without a connection cap and outlier ejection, one slow or
failing backend soaks up every caller's connections and the failure cascades.

Example:

    # VirtualService routes /api/ to api-gateway:8000; no DestinationRule exists

Fixed example:

    apiVersion: networking.istio.io/v1
    kind: DestinationRule
    metadata: {name: api-gateway, namespace: default}
    spec:
      host: api-gateway.default.svc.cluster.local
      trafficPolicy:
        connectionPool: {tcp: {maxConnections: 100}, http: {http1MaxPendingRequests: 100}}
        outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}

New DestinationRules go to ``destination-rules.yaml`` beside the Gateway
manifests (setting ``outputs.destination-rules``) and into the kustomization
that lists those manifests. An existing DestinationRule that lacks the fields
gets them added in place.
"""

from __future__ import annotations

from typing import Iterator

import yaml

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.names import fqdn, host_matches, service_key
from patcher.intent.changes import AddKey, Change, Create, ResourceRef
from patcher.outputs import api_version, istio_dir, output_path
from patcher.resources import Resource
from patcher.service_hosts import HostJudge
from patcher.rule import Context, RuleInfo
from patcher.unread import needs
from patcher.templating import render_template
from patcher.topology import Service, Topology

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the pure-Python loader is slow on many generated files

RULE = RuleInfo(
    id="istio/destination-without-circuit-breaker",
    severity=Severity.RECOMMENDED,
    summary="Routed or called Service without a DestinationRule connection pool and outlier detection",
    fixable=True,
    derived=True,
    options={"connection-pool": "maxConnections 100, http1MaxPendingRequests 100",
             "outlier-detection": "consecutive5xxErrors 5, interval 10s, baseEjectionTime 30s",
             "outputs.destination-rules": "<gateway folder>/destination-rules.yaml"},
    safety="Safe when it writes a new DestinationRule for a host no other DestinationRule covers, or fills "
           "in the host's own one: only the limits the finding names are added. Unsafe when the only "
           "DestinationRule for the host is a wildcard one (the limits would apply to every host it covers).",
)

HTTP_PREFIXES = ("http", "grpc", "http2")
NEEDS = needs("DestinationRule")  # another DestinationRule for the host, unread, would compete


def _destinations(topology: Topology) -> dict[tuple[str, str], Service]:
    found = {d.service.key: d.service for vs in topology.virtual_services for r in vs.routes
             for d in r.destinations if d.service is not None}
    # a DestinationRule acts in the caller's proxy: only calls made from the mesh count
    found.update({c.callee.key: c.callee for c in topology.calls if c.callee is not None and (
        c.caller.kind == "ingress-gateway"
        or (c.caller.kind == "workload" and c.caller.workload is not None
            and topology.in_mesh(c.caller.workload) is True))})
    return found


def _rules_by_service(topology: Topology) -> tuple[dict[tuple[str, str], list[Resource]], list[Resource]]:
    """DestinationRules by the Service their host names, and the wildcard ones apart."""
    exact: dict[tuple[str, str], list[Resource]] = {}
    wildcard: list[Resource] = []
    for dr in topology.model.of_kind("DestinationRule"):
        host = str(dr.get("spec", "host", default=""))
        if "*" in host:
            wildcard.append(dr)
            continue
        key = service_key(host, dr.namespace, topology.cluster_domain)
        if key is not None:
            exact.setdefault(key, []).append(dr)
    return exact, wildcard


def _rules_for(topology: Topology, service: Service, index) -> list[Resource]:
    exact, wildcard = index
    name = fqdn(*service.key, topology.cluster_domain)
    return exact.get(service.key, []) + [dr for dr in wildcard
                                         if host_matches(str(dr.get("spec", "host")), name)]


def _misnamed(topology: Topology, judge: HostJudge) -> dict[tuple[str, str], list[Resource]]:
    """DestinationRules whose host names no Service but evidently means one (a release prefix
    or kustomize suffix forgotten), by that Service: they are its own rule, whose host
    istio/host-without-service renames; a second DestinationRule next to one would compete."""
    out: dict[tuple[str, str], list[Resource]] = {}
    for dr in topology.model.of_kind("DestinationRule"):
        host = dr.get("spec", "host")
        if not dr.group.startswith("networking.istio.io") or not isinstance(host, str) or "*" in host:
            continue
        missing = judge.missing(host, dr.namespace)
        if missing is not None and missing.target is not None:
            out.setdefault((missing.key[0], missing.target), []).append(dr)
    return out


def _maybe_unplaced_rule(ctx: Context, service: Service) -> bool:
    """Whether a DestinationRule of a namespace patcher cannot resolve may be the Service's: its
    host names the Service's name (short names resolve in that unknown namespace), or a wildcard."""
    for dr in ctx.model.unplaced_of_kind("DestinationRule"):
        host = str(dr.get("spec", "host", default=""))
        if "*" in host or host.split(".")[0] == service.resource.name:
            return True
    return False


def _speaks_http(service: Service) -> bool:
    names = [p.name.split("-")[0].lower() for p in service.ports]
    protocols = [str(p.get("appProtocol", "")).lower()
                 for p in service.resource.get("spec", "ports", default=[]) if isinstance(p, dict)]
    return any(n in HTTP_PREFIXES for n in names) or any(a.startswith(HTTP_PREFIXES) for a in protocols) \
        or not any(names)


def _policy(ctx: Context, service: Service) -> dict:
    pool = dict(ctx.config["connection-pool"])
    connection_pool: dict = {"tcp": {"maxConnections": pool.pop("maxConnections", 100)}}
    if _speaks_http(service) and pool:
        connection_pool["http"] = pool
    return {"connectionPool": connection_pool, "outlierDetection": dict(ctx.config["outlier-detection"])}


def _complete(dr: Resource) -> bool:
    """Both settings present; written directly under spec counts too, since that
    misplacement is istio/misplaced-traffic-policy's finding, not a second one here."""
    policy = dr.get("spec", "trafficPolicy") or {}
    spec = dr.get("spec") or {}
    return all(key in policy or key in spec for key in ("connectionPool", "outlierDetection"))


def _complete_together(rules: list[Resource]) -> bool:
    """Both settings present across the host's own rules: that they are split over two
    DestinationRules is istio/duplicate-destination-rule's finding, whose merge joins them."""
    found = set()
    for dr in rules:
        if "*" not in str(dr.get("spec", "host", default="")):
            found |= {k for k in ("connectionPool", "outlierDetection")
                      if k in (dr.get("spec", "trafficPolicy") or {}) or k in (dr.get("spec") or {})}
    return found == {"connectionPool", "outlierDetection"}


def _fill(ctx: Context, service: Service, dr: Resource) -> Fix:
    policy = _policy(ctx, service)
    current = dr.get("spec", "trafficPolicy")
    if not isinstance(current, dict):
        ops = (AddKey(("spec",), "trafficPolicy", policy),)
    else:
        ops = tuple(AddKey(("spec", "trafficPolicy"), key, value) for key, value in policy.items()
                    if key not in current)
    changes = (Change(ResourceRef.of(dr), ops),)
    title = (f"add {' and '.join(k for k in policy if k not in (current or {}))} to "
             f"DestinationRule {dr.namespace}/{dr.name}")
    host = str(dr.get("spec", "host", default=""))
    if "*" in host:
        return Fix(title, (), Applicability.UNSAFE,
                   f"the DestinationRule's host {host} covers other Services too, whose traffic would "
                   "be capped and ejected as well", NEEDS, changes=changes)
    return Fix(title, (), Applicability.SAFE, "it only adds limits to the one Service's own DestinationRule",
               NEEDS, changes=changes)


def _create(ctx: Context, service: Service, path: str, version: str, taken: set[tuple[str, str]]) -> Fix:
    namespace, name = service.key
    content = render_template(
        "destination-rule.yaml.j2", rule=RULE.id, service=f"{namespace}/{name}",
        api_version=version,
        name=name if (namespace, name) not in taken else f"{name}-circuit-breaker", namespace=namespace,
        host=fqdn(namespace, name, ctx.topology.cluster_domain), traffic_policy=_policy(ctx, service))
    create = Create("destination-rules", path, namespace, yaml.load(content, Loader=_LOADER), content)
    return Fix(f"add DestinationRule {namespace}/{name}", (), Applicability.SAFE,
               "no other DestinationRule applies to the host, so no policy is displaced", NEEDS, changes=(create,))


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.topology.uses_istio:
        return  # without Istio a DestinationRule is a resource nobody reads (and the CRD is missing)
    path = output_path(ctx.model, "destination-rules", istio_dir(ctx.model), "destination-rules.yaml")
    index = _rules_by_service(ctx.topology)
    version = api_version(ctx.model, "networking.istio.io", "v1")
    taken = {(r.namespace, r.name) for r in ctx.model.of_kind("DestinationRule")}
    misnamed = _misnamed(ctx.topology, HostJudge(ctx.topology))
    for key, service in sorted(_destinations(ctx.topology).items()):
        rules = _rules_for(ctx.topology, service, index) or misnamed.get(key, [])
        if any(_complete(dr) for dr in rules) or _complete_together(rules) or _maybe_unplaced_rule(ctx, service):
            continue
        why = "Without a connection cap and outlier ejection, one failing backend exhausts its callers."
        if rules:
            dr = rules[0]
            message = (f"DestinationRule {dr.namespace}/{dr.name} for Service {key[0]}/{key[1]} has no "
                       "trafficPolicy.connectionPool and outlierDetection")
            if dr in misnamed.get(key, []):
                message += f" (its host {dr.get('spec', 'host')} names no Service: istio/host-without-service renames it)"
            yield Finding(RULE.id, RULE.severity, message, dr.location(("spec",)), why, _fill(ctx, service, dr))
            continue
        message = f"Service {key[0]}/{key[1]} receives traffic but no DestinationRule sets a circuit breaker for it"
        yield Finding(RULE.id, RULE.severity, message, service.resource.location(), why,
                      _create(ctx, service, path, version, taken))
