"""What the editor writes for values YAML 1.1, YAML 1.2 and go-yaml read differently (yamledit/plain.py)."""

from __future__ import annotations

import io

import pytest
import yaml
from ruamel.yaml import YAML

from patcher.edits import InsertKey, SetValue
from patcher.yamledit import apply_yaml_edits


def yaml12(text: str):
    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 2)
    return reader.load(io.StringIO(text))


@pytest.mark.parametrize(("value", "written"), [
    ("09", '"09"'),          # 1.1: string; 1.2: the integer 9; go-yaml: the float 9
    ("010", '"010"'),        # 1.1: octal 8; 1.2: 10
    ("0o10", '"0o10"'),      # 1.1: string; 1.2 and go-yaml: 8
    ("1_000", '"1_000"'),    # 1.1 and go-yaml: 1000; 1.2 core: string
    ("0_9", '"0_9"'),        # go-yaml drops the "_": 9
    ("yes", '"yes"'),        # 1.1: true; 1.2: string
    ("on", '"on"'),
    ("y", '"y"'),            # go-yaml (sigs.k8s.io/yaml): true
    ("null", '"null"'),
    ("~", '"~"'),
    ("1e3", '"1e3"'),        # 1.1: string (no dot); 1.2: 1000.0
    (".5", '".5"'),
    ("-.5", '"-.5"'),        # 1.1: string; 1.2: -0.5
    ("1:20", '"1:20"'),      # 1.1: 80 (base 60)
    ("2001-1-2", '"2001-1-2"'),  # go-yaml: a timestamp
    (".inf", '".inf"'),
    ("name", "name"),
    ("v1.2", "v1.2"),
    ("8080x", "8080x"),
    ("10.0.0.1", "10.0.0.1"),
    ("1.2.3", "1.2.3"),
    (8, "8"),
    (1000.0, "1000.0"),
    (0.5, "0.5"),
    (True, "true"),
    (None, "null"),
])
def test_a_set_value_is_written_so_that_every_reader_reads_it(value, written):
    out = apply_yaml_edits("name: old\nimage: x\n", [SetValue("f", 0, ("name",), "old", value)])
    assert out == f"name: {written}\nimage: x\n"
    assert yaml.safe_load(out)["name"] == value
    assert yaml12(out)["name"] == value


def test_a_new_key_quotes_an_ambiguous_string_too():
    out = apply_yaml_edits("a: 1\n", [InsertKey("f", 0, (), "tag", "09", None), InsertKey("f", 0, (), "b", "ok", None)])
    assert out == 'a: 1\ntag: "09"\nb: ok\n'


@pytest.mark.parametrize(("text", "value"), [
    ("name: 09\n", "09"),
    ("port: 010\n", 8),
    ("on: yes\n", True),
    ("x: ~\n", None),
    ("x: 1e3\n", "1e3"),
    ("x: 0o10\n", "0o10"),
    ("x: 1_000\n", 1000),
    ("x: .5\n", 0.5),
])
def test_setting_the_value_a_scalar_already_has_keeps_its_text(text, value):
    path = (next(iter(yaml.safe_load(text))),)
    assert apply_yaml_edits(text, [SetValue("f", 0, path, value, value)]) == text


@pytest.mark.parametrize(("text", "value", "back"), [
    ("name: 09\n", "09", 'name: "09"\n'),
    ("on: yes\n", True, "on: true\n"),
    ("port: 010\n", 8, "port: 8\n"),
    ("x: 1_000\n", 1000, "x: 1000\n"),
    ("x: ~\n", None, "x: null\n"),
    ("x: 1e3\n", "1e3", 'x: "1e3"\n'),
])
def test_set_and_set_back_writes_the_value_unambiguously(text, value, back):
    path = (next(iter(yaml.safe_load(text))),)
    there = apply_yaml_edits(text, [SetValue("f", 0, path, value, "other")])
    assert apply_yaml_edits(there, [SetValue("f", 0, path, "other", value)]) == back
