"""Intent operations applied to plain data: the expected resource after a fix."""

import pytest

from patcher.intent import changes as C
from patcher.intent.apply import OpMismatch, apply_ops

VS = {"spec": {"hosts": ["a"], "http": [{"route": [{"destination": {"host": "web"}}]}]}}


def test_each_operation_changes_only_its_node_and_leaves_the_input_alone() -> None:
    out = apply_ops(VS, (
        C.AddKey(("spec", "http", 0), "timeout", "10s"),
        C.AddItem(("spec", "hosts"), "b"),
        C.Set(("spec", "http", 0, "route", 0, "destination", "host"), "web", "shop"),
    ))
    assert out == {"spec": {"hosts": ["a", "b"],
                            "http": [{"route": [{"destination": {"host": "shop"}}], "timeout": "10s"}]}}
    assert VS["spec"]["hosts"] == ["a"]


def test_a_key_added_after_another_keeps_the_mapping_order() -> None:
    out = apply_ops({"a": 1, "b": 2}, (C.AddKey((), "x", 0, after="a"),))
    assert list(out) == ["a", "x", "b"]


def test_move_creates_the_destination_mapping() -> None:
    out = apply_ops({"spec": {"outlier": 1}}, (C.MoveKey(("spec",), "outlier", ("spec", "trafficPolicy"), 1),))
    assert out == {"spec": {"trafficPolicy": {"outlier": 1}}}


def test_remove_and_delete() -> None:
    assert apply_ops({"l": [1, 2, 3], "k": 1}, (C.RemoveItem(("l",), 1, 2), C.RemoveKey((), "k", 1))) == {"l": [1, 3]}
    assert apply_ops(VS, (C.Delete(VS),)) is None


@pytest.mark.parametrize("op", [
    C.Set(("spec", "nope"), None, 1),
    C.AddKey(("spec",), "hosts", []),
    C.RemoveKey(("spec",), "nope", None),
    C.RemoveItem(("spec", "hosts"), 5, None),
    C.AddItem(("spec",), 1),
])
def test_an_operation_that_does_not_fit_the_data_says_where(op) -> None:
    with pytest.raises(OpMismatch, match="spec"):
        apply_ops(VS, (op,))
