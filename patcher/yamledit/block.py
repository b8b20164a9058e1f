"""Editing a YAML document held in a literal block scalar (``values: |``), in place.

An Argo CD Application's ``helm.values`` is a YAML document inside a YAML string. The inner
document is edited as any file is (apply_yaml_edits: byte-minimal, verified), then written
back into the block line by line: every line the inner edit left alone keeps its bytes
(trailing spaces, blank lines, comments), a new line takes the block's indentation, and the
header (``|``, ``|-``, ``|+``, an indentation indicator, a comment after it) and everything
outside the block stay as they are. The result is read back: the block must hold exactly the
edited text, in the same style, else YamlEditError and nothing is returned.

Folded (``>``) and quoted strings are refused: their line breaks are not the inner text's.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import yaml

from patcher.edits import YamlEdit, YamlPath

from .apply import apply_yaml_edits
from .errors import YamlEditError, at_mark
from .textio import next_line, unwrap, wrap
from .tree import compose, document, walk


def block_text(text: str, doc: int, path: YamlPath) -> str:
    """The inner text of the literal block scalar at ``path`` (LF line ends)."""
    body, _ = unwrap(text)
    return _Block.at(body, doc, path).value


def edit_block(text: str, doc: int, path: YamlPath, edits: Sequence[YamlEdit]) -> str:
    """``text`` with ``edits`` (addressing the inner document) applied inside the block at ``path``."""
    body, envelope = unwrap(text)
    block = _Block.at(body, doc, path)
    new_value = apply_yaml_edits(block.value, edits)
    new_body = block.written(new_value)
    after = _Block.at(new_body, doc, path)
    if after.node.style != block.node.style or after.value != new_value:
        raise at_mark("the edited block scalar would not read back as the edited values", block.node.start_mark)
    return wrap(new_body, envelope)


class _Block:
    """A literal block scalar: its content lines as written, and the indentation they share."""

    def __init__(self, text: str, node: yaml.ScalarNode) -> None:
        self.text, self.node = text, node
        self.value: str = node.value
        self.start = next_line(text, node.start_mark.index)  # the first content line
        end = node.end_mark.index
        content = text[self.start:end] if self.start < end else ""
        lines = content.split("\n")
        if content.endswith("\n"):
            lines.pop()
        self.lines = lines
        self.indent = self._indent()
        decoded = [self._decode(line) for line in lines]
        while decoded and decoded[-1] == "":
            decoded.pop()
        self.core = decoded  # the content lines up to the last one with text
        joined = "\n".join(decoded)
        if not (self.value.startswith(joined) and set(self.value[len(joined):]) <= {"\n"}):
            raise at_mark("block scalar not understood: its lines do not give its value", node.start_mark)
        self.suffix = self.value[len(joined):]

    @classmethod
    def at(cls, text: str, doc: int, path: YamlPath) -> "_Block":
        roots = compose(text)
        root = document(roots, doc)
        node, _ = walk(root, tuple(path))
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise at_mark(f"{_show(path)} is not a string holding YAML", node.start_mark)
        if node.style == ">":
            raise at_mark(f"{_show(path)} is a folded block (>): its line breaks are not the text's; not edited",
                          node.start_mark)
        if node.style != "|":
            raise at_mark(f"{_show(path)} is a quoted or plain string, not a literal block (|); not edited",
                          node.start_mark)
        return cls(text, node)

    def _indent(self) -> int:
        """The content indentation: what the first line with text has more than its value's line."""
        values = self.value.split("\n")
        for raw, value in zip(self.lines, values):
            if value.strip(" "):
                return len(raw) - len(value)
        return max((len(line) for line in self.lines), default=0) + 2  # no text yet: deeper than anything

    def _decode(self, line: str) -> str:
        if not line.strip(" ") and len(line) <= self.indent:
            return ""
        if line[:self.indent].strip(" "):
            raise at_mark("block scalar not understood: a line is indented less than its content",
                          self.node.start_mark)
        return line[self.indent:]

    def written(self, new_value: str) -> str:
        """The outer text with the block holding ``new_value``: unchanged lines copied, new ones indented."""
        core = new_value.rstrip("\n")
        if new_value[len(core):] != self.suffix:
            raise at_mark("the edit would change the block's final line breaks (its chomping)", self.node.start_mark)
        new_lines = core.split("\n") if core else []
        if self.lines and not self.core:
            raise at_mark("the block holds no text to edit", self.node.start_mark)
        out: list[str] = []
        matcher = difflib.SequenceMatcher(a=self.core, b=new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                out += self.lines[i1:i2]
            else:
                out += [" " * self.indent + line if line else "" for line in new_lines[j1:j2]]
        end = self.start + sum(len(line) + 1 for line in self.lines[:len(self.core)])
        written = "\n".join(out) + "\n" if out else ""
        if end > len(self.text):  # the last content line ends the file, without a line end
            written = written[:-1]
            end = len(self.text)
        return self.text[:self.start] + written + self.text[end:]


def _show(path: YamlPath) -> str:
    return ".".join(str(p) for p in path) or "(the document)"
