"""What a change did to each resource of a file, in words, for a pull request's body.

YAML documents are matched by kind, namespace and name (not position, and not apiVersion, so an
API migration reads as a change) and compared with deepdiff; each difference becomes one sentence
with a kubectl-style path (``spec.http[2].timeout added: 30s``). List items are matched by name, or
by value when the list grew or shrank, so an item inserted in the middle is one addition rather than
every later item changed; a list of the same length whose items kept their places is compared by
position, so an edit in place (a port renamed) reads as a change. Anything that does not parse, or
is not YAML, is described line by line. Nothing raises: strange input falls back to the text.
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

import yaml
from deepdiff import DeepDiff
from deepdiff.helper import CannotCompare, notpresent

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DETAILS = 50
MAX_LINES = 10
WIDTH = 80
# Aliases can make a small text an exponentially large tree; past this many nodes the text is described.
_MAX_NODES = 200_000


@dataclass(frozen=True)
class ResourceChange:
    """One resource of a changed file, or the whole file when it is not read as YAML resources."""

    file: str  # repository-relative path
    resource: str  # "Kind namespace/name", "Kind name", "kind Cluster name", "document 3", "script" or "file"
    action: str  # "added", "removed" or "changed"
    details: tuple[str, ...]  # one sentence per difference, in path order


def describe(file: str, old: str | None, new: str | None) -> tuple[ResourceChange, ...]:
    """The changes from ``old`` to ``new`` (None: the file is absent), one per resource."""
    if old == new:
        return ()
    if file.lower().endswith((".yaml", ".yml")):
        try:
            changes = _describe_yaml(file, old, new)
        except Exception:  # any input the YAML path cannot take is still described, as text
            changes = None
        if changes is not None:
            return changes
    return (_describe_text(file, old, new),)


def summary_lines(changes: Iterable[ResourceChange]) -> list[str]:
    """Markdown bullets: one per resource, its details indented below it."""
    lines: list[str] = []
    for change in changes:
        head = f"- `{change.resource.replace('`', chr(39))}` ({change.file}) {change.action}"
        lines.append(head + ":" if change.details else head)
        lines += [f"  - {_markdown(detail)}" for detail in change.details]
    return lines


# --- YAML -------------------------------------------------------------------------------------


def _describe_yaml(file: str, old: str | None, new: str | None) -> tuple[ResourceChange, ...] | None:
    """None when the file is better described as text: no documents, or no change to the data."""
    before, after = _documents(old), _documents(new)
    if not before and not after:
        return None
    old_by_key = {key: doc for key, _, doc in before}
    new_keys = {key for key, _, _ in after}
    changes = []
    for key, position, doc in after:
        if key not in old_by_key:
            changes.append(ResourceChange(file, _label(key, position), "added", ()))
            continue
        details = _details(old_by_key[key], doc)
        if details:
            changes.append(ResourceChange(file, _label(key, position), "changed", _capped(details)))
    changes += [ResourceChange(file, _label(key, position), "removed", ())
                for key, position, _ in before if key not in new_keys]
    return tuple(changes) if changes else None


def _documents(text: str | None) -> list[tuple[tuple, int, Any]]:
    """(key, 1-based position, data) per non-empty document; a key repeated in a file gets a count."""
    if text is None:
        return []
    seen: Counter = Counter()
    unnamed = 0
    out = []
    for position, doc in enumerate(yaml.load_all(text, Loader=_LOADER), 1):
        if doc is None:
            continue
        _check_size(doc)
        identity = _identity(doc)
        if identity is None:
            key: tuple = ("", unnamed)
            unnamed += 1
        else:
            key = identity + (seen[identity],)
            seen[identity] += 1
        out.append((key, position, doc))
    return out


def _identity(doc: Any) -> tuple | None:
    """(kind, namespace, name), or None for a document matched by position."""
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
        return None
    api = doc.get("apiVersion")
    if doc["kind"] == "Cluster" and isinstance(api, str) and api.startswith("kind.x-k8s.io/"):
        return ("kind Cluster", None, _name(doc.get("name")) or "unnamed")
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict) or not _name(metadata.get("name")):
        return None
    return (doc["kind"], _name(metadata.get("namespace")), _name(metadata["name"]))


def _name(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


def _label(key: tuple, position: int) -> str:
    if key[0] == "":
        return f"document {position}"
    kind, namespace, name = key[:3]
    if kind == "kind Cluster":
        return f"kind Cluster {name}"
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _check_size(doc: Any) -> None:
    count, stack = 0, [doc]
    while stack:
        value = stack.pop()
        count += 1
        if count > _MAX_NODES:
            raise ValueError("document too large to compare")
        if isinstance(value, dict):
            stack += value.keys()
            stack += value.values()
        elif isinstance(value, list):
            stack += value


def _capped(details: list[str]) -> tuple[str, ...]:
    if len(details) <= MAX_DETAILS:
        return tuple(details)
    keep = MAX_DETAILS - 1
    return tuple(details[:keep]) + (f"… and {len(details) - keep} more changes",)


# --- deepdiff, in words -----------------------------------------------------------------------


def _details(old: Any, new: Any) -> list[str]:
    if _same(old, new):
        return []
    matcher = _Matcher()
    tree = DeepDiff(old, new, ignore_order=False, verbose_level=2, view="tree",
                    threshold_to_diff_deeper=0, iterable_compare_func=matcher)
    found = []
    for report, levels in tree.items():
        for level in levels:
            if report == "iterable_item_moved" and not matcher.moved(level):
                continue
            path = _path(level)
            found.append((tuple(_sort_part(part) for part in path), report, path, level))
    found.sort(key=lambda item: item[:2])
    return [sentence for _, report, path, level in found for sentence in _sentences(report, path, level)]


def _same(a: Any, b: Any) -> bool:
    """Equal, types included: deepdiff's verdict on unchanged documents without its cost for each."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(value, b[key]) for key, value in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _path(level: Any) -> list:
    """Keys and indexes into the new document; an index into the old one for what was removed."""
    path, step = [], level.all_up
    while step.down is not None:
        new_side = step.t2_child_rel
        use_new = new_side is not None and step.down.t2 is not notpresent
        path.append(new_side.param if use_new else step.t1_child_rel.param)
        step = step.down
    return path


