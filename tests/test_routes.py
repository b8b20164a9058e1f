"""Route shadowing per match condition: which earlier condition covers which later one."""

from __future__ import annotations

import pytest

from patcher.routes import Scope, condition_covers, disjoint, insertion_index, unreachable


def _uri(kind: str, value: str, **more) -> dict:
    return {"uri": {kind: value}, **more}


COVERS = [
    ({}, _uri("prefix", "/api")),  # no condition: everything
    (_uri("prefix", "/"), _uri("regex", "/a.*")),
    (_uri("prefix", "/api"), _uri("prefix", "/api/v1")),
    (_uri("prefix", "/api"), _uri("exact", "/api")),
    (_uri("exact", "/a"), _uri("exact", "/a")),
    (_uri("regex", "/a/[0-9]+"), _uri("regex", "/a/[0-9]+")),
    (_uri("prefix", "/API", ignoreUriCase=True), _uri("prefix", "/api/x")),
    (_uri("prefix", "/a"), _uri("prefix", "/a", method={"exact": "GET"})),
    ({"method": {"exact": "GET"}}, _uri("prefix", "/a", method={"exact": "GET"})),
    ({"headers": {"x": {"prefix": "t"}}}, {"headers": {"x": {"exact": "true"}, "y": {"exact": "1"}}}),
    ({"headers": {"x": {}}}, {"headers": {"x": {"exact": "1"}}}),
    ({"queryParams": {"f": {"exact": "rss"}}}, {"queryParams": {"f": {"exact": "rss"}}}),
    ({"withoutHeaders": {"x": {"exact": "1"}}}, {"withoutHeaders": {"x": {"prefix": ""}}}),
    ({"port": 8080}, {"port": 8080, "uri": {"prefix": "/"}}),
    ({"sourceLabels": {"app": "a"}}, {"sourceLabels": {"app": "a", "v": "1"}}),
    ({"gateways": ["gw", "other"]}, {"gateways": ["ns/gw"]}),
    ({"name": "any", "statPrefix": "s"}, {"name": "x"}),
]

NOT_COVERS = [
    (_uri("prefix", "/api/v1"), _uri("prefix", "/api")),
    (_uri("exact", "/api"), _uri("prefix", "/api")),
    (_uri("regex", "/img/.*"), _uri("prefix", "/img/thumbs")),
    (_uri("regex", "/a.*"), _uri("regex", "/a.+")),
    (_uri("prefix", "/docs"), _uri("prefix", "/DOCS", ignoreUriCase=True)),
    (_uri("prefix", "/docs"), _uri("prefix", "/docs/a", ignoreUriCase=True)),
    ({"method": {"exact": "GET"}}, {"method": {"exact": "POST"}}),
    ({"method": {"exact": "GET"}}, {}),
    ({"headers": {"x": {"exact": "1"}}}, {"headers": {"x": {"prefix": "1"}}}),
    ({"headers": {"x": {"exact": "1"}}}, {}),
    ({"headers": {"x": {"regex": ".*"}}}, {}),
    ({"queryParams": {"f": {"exact": "rss"}}}, {}),
    ({"withoutHeaders": {"x": {"exact": "1"}}}, {}),
    ({"withoutHeaders": {"x": {"prefix": ""}}}, {"withoutHeaders": {"x": {"exact": "1"}}}),
    ({"port": 8080}, {}),
    ({"sourceLabels": {"app": "a"}}, {"sourceLabels": {"app": "b"}}),
    ({"sourceNamespace": "a"}, {}),
    ({"gateways": ["gw"]}, {}),  # the later one applies on every gateway of its VirtualService
    ({"gateways": ["gw"]}, {"gateways": ["gw", "other"]}),
    ({"someFutureField": 1}, {"someFutureField": 1}),  # unknown: never a false "unreachable"
]


@pytest.mark.parametrize("broad, narrow", COVERS)
def test_covers(broad, narrow):
    assert condition_covers(broad, narrow, Scope("ns"), Scope("ns"))


@pytest.mark.parametrize("broad, narrow", NOT_COVERS)
def test_does_not_cover(broad, narrow):
    assert not condition_covers(broad, narrow, Scope("ns"), Scope("ns"))


def test_a_gateway_condition_covers_a_route_on_the_virtualservices_gateways_only():
    scope = Scope("ns", (("ns", "gw"),))
    assert condition_covers({"gateways": ["gw"]}, {}, scope, scope)
    wider = Scope("ns", (("ns", "gw"), ("ns", "other")))
    assert not condition_covers({"gateways": ["gw"]}, {}, wider, wider)


def route(*conditions: dict, to: str = "svc") -> dict:
    out = {"route": [{"destination": {"host": to}}]}
    if conditions:
        out["match"] = list(conditions)
    return out


def test_a_route_is_unreachable_only_when_each_condition_is_covered_by_some_earlier_route():
    routes = [route(_uri("prefix", "/api")), route(_uri("prefix", "/admin")),
              route(_uri("prefix", "/api/v2"), _uri("exact", "/admin/x")),
              route(_uri("prefix", "/api/v3"), _uri("prefix", "/other"))]
    assert unreachable(routes) == {2: [0, 1]}


def test_a_catch_all_first_hides_everything_after_it():
    routes = [route(), route(_uri("prefix", "/a")), route({"method": {"exact": "GET"}})]
    assert unreachable(routes) == {1: [0], 2: [0]}


def test_insertion_goes_before_the_first_route_covering_any_condition():
    routes = [route(_uri("prefix", "/a")), route(_uri("prefix", "/b")), route()]
    assert insertion_index(routes, route(_uri("prefix", "/b/x"), _uri("prefix", "/c"))) == 1
    assert insertion_index(routes, route(_uri("prefix", "/z"))) == 2


@pytest.mark.parametrize("a, b, expected", [
    (_uri("prefix", "/a"), _uri("prefix", "/b"), True),
    (_uri("prefix", "/a"), _uri("prefix", "/a/b"), False),
    ({"method": {"exact": "GET"}}, {"method": {"exact": "POST"}}, True),
    ({"headers": {"x": {"exact": "1"}}}, {"headers": {"x": {"exact": "2"}}}, True),
    ({"headers": {"x": {"exact": "1"}}}, {"headers": {"y": {"exact": "2"}}}, False),
    ({"sourceLabels": {"app": "a"}}, {"sourceLabels": {"app": "b"}}, True),
    ({"port": 80}, {"port": 8080}, True),
    (_uri("regex", "/a"), _uri("regex", "/b"), False),  # undecided: they may meet
    (_uri("prefix", "/A", ignoreUriCase=True), _uri("prefix", "/a/b"), False),
])
def test_disjoint(a, b, expected):
    assert disjoint(route(a), route(b)) is expected
