"""An HTTP route with no timeout or no retry policy.

What it finds: a VirtualService ``http`` route that forwards to a destination
but sets no ``timeout``, or no ``retries``.

Why it matters: without a timeout a slow or hung backend holds the caller's
connection (and the gateway's) indefinitely; without retries one reset
connection becomes an error the user sees.

Example:

    http:
      - route:
          - destination: {host: api, port: {number: 8000}}

Fixed example:

    http:
      - route:
          - destination: {host: api, port: {number: 8000}}
        timeout: 30s
        retries:
          attempts: 3
          perTryTimeout: 10s
          retryOn: connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes

The values come from the settings ``route-timeout`` and ``retries``; when a
route already has a shorter timeout, ``perTryTimeout`` is cut so that every
attempt fits in it. The default ``retryOn`` is Istio's own list of conditions
under which the request never reached the application, so a retry cannot make
a non-idempotent call run twice.

When Istio merges the route's VirtualService with another one for the same host
whose route with the same match and destinations sets the missing value (one
VirtualService for the timeouts, one for the retries), the fix writes that
value: the team chose it, and both routes then say the same, so merging them
(istio/duplicate-gateway-host) drops neither.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.durations import duration, seconds
from patcher.intent.changes import AddKey, Change, ResourceRef
from patcher.intent.conventions import route_defaults
from patcher.route_twins import Twins
from patcher.rule import Context, RuleInfo


RULE = RuleInfo(
    id="istio/route-without-timeout",
    severity=Severity.RECOMMENDED,
    summary="VirtualService HTTP route without timeout or retries",
    fixable=True,
    options={"route-timeout": "30s", "retries": "attempts 3, perTryTimeout 10s, retryOn 5xx,..."},
    safety="Safe when it adds only a timeout, or retries only on conditions where the request never reached the application (connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes). Unsafe when the retries it writes retry on 5xx, reset, gateway-error or similar: the application may already have processed the request, and a non-idempotent call can run twice. A route that must stay open longer (streams, long polls) is the reason to set `route-timeout` or suppress the finding.",
)


def _retries(retries: dict, timeout: str) -> dict:
    """Retries that fit in the route's timeout: every attempt gets its share."""
    total, per_try = seconds(timeout), seconds(str(retries.get("perTryTimeout", "")))
    attempts = int(retries.get("attempts") or 1)
    if total and per_try and per_try * attempts > total:
        retries["perTryTimeout"] = duration(total / attempts)
    return retries


# retry conditions under which the request never reached the application (Envoy's own terms)
NOT_DELIVERED = {"connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes",
                 "reset-before-request", "envoy-ratelimited"}


def _safety(missing: list[str], retries: dict) -> tuple[Applicability, str]:
    if "retries" not in missing:
        return Applicability.SAFE, "it only adds the timeout the finding names"
    conditions = {c.strip() for c in str(retries.get("retryOn", "")).split(",") if c.strip()}
    delivered = sorted(conditions - NOT_DELIVERED)
    if delivered:
        return Applicability.UNSAFE, (
            f"retrying on {', '.join(delivered)} re-sends requests the application may already have "
            "processed: a non-idempotent call (a POST that charges or orders) can run twice; "
            "set retries.retryOn to connect-failure,refused-stream,unavailable for a safe fix")
    return Applicability.SAFE, "it retries only requests that never reached the application"


def _defaults(ctx: Context) -> tuple[str, dict]:
    """The timeout and retries a fix writes: the team's settings, else what the repository's
    other routes clearly agree on, else patcher's defaults."""
    timeout, retries = route_defaults(ctx.topology.own_virtual_services)
    if ctx.config.given_by_user("route-timeout") or timeout is None:
        timeout = ctx.config["route-timeout"]
    if ctx.config.given_by_user("retries") or retries is None:
        retries = ctx.config["retries"]
    return str(timeout), dict(retries)


def check(ctx: Context) -> Iterator[Finding]:
    default_timeout, default_retries = _defaults(ctx)
    twins = Twins(ctx.topology.virtual_services, ctx.topology.cluster_domain)
    for vs in ctx.topology.own_virtual_services:  # each route on its own: deployed or not, every variant
        res = vs.resource
        for route in vs.routes:
            if "route" not in route.data:
                continue  # redirects and direct responses forward nothing
            missing = [key for key in ("timeout", "retries") if key not in route.data]
            if not missing:
                continue
            path = ("spec", "http", route.index)
            name = f" '{route.data['name']}'" if route.data.get("name") else ""
            message = (f"route {route.index}{name} of VirtualService {res.namespace}/{res.name} has no "
                       + " and no ".join(missing))
            why = "A hung backend holds callers without a timeout; a transient failure reaches users without retries."
            twin = twins.settings(vs, route.data)
            stated = {key: value for key, (value, _) in twin.items()}
            timeout = route.data.get("timeout") or stated.get("timeout", default_timeout)
            retries = stated.get("retries")
            if not isinstance(retries, dict):
                retries = _retries(dict(default_retries), str(timeout))
            ops = []
            if "timeout" in missing:
                ops.append(AddKey(path, "timeout", timeout))
            if "retries" in missing:
                ops.append(AddKey(path, "retries", retries))
            safety, reason = _safety(missing, retries)
            copied = sorted({f"{t.resource.namespace}/{t.resource.name}" for k, (_, t) in twin.items() if k in missing})
            if copied:
                reason += f"; it writes what VirtualService {', '.join(copied)} sets for the same requests"
            fix = Fix("add " + " and ".join(missing), (), safety, reason,
                      needs=(),  # the route's own settings and its twins': nothing else is read
                      changes=(Change(ResourceRef.of(res), tuple(ops)),))
            yield Finding(RULE.id, RULE.severity, message, res.location(path), why, fix)
