"""The routing topology on its own: Services, workloads, ports, the ingress chain and calls."""

from __future__ import annotations

from pathlib import Path

from tests.test_callgraph import deployment, service, topology_of

KIND = ("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n"
        "    extraPortMappings:\n      - containerPort: 30777\n        hostPort: 7777\n")
GATEWAY = ("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gate, namespace: portal}\n"
           "spec:\n  selector: {istio: lobby}\n  servers:\n    - port: {number: 8088, name: http, protocol: HTTP}\n"
           "      hosts: ['*']\n    - port: {number: 8443, name: https, protocol: HTTPS}\n      hosts: ['*']\n")
LOBBY = ("apiVersion: v1\nkind: Service\nmetadata: {name: lobby, namespace: lobby-ns}\nspec:\n  type: NodePort\n"
         "  selector: {istio: lobby}\n  ports:\n    - {name: http, port: 8088, targetPort: 8080, nodePort: 30777}\n"
         "    - {name: https, port: 8443, targetPort: 8443, nodePort: 30778}\n")
APP = (deployment("desk", "portal", "app: desk", "          ports:\n            - {name: www, containerPort: 5050}\n"
                  "            - {containerPort: 5051, hostPort: 15051}\n")
       + "---\n" + service("desk", "portal", "app: desk", 80, "www"))
ROUTE = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: desk, namespace: portal}\n"
         "spec:\n  hosts: ['*']\n  gateways: [gate]\n  http:\n    - route:\n"
         "        - destination: {host: desk.portal.svc.cluster.local, port: {number: 80}}\n"
         "    - route:\n        - destination: {host: missing}\n")


def test_services_workloads_and_ports(tmp_path: Path) -> None:
    t = topology_of(tmp_path, {"kind.yaml": KIND, "gw.yaml": GATEWAY + "---\n" + LOBBY, "app.yaml": APP})
    assert sorted(t.services) == [("lobby-ns", "lobby"), ("portal", "desk")]
    desk = t.services[("portal", "desk")]
    assert (desk.type, desk.selector, [(p.port, p.target_port) for p in desk.ports]) == (
        "ClusterIP", {"app": "desk"}, [(80, "www")])
    assert t.target_port(desk, desk.ports[0]) == 5050  # the named container port, by number
    assert [(w.key, w.pod_labels, w.container_ports) for w in t.workloads] == [
        (("portal", "desk"), {"app": "desk"}, ((5050, None), (5051, 15051)))]
    assert [w.resource.name for w in t.workloads_of(desk)] == ["desk"]
    assert t.host_ports == {15051: t.workloads[0]}
    assert {port: (s.resource.name, p.port) for port, (s, p) in t.node_ports.items()} == {
        30777: ("lobby", 8088), 30778: ("lobby", 8443)}
    assert [(m.host_port, m.container_port) for m in t.mappings] == [(7777, 30777)]
    assert t.mapped_host_port(30777) == 7777 and t.mapped_host_port(30778) is None


def test_ingress_chain(tmp_path: Path) -> None:
    t = topology_of(tmp_path, {"kind.yaml": KIND, "gw.yaml": GATEWAY + "---\n" + LOBBY, "app.yaml": APP,
                               "vs.yaml": ROUTE})
    gateway = t.gateways[("portal", "gate")]
    assert [s.key for s in t.ingress_services(gateway)] == [("lobby-ns", "lobby")]
    assert [s.key for s in t.all_ingress_services] == [("lobby-ns", "lobby")]
    assert [g.key for g in t.gateways_on(t.services[("lobby-ns", "lobby")])] == [("portal", "gate")]
    assert t.unreachable_server_ports == {8443}  # NodePort 30778 has no kind mapping
    (vs,) = t.virtual_services
    assert vs.gateways == (("portal", "gate"),)
    assert [[(d.host, d.port, d.service.key if d.service else None) for d in r.destinations] for r in vs.routes] == [
        [("desk.portal.svc.cluster.local", 80, ("portal", "desk"))], [("missing", None, None)]]
    assert t.application_namespaces == ["portal"]
    # the gateway calls what it routes to, and the route to nothing is kept as unresolved
    assert [(c.caller.kind, c.caller.namespace, c.target_key, c.port) for c in t.calls] == [
        ("ingress-gateway", "lobby-ns", ("portal", "desk"), 80)]
    assert [(u.caller.kind, u.host) for u in t.call_graph.unresolved] == [("ingress-gateway", "missing")]


def test_resolve_names_as_kubernetes_dns_does(tmp_path: Path) -> None:
    t = topology_of(tmp_path, {"app.yaml": APP})
    desk = ("portal", "desk")
    assert t.resolve("desk", "portal").key == desk
    assert t.resolve("desk.portal", "elsewhere").key == desk
    assert t.resolve("desk.portal.svc", "elsewhere").key == desk
    assert t.resolve("desk.portal.svc.cluster.local", "elsewhere").key == desk
    assert t.resolve("desk", "elsewhere") is None
    assert t.resolve("desk.example.com", "portal") is None
