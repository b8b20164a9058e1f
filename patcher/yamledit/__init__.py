"""Byte-faithful editing of YAML text: splice the addressed node, copy the rest.

Choices worth knowing:
- Deleting an entry removes its lines (key through the end of its value, with
  a comment on those lines) and its own comment lines: those directly above
  it at its indentation. A comment separated by a blank line, indented
  otherwise, or heading the document is kept. Of two blank lines the entry
  sat between, one goes; a missing final newline stays missing.
- New keys and appended items go after the last entry's value and after any
  following comment lines indented at least as deep as the entries; a comment
  indented less belongs to what follows.
- Flow collections: scalars inside them can be set; an empty `{}`/`[]` under a
  block parent becomes a block when filled; adding to a non-empty one that is a
  block sequence item or block mapping value rewrites it (only it) as a block,
  its entries' text copied (flow.py). Adding to one nested in another flow
  collection, and deleting from a non-empty one, raise YamlEditError.
- Moving an entry (MoveKey) cuts the lines deleting it would take, blank
  lines aside, plus comment lines right after it indented deeper than its key,
  shifts them all by the column difference and inserts them where a new key
  would go; a missing target mapping is created at the end of its parent
  (move.py). Moves take the one-by-one path, those between the same two
  mappings as one step, so they keep their order.
- New strings are quoted as their siblings are: a string under key K takes
  the one quote style every scalar under K uses at the same place in the
  other items of the sequence (appended items) or of the nearest enclosing
  sequence (added keys); appended strings follow their sequence's items.
  Mixed styles, plain siblings or none leave the default emission, YAML 1.1
  guard included (quoting.py).
- Every call is verified: the result must read back as the old data plus
  exactly the declared changes, else YamlEditError and nothing is returned.
- A call parses the file once and splices every edit at the original marks
  (batch.py); edits that interact in ways only re-parsing reproduces are
  applied one by one instead, with the same output.
"""

from .apply import apply_yaml_edits, read_roundtrip
from .errors import YamlEditError

__all__ = ["YamlEditError", "apply_yaml_edits", "read_roundtrip"]