def _sort_part(part: Any) -> tuple:
    return (0, part, "") if isinstance(part, int) and not isinstance(part, bool) else (1, 0, str(part))


def _sentences(report: str, path: list, level: Any) -> list[str]:
    where = _dotted(path) or "the document"
    old, new = level.t1, level.t2
    if report in ("dictionary_item_added", "iterable_item_added"):
        return [f"{where} added: {_flow(new)}"]
    if report in ("dictionary_item_removed", "iterable_item_removed"):
        return [f"{where} removed (was {_flow(old)})"]
    if report == "iterable_item_moved":
        before = _dotted(path[:-1] + [level.up.t1_child_rel.param])
        return [f"{before} moved to [{path[-1]}]"]
    if report == "type_changes" and _type_word(old) != _type_word(new):
        return [f"{where} changed from {_flow(old)} ({_type_word(old)}) to {_flow(new)} ({_type_word(new)})"]
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old.rstrip("\n") or "\n" in new.rstrip("\n")):
        return [f"{where} {line}" for line in _line_changes(old.splitlines(), new.splitlines())]
    return [f"{where} changed from {_flow(old)} to {_flow(new)}"]


class _Matcher:
    """deepdiff's ``iterable_compare_func``: pairs list items by name or value, or refuses (by position).

    By name when every item of both lists is a mapping with a unique ``name``, else by value when
    every item is unique; by position when the lists have the same length and no matched item moved.
    """

    def __init__(self) -> None:
        self._plans: dict[tuple[int, int], tuple] = {}

    def __call__(self, x: Any, y: Any, level: Any) -> bool:
        plan = self._plan(level.t1, level.t2)
        if plan is None:
            raise CannotCompare()
        return plan[0][id(x)] == plan[1][id(y)]

    def moved(self, level: Any) -> bool:
        """Whether an item deepdiff reports moved changed its order, not merely its index."""
        plan = self._plan(level.up.t1, level.up.t2)
        pair = (level.up.t1_child_rel.param, level.up.t2_child_rel.param)
        return plan is not None and pair in plan[2]

    def _plan(self, t1: list, t2: list) -> tuple | None:
        key = (id(t1), id(t2))
        if key not in self._plans:
            # the lists are kept with their plan so that their ids are not reused by others
            self._plans[key] = (t1, t2, _plan(t1, t2))
        return self._plans[key][2]


def _plan(t1: list, t2: list) -> tuple | None:
    keys1, keys2 = _names(t1), _names(t2)
    if keys1 is None or keys2 is None:
        keys1, keys2 = [_canonical(item) for item in t1], [_canonical(item) for item in t2]
    if len(set(keys1)) < len(keys1) or len(set(keys2)) < len(keys2):
        return None
    index2 = {key: j for j, key in enumerate(keys2)}
    pairs = [(i, index2[key]) for i, key in enumerate(keys1) if key in index2]
    shifted = any(i != j for i, j in pairs)
    if not pairs or (len(t1) == len(t2) and not shifted):
        return None
    return ({id(item): key for item, key in zip(t1, keys1)}, {id(item): key for item, key in zip(t2, keys2)},
            _out_of_order(pairs))


def _names(items: list) -> list | None:
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    return names if all(isinstance(name, str) for name in names) else None


