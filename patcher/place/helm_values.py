"""A change to a Helm-rendered resource, placed in the values of the release that renders it.

Which values key carries a field is found by rendering, not from names: every values node
equal to the rendered field (or to a mapping or list holding it) is a candidate, and the
release is rendered with that node changed as the fix changes the field (the probe). The key
whose probe renders the resource exactly as the fix wants, and every other resource of the
release as before, is the one; a key that also changes another resource is refused. The
change is written into the values file the release's entry point names (else the chart's
values.yaml) and proven by rendering the edited files once more.
"""

from __future__ import annotations

import copy
import dataclasses
import posixpath
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from patcher import edits as E
from patcher.intent import changes as C
from patcher.intent.apply import OpMismatch, apply_ops
from patcher.model import Model, release_values
from patcher.place.helm_render import (Rendered, differs_only_in, identity, read_text, release_of, render_release,
                                      stable_render)
from patcher.place.inline_values import inline_edits, with_edited_inline
from patcher.place.result import Refused
from patcher.resources import Resource
from patcher.source import PatcherError
from patcher.transform import apply_edits
from patcher.workspace import ParseCache
from patcher.yamlread import read_documents

MAX_PROBES = 12  # renders spent looking for the key before it counts as not found


class NoValuesKey(Refused):
    """No values key carries the changed field: a template edit may still place it."""


@dataclass(frozen=True)
class Probe:
    """The rendered release before the change, and what the fix wants it to become."""

    release: Any
    before: Rendered
    target: tuple
    old: Any
    expected: Any


def probe_for(model: Model, resource: Resource, ops) -> Probe:
    release = release_of(model, resource)
    if release is None:
        raise Refused(f"{resource.ref} is rendered by Helm release {resource.source.release}, which is not modelled")
    before = stable_render(model, release)
    target = identity(resource.data, release.namespace)
    old = before.docs.get(target)
    if old is None or target in before.unstable:
        raise Refused(f"{resource.ref} does not render the same again from release {resource.source.release}")
    try:
        expected = apply_ops(old, ops)
    except OpMismatch as exc:
        raise Refused(f"the change does not apply to {resource.ref} as rendered: {exc}") from None
    return Probe(release, before, target, old, expected)


def place_in_values(model: Model, resource: Resource, ops, probe: Probe,
                    document_edit: Callable) -> tuple[E.Edit, ...]:
    try:
        user = release_values(model.workspace, probe.release, ParseCache()) or {}
    except PatcherError as exc:
        raise Refused(f"the values of release {probe.release.name}/{probe.release.namespace} cannot be read: "
                      f"{exc.message}") from None
    defaults = values_data(model, chart_values_file(probe.release.chart))
    effective = _coalesce(defaults if isinstance(defaults, dict) else {}, user)
    key, rerooted, new = _find_key(model, probe, ops, user, effective)
    edits = _values_edits(model, probe.release, key, rerooted, new, effective, document_edit)
    for other in model.releases:
        shared = sorted({e.file for e in edits} & set(other.values)) if other != probe.release else []
        if shared:
            raise Refused(f"values key {_show(key)} carries the change, but {shared[0]} is also the values of "
                          f"release {other.name}/{other.namespace}")
    try:
        texts = apply_edits({}, edits, lambda p: _must_read(model, p))
    except PatcherError as exc:
        raise Refused(f"values key {_show(key)} carries the change, but editing it failed: {exc.message}") from None
    release = with_edited_inline(probe.release, texts)
    why = differs_only_in(probe.before, render_release(model, release, texts={k: v for k, v in texts.items()
                                                                              if v is not None}),
                          probe.target, probe.expected)
    if why:
        raise Refused(f"the release rendered with values key {_show(key)} edited is not the fix: {why}")
    return edits


