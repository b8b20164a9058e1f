"""A change to a Helm-rendered resource that no values key carries: a template edit.

The chart's owner would expose a new values key and give it the fix as its default: after the
last item the template writes in the changed list, a ``{{- with .Values.KIND.extraLIST }}``
block renders the key's items, and the chart's values.yaml gains the key holding the new item.
Where the block goes is proven by rendering, never by reading the template as YAML: each place
where the template writes the list's key literally is tried, and kept only when the edited
template renders every resource exactly as before while the key is unset, and the resource as
the fix wants (everything else unchanged) with the default. Only an item added to a list is
placed so; anything else is refused with the reason.
"""

from __future__ import annotations

import posixpath
import re
from typing import Iterator

from patcher import edits as E
from patcher.intent import changes as C
from patcher.model import Model
from patcher.place.helm_render import differs_only_in, read_text, render_release
from patcher.place.helm_values import Probe, chart_values_file, values_data
from patcher.place.result import Refused
from patcher.resources import Resource
from patcher.source import PatcherError, line_ending
from patcher.transform import apply_edits

MAX_TRIES = 8  # places in one template a list's key is written literally


def place_in_template(model: Model, resource: Resource, ops, probe: Probe, why: str) -> tuple[E.Edit, ...]:
    where = f"{resource.ref} is rendered by Helm release {resource.source.release}: {why}"
    if len(ops) != 1 or not isinstance(ops[0], C.AddItem) or ops[0].index is not None \
            or not ops[0].path or not isinstance(ops[0].path[-1], str):
        raise Refused(f"{where}, and a template edit is only made to add an item to a list")
    op = ops[0]
    release = probe.release
    template = resource.source.file
    prefix = "" if release.chart in ("", ".") else release.chart.rstrip("/") + "/"
    if not template.startswith(prefix + "templates/"):
        raise Refused(f"{where}, and its template {template} is not one of the chart's own")
    text = read_text(model, {}, template)
    values_file = chart_values_file(release.chart)
    defaults = values_data(model, values_file)
    if text is None or not isinstance(defaults, dict):
        raise Refused(f"{where}, and {values_file} holds no mapping for a new key to default in")
    parent = resource.kind[:1].lower() + resource.kind[1:]
    name = "extra" + op.path[-1][:1].upper() + op.path[-1][1:]
    if parent in defaults and not isinstance(defaults[parent], dict):
        raise Refused(f"{where}, and values key {parent} is not a mapping a new key could join")
    if isinstance(defaults.get(parent), dict) and name in defaults[parent]:
        raise Refused(f"{where}, and values key {parent}.{name} already exists")
    if isinstance(defaults.get(parent), dict):
        values_edit = E.InsertKey(values_file, 0, (parent,), name, [op.value])
    else:
        values_edit = E.InsertKey(values_file, 0, (), parent, {name: [op.value]})
    for number, indent in list(_list_ends(text, op.path[-1]))[:MAX_TRIES]:
        edited = _with_block(text, number, indent, f".Values.{parent}.{name}")
        unset = render_release(model, release, texts={template: edited})
        if differs_only_in(probe.before, unset, probe.target, probe.old):
            continue
        try:
            values_text = apply_edits({}, [values_edit], lambda p: read_text(model, {}, p) or "")[values_file]
        except PatcherError as exc:
            raise Refused(f"{where}, and {values_file} cannot take the new key: {exc.message}") from None
        fixed = render_release(model, release, texts={template: edited, values_file: values_text})
        if differs_only_in(probe.before, fixed, probe.target, probe.expected):
            continue
        line = text.splitlines()[number - 1]
        block = "".join(edited.splitlines(keepends=True)[number:number + 3]).rstrip("\r\n")
        insert = E.ReplaceText(template, number, len(line) + 1, "", line_ending(text) + block)
        if apply_edits({template: text}, [insert], lambda p: text)[template] != edited:
            continue  # the last line has no line end: the block would not be its own lines
        return insert, values_edit
    raise Refused(f"{where}, and no template edit adding values key {parent}.{name} to "
                  f"{posixpath.basename(template)} renders the fix alone")


def _list_ends(text: str, key: str) -> Iterator[tuple[int, int]]:
    """(line to insert after, the items' indentation) for each place the template writes ``key:``
    literally above items written literally (``- ``), the block ending where indentation does."""
    lines = text.splitlines()
    opener = re.compile(rf"^(\s*){re.escape(key)}:\s*(#.*)?$")
    for number, line in enumerate(lines, start=1):
        match = opener.match(line)
        if not match:
            continue
        depth = len(match.group(1))
        last, items = number, None
        for later in range(number, len(lines)):
            body = lines[later]
            stripped = body.lstrip()
            if not stripped:
                continue
            indent = len(body) - len(stripped)
            if indent < depth or indent == depth and not stripped.startswith("- "):
                break
            if items is None and stripped.startswith("- "):
                items = indent
            if items is None:
                break  # not literal items (a toYaml, a range): values already carry such a list
            last = later + 1
        if items is not None:
            yield last, items


def _with_block(text: str, after: int, indent: int, key: str) -> str:
    lines = text.splitlines(keepends=True)
    newline = line_ending(text)
    pad = " " * indent
    block = [f"{pad}{{{{- with {key} }}}}{newline}", f"{pad}{{{{- toYaml . | nindent {indent} }}}}{newline}",
             f"{pad}{{{{- end }}}}{newline}"]
    head = lines[:after]
    if head and not head[-1].endswith(("\n", "\r")):
        head[-1] += newline
    return "".join(head + block + lines[after:])
