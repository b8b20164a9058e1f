"""The model: every resource with its source, built once from a workspace.

A workspace is the repository's files as text (what is on disk, or what a plan
has computed in memory); the model is what those texts mean. Rules read the
model and never change it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
import os
import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from patcher.config import Config
from patcher.deployed.kustomize_build import BuiltResource, RootBuild, build_roots, kubectl_path, kustomization_roots
from patcher.containment import boundary, inside
from patcher.deployed.gateway_chart import VALUES_SOURCE as GATEWAY_VALUES
from patcher.deployed.ingress import model_ingress
from patcher.deployed.inline_values import read_inline
from patcher.durations import seconds
from patcher.deployed.deployed_set import DeployedSet, Deployer, deployed_set
from patcher.deployed.variants import Identity, variant_notes, variants as find_variants
from patcher.entrypoints import ArgoSource, EntryPoints, HelmInstall
from patcher.entrypoints.read import read_entry_points
from patcher.deployed.charts import ChartGraph, chart_graph
from patcher.deployed.remote_charts import application_notes, install_notes
from patcher.deployed.values_keys import values_duplicates
from patcher.helm import (Release, chart_prefixes, from_applications, from_scripts, left_out,
                          missing_dependencies, releases_for, render)
from patcher.helm_process import DEFAULT_TIMEOUT
from patcher.kustomize import Kustomization, included_files, read_kustomizations
from patcher.merge_patch import strategic_merge
from patcher.resources import Resource, Source, is_kind_cluster, is_nameless_operator, is_resource, operator_identity
from patcher.reading import read_regular
from patcher.shapes import KIND_CLUSTER as KIND_CLUSTER_SHAPE, MAPPING as MAPPING_SHAPE, \
    STRING as STRING_SHAPE, check, resource_problem
from patcher.scripts import LocalUrl, forwarded_ports, injection_labelled, local_urls, served_ports
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
    # resources no entry point deploys: read for their own defects only, never paired or counted as cover
    undeployed: tuple[Resource, ...] = ()
    unused_kind_configs: tuple[KindConfig, ...] = ()  # kind configs no `kind create cluster --config` names
    variants: Mapping[Identity, tuple[Resource, ...]] = field(default_factory=dict)  # one object, several files
    deployed: DeployedSet = DeployedSet()
    # (namespace, name) of an ingress gateway Service an installer declares -> its pods' labels
    gateway_pods: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    # the note, when Gateways exist but their ingress Service is not known: rules conclude nothing from it
    ingress_unknown: str | None = None
    # resources deployed only into a namespace patcher cannot resolve (``kubectl apply -n "$NS"``) that
    # name none themselves: read for their own defects only, never placed in a namespace or paired
    unplaced: tuple[Resource, ...] = ()
    # what this run has parsed, rendered and built, by its inputs: placement renders a release
    # again through it, so the render the model made is not made twice
    cache: ParseCache = field(default_factory=ParseCache, compare=False, repr=False)

    @property
    def root(self) -> Path:
        return self.workspace.root

    def of_kind(self, *kinds: str) -> list[Resource]:
        if len(kinds) == 1:
            return list(self._by_kind.get(kinds[0], ()))
        found = [r for kind in dict.fromkeys(kinds) for r in self._by_kind.get(kind, ())]
        position = self._position
        return sorted(found, key=lambda r: position[id(r)])  # in the model's order, as rules expect

    @cached_property
    def _position(self) -> dict[int, int]:
        return {id(r): i for i, r in enumerate(self.resources)}

    def find(self, kind: str, name: str, namespace: str, api_version: str, file: str, doc: int) -> Resource | None:
        """The resource (deployed, undeployed or unplaced) of that identity read from that document."""
        return self._identities.get((kind, name, namespace, api_version, file, doc))

    @cached_property
    def _identities(self) -> dict[tuple, Resource]:
        out: dict[tuple, Resource] = {}
        for r in self.own_defect_resources:
            out.setdefault((r.kind, r.name, r.namespace, r.api_version, r.source.file, r.source.doc), r)
        return out

    @cached_property
    def files_by_folder(self) -> dict[str, tuple[str, ...]]:
        """The YAML files read in each folder, sorted."""
        out: dict[str, list[str]] = {}
        for file in self.documents:
            out.setdefault(posixpath.dirname(file), []).append(file)
        return {folder: tuple(sorted(files)) for folder, files in out.items()}

    # Indexes are built once per model, on first use: a model is immutable, and the cache dies
    # with it (a module-level cache would keep every fix pass's model alive).
    @cached_property
    def _by_kind(self) -> dict[str, tuple[Resource, ...]]:
        out: dict[str, list[Resource]] = {}
        for resource in self.resources:
            out.setdefault(resource.kind, []).append(resource)
        return {kind: tuple(found) for kind, found in out.items()}

    @cached_property
    def kustomize_roots_by_file(self) -> dict[str, frozenset[str]]:
        """The kustomization roots whose builds hold a resource of each file."""
        out: dict[str, set[str]] = {}
        for resource in self.resources:
            if resource.source.kustomize_root is not None:
                out.setdefault(resource.source.file, set()).add(resource.source.kustomize_root)
        return {file: frozenset(roots) for file, roots in out.items()}

    def kustomize_roots_of(self, files: Iterable[str]) -> set[str]:
        index = self.kustomize_roots_by_file
        return set().union(*(index.get(f, ()) for f in files))

    @cached_property
    def deployed_built_files(self) -> frozenset[str]:
        """Files with a resource a deployed kustomization root builds."""
        return frozenset(r.source.file for r in self.resources
                         if r.deployed_by and r.source.kustomize_root is not None)

    @cached_property
    def memo(self) -> dict[str, dict]:
        """Answers derived from this model alone, kept by the function that derives them."""
        return {}

    @cached_property
    def by_document(self) -> dict[tuple[str, int], tuple[Resource, ...]]:
        """The resources read from each (file, document index), in the model's order."""
        out: dict[tuple[str, int], list[Resource]] = {}
        for resource in self.resources:
            out.setdefault((resource.source.file, resource.source.doc), []).append(resource)
        return {key: tuple(found) for key, found in out.items()}

    @cached_property
    def by_namespace(self) -> dict[str, tuple[Resource, ...]]:
        out: dict[str, list[Resource]] = {}
        for resource in self.resources:
            out.setdefault(resource.namespace, []).append(resource)
        return {namespace: tuple(found) for namespace, found in out.items()}

    @cached_property
    def listing(self) -> dict[str, tuple[Kustomization, ...]]:
        """The kustomizations that list each file or folder in ``resources``."""
        out: dict[str, list[Kustomization]] = {}
        for kust in self.kustomizations:
            for target in kust.listed:
                out.setdefault(target, []).append(kust)
        return {target: tuple(found) for target, found in out.items()}

    @cached_property
    def kustomizations_by_folder(self) -> dict[str, tuple[Kustomization, ...]]:
        """By file name, the kustomizations that list something in each folder or live in it."""
        out: dict[str, list[Kustomization]] = {}
        for kust in self.kustomizations:
            for folder in {*kust.listed_folders, kust.directory}:
                out.setdefault(folder, []).append(kust)
        return {folder: tuple(sorted(found, key=lambda k: k.file)) for folder, found in out.items()}

    @cached_property
    def api_versions(self) -> dict[str, Counter]:
        """How many resources use each version of each API group."""
        out: dict[str, Counter] = {}
        for resource in self.resources:
            out.setdefault(resource.group, Counter())[resource.api_version] += 1
        return out

    def listing_kustomizations(self, path: str, files: Iterable[str] = ()) -> list[Kustomization]:
        """In the model's order, the kustomizations that list ``path`` or are one of ``files``."""
        found = {id(k): k for k in self.listing.get(path, ())}
        found.update((id(k), k) for k in (self._kustomization_by_file.get(f) for f in files) if k is not None)
        order = self._kustomization_position
        return sorted(found.values(), key=lambda k: order[id(k)])

    @cached_property
    def _kustomization_position(self) -> dict[int, int]:
        return {id(k): i for i, k in enumerate(self.kustomizations)}

    @cached_property
    def _kustomization_by_file(self) -> dict[str, Kustomization]:
        out: dict[str, Kustomization] = {}
        for kust in self.kustomizations:
            out.setdefault(kust.file, kust)
        return out

    @cached_property
    def folder_applies(self) -> tuple[frozenset[str], frozenset[str]]:
        """The folders entry points apply as plain manifests (kubectl apply -f DIR, an Argo CD
        directory source): those applied alone, and those applied with everything under them."""
        alone: set[str] = set()
        below: set[str] = set()
        for apply in self.entry_points.applies:
            if apply.kustomize or apply.verb == "delete":
                continue
            for target in apply.paths:
                target = posixpath.normpath(target)
                target = "" if target == "." else target  # lstrip("./") would eat a leading dot folder
                if target not in self.documents:  # a file is no folder
                    (below if apply.recursive else alone).add(target)
        for source in self.entry_points.applications:
            if source.path is None or posixpath.normpath(source.path) in self.kustomization_folders:
                continue
            target = posixpath.normpath(source.path)
            target = "" if target == "." else target
            (below if (source.directory or {}).get("recurse") else alone).add(target)
        return frozenset(alone), frozenset(below)

    def folder_applied(self, folder: str) -> bool:
        """A new manifest in ``folder`` is picked up by a folder apply."""
        alone, below = self.folder_applies
        if folder in alone or folder in below or "" in below:
            return True
        parent = folder
        while "/" in parent:
            parent = parent.rsplit("/", 1)[0]
            if parent in below:
                return True
        return False

    @cached_property
    def kustomization_folders(self) -> frozenset[str]:
        return frozenset(k.directory for k in self.kustomizations)

    @property
    def own_defect_resources(self) -> tuple[Resource, ...]:
        """Deployed, undeployed and unplaced resources: for rules that judge a resource by itself alone."""
        return self.resources + self.undeployed + self.unplaced

    def unplaced_of_kind(self, *kinds: str) -> list[Resource]:
        """Resources of a namespace patcher cannot resolve: they may be in any namespace, so a rule
        concludes no absence of them anywhere."""
        return [r for r in self.unplaced if r.kind in kinds]

    def own_of_kind(self, *kinds: str) -> list[Resource]:
        return [r for r in self.own_defect_resources if r.kind in kinds]


