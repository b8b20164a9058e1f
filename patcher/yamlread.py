"""Fast reading of YAML for analysis: PyYAML's libyaml parser, positions kept.

Analysis never pays for a round-trip parse: documents are composed by the C
parser, constructed to plain data, and the composed node is kept so that a YAML
path can be turned into a line number when a finding is displayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from patcher.edits import YamlPath
from patcher.source import PatcherError
from patcher.yamlbounds import Budget, TooLarge

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """libyaml's loader, noting duplicate keys (Kubernetes and Helm keep the last)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep)
        if len(mapping) != len(node.value):  # only then can a key repeat: look closer
            seen = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        self.duplicates.append((key.value, key.start_mark.line + 1, key.start_mark.column + 1))
                    seen.add(key.value)
        return mapping


@dataclass(frozen=True)
class Document:
    index: int
    data: Any
    node: Any  # yaml.Node, for positions
    duplicates: tuple[tuple[str, int, int], ...] = ()  # (key, line, column) of repeated keys

    def line_of(self, path: YamlPath) -> tuple[int, int]:
        """1-based line and column of the node at ``path`` (or of its nearest parent)."""
        node = self.node
        for key in path:
            child = _child(node, key)
            if child is None:
                break
            node = child
        if node is None:
            return (1, 1)
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def key_position(self, path: YamlPath) -> tuple[int, int]:
        """Line and column of the key that holds the node at ``path`` (what a reader looks at)."""
        if not path:
            return self.line_of(())
        parent = self.node
        for key in path[:-1]:
            parent = _child(parent, key)
            if parent is None:
                return self.line_of(path)
        if isinstance(parent, yaml.MappingNode):
            for knode, _ in parent.value:
                if knode.value == path[-1]:
                    return (knode.start_mark.line + 1, knode.start_mark.column + 1)
        return self.line_of(path)


def _child(node: Any, key: str | int) -> Any:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        found = None
        for knode, vnode in node.value:
            if isinstance(knode, yaml.ScalarNode) and knode.value == key:
                found = vnode  # last one wins, as the constructor does
        return found
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int):
        return node.value[key] if 0 <= key < len(node.value) else None
    return None


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def read_documents(text: str, path: str) -> list[Document]:
    """All documents of a YAML stream; a syntax error, or a file too large or deep once its
    aliases are expanded (patcher.yamlbounds), names the file and line."""
    loader = _Loader(_strip_bom(text))
    docs: list[Document] = []
    budget = Budget(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            budget.spend(node)
            loader.duplicates = []
            data = loader.construct_document(node)
            docs.append(Document(len(docs), data, node, tuple(loader.duplicates)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint, message = "fix the YAML syntax", f"YAML syntax error: {problem}"
        line_text = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        if "\t" in line_text or "tab" in problem:
            hint = "YAML does not allow tabs for indentation; use spaces"
        elif "{{" in text:
            hint = ("the file has Go-template braces ({{ }}); a Helm template belongs in a chart's "
                    "templates/ folder, where patcher renders it with Helm")
        elif "unhashable key" in problem:  # valid YAML (`? [a]: b`), but no Kubernetes field has such a key
            message, hint = "a mapping key is itself a list or mapping: not analysed", "write the key as a string"
        raise PatcherError(message, path,
                           mark.line + 1 if mark else None,
                           mark.column + 1 if mark else None, hint) from None
    except TooLarge as exc:
        mark = exc.node.start_mark
        raise PatcherError(f"{exc.message}: not analysed", path, mark.line + 1, mark.column + 1,
                           hint=exc.hint) from None
    except yaml.YAMLError as exc:
        raise PatcherError(f"YAML error: {exc}", path, hint="fix the YAML") from None
    finally:
        loader.dispose()
    return docs
