"""Each edit type on small files: exact text before and after."""

from __future__ import annotations

import pytest

from patcher.edits import DeleteDocument, DeleteItem, DeleteKey, InsertItem, InsertKey, SetValue
from patcher.yamledit import YamlEditError, apply_yaml_edits, read_roundtrip

DEPLOY = """\
# Licence header
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the name
  labels:
    app: "web"
    tier: 'front'

spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.25
        ports:
          - containerPort: 80
      # sidecars go here
  script: |
    echo hi
    echo there
  folded: >-
    one
    two
# trailing comment at column 0
"""


def edit(text, *edits):
    return apply_yaml_edits(text, list(edits))


def test_set_plain_scalar_keeps_inline_comment():
    out = edit(DEPLOY, SetValue("f", 0, ("metadata", "name"), "web", "api"))
    assert out == DEPLOY.replace("name: web   # the name", "name: api   # the name")


@pytest.mark.parametrize(
    "path,old,new,before,after",
    [
        (("metadata", "labels", "app"), "web", "api", 'app: "web"', 'app: "api"'),
        (("metadata", "labels", "tier"), "front", "it's", "tier: 'front'", "tier: 'it''s'"),
        (("spec", "replicas"), 2, 3, "replicas: 2", "replicas: 3"),
        (("spec", "replicas"), 2, "yes", "replicas: 2", 'replicas: "yes"'),
        (("spec", "replicas"), 2, True, "replicas: 2", "replicas: true"),
    ],
)
def test_set_scalar_keeps_quote_style(path, old, new, before, after):
    assert edit(DEPLOY, SetValue("f", 0, path, old, new)) == DEPLOY.replace(before, after)


def test_set_literal_block_scalar():
    out = edit(DEPLOY, SetValue("f", 0, ("spec", "script"), "echo hi\necho there\n", "exit 0\n"))
    assert out == DEPLOY.replace("    echo hi\n    echo there\n", "    exit 0\n")


def test_set_folded_block_scalar_to_single_line():
    out = edit(DEPLOY, SetValue("f", 0, ("spec", "folded"), "one two", "three"))
    assert out == DEPLOY.replace("folded: >-\n    one\n    two\n", 'folded: "three"\n')


def test_set_mapping_replaces_the_block():
    out = edit(DEPLOY, SetValue("f", 0, ("metadata", "labels"), {"app": "web", "tier": "front"}, {"app": "x"}))
    assert out == DEPLOY.replace("    app: \"web\"\n    tier: 'front'\n", "    app: x\n")


def test_set_sequence_item_mapping_at_flush_dash():
    path = ("spec", "template", "spec", "containers", 0, "ports")
    out = edit(DEPLOY, SetValue("f", 0, path, [{"containerPort": 80}], [{"containerPort": 8080, "name": "http"}]))
    assert out == DEPLOY.replace(
        "          - containerPort: 80\n", "          - containerPort: 8080\n            name: http\n"
    )


def test_insert_key_at_end_of_nested_mapping():
    out = edit(DEPLOY, InsertKey("f", 0, ("metadata", "labels"), "team", "core"))
    assert out == DEPLOY.replace("    tier: 'front'\n", "    tier: 'front'\n    team: core\n")


def test_insert_key_after_named_key():
    out = edit(DEPLOY, InsertKey("f", 0, ("metadata",), "namespace", "prod", after="name"))
    assert out == DEPLOY.replace("  name: web   # the name\n", "  name: web   # the name\n  namespace: prod\n")


def test_insert_key_with_mapping_value_into_sequence_item():
    path = ("spec", "template", "spec", "containers", 0)
    out = edit(DEPLOY, InsertKey("f", 0, path, "resources", {"limits": {"cpu": "1"}, "args": ["a"]}))
    assert out == DEPLOY.replace(
        "          - containerPort: 80\n",
        "          - containerPort: 80\n        resources:\n          limits:\n            cpu: \"1\"\n"
        "          args:\n          - a\n",
    )


def test_insert_key_at_root_goes_after_trailing_comments():
    out = edit(DEPLOY, InsertKey("f", 0, (), "status", {}))
    assert out == DEPLOY + "status: {}\n"


def test_insert_existing_key_raises():
    with pytest.raises(YamlEditError, match="already exists"):
        edit(DEPLOY, InsertKey("f", 0, ("metadata",), "name", "x"))


def test_append_item_of_mappings_flush_style():
    path = ("spec", "template", "spec", "containers")
    out = edit(DEPLOY, InsertItem("f", 0, path, {"name": "side", "image": "busybox"}))
    # the comment is indented like the items, so it belongs to the sequence
    assert out == DEPLOY.replace(
        "      # sidecars go here\n", "      # sidecars go here\n      - name: side\n        image: busybox\n"
    )


