"""Rendering a release again with other values or other chart files, for Helm placement.

Placement proves where a change lands by rendering, never by reading names: the release is
rendered with the repository's texts as they would be after the edits (values files, templates),
through the same engine and the same values merge the model uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from patcher.containment import boundary, readable_inside
from patcher.helm import Release, chart_prefixes, render
from patcher.durations import seconds
from patcher.helm_process import DEFAULT_TIMEOUT
from patcher.model import CLUSTER_SCOPED, Model, release_values, render_key
from patcher.place.result import Refused
from patcher.reading import read_regular
from patcher.resources import Resource
from patcher.source import PatcherError, decode

Identity = tuple[str, str, str, str]  # apiVersion, kind, namespace, name


@dataclass(frozen=True)
class Rendered:
    """One render of a release: every document's data by identity (a render giving two
    documents one identity is refused: a change could not say which it means). ``unstable``:
    the documents two renders of the same files give differently (generated certificates,
    random passwords), which no comparison can judge."""

    docs: Mapping[Identity, Any]
    unstable: frozenset = frozenset()


def release_of(model: Model, resource: Resource) -> Release | None:
    return next((r for r in model.releases if f"{r.name}/{r.namespace}" == resource.source.release), None)


def identity(data: Any, namespace: str) -> Identity | None:
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        return None
    meta = data["metadata"]
    kind = str(data.get("kind"))
    ns = "" if kind in CLUSTER_SCOPED else str(meta.get("namespace") or namespace)
    return (str(data.get("apiVersion")), kind, ns, str(meta.get("name")))


def read_text(model: Model, texts: Mapping[str, str], path: str) -> str | None:
    """A repository file as the edits leave it: the edited text, the workspace's, else the disk's."""
    if path in texts:
        return texts[path]
    if path in model.workspace.texts:
        return model.workspace.texts[path]
    full = readable_inside(boundary(model.root), str(model.root / path))
    if full is None or not os.path.isfile(full):
        return None
    try:
        return decode(read_regular(full, path), path)
    except (OSError, PatcherError):
        return None


def render_release(model: Model, release: Release, texts: Mapping[str, str] | None = None,
                   values: dict[str, Any] | None = None, again: bool = False) -> Rendered:
    """The release rendered with ``texts`` (edited files) over the workspace's; ``values``
    replaces the values the release passes (a probe). Raises Refused when Helm cannot render.
    Renders are kept in the run's cache by their inputs; ``again``: a second render of the same
    inputs, kept apart (it tells what a chart renders differently every time)."""
    workspace = model.workspace.with_texts({**model.workspace.texts, **texts}) if texts else model.workspace
    overrides = workspace.texts_under(chart_prefixes(release))
    timeout = seconds(str(model.config["helm-timeout"])) or DEFAULT_TIMEOUT
    try:
        if values is None:
            values = release_values(workspace, release, model.cache)
        key = render_key(release, overrides, values) + (("again",) if again else ())
        files = model.cache.rendered(key, lambda: render(model.root, release, overrides, values, timeout))
    except PatcherError as exc:
        raise Refused(f"rendering release {release.name}/{release.namespace} again failed: {exc.message}") from None
    docs: dict[Identity, Any] = {}
    for rendered in files:
        for doc in rendered.documents:
            key = identity(doc.data, release.namespace)
            if key is None:
                continue
            if key in docs:
                raise Refused(f"release {release.name}/{release.namespace} renders {key[1]} {key[2]}/{key[3]} twice")
            docs[key] = doc.data
    return Rendered(docs)


def stable_render(model: Model, release: Release) -> Rendered:
    """The release as it is, rendered twice to tell which documents change by themselves."""
    first, second = render_release(model, release), render_release(model, release, again=True)
    unstable = frozenset(k for k in set(first.docs) | set(second.docs) if first.docs.get(k) != second.docs.get(k))
    return Rendered(first.docs, unstable)


def differs_only_in(before: Rendered, after: Rendered, target: Identity, expected: Any) -> str:
    """Why ``after`` is not ``before`` with only the target changed to ``expected`` ("" when it is)."""
    got = after.docs.get(target)
    if got != expected:
        return f"{target[1]} {target[2]}/{target[3]} does not render as the fix wants"
    changed = sorted(k for k in set(before.docs) | set(after.docs)
                     if k != target and k not in before.unstable and before.docs.get(k) != after.docs.get(k))
    if changed:
        shown = ", ".join(f"{k[1]} {k[2]}/{k[3]}" for k in changed)
        return f"it also changes {shown}"
    return ""