def _canonical(item: Any) -> str:
    try:
        return json.dumps(item, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return repr(item)


def _out_of_order(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The pairs outside a longest run kept in order: those moved, not shifted by what came or went."""
    tails: list[int] = []
    tail_at: list[int] = []
    previous = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_at.append(n)
        else:
            tails[k], tail_at[k] = j, n
        previous[n] = tail_at[k - 1] if k else -1
    kept, n = set(), tail_at[-1] if tail_at else -1
    while n != -1:
        kept.add(n)
        n = previous[n]
    return {pair for n, pair in enumerate(pairs) if n not in kept}


# --- rendering --------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_PLAIN = re.compile(r"[A-Za-z0-9_./$~+=^-][^,\[\]{}#'\"]*")
_RESOLVER = yaml.resolver.Resolver()


def _dotted(path: list) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _IDENTIFIER.fullmatch(part):
            out += ("." if out else "") + part
        elif isinstance(part, str):
            out += "['" + _printable(part).replace("'", "''") + "']"
        else:
            out += f"[{_scalar(part)}]"
    return out


def _flow(value: Any) -> str:
    """Flow YAML on one line; beyond WIDTH, collections that no longer fit elided, then the text cut."""
    text = _render(value)
    if len(text) > WIDTH and isinstance(value, (dict, list)):
        text = _fit(value)
    return _short(text)


def _fit(value: dict | list) -> str:
    """Entries in full while they fit, the collections after that as {...} or [...]."""
    if isinstance(value, dict):
        entries = [(f"{_scalar(k)}: ", v) for k, v in value.items()]
    else:
        entries = [("", v) for v in value]
    parts, used = [], 2
    for prefix, item in entries:
        part = prefix + _render(item)
        if used + len(part) > WIDTH and isinstance(item, (dict, list)) and item:
            part = prefix + ("{...}" if isinstance(item, dict) else "[...]")
        parts.append(part)
        used += len(part) + 2
    return ("{%s}" if isinstance(value, dict) else "[%s]") % ", ".join(parts)


def _render(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        return _printable(str(value))
    if _plain(value):
        return value
    if value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def _plain(text: str) -> bool:
    """Whether ``text`` reads back as this string when written unquoted in flow YAML."""
    return (text == text.strip() and bool(_PLAIN.fullmatch(text)) and text.isprintable()
            and ": " not in text and " #" not in text and not text.endswith(":")
            and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str")


def _type_word(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    words = {str: "string", type(None): "null", dict: "mapping", list: "list", bytes: "binary"}
    return words.get(type(value), type(value).__name__)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _markdown(text: str) -> str:
    return re.sub(r"([\\`*_<>])", r"\\\1", text)


# --- text -------------------------------------------------------------------------------------


def _describe_text(file: str, old: str | None, new: str | None) -> ResourceChange:
    script = file.lower().endswith((".sh", ".bash")) or any(t is not None and t.startswith("#!") for t in (old, new))
    label = "script" if script else "file"
    if old is None or new is None:
        return ResourceChange(file, label, "added" if old is None else "removed", ())
    lines_old, lines_new = old.splitlines(), new.splitlines()
    if lines_old == lines_new:
        return ResourceChange(file, label, "changed", (_line_breaks(old, new),))
    return ResourceChange(file, label, "changed", tuple(_line_changes(lines_old, lines_new)))


def _line_changes(old: list[str], new: list[str]) -> list[str]:
    """Changed lines numbered as in the new text, removed ones as in the old."""
    lines = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        common = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(common):
            lines.append(_line_changed(j1 + k + 1, old[i1 + k], new[j1 + k]))
        lines += [f"line {k + 1} removed: {_line(old[k])}" for k in range(i1 + common, i2)]
        lines += [f"line {k + 1} added: {_line(new[k])}" for k in range(j1 + common, j2)]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"and {len(lines) - MAX_LINES} more lines changed"]
    return lines


def _line_changed(number: int, old: str, new: str) -> str:
    old, new = _printable(old.strip()), _printable(new.strip())
    if old == new:
        return f"line {number} changed (whitespace only)"
    if max(len(old), len(new)) > WIDTH:
        # long lines differ somewhere in the middle: start a little before where they part
        start = max(0, len(_common_prefix(old, new)) - 20)
        if start:
            old, new = "…" + old[start:], "…" + new[start:]
    return f"line {number} changed: {_short(old) or '(blank)'} -> {_short(new) or '(blank)'}"


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _line(text: str) -> str:
    text = _printable(text.strip())
    return _short(text) if text else "(blank)"


def _short(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _line_breaks(old: str, new: str) -> str:
    """The change when only line breaks differ."""
    def ending(text: str) -> str:
        return "CRLF" if "\r\n" in text else "CR" if "\r" in text else "LF"
    if ending(old) != ending(new):
        return f"line endings changed from {ending(old)} to {ending(new)}"
    if old.endswith(("\n", "\r")) != new.endswith(("\n", "\r")):
        return "newline at end of file " + ("added" if new.endswith(("\n", "\r")) else "removed")
    return "line breaks changed"