def test_append_item_indented_style():
    path = ("spec", "template", "spec", "containers", 0, "ports")
    out = edit(DEPLOY, InsertItem("f", 0, path, {"containerPort": 443}))
    assert out == DEPLOY.replace("          - containerPort: 80\n", "          - containerPort: 80\n          - containerPort: 443\n")


def test_insert_item_before_index():
    text = "args:\n  - --a\n  - --b\n"
    assert edit(text, InsertItem("f", 0, ("args",), "--z", 1)) == "args:\n  - --a\n  - --z\n  - --b\n"


def test_delete_key_takes_its_lines_inline_comment_and_own_comment_above():
    text = "a: 1\n# about b\nb:\n  c: 2  # inline\n  d: 3\ne: 4\n"
    assert edit(text, DeleteKey("f", 0, (), "b", {"c": 2, "d": 3})) == "a: 1\ne: 4\n"


def test_delete_first_key_of_item_pulls_next_key_up():
    text = "items:\n- name: a\n  port: 1\n"
    assert edit(text, DeleteKey("f", 0, ("items", 0), "name", "a")) == "items:\n- port: 1\n"


def test_delete_last_key_leaves_empty_mapping():
    text = "meta:\n  labels:\n    app: x\n  name: n\n"
    assert edit(text, DeleteKey("f", 0, ("meta", "labels"), "app", "x")) == "meta:\n  labels: {}\n  name: n\n"


def test_delete_item_and_last_item():
    text = "l:\n- a\n- b   # bee\nm: 1\n"
    assert edit(text, DeleteItem("f", 0, ("l",), 1, "b")) == "l:\n- a\nm: 1\n"
    assert edit("l:\n  - a\nm: 1\n", DeleteItem("f", 0, ("l",), 0, "a")) == "l: []\nm: 1\n"


def test_delete_item_mapping():
    text = "l:\n  - name: a\n    x: 1\n\n  - name: b\n"
    assert edit(text, DeleteItem("f", 0, ("l",), 0, {"name": "a", "x": 1})) == "l:\n\n  - name: b\n"


def test_insert_into_empty_flow_collections():
    assert edit("a:\n  b: {}\n", InsertKey("f", 0, ("a", "b"), "k", 1)) == "a:\n  b:\n    k: 1\n"
    assert edit("a: []\nb: [x]\n", InsertItem("f", 0, ("a",), "v")) == "a:\n  - v\nb: [x]\n"


def test_flow_scalar_splice():
    text = "args: [--a, \"--b\"]\n"
    assert edit(text, SetValue("f", 0, ("args", 1), "--b", "--c,d")) == 'args: [--a, "--c,d"]\n'
    assert edit(text, SetValue("f", 0, ("args", 0), "--a", "x,y")) == 'args: ["x,y", "--b"]\n'


ROUTES = """\
spec:
  http:
  - {name: ratings, 'match': [{uri: {prefix: /r}}], route: [{destination: {host: ratings}}]}  # first
  - name: reviews
args: [--a, "--b", 'c d']
"""


def test_insert_key_into_flow_mapping_item_rewrites_it_as_a_block():
    out = edit(ROUTES, InsertKey("f", 0, ("spec", "http", 0), "timeout", "10s"))
    assert out == ROUTES.replace(
        "  - {name: ratings, 'match': [{uri: {prefix: /r}}], route: [{destination: {host: ratings}}]}  # first\n",
        "  - name: ratings\n    'match': [{uri: {prefix: /r}}]\n    route: [{destination: {host: ratings}}]\n"
        "    timeout: 10s  # first\n",
    )


def test_insert_key_after_a_key_into_flow_mapping_value():
    out = edit("a:\n  b: {x: 1, \"y\": 'two'}\n", InsertKey("f", 0, ("a", "b"), "z", {"k": [1]}, after="x"))
    assert out == "a:\n  b:\n    x: 1\n    z:\n      k:\n        - 1\n    \"y\": 'two'\n"


def test_insert_item_into_flow_sequence_rewrites_it_with_the_document_dash_style():
    out = edit(ROUTES, InsertItem("f", 0, ("args",), "--z", 1))
    assert out == ROUTES.replace("args: [--a, \"--b\", 'c d']\n", "args:\n- --a\n- --z\n- \"--b\"\n- 'c d'\n")
    out = edit("l:\n  - x\nargs: [1]\n", InsertItem("f", 0, ("args",), {"k": "v", "n": 2}))
    assert out == "l:\n  - x\nargs:\n  - 1\n  - k: v\n    \"n\": 2\n"  # go-yaml reads a plain n as false
    assert edit("- [a, b]\n", InsertItem("f", 0, (0,), "c", 0)) == "- - c\n  - a\n  - b\n"


