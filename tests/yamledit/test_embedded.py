"""A YAML document inside a literal block string (Argo CD ``helm.values: |``): edited in place,
the block's header, indentation and every byte outside the changed lines kept."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from patcher.edits import DeleteKey, EmbeddedEdit, InsertItem, InsertKey, SetValue
from patcher.yamledit import YamlEditError, apply_yaml_edits

from .test_properties import nodes
from .yamlgen import documents

SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])
VALUES = ("spec", "source", "helm", "values")
APP = """\
# the edge gateway
spec:
  source:
    chart: gateway
    helm:
      values: |  # the chart's values
        service:
          type: NodePort
          ports:
            - name: http2
              port: 80
      {blank}
        labels: {{istio: edge}}
  destination: {{namespace: edge}}
"""
PORT = {"name": "http-admin", "port": 9090}


def embedded(*edits, path=VALUES, doc=0) -> EmbeddedEdit:
    return EmbeddedEdit("app.yaml", doc, path, tuple(edits))


def test_an_item_appended_inside_the_block_changes_only_its_lines() -> None:
    text = APP.format(blank="  ")  # a blank line with trailing spaces, kept as written
    new = apply_yaml_edits(text, [embedded(InsertItem("app.yaml", 0, ("service", "ports"), PORT))])
    assert new == text.replace("              port: 80\n",
                               "              port: 80\n            - name: http-admin\n              port: 9090\n")


def test_crlf_and_a_missing_final_newline_are_kept() -> None:
    text = "a:\r\n  v: |\r\n    x: 1\r\n    y: 2\r\nb: 3"
    new = apply_yaml_edits(text, [embedded(SetValue("a", 0, ("y",), 2, 5), path=("a", "v"))])
    assert new == "a:\r\n  v: |\r\n    x: 1\r\n    y: 5\r\nb: 3"


@pytest.mark.parametrize("header, indent", [("|", 4), ("|-", 4), ("|+", 4), ("|2", 4), ("|4", 6), ("|-2", 4)])
def test_every_literal_header_keeps_its_indicators(header, indent) -> None:
    pad = " " * indent
    text = f"a:\n  v: {header}\n{pad}x: 1\n{pad}y: [1]\n\nb: 2\n"
    new = apply_yaml_edits(text, [embedded(InsertKey("a", 0, (), "z", 3), DeleteKey("a", 0, (), "x", 1),
                                           path=("a", "v"))])
    assert new == f"a:\n  v: {header}\n{pad}y: [1]\n{pad}z: 3\n\nb: 2\n"


def test_an_explicit_indicator_keeps_the_extra_indentation_of_the_content() -> None:
    text = "a:\n  v: |2\n      x: 1\n"  # the value is "  x: 1": its lines sit two deeper than the block
    new = apply_yaml_edits(text, [embedded(InsertKey("a", 0, (), "z", 2), path=("a", "v"))])
    assert new == "a:\n  v: |2\n      x: 1\n      z: 2\n"
    assert yaml.safe_load(new)["a"]["v"] == "  x: 1\n  z: 2\n"


def test_a_second_document_and_the_outer_edits_of_the_same_file() -> None:
    text = "kind: A\n---\n" + APP.format(blank="")
    new = apply_yaml_edits(text, [embedded(SetValue("a", 0, ("service", "type"), "NodePort", "LoadBalancer"), doc=1),
                                  SetValue("a", 1, ("spec", "source", "chart"), "gateway", "gw")])
    assert new == text.replace("type: NodePort", "type: LoadBalancer").replace("chart: gateway", "chart: gw")


@pytest.mark.parametrize("value, problem", [
    ("'x: 1'", "is a single-quoted string: only a literal block (|) is edited in place"),
    (">\n    x: 1\n", "is a folded block (>): only a literal block (|) is edited in place"),
    ("x", "is a plain string: only a literal block (|) is edited in place"),
    ("{x: 1}", "is not a string holding YAML"),
])
def test_other_strings_are_refused_at_their_line(value, problem) -> None:
    text = f"a:\n  v: {value}\n"
    with pytest.raises(YamlEditError) as err:
        apply_yaml_edits(text, [embedded(InsertKey("a", 0, (), "y", 2), path=("a", "v"))])
    assert err.value.message == f"document 0 path ['a', 'v'] {problem}"
    assert err.value.line == 2


def test_a_block_that_is_not_yaml_names_the_outer_line() -> None:
    text = "a: 1\nv: |\n  ok: 1\n  bad: [1\n"
    with pytest.raises(YamlEditError) as err:
        apply_yaml_edits(text, [embedded(InsertKey("a", 0, (), "y", 2), path=("v",))])
    assert err.value.message.startswith("in the YAML held by document 0 path ['v']: file does not parse as YAML")
    assert err.value.line == 5  # the inner parser stops past the last line: the outer file's next line


def test_an_inner_old_value_mismatch_names_the_line_in_the_outer_file() -> None:
    text = "a: 1\nv: |\n  ok: 1\n  port: 80\n"
    with pytest.raises(YamlEditError) as err:
        apply_yaml_edits(text, [embedded(SetValue("a", 0, ("port",), 81, 82), path=("v",))])
    assert "old value mismatch" in err.value.message
    assert (err.value.line, err.value.column) == (4, 9)


def _embed(inner: str, indent: int) -> str:
    pad = " " * indent
    body = "".join(pad + ln if ln.strip() else ln for ln in inner.splitlines(keepends=True))
    return f"outer:\n  values: |\n{body}" + ("" if body.endswith("\n") else "\n") + "after: 1\n"


@SETTINGS
@given(documents(), st.integers(2, 6), st.data())
def test_an_embedded_edit_is_the_same_edit_of_the_document_alone(text, indent, data):
    """Whatever the inner document, editing it inside a block gives the block of the edited document."""
    text = text.removeprefix("# header\n").split("---\n")[0].rstrip("\n") + "\n"
    outer = _embed(text, indent)
    assume(yaml.safe_load(outer)["outer"]["values"] == text)  # a block holds this text exactly
    inner = yaml.safe_load(text)
    maps = [p for p, v in nodes(inner) if isinstance(v, dict) and "added" not in v]
    assume(maps)
    path = data.draw(st.sampled_from(maps))
    edit = InsertKey("f", 0, path, "added", {"k": [1, "two"]})
    try:
        alone = apply_yaml_edits(text, [edit])
    except YamlEditError:
        return
    assert apply_yaml_edits(outer, [EmbeddedEdit("f", 0, ("outer", "values"), (edit,))]) == _embed(alone, indent)


def test_edits_of_one_string_from_several_fixes_are_made_together() -> None:
    text = "v: |\n  ports:\n    - 80\n"
    first = embedded(InsertItem("a", 0, ("ports",), 81), path=("v",))
    second = embedded(InsertItem("a", 0, ("ports",), 82), path=("v",))
    assert apply_yaml_edits(text, [first, second]) == "v: |\n  ports:\n    - 80\n    - 81\n    - 82\n"
