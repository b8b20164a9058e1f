"""Argo CD Applications and ApplicationSets, as the sources they deploy.

A source whose ``path`` is a folder of this repository is taken as this
repository: its repoURL cannot be checked offline. An ApplicationSet's
Applications are known only for the generators whose parameters the repository
itself holds (a list, the git directories of this repository); the others
(clusters, matrix, SCM providers...) are named in a note.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Any, Mapping

from patcher.entrypoints.records import ArgoSource
from patcher.shapes import resource_problem
from patcher.source import Diagnostic
from patcher.yamlread import Document

KNOWN_GENERATORS = ("list", "git")


def argo_sources(documents: Mapping[str, list[Document]],
                 folders: frozenset[str]) -> tuple[list[ArgoSource], list[Diagnostic]]:
    sources: list[ArgoSource] = []
    notes: list[Diagnostic] = []
    for path in sorted(documents):
        for doc in documents[path]:
            data = doc.data
            if not (isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("argoproj.io/")):
                continue
            if data.get("kind") == "Application":
                if resource_problem(data, "Application"):
                    continue  # reported, and left out, when the model admits resources
                sources += _application(path, doc.index, data, folders, written=True)
            elif data.get("kind") == "ApplicationSet" and isinstance(data.get("spec"), dict):
                found, more = _application_set(path, doc, data, folders)
                sources += found
                notes += more
    urls = sorted({s.repo_url for s in sources if s.path is not None and s.repo_url})
    if len(urls) > 1:
        first = next(s for s in sources if s.path is not None)
        notes.append(Diagnostic(first.file, "Argo CD sources name several repositories ("
                                + ", ".join(urls) + "): each source whose path is a folder here is taken as "
                                "this repository (a repoURL cannot be checked offline)", level="note"))
    return sources, notes


def _application(file: str, index: int, data: Mapping[str, Any], folders: frozenset[str],
                 written: bool = False) -> list[ArgoSource]:
    """``written``: the Application is the document itself (not generated), so each source's
    path in it is recorded."""
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    name = str(metadata.get("name") or "")
    destination = spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
    namespace = destination.get("namespace")
    namespace = str(namespace) if isinstance(namespace, (str, int)) and namespace != "" else None
    several = isinstance(spec.get("sources"), list)
    listed = spec["sources"] if several else [spec.get("source")]
    out = []
    for number, source in enumerate(listed):
        if not isinstance(source, dict):
            continue
        path = None
        if isinstance(source.get("path"), str) and source["path"].strip():
            normal = posixpath.normpath(source["path"].strip().strip("/") or ".")
            path = normal if normal == "." or normal in folders else None
        chart = source.get("chart")
        out.append(ArgoSource(
            file, index, name, namespace, path, str(source.get("repoURL") or ""),
            str(chart) if isinstance(chart, str) and chart else None, str(source.get("targetRevision") or ""),
            _mapping(source.get("helm")), _mapping(source.get("kustomize")), _mapping(source.get("directory")),
            (("spec", "sources", number) if several else ("spec", "source")) if written else None))
    return out


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _application_set(file: str, doc: Document, data: Mapping[str, Any],
                     folders: frozenset[str]) -> tuple[list[ArgoSource], list[Diagnostic]]:
    spec = data["spec"]
    name = str((data.get("metadata") or {}).get("name") or "") if isinstance(data.get("metadata"), dict) else ""
    template = spec.get("template")
    line = doc.key_position(("spec", "generators"))[0]
    go = bool(spec.get("goTemplate"))
    generators = spec.get("generators") if isinstance(spec.get("generators"), list) else []
    if not isinstance(template, dict) or not generators:
        return [], [Diagnostic(file, f"ApplicationSet {name}: no template or generators, so the Applications it "
                                     "generates are not known", line, level="note")]
    out: list[ArgoSource] = []
    notes: list[Diagnostic] = []
    for generator in generators:
        kind = next(iter(generator), "?") if isinstance(generator, dict) and generator else "?"
        params = _parameters(generator, folders) if kind in KNOWN_GENERATORS else None
        if params is None:
            notes.append(Diagnostic(file, f"ApplicationSet {name}: the Applications its {kind} generator makes "
                                          "are not known (their parameters are not in this repository): not "
                                          "analysed", line, level="note"))
            continue
        for values in params:
            rendered = _render(template, values, go)
            if not isinstance(rendered, dict) or _unrendered(_identity(rendered)):
                notes.append(Diagnostic(file, f"ApplicationSet {name}: a template parameter is not known for "
                                              f"{_describe(values)}: that Application is not analysed",
                                        line, level="note"))
                continue
            app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **rendered}
            problem = resource_problem(app, "Application")
            if problem:
                notes.append(Diagnostic(file, f"ApplicationSet {name}: the Application for {_describe(values)} "
                                              f"is malformed ({problem.message}): not analysed", line,
                                        level="note"))
                continue
            out += _application(file, doc.index, app, folders)
    return out, notes


def _parameters(generator: Mapping[str, Any], folders: frozenset[str]) -> list[dict[str, Any]] | None:
    if isinstance(generator.get("list"), dict):
        elements = generator["list"].get("elements")
        if not isinstance(elements, list) or generator["list"].get("elementsYaml"):
            return None
        return [e for e in elements if isinstance(e, dict)]
    git = generator.get("git")
    if not isinstance(git, dict) or not isinstance(git.get("directories"), list) or git.get("files"):
        return None
    include, exclude = [], []
    for entry in git["directories"]:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            (exclude if entry.get("exclude") else include).append(entry["path"].strip("/"))
    matched = sorted(f for f in folders if f and any(_match(f, p) for p in include)
                     and not any(_match(f, p) for p in exclude))
    return [_path_params(f) for f in matched]


def _match(folder: str, pattern: str) -> bool:
    """Go's path.Match, as Argo CD matches directories: ``*`` stays within one folder name."""
    parts, wanted = folder.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted))