def build_model(workspace: Workspace, config: Config, cache: ParseCache | None = None,
                progress: Callable[[int, int, str], None] | None = None,
                entry_points: EntryPoints | None = None,
                kustomize_roots: Iterable[str] | None = None) -> Model:
    """The model of ``workspace``; ``entry_points`` are the records of what deploys it (None: read
    them from the repository); ``kustomize_roots`` the kustomization root folders to build (None:
    the deployed ones, every root when nothing is concluded undeployed)."""
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
    if entry_points is None:
        entry_points, entry_notes = read_entry_points(workspace, documents)
        diagnostics += entry_notes
    kustomizations, namespaces, kdiags = read_kustomizations(workspace, cache,
                                                             _deployed_paths(entry_points.applications))
    diagnostics += kdiags
    unread += [Unread(f"{d.file} (kustomization not read)") for d in kdiags if d.level == "error"]
    admit = _Admission(unread)
    unresolved: dict[str, str] = {}  # where -> the namespace word, of the entry points that left one unplaced
    deployed = deployed_set(entry_points, documents, kustomizations, workspace.inventory.charts,
                            [p for p, docs in documents.items() if any(is_kind_cluster(d.data) for d in docs)])
    diagnostics += deployed.notes
    if kustomize_roots is None and not deployed.everything:
        kustomize_roots = sorted(deployed.roots)
    built = _Built.of(workspace, cache, kustomizations, kustomize_roots, deployed.roots, unresolved)
    diagnostics += built.diagnostics
    unread += built.unread

    kind_configs: list[KindConfig] = []
    unused_kind_configs: list[KindConfig] = []
    resources: list[Resource] = []
    patches = frozenset().union(*(k.patch_files for k in kustomizations))
    for path, docs in documents.items():
        resources += built.resources.pop(path, [])
        for doc in docs:
            if is_kind_cluster(doc.data):
                if admit.kind_config(path, doc):
                    # a script names the config by the link patcher reads it through, or by itself
                    used = deployed.kind_config_used(path) or any(
                        deployed.kind_config_used(link) for link, target in workspace.inventory.links
                        if target == path)
                    (kind_configs if used else unused_kind_configs).append(KindConfig(path, doc))
            elif path not in patches and path not in built.covered and admit.named(path, doc):
                deployers = deployed.deployers(path, doc.index)
                # reached by an entry point: the namespace it gives (kubectl -f reads no kustomization's)
                namespace = (_namespace(deployers) or "default") if deployers else namespaces.get(path, "default")
                unknown = _unplaced(doc.data, deployers, unresolved)
                diagnostics += _namespace_choice(path, doc, deployers)
                resources.append(_resource(doc, Source(path, doc.index, True,
                                                       deployed_by=tuple(d.where for d in deployers),
                                                       namespace_unknown=unknown), unknown or namespace))
    resources += [r for path in sorted(built.resources) for r in built.resources[path]]

    hand = [k for k in kustomizations if k.file not in built.covered]
    resources = admit.resources(_patched(admit.resources(resources), hand, documents))
    urls: list[LocalUrl] = []
    forwarded: set[tuple[str, int]] = set()
    served: set[int] = set()
    labelled: set[str] = set()
    for path in workspace.scripts:
        served |= served_ports(workspace.texts[path])
        labelled |= injection_labelled(workspace.texts[path])
        urls += local_urls(workspace.texts[path], path)
        forwarded |= {(path, port) for port in forwarded_ports(workspace.texts[path])}
    # what the entry-point readers understood (Start-Process, Start-Job, `& kubectl`, Taskfile vars)
    forwarded |= {(f.file, local) for f in entry_points.port_forwards for local, _ in f.ports}

    installs = _modelled_installs(entry_points.helm)
    charts = workspace.inventory.charts
    graph = chart_graph(workspace.root, charts, workspace.texts)
    app_resources = [r for r in resources if r.kind == "Application" and r.group == "argoproj.io"]
    admitted = {(r.source.file, r.source.doc) for r in app_resources}
    applications = [a for a in entry_points.applications if (a.file, a.doc) in admitted
                    or a.file in documents and _generated(documents[a.file], a.doc)]
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
                    for d in declared if d.chart in modelled and modelled[d.chart].declared_in != d.where
                    # the same release installed from two scripts (a .sh and its .ps1 twin) is one release
                    and _release_of(d) != _release_of(modelled[d.chart])]
    matched = {d.where for d in declared}
    diagnostics += install_notes(installs, lambda i: f"{i.file}:{i.line}" in matched
                                 or _local_chart(i.chart, charts, graph))
    diagnostics += application_notes(app_resources)
    # a values file's repeated keys are reported once, as what Helm does with them
    said_for_values = {id(d) for r in releases for v in r.values for d in duplicates.get(v, ())}
    diagnostics = [d for d in diagnostics if id(d) not in said_for_values]
    diagnostics += values_duplicates(workspace, graph, releases, cache)
    timeout = seconds(str(config["helm-timeout"])) or DEFAULT_TIMEOUT
    # installs into a namespace patcher cannot resolve: what lands in the release's namespace is unplaced
    helm_unknown = {f"{i.file}:{i.line}": i.unresolved_namespace for i in entry_points.helm
                    if i.unresolved_namespace is not None}
    for number, release in enumerate(releases, start=1):
        if progress:
            progress(number, len(releases), "rendering charts")
        for folder in dict.fromkeys((release.chart, *(f for _, f in release.linked))):
            diagnostics += _left_out(workspace, folder, cache)  # file:// dependencies are copied the same way
        try:
            by = tuple(d.where for d in deployed.release_deployers(release.declared_in))
            unknown = helm_unknown.get(release.declared_in or "")
            if unknown is not None:
                unresolved.setdefault(str(release.declared_in), unknown)
            resources += admit.resources(_render_release(workspace, release, cache, admit, timeout, by, unknown))
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
    ingress = model_ingress(resources, entry_points, charts,
                            lambda path, file: _values_data(workspace, cache, path, file))
    resources = list(ingress.resources)
    diagnostics += ingress.diagnostics
    diagnostics = _modelled_remote(diagnostics, resources)
    diagnostics += _ignored_kinds(resources)
    unplaced = [r for r in resources if r.source.namespace_unknown is not None]
    resources = [r for r in resources if r.source.namespace_unknown is None]
    live = [r for r in resources if deployed.everything or r.deployed_by]
    undeployed = [r for r in resources if not (deployed.everything or r.deployed_by)]
    diagnostics += _undeployed_note(undeployed)
    notes, gaps = _unplaced_notes(unplaced, unresolved)
    diagnostics += notes
    unread += gaps
    variants = find_variants(resources)
    diagnostics += variant_notes(variants)
    return Model(workspace, config, documents, tuple(live), tuple(kind_configs),
                 tuple(kustomizations), tuple(urls), tuple(releases), tuple(diagnostics),
                 frozenset(forwarded), frozenset(served), frozenset(labelled), tuple(unread),
                 tuple(admit.malformed), tuple(admit.skipped), entry_points, tuple(undeployed),
                 tuple(unused_kind_configs), variants, deployed, ingress.pod_labels,
                 ingress.unknown, tuple(unplaced), cache)