def _find_key(model: Model, probe: Probe, ops, user: dict, effective: dict) -> tuple:
    reasons: list[str] = []
    probes = 0
    for at in _containers(ops):
        node = _get(probe.old, at)
        try:
            rerooted = tuple(_reroot(op, at) for op in ops)
            new = apply_ops(node, rerooted)
        except (OpMismatch, ValueError):
            continue
        for key, new in _candidates(effective, node, rerooted, new):
            probes += 1
            if probes > MAX_PROBES:
                raise NoValuesKey(f"none of the first {MAX_PROBES} values keys that may render what "
                                  f"{probe.target[1]} {probe.target[2]}/{probe.target[3]} has at {_show(at)} "
                                  "carries the change")
            values = _probe_values(user, effective, key, new)
            why = differs_only_in(probe.before, render_release(model, probe.release, values=values),
                                  probe.target, probe.expected)
            if not why:
                return key, rerooted, new
            if why.startswith("it also changes"):
                reasons.append(f"values key {_show(key)} carries {_show(at)}, but changing {why}")
        if reasons:
            break  # the field's own key was found; a wider one would change more still
    if reasons:
        raise Refused("; ".join(reasons))
    raise NoValuesKey(f"no values key of release {probe.release.name}/{probe.release.namespace} carries "
                      f"what the change touches")


def _containers(ops) -> Iterator[tuple]:
    """The paths of the rendered resource, deepest first, whose node holds every changed field."""
    paths = []
    for op in ops:
        if not isinstance(op, C.DATA_OPS):
            return
        path = tuple(op.path)
        if isinstance(op, C.MoveKey):
            path = _common(path, tuple(op.to_path))
        paths.append(path)
    if not paths:
        return
    common = paths[0]
    for path in paths[1:]:
        common = _common(common, path)
    for length in range(len(common), 0, -1):
        yield common[:length]


def _common(a: tuple, b: tuple) -> tuple:
    out = []
    for x, y in zip(a, b):
        if x != y:
            break
        out.append(x)
    return tuple(out)


def _reroot(op, at: tuple):
    if not isinstance(op, C.DATA_OPS) or tuple(op.path[:len(at)]) != at:
        raise ValueError("the operation lies outside the node")
    fields = {"path": tuple(op.path[len(at):])}
    if isinstance(op, C.MoveKey):
        fields["to_path"] = tuple(op.to_path[len(at):])
    return dataclasses.replace(op, **fields)


def _candidates(effective: dict, node: Any, rerooted, new: Any) -> Iterator[tuple[tuple, Any]]:
    """(values key, the value the probe gives it): each values node equal to the rendered one,
    changed as the resource is; else, for an item appended to a list the template builds item by
    item from a values list (a ``range``), each values list as long, with the item appended."""
    equal = list(_equal_nodes(effective, node))
    yield from ((key, new) for key in equal)
    appended = rerooted[0] if len(rerooted) == 1 else None
    if equal or not isinstance(node, list) or not isinstance(appended, C.AddItem) \
            or appended.path or appended.index is not None:
        return
    for key in _lists_as_long(effective, len(node)):
        yield key, _get(effective, key) + [copy.deepcopy(appended.value)]


