"""MoveKey: entries moved with their own text, exact text before and after."""

from __future__ import annotations

import pytest
import yaml

from patcher.edits import MoveKey, SetValue
from patcher.yamledit import YamlEditError, apply_yaml_edits


def moved(text: str, *moves: tuple, extra: tuple = ()) -> str:
    """``text`` after moving each (path, key, to_path), the old values read from ``text``."""
    data = yaml.safe_load(text)
    edits = []
    for path, key, to_path in moves:
        source = data
        for elem in path:
            source = source[elem]
        edits.append(MoveKey("f", 0, path, key, to_path, source[key]))
    return apply_yaml_edits(text, edits + list(extra))


SPEC = """\
spec:
  host: api
  # pool sized with the DBA
  connectionPool:
    tcp:
      maxConnections: 50   # agreed
      connectTimeout: '5s'
    # http: later
  script: |
    echo "hi"

    exit 0
  trafficPolicy:
    loadBalancer:
      simple: LEAST_REQUEST
  tail: 1
"""

MOVED_BLOCK = """\
    # pool sized with the DBA
    connectionPool:
      tcp:
        maxConnections: 50   # agreed
        connectTimeout: '5s'
      # http: later
    script: |
      echo "hi"

      exit 0
"""


def test_into_an_existing_mapping_keeps_comments_quoting_and_block_scalars():
    out = moved(SPEC, (("spec",), "connectionPool", ("spec", "trafficPolicy")),
                (("spec",), "script", ("spec", "trafficPolicy")))
    assert out == (
        "spec:\n  host: api\n  trafficPolicy:\n    loadBalancer:\n      simple: LEAST_REQUEST\n"
        + MOVED_BLOCK + "  tail: 1\n"
    )


def test_into_a_created_mapping_in_source_order_whatever_the_edit_order():
    out = moved(SPEC, (("spec",), "script", ("spec", "new")), (("spec",), "connectionPool", ("spec", "new")))
    assert out == (
        "spec:\n  host: api\n  trafficPolicy:\n    loadBalancer:\n      simple: LEAST_REQUEST\n  tail: 1\n"
        "  new:\n" + MOVED_BLOCK
    )


def test_created_where_the_moved_entry_was_when_it_ends_the_parent():
    text = "spec:\n  host: x\n\n  tls:   # mutual\n    mode: X\n\nother: 1\n"
    out = moved(text, (("spec",), "tls", ("spec", "trafficPolicy")))
    assert out == "spec:\n  host: x\n\n  trafficPolicy:\n    tls:   # mutual\n      mode: X\n\nother: 1\n"


def test_of_two_blank_lines_around_the_entry_one_goes():
    text = "spec:\n  host: x\n\n  tls:\n    mode: X\n\n  last: 2\n"
    out = moved(text, (("spec",), "tls", ("spec", "trafficPolicy")))
    assert out == "spec:\n  host: x\n\n  last: 2\n  trafficPolicy:\n    tls:\n      mode: X\n"


def test_up_a_level_shifts_left_and_keeps_an_indentation_indicator():
    text = "a:\n  b:\n    x: |2\n        indented\n      text\n    y: 1\n  z: 2\n"
    out = moved(text, (("a", "b"), "x", ("a",)), (("a", "b"), "y", ("a",)))
    assert out == "a:\n  b: {}\n  z: 2\n  x: |2\n      indented\n    text\n  y: 1\n"


def test_to_a_mapping_before_the_source():
    text = "a:\n  y: 2\nb:\n  z: 3\n  # the x\n  x:\n  - 1   # one\n  - 'two'\nc: 4\n"
    out = moved(text, (("b",), "x", ("a",)))
    assert out == "a:\n  y: 2\n  # the x\n  x:\n  - 1   # one\n  - 'two'\nb:\n  z: 3\nc: 4\n"