NOT_ANALYSED = "is not in this repository: its resources are not analysed"


def _modelled_remote(diagnostics: list[Diagnostic], resources: list[Resource]) -> list[Diagnostic]:
    """A remote gateway chart's note says that its Service is modelled after all, and from what."""
    gateways = [r for r in resources if r.kind == "Service" and r.source.declared_by
                and ("gateway chart of" in r.source.declared_by or " of chart " in r.source.declared_by)]
    out = []
    for d in diagnostics:
        found = next((r for r in gateways if NOT_ANALYSED in d.message and any(
            w == f"{d.file}:{d.line}" or (w.startswith(f"{d.file}: Application") and "chart 'gateway'" in d.message)
            for w in r.deployed_by)), None)
        if found is not None:
            d = dataclasses.replace(d, message=d.message.replace(
                NOT_ANALYSED, f"{NOT_ANALYSED}, except its gateway Service {found.namespace}/{found.name}, modelled "
                              f"from the values over the chart's defaults ({GATEWAY_VALUES})"))
        out.append(d)
    return out


def _namespace(deployers: tuple[Deployer, ...]) -> str | None:
    """The namespace entry points give a document that names none: the first one's (by where)."""
    return next((d.namespace for d in deployers if d.namespace), None)


def _unplaced(data: Any, deployers: tuple[Deployer, ...], unresolved: dict[str, str]) -> str | None:
    """The namespace word ('$APP_NS') of a document that names no namespace and is deployed only by
    entry points whose namespace patcher cannot resolve; None when its namespace is known."""
    if not deployers or not all(d.namespace_unknown for d in deployers) or not isinstance(data, dict):
        return None
    meta = data.get("metadata")
    if data.get("kind") in CLUSTER_SCOPED or isinstance(meta, dict) and meta.get("namespace"):
        return None
    for d in deployers:
        unresolved.setdefault(d.where, str(d.unresolved))
    return deployers[0].unresolved