@pytest.mark.parametrize(
    "text,the_edit,why",
    [
        ("a: {b: [1, 2]}\n", InsertItem("f", 0, ("a", "b"), 3), "nested in another flow"),
        ("a: [{b: 1}]\n", InsertKey("f", 0, ("a", 0), "c", 2), "nested in another flow"),
        ("a: [1,\n  2]\n", InsertItem("f", 0, ("a",), 3), "several lines"),
        ("[1, 2]\n", InsertItem("f", 0, (), 3), "outside a block"),
    ],
)
def test_flow_insert_refused(text, the_edit, why):
    with pytest.raises(YamlEditError, match=why):
        edit(text, the_edit)


def test_old_value_mismatch_and_missing_path_raise_with_position():
    with pytest.raises(YamlEditError, match="old value mismatch") as info:
        edit("a:\n  b: 1\n", SetValue("f", 0, ("a", "b"), 2, 3))
    assert (info.value.line, info.value.column) == (2, 6)
    with pytest.raises(YamlEditError, match="path not found"):
        edit("a: 1\n", SetValue("f", 0, ("x",), 1, 2))
    with pytest.raises(YamlEditError, match="document 3 not found"):
        edit("a: 1\n", SetValue("f", 3, ("a",), 1, 2))


def test_crlf_bom_and_missing_final_newline_are_kept():
    text = "\ufeffa: 1\r\nb:\r\n  c: 2"
    assert edit(text, SetValue("f", 0, ("a",), 1, 5)) == "\ufeffa: 5\r\nb:\r\n  c: 2"
    assert edit(text, InsertKey("f", 0, ("b",), "d", 3)) == "\ufeffa: 1\r\nb:\r\n  c: 2\r\n  d: 3"
    assert edit(text, DeleteKey("f", 0, (), "a", 1)) == "\ufeffb:\r\n  c: 2"
    assert read_roundtrip(text) == text


MULTI = "# header\n---\na: 1\n---\n# comment-only document\n---\nb: 2\n---\nc: 3\n"


@pytest.mark.parametrize(
    "doc,old,after",
    [
        (0, {"a": 1}, "# header\n---\n# comment-only document\n---\nb: 2\n---\nc: 3\n"),
        (1, None, "# header\n---\na: 1\n---\nb: 2\n---\nc: 3\n"),
        (2, {"b": 2}, "# header\n---\na: 1\n---\n# comment-only document\n---\nc: 3\n"),
        (3, {"c": 3}, "# header\n---\na: 1\n---\n# comment-only document\n---\nb: 2\n"),
    ],
)
def test_delete_document(doc, old, after):
    assert edit(MULTI, DeleteDocument("f", doc, old)) == after


def test_delete_implicit_first_document_and_only_document():
    assert edit("a: 1\n---\nb: 2\n", DeleteDocument("f", 0, {"a": 1})) == "b: 2\n"
    assert edit("# c\na: 1\n", DeleteDocument("f", 0, {"a": 1})) == ""


def test_empty_document_between_markers_counts():
    text = "a: 1\n---\n---\nb: 2\n"
    assert edit(text, SetValue("f", 2, ("b",), 2, 3)) == "a: 1\n---\n---\nb: 3\n"


def test_several_edits_address_the_original():
    text = "l:\n- a\n- b\n- c\nm:\n  k: 1\n"
    out = edit(
        text,
        DeleteItem("f", 0, ("l",), 0, "a"),
        DeleteItem("f", 0, ("l",), 2, "c"),
        InsertItem("f", 0, ("l",), "z", 1),
        SetValue("f", 0, ("m", "k"), 1, 2),
        InsertKey("f", 0, ("m",), "j", 0),
    )
    assert out == "l:\n- z\n- b\nm:\n  k: 2\n  j: 0\n"


def test_set_empty_value():
    assert edit("a:\nb: 1\n", SetValue("f", 0, ("a",), None, "x")) == "a: x\nb: 1\n"
    assert edit("a:\nb: 1\n", SetValue("f", 0, ("a",), None, {"c": 1})) == "a:\n  c: 1\nb: 1\n"
    assert edit("a: x\n", SetValue("f", 0, ("a",), "x", None)) == "a: null\n"


PORTS = """\
ports:
      - containerPort: 31026
        hostPort: 443
      # extra HTTP port
      - containerPort: 31542
        hostPort: 8081
      # status
      - containerPort: 15021
"""


