"""Which files and documents the repository's entry points deploy, and into which namespace.

A pure function of the entry-point records (patcher.entrypoints) and what the
repository holds. When the repository says how it is deployed, a document no
entry point reaches is not deployed; when an entry point names a path patcher
cannot resolve (a variable, a command substitution), it may be any folder, so
nothing is concluded from what seems unreached: everything counts as deployed.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from patcher.discover import ChartIndex
from patcher.entrypoints.records import Apply, ArgoSource, EntryPoints
from patcher.kustomize import Kustomization, closure
from patcher.source import Diagnostic

# what a shell, Make, go-task or PowerShell substitutes, or a glob the shell expands: the word may
# name any path of the repository
UNRESOLVED = re.compile(r"[$`*?\[]|\{\{|%[A-Za-z_]")
SETTINGS = ".patcher.yaml"


@dataclass(frozen=True)
class Deployer:
    """An entry point deploying a document: where it is written ("file:line", or
    "file: Application NAME"), and the namespace it gives documents that name none;
    ``unresolved``: that namespace is one patcher cannot resolve, as written ('$APP_NS')."""

    where: str
    namespace: str | None = None
    unresolved: str | None = None

    @property
    def namespace_unknown(self) -> bool:
        return self.unresolved is not None


@dataclass(frozen=True)
class DeployedSet:
    # (file, document index) -> its deployers, sorted by where
    documents: Mapping[tuple[str, int], tuple[Deployer, ...]] = field(default_factory=dict)
    installs: frozenset[str] = frozenset()  # where of each helm install and Argo CD source of a chart
    kind_configs: frozenset[str] | None = None  # kind config files a script creates a cluster from; None: all
    everything: bool = True  # nothing is concluded undeployed (no entry point, or one patcher cannot resolve)
    notes: tuple[Diagnostic, ...] = ()
    # kustomization root folder -> the entry points that build it (kubectl apply -k, an Application path)
    roots: Mapping[str, tuple[Deployer, ...]] = field(default_factory=dict)

    def deployers(self, file: str, doc: int) -> tuple[Deployer, ...]:
        return self.documents.get((file, doc), ())

    def deploys(self, file: str, doc: int) -> bool:
        return self.everything or (file, doc) in self.documents

    def release_deployers(self, declared_in: str | None) -> tuple[Deployer, ...]:
        """Who deploys a Helm release, by where it was declared (``Release.declared_in``):
        a script's install, an Argo CD Application, or the settings."""
        if declared_in is not None and (declared_in in self.installs or declared_in == SETTINGS):
            return (Deployer(declared_in),)
        return ()

    def release_deployed(self, declared_in: str | None) -> bool:
        return self.everything or bool(self.release_deployers(declared_in))

    def kind_config_used(self, file: str) -> bool:
        return self.kind_configs is None or file in self.kind_configs


def deployed_set(entry_points: EntryPoints, documents: Mapping[str, Sequence[Any]],
                 kustomizations: Sequence[Kustomization], charts: Sequence[str] = (),
                 kind_configs: Iterable[str] = ()) -> DeployedSet:
    """What ``entry_points`` deploy of the repository. ``documents`` maps each YAML file to its
    documents (anything with ``index`` and ``data``); ``charts`` are the chart folders."""
    reach = _Reach(documents, list(kustomizations), tuple(charts))
    for apply in entry_points.applies:
        reach.apply(apply)
    for source in entry_points.applications:
        reach.argo(source)
    installs = {f"{i.file}:{i.line}" for i in entry_points.helm}
    installs |= {s.where for s in entry_points.applications if s.path and reach.is_chart(s.path)}
    for install in entry_points.helm:
        if UNRESOLVED.search(install.chart):
            reach.unknown(install.file, install.line, install.chart, "installs a chart")
    for install in entry_points.istioctl:
        for path in install.files:
            if UNRESOLVED.search(path):
                reach.unknown(install.file, install.line, path, "installs an IstioOperator")
            else:
                where = f"{install.file}:{install.line}"
                for doc in documents.get(posixpath.normpath(path), ()):
                    if isinstance(doc.data, dict) and doc.data.get("kind") == "IstioOperator":
                        reach.add(path, doc.index, Deployer(where))
    kinds, kind_notes = _kind_configs(entry_points, frozenset(kind_configs))
    by_document = {key: tuple(sorted(set(found), key=lambda d: (d.where, d.namespace or "")))
                   for key, found in reach.found.items()}
    roots = {root: tuple(sorted(set(found), key=lambda d: (d.where, d.namespace or "")))
             for root, found in reach.roots.items()}
    return DeployedSet(by_document, frozenset(installs), kinds,
                       not entry_points.deploys or bool(reach.unknowns),
                       tuple(reach.unknowns) + tuple(reach.notes) + tuple(kind_notes), roots)