def _unplaced_notes(unplaced: list[Resource], unresolved: dict[str, str]) -> tuple[list[Diagnostic], list[Unread]]:
    """One note per entry point that deploys into a namespace patcher cannot resolve; and the gap
    its resources leave: they may be in any namespace, so a fix that reads their kinds is withheld."""
    wheres = sorted({w for r in unplaced for w in r.source.deployed_by if w in unresolved})
    notes = [Diagnostic(where.rpartition(":")[0], f"{where} deploys into a namespace patcher cannot resolve "
                        f"('{unresolved[where]}'): what it deploys is not judged by namespace", _line(where),
                        hint="write the namespace out, or set it in the manifests' metadata.namespace",
                        level="note") for where in wheres]
    gaps = [Unread(f"what {where} deploys into namespace '{unresolved[where]}' (not resolved)",
                   frozenset(r.kind for r in unplaced if where in r.source.deployed_by))
            for where in wheres]
    return notes, gaps


def _namespace_choice(path: str, doc: Document, deployers: tuple[Deployer, ...]) -> list[Diagnostic]:
    """A document entry points deploy into several namespaces is several objects; the model holds
    one, in the first namespace: say so rather than pick silently."""
    meta = doc.data.get("metadata") if isinstance(doc.data, dict) else None
    if isinstance(meta, dict) and meta.get("namespace"):
        return []
    given = {d.namespace or (f"'{d.unresolved}'" if d.unresolved else "default"): d.where for d in reversed(deployers)}
    if len(given) < 2:
        return []
    listed = ", ".join(f"{ns} ({where})" for ns, where in sorted(given.items(), key=lambda i: i[1]))
    return [Diagnostic(path, f"document {doc.index + 1} is deployed into {len(given)} namespaces: {listed}; "
                             f"it is analysed in {_namespace(deployers) or 'default'} only", level="note")]


