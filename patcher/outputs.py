"""Where generated manifests go, and the edits that make Kustomize pick them up.

Defaults follow the repository's own layout: Istio policy files beside its
Gateway manifests, cluster-wide policy beside the kustomization that includes
them. The settings file can name other paths.
"""

from __future__ import annotations

import os
import posixpath
import stat

from patcher.containment import inside
from patcher.edits import Edit, InsertItem
from patcher.model import Model
from patcher.reading import kind_of
from patcher.resources import Resource, is_manifest
from patcher.source import PatcherError


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
        return posixpath.normpath(str(configured))
    default = posixpath.join(default_dir, default_name) if default_dir else default_name
    # A default taken by a link, a FIFO or a file with another job is never written into: the
    # generated file gets the next free name beside it instead (destination-rules-2.yaml).
    stem, suffix = posixpath.splitext(default)
    for number in range(1, 100):
        candidate = default if number == 1 else f"{stem}-{number}{suffix}"
        if not _not_a_manifest_file(model, candidate):
            return candidate
    return default


def register(model: Model, path: str) -> list[Edit]:
    """Edits that list a new file in the kustomization that lists its siblings."""
    directory = posixpath.dirname(path)
    if path in model.listing:
        return []
    for kust in model.kustomizations_by_folder.get(directory, ()):  # by file name
        if not isinstance(kust.data.get("resources"), list):
            continue
        entry = posixpath.relpath(path, kust.directory or ".")
        return [InsertItem(kust.file, 0, ("resources",), entry)]
    return []


def api_version(model: Model, group: str, fallback: str) -> str:
    """The version of ``group`` the repository already uses most, so new files match."""
    seen = model.api_versions.get(group)
    return seen.most_common(1)[0][0] if seen else f"{group}/{fallback}"


OUTPUT_HINT = "name a new YAML file inside the repository, or one that holds only Kubernetes manifests"


def check_outputs(model: Model) -> None:
    """Refuse an output setting that would append to something other than a manifest file.

    The settings' own check keeps outputs relative, without ``..``, and YAML; what is
    on disk is checked here: a folder link leading out of the repository, a link, a
    FIFO, or a file with another job (a kustomization, a chart's, a values file, a
    kind config) would be written through, blocked on or corrupted.
    """
    for key, configured in sorted(model.config["outputs"].items()):
        if not configured:
            continue
        path = posixpath.normpath(str(configured))
        problem = _not_a_manifest_file(model, path)
        if problem:
            raise PatcherError(f"setting 'outputs.{key}' is '{configured}': {problem}",
                               model.config.source or ".patcher.yaml", hint=OUTPUT_HINT)


def _not_a_manifest_file(model: Model, path: str) -> str:
    """Why ``path`` is no file to add manifests to ("" when it is one); asked for many candidate
    names per placement, and answered once per model (the disk does not change during a plan)."""
    memo = model.memo.setdefault("not a manifest file", {})
    if path not in memo:
        memo[path] = _problem(model, path)
    return memo[path]


def _problem(model: Model, path: str) -> str:
    root, inventory = model.root, model.workspace.inventory
    if inside(root, path) is None:
        return "it leads outside the repository (through a symbolic link)"
    chart = inventory.chart_index.chart_of(path)
    if chart is not None:  # even a new file: in templates/ it would be a template, beside Chart.yaml the chart's
        return f"it is in the Helm chart '{chart}'"
    full = root / path
    if not os.path.lexists(full):
        return ""
    mode = os.lstat(full).st_mode
    if stat.S_ISLNK(mode):
        return "it is a symbolic link, and patcher never writes through one"
    if not stat.S_ISREG(mode):
        return f"it is {kind_of(mode)}, not a manifest file"
    if path in inventory.kustomizations:
        return "it is a kustomization"
    if any(path in release.values for release in model.releases):
        return "it is a Helm values file"
    if any(path in k.patch_files for k in model.kustomizations):
        return "it is a Kustomize patch"
    if any(k.file == path for k in model.kind_configs + model.unused_kind_configs):
        return "it is a kind cluster config"
    if path not in model.documents:
        return "patcher did not read it as YAML manifests (it is ignored, too large or not valid YAML)"
    if any(d.data is not None and not is_manifest(d.data) for d in model.documents[path]):
        return "it holds YAML that is not Kubernetes manifests"
    return ""


