"""The model: every resource with its source, built once from a workspace.

A workspace is the repository's files as text (what is on disk, or what a plan
has computed in memory); the model is what those texts mean. Rules read the
model and never change it.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from patcher.config import Config
from patcher.containment import boundary, inside
from patcher.deployed.ingress import model_ingress
from patcher.durations import seconds
from patcher.entrypoints import EntryPoints
from patcher.deployed.charts import ChartGraph, chart_graph
from patcher.deployed.remote_charts import application_notes, install_notes
from patcher.deployed.values_keys import values_duplicates
from patcher.helm import (Release, chart_prefixes, from_applications, from_scripts, left_out,
                          missing_dependencies, releases_for, render)
from patcher.helm_process import DEFAULT_TIMEOUT
from patcher.kustomize import Kustomization, included_files, read_kustomizations
from patcher.merge_patch import strategic_merge
from patcher.resources import Resource, Source, is_kind_cluster, is_resource
from patcher.reading import read_regular
from patcher.shapes import KIND_CLUSTER as KIND_CLUSTER_SHAPE, MAPPING as MAPPING_SHAPE, \
    STRING as STRING_SHAPE, check, resource_problem
from patcher.scripts import HelmInstall, LocalUrl, forwarded_ports, helm_installs, injection_labelled, local_urls, served_ports
from patcher.source import Diagnostic, PatcherError, decode
from patcher.unread import KIND_CLUSTER, Unread
from patcher.validate import is_core
from patcher.workspace import ParseCache, Workspace
from patcher.yamlread import Document


@dataclass(frozen=True)
class KindConfig:
    file: str
    document: Document

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data


@dataclass(frozen=True)
class Model:
    workspace: Workspace
    config: Config
    documents: Mapping[str, list[Document]]
    resources: tuple[Resource, ...]
    kind_configs: tuple[KindConfig, ...]
    kustomizations: tuple[Kustomization, ...]
    local_urls: tuple[LocalUrl, ...]
    releases: tuple[Release, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    forwarded_ports: frozenset[tuple[str, int]] = frozenset()  # (script, local port) of port-forwards
    served_ports: frozenset[int] = frozenset()  # local ports some script publishes or serves itself
    injection_labelled: frozenset[str] = frozenset()  # namespaces scripts label for sidecar injection
    unread: tuple[Unread, ...] = ()  # what the model could not read: fixes that rely on it are withheld
    # resources left out as malformed (patcher.shapes): only the schema check reads them
    malformed: tuple[Resource, ...] = ()
    skipped: tuple[Diagnostic, ...] = ()  # why each document was left out: for the rules that read the model
    entry_points: EntryPoints = EntryPoints()  # what deploys the repository (patcher.entrypoints)
    # (namespace, name) of an ingress gateway Service an installer declares -> its pods' labels
    gateway_pods: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    # the note, when Gateways exist but their ingress Service is not known: rules conclude nothing from it
    ingress_unknown: str | None = None

    @property
    def root(self) -> Path:
        return self.workspace.root

    def of_kind(self, *kinds: str) -> list[Resource]:
        return [r for r in self.resources if r.kind in kinds]


def build_model(workspace: Workspace, config: Config, cache: ParseCache | None = None,
                progress: Callable[[int, int, str], None] | None = None) -> Model:
    cache = cache or ParseCache()
    diagnostics: list[Diagnostic] = []
    unread: list[Unread] = []
    documents: dict[str, list[Document]] = {}
    duplicates: dict[str, list[Diagnostic]] = {}
    for path in workspace.yaml_files:
        try:
            documents[path] = cache.documents(path, workspace.texts[path])
        except PatcherError as exc:
            diagnostics.append(Diagnostic.of(exc, path))
            unread.append(Unread(f"{path} (not parsed)"))
            continue
        duplicates[path] = _duplicate_keys(path, documents[path])
        diagnostics += duplicates[path]
    kustomizations, namespaces, kdiags = read_kustomizations(workspace, cache, _deployed_paths(documents))
    diagnostics += kdiags
    unread += [Unread(f"{d.file} (kustomization not read)") for d in kdiags if d.level == "error"]
    admit = _Admission(unread)

    kind_configs: list[KindConfig] = []
    resources: list[Resource] = []
    patches = frozenset().union(*(k.patch_files for k in kustomizations))
    for path, docs in documents.items():
        for doc in docs:
            if is_kind_cluster(doc.data):
                if admit.kind_config(path, doc):
                    kind_configs.append(KindConfig(path, doc))
            elif path not in patches and admit.named(path, doc):
                resources.append(_resource(doc, Source(path, doc.index, True),
                                           namespaces.get(path, "default")))

    resources = admit.resources(_patched(admit.resources(resources), kustomizations, documents))
    urls: list[LocalUrl] = []
    installs: list[HelmInstall] = []
    forwarded: set[tuple[str, int]] = set()
    served: set[int] = set()
    labelled: set[str] = set()
    for path in workspace.scripts:
        served |= served_ports(workspace.texts[path])
        labelled |= injection_labelled(workspace.texts[path])
        urls += local_urls(workspace.texts[path], path)
        installs += helm_installs(workspace.texts[path], path)
        forwarded |= {(path, port) for port in forwarded_ports(workspace.texts[path])}

    charts = workspace.inventory.charts
    graph = chart_graph(workspace.root, charts, workspace.texts)
    applications = [r for r in resources if r.kind == "Application" and r.group == "argoproj.io"]
    limit = boundary(workspace.root)
    installable = charts + graph.vendored()  # a vendored subchart may also be installed on its own
    declared = from_applications(applications, installable) + from_scripts(
        installs, installable, lambda p: p in workspace.texts or _exists_inside(limit, workspace.root / p),
        graph, workspace.root)
    releases = [dataclasses.replace(r, linked=graph.linked(r.chart), origins=graph.origins(r.chart),
                                    packed=graph.packed(r.chart))
                for r in releases_for(charts, declared, config["helm-releases"], graph.subcharts())]
    # one release per chart is modelled; a second one must not pass unmentioned
    modelled = {r.chart: r for r in releases}
    diagnostics += [Diagnostic(d.where.split(":")[0], f"helm release '{d.name}' of chart '{d.chart}' is not analysed: "
                               f"only one release per chart is, '{modelled[d.chart].name}' "
                               f"({modelled[d.chart].declared_in or 'the default'})",
                               _line(d.where), level="note")
                    for d in declared if d.chart in modelled and modelled[d.chart].declared_in != d.where]
    matched = {d.where for d in declared}
    diagnostics += install_notes(installs, lambda i: f"{i.file}:{i.line}" in matched
                                 or _local_chart(i.chart, charts, graph))
    diagnostics += application_notes(applications)
    # a values file's repeated keys are reported once, as what Helm does with them
    said_for_values = {id(d) for r in releases for v in r.values for d in duplicates.get(v, ())}
    diagnostics = [d for d in diagnostics if id(d) not in said_for_values]
    diagnostics += values_duplicates(workspace, graph, releases, cache)
    timeout = seconds(str(config["helm-timeout"])) or DEFAULT_TIMEOUT
    for number, release in enumerate(releases, start=1):
        if progress:
            progress(number, len(releases), "rendering charts")
        for folder in dict.fromkeys((release.chart, *(f for _, f in release.linked))):
            diagnostics += _left_out(workspace, folder, cache)  # file:// dependencies are copied the same way
        try:
            resources += admit.resources(_render_release(workspace, release, cache, admit, timeout))
        except PatcherError as exc:
            diagnostics.append(Diagnostic.of(exc, release.chart))
            unread.append(Unread(f"chart {release.chart} (release {release.name}/{release.namespace}) "
                                 "did not render"))
        missing = cache.rendered(("dependencies", release.chart, release.linked),
                                 lambda: missing_dependencies(workspace.root, release.chart, timeout, release.linked))
        diagnostics += [Diagnostic(f"{release.chart}/Chart.yaml",
                                   f"dependency '{name}' is declared but missing from charts/; its resources are not analysed",
                                   hint="run `helm dependency build` on the chart", level="warning")
                        for name in missing]
        unread += [Unread(f"dependency '{name}' of chart {release.chart} (missing from charts/)") for name in missing]
    entry_points = _entry_points(workspace)
    ingress = model_ingress(resources, entry_points, charts,
                            lambda path, file: _values_data(workspace, cache, path, file))
    resources = list(ingress.resources)
    diagnostics += ingress.diagnostics
    diagnostics += _ignored_kinds(resources)
    return Model(workspace, config, documents, tuple(resources), tuple(kind_configs),
                 tuple(kustomizations), tuple(urls), tuple(releases), tuple(diagnostics),
                 frozenset(forwarded), frozenset(served), frozenset(labelled), tuple(unread),
                 tuple(admit.malformed), tuple(admit.skipped), entry_points, ingress.pod_labels, ingress.unknown)


def _entry_points(workspace: Workspace) -> EntryPoints:
    """What deploys the repository; the entry-point readers (patcher.entrypoints) fill it."""
    return EntryPoints()


def _values_data(workspace: Workspace, cache: ParseCache, path: str, file: str) -> Any:
    """A values file of the repository a helm line names, parsed; None when it is not one. The
    path is read as helm does from the repository root, the script's folder or its parent."""
    here = posixpath.dirname(file)
    candidates = (path, posixpath.join(here, path), posixpath.join(posixpath.dirname(here), path))
    path = next((posixpath.normpath(p) for p in candidates if posixpath.normpath(p) in workspace.texts), path)
    text = workspace.texts.get(path)
    if text is None:
        return None
    try:
        docs = cache.documents(path, text)
    except PatcherError:
        return None
    return docs[0].data if docs else {}


