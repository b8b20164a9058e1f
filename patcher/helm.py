"""Helm charts rendered by the real Helm engine (helm-python-sdk), offline.

Which release a chart becomes (name, namespace, values files) is read from the
repository: the settings file first, then the ``helm install|upgrade`` lines
of its scripts, else the chart's own name in the ``default`` namespace.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from patcher import helm_process
from patcher.chart_copy import LeftOut, copy_chart
from patcher.containment import inside
from patcher.deployed.charts import ChartGraph, archive_member, archive_name, template_file
from patcher.deployed.inline_values import InlineValues, inline_text, inline_values
from patcher.deployed.template_lines import start_lines
from patcher.entrypoints.records import ArgoSource, HelmInstall
from patcher.source import PatcherError
from patcher.yamlread import Document, read_documents
from patcher.scratch import directory as scratch_directory


@dataclass(frozen=True)
class Release:
    chart: str  # chart root, repository-relative
    name: str
    namespace: str
    values: tuple[str, ...] = ()  # repository-relative values files
    declared_in: str | None = None  # file:line that said so
    inline: str = ""  # values written in place (an Argo CD Application's helm.values), as YAML text
    inline_at: InlineValues | None = None  # where they are written, when a fix can edit them there
    # (path in the chart copy, repository chart folder): file:// dependencies, placed in charts/
    # as `helm dependency build` would
    linked: tuple[tuple[str, str], ...] = ()
    # (rendered prefix under the chart, repository path): where each dependency's templates are
    origins: tuple[tuple[str, str], ...] = ()
    # (rendered prefix, archive, chart folder): dependencies loaded from a packaged copy of a folder
    packed: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class RenderedFile:
    template: str  # repository-relative template path
    documents: tuple[Document, ...]
    lines: tuple[int | None, ...] = ()  # per document: the template line it starts at, when known


def _match_chart(chart_arg: str, script: str, charts: tuple[str, ...], graph: ChartGraph | None = None,
                 root: Path | None = None, cwd: str | None = None) -> str | None:
    """A chart argument as written in a script, resolved against the charts we know: by path
    (from the folder the command runs in), by folder name, by the name its Chart.yaml gives
    (``repo/NAME``), and a packaged archive of a chart folder by the name inside it."""
    arg = chart_arg.rstrip("/")
    script_dir = posixpath.dirname(script)
    candidates = _candidates(arg, script_dir, cwd)
    for normal in candidates:
        if normal in charts:
            return normal
    if graph is not None and arg.endswith((".tgz", ".tar.gz")):
        for normal in candidates:
            name = graph.archives.get(normal) or (archive_name(root, normal) if root is not None else "")
            named = graph.named(name)
            if len(named) == 1:
                return named[0]
        return None
    if "://" in arg:
        return None  # oci:// and other remote references are never a folder here
    tails = [c for c in charts if posixpath.basename(c) == posixpath.basename(arg)]
    if len(tails) == 1:
        return tails[0]
    named = graph.named(posixpath.basename(arg)) if graph is not None else ()
    return named[0] if len(named) == 1 and not tails else None


@dataclass(frozen=True)
class Declared:
    """A release some file of the repository declares (a script line, an Argo CD Application)."""

    chart: str  # repository-relative chart folder, already resolved
    name: str
    namespace: str | None
    values: tuple[str, ...]  # repository-relative values files
    where: str
    inline: str = ""
    inline_at: InlineValues | None = None


def releases_for(charts: tuple[str, ...], declared: list[Declared],
                 configured: list[dict[str, Any]], subcharts: frozenset[str] = frozenset()) -> list[Release]:
    """One release per chart: the settings first, then what the repository declares, else defaults.
    A chart another chart loads as a dependency (``subcharts``) gets no default release: Helm
    renders it with its parent."""
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
                                item.inline, item.inline_at))
        covered.add(item.chart)
    for chart in charts:
        if chart not in covered and chart not in subcharts:
            releases.append(Release(chart, posixpath.basename(chart if chart != "." else "chart"),
                                    "default"))
    return releases


def from_scripts(installs: list[HelmInstall], charts: tuple[str, ...],
                 exists: Callable[[str], bool], graph: ChartGraph | None = None,
                 root: Path | None = None) -> list[Declared]:
    out = []
    for install in installs:
        chart = _match_chart(install.chart, install.file, charts, graph, root, install.cwd)
        if chart is None:
            continue
        script_dir = posixpath.dirname(install.file)
        values = tuple(_resolve_file(v, script_dir, exists, install.cwd) for v in install.values)
        out.append(Declared(chart, install.release, install.namespace, values, f"{install.file}:{install.line}"))
    return out


def from_applications(sources: list[ArgoSource], charts: tuple[str, ...]) -> list[Declared]:
    """Argo CD Application sources whose path is a chart of this repository."""
    out = []
    for source in sources:
        path = source.path
        if path is None or path not in charts:
            continue
        helm = source.helm
        values = tuple(str(v) if "://" in str(v) else posixpath.normpath(posixpath.join(path, str(v)))
                       for v in helm.get("valueFiles") or ())
        out.append(Declared(path, str(helm.get("releaseName") or source.application), source.namespace, values,
                            source.where, inline_text(helm), inline_values(source)))
    return out


def _candidates(arg: str, script_dir: str, cwd: str | None) -> list[str]:
    """Where a relative path of a script may be: the folder the command runs in (a ``cd``), the
    repository root, the script's folder or its parent."""
    written = [arg, posixpath.join(script_dir, arg), posixpath.join(posixpath.dirname(script_dir), arg)]
    if cwd is not None and cwd != script_dir:  # the script moved (`cd`): its own folder is tried as before
        written.insert(0, posixpath.join(cwd, arg))
    return [posixpath.normpath(c) for c in written]