MOST_LISTED = 6  # files named one by one in the note on what is not deployed; beyond, folders


def _undeployed_note(undeployed: list[Resource]) -> list[Diagnostic]:
    """One note naming what no entry point deploys, by file (by folder when there are many)."""
    if not undeployed:
        return []
    names = sorted({f"release {r.source.release}" if r.source.release else r.source.file for r in undeployed})
    if len(names) > MOST_LISTED:
        folders: dict[str, int] = {}
        for name in names:
            top = name if name.startswith("release ") or "/" not in name else name.split("/")[0] + "/"
            folders[top] = folders.get(top, 0) + 1
        names = [f"{top} ({n} files)" if n > 1 else top for top, n in sorted(folders.items())]
    return [Diagnostic(".", f"{len(undeployed)} resource(s) no entry point deploys, analysed only for their own "
                            f"defects (never as coverage, never paired with deployed ones): {', '.join(names)}",
                       hint="deploy them from a script or an Application, or remove them", level="note")]



def _release_of(release) -> tuple:
    """What makes a release the one it is, wherever it is declared (a Declared or a Release)."""
    return release.name, release.namespace or "default", tuple(release.values), release.inline


def _modelled_installs(installs: tuple[HelmInstall, ...]) -> list[HelmInstall]:
    """The installs whose release and chart are known: a chart named by a variable the script
    never sets is not guessed, nor a release ``--generate-name`` makes up."""
    return [i for i in installs if i.release and i.chart
            and i.release not in i.unresolved and i.chart not in i.unresolved]


