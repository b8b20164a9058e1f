"""Changes placed in an Argo CD Application's inline Helm values.

A values key the Application sets inline (``helm.valuesObject``, or the YAML document inside
``helm.values: |``) is where the fix goes: the key the Application writes wins over every values
file. ``valuesObject`` is an ordinary nested edit of the Application; ``helm.values`` an edit of
the document the string holds (patcher.edits.EmbeddedEdit), written back at the block's own
indentation. An in-repository chart is then rendered again with the edited Application
(patcher.place.helm_values); the public gateway chart is not in the repository, so its Service
is rebuilt from the edited values as the model builds it, and the fix says so.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from patcher import edits as E
from patcher.deployed.inline_values import InlineValues, inline_text, inline_values, node_at
from patcher.deployed.ingress import gateway_service
from patcher.intent.apply import OpMismatch, apply_ops
from patcher.model import Model
from patcher.place.helm_render import read_text
from patcher.place.result import Refused
from patcher.resources import Resource
from patcher.source import PatcherError
from patcher.transform import apply_edits
from patcher.yamlread import read_documents

REMOTE = ("The gateway chart is not in this repository: the fix is proven on the Service patcher models "
          "from the chart's values contract, not by rendering the chart.")


def inline_edits(release, key: tuple, ops, document_edit: Callable) -> tuple[E.Edit, ...]:
    """Edits setting values key ``key`` (``ops`` rooted there) in the release's inline values."""
    at: InlineValues | None = release.inline_at
    if at is None:
        raise Refused(f"values key {_show(key)} is set in the inline values of {release.declared_in}, which are "
                      "generated (an ApplicationSet's template): change the template by hand")
    if at.embedded and "{{" in release.inline:
        raise Refused(f"values key {_show(key)} is set in the inline values of {release.declared_in}, which are "
                      "templated ({{ }}): what they become is not the text a fix could edit")
    if not at.embedded:
        return tuple(document_edit(at.file, at.doc, op, lambda p: at.path + key + tuple(p)) for op in ops)
    inner = tuple(document_edit(at.file, 0, op, lambda p: key + tuple(p)) for op in ops)
    return (E.EmbeddedEdit(at.file, at.doc, at.path, inner),)


def with_edited_inline(release, texts: Mapping[str, str | None]):
    """The release as the edited Application gives it: its inline values read from ``texts``."""
    at: InlineValues | None = release.inline_at
    if at is None or at.file not in texts or texts[at.file] is None:
        return release
    try:
        docs = read_documents(texts[at.file], at.file)
    except PatcherError as exc:
        raise Refused(f"the edited {at.file} does not parse: {exc.message}") from None
    helm = node_at(docs[at.doc].data, at.path[:-1]) if at.doc < len(docs) else None
    return dataclasses.replace(release, inline=inline_text(helm))


def place_in_block(model: Model, resource: Resource, ops, document_edit: Callable) -> tuple[E.Edit, ...]:
    """A change to the gateway Service an Application's ``helm.values`` string configures:
    edited inside that string, where the model read the field, and proven by rebuilding the
    Service from the edited Application."""
    src = resource.source
    source = next((s for s in model.entry_points.applications if s.file == src.file and s.doc == src.doc
                   and (at := inline_values(s)) is not None and at.path == src.embedded), None)
    if source is None:
        raise Refused(f"{resource.ref} is no longer declared by {src.declared_by}")

    def in_block(path):
        mapped = resource.file_path(tuple(path))
        if mapped is None:
            raise Refused(f"{_show(tuple(path))} of {resource.ref} is not written in the values of {source.where}")
        return mapped

    edit = E.EmbeddedEdit(src.file, src.doc, src.embedded,
                          tuple(document_edit(src.file, 0, op, in_block) for op in ops))
    try:
        expected = apply_ops(resource.data, ops)
        texts = apply_edits({}, (edit,), lambda p: _must_read(model, p))
        docs = read_documents(texts[src.file], src.file)
    except OpMismatch as exc:
        raise Refused(f"the change does not apply to {resource.ref}: {exc}") from None
    except PatcherError as exc:
        raise Refused(f"editing the values of {source.where} failed: {exc.message}") from None
    helm = node_at(docs[src.doc].data, src.embedded[:-1]) if src.doc < len(docs) else None
    rebuilt = gateway_service(dataclasses.replace(source, helm=dict(helm) if isinstance(helm, dict) else {}))
    if rebuilt != expected:
        raise Refused(f"the Service modelled from the edited values of {source.where} is not the fix")
    return (edit,)


def _must_read(model: Model, path: str) -> str:
    text = read_text(model, {}, path)
    if text is None:
        raise FileNotFoundError(path)
    return text


def _show(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(the root)"
