"""Charts installed from outside the repository: named once each, never analysed.

A ``helm install`` of ``repo/name`` or ``oci://...`` (or with ``--repo URL``), and an Argo CD
source with ``chart:``, deploy resources nobody can see without fetching the chart. patcher works
offline, so what they deploy is unknown: one note per install says so, naming the line, and
rules must not conclude anything from the absence of those resources.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from patcher.source import Diagnostic


def _where_from(chart: str, repo: str | None) -> tuple[str, str | None]:
    """(chart name, repository) of a chart reference as a helm command line writes it."""
    if repo:
        return chart, repo
    if chart.startswith("oci://"):
        base, _, name = chart.rpartition("/")
        return name, base
    if "://" in chart:
        return chart, None  # a URL to a packaged chart: the URL says it all
    if "/" in chart:
        alias, _, name = chart.partition("/")
        return name, alias
    return chart, None


def _sentence(name: str, repo: str | None, version: str | None) -> str:
    source = f" from {repo}" if repo else ""
    pinned = f"version {version}" if version else "version not pinned"
    return f"chart '{name}'{source} ({pinned}) is not in this repository: its resources are not analysed"


def install_notes(installs: Iterable[Any], local: Callable[[Any], bool]) -> list[Diagnostic]:
    """One note per ``helm install|upgrade`` line whose chart is not a chart of the repository
    (``local`` says which installs were matched to one)."""
    out = []
    for install in installs:
        if local(install):
            continue
        repo = getattr(install, "repo", None)
        if not repo and install.chart.startswith((".", "/")):
            out.append(Diagnostic(install.file, f"helm release '{install.release}' installs '{install.chart}', which is "
                                  "not a chart folder of this repository: not rendered, its resources are not analysed",
                                  install.line, level="note"))
            continue
        name, repo = _where_from(install.chart, repo)
        out.append(Diagnostic(install.file, _sentence(name, repo, getattr(install, "version", None)),
                              install.line, level="note"))
    return out


def application_notes(applications: Iterable[Any]) -> list[Diagnostic]:
    """One note per Argo CD Application source that names a ``chart`` of a Helm repository."""
    out = []
    for app in applications:
        spec = app.data.get("spec") if isinstance(app.data.get("spec"), dict) else {}
        many = isinstance(spec.get("sources"), list)
        sources = spec.get("sources") if many else [spec.get("source")]
        for index, source in enumerate(sources):
            if not isinstance(source, dict) or not source.get("chart"):
                continue
            path = ("spec", "sources", index, "chart") if many else ("spec", "source", "chart")
            line = app.document.key_position(path)[0] if app.source.editable else None
            revision = str(source.get("targetRevision") or "") or None
            repo = str(source.get("repoURL") or "") or None
            out.append(Diagnostic(app.source.file, _sentence(str(source["chart"]), repo, revision), line,
                                  level="note"))
    return out
