"""What a splice is, and what computing one needs to know of the document."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import yaml

from .errors import at_mark
from .layout import Layout, detect
from .tree import Node, is_block, node_end


@dataclass(frozen=True)
class Splice:
    """Replace ``text[start:end]`` with ``new``.

    ``reads_to``: the computation read the original text up to here, so a
    splice applied earlier must start at or after it. ``peek``: the line at
    ``reads_to`` was looked at only to see that it is not a comment (an
    inserted line keeps that true, nothing else does). ``scope``: ids of the
    collection inserted into and its ancestors; ``at_end``: the insertion
    follows the collection's last entry. Both order insertions at one point.
    """

    start: int
    end: int
    new: str
    reads_to: int
    peek: bool = False
    scope: tuple[int, ...] = ()
    at_end: bool = False

    @property
    def is_insertion(self) -> bool:
        return self.start == self.end

    def apply(self, text: str) -> str:
        return text[: self.start] + self.new + text[self.end :]


class Site:
    """The text and one document's root, with the document's layout detected once."""

    def __init__(self, text: str, root: Node):
        self.text = text
        self.root = root

    @cached_property
    def layout(self) -> Layout:
        return detect(self.root)


def replace(start: int, end: int, new: str) -> Splice:
    return Splice(start, end, new, end)


def colon_end(text: str, key: Node) -> int:
    colon = text.find(":", node_end(key, text))
    if colon < 0:
        raise at_mark("cannot find the ':' after this key", key.start_mark)
    return colon + 1


def owning_key(chain: list[Node], node: Node) -> Node | None:
    """The key of ``node`` when its parent is a block mapping."""
    if chain and isinstance(chain[-1], yaml.MappingNode) and is_block(chain[-1]):
        for key, value in chain[-1].value:
            if value is node:
                return key
    return None
