"""Composed YAML documents with source positions, and finding nodes by path.

libyaml's composer is used because its document numbering is, by definition,
the numbering ``yaml.CSafeLoader`` gives, and its marks are character indices
into the text we splice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import yaml

from patcher.yamlbounds import Budget, TooLarge

from .errors import YamlEditError, at_mark

Node = yaml.Node
PathElem = Union[str, int]


@dataclass(frozen=True)
class Document:
    """One document: its root node and where its text begins."""

    root: Node
    start: int  # index of `---` when explicit, else of the first token
    explicit: bool


def _parse_error(exc: yaml.YAMLError) -> YamlEditError:
    return at_mark(f"file does not parse as YAML: {exc}", getattr(exc, "problem_mark", None))


def compose(text: str) -> list[Node]:
    """Root nodes, one per document; a text past patcher.yamlbounds' bounds is not edited (the
    checks that follow walk its data as a tree)."""
    budget = Budget(text)
    roots = []
    try:
        for root in yaml.compose_all(text, Loader=yaml.CSafeLoader):
            budget.spend(root)
            roots.append(root)
    except yaml.YAMLError as exc:
        raise _parse_error(exc) from exc
    except TooLarge as exc:
        raise at_mark(exc.message, exc.node.start_mark) from None
    return roots


def documents(text: str) -> list[Document]:
    """Root nodes and where each document starts (a second parse, so only when needed)."""
    roots = compose(text)
    try:
        starts = [
            (e.start_mark.index, e.explicit)
            for e in yaml.parse(text, Loader=yaml.CSafeLoader)
            if isinstance(e, yaml.DocumentStartEvent)
        ]
    except yaml.YAMLError as exc:
        raise _parse_error(exc) from exc
    return [Document(r, s, e) for r, (s, e) in zip(roots, starts)]


def construct(node: Node) -> Any:
    """Plain data of a composed document. Merge keys are flattened in place, so
    with `<<` in the text construct a fresh tree, not one still to be spliced."""
    return yaml.constructor.SafeConstructor().construct_document(node)


def has_merge_keys(text: str) -> bool:
    return "<<" in text


def content(text: str, root: Node) -> str:
    return text[root.start_mark.index : root.end_mark.index]


def is_block(node: Node) -> bool:
    return isinstance(node, yaml.CollectionNode) and not node.flow_style


def is_empty_plain(node: Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == "" and not node.style


def node_end(node: Node, text: str) -> int:
    """Index just past the node's last character of content.

    A block collection's own end mark sits at the next token, after any
    comments and blank lines; block scalars' marks include trailing blank
    lines. Neither is part of the node for splicing purposes.
    """
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("|", ">"):
            span = text[node.start_mark.index : node.end_mark.index]
            return node.start_mark.index + len(span.rstrip())
        return node.end_mark.index
    if node.flow_style or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    if isinstance(last, tuple):
        key, value = last
        return max(node_end(key, text), node_end(value, text))
    return node_end(last, text)


def key_value(node: Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        # A fresh constructor each time: it caches every node it has seen.
        return yaml.constructor.SafeConstructor().construct_object(node)
    return None  # complex keys are never addressed by a path


def find_key(mapping: Node, key: PathElem) -> int | None:
    """Index of the pair whose key equals ``key`` (last one wins, as in loading)."""
    found = None
    for i, (k, _) in enumerate(mapping.value):
        kv = key_value(k)
        if kv == key and type(kv) is type(key):
            found = i
    return found


def walk(root: Node, path: tuple[PathElem, ...]) -> tuple[Node, list[Node]]:
    """The node at ``path`` and the chain of its ancestors (root first)."""
    node, chain = root, []
    for depth, elem in enumerate(path):
        chain.append(node)
        if isinstance(node, yaml.MappingNode):
            i = find_key(node, elem)
            if i is None:
                raise at_mark(f"path not found: key {elem!r} missing at {list(path[:depth])}", node.start_mark)
            node = node.value[i][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(elem, int) and not isinstance(elem, bool):
            if not 0 <= elem < len(node.value):
                raise at_mark(
                    f"path not found: index {elem} out of range ({len(node.value)} items) at {list(path[:depth])}",
                    node.start_mark,
                )
            node = node.value[elem]
        else:
            raise at_mark(f"path not found: {elem!r} does not address a child of a {node.id}", node.start_mark)
    return node, chain


def in_flow(chain: list[Node]) -> bool:
    return any(isinstance(n, yaml.CollectionNode) and n.flow_style for n in chain)


def document(docs: list, index: int):
    if not 0 <= index < len(docs):
        raise YamlEditError(f"document {index} not found: the file has {len(docs)} document(s)")
    return docs[index]

