"""Topology.trace: one request from the host, hop by hop, each hop's state and reason."""

from __future__ import annotations

from pathlib import Path

from tests.test_callgraph import deployment, service, topology_of
from patcher.trace import Entry, HopState

OK, MISSING, UNREACHABLE, UNKNOWN = HopState.OK, HopState.MISSING, HopState.UNREACHABLE, HopState.UNKNOWN

KIND = ("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n"
        "    extraPortMappings:\n      - containerPort: 30880\n        hostPort: 7000\n"
        "      - containerPort: 30999\n        hostPort: 7999\n")
LOBBY = ("apiVersion: v1\nkind: Service\nmetadata: {name: doorway, namespace: edge}\nspec:\n  type: NodePort\n"
         "  selector: {istio: doorway}\n  ports:\n    - {name: http, port: 8088, targetPort: 8080, nodePort: 30880}\n")
GATEWAY = ("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: front, namespace: harbor}\n"
           "spec:\n  selector: {istio: doorway}\n  servers:\n    - port: {number: 8080, name: web, protocol: HTTP}\n"
           "      hosts: ['*']\n")
ROUTES = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: pier, namespace: harbor}\n"
          "spec:\n  hosts: ['*']\n  gateways: [front]\n  http:\n"
          "    - name: ledger\n      match: [{uri: {prefix: /ledger}}]\n      route:\n"
          "        - destination: {host: ledger, port: {number: 6100}}\n"
          "    - name: ghost\n      match: [{uri: {prefix: /ghost}}]\n      route:\n        - destination: {host: ghost}\n"
          "    - name: wrong-port\n      match: [{uri: {exact: /wrong}}]\n      route:\n"
          "        - destination: {host: ledger, port: {number: 9}}\n"
          "    - name: idle\n      match: [{uri: {prefix: /idle}}]\n      route:\n        - destination: {host: idle}\n"
          "    - name: manual\n      match: [{uri: {prefix: /manual}}]\n      route:\n        - destination: {host: manual}\n"
          "    - name: away\n      match: [{uri: {prefix: /away}}]\n      route:\n"
          "        - destination: {host: api.example.org}\n")
LEDGER = (deployment("ledger", "harbor", "app: ledger",
                     "          env:\n            - {name: VAULT_URL, value: 'http://vault:7300'}\n")
          + "---\n" + service("ledger", "harbor", "app: ledger", 6100)
          + "---\n" + deployment("vault", "harbor", "app: vault") + "---\n" + service("vault", "harbor", "app: vault", 7300)
          + "---\n" + service("idle", "harbor", "app: nobody", 80)
          + "---\napiVersion: v1\nkind: Service\nmetadata: {name: manual, namespace: harbor}\nspec:\n  ports: [{port: 80}]\n")
FILES = {"cluster/kind.yaml": KIND, "mesh/doorway.yaml": LOBBY, "mesh/gateway.yaml": GATEWAY,
         "mesh/routes.yaml": ROUTES, "apps/ledger.yaml": LEDGER}


def rows(trace) -> list[tuple]:
    return [(h.layer, h.label, h.state) for h in trace.hops]


def test_a_whole_chain_to_the_pods_and_their_calls(tmp_path: Path) -> None:
    t = topology_of(tmp_path, FILES)
    trace = t.trace(Entry(7000, "/ledger/books"))
    assert rows(trace) == [
        ("host port", "localhost:7000", OK),
        ("kind mapping", "host 7000 -> containerPort 30880", OK),
        ("NodePort", "30880", OK),
        ("ingress Service port", "edge/doorway:8088", OK),
        ("Gateway server", "harbor/front:8080", OK),
        ("VirtualService route", "harbor/pier route 0 'ledger'", OK),
        ("Service port", "harbor/ledger:6100", OK),
        ("endpoints", "Deployment harbor/ledger", OK),
        ("call", "harbor/vault:7300", OK),
    ]
    assert trace.ok and trace.state is OK and trace.failing is None
    assert trace.hop("kind mapping").where == "cluster/kind.yaml:6"
    assert trace.hop("VirtualService route").reason == "prefix /ledger matches /ledger/books"
    assert trace.hop("ingress Service port").reason == "port 8088 (http) leads to targetPort 8080"