def test_delete_item_takes_its_own_comment_and_keeps_the_next_ones():
    out = edit(PORTS, DeleteItem("f", 0, ("ports",), 1, {"containerPort": 31542, "hostPort": 8081}))
    assert out == """\
ports:
      - containerPort: 31026
        hostPort: 443
      # status
      - containerPort: 15021
"""


def test_deleting_every_item_under_a_comment_takes_the_comment():
    out = edit(
        PORTS.replace("      # status\n", "      - containerPort: 1\n"),
        DeleteItem("f", 0, ("ports",), 1, {"containerPort": 31542, "hostPort": 8081}),
        DeleteItem("f", 0, ("ports",), 2, {"containerPort": 1}),
    )
    assert out == "ports:\n      - containerPort: 31026\n        hostPort: 443\n      - containerPort: 15021\n"


@pytest.mark.parametrize(
    "text,after",
    [
        # separated by a blank line: about the section, not the entry
        ("a: 1\n# about the rest\n\nb: 2\nc: 3\n", "a: 1\n# about the rest\n\nc: 3\n"),
        # indented deeper: the end of the previous entry
        ("a:\n  x: 1\n  # about x\nb: 2\nc: 3\n", "a:\n  x: 1\n  # about x\nc: 3\n"),
        # several lines at the entry's column go; one above them at another column stays
        ("a: 1\n  # odd\n# one\n# two\nb: 2\nc: 3\n", "a: 1\n  # odd\nc: 3\n"),
    ],
)
def test_comments_kept_unless_the_entry_own_them(text, after):
    assert edit(text, DeleteKey("f", 0, (), "b", 2)) == after


def test_a_comment_heading_the_document_is_kept():
    assert edit("# header\na: 1\nb: 2\n", DeleteKey("f", 0, (), "a", 1)) == "# header\nb: 2\n"
    assert edit("a: 0\n---\n# header\na: 1\nb: 2\n", DeleteKey("f", 1, (), "a", 1)) == "a: 0\n---\n# header\nb: 2\n"


def test_deleting_between_blank_lines_leaves_one():
    assert edit("a: 1\n\nb: 2\n\nc: 3\n", DeleteKey("f", 0, (), "b", 2)) == "a: 1\n\nc: 3\n"
    text = "l:\n  - a\n\n  # bee\n  - b\n\n  - c\n"
    assert edit(text, DeleteItem("f", 0, ("l",), 1, "b")) == "l:\n  - a\n\n  - c\n"
    # a blank line on one side only is kept
    assert edit("a: 1\n\nb: 2\nc: 3\n", DeleteKey("f", 0, (), "b", 2)) == "a: 1\n\nc: 3\n"


@pytest.mark.parametrize(
    "text,edits,after",
    [
        ("a: 1\nb: 2", [DeleteKey("f", 0, (), "b", 2)], "a: 1"),
        ("a: 1\n# about b\nb: 2", [DeleteKey("f", 0, (), "b", 2)], "a: 1"),
        ("a: 1\nb: |\n  x\n  y", [DeleteKey("f", 0, (), "b", "x\ny")], "a: 1"),
        ("l:\n  - x\n  - y", [DeleteItem("f", 0, ("l",), 1, "y")], "l:\n  - x"),
        ("a: 1\n\n  \nb: 2", [DeleteKey("f", 0, (), "b", 2)], "a: 1"),
        ("a: 1\nb: 2\nc: 3", [DeleteKey("f", 0, (), "b", 2), DeleteKey("f", 0, (), "c", 3)], "a: 1"),
        ("l:\n- 1\n- 2\n- 3", [DeleteItem("f", 0, ("l",), 1, 2), DeleteItem("f", 0, ("l",), 2, 3)], "l:\n- 1"),
        ("a: 1\n---\nb: 2", [DeleteDocument("f", 1, {"b": 2})], "a: 1"),
        ("a: 1\r\nb: 2", [DeleteKey("f", 0, (), "b", 2)], "a: 1"),
    ],
)
def test_deleting_what_ends_the_file_keeps_a_missing_final_newline(text, edits, after):
    assert edit(text, *edits) == after


def test_several_keys_into_flow_mappings():
    text = "http:\n- {name: r, route: [{destination: {host: r}}]}\n- {name: s}\n"
    out = edit(
        text,
        InsertKey("f", 0, ("http", 0), "timeout", "10s"),
        InsertKey("f", 0, ("http", 0), "retries", {"attempts": 3}),
        InsertKey("f", 0, ("http", 1), "timeout", "5s"),
    )
    assert out == (
        "http:\n- name: r\n  route: [{destination: {host: r}}]\n  timeout: 10s\n  retries:\n    attempts: 3\n"
        "- name: s\n  timeout: 5s\n"
    )
