"""Placing a change to a resource an Argo CD Application's inline Helm values configure.

The model reads such a resource from the YAML inside the Application's ``helm.values: |``
string (``Source.block``: where the string is; ``base``/``prefix``: which of the resource's
fields that YAML writes, and where). A change is placed as edits of that inner document, carried
by one EditInline (patcher.inline_yaml): the outer file changes only inside the block. A field
the values do not write (a default of the chart) has no place there and is refused.

A release of a chart in the repository whose Application sets a values key inline gets the
change there too (``inline_edits``), proven by rendering the chart with the edited Application.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from patcher.deployed.gateway_chart import is_gateway_chart
from patcher.data_path import value_at
from patcher.deployed.inline_values import InlineValues, inline_text, inline_values
from patcher.edits import Edit, EditInline, YamlPath
from patcher.place.resolve import find_resource
from patcher.place.result import Refused
from patcher.resources import Resource
from patcher.source import PatcherError
from patcher.yamlread import read_documents


def in_block(resource: Resource, path: YamlPath) -> YamlPath:
    """Where ``path`` of ``resource`` is in the document its values string holds."""
    src = resource.source
    base = tuple(src.base)
    rest = tuple(path)[len(base):]
    if src.prefix is None or tuple(path)[:len(base)] != base or (
            src.written is not None and rest and isinstance(rest[0], int) and rest[0] >= src.written):
        raise Refused(f"{'.'.join(map(str, path))} of {resource.ref} is not written in the inline values of "
                      f"{src.file}")
    return tuple(src.prefix) + rest


REMOTE = ("The gateway chart is not in this repository: the fix is proven on the Service patcher models "
          "from the chart's values contract, not by rendering the chart.")


def outside_note(model, target) -> str:
    """What a fix to a resource the model builds from the inline values (a ``helm.values`` string
    or ``valuesObject``) of the public gateway chart rests on: the chart is never rendered.
    "" for any other resource."""
    resource = find_resource(model, target)
    if resource is None:
        return ""
    src = resource.source
    written = src.block if src.block is not None else src.prefix
    if written is None:
        return ""
    for source in model.entry_points.applications:
        at = inline_values(source)
        if (at is not None and (at.file, at.doc) == (src.file, src.doc) and tuple(written[:len(at.path)]) == at.path
                and is_gateway_chart(source.chart, source.repo_url)):
            return REMOTE
    return ""


def inline_edits(release, key: tuple, ops, document_edit: Callable) -> tuple[Edit, ...]:
    """Edits setting values key ``key`` (``ops`` rooted there) where the release's Application
    writes it inline: a nested edit of ``valuesObject``, or an EditInline of the ``helm.values``
    string. patcher.place.helm_values proves them by rendering the chart with the edited values."""
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
    return (EditInline(at.file, at.doc, at.path, inner),)


def with_edited_inline(release, texts: Mapping[str, str | None]):
    """The release as the edited Application gives it: its inline values read from ``texts``."""
    at: InlineValues | None = release.inline_at
    if at is None or texts.get(at.file) is None:
        return release
    try:
        docs = read_documents(texts[at.file], at.file)
    except PatcherError as exc:
        raise Refused(f"the edited {at.file} does not parse: {exc.message}") from None
    helm = value_at(docs[at.doc].data, at.path[:-1]) if at.doc < len(docs) else None
    return dataclasses.replace(release, inline=inline_text(helm))


def _show(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(the root)"