def test_no_kind_mapping_for_the_host_port_is_missing(tmp_path: Path) -> None:
    trace = topology_of(tmp_path, FILES).trace(Entry(8080, "/ledger"))
    assert rows(trace) == [("host port", "localhost:8080", MISSING)]
    assert trace.failing.reason == "kind maps no host port 8080 (mapped: 7000, 7999): the connection is refused"


def test_a_mapping_onto_a_port_nothing_listens_on_is_unreachable(tmp_path: Path) -> None:
    trace = topology_of(tmp_path, FILES).trace(Entry(7999))
    assert rows(trace)[-1] == ("NodePort", "30999", UNREACHABLE)
    assert trace.failing.reason == ("no Service has nodePort 30999 and no workload uses hostPort 30999: "
                                    "nothing listens there")


def test_a_route_to_a_service_the_repository_lacks_is_missing(tmp_path: Path) -> None:
    trace = topology_of(tmp_path, FILES).trace(Entry(7000, "/ghost"))
    assert rows(trace)[-1] == ("Service port", "ghost", MISSING)
    assert trace.failing.where == "mesh/routes.yaml:12"


def test_a_route_to_a_host_outside_the_cluster_is_unknown(tmp_path: Path) -> None:
    trace = topology_of(tmp_path, FILES).trace(Entry(7000, "/away"))
    assert rows(trace)[-1] == ("Service port", "api.example.org", UNKNOWN)
    assert trace.failing.reason == "api.example.org: api.example.org is a host outside the cluster"


def test_a_remote_apply_may_hold_the_missing_service(tmp_path: Path) -> None:
    files = dict(FILES, **{"install.sh": "kubectl apply -f https://example.org/ghost.yaml\n"
                                        "kubectl apply -f mesh/ -f apps/\n"})
    trace = topology_of(tmp_path, files).trace(Entry(7000, "/ghost"))
    assert rows(trace)[-1] == ("Service port", "ghost", UNKNOWN)
    assert "install.sh:1 applies https://example.org/ghost.yaml from outside the repository" in trace.failing.reason


def test_a_port_the_service_does_not_have_is_missing(tmp_path: Path) -> None:
    trace = topology_of(tmp_path, FILES).trace(Entry(7000, "/wrong"))
    assert rows(trace)[-1] == ("Service port", "harbor/ledger:9", MISSING)
    assert trace.failing.reason == "the route sends to port 9, which harbor/ledger does not have (ports: 6100)"


def test_a_selector_without_pods_is_unreachable_and_no_selector_unknown(tmp_path: Path) -> None:
    t = topology_of(tmp_path, FILES)
    idle = t.trace(Entry(7000, "/idle"))
    assert rows(idle)[-1] == ("endpoints", "harbor/idle", UNREACHABLE)
    assert idle.failing.reason == "the selector app=nobody matches no pods: the Service has no endpoints (503)"
    manual = t.trace(Entry(7000, "/manual"))
    assert rows(manual)[-1] == ("endpoints", "harbor/manual", UNKNOWN)


def test_a_path_no_route_matches_is_missing_at_the_route(tmp_path: Path) -> None:
    trace = topology_of(tmp_path, FILES).trace(Entry(7000, "/elsewhere"))
    assert rows(trace)[-1] == ("VirtualService route", "/elsewhere", MISSING)
    assert trace.failing.reason == "no route of harbor/pier matches /elsewhere on host localhost: the gateway answers 404"