def test_into_a_sequence_item_mapping_at_its_column():
    text = "items:\n- name: a\n  port: 1\nextra:\n    k: v\n"
    out = moved(text, (("extra",), "k", ("items", 0)))
    assert out == "items:\n- name: a\n  port: 1\n  k: v\nextra: {}\n"


@pytest.mark.parametrize(
    "text, move, after",
    [
        ("a:\r\n  x: 1 # one\r\n  y: 2\r\nb:\r\n  z: 3", (("a",), "x", ("b",)),
         "a:\r\n  y: 2\r\nb:\r\n  z: 3\r\n  x: 1 # one"),
        ("a:\r\n  y: 2\r\nb:\r\n  z: 3\r\n  x: 1 # one", (("b",), "x", ("a",)),
         "a:\r\n  y: 2\r\n  x: 1 # one\r\nb:\r\n  z: 3"),
        ("a:\n  y: 2\nb:\n  z: 3\n  x: 1 # one", (("b",), "x", ("a", "c")),
         "a:\n  y: 2\n  c:\n    x: 1 # one\nb:\n  z: 3"),
        ("a:\n  y: 2\n  x: 1 # one", (("a",), "x", ("a", "c")), "a:\n  y: 2\n  c:\n    x: 1 # one"),
    ],
)
def test_crlf_and_a_missing_final_newline_are_kept(text, move, after):
    assert moved(text, move) == after


def test_with_other_edits_in_the_same_call():
    out = moved(SPEC, (("spec",), "script", ("spec", "trafficPolicy")),
                extra=(SetValue("f", 0, ("spec", "host"), "api", "web"), SetValue("f", 0, ("spec", "tail"), 1, 2)))
    assert out == SPEC.replace("host: api", "host: web").replace("tail: 1", "tail: 2").replace(
        '  script: |\n    echo "hi"\n\n    exit 0\n', ""
    ).replace("LEAST_REQUEST\n", 'LEAST_REQUEST\n    script: |\n      echo "hi"\n\n      exit 0\n')


@pytest.mark.parametrize(
    "text, move, why",
    [
        ("a: {x: 1, y: 2}\nb:\n  z: 1\n", (("a",), "x", ("b",)), "out of a flow-style mapping"),
        ("a:\n  x: 1\n  y: 2\nb: {z: 1}\n", (("a",), "x", ("b",)), "into a flow-style mapping"),
        ("a:\n  x: 1\n  y: 2\nb: {}\n", (("a",), "x", ("b",)), "into a flow-style mapping"),
        ("a:\n  x: 1\n  y: 2\nb: 3\n", (("a",), "x", ("b",)), "expected a mapping, found a scalar"),
        ("a:\n  x:\n    k: 1\n  y: 2\n", (("a",), "x", ("a", "x", "n")), "into itself"),
        ("a:\n  x: 1\n  y: 2\nb:\n  x: 3\n", (("a",), "x", ("b",)), "'x' already exists"),
        ("l:\n- x: 1\n  y: 2\nb:\n  z: 1\n", (("l", 0), "x", ("b",)), "shares its line"),
        ("a:\n  x: 1\nb:\n  z: 1\n", (("a",), "x", ("c", "d")), "path not found"),
        # the anchor would follow its alias: the result does not read back
        ("a:\n  x: &v 1\n  y: *v\nb:\n  z: 1\n", (("a",), "x", ("b",)), "does not parse"),
    ],
)
def test_refused(text, move, why):
    with pytest.raises(YamlEditError, match=why):
        moved(text, move)


def test_old_value_mismatch_and_a_key_moved_twice_are_refused():
    text = "a:\n  x: 1\n  y: 2\nb:\n  z: 1\n"
    with pytest.raises(YamlEditError, match="old value mismatch"):
        apply_yaml_edits(text, [MoveKey("f", 0, ("a",), "x", ("b",), 2)])
    with pytest.raises(YamlEditError, match="moved twice"):
        apply_yaml_edits(text, [MoveKey("f", 0, ("a",), "x", ("b",), 1)] * 2)