class _Reach:
    def __init__(self, documents: Mapping[str, Sequence[Any]], kustomizations: list[Kustomization],
                 charts: tuple[str, ...]) -> None:
        self.documents = documents
        self.kustomizations = kustomizations
        self.by_dir = {k.directory: k for k in kustomizations}
        self.charts = charts
        self.chart_set = frozenset(charts)
        self.chart_index = ChartIndex(charts)
        self.found: dict[tuple[str, int], list[Deployer]] = {}
        self.unknowns: list[Diagnostic] = []
        self.notes: list[Diagnostic] = []
        self.roots: dict[str, list[Deployer]] = {}

    def is_chart(self, path: str) -> bool:
        return _normal(path) in self.chart_set

    def add(self, file: str, index: int, deployer: Deployer) -> None:
        self.found.setdefault((file, index), []).append(deployer)

    def add_file(self, file: str, deployer: Deployer) -> None:
        for doc in self.documents.get(file, ()):
            self.add(file, doc.index, deployer)

    def unknown(self, file: str, line: int | None, path: str, what: str = "applies a path") -> None:
        where = f"{file}:{line}" if line else file
        if path == "-":
            said = f"{where} applies what it reads from standard input, which patcher cannot follow"
        else:
            said = f"{where} {what} patcher cannot resolve ('{path}')"
        self.unknowns.append(Diagnostic(
            file, f"{said}; every file is treated as deployed", line,
            hint="write the path out, or assign the variable in the script, to have what is not "
                 "deployed told apart", level="note"))

    def apply(self, apply: Apply) -> None:
        if apply.verb == "delete":
            return
        where = f"{apply.file}:{apply.line}"
        for word in apply.remote:
            # standard input may carry any file of the repository (envsubst < f | kubectl apply -f -)
            if "://" not in word and (word.strip() == "-" or UNRESOLVED.search(word)):
                self.unknown(apply.file, apply.line, word.strip())
        deployer = Deployer(where, apply.namespace, apply.unresolved_namespace)
        for path in apply.paths:
            if UNRESOLVED.search(path):
                self.unknown(apply.file, apply.line, path)
                continue
            path = _normal(path)
            if apply.kustomize:
                self.kustomization(path, deployer, where)
            elif path in self.documents:
                self.add_file(path, deployer)
            else:
                self.folder(path, deployer, apply.recursive)
                if path in self.by_dir:
                    # kubectl reads every YAML file of the folder as a manifest: the kustomization
                    # fails to apply (it is no Kubernetes object), and patches go in as written
                    self.notes.append(Diagnostic(
                        apply.file, f"{where} applies folder '{path or '.'}' with -f, which holds a "
                        f"kustomization: kubectl applies its files as they are written and fails on "
                        f"{posixpath.basename(self.by_dir[path].file)}, which is no Kubernetes object",
                        apply.line, hint="use `kubectl apply -k` to build the kustomization",
                        level="warning"))

    def kustomization(self, path: str, deployer: Deployer, where: str) -> None:
        kust = self.by_dir.get(path)
        if kust is None:
            self.notes.append(Diagnostic(where.split(":")[0], f"{where} builds '{path or '.'}' with kustomize, "
                                         "which holds no kustomization patcher read: nothing of it is counted "
                                         "as deployed", _line(where), level="warning"))
            return
        self.roots.setdefault(path, []).append(deployer)
        for file, namespace in closure(kust, self.kustomizations).items():
            # the kustomization's own namespace wins over the one `-n` gives, known or not
            self.add_file(file, Deployer(deployer.where, namespace or deployer.namespace,
                                         None if namespace else deployer.unresolved))

    def folder(self, path: str, deployer: Deployer, recursive: bool,
               include: str = "", exclude: str = "") -> None:
        prefix = path + "/" if path else ""
        for file in self.documents:
            if not file.startswith(prefix) or self.chart_index.under_chart(file):
                continue  # a chart's files are templates and values, rendered by Helm, never applied
            rest = file[len(prefix):]
            if "/" in rest and not recursive:
                continue
            if include and not (_glob(rest, include) or _glob(posixpath.basename(rest), include)):
                continue
            if exclude and _glob(rest, exclude):
                continue
            self.add_file(file, deployer)

    def argo(self, source: ArgoSource) -> None:
        # the Application is itself an entry point: whoever bootstrapped Argo CD applied it
        if source.file in self.documents:
            self.add(source.file, source.doc, Deployer(source.where))
        if source.path is None:
            return  # a chart of a Helm repository, or another repository: not this one's files
        if UNRESOLVED.search(source.path):
            self.unknown(source.file, None, source.path, f"(Application {source.application}) deploys a path")
            return
        path = _normal(source.path)
        deployer = Deployer(source.where, source.namespace)
        if self.is_chart(path):
            return  # the chart's release (matched by declared_in) is what it deploys
        if path in self.by_dir:
            self.kustomization(path, deployer, source.where)
            return
        directory = source.directory or {}
        self.folder(path, deployer, bool(directory.get("recurse")),
                    str(directory.get("include") or ""), str(directory.get("exclude") or ""))


def _kind_configs(entry_points: EntryPoints, configs: frozenset[str]) -> tuple[frozenset[str] | None,
                                                                             list[Diagnostic]]:
    named = [k for k in entry_points.kind_clusters if k.config is not None]
    if not named:
        return None, []  # no script says which config it creates a cluster from: every one may be
    unresolved = [k for k in named if UNRESOLVED.search(k.config or "")]
    if unresolved:
        first = unresolved[0]
        return None, [Diagnostic(first.file, f"{first.file}:{first.line} creates a kind cluster from a config "
                                 f"patcher cannot resolve ('{first.config}'); every kind config is treated as used",
                                 first.line, level="note")]
    used = frozenset(_normal(k.config or "") for k in named)
    unused = sorted(configs - used)
    if not unused:
        return used, []
    return used, [Diagnostic(unused[0], f"kind config(s) no `kind create cluster --config` uses, not analysed: "
                             f"{', '.join(unused)}", level="note")]


def _glob(path: str, pattern: str) -> bool:
    """Argo CD's include/exclude: a glob, or several in braces ("{a.yaml,b/*}")."""
    patterns = pattern[1:-1].split(",") if pattern.startswith("{") and pattern.endswith("}") else [pattern]
    return any(fnmatch.fnmatchcase(path, p.strip()) for p in patterns if p.strip())


def _normal(path: str) -> str:
    normal = posixpath.normpath(path.strip())
    return "" if normal == "." else normal


def _line(where: str) -> int | None:
    tail = where.rpartition(":")[2]
    return int(tail) if tail.isdigit() else None