def _path_params(folder: str) -> dict[str, Any]:
    segments = folder.split("/")
    base = segments[-1]
    params: dict[str, Any] = {"path": folder, "path.path": folder, "path.basename": base,
                              "path.basenameNormalized": re.sub(r"[^a-z0-9-]", "-", base.lower()),
                              "path.segments": segments}
    params.update({f"path[{i}]": s for i, s in enumerate(segments)})
    return params


TEMPLATE = re.compile(r"\{\{\s*(?:index\s+\.path\.segments\s+(\d+)|\.?([A-Za-z_][\w.\-]*(?:\[\d+\])?))\s*\}\}")


def _render(value: Any, params: Mapping[str, Any], go: bool) -> Any:
    if isinstance(value, dict):
        return {k: _render(v, params, go) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, params, go) for v in value]
    if not isinstance(value, str):
        return value

    def repl(match: re.Match) -> str:
        if match.group(1) is not None:
            index = int(match.group(1))
            segments = params.get("path.segments") or []
            return segments[index] if index < len(segments) else match.group(0)
        key = match.group(2)
        found = params.get(key)
        if found is None and "." in key:
            found = _dig(params, key.split("."))
        return str(found) if isinstance(found, (str, int, float)) and not isinstance(found, bool) else match.group(0)
    return TEMPLATE.sub(repl, value)


def _dig(params: Mapping[str, Any], keys: list[str]) -> Any:
    node: Any = params
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _identity(app: Mapping[str, Any]) -> list[Any]:
    """What names an Application and what it deploys where; a ``{{`` elsewhere (inline Helm
    values) may be the chart's own template text."""
    spec = app.get("spec") if isinstance(app.get("spec"), dict) else {}
    sources = spec.get("sources") if isinstance(spec.get("sources"), list) else [spec.get("source")]
    return [(app.get("metadata") or {}).get("name") if isinstance(app.get("metadata"), dict) else None,
            spec.get("destination"),
            [{k: s.get(k) for k in ("path", "chart", "repoURL", "targetRevision")}
             for s in sources if isinstance(s, dict)]]


def _unrendered(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_unrendered(v) for v in value.values())
    if isinstance(value, list):
        return any(_unrendered(v) for v in value)
    return isinstance(value, str) and "{{" in value


def _describe(values: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in values.items() if isinstance(v, (str, int)) and not k.startswith(("path.", "path["))}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items())) or "a generated Application"