def _lists_as_long(data: Any, length: int, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(data, list) and path and len(data) == length:
        yield path
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        yield from _lists_as_long(value, length, path + (key,))


def _equal_nodes(data: Any, wanted: Any, path: tuple = ()) -> Iterator[tuple]:
    """Paths of the values nodes equal to ``wanted``, in the values' own order."""
    if path and data == wanted and type(data) is type(wanted):
        yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _equal_nodes(value, wanted, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _equal_nodes(value, wanted, path + (index,))


def _values_edits(model: Model, release, key: tuple, rerooted, new: Any, effective: dict,
                  document_edit: Callable) -> tuple[E.Edit, ...]:
    """Edits of the values file that should carry the change: the last one the release names that
    sets the key, else the last one it names, else the chart's values.yaml."""
    chart_values = chart_values_file(release.chart)
    files = [chart_values] + [v for v in release.values if "://" not in v]
    datas = {f: values_data(model, f) for f in files}
    defining = [f for f in files if _has(datas[f], key)]
    if release.inline and _has(_inline(release), key):
        inline = _inline(release)
        return inline_edits(release, key, tuple(_ordered_as_siblings(op, inline, key) for op in rerooted),
                            document_edit)
    if defining and (defining[-1] != chart_values or len(files) == 1):
        file = defining[-1]
        return tuple(document_edit(file, 0, _ordered_as_siblings(op, datas[file], key), lambda p, key=key: key + tuple(p))
                     for op in rerooted)
    file = files[-1]
    data = datas[file]
    key, new = _outside_lists(effective, key, new)
    if not isinstance(data, dict):
        raise Refused(f"values file {file} holds no mapping to add {_show(key)} to")
    parent: tuple = ()
    while len(parent) < len(key) and isinstance(_get(data, parent), dict) and key[len(parent)] in _get(data, parent):
        parent = key[:len(parent) + 1]
    if not isinstance(_get(data, parent), dict) or not all(isinstance(k, str) for k in key[len(parent):]):
        raise Refused(f"values key {_show(key)} cannot be added to {file}: {_show(parent)} there is not a mapping")
    value = new
    old = _get(effective, key)
    if isinstance(old, dict) and isinstance(new, dict):
        if set(old) - set(new):
            raise Refused(f"the change removes keys of values key {_show(key)}, which {file} cannot express")
        value = {k: v for k, v in new.items() if old.get(k) != v}
    for part in reversed(key[len(parent) + 1:]):
        value = {part: value}
    return (E.InsertKey(file, 0, parent, key[len(parent)], value),)


def _ordered_as_siblings(op, data: Any, key: tuple):
    """An item added to a list of the values file, its keys in the order its first sibling
    writes them: the rendered resource the change was stated on may hold them sorted (toYaml)."""
    if not isinstance(op, C.AddItem) or not isinstance(op.value, dict) or not _has(data, key + tuple(op.path)):
        return op
    items = _get(data, key + tuple(op.path))
    first = next((i for i in items if isinstance(i, dict)), None) if isinstance(items, list) else None
    if first is None:
        return op
    order = list(first)
    value = dict(sorted(op.value.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    return dataclasses.replace(op, value=value)


def chart_values_file(chart: str) -> str:
    return "values.yaml" if chart in ("", ".") else posixpath.join(chart, "values.yaml")


def values_data(model: Model, path: str) -> Any:
    text = read_text(model, {}, path)
    if text is None:
        return None
    try:
        docs = read_documents(text, path)
    except PatcherError:
        return None
    return docs[0].data if docs else None


def _inline(release) -> Any:
    try:
        docs = read_documents(release.inline, f"{release.declared_in} (helm values)")
    except PatcherError:
        return None
    return docs[0].data if docs else None


def _must_read(model: Model, path: str) -> str:
    text = read_text(model, {}, path)
    if text is None:
        raise FileNotFoundError(path)
    return text


def _coalesce(defaults: dict, user: dict) -> dict:
    """The values Helm renders with: the user's over the chart's defaults (maps merge, the rest is
    replaced, null deletes)."""
    out = copy.deepcopy(defaults)
    for key, value in user.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = _coalesce(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _has(data: Any, path: tuple) -> bool:
    node = data
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False
    return True


def _get(data: Any, path: tuple) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def _outside_lists(effective: dict, key: tuple, new: Any) -> tuple[tuple, Any]:
    """``key`` cut before its first list index, and the whole list with ``new`` in it: what a
    values layer must give, since Helm replaces a list rather than merging it."""
    cut = next((i for i, part in enumerate(key) if isinstance(part, int)), len(key))
    if cut == len(key):
        return key, new
    whole = copy.deepcopy(_get(effective, key[:cut]))
    node = whole
    for part in key[cut:-1]:
        node = node[part]
    node[key[-1]] = new
    return key[:cut], whole


def _probe_values(user: dict, effective: dict, key: tuple, new: Any) -> dict:
    """The release's values with ``key`` set to ``new``: a list on the way is given whole (Helm
    replaces lists), copied from the effective values."""
    top, new = _outside_lists(effective, key, new)
    out = copy.deepcopy(user)
    node = out
    for part in top[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[top[-1]] = new
    return out


def _show(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "(the root)"