class _Admission:
    """Lets into the model only what has the shape its readers expect (patcher.shapes);
    each document left out gets a diagnostic naming the field (``skipped``), and is recorded
    as unread."""

    HINT = "Kubernetes refuses it too: correct the field's type"

    def __init__(self, unread: list[Unread]) -> None:
        self.unread = unread
        self.malformed: list[Resource] = []
        self.skipped: list[Diagnostic] = []

    def _skip(self, file: str, line: int | None, message: str, gap: Unread, hint: str = HINT) -> None:
        self.skipped.append(Diagnostic(file, message, line, hint=hint))
        self.unread.append(gap)

    def kind_config(self, path: str, doc: Document) -> bool:
        problem = check(doc.data, KIND_CLUSTER_SHAPE)
        if problem:
            self._skip(path, doc.key_position(problem.path)[0],
                       f"{problem.message}: kind cluster config skipped, not analysed",
                       Unread(f"the kind cluster config in {path} (malformed)", frozenset({KIND_CLUSTER})),
                       "kind refuses it too: correct the field's type")
        return problem is None

    def named(self, path: str, doc: Document, editable: bool = True) -> bool:
        """Whether a document is a resource; one that says its kind but whose metadata or name
        cannot be read is reported, not silently taken for something else. Lines are given
        where the text is the file's own (``editable``), not Helm's output."""
        data = doc.data
        if is_resource(data):
            return True
        if not (isinstance(data, dict) and isinstance(data.get("apiVersion"), str)
                and isinstance(data.get("kind"), str) and "metadata" in data):
            return False
        problem = check(data, {"metadata": MAPPING_SHAPE, "metadata.name": STRING_SHAPE})
        if problem is None:
            return False  # no name (generateName): nothing routes to it by name
        self._skip(path, doc.key_position(problem.path)[0] if editable else None,
                   f"{problem.message}: {data['kind']} (document {doc.index + 1}) skipped, not analysed",
                   _gap(data["kind"], f"a {data['kind']} in {path} (malformed)", None))
        return False

    def resources(self, resources: list[Resource]) -> list[Resource]:
        out = []
        for resource in resources:
            problem = resource_problem(resource.data, resource.kind)
            if problem is None:
                out.append(resource)
                continue
            self.malformed.append(resource)
            line = resource.location(problem.path).line if resource.source.editable else None
            self._skip(resource.source.file, line,
                       f"{problem.message}: {resource.kind} {_name(resource)} skipped, not analysed",
                       _gap(resource.kind, f"{resource.ref} in {resource.source.file} (malformed: {problem.field})",
                            resource.namespace or None))
        return out


