"""Applying EditInline (patcher.edits): a YAML document held in a YAML string, an Argo CD
Application's ``helm.values: |``, edited in place.

Helm values written inline in an Application are a document inside a block scalar. A fix to
what they configure edits that inner document byte-minimally (patcher.yamledit) and writes it
back with the block's indentation and style (patcher.yamledit.block): the outer file changes
only inside the block. ``valuesObject`` is YAML of the outer document itself, edited by the
ordinary edits (their paths run through it); it needs no edit of its own.
"""

from __future__ import annotations

from typing import Sequence

from patcher.edits import EditInline, YamlEdit, YamlPath
from patcher.source import PatcherError
from patcher.yamledit import YamlEditError
from patcher.yamledit.block import edit_block


def apply_inline(path: str, text: str, edits: Sequence[EditInline]) -> str:
    """``text`` with every inline edit applied, one block at a time; the edits of one block go
    in together, as edits of one file do."""
    blocks: dict[tuple[int, YamlPath], list[YamlEdit]] = {}
    for edit in edits:
        blocks.setdefault((edit.doc, tuple(edit.path)), []).extend(edit.edits)
    for (doc, block), inner in blocks.items():
        try:
            text = edit_block(text, doc, block, inner)
        except YamlEditError as exc:
            where = ".".join(str(p) for p in block)
            raise PatcherError(f"cannot edit the YAML held in {where}: {exc.message}", path, exc.line, exc.column,
                               "edit these values by hand, or report the file to patcher") from None
    return text
