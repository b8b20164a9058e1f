"""The repository's conventions a fix follows: only when they are clear."""

from __future__ import annotations

from patcher.intent.conventions import convention


def test_a_value_most_routes_share_is_the_convention() -> None:
    assert convention(["5s", "5s", "10s"]) == "5s"


def test_one_route_is_no_convention() -> None:
    assert convention(["5s", None, None]) is None


def test_a_tie_is_no_convention() -> None:
    assert convention(["5s", "10s"]) is None
    assert convention(["5s", "5s", "10s", "10s"]) is None


def test_mappings_are_compared_by_content() -> None:
    assert convention([{"attempts": 2, "retryOn": "reset"}, {"retryOn": "reset", "attempts": 2}]) == {
        "attempts": 2, "retryOn": "reset"}