def test_a_host_header_the_gateway_does_not_take_is_missing(tmp_path: Path) -> None:
    gateway = GATEWAY.replace("hosts: ['*']", "hosts: ['shop.example.com']")
    trace = topology_of(tmp_path, dict(FILES, **{"mesh/gateway.yaml": gateway})).trace(Entry(7000, "/ledger"))
    assert rows(trace)[-1] == ("Gateway server", "harbor/front:8080", MISSING)
    assert trace.failing.reason == ("the servers on port 8080 take hosts shop.example.com, not localhost: "
                                    "the gateway answers 404")
    named = topology_of(tmp_path, dict(FILES, **{"mesh/gateway.yaml": gateway})).trace(
        Entry(7000, "/ledger", "shop.example.com"))
    assert rows(named)[4:6] == [("Gateway server", "harbor/front:8080", OK),
                                ("VirtualService route", "harbor/pier route 0 'ledger'", OK)]


def test_an_ingress_port_no_server_listens_on_is_missing(tmp_path: Path) -> None:
    gateway = GATEWAY.replace("number: 8080", "number: 9443")
    trace = topology_of(tmp_path, dict(FILES, **{"mesh/gateway.yaml": gateway})).trace(Entry(7000))
    assert rows(trace)[-1] == ("Gateway server", "port 8080", MISSING)


def test_without_a_kind_config_the_host_side_is_unknown(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k != "cluster/kind.yaml"}
    trace = topology_of(tmp_path, files).trace(Entry(7000, "/ledger"))
    assert rows(trace) == [("host port", "localhost:7000", UNKNOWN)]


def test_a_port_forwarded_host_port_is_unknown_not_missing(tmp_path: Path) -> None:
    files = dict(FILES, **{"dev.sh": "kubectl port-forward -n harbor svc/ledger 6100:6100 &\n"})
    trace = topology_of(tmp_path, files).trace(Entry(6100))
    assert rows(trace) == [("host port", "localhost:6100", UNKNOWN)]
    assert trace.failing.reason == "a script port-forwards localhost:6100 while it runs; kind maps no host port 6100"


def test_a_hostport_mapping_ends_at_the_pods(tmp_path: Path) -> None:
    kind = KIND.replace("containerPort: 30999", "containerPort: 15051")
    pod = deployment("probe", "harbor", "app: probe", "          ports:\n            - {containerPort: 5051, hostPort: 15051}\n")
    trace = topology_of(tmp_path, dict(FILES, **{"cluster/kind.yaml": kind, "apps/probe.yaml": pod})).trace(Entry(7999))
    assert rows(trace) == [("host port", "localhost:7999", OK), ("kind mapping", "host 7999 -> containerPort 15051", OK),
                           ("NodePort", "15051", OK)]
    assert trace.hops[-1].reason == "hostPort 15051 of Deployment harbor/probe"


def test_of_two_virtual_services_the_narrower_route_is_traced_and_the_other_named(tmp_path: Path) -> None:
    catch_all = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: all, namespace: harbor}\n"
                 "spec:\n  hosts: ['*']\n  gateways: [front]\n  http:\n    - route:\n"
                 "        - destination: {host: vault}\n")
    trace = topology_of(tmp_path, dict(FILES, **{"mesh/all.yaml": catch_all})).trace(Entry(7000, "/ledger"))
    route = trace.hop("VirtualService route")
    assert route.label == "harbor/pier route 0 'ledger'"
    assert route.reason == ("prefix /ledger matches /ledger; route 0 of harbor/all (any request) matches too, "
                            "and answers instead when Istio merges it first")


def test_entries_are_route_prefixes_and_script_requests(tmp_path: Path) -> None:
    script = ('#!/bin/sh\nBASE="http://localhost:7000"\ncurl -fsS "$BASE/ledger/list"\n'
              "curl -H 'Host: shop.example.com' http://127.0.0.1:7000/ghost\ncurl http://localhost:9100/metrics\n")
    t = topology_of(tmp_path, dict(FILES, **{"smoke.sh": script}))
    got = [(e.port, e.path, e.host, e.file, e.line) for e in t.entries()]
    assert got == [(7000, p, None, None, None) for p in ("/ledger", "/ghost", "/wrong", "/idle", "/manual", "/away")] + [
        (7000, "/ledger/list", None, "smoke.sh", 3), (7000, "/ghost", "shop.example.com", "smoke.sh", 4),
        (9100, "/metrics", None, "smoke.sh", 5)]


