"""Placing a change to a resource an Argo CD Application's inline Helm values configure.

The model reads such a resource from the YAML inside the Application's ``helm.values: |``
string (``Source.block``: where the string is; ``base``/``prefix``: which of the resource's
fields that YAML writes, and where). A change is placed as edits of that inner document, carried
by one EditInline (patcher.inline_yaml): the outer file changes only inside the block. A field
the values do not write (a default of the chart) has no place there and is refused.
"""

from __future__ import annotations

from patcher.edits import YamlPath
from patcher.place.result import Refused
from patcher.resources import Resource


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
