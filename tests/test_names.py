"""Name resolution as Kubernetes DNS and Istio do it: Services, Gateways, hosts, selectors."""

from __future__ import annotations

import pytest

from patcher.names import fqdn, gateway_key, host_matches, hosts_overlap, selects, service_key

DOMAIN = "cluster.local"


@pytest.mark.parametrize(("host", "expected"), [
    # a short name is resolved in the namespace of the resource that uses it
    ("reviews", ("default", "reviews")),
    # name.namespace, name.namespace.svc and the full name all point at another namespace
    ("reviews.prod", ("prod", "reviews")),
    ("reviews.prod.svc", ("prod", "reviews")),
    ("reviews.prod.svc.cluster.local", ("prod", "reviews")),
    # DNS names are case-insensitive and may end with the root dot; spaces around are noise
    ("Reviews.Prod.SVC.Cluster.Local.", ("prod", "reviews")),
    ("  reviews.prod.svc.cluster.local  ", ("prod", "reviews")),
], ids=["short", "name.ns", "name.ns.svc", "fqdn", "case-and-root-dot", "whitespace"])
def test_service_key_resolves_cluster_names(host: str, expected: tuple[str, str]) -> None:
    assert service_key(host, "default", DOMAIN) == expected


@pytest.mark.parametrize("host", [
    "www.example.com",  # three labels, not a cluster name
    "reviews.prod.svc.example.org",  # .svc. but another domain
    "reviews.svc.cluster.local",  # namespace-level name, no Service
    "a.b.c.svc.cluster.local",  # too many labels before .svc
    "*.prod.svc.cluster.local",  # wildcards are never one Service
    "*",
    "",
    "   ",
])
def test_service_key_is_none_for_names_outside_the_cluster(host: str) -> None:
    assert service_key(host, "default", DOMAIN) is None


def test_service_key_honours_a_custom_cluster_domain() -> None:
    assert service_key("reviews.prod.svc.corp.internal", "default", "corp.internal") == ("prod", "reviews")
    # with a custom domain, cluster.local is just another external name
    assert service_key("reviews.prod.svc.cluster.local", "default", "corp.internal") is None
    # and the short forms still resolve
    assert service_key("reviews", "shop", "corp.internal") == ("shop", "reviews")
    assert service_key("reviews.prod.svc", "shop", "corp.internal") == ("prod", "reviews")


def test_fqdn_round_trips_through_service_key() -> None:
    name = fqdn("prod", "reviews", "corp.internal")
    assert name == "reviews.prod.svc.corp.internal"
    assert service_key(name, "default", "corp.internal") == ("prod", "reviews")


@pytest.mark.parametrize(("reference", "namespace", "expected"), [
    ("app-gateway", "default", ("default", "app-gateway")),  # same namespace as the VirtualService
    ("istio-system/ingress", "default", ("istio-system", "ingress")),  # ns/name
    ("ingress.istio-system.svc.cluster.local", "default", ("istio-system", "ingress")),  # deprecated form
    ("mesh", "default", None),  # the sidecars, not a Gateway resource
])
def test_gateway_key(reference: str, namespace: str, expected) -> None:
    assert gateway_key(reference, namespace) == expected


@pytest.mark.parametrize(("pattern", "host", "expected"), [
    ("shop.example.com", "shop.example.com", True),
    ("shop.example.com", "api.example.com", False),
    ("*", "anything.example.com", True),
    ("*.example.com", "shop.example.com", True),
    ("*.example.com", "a.b.example.com", True),  # Istio wildcards span several labels
    ("*.example.com", "example.com", False),  # but need at least one
    ("*.example.com", "shop.example.org", False),
    ("*.example.com", "badexample.com", False),  # suffix match is on a label boundary
    ("*.EXAMPLE.com", "Shop.Example.COM", True),  # case-insensitive
    ("*.com", "*.example.com", True),  # a wider wildcard covers a narrower one
    ("*.example.com", "*", False),  # but not the other way round
    ("shop.example.com", "*", False),
])
def test_host_matches(pattern: str, host: str, expected: bool) -> None:
    assert host_matches(pattern, host) is expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("*", "shop.example.com", True),
    ("shop.example.com", "*", True),
    ("*.example.com", "shop.example.com", True),
    ("shop.example.com", "*.example.com", True),
    ("*.example.com", "*.shop.example.com", True),
    ("shop.example.com", "api.example.com", False),
    ("*.example.com", "*.example.org", False),
])
def test_hosts_overlap_is_symmetric(a: str, b: str, expected: bool) -> None:
    assert hosts_overlap(a, b) is expected
    assert hosts_overlap(b, a) is expected


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ({"app": "web"}, {"app": "web", "version": "v1"}, True),  # a subset of the labels
    ({"app": "web", "version": "v1"}, {"app": "web", "version": "v1"}, True),
    ({"app": "web", "version": "v2"}, {"app": "web", "version": "v1"}, False),  # every pair must match
    ({"app": "web"}, {"app": "api"}, False),
    ({"app": "web"}, {"name": "web"}, False),  # key matters, not just value
    ({}, {"app": "web"}, False),  # a Service without a selector selects nothing
    (None, {"app": "web"}, False),
    ({"app": "web"}, {}, False),
    ({"app": "web"}, None, False),
])
def test_selects(selector, labels, expected: bool) -> None:
    assert selects(selector, labels) is expected