def _resolve_file(arg: str, script_dir: str, exists: Callable[[str], bool], cwd: str | None = None) -> str:
    """A path in a script: relative to the folder it runs in, the repository root, the script's
    folder or its parent (a URL stays as written)."""
    if "://" in arg:
        return arg
    candidates = _candidates(arg, script_dir, cwd)
    return next((c for c in candidates if exists(c)), candidates[0])


def missing_dependencies(root: Path, chart: str, timeout: float = helm_process.DEFAULT_TIMEOUT,
                         linked: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """Dependencies Chart.yaml declares that charts/ does not hold, once the file:// ones of this
    repository (``linked``) are in place (Helm itself refuses these)."""
    try:
        with scratch_directory("patcher-chart-") as tmp:
            copy = _copy(root, chart, Path(tmp), linked)
            answer = helm_process.request({"op": "dependencies", "chart": str(copy)}, chart, timeout)
    except PatcherError:
        return []  # loading alone cannot loop; the render reports what stopped the engine
    if not answer["ok"]:
        return []  # the render reports why the chart cannot load
    loaded = set(answer["loaded"])
    return sorted(str(d.get("name")) for d in answer["declared"]
                  if isinstance(d, dict) and d.get("name") not in loaded)


def left_out(root: Path, chart: str) -> list[LeftOut]:
    """What the copy Helm renders leaves out of the chart (see patcher.chart_copy)."""
    return copy_chart(root, chart, None)


def render(root: Path, release: Release, overrides: Mapping[str, str],
           values: dict[str, Any] | None, timeout: float = helm_process.DEFAULT_TIMEOUT) -> list[RenderedFile]:
    """Render one release; ``overrides`` are edited file texts not yet on disk."""
    pending = _pending(release, overrides)
    try:
        values = json.loads(json.dumps(values, default=_as_helm_reads))
    except (TypeError, ValueError) as exc:
        raise PatcherError(f"the chart's values cannot be passed to Helm: {exc}", release.chart + "/Chart.yaml",
                           hint="quote the value in the values file") from None
    request = {"op": "render", "values": values, "name": release.name, "namespace": release.namespace}
    with scratch_directory("patcher-chart-") as tmp:
        copy = _copy(root, release.chart, Path(tmp), release.linked)
        for rel, text in pending.items():
            target = inside(copy, rel)
            if target is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        answer = helm_process.request({**request, "chart": str(copy)}, release.chart, timeout)
        sources = _template_texts(copy, answer)
    if answer.get("limit") == "output":
        raise helm_process.output_limit_error(release.chart, answer["size"])
    if not answer["ok"]:
        text = answer["error"].replace(str(copy), str(root / release.chart))
        first = " ".join(s.strip() for s in text.strip().splitlines()[:3])
        raise PatcherError(f"Helm could not render the chart: {_shortened(first)}", release.chart + "/Chart.yaml",
                           hint="run `helm template` on the chart to see the full error")
    prefix = answer["prefix"]
    rendered = []
    for name, text in sorted(answer["output"].items()):
        if not name.endswith((".yaml", ".yml")) or not text.strip():
            continue
        rel = name[len(prefix):] if name.startswith(prefix) else name
        template = template_file(release.chart, rel, release.origins)
        source = sources.get(name)
        if source is None:
            template, source = _packed_template(root, release, rel, template, overrides)
        docs = tuple(d for d in read_documents(text, template) if d.data is not None)
        rendered.append(RenderedFile(template, docs, start_lines(source, [d.data for d in docs])))
    return rendered


def _packed_template(root: Path, release: Release, rel: str, template: str,
                     overrides: Mapping[str, str]) -> tuple[str, str | None]:
    """A template Helm rendered from a packaged dependency: located at the chart folder it is a
    copy of when that folder holds the same text (so its lines are right), else at the archive."""
    for prefix, archive, _folder in release.packed:
        if not rel.startswith(prefix + "/"):
            continue
        packed = archive_member(root, archive, rel[len(prefix) + 1:])
        on_disk = overrides.get(template)
        if on_disk is None:
            full = inside(root, template)
            try:
                on_disk = full.read_text(encoding="utf-8", errors="replace") if full and full.is_file() else None
            except OSError:
                on_disk = None
        if packed is not None and packed == on_disk:
            return template, packed
        return archive, None
    return template, None


def _template_texts(copy: Path, answer: Mapping[str, Any]) -> dict[str, str]:
    """The source text of each rendered template, read from the copy Helm rendered (edited texts
    included), so that its lines are those of the file on disk."""
    if not answer.get("ok"):
        return {}
    prefix, out = answer["prefix"], {}
    for name in answer["output"]:
        rel = name[len(prefix):] if name.startswith(prefix) else None
        target = inside(copy, rel) if rel else None
        if target is None or not target.is_file():
            continue  # inside a packaged dependency: its lines are not the repository's
        try:
            out[name] = target.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return out


def _pending(release: Release, overrides: Mapping[str, str]) -> dict[str, str]:
    """Edited texts by their path in the chart copy: the chart's own, and its file:// dependencies'."""
    places = [("", release.chart)] + [(inner + "/", folder) for inner, folder in release.linked]
    out: dict[str, str] = {}
    for inner, folder in places:
        prefix = folder.rstrip("/") + "/"
        out.update({inner + p[len(prefix):]: t for p, t in overrides.items() if p.startswith(prefix)})
    return out


def chart_prefixes(release: Release) -> tuple[str, ...]:
    """The repository folders whose files a render of the release reads."""
    return tuple(f.rstrip("/") + "/" for f in (release.chart, *(f for _, f in release.linked)))


def _as_helm_reads(value: Any) -> Any:
    """A YAML value JSON has no type for, as Helm reads it; a date is its text, as written."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} value (Helm would read its text, which patcher does not keep)")


def _shortened(message: str, most: int = 1000) -> str:
    """Helm's message, or where it starts and how it ends: a recursive ``include`` repeats
    its position once per level, thousands of times on one line."""
    if len(message) <= most:
        return message
    return f"{message[:most // 2 - 3]} ... {message[-(most // 2 - 2):]}"


def _copy(root: Path, chart: str, folder: Path, linked: tuple[tuple[str, str], ...] = ()) -> Path:
    """The chart as Helm may read it, under ``folder`` with the chart folder's own name, with its
    file:// dependencies of this repository in charts/ (what `helm dependency build` does)."""
    copy = folder / (Path(os.path.realpath(root / chart)).name or "chart")
    copy_chart(root, chart, copy)
    for inner, dependency in linked:
        target = inside(copy, inner)
        if target is not None and not target.exists():
            copy_chart(root, dependency, target)
    return copy
