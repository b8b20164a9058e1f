"""Two or more DestinationRules for the same host in one namespace.

What it finds: DestinationRules of one namespace whose ``host`` names the same
Service (short names resolved in that namespace) or the same external host, none
of them bound to workloads by a ``workloadSelector``.

Why it matters: Istio merges such rules only partly: it joins their subsets, but
takes the top-level ``trafficPolicy`` (and ``exportTo``) of one of them, the one it
saw first, so the other's connection pool, outlier detection or TLS settings are
silently ignored and which one wins can change with the next apply.

Example:

    # dr-pool.yaml                      # dr-outlier.yaml
    host: reviews                       host: reviews.shop.svc.cluster.local
    trafficPolicy:                      trafficPolicy:
      connectionPool: {tcp: ...}          outlierDetection: {consecutive5xxErrors: 5}
    subsets: [v1]                       subsets: [v2]

Fixed example:

    # dr-pool.yaml keeps both policies' fields and both subsets:
    trafficPolicy: {connectionPool: {tcp: ...}, outlierDetection: {consecutive5xxErrors: 5}}
    subsets: [v1, v2]
    # dr-outlier.yaml is removed (and dropped from its kustomization)

The rule with the most settings is kept and the others' fields are merged into it,
mapping by mapping, subsets by name. When two rules set one field to different
values (or a subset of one name differently, or their ``exportTo`` differs, which
would change where the kept rule is seen), the finding lists those conflicts
and offers no fix: which value was meant is the author's call. Adding settings
other than subsets and limits (a TLS mode, a load balancer) switches on what Istio
ignores today, so that merge is unsafe.
"""

from __future__ import annotations

from typing import Any, Iterator

from patcher.deployed.variants import same_object
from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import AddItem, AddKey, Change, Delete, ResourceRef
from patcher.names import absolute_host, fqdn, service_key
from patcher.resources import Resource
from patcher.rule import Context, RuleInfo
from patcher.unread import needs

RULE = RuleInfo(
    id="istio/duplicate-destination-rule",
    severity=Severity.MEDIUM,
    summary="Several DestinationRules for the same host in one namespace",
    fixable=True,
    safety="Safe when no field is set differently by two of the rules and what the merge adds is subsets and "
           "connection limits (connectionPool, outlierDetection); unsafe when it switches on other settings "
           "(TLS, load balancer) that one rule's ignored policy holds. No fix when they conflict.",
)

NEEDS = needs("DestinationRule")


def _host_key(dr: Resource, domain: str) -> str | None:
    host = dr.get("spec", "host")
    if not isinstance(host, str) or not host or "*" in host:
        return None  # a wildcard is a fallback for many hosts, not a duplicate of one
    key = service_key(host, dr.namespace, domain)
    return fqdn(*key, domain) if key is not None else absolute_host(host, dr.namespace, domain)


def _groups(rules: list[Resource], domain: str) -> list[list[Resource]]:
    found: dict[tuple[str, str], list[Resource]] = {}
    for dr in rules:
        if not dr.group.startswith("networking.istio.io") or dr.get("spec", "workloadSelector") is not None:
            continue  # a workloadSelector rule applies to its workloads only: Istio keeps it apart
        host = _host_key(dr, domain)
        if host is None:
            continue
        group = found.setdefault((dr.namespace, host), [])
        if all((r.source.file, r.source.doc) != (dr.source.file, dr.source.doc) for r in group):
            group.append(dr)  # one document built by two roots into one namespace is one rule
    return [g for _, g in sorted(found.items()) if len(g) > 1]


def _size(value: Any) -> int:
    if isinstance(value, dict):
        return sum(1 + _size(v) for v in value.values())
    if isinstance(value, list):
        return sum(1 + _size(v) for v in value)
    return 0


def _merge_map(path: tuple, ours: dict, theirs: dict, ops: list, conflicts: list[str]) -> None:
    """Ops adding to ``ours`` what only ``theirs`` sets; differing values go to ``conflicts``."""
    for key, value in theirs.items():
        where = path + (key,)
        if key not in ours:
            ops.append(AddKey(path, key, value))
        elif isinstance(ours[key], dict) and isinstance(value, dict):
            _merge_map(where, ours[key], value, ops, conflicts)
        elif where[-2:] == ("spec", "subsets") and isinstance(ours[key], list) and isinstance(value, list):
            _merge_subsets(where, ours[key], value, ops, conflicts)
        elif ours[key] != value:
            conflicts.append(_dotted(where))