def test_when_the_ingress_service_is_not_in_the_repository_the_node_port_is_unknown(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k != "mesh/doorway.yaml"}
    t = topology_of(tmp_path, files)
    assert t.model.ingress_unknown
    trace = t.trace(Entry(7000, "/ledger"))
    assert rows(trace) == [("host port", "localhost:7000", OK), ("kind mapping", "host 7000 -> containerPort 30880", OK),
                           ("NodePort", "30880", UNKNOWN)]
    assert trace.failing.reason == t.model.ingress_unknown


def test_a_route_of_a_condition_the_trace_cannot_judge_is_unknown_not_missing(tmp_path: Path) -> None:
    routes = ROUTES.replace("match: [{uri: {prefix: /ledger}}]", "match: [{uri: {prefix: /ledger}, sourceLabels: {}}]"
                            ).replace("    - name: ghost", "    - name: odd\n      match: [{uri: {suffix: x}}]\n"
                                      "      route:\n        - destination: {host: vault}\n    - name: ghost")
    trace = topology_of(tmp_path, dict(FILES, **{"mesh/routes.yaml": routes})).trace(Entry(7000, "/nowhere"))
    assert rows(trace)[-1] == ("VirtualService route", "harbor/pier", UNKNOWN)


TLS_GATEWAY = GATEWAY.replace("number: 8080, name: web, protocol: HTTP}\n      hosts: ['*']",
                              "number: 8080, name: web, protocol: HTTPS}\n      hosts: ['pier.example.test']\n"
                              "      tls: {mode: SIMPLE, credentialName: pier-cert}")


def test_https_with_only_a_host_header_fails_the_tls_server_name_and_resolve_passes(tmp_path: Path) -> None:
    t = topology_of(tmp_path, dict(FILES, **{"mesh/gateway.yaml": TLS_GATEWAY}))
    header = t.trace(Entry(7000, "/ledger", "pier.example.test", "https"))
    assert rows(header)[-1] == ("Gateway server", "harbor/front:8080", MISSING)
    assert header.failing.reason.startswith("curl sends the TLS server name localhost, and the servers on port 8080 "
                                            "take pier.example.test: the handshake fails")
    resolved = t.trace(Entry(7000, "/ledger", "pier.example.test", "https", resolved=True))
    assert str(resolved.entry) == "https://pier.example.test:7000/ledger (--resolve pier.example.test:7000:127.0.0.1)"
    assert resolved.hop("Gateway server").state is OK


def test_a_scripts_resolve_call_is_an_entry_with_its_host(tmp_path: Path) -> None:
    script = "curl --resolve pier.example.test:7000:127.0.0.1 http://pier.example.test:7000/ledger/x\n"
    t = topology_of(tmp_path, dict(FILES, **{"smoke.sh": script}))
    entry = next(e for e in t.entries() if e.file == "smoke.sh")
    assert (entry.port, entry.path, entry.host, entry.resolved) == (7000, "/ledger/x", "pier.example.test", True)
    assert t.trace(entry).ok


def test_a_hostport_of_the_ingress_gateway_pods_leads_on_to_its_servers(tmp_path: Path) -> None:
    kind = KIND.replace("containerPort: 30999", "containerPort: 80")
    pods = deployment("doorway", "edge", "istio: doorway", "          ports:\n            - {containerPort: 8080, hostPort: 80}\n")
    files = {k: v for k, v in FILES.items() if k != "mesh/doorway.yaml"}
    trace = topology_of(tmp_path, dict(files, **{"cluster/kind.yaml": kind, "mesh/pods.yaml": pods})).trace(
        Entry(7999, "/ledger"))
    assert [h.layer for h in trace.hops][:6] == ["host port", "kind mapping", "NodePort", "Gateway server",
                                                 "VirtualService route", "Service port"]
    assert trace.ok
