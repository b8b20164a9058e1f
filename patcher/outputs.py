"""Where generated manifests go, and the edits that make Kustomize pick them up.

Defaults follow the repository's own layout: Istio policy files beside its
Gateway manifests, cluster-wide policy beside the kustomization that includes
them. The settings file can name other paths.
"""

from __future__ import annotations

import posixpath
from collections import Counter

from patcher.edits import Edit, InsertItem
from patcher.model import Model
from patcher.resources import Resource


def _editable(model: Model, *kinds: str) -> list[Resource]:
    return sorted((r for r in model.of_kind(*kinds) if r.source.editable),
                  key=lambda r: (r.source.file, r.source.doc))


def istio_dir(model: Model) -> str:
    """The folder of the first Gateway manifest (else VirtualService, else the root)."""
    for kinds in (("Gateway",), ("VirtualService",), ("DestinationRule", "PeerAuthentication")):
        found = [r for r in _editable(model, *kinds) if r.group.endswith("istio.io")]
        if found:
            return posixpath.dirname(found[0].source.file)
    return ""


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Service")


def manifests_dir(model: Model) -> str:
    """The folder of the kustomization that includes the Istio manifests (else the workload
    manifests), else the folder of those manifests."""
    istio = [r for r in _editable(model, "Gateway", "VirtualService") if r.group.endswith("istio.io")]
    sources = istio or _editable(model, *WORKLOAD_KINDS)
    if not sources:
        return ""
    folders = {posixpath.dirname(r.source.file) for r in sources}
    candidates = [k for k in model.kustomizations
                  if k.listed_folders & folders or k.listed & folders or k.directory in folders]
    if candidates:
        return sorted(candidates, key=lambda k: (len(k.directory), k.directory))[0].directory
    return posixpath.dirname(sources[0].source.file)


def output_path(model: Model, key: str, default_dir: str, default_name: str) -> str:
    configured = model.config["outputs"].get(key)
    if configured:
        return str(configured)
    return posixpath.join(default_dir, default_name) if default_dir else default_name


def register(model: Model, path: str) -> list[Edit]:
    """Edits that list a new file in the kustomization that lists its siblings."""
    directory = posixpath.dirname(path)
    if any(kust.lists(path) for kust in model.kustomizations):
        return []
    for kust in sorted(model.kustomizations, key=lambda k: k.file):
        if directory in kust.listed_folders or kust.directory == directory:
            if not isinstance(kust.data.get("resources"), list):
                continue
            entry = posixpath.relpath(path, kust.directory or ".")
            return [InsertItem(kust.file, 0, ("resources",), entry)]
    return []


def api_version(model: Model, group: str, fallback: str) -> str:
    """The version of ``group`` the repository already uses most, so new files match."""
    seen = Counter(r.api_version for r in model.resources if r.group == group)
    return seen.most_common(1)[0][0] if seen else f"{group}/{fallback}"
