"""A resource that its schema rejects.

What it finds: a manifest or rendered Helm resource that fails its JSON schema:
core kinds against kubernetes-validate's strict schemas, Istio and Argo CD
resources against the schemas patcher ships, other custom resources against
the schemas in ``schema-location`` (which also overrides the shipped ones). A
field in the wrong place, a misspelt key, a string where a number belongs.
Resources of kinds with no schema are counted in a note, not passed as valid.

Why it matters: the API server (or Istio's webhook) rejects the whole apply, or
worse, an unknown field is silently dropped and the setting never takes effect.

Example:

    kind: DestinationRule
    spec:
      host: api
      connectionPool:          # belongs under trafficPolicy
        tcp: {maxConnections: 100}

Fixed example:

    spec:
      host: api
      trafficPolicy:
        connectionPool:
          tcp: {maxConnections: 100}

There is no automatic fix: the finding names the field path and the reason.
Runs under ``patcher validate`` and, by default, in plan (``--skip
schema/invalid-resource`` leaves it out). One validator serves the whole run:
each kind's schema is compiled once, and a resource no fix changed is not
checked again in a later pass.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.rule import Context, RuleInfo
from patcher.schema_run import validator_for

RULE = RuleInfo(
    id="schema/invalid-resource",
    severity=Severity.CRITICAL,
    summary="Resource that fails its Kubernetes or custom-resource schema",
    fixable=False,
    options={"schema-location": "folder or URL template of custom-resource schemas",
             "kubernetes-version": "newest known"},
    default_enabled=True,
    safety="No fix: the finding names the field and the reason.",
)


def check(ctx: Context) -> Iterator[Finding]:
    validator = validator_for(ctx.model.root, ctx.config["schema-location"], ctx.config["kubernetes-version"])
    # the malformed too: this rule says why; and what is not deployed, which is still wrong
    for resource in ctx.model.own_defect_resources + ctx.model.malformed:
        errors = validator.errors(resource.data)
        for error in errors or ():
            path = tuple(error.path)
            message = f"{resource.ref}: {error.where}: {error.message}"
            why = "The API server rejects the resource, or silently drops the field so the setting never applies."
            yield Finding(RULE.id, RULE.severity, message, resource.location(path), why, None)

