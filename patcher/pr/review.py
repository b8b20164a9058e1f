"""What a pull request's body says besides its findings: how the fix was verified, the commands a
reviewer runs, the review checklist with the boxes this pull request ticks, and per-file counts."""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass
from typing import Iterable

from patcher.findings import Applicability
from patcher.plan import FAILED, NO_FIX, SKIPPED_UNSAFE, WITHHELD, Plan

KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True)
class Item:
    text: str
    here: bool
    elsewhere: str = ""


def checklist(plan: Plan, here: set[str], branches: dict[str, str], shown=lambda p: p) -> list[Item]:
    """Every finding of the plan; ``here``: identities this pull request fixes; ``branches``:
    identity -> where else it is fixed ("in `patcher/x`") or why not."""
    results = {r.finding.identity: r for r in plan.results}
    items = []
    for finding in plan.findings:
        key = finding.identity
        if key in here:
            elsewhere = ""
        elif key in branches:
            elsewhere = branches[key]
        else:
            elsewhere = _not_proposed(finding, results.get(key))
        items.append(Item(f"{finding.severity.label}: {finding.message} (`{shown(str(finding.location))}`)",
                          key in here, elsewhere))
    return items


def _not_proposed(finding, result) -> str:
    """Why a finding is in no pull request, in a few words (`patcher plan` tells the whole reason)."""
    if result is None or finding.fix is None or result.status == NO_FIX:
        return "no automatic fix"
    if result.status == SKIPPED_UNSAFE:
        if finding.fix.applicability >= Applicability.UNSAFE:
            return "its fix is unsafe: `patcher apply --unsafe-fixes` applies it"
        return "its fix is shown, never applied: a decision for a person"
    if result.status == WITHHELD:
        return "withheld: patcher could not read what its fix relies on"
    if result.status == FAILED:
        return "its fix failed verification"
    return result.status


def kustomize_roots(plan: Plan, files: Iterable[str]) -> list[str]:
    files = list(files)
    roots = set(plan.model.kustomize_roots_of(files)) if plan.model is not None else set()
    roots |= {posixpath.dirname(f) or "." for f in files if posixpath.basename(f) in KUSTOMIZATIONS}
    return sorted(roots)


def helm_releases(plan: Plan, files: Iterable[str]):
    files = set(files)
    out = []
    for release in getattr(plan.model, "releases", ()):
        chart = release.chart.rstrip("/")
        inside = any(f == chart or f.startswith(chart + "/") or chart in ("", ".") for f in files)
        if inside or files & set(release.values):
            out.append(release)
    return out


def verified(plan: Plan, files: list[str], replanned: str, merged: bool, base: str, shown=lambda p: p) -> list[str]:
    lines = []
    yaml_files = [f for f in files if f.endswith((".yaml", ".yml"))]
    if yaml_files:
        lines.append(f"parse and schema: the {len(yaml_files)} changed YAML file{'s' if len(yaml_files) != 1 else ''} "
                     "parsed again, every resource checked against its schema (core kinds with kubernetes-validate, "
                     "Istio and Argo CD kinds with the CRD schemas patcher ships)")
    roots = kustomize_roots(plan, files)
    if roots:
        lines.append("kustomize build: " + ", ".join(f"`{shown(r) if r != '.' else shown('.')}`" for r in roots)
                     + " built with `kubectl kustomize`, and what they build compared with what the fixes meant to change")
    releases = helm_releases(plan, files)
    if releases:
        lines.append("Helm render: " + ", ".join(f"release `{r.name}` of `{shown(r.chart)}`" for r in releases)
                     + " rendered with the Helm engine")
    lines.append(replanned)
    if merged:
        lines.append(f"merge: every pull request of this run merged in turn onto `{base}` without a conflict, "
                     "and the result is what `patcher apply` writes")
    return lines


def commands(plan: Plan, path: str, branch: str, rules: tuple[str, ...], files: list[str]) -> list[str]:
    shown = path or "."
    out = [f"git fetch origin {branch}", "git switch --detach FETCH_HEAD",
           f"patcher plan {shlex.quote(shown)} " + " ".join(f"--rule {r}" for r in rules)]
    for root in kustomize_roots(plan, files):
        out.append("kubectl kustomize " + shlex.quote(posixpath.join(path, root) if path else root))
    for release in helm_releases(plan, files):
        chart = posixpath.join(path, release.chart) if path else release.chart
        values = "".join(f" -f {shlex.quote(posixpath.join(path, v) if path else v)}" for v in release.values)
        out.append(f"helm template {release.name} {shlex.quote(chart)} -n {release.namespace}{values}")
    return out


def numstat(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        added, removed, path = line.split("\t", 2)
        rows.append({"path": path, "added": added, "removed": removed})
    return rows
