"""The overlay's files: kustomization.yaml, one patch per fix and resource, generated resources,
and a README listing what an overlay cannot carry (with the ``patcher apply`` line that does it).

Pure: text in, text out. ``patcher.overlay.write`` puts the files on disk.
"""

from __future__ import annotations

import posixpath
import re

from patcher.findings import Finding
from patcher.overlay.collect import Collected, Elsewhere, Generated, plain
from patcher.overlay.patches import make_patch
from patcher.yamledit.layout import Layout
from patcher.yamledit.render import dump

MARKER = "# Written by `patcher overlay`"
RENDERED = "rendered.yaml"  # what the post-renderer writes Helm's output to, inside its copy
POST_RENDERER = "post-render"
TITLE = "# Kustomize overlay written by patcher"


def _yaml(value) -> str:
    return "\n".join(dump(value, Layout())) + "\n"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _about(finding: Finding) -> str:
    message = " ".join(finding.message.split())
    where = f"{finding.location}" + (f" ({finding.location.resource})" if finding.location.resource else "")
    return f"# rule {finding.rule}: {where}\n# finding: {message}\n"


def overlay_files(collected: Collected, bases: dict[str, str], command: str,
                  targeted: bool = False) -> dict[str, str]:
    """The files of one overlay per root in ``bases`` (root -> its base: the relative path from
    the overlay's folder, or the file the post-renderer writes stdin to; several bases that are
    the same file make one overlay). ``targeted``: every patch names its target, so one for
    another release's resources selects nothing."""
    files: dict[str, str] = {}
    grouped: dict[str, list[str]] = {}
    for root, base in sorted(bases.items()):
        grouped.setdefault(base, []).append(root)
    several = len(grouped) > 1
    for base, roots in grouped.items():
        folder = subfolder(roots[0], several)
        items = [x for x in collected.items if x.root in roots]
        files.update({posixpath.join(folder, p): t for p, t in _one(base, items, command, targeted).items()})
    return files


def subfolder(root: str, several: bool) -> str:
    """Where a root's overlay goes inside the output folder: the folder itself when it is the only one."""
    return _slug(root or "root") if several else ""


def _one(base: str, items: list, command: str, targeted: bool) -> dict[str, str]:
    files: dict[str, str] = {}
    resources = [base]
    patches: list[dict] = []
    number = 0
    for item in items:
        number += 1
        if isinstance(item, Generated):
            meta = item.data.get("metadata") or {}
            name = f"generated/{number:02d}-{_slug(item.data['kind'])}-{_slug(str(meta.get('name')))}.yaml"
            files[name] = _about(item.finding) + _yaml(plain(item.data))
            resources.append(name)
            continue
        patch = make_patch(item)
        meta = item.before.get("metadata") or {}
        name = (f"patches/{number:02d}-{_slug(item.finding.rule)}-{_slug(str(item.before.get('kind')))}-"
                f"{_slug(str(meta.get('name')))}.yaml")
        files[name] = _about(item.finding) + _yaml(patch.body)
        patches.append({"path": name, "target": patch.target} if targeted or not patch.strategic else {"path": name})
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "resources": resources}
    if patches:
        kustomization["patches"] = patches
    files["kustomization.yaml"] = (f"{MARKER} from the repository's fixes; the base is not edited.\n"
                                   f"# Made with: {command}\n" + _yaml(kustomization))
    return files


def readme(collected: Collected, bases: dict[str, str], command: str, repo: str,
           installs: tuple[str, ...] | None = None) -> str:
    """``installs``: for a post-renderer, the `helm install` line of each release it patches."""
    lines = [TITLE, "",
             f"Made with `{command}`; run it again to regenerate (it replaces only its own files).", ""]
    if installs is not None:
        lines += ["A Helm post-renderer: `post-render` copies this folder, writes the manifests Helm rendered",
                  f"(stdin) to `{RENDERED}` and prints `kustomize build` (or `kubectl kustomize`) of the copy.",
                  "From the repository's folder:", ""]
        lines += [f"    {line}" for line in installs or ("helm install RELEASE CHART --post-renderer ./post-render",)]
        lines.append("")
    elif len(bases) == 1:
        [(root, base)] = bases.items()
        lines += [f"It builds on `{base}` (the repository's kustomization in `{root or '.'}`) with the fixes as "
                  "patches: `kubectl kustomize .` builds it, `kubectl apply -k .` deploys it.", ""]
    else:
        lines += ["One overlay per kustomize root the fixes change (build each with `kubectl kustomize FOLDER`):", ""]
        for root, base in sorted(bases.items()):
            lines.append(f"- `{subfolder(root, True)}/` builds on `{base}` (the repository's kustomization in "
                         f"`{root or '.'}`)")
        lines.append("")
    lines += elsewhere_lines(collected.elsewhere, repo, {x.finding.identity for x in collected.items})
    return "\n".join(lines).rstrip("\n") + "\n"


def elsewhere_lines(elsewhere, repo: str, carried: set[str] = frozenset()) -> list[str]:
    """``carried``: findings whose resource changes the overlay holds (apply writes those in place too)."""
    if not elsewhere:
        return []
    lines = ["Fixes an overlay cannot carry (not Kubernetes resources a kustomization builds); "
             "`patcher apply` writes them in place:", ""]
    by_rule: dict[str, list[Elsewhere]] = {}
    for item in elsewhere:
        by_rule.setdefault(item.finding.rule, []).append(item)
    for rule, items in sorted(by_rule.items()):
        also = any(i.finding.identity in carried for i in items)
        lines.append(f"- `patcher apply --rule {rule} {repo}`" +
                     (" (it also writes in place the resource changes this overlay carries)" if also else ""))
        for why in dict.fromkeys(f"{i.finding.location}: {i.why}" for i in items):
            lines.append(f"  - {why}")
    lines.append("")
    return lines


POST_RENDER_SCRIPT = """#!/bin/sh
# A Helm post-renderer written by `patcher overlay --post-renderer`: the manifests Helm rendered
# (stdin) are the base of the overlay beside this script; the patched manifests go to stdout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/." "$work/"
cat > "$work/rendered.yaml"
if command -v kustomize >/dev/null 2>&1; then
  kustomize build "$work"
else
  kubectl kustomize "$work"
fi
"""
