"""A namespace labelled both ``istio-injection`` and ``istio.io/rev``.

What it finds: a Namespace the repository deploys whose labels carry both the default
injection label (``istio-injection``) and a revision label (``istio.io/rev``).

Why it matters: the injector honours ``istio-injection`` first, so the revision label is
silently ignored: during a revision upgrade the namespace's pods keep the old control plane's
sidecar (or lose it, with ``istio-injection: disabled``), which is what the revision label was
written to change.

Example:

    kind: Namespace
    metadata:
      labels:
        istio-injection: enabled
        istio.io/rev: 1-24

Fixed example: none automatic; keep the one label that says which control plane injects.
"""

from __future__ import annotations

from typing import Iterator

from patcher.findings import Finding, Severity
from patcher.rule import Context, RuleInfo

RULE = RuleInfo(
    id="istio/namespace-multiple-injection-labels",
    severity=Severity.MEDIUM,
    summary="Namespace labelled both istio-injection and istio.io/rev (the revision label is ignored)",
    fixable=False,
    safety="No fix: which control plane should inject the namespace is the author's call.",
)

WHY = "The injector reads istio-injection first: the istio.io/rev label has no effect."


def check(ctx: Context) -> Iterator[Finding]:
    for res in ctx.model.of_kind("Namespace"):
        labels = res.get("metadata", "labels")
        if res.group or not isinstance(labels, dict) or "istio-injection" not in labels \
                or "istio.io/rev" not in labels:
            continue
        message = (f"namespace {res.name} is labelled istio-injection={labels['istio-injection']} and "
                   f"istio.io/rev={labels['istio.io/rev']}: the injector ignores the revision label")
        yield Finding(RULE.id, RULE.severity, message, res.location(("metadata", "labels", "istio.io/rev")), WHY,
                      None)
