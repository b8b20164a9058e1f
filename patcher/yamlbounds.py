"""How much work one YAML file may cost: a bound on its size once aliases are expanded,
and on how deeply its collections nest.

Everything after parsing walks plain data as if it were a tree: the check that a
fix changed only what it declared, deepdiff, deepcopy, schema validation, JSON
output. An alias is a shared object in that data, so nine lines of ``&a [*a, *a,
...]`` ("billion laughs") become 9^9 nodes to each of those walks, and an alias to
its own collection makes them loop. Nesting is bounded by libyaml at 1000 levels,
but the walks recurse, and 500 levels is already past Python's recursion limit.

So a file is measured once, when it is composed, over its node graph (shared
nodes counted once, in time linear in the text) and refused when it is past a
bound. Real manifests are far inside both: the deepest known (a CRD embedding
Istio's DestinationRule schema) nests about 30 levels, and a 5 MB manifest holds a
few hundred thousand nodes.
"""

from __future__ import annotations

import yaml

MAX_NODES = 1_000_000  # nodes of a file, every alias expanded
MAX_DEPTH = 100  # collections nested in one another

_SCALAR = yaml.ScalarNode
_MAPPING = yaml.MappingNode


class TooLarge(Exception):
    """A file past a bound; ``node`` is where (its start mark gives the line)."""

    def __init__(self, message: str, node: yaml.Node, hint: str) -> None:
        super().__init__(message)
        self.message, self.node, self.hint = message, node, hint


_ALIASES = "write the values out instead of repeating aliases, or split the file"
_NESTING = f"no Kubernetes manifest nests this deep; flatten it (patcher reads up to {MAX_DEPTH} levels)"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if node.__class__ is _MAPPING:
        return [n for pair in node.value for n in pair]
    return node.value


class Budget:
    """The nodes a file's documents have used so far (each document measured as it is composed)."""

    def __init__(self, text: str) -> None:
        self.used = 0
        # an alias needs an anchor: without `&` the graph is a tree, measured by a cheaper walk
        self.tree = "&" not in text

    def spend(self, root: yaml.Node | None) -> None:
        """Raise TooLarge when ``root``'s document nests too deeply, refers to itself, or
        takes the file past MAX_NODES."""
        if root is not None:
            self.used += (_measure_tree if self.tree else _measure)(root, MAX_NODES - self.used)


def _measure_tree(root: yaml.Node, budget: int) -> int:
    """Nodes of a document with no aliases, level by level; each child is counted by its parent."""
    total, depth = 1, 1
    level = [root] if root.__class__ is not _SCALAR else []
    while level:
        if depth > MAX_DEPTH:
            raise TooLarge(f"collections nest more than {MAX_DEPTH} levels deep", level[0], _NESTING)
        below: list[yaml.Node] = []
        for node in level:
            if node.__class__ is _MAPPING:
                total += 2 * len(node.value)
                for key, value in node.value:
                    if key.__class__ is not _SCALAR:
                        below.append(key)
                    if value.__class__ is not _SCALAR:
                        below.append(value)
            else:
                total += len(node.value)
                below += [item for item in node.value if item.__class__ is not _SCALAR]
        level, depth = below, depth + 1
    if total > budget:
        raise TooLarge(f"the file holds more than {MAX_NODES:,} YAML nodes", root,
                       "split the file; patcher reads up to that many nodes in one file")
    return total


def _measure(root: yaml.Node, budget: int) -> int:
    """Nodes of the document under ``root``, aliases expanded; each node is visited once.

    An iterative depth-first walk, so that its own depth is no limit: entering a
    collection pushes its exit; leaving it sums what its children expand to.
    """
    if root.__class__ is _SCALAR:
        return 1
    size: dict[int, int] = {}  # collection id -> nodes it expands to, itself included
    height: dict[int, int] = {}  # collection id -> collections nested in it, itself included
    open_: set[int] = set()  # collections on the path from the root
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]  # (node, depth); a negative depth: leaving
    while stack:
        node, depth = stack.pop()
        key = id(node)
        children = _children(node)
        if depth < 0:
            open_.discard(key)
            total, tallest = 1, 0
            for child in children:
                if child.__class__ is _SCALAR:
                    total += 1
                else:
                    total += size[id(child)]
                    tallest = max(tallest, height[id(child)])
            if total > budget:
                raise TooLarge(f"the file holds more than {MAX_NODES:,} YAML nodes once its aliases are expanded "
                               "(an alias bomb?)", node, _ALIASES)
            size[key], height[key] = total, tallest + 1
            continue
        if key in size:  # an alias to a collection already measured
            if depth + height[key] - 1 > MAX_DEPTH:
                raise TooLarge(f"collections nest more than {MAX_DEPTH} levels deep (through an alias)", node, _NESTING)
            continue
        if key in open_:
            raise TooLarge("an alias refers to the collection it is in (the document never ends)", node,
                           "remove the alias, or point it at another collection")
        if depth > MAX_DEPTH:
            raise TooLarge(f"collections nest more than {MAX_DEPTH} levels deep", node, _NESTING)
        open_.add(key)
        stack.append((node, -depth))
        stack.extend((child, depth + 1) for child in children if child.__class__ is not _SCALAR)
    return size[id(root)]