def _name(resource: Resource) -> str:
    return f"{resource.namespace}/{resource.name}" if resource.namespace else resource.name


def _gap(kind: str, what: str, namespace: str | None) -> Unread:
    """What a skipped resource may have held: an Application deploys anything, an IstioOperator
    the gateway Services; anything else just itself."""
    if kind == "Application":
        return Unread(what)
    kinds = {kind, "Service"} if kind == "IstioOperator" else {kind}
    return Unread(what, frozenset(kinds), namespace)


ANALYSED_CUSTOM_KINDS = {"Gateway", "VirtualService", "DestinationRule", "PeerAuthentication",
                         "ServiceEntry", "Sidecar", "AuthorizationPolicy", "Application", "IstioOperator"}


def _deployed_paths(documents: Mapping[str, list[Document]]) -> frozenset[str]:
    """Repository folders Argo CD Applications deploy (their source paths)."""
    paths = set()
    for docs in documents.values():
        for doc in docs:
            data = doc.data
            if not (isinstance(data, dict) and data.get("kind") == "Application"
                    and str(data.get("apiVersion", "")).startswith("argoproj.io/")):
                continue
            if resource_problem(data, "Application"):
                continue  # reported, and left out, when the model admits resources
            spec = data.get("spec") or {}
            for source in spec.get("sources") or [spec.get("source") or {}]:
                if isinstance(source, dict) and source.get("path"):
                    paths.add(posixpath.normpath(str(source["path"])))
    return frozenset(paths)