def _generated(docs: list[Document], index: int) -> bool:
    """Whether a document is an ApplicationSet (its Applications are not resources of the files)."""
    data = docs[index].data if index < len(docs) else None
    return isinstance(data, dict) and data.get("kind") == "ApplicationSet"


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
        if is_resource(data) or is_nameless_operator(data):
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


ANALYSED_CUSTOM_KINDS = {"Gateway", "VirtualService", "DestinationRule", "PeerAuthentication", "ApplicationSet",
                         "ServiceEntry", "Sidecar", "AuthorizationPolicy", "Application", "IstioOperator",
                         "Telemetry"}


def _deployed_paths(applications: tuple[ArgoSource, ...]) -> frozenset[str]:
    """Repository folders Argo CD Applications deploy (their source paths)."""
    return frozenset(a.path for a in applications if a.path is not None)


def _local_chart(argument: str, charts: tuple[str, ...], graph: ChartGraph) -> bool:
    """Whether a chart argument names a chart of the repository (by folder or Chart.yaml name)
    that some other line installs: then it is not a remote chart."""
    name = posixpath.basename(argument.rstrip("/"))
    return "://" not in argument and (any(posixpath.basename(c) == name for c in charts) or bool(graph.named(name)))


NO_KUBECTL = ("kubectl not found: Kustomize roots are approximated by patcher's own merge, JSON 6902 patches, "
              "generators and replacements are not applied")


