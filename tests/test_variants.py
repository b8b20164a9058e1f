"""Identity: the same group, kind, namespace and name in several files are variants of one object."""

from __future__ import annotations

from pathlib import Path

from patcher.analyse import Selection, analyse
from patcher.deployed.variants import identity, same_object
from tests.test_model import model_of, write


def vs(name: str, namespace: str, prefix: str, timeout: bool = False, group: str = "networking.istio.io/v1") -> str:
    extra = "      timeout: 5s\n      retries: {attempts: 2, perTryTimeout: 2s, retryOn: connect-failure}\n" \
        if timeout else ""
    return (f"apiVersion: {group}\nkind: VirtualService\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            "spec:\n  hosts: [orders.shop.test]\n  gateways: [mesh-edge/public]\n  http:\n"
            f"    - match:\n        - uri: {{prefix: {prefix}}}\n      route:\n"
            "        - destination: {host: orders, port: {number: 9300}}\n" + extra)


SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: orders\n  namespace: shop\n"
           "spec:\n  ports:\n    - port: 9300\n")


def test_variants_are_keyed_by_group_kind_namespace_and_name(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "svc.yaml": SERVICE,
        "blue/orders.yaml": vs("orders", "shop", "/"),
        "green/orders.yaml": vs("orders", "shop", "/v2"),
        "other-ns/orders.yaml": vs("orders", "shop-canary", "/"),
        "other-group/orders.yaml": vs("orders", "shop", "/", group="example.com/v1"),
    })
    model = model_of(root)
    assert {key: [r.source.file for r in group] for key, group in model.variants.items()} == {
        ("networking.istio.io", "VirtualService", "shop", "orders"): ["blue/orders.yaml", "green/orders.yaml"]}
    blue, green = model.variants[("networking.istio.io", "VirtualService", "shop", "orders")]
    assert identity(blue) == identity(green) and same_object(blue, green) and not same_object(blue, blue)
    assert [d.message for d in model.diagnostics if "variants" in d.message] == [
        "VirtualService shop/orders has 2 variants: blue/orders.yaml, green/orders.yaml: applying one replaces "
        "the other; each is analysed on its own and never paired with another"]


def test_no_duplicate_host_between_variants_each_judged_on_its_own(tmp_path: Path) -> None:
    root = write(tmp_path, {"svc.yaml": SERVICE, "blue/orders.yaml": vs("orders", "shop", "/", timeout=True),
                            "green/orders.yaml": vs("orders", "shop", "/v2")})
    found = [(f.rule, f.location.file, f.message) for f in analyse(model_of(root), Selection(
        ("istio/duplicate-gateway-host", "istio/route-without-timeout")))]
    assert found == [("istio/route-without-timeout", "green/orders.yaml",
                      "route 0 of VirtualService shop/orders has no timeout and no retries")]


def test_a_third_virtual_service_pairs_with_variants_but_no_merge_is_offered(tmp_path: Path) -> None:
    root = write(tmp_path, {"svc.yaml": SERVICE, "blue/orders.yaml": vs("orders", "shop", "/", timeout=True),
                            "green/orders.yaml": vs("orders", "shop", "/v2", timeout=True),
                            "zz/orders-extra.yaml": vs("orders-extra", "shop", "/extra", timeout=True)})
    found = [(f.location.file, f.message, f.fix) for f in analyse(model_of(root), Selection(
        ("istio/duplicate-gateway-host",)))]
    # removing a version's rival would take routes from the other version's deployment: no fix
    assert found == [
        ("zz/orders-extra.yaml", "VirtualService shop/orders-extra routes host orders.shop.test on the same "
                                 "gateway as shop/orders (blue/orders.yaml)", None)]


def test_a_plain_duplicate_still_gets_its_merge(tmp_path: Path) -> None:
    root = write(tmp_path, {"svc.yaml": SERVICE, "blue/orders.yaml": vs("orders", "shop", "/", timeout=True),
                            "zz/orders-extra.yaml": vs("orders-extra", "shop", "/extra", timeout=True)})
    [finding] = analyse(model_of(root), Selection(("istio/duplicate-gateway-host",)))
    assert finding.fix is not None and finding.fix.title == "merge its routes into orders and remove it"