def _local_chart(argument: str, charts: tuple[str, ...], graph: ChartGraph) -> bool:
    """Whether a chart argument names a chart of the repository (by folder or Chart.yaml name)
    that some other line installs: then it is not a remote chart."""
    name = posixpath.basename(argument.rstrip("/"))
    return "://" not in argument and (any(posixpath.basename(c) == name for c in charts) or bool(graph.named(name)))


def _patched(resources: list[Resource], kustomizations, documents) -> list[Resource]:
    """Resources as Kustomize builds them: strategic-merge patches merged into their targets.

    The model's copy changes, never the file: analysis (labels, environment, the
    call graph) sees what runs. JSON 6902 patches are not applied.
    """
    out = list(resources)
    for kust in kustomizations:
        if not kust.patches:
            continue
        included = included_files(kust, list(kustomizations))
        for path, target, json6902 in kust.patches:
            if json6902:
                continue
            for doc in documents.get(path, []):
                if not isinstance(doc.data, dict):
                    continue  # a list of operations is a JSON 6902 patch
                meta = doc.data.get("metadata")
                kind = target.get("kind") or doc.data.get("kind")
                name = target.get("name") or (meta.get("name") if isinstance(meta, dict) else None)
                for index, resource in enumerate(out):
                    if resource.source.file in included and resource.kind == kind and resource.name == name:
                        merged = strategic_merge(resource.data, doc.data)
                        out[index] = dataclasses.replace(resource, data=merged)
    return out


def _ignored_kinds(resources: list[Resource]) -> list[Diagnostic]:
    """Custom resources of kinds no rule reads: counted, so nobody wonders whether they were seen."""
    counts: dict[str, int] = {}
    for r in resources:
        if not is_core(r.api_version) and r.kind not in ANALYSED_CUSTOM_KINDS:
            counts[r.kind] = counts.get(r.kind, 0) + 1
    if not counts:
        return []
    listed = ", ".join(f"{kind} ({n})" for kind, n in sorted(counts.items()))
    return [Diagnostic(".", f"{sum(counts.values())} custom resource(s) of kinds patcher does not analyse: {listed}",
                       level="note")]


def _duplicate_keys(path: str, docs: list[Document]) -> list[Diagnostic]:
    return [Diagnostic(path, f"duplicate key '{key}': Kubernetes and Helm use the last value", line, column,
                       "remove one of the entries", level="warning")
            for doc in docs for key, line, column in doc.duplicates]


CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass", "GatewayClass",
                  "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "Node",
                  "RuntimeClass", "CSIDriver", "VolumeSnapshotClass"}


def _resource(doc: Document, source: Source, default_namespace: str) -> Resource:
    data = doc.data
    meta = data["metadata"]
    namespace = "" if data["kind"] in CLUSTER_SCOPED else meta.get("namespace") or default_namespace
    return Resource(data["apiVersion"], data["kind"], meta["name"], str(namespace), data, source, doc)


def _left_out(workspace: Workspace, chart: str, cache: ParseCache) -> list[Diagnostic]:
    """The note naming what the copy Helm renders left out of the chart, and why."""
    missing = cache.rendered(("left out", chart), lambda: left_out(workspace.root, chart))
    if not missing:
        return []
    listed = "; ".join(f"{item.path} ({item.why})" for item in missing)
    return [Diagnostic(f"{chart}/Chart.yaml", f"rendered without {len(missing)} path(s) Helm must not read: {listed}",
                       hint="the chart is rendered from a copy that leaves these out; if it needs one, put the "
                            "file itself in the chart", level="note")]