@dataclass
class _Built:
    """The kustomization roots kustomize built: their resources by source file, and the files
    they cover (read through the build, never again as plain documents)."""

    resources: dict[str, list[Resource]] = field(default_factory=dict)
    covered: frozenset[str] = frozenset()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)

    @classmethod
    def of(cls, workspace: Workspace, cache: ParseCache, kustomizations: list[Kustomization],
           roots: Iterable[str] | None,
           deployers: Mapping[str, tuple[Deployer, ...]] | None = None,
           unresolved: dict[str, str] | None = None) -> "_Built":
        """``deployers``: the entry points that build each root (patcher.deployed.deployed_set)."""
        out = cls()
        if not kustomizations:
            return out
        kubectl = kubectl_path()
        if kubectl is None:
            out.diagnostics.append(Diagnostic(".", NO_KUBECTL, hint="install kubectl to have `kubectl kustomize` "
                                                                    "build them", level="note"))
            return out
        files = [k.file for k in kustomizations]
        folders = {posixpath.dirname(f) for f in files}  # a deployed folder without a kustomization is no root
        chosen = kustomization_roots(workspace, files) if roots is None else [r for r in roots if r in folders]
        covered: set[str] = set()
        for build in build_roots(workspace, cache, kubectl, chosen):
            if build.built:
                covered |= build.files
                for item in build.resources:
                    resource = _built_resource(workspace, build, item, (deployers or {}).get(build.root, ()),
                                               {} if unresolved is None else unresolved)
                    if resource is not None:
                        out.resources.setdefault(resource.source.file, []).append(resource)
            else:
                out._not_built(build, files)
        out.covered = frozenset(covered)
        for listed in out.resources.values():
            listed.sort(key=lambda r: (r.source.doc, r.source.kustomize_root or ""))
        return out

    def _not_built(self, build: RootBuild, files: list[str]) -> None:
        kustomization = next((f for f in files if posixpath.dirname(f) == build.root),
                             posixpath.join(build.root, "kustomization.yaml"))
        if build.refused:
            self.diagnostics.append(Diagnostic(kustomization, f"not built: {build.refused}; patcher's own merge "
                                                              "approximates this root (JSON 6902 patches, generators "
                                                              "and replacements are not applied)", level="note"))
            return
        self.diagnostics.append(Diagnostic(kustomization, f"{build.error}; its files are read as plain manifests",
                                           hint="kustomize refuses it too: correct it so that `kubectl kustomize "
                                                f"{build.root or '.'}` builds"))
        self.unread.append(Unread(f"kustomization root {build.root or '.'} (does not build)"))


