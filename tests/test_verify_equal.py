"""Effect verification's equality: order ignored only where Kubernetes ignores it."""

from patcher.verify.equal import deployed_equal


def _svc(*ports):
    return {"kind": "Service", "spec": {"ports": [{"name": n, "port": p} for n, p in ports]}}


def test_a_services_ports_compare_in_any_order() -> None:
    assert deployed_equal(_svc(("a", 80), ("b", 443)), _svc(("b", 443), ("a", 80)))
    assert not deployed_equal(_svc(("a", 80), ("b", 443)), _svc(("a", 80), ("b", 8443)))


def test_route_order_still_counts() -> None:
    one = {"kind": "VirtualService", "spec": {"http": [{"name": "a"}, {"name": "b"}]}}
    two = {"kind": "VirtualService", "spec": {"http": [{"name": "b"}, {"name": "a"}]}}
    assert not deployed_equal(one, two)
