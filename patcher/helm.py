"""Helm charts rendered by the real Helm engine (helm-python-sdk), offline.

Which release a chart becomes (name, namespace, values files) is read from the
repository: the settings file first, then the ``helm install|upgrade`` lines
of its scripts, else the chart's own name in the ``default`` namespace.
"""

from __future__ import annotations

import json
import posixpath
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from patcher.scripts import HelmInstall
from patcher.source import PatcherError
from patcher.yamlread import Document, read_documents


@dataclass(frozen=True)
class Release:
    chart: str  # chart root, repository-relative
    name: str
    namespace: str
    values: tuple[str, ...] = ()  # repository-relative values files
    declared_in: str | None = None  # file:line that said so
    inline: str = ""  # values written in place (an Argo CD Application's helm.values), as YAML text


@dataclass(frozen=True)
class RenderedFile:
    template: str  # repository-relative template path
    documents: tuple[Document, ...]


def _match_chart(chart_arg: str, script: str, charts: tuple[str, ...]) -> str | None:
    """A chart argument as written in a script, resolved against the charts we know."""
    arg = chart_arg.rstrip("/")
    script_dir = posixpath.dirname(script)
    candidates = [arg, posixpath.join(script_dir, arg), posixpath.join(posixpath.dirname(script_dir), arg)]
    for candidate in candidates:
        normal = posixpath.normpath(candidate)
        if normal in charts:
            return normal
    tails = [c for c in charts if posixpath.basename(c) == posixpath.basename(arg)]
    return tails[0] if len(tails) == 1 else None


@dataclass(frozen=True)
class Declared:
    """A release some file of the repository declares (a script line, an Argo CD Application)."""

    chart: str  # repository-relative chart folder, already resolved
    name: str
    namespace: str | None
    values: tuple[str, ...]  # repository-relative values files
    where: str
    inline: str = ""


def releases_for(charts: tuple[str, ...], declared: list[Declared],
                 configured: list[dict[str, Any]]) -> list[Release]:
    """One release per chart: the settings first, then what the repository declares, else defaults."""
    releases: list[Release] = []
    covered: set[str] = set()
    for entry in configured:
        chart = str(entry.get("chart", "")).rstrip("/")
        if chart not in charts:
            raise PatcherError(f"helm-releases names chart '{chart}', which is not a chart folder here",
                               ".patcher.yaml", hint="known charts: " + ", ".join(charts))
        releases.append(Release(chart, str(entry.get("name") or posixpath.basename(chart)),
                                str(entry.get("namespace") or "default"),
                                tuple(entry.get("values") or ()), ".patcher.yaml"))
        covered.add(chart)
    for item in declared:
        if item.chart in covered:
            continue
        releases.append(Release(item.chart, item.name, item.namespace or "default", item.values, item.where,
                                item.inline))
        covered.add(item.chart)
    for chart in charts:
        if chart not in covered:
            releases.append(Release(chart, posixpath.basename(chart if chart != "." else "chart"),
                                    "default"))
    return releases


def from_scripts(installs: list[HelmInstall], charts: tuple[str, ...],
                 exists: Callable[[str], bool]) -> list[Declared]:
    out = []
    for install in installs:
        chart = _match_chart(install.chart, install.file, charts)
        if chart is None:
            continue
        script_dir = posixpath.dirname(install.file)
        values = tuple(_resolve_file(v, script_dir, exists) for v in install.values)
        out.append(Declared(chart, install.release, install.namespace, values, f"{install.file}:{install.line}"))
    return out


def from_applications(applications: list, charts: tuple[str, ...]) -> list[Declared]:
    """Argo CD Applications whose source path is a chart of this repository."""
    out = []
    for app in applications:
        spec = app.data.get("spec") or {}
        sources = spec.get("sources") or [spec.get("source") or {}]
        namespace = (spec.get("destination") or {}).get("namespace")
        for source in sources:
            if not isinstance(source, dict) or not source.get("path"):
                continue
            path = posixpath.normpath(str(source["path"]))
            if path not in charts:
                continue
            helm = source.get("helm") or {}
            values = tuple(str(v) if "://" in str(v) else posixpath.normpath(posixpath.join(path, str(v)))
                           for v in helm.get("valueFiles") or ())
            inline = helm.get("values") if isinstance(helm.get("values"), str) else ""
            if isinstance(helm.get("valuesObject"), dict):
                inline = json.dumps(helm["valuesObject"])  # JSON is YAML; valuesObject wins, as in Argo CD
            out.append(Declared(path, str(helm.get("releaseName") or app.name), namespace, values,
                                f"{app.source.file}: Application {app.name}", inline))
    return out


def _resolve_file(arg: str, script_dir: str, exists: Callable[[str], bool]) -> str:
    """A path in a script: relative to the repository root, the script's folder or its parent
    (a URL stays as written)."""
    if "://" in arg:
        return arg
    candidates = [posixpath.normpath(c) for c in
                  (arg, posixpath.join(script_dir, arg), posixpath.join(posixpath.dirname(script_dir), arg))]
    return next((c for c in candidates if exists(c)), candidates[0])


def missing_dependencies(chart_dir: Path) -> list[str]:
    """Dependencies Chart.yaml declares that charts/ does not hold (Helm itself refuses these)."""
    from helm_python.chart import Chart
    from helm_python.errors import HelmError

    try:
        with Chart.load(str(chart_dir)) as chart:
            declared = chart.metadata.get("dependencies") or []
            loaded = {d.get("name") for d in chart.dependencies}
    except HelmError:
        return []  # the render reports why the chart cannot load
    return sorted(str(d.get("name")) for d in declared
                  if isinstance(d, dict) and d.get("name") not in loaded)


def render(root: Path, release: Release, overrides: Mapping[str, str],
           values: dict[str, Any] | None) -> list[RenderedFile]:
    """Render one release; ``overrides`` are edited file texts not yet on disk."""
    from helm_python.chart import Chart
    from helm_python.errors import HelmError

    chart_dir = root / release.chart
    pending = {p: t for p, t in overrides.items() if p.startswith(release.chart.rstrip("/") + "/")}
    with tempfile.TemporaryDirectory(prefix="patcher-chart-") as tmp:
        if pending:
            copy = Path(tmp) / "chart"
            shutil.copytree(chart_dir, copy, symlinks=True)
            for path, text in pending.items():
                (copy / path[len(release.chart) + 1:]).write_text(text, encoding="utf-8")
            chart_dir = copy
        try:
            with Chart.load(str(chart_dir)) as chart:
                prefix = chart.name + "/"
                output = chart.render(values, name=release.name, namespace=release.namespace)
        except HelmError as exc:
            first = str(exc).strip().splitlines()
            raise PatcherError(f"Helm could not render the chart: {' '.join(s.strip() for s in first[:3])}",
                               release.chart + "/Chart.yaml",
                               hint="run `helm template` on the chart to see the full error") from None
    rendered = []
    for name, text in sorted(output.items()):
        if not name.endswith((".yaml", ".yml")) or not text.strip():
            continue
        rel = name[len(prefix):] if name.startswith(prefix) else name
        template = posixpath.normpath(posixpath.join(release.chart, rel))
        docs = tuple(d for d in read_documents(text, template) if d.data is not None)
        rendered.append(RenderedFile(template, docs))
    return rendered
