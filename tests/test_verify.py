"""Verification before writing: a change anywhere a fix did not declare is refused."""

from __future__ import annotations

import pytest

from patcher.edits import AddDocument, DeleteDocument, EditInline, InsertKey, MoveKey, ReplaceText, SetValue
from patcher.source import PatcherError
from patcher.verify import verify_file

OLD = "a:\n  b: 1\n  c: 2\n---\nd: 3\n"


def test_declared_change_passes() -> None:
    verify_file("x.yaml", OLD, OLD.replace("b: 1", "b: 5"), [SetValue("x.yaml", 0, ("a", "b"), 1, 5)])


def test_undeclared_change_is_refused_and_named() -> None:
    new = OLD.replace("b: 1", "b: 5").replace("c: 2", "c: 9")
    with pytest.raises(PatcherError) as caught:
        verify_file("x.yaml", OLD, new, [SetValue("x.yaml", 0, ("a", "b"), 1, 5)])
    assert caught.value.message == "the fix would also change 'a/c', which it does not declare"
    assert caught.value.file == "x.yaml"
    assert "nothing was written" in caught.value.hint


def test_change_in_another_document_is_refused() -> None:
    new = OLD.replace("b: 1", "b: 5").replace("d: 3", "d: 4")
    with pytest.raises(PatcherError, match="would also change 'd'"):
        verify_file("x.yaml", OLD, new, [SetValue("x.yaml", 0, ("a", "b"), 1, 5)])


def test_inserted_key_is_allowed_only_where_declared() -> None:
    new = OLD.replace("  c: 2\n", "  c: 2\n  e: 4\n")
    verify_file("x.yaml", OLD, new, [InsertKey("x.yaml", 0, ("a",), "e", 4)])
    with pytest.raises(PatcherError, match="would also change 'a/e'"):
        verify_file("x.yaml", OLD, new, [InsertKey("x.yaml", 0, ("a",), "f", 4)])


def test_document_count_must_match() -> None:
    with pytest.raises(PatcherError, match="expected 3 documents after the fix, found 2"):
        verify_file("x.yaml", OLD, OLD, [AddDocument("x.yaml", "z: 1\n")])
    verify_file("x.yaml", OLD, "d: 3\n", [DeleteDocument("x.yaml", 0, {"a": {"b": 1, "c": 2}})])


def test_result_that_does_not_parse_is_refused() -> None:
    with pytest.raises(PatcherError, match="the fixed file would not parse"):
        verify_file("x.yaml", OLD, "a: [\n", [SetValue("x.yaml", 0, ("a",), None, None)])


def test_type_change_is_a_change() -> None:
    new = OLD.replace("c: 2", "c: '2'")
    with pytest.raises(PatcherError, match="would also change 'a/c'"):
        verify_file("x.yaml", OLD, new, [SetValue("x.yaml", 0, ("a", "b"), 1, 1)])


@pytest.mark.parametrize("old_value, new_value", [("1", "1.0"), ("true", "1"), ("2", "'2'"), ("null", "''")])
def test_equal_in_python_but_not_in_yaml_is_a_change(old_value: str, new_value: str) -> None:
    old = f"a:\n  b: 1\n  c: {old_value}\n"
    new = f"a:\n  b: 5\n  c: {new_value}\n"
    with pytest.raises(PatcherError, match="would also change 'a/c'"):
        verify_file("x.yaml", old, new, [SetValue("x.yaml", 0, ("a", "b"), 1, 5)])


def test_a_move_declares_where_the_entry_was_and_where_it_goes() -> None:
    move = MoveKey("x.yaml", 0, ("a",), "b", ("a", "p"), 1)
    created = "a:\n  c: 2\n  p:\n    b: 1\n---\nd: 3\n"
    verify_file("x.yaml", OLD, created, [move])  # the mapping it goes to is created
    existing = "a:\n  b: 1\n  c: 2\ne:\n  f: 0\n"
    verify_file("x.yaml", existing, "a:\n  c: 2\ne:\n  f: 0\n  b: 1\n", [MoveKey("x.yaml", 0, ("a",), "b", ("e",), 1)])
    with pytest.raises(PatcherError, match="would also change 'a/c'"):
        verify_file("x.yaml", OLD, created.replace("c: 2", "c: 5"), [move])
    with pytest.raises(PatcherError, match="would also change 'a/p/z'"):  # judged inside the new mapping too
        verify_file("x.yaml", OLD, created.replace("    b: 1\n", "    b: 1\n    z: 0\n"), [move])


TASKFILE = "version: '3'\ntasks:\n  smoke:\n    cmds:\n      - 'curl -H \"Host: a.test\" http://localhost:8080/'\n"


def test_a_text_edit_of_a_command_held_in_yaml_changes_only_that_string() -> None:
    edit = ReplaceText("Taskfile.yml", 5, 33, "http://localhost:8080", "http://localhost")
    verify_file("Taskfile.yml", TASKFILE, TASKFILE.replace(":8080/", "/"), [edit])


def test_a_text_edit_that_changes_another_string_fails_verification() -> None:
    edit = ReplaceText("Taskfile.yml", 5, 33, "http://localhost:8080", "http://localhost")
    broken = TASKFILE.replace(":8080/", "/").replace("smoke", "smoky")
    with pytest.raises(PatcherError, match="would also change 'tasks/smok"):
        verify_file("Taskfile.yml", TASKFILE, broken, [edit])


BLOCK = "app:\n  values: |\n    a: 1\n    b: 2\n"


def test_the_document_a_values_string_holds_is_checked_against_its_inner_edits() -> None:
    edit = EditInline("x.yaml", 0, ("app", "values"), (SetValue("x.yaml", 0, ("a",), 1, 5),))
    verify_file("x.yaml", BLOCK, BLOCK.replace("a: 1", "a: 5"), [edit])
    with pytest.raises(PatcherError) as caught:
        verify_file("x.yaml", BLOCK, BLOCK.replace("a: 1", "a: 5").replace("b: 2", "b: 3"), [edit])
    assert caught.value.message == ("in the YAML held in app.values: the fix would also change 'b', which it does "
                                    "not declare")
    with pytest.raises(PatcherError) as caught:
        verify_file("x.yaml", BLOCK, BLOCK.replace("a: 1", "a: [5"), [edit])
    assert caught.value.message.startswith("in the YAML held in app.values: the fixed file would not parse")