def _line(where: str) -> int | None:
    """The line of a ``file:line`` a declared release names, if it names one."""
    tail = where.rpartition(":")[2]
    return int(tail) if tail.isdigit() else None


def _render_release(workspace: Workspace, release: Release, cache: ParseCache,
                    admit: _Admission, timeout: float) -> list[Resource]:
    prefixes = chart_prefixes(release)
    overrides = {p: t for p, t in workspace.texts.items() if p.startswith(prefixes)}
    values = _values(workspace, release, cache)
    key = (release, tuple(sorted(overrides.items())), repr(values))
    rendered = cache.rendered(key, lambda: render(workspace.root, release, overrides, values, timeout))
    resources = []
    for rendered_file in rendered:
        lines = rendered_file.lines or (None,) * len(rendered_file.documents)
        for doc, line in zip(rendered_file.documents, lines):
            if not admit.named(rendered_file.template, doc, editable=False) or _is_test_hook(doc.data):
                continue
            source = Source(rendered_file.template, doc.index, False,
                            f"{release.name}/{release.namespace}", line=line)
            resources.append(_resource(doc, source, release.namespace))
    return resources


def _values(workspace: Workspace, release: Release, cache: ParseCache) -> dict[str, Any] | None:
    merged: dict[str, Any] = {}
    for path in release.values:
        text = workspace.texts.get(path)
        if text is None:
            text = _read_values(workspace.root, path, release)
        docs = cache.documents(path, text)
        if docs and isinstance(docs[0].data, dict):
            merged = _deep_merge(merged, docs[0].data)
    if release.inline:
        docs = cache.documents(f"{release.declared_in} (helm values)", release.inline)
        if docs and isinstance(docs[0].data, dict):
            merged = _deep_merge(merged, docs[0].data)
    return merged or None


def _read_values(root: Path, path: str, release: Release) -> str:
    """A values file the repository names, read only when it is a regular file inside it: a
    script's ``-f /etc/passwd`` or a settings entry ``../x.yaml`` is refused, and the release is
    not rendered without it (defaults would render what is not deployed)."""
    file, line, who = _declared(release)
    not_rendered = f"release '{release.name}' of chart '{release.chart}' was not rendered"
    if "://" in path:
        raise PatcherError(f"{who}values file '{path}' is a URL, which patcher does not fetch, so {not_rendered}",
                           file, line, hint="name the release's values in .patcher.yaml (helm-releases) to "
                                            "analyse the chart with values from the repository")
    full = inside(boundary(root), str(root / path))
    if full is None:
        raise PatcherError(f"{who}values file '{path}' is outside the repository: not read, so {not_rendered}",
                           file, line, hint="patcher reads only files inside the repository; keep the values "
                                            "file in it to have the chart analysed")
    if not os.path.lexists(full):
        raise PatcherError(f"{who}values file '{path}' does not exist, so {not_rendered}", file, line)
    try:
        return decode(read_regular(full, path), path)
    except PatcherError as exc:
        raise PatcherError(f"{who}values file '{path}': {exc.message}, so {not_rendered}", file, line,
                           hint=exc.hint) from None
    except OSError as exc:
        raise PatcherError(f"{who}values file '{path}' cannot be read ({exc.strerror}), so {not_rendered}",
                           file, line) from None


def _exists_inside(limit: Path, path: Path) -> bool:
    found = inside(limit, str(path))
    return found is not None and os.path.lexists(found)


def _declared(release: Release) -> tuple[str | None, int | None, str]:
    """Where a release was declared, as (file, line, what in it): "deploy.sh:12" is a line of a
    script, "apps.yaml: Application web" a document of a file."""
    where = release.declared_in or release.chart + "/Chart.yaml"
    file, sep, rest = where.rpartition(":")
    if sep and rest.isdigit():
        return file, int(rest), ""
    if sep and rest.startswith(" "):
        return file, None, rest.strip() + ": "
    return where, None, ""


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _deep_merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def _is_test_hook(data: dict[str, Any]) -> bool:
    annotations = data["metadata"].get("annotations")
    return isinstance(annotations, dict) and "test" in str(annotations.get("helm.sh/hook", ""))
