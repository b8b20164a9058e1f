"""An API version that has a stable successor.

What it finds: resources written with a beta or alpha apiVersion whose kind has
a stable one (networking.istio.io/v1beta1 -> networking.istio.io/v1 since Istio
1.22, policy/v1beta1 PodDisruptionBudget -> policy/v1, autoscaling/v2beta2 ->
autoscaling/v2, ...; the list, from the Kubernetes deprecated API migration
guide and Istio's v1 announcement, is patcher/api_successors.py). It gives one
note per apiVersion, with how many resources use it and the first of them;
never a finding, as the cluster in use may still serve the old version.

Why it matters: beta versions are removed in later releases (Kubernetes stops
serving them), and a manifest written against one stops applying on upgrade.

Example:

    apiVersion: networking.istio.io/v1beta1
    kind: VirtualService

Fixed example:

    apiVersion: networking.istio.io/v1
    kind: VirtualService

There is no automatic fix: moving versions is the user's choice, made with the
cluster's versions in mind.
"""

from __future__ import annotations

from typing import Iterator

from patcher.api_successors import successor_notes
from patcher.findings import Finding, Severity
from patcher.rule import Context, RuleInfo
from patcher.schema_run import first_pass
from patcher.source import Diagnostic

RULE = RuleInfo(
    id="schema/api-version-successor",
    severity=Severity.RECOMMENDED,
    summary="API version with a stable successor (a note per apiVersion, never a finding)",
    fixable=False,
    safety="No fix: notes only.",
)


def check(ctx: Context) -> Iterator[Finding]:
    return iter(())


def notes(ctx: Context) -> list[Diagnostic]:
    """Counted on the repository as read: later passes (with created resources) do not restate it."""
    return first_pass("api-successors", lambda: successor_notes(ctx.model.own_defect_resources))
