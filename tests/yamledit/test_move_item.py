"""MoveItem: a sequence item moved with its own text, exact text before and after."""

from __future__ import annotations

import pytest
import yaml

from patcher.edits import MoveItem, SetValue
from patcher.intent import changes as C
from patcher.intent.apply import OpMismatch, apply_ops
from patcher.yamledit import YamlEditError, apply_yaml_edits


def moved(text: str, path: tuple, index: int, to: int, extra: tuple = ()) -> str:
    """``text`` after moving item ``index`` of the sequence at ``path`` to ``to``."""
    node = yaml.safe_load(text)
    for elem in path:
        node = node[elem]
    return apply_yaml_edits(text, [MoveItem("f", 0, path, index, to, node[index])] + list(extra))


ROUTES = """\
spec:
  hosts: [shop.example.com]
  http:
  # the catch-all: everything else
  - name: web   # keep last
    route:
    - destination:
        host: web
      # weight: 100 once the canary is gone

  # the API, which the catch-all shadows
  - name: api
    match:
    - uri:
        prefix: /api
    route:
    - destination: {host: api, port: {number: 8080}}   # the API port
  tcp: []
"""

API = """\
  # the API, which the catch-all shadows
  - name: api
    match:
    - uri:
        prefix: /api
    route:
    - destination: {host: api, port: {number: 8080}}   # the API port
"""

WEB = """\
  # the catch-all: everything else
  - name: web   # keep last
    route:
    - destination:
        host: web
      # weight: 100 once the canary is gone
"""

HEAD = "spec:\n  hosts: [shop.example.com]\n  http:\n"


def test_block_item_moves_with_its_comments_and_the_blank_line_stays_between():
    assert moved(ROUTES, ("spec", "http"), 1, 0) == HEAD + API + "\n" + WEB + "  tcp: []\n"


def test_moving_an_item_later_is_the_same_permutation():
    assert moved(ROUTES, ("spec", "http"), 0, 1) == HEAD + API + "\n" + WEB + "  tcp: []\n"


def test_only_the_items_that_change_places_are_touched():
    text = "l:\n- a   # first\n- b\n# about c\n- c\n- d\n"
    assert moved(text, ("l",), 2, 1) == "l:\n- a   # first\n# about c\n- c\n- b\n- d\n"
    assert moved(text, ("l",), 0, 3) == "l:\n- b\n# about c\n- c\n- d\n- a   # first\n"


def test_indented_sequence_and_block_scalars_keep_their_text():
    text = "x:\n  - |\n    one\n\n    two\n  - 'quoted'   # q\n  - plain\ny: 1\n"
    assert moved(text, ("x",), 2, 0) == "x:\n  - plain\n  - |\n    one\n\n    two\n  - 'quoted'   # q\ny: 1\n"


def test_a_comment_at_a_shallower_column_stays_where_it_is():
    text = "a:\n  l:\n  - x\n# about what follows\n  - y\nb: 2\n"
    assert moved(text, ("a", "l"), 1, 0) == "a:\n  l:\n  - y\n# about what follows\n  - x\nb: 2\n"


def test_flow_sequence_items_change_places_and_the_separators_stay():
    assert moved("a: [x, 'y',  {z: 1}]   # c\n", ("a",), 2, 0) == "a: [{z: 1}, x,  'y']   # c\n"
    text = "a: [\n  x,   # the x\n  \"y\"\n]\n"
    assert moved(text, ("a",), 1, 0) == "a: [\n  \"y\",   # the x\n  x\n]\n"


def test_crlf_line_ends_are_kept():
    text = "l:\r\n# one\r\n- 1\r\n# two\r\n- 2\r\n"
    assert moved(text, ("l",), 1, 0) == "l:\r\n# two\r\n- 2\r\n# one\r\n- 1\r\n"


def test_a_file_without_a_final_newline_keeps_none():
    assert moved("l:\n- a\n- b", ("l",), 1, 0) == "l:\n- b\n- a"
    assert moved("l:\n- a\n- b  # last", ("l",), 0, 1) == "l:\n- b  # last\n- a"


def test_other_documents_and_a_set_elsewhere_in_the_same_call():
    text = "a: 1\n---\nl:\n- p\n- q\nk: old\n"
    node = yaml.safe_load_all(text)
    edits = [MoveItem("f", 1, ("l",), 1, 0, "q"), SetValue("f", 1, ("k",), "old", "new")]
    assert list(node)[1]["l"] == ["p", "q"]
    assert apply_yaml_edits(text, edits) == "a: 1\n---\nl:\n- q\n- p\nk: new\n"


def test_outer_items_of_nested_sequences_move_whole():
    assert moved("l:\n- - a\n  - b\n- - c\n", ("l",), 1, 0) == "l:\n- - c\n- - a\n  - b\n"


def test_a_document_heading_comment_stays_at_the_top():
    text = "# the document\n- a\n- b\n"
    assert moved(text, (), 1, 0) == "# the document\n- b\n- a\n"


@pytest.mark.parametrize("text, path, index, to, message", [
    ("l:\n- a\n- b\n", ("l",), 0, 0, "already at"),
    ("l:\n- a\n- b\n", ("l",), 0, 2, "out of range"),
    ("l:\n- - a\n  - b\n- - c\n", ("l", 0), 1, 0, "shares its line"),
])
def test_refused(text, path, index, to, message):
    node = yaml.safe_load(text)
    for elem in path:
        node = node[elem]
    with pytest.raises(YamlEditError, match=message):
        apply_yaml_edits(text, [MoveItem("f", 0, path, index, to, node[index])])


def test_an_old_value_that_does_not_match_is_refused():
    with pytest.raises(YamlEditError, match="old value mismatch"):
        apply_yaml_edits("l:\n- a\n- b\n", [MoveItem("f", 0, ("l",), 1, 0, "x")])


def test_the_intent_op_moves_the_item_in_data():
    data = {"spec": {"http": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}}
    out = apply_ops(data, (C.MoveItem(("spec", "http"), 2, 0, {"name": "c"}),))
    assert [r["name"] for r in out["spec"]["http"]] == ["c", "a", "b"]
    assert [r["name"] for r in data["spec"]["http"]] == ["a", "b", "c"]
    with pytest.raises(OpMismatch):
        apply_ops(data, (C.MoveItem(("spec", "http"), 1, 0, {"name": "c"}),))
