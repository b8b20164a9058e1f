"""Where an Argo CD source's inline Helm values are written: provenance for placement.

Argo CD passes ``helm.valuesObject`` (a mapping of the Application) or else ``helm.values`` (a
YAML document inside a string) to Helm after the values files. A fix to a key they set goes
into them: an ordinary nested edit of the mapping, or an edit of the document the string holds
(patcher.edits.EditInline). Only an Application written as a document of the repository has
such a place; one an ApplicationSet generates is its template's text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from patcher.data_path import value_at
from patcher.entrypoints.records import ArgoSource
from patcher.source import PatcherError


@dataclass(frozen=True)
class InlineValues:
    file: str
    doc: int
    path: tuple  # the values node in the Application document: helm.valuesObject or helm.values
    embedded: bool  # helm.values: a YAML document inside a string

    @property
    def shown(self) -> str:
        return ".".join(str(p) for p in self.path)


def inline_values(source: ArgoSource) -> InlineValues | None:
    """Where the values Argo CD passes inline are written (valuesObject wins, as in Argo CD)."""
    helm = source.helm
    if source.at is None:
        return None
    if isinstance(helm.get("valuesObject"), dict):
        return InlineValues(source.file, source.doc, tuple(source.at) + ("helm", "valuesObject"), False)
    if isinstance(helm.get("values"), str):
        return InlineValues(source.file, source.doc, tuple(source.at) + ("helm", "values"), True)
    return None


def inline_text(helm: Any) -> str:
    """The inline values of a source's helm block, as the YAML text Helm is given ("" for none)."""
    if not isinstance(helm, dict):
        return ""
    if isinstance(helm.get("valuesObject"), dict):
        return json.dumps(helm["valuesObject"])  # JSON is YAML; valuesObject wins, as in Argo CD
    return helm["values"] if isinstance(helm.get("values"), str) else ""


def read_inline(text: str, name: str, at: InlineValues | None, outer, parse) -> list:
    """The documents of a release's inline values (``parse(name, text)``); an error in a
    ``helm.values`` string is given at its line in the Application's file (``outer``: the
    Application's parsed document, when known)."""
    try:
        return parse(name, text)
    except PatcherError as exc:
        if at is None or not at.embedded or outer is None or exc.line is None:
            raise
        line = outer.line_of(at.path)[0]
        raise PatcherError(f"the Helm values written in {at.shown} do not parse: {exc.message}", at.file,
                           line + exc.line, None, exc.hint) from None