def placed(model: Model, key: str, path: str, namespace: str) -> tuple[str, str]:
    """Where a generated file for ``namespace`` goes so that an entry point deploys it: ``path``
    when a new file there is deployed (or the settings name it), else the same name beside a
    deployed manifest of the namespace that a folder apply or an Argo CD folder source picks up.
    The second value is why no such place exists ("" when one does): a file nothing applies
    protects nothing, and every later pass would add it again."""
    if model.config["outputs"].get(key) or _deployed_into(model, path, namespace):
        return path, ""
    name = posixpath.basename(path)
    folders = sorted({posixpath.dirname(r.source.file) for r in model.by_namespace.get(namespace, ())
                      if r.source.editable
                      and (r.deployed_by or model.deployed.everything)},
                     key=lambda f: (not f.startswith(posixpath.dirname(path)), f))
    for folder in folders:
        candidate = output_path(model, key, folder, name)
        if _deployed_into(model, candidate, namespace):
            return candidate, ""
    chart = _chart_deploying(model, namespace)
    if chart is not None:
        return _free_template(model, chart, name), ""
    return path, (f"no entry point would deploy {path} into namespace {namespace} alone (nothing applies it, "
                  f"or a base several overlays build would list it): name a deployed file in the settings' "
                  f"outputs.{key}")


def _chart_deploying(model: Model, namespace: str) -> str | None:
    """The chart in the repository whose release an entry point installs into ``namespace``, when
    exactly one does: a plain manifest among its templates is deployed with it (Helm renders a
    template without braces as it is)."""
    charts = {r.chart for r in model.releases if r.namespace == namespace and r.declared_in is not None}
    if len(charts) != 1:
        return None
    chart = charts.pop()
    # one chart, several releases: a file with one namespace's names fits none of the others (the
    # model keeps one release per chart, so the entry points are counted as written)
    base = posixpath.basename(chart)
    installs = {(h.release, h.namespace) for h in model.entry_points.helm
                if h.unresolved or posixpath.basename(posixpath.normpath(h.chart)) == base}
    installs |= {(a.application, a.namespace) for a in model.entry_points.applications
                 if a.path is not None and posixpath.normpath(a.path) == chart}
    if sum(1 for r in model.releases if r.chart == chart) != 1 or len(installs) > 1:
        return None
    return chart


def _free_template(model: Model, chart: str, name: str) -> str:
    templates = posixpath.join(chart, "templates") if chart not in ("", ".") else "templates"
    stem, suffix = posixpath.splitext(name)
    for number in range(1, 100):
        candidate = posixpath.join(templates, name if number == 1 else f"{stem}-{number}{suffix}")
        if candidate not in model.workspace.texts and not os.path.lexists(model.root / candidate):
            return candidate
    return posixpath.join(templates, name)


def _deployed_into(model: Model, path: str, namespace: str) -> bool:
    """A new file at ``path`` is deployed, and what deploys it leaves ``namespace`` alone: a
    kustomization (or a root building it) whose ``namespace:`` is another one, or a folder
    apply with another ``-n``, would move the resource there (or collide with its namesake)."""
    return _deployed_there(model, path) and not _namespace_forced_elsewhere(model, path, namespace)


def _namespace_forced_elsewhere(model: Model, path: str, namespace: str) -> bool:
    edits = register(model, path)
    listing = model.listing_kustomizations(path, (e.file for e in edits))
    roots = model.kustomize_roots_of(f for k in listing for f in k.listed)
    forcing = listing + [k for k in model.kustomizations if k.directory in roots]
    if any(k.namespace and k.namespace != namespace for k in forcing):
        return True
    folder = posixpath.dirname(path)
    for apply in model.entry_points.applies:
        if apply.kustomize or apply.verb == "delete" or not apply.namespace or apply.namespace == namespace:
            continue
        for target in apply.paths:
            target = posixpath.normpath(target)
            target = "" if target == "." else target
            if target == path or folder == target or (apply.recursive and (target == "" or folder.startswith(target + "/"))):
                return True
    return False


def _deployed_there(model: Model, path: str) -> bool:
    """Whether an entry point deploys a new manifest file at ``path``: everything is deployed,
    the kustomization that would list it is built by one, or a folder apply reaches its folder."""
    folder = posixpath.dirname(path)
    edits = register(model, path)
    kust = next(iter(model.listing_kustomizations(path, (e.file for e in edits))), None)
    if kust is not None and len(model.kustomize_roots_of(kust.listed)) > 1:
        return False  # a base several overlays build: the file would land in each of their namespaces
    if model.deployed.everything:
        return True
    if kust is not None:
        return kust.directory in model.deployed.roots or not model.deployed_built_files.isdisjoint(kust.listed)
    return model.folder_applied(folder)
