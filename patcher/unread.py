"""What patcher could not read, and what a fix's reasoning needs to have read.

A fix is only as good as the facts behind it: deleting a kind mapping because no
NodePort uses it is wrong when a chart that may define that NodePort failed to
render. The model records each gap (a file that could not be read or parsed, a chart
that did not render, a resource skipped as malformed), and each fix says which kinds
of resource its reasoning reads; a fix whose inputs have a gap is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass

KIND_CLUSTER = "kind Cluster"  # a kind cluster config, which is no Kubernetes resource
SCRIPT = "script"
WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"})
# everything that decides which host port reaches which NodePort, hostPort and Gateway server
INGRESS_CHAIN = frozenset({"Service", "Gateway", "IstioOperator", KIND_CLUSTER}) | WORKLOADS


@dataclass(frozen=True)
class Unread:
    """Something the analysis could not see."""

    what: str  # for the reason a fix is withheld: "chart helm/app (release app/default) did not render"
    kinds: frozenset[str] | None = None  # what it may have held; None: anything
    namespace: str | None = None  # None: any namespace


@dataclass(frozen=True)
class Needs:
    """Resources a fix's reasoning reads (or whose absence it relies on)."""

    kinds: frozenset[str] | None = None  # None: everything
    namespace: str | None = None  # None: every namespace

    def missing(self, gap: Unread) -> bool:
        kinds = self.kinds is None or gap.kinds is None or bool(self.kinds & gap.kinds)
        return kinds and (self.namespace is None or gap.namespace is None or self.namespace == gap.namespace)


def needs(*kinds: str, namespace: str | None = None) -> tuple[Needs, ...]:
    return (Needs(frozenset(kinds), namespace),)


def gaps(required: tuple[Needs, ...] | None, unread: tuple[Unread, ...] | list[Unread]) -> list[Unread]:
    """The gaps a fix's reasoning falls into; ``required`` None means it reads everything."""
    chosen = (Needs(),) if required is None else required
    return [gap for gap in unread if any(n.missing(gap) for n in chosen)]


def withheld_reason(found: list[Unread]) -> str:
    shown = "; ".join(dict.fromkeys(g.what for g in found[:3]))
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return f"its reasoning depends on what patcher could not read: {shown}{more}"
