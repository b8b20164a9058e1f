"""An Istio field that Istio deprecated, where its successor says the same thing.

What it finds: a DestinationRule's ``outlierDetection.consecutiveErrors`` (in the
rule's trafficPolicy, its port-level settings and its subsets' policies) and a
VirtualService route's ``mirror_percent`` / ``mirrorPercent``.

Why it matters: deprecated fields are kept only for old configurations; Istio
warns on them, newer validation and tooling reject or ignore them, and readers
take ``consecutiveErrors`` for "any 5xx" when Istio counts only 502, 503 and 504.

Example:

    outlierDetection:
      consecutiveErrors: 3
    # in a VirtualService http route:
    mirror_percent: 20

Fixed example:

    outlierDetection:
      consecutiveGatewayErrors: 3
      consecutive5xxErrors: 0
    mirrorPercentage: {value: 20}

``consecutiveErrors`` becomes ``consecutiveGatewayErrors`` (Istio has always read
it as gateway errors: 502, 503, 504 and connection failures) with
``consecutive5xxErrors: 0``, since Istio turned the 5xx ejection off for the old
field and leaves it on (at 5) for the new one. When the rule already sets either
successor, the finding has no automatic fix: which threshold was meant is the
author's call.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import AddKey, Change, RemoveKey, ResourceRef
from patcher.resources import Resource
from patcher.rule import Context, RuleInfo

RULE = RuleInfo(
    id="istio/deprecated-field",
    severity=Severity.RECOMMENDED,
    summary="Deprecated Istio field with a successor (consecutiveErrors, mirror_percent)",
    fixable=True,
    safety="Safe: the successor fields are set to what Istio reads the deprecated one as today. "
           "No fix when a successor is already written next to it.",
)

SUCCESSORS = ("consecutiveGatewayErrors", "consecutive5xxErrors")


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _policies(dr: Resource) -> Iterator[tuple[tuple, dict]]:
    """Every trafficPolicy of a DestinationRule and its port-level settings, with their paths."""
    spec = dr.get("spec") or {}
    if not isinstance(spec, dict):
        return
    found = [(("spec", "trafficPolicy"), spec.get("trafficPolicy"))]
    found += [(("spec", "subsets", i, "trafficPolicy"), s.get("trafficPolicy"))
              for i, s in enumerate(_list(spec.get("subsets"))) if isinstance(s, dict)]
    for path, policy in found:
        if not isinstance(policy, dict):
            continue
        yield path, policy
        for j, port in enumerate(_list(policy.get("portLevelSettings"))):
            if isinstance(port, dict):
                yield path + ("portLevelSettings", j), port


def _outliers(ctx: Context, dr: Resource) -> Iterator[Finding]:
    for path, policy in _policies(dr):
        outlier = policy.get("outlierDetection")
        if not isinstance(outlier, dict) or "consecutiveErrors" not in outlier:
            continue
        where = path + ("outlierDetection",)
        value = outlier["consecutiveErrors"]
        message = (f"DestinationRule {dr.namespace}/{dr.name} sets deprecated outlierDetection.consecutiveErrors"
                   " (Istio counts only 502, 503, 504 and connection failures for it)")
        why = "A deprecated field is read only for old configurations and is easily misread."
        title = f"replace consecutiveErrors: {value} with consecutiveGatewayErrors: {value}, consecutive5xxErrors: 0"
        written = [k for k in SUCCESSORS if k in outlier]
        if written or not isinstance(value, int) or isinstance(value, bool):
            reason = (f"{' and '.join(written)} is already set next to it: which threshold was meant is the "
                      "author's call" if written else f"consecutiveErrors is not a number ({value!r})")
            fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason, ())
        else:
            ops = (AddKey(where, "consecutiveGatewayErrors", value, after="consecutiveErrors"),
                   AddKey(where, "consecutive5xxErrors", 0, after="consecutiveGatewayErrors"),
                   RemoveKey(where, "consecutiveErrors", value))
            fix = Fix(title, (), Applicability.SAFE,
                      "the successors say what Istio reads consecutiveErrors as: gateway errors eject, plain 5xx "
                      "do not", (), changes=(Change(ResourceRef.of(dr), ops),))
        yield Finding(RULE.id, RULE.severity, message, dr.location(where + ("consecutiveErrors",)), why, fix)


def _mirrors(vs: Resource) -> Iterator[Finding]:
    for i, route in enumerate(_list((vs.get("spec") or {}).get("http") if isinstance(vs.get("spec"), dict)
                                    else None)):
        if not isinstance(route, dict):
            continue
        for key in ("mirror_percent", "mirrorPercent"):
            if key not in route:
                continue
            value = route[key]
            path = ("spec", "http", i)
            message = f"VirtualService {vs.namespace}/{vs.name} sets deprecated {key} on http route {i}"
            why = "A deprecated field is read only for old configurations; mirrorPercentage replaces it."
            title = f"replace {key}: {value} with mirrorPercentage: {{value: {value}}}"
            if "mirrorPercentage" in route or not isinstance(value, int) or isinstance(value, bool):
                reason = ("mirrorPercentage is already set next to it" if "mirrorPercentage" in route
                          else f"{key} is not a number ({value!r})")
                fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason, ())
            else:
                ops = (AddKey(path, "mirrorPercentage", {"value": value}, after=key), RemoveKey(path, key, value))
                fix = Fix(title, (), Applicability.SAFE, "mirrorPercentage with the same value mirrors the same share", (),
                          changes=(Change(ResourceRef.of(vs), ops),))
            yield Finding(RULE.id, RULE.severity, message, vs.location(path + (key,)), why, fix)


def check(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.model.own_of_kind("DestinationRule", "VirtualService"):
        if not resource.group.startswith("networking.istio.io"):
            continue
        if resource.kind == "DestinationRule":
            yield from _outliers(ctx, resource)
        else:
            yield from _mirrors(resource)
