"""Byte-faithful editing of YAML text: splice the addressed node, copy the rest."""

from .apply import apply_yaml_edits, read_roundtrip
from .errors import YamlEditError

__all__ = ["YamlEditError", "apply_yaml_edits", "read_roundtrip"]