def _built_resource(workspace: Workspace, build: RootBuild, item: BuiltResource,
                    deployers: tuple[Deployer, ...] = (), unresolved: dict[str, str] | None = None) -> Resource | None:
    data = item.data
    if not is_resource(data):
        return None  # kustomize names everything it emits; a generateName object routes nowhere by name
    editable = item.doc is not None and item.document is not None and item.file in workspace.texts
    document = item.document or Document(0, data, None)
    unknown = _unplaced(data, deployers, {} if unresolved is None else unresolved)
    source = Source(item.file, item.doc if item.doc is not None else 0, editable,
                    kustomize_root=build.root, patched_by=item.patched_by,
                    patched_paths=item.patched_paths, deployed_by=tuple(d.where for d in deployers),
                    namespace_unknown=unknown)
    meta = data["metadata"]
    # the build's namespace (kustomize's own, or the document's), else the one `kubectl -n` gives
    namespace = "" if data["kind"] in CLUSTER_SCOPED else meta.get("namespace") or unknown \
        or _namespace(deployers) or "default"
    return Resource(data["apiVersion"], data["kind"], meta["name"], str(namespace), data, source, document)


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
    if is_nameless_operator(data):
        # the model's copy carries the name it has in the cluster; the document (what a fix edits) stays as written
        meta = {**(data.get("metadata") or {}), **operator_identity(data)}
        data = {**data, "metadata": meta}
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
                    admit: _Admission, timeout: float, deployed_by: tuple[str, ...] = (),
                    namespace_unknown: str | None = None) -> list[Resource]:
    """``namespace_unknown``: the install's ``-n`` word patcher cannot resolve; a resource rendered
    into the release's namespace (the template names none, or ``.Release.Namespace``) is unplaced."""
    overrides = workspace.texts_under(chart_prefixes(release))
    values = release_values(workspace, release, cache)
    key = render_key(release, overrides, values)
    rendered = cache.rendered(key, lambda: render(workspace.root, release, overrides, values, timeout))
    resources = []
    for rendered_file in rendered:
        lines = rendered_file.lines or (None,) * len(rendered_file.documents)
        for doc, line in zip(rendered_file.documents, lines):
            if not admit.named(rendered_file.template, doc, editable=False) or _is_test_hook(doc.data):
                continue
            source = Source(rendered_file.template, doc.index, False,
                            f"{release.name}/{release.namespace}", line=line, deployed_by=deployed_by)
            resource = _resource(doc, source, release.namespace)
            if namespace_unknown is not None and resource.namespace == release.namespace:
                resource = dataclasses.replace(resource, namespace=namespace_unknown, source=dataclasses.replace(
                    source, namespace_unknown=namespace_unknown))
            resources.append(resource)
    return resources


def render_key(release: Release, overrides: Mapping[str, str], values: Any) -> tuple:
    """What a render of ``release`` depends on (the chart's files on disk do not change during a run)."""
    return (release, tuple(sorted(overrides.items())), repr(values))


def release_values(workspace: Workspace, release: Release, cache: ParseCache) -> dict[str, Any] | None:
    """The values a release passes to Helm (its values files, then its inline values), merged."""
    merged: dict[str, Any] = {}
    for path in release.values:
        text = workspace.texts.get(path)
        if text is None:
            text = _read_values(workspace.root, path, release)
        docs = cache.documents(path, text)
        if docs and isinstance(docs[0].data, dict):
            merged = _deep_merge(merged, docs[0].data)
    if release.inline:
        at = release.inline_at
        docs = read_inline(release.inline, f"{release.declared_in} (helm values)", at,
                           _application_document(workspace, at, cache), cache.documents)
        if docs and isinstance(docs[0].data, dict):
            merged = _deep_merge(merged, docs[0].data)
    return merged or None


def _application_document(workspace: Workspace, at, cache: ParseCache):
    """The Application document whose inline values a release passes (for positions), if read."""
    text = workspace.texts.get(at.file) if at is not None else None
    docs = cache.documents(at.file, text) if text is not None else []
    return docs[at.doc] if at is not None and at.doc < len(docs) else None


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
    meta = data.get("metadata")  # an IstioOperator may have none
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return isinstance(annotations, dict) and "test" in str(annotations.get("helm.sh/hook", ""))