def _merge_subsets(path: tuple, ours: list, theirs: list, ops: list, conflicts: list[str]) -> None:
    names = {s.get("name"): i for i, s in enumerate(ours) if isinstance(s, dict)}
    for subset in theirs:
        if not isinstance(subset, dict):
            continue
        name = subset.get("name")
        if name not in names:
            ops.append(AddItem(path, subset))
        elif ours[names[name]] != subset:
            conflicts.append(f"{_dotted(path)}[{name}]")


LIMITS = ("subsets", "trafficPolicy.connectionPool", "trafficPolicy.outlierDetection")


def _switched(ops: list) -> list[str]:
    """Added fields beyond subsets and limits (TLS mode, load balancer, port settings): turning
    on one that was ignored changes how the proxy connects, not only how much."""
    out = []
    for op in ops:
        name = _dotted(op.path + ((op.key,) if isinstance(op, AddKey) else ()))
        if not any(name == p or name.startswith(p + ".") for p in LIMITS):
            out.append(name)
    return out


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path[1:] if p != "spec") or "spec"


def _builds(model, resource: Resource) -> set[str | None]:
    src = resource.source
    return {r.source.kustomize_root for r in model.resources
            if (r.source.file, r.source.doc) == (src.file, src.doc) and r.kind == resource.kind}


def check(ctx: Context) -> Iterator[Finding]:
    domain = ctx.topology.cluster_domain
    for group in _groups(ctx.model.of_kind("DestinationRule"), domain):
        order = sorted(group, key=lambda r: (r.source.file, r.source.doc))
        keep = max(order, key=lambda r: _size(r.get("spec")))
        for other in (r for r in order if r is not keep and not same_object(r, keep)):
            ours, theirs = keep.get("spec") or {}, other.get("spec") or {}
            if not isinstance(ours, dict) or not isinstance(theirs, dict):
                continue  # a spec that is no mapping is the schema check's finding
            ops: list = []
            conflicts: list[str] = []
            # the host is written either way for the one Service: the kept rule's spelling stays
            _merge_map(("spec",), ours, {k: v for k, v in theirs.items() if k not in ("host", "exportTo")},
                       ops, conflicts)
            if ours.get("exportTo") != theirs.get("exportTo"):
                conflicts.append("exportTo")  # adding it to the kept rule would hide that rule where it is seen today
            message = (f"DestinationRule {other.namespace}/{other.name} names host {other.get('spec', 'host')} "
                       f"as {keep.namespace}/{keep.name} ({keep.source.file}) does; Istio applies the "
                       "trafficPolicy of only one of them")
            why = "Istio takes one of several DestinationRules' policies for a host; the other's is ignored."
            fix = None
            if conflicts:
                message += f"; they set differently: {', '.join(conflicts)}"
            else:
                title = f"merge its fields into {keep.name} and remove it"
                changes = (Change(ResourceRef.of(keep), tuple(ops)),
                           Change(ResourceRef.of(other), (Delete(other.document.data),)))
                if _builds(ctx.model, keep) != _builds(ctx.model, other):
                    fix = Fix(title, (), Applicability.DISPLAY_ONLY,
                              f"{keep.source.file} and {other.source.file} are not deployed by the same builds: "
                              "merge them by hand in each build", NEEDS)
                else:
                    switched = _switched(ops)
                    if switched:
                        fix = Fix(title, (), Applicability.UNSAFE,
                                  f"only one rule's trafficPolicy takes effect today: the merge switches on "
                                  f"{', '.join(switched)}, which may change how connections are made",
                                  NEEDS, changes=changes)
                    else:
                        fix = Fix(title, (), Applicability.SAFE,
                                  "no field is set differently by the two rules, and what the merge adds is subsets "
                                  "and connection limits only", NEEDS, changes=changes)
            yield Finding(RULE.id, RULE.severity, message, other.location(("metadata", "name")), why, fix,
                          (keep.location(("metadata", "name")),))
