"""The call graph, one source of calls at a time: exact calls, with their evidence."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from patcher.config import load_config
from patcher.entrypoints.records import EntryPoints, NamespaceLabel
from patcher.model import build_model
from patcher.plan import load_workspace
from patcher.topology import Topology, build_topology


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def topology_of(root: Path, files: dict[str, str], entry_points: EntryPoints | None = None) -> Topology:
    write(root, files)
    workspace, _ = load_workspace(root)
    model = build_model(workspace, load_config(root))
    if entry_points is not None:
        model = dataclasses.replace(model, entry_points=entry_points)
    return build_topology(model)


def rows(topology: Topology) -> list[tuple]:
    return [(c.caller.kind, c.caller.namespace, c.caller.name, c.target_key, c.port, str(c.evidence))
            for c in topology.calls]


def deployment(name: str, namespace: str, labels: str, container: str = "", template_meta: str = "") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            f"spec:\n  selector:\n    matchLabels: {{{labels}}}\n  template:\n    metadata:\n"
            f"      labels: {{{labels}}}\n{template_meta}    spec:\n      containers:\n"
            f"        - name: main\n          image: ghcr.io/x/{name}:1\n{container}")


def service(name: str, namespace: str, labels: str, port: int, target: int | str | None = None) -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            f"spec:\n  selector: {{{labels}}}\n  ports:\n    - port: {port}\n      targetPort: {target or port}\n")


LEDGER = deployment("ledger", "books", "app: ledger") + "---\n" + service("ledger", "books", "app: ledger", 6100)


def test_env_value_url_and_host_port_pair(tmp_path: Path) -> None:
    env = ("          env:\n            - name: LEDGER_URL\n              value: http://ledger.books:6100/api\n"
           "            - name: MODE\n              value: fast\n")
    t = topology_of(tmp_path, {"a.yaml": deployment("teller", "front", "app: teller", env), "b.yaml": LEDGER})
    assert rows(t) == [("workload", "front", "teller", ("books", "ledger"), 6100, "a.yaml:18 (env LEDGER_URL)")]
    assert t.call_graph.unresolved == ()


def test_env_from_a_config_map_of_the_model_with_prefix(tmp_path: Path) -> None:
    env = "          envFrom:\n            - configMapRef: {name: teller-cfg-5h7k2}\n              prefix: UP_\n"
    cm = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: teller-cfg-5h7k2, namespace: front}\n"
          "data:\n  LEDGER_HOST: ledger.books\n  LEDGER_PORT: \"6100\"\n  COLOUR: blue\n")
    t = topology_of(tmp_path, {"a.yaml": deployment("teller", "front", "app: teller", env), "cm.yaml": cm,
                               "b.yaml": LEDGER})
    # a hashed name (what a real kustomize build produces) is just a ConfigMap's name
    assert rows(t) == [("workload", "front", "teller", ("books", "ledger"), 6100,
                        "cm.yaml:5 (ConfigMap front/teller-cfg-5h7k2 key LEDGER_HOST)")]


def test_config_map_key_ref_takes_the_keys_value(tmp_path: Path) -> None:
    env = ("          env:\n            - name: UPSTREAM_ADDR\n              valueFrom:\n"
           "                configMapKeyRef: {name: wiring, key: ledger}\n")
    cm = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wiring, namespace: front}\n"
          "data:\n  ledger: \"ledger.books:6100\"\n  other: \"nothing.books:1\"\n")
    t = topology_of(tmp_path, {"a.yaml": deployment("teller", "front", "app: teller", env), "cm.yaml": cm,
                               "b.yaml": LEDGER})
    assert rows(t) == [("workload", "front", "teller", ("books", "ledger"), 6100,
                        "cm.yaml:5 (ConfigMap front/wiring key ledger)")]


def test_config_map_generator_literals_and_env_files(tmp_path: Path) -> None:
    env = "          envFrom:\n            - configMapRef: {name: teller-env}\n"
    kust = ("resources: [a.yaml, b.yaml]\nconfigMapGenerator:\n  - name: teller-env\n    namespace: front\n"
            "    literals:\n      - LEDGER_URL=grpc://ledger.books:6100\n    envs: [teller.env]\n")
    t = topology_of(tmp_path, {"kustomization.yaml": kust, "a.yaml": deployment("teller", "front", "app: teller", env),
                               "b.yaml": LEDGER + "---\n" + service("audit", "books", "app: ledger", 6200),
                               "teller.env": "# wiring\nAUDIT_HOST=audit.books\nAUDIT_PORT=6200\n"})
    assert rows(t) == [
        ("workload", "front", "teller", ("books", "audit"), 6200, "teller.env:2 (configMapGenerator teller-env env file key AUDIT_HOST)"),
        ("workload", "front", "teller", ("books", "ledger"), 6100,
         "kustomization.yaml:6 (configMapGenerator teller-env literal LEDGER_URL)"),
    ]


def test_mesh_virtual_service_lands_the_call_on_its_destination(tmp_path: Path) -> None:
    env = "          env:\n            - name: LEDGER_URL\n              value: http://ledger.books:6100\n"
    vs = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ledger, namespace: books}\n"
          "spec:\n  hosts: [ledger]\n  http:\n    - route:\n        - destination: {host: ledger-v2, port: {number: 6100}}\n")
    files = {"a.yaml": deployment("teller", "front", "app: teller", env),
             "b.yaml": LEDGER + "---\n" + service("ledger-v2", "books", "app: ledger", 6100), "vs.yaml": vs,
             "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: front\n  labels: {istio-injection: enabled}\n"}
    t = topology_of(tmp_path, files)
    assert rows(t) == [("workload", "front", "teller", ("books", "ledger-v2"), 6100,
                        "a.yaml:18 (env LEDGER_URL, routed by VirtualService books/ledger at vs.yaml:8)")]
    # outside the mesh, nothing reroutes the call: it reaches the Service it names
    files["ns.yaml"] = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: front\n"
    t = topology_of(tmp_path, files)
    assert rows(t) == [("workload", "front", "teller", ("books", "ledger"), 6100, "a.yaml:18 (env LEDGER_URL)")]
    # not known: both, so that a policy derived from the graph cuts neither off
    (tmp_path / "ns.yaml").unlink()
    t = topology_of(tmp_path, {})
    assert [r[3] for r in rows(t)] == [("books", "ledger"), ("books", "ledger-v2")]


GATEWAY = ("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: door, namespace: gw}\n"
           "spec:\n  selector: {istio: door}\n  servers:\n    - port: {number: 80, name: http, protocol: HTTP}\n"
           "      hosts: ['*']\n")
DOOR = (service("door", "gw", "istio: door", 80, 8080).replace("spec:\n", "spec:\n  type: NodePort\n"))


def test_ingress_gateway_calls_routes_and_mirrors(tmp_path: Path) -> None:
    vs = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: front, namespace: books}\n"
          "spec:\n  hosts: ['*']\n  gateways: [gw/door]\n  http:\n    - route:\n"
          "        - destination: {host: ledger, port: {number: 6100}}\n"
          "      mirror: {host: shadow.books.svc.cluster.local}\n")
    t = topology_of(tmp_path, {"g.yaml": GATEWAY + "---\n" + DOOR, "vs.yaml": vs,
                               "b.yaml": LEDGER + "---\n" + service("shadow", "books", "app: shadow", 7000)})
    assert rows(t) == [
        ("ingress-gateway", "gw", "Gateway gw/door", ("books", "ledger"), 6100, "vs.yaml:9 (VirtualService books/front)"),
        ("ingress-gateway", "gw", "Gateway gw/door", ("books", "shadow"), None,
         "vs.yaml:10 (mirror of VirtualService books/front)"),
    ]
    assert t.calls[0].caller.selector == {"istio": "door"} and t.calls[0].caller.known


def test_gateway_not_in_the_repository_is_an_unknown_caller(tmp_path: Path) -> None:
    vs = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: front, namespace: books}\n"
          "spec:\n  hosts: ['*']\n  gateways: [istio-ingress/public]\n  http:\n    - route:\n"
          "        - destination: {host: ledger}\n")
    t = topology_of(tmp_path, {"vs.yaml": vs, "b.yaml": LEDGER})
    assert rows(t) == [("ingress-gateway", None, "Gateway istio-ingress/public", ("books", "ledger"), None,
                        "vs.yaml:9 (VirtualService books/front)")]
    assert not t.calls[0].caller.known
    assert [d.message for d in t.call_notes] == [
        "ingress-gateway (Gateway istio-ingress/public) in an unknown namespace calls books/ledger: its pods are "
        "not in this repository, so no policy can name them"]


SCRAPED = "      annotations: {prometheus.io/scrape: \"true\", prometheus.io/port: \"9102\"}\n"


def test_prometheus_scrape_annotations(tmp_path: Path) -> None:
    prom = deployment("prom", "obs", "app: prom").replace("ghcr.io/x/prom:1", "prom/prometheus:v2.51.0")
    t = topology_of(tmp_path, {"a.yaml": deployment("ledger", "books", "app: ledger", template_meta=SCRAPED),
                               "p.yaml": prom})
    assert rows(t) == [("prometheus", "obs", "prom", ("books", "ledger", "pods"), 9102,
                        "a.yaml:12 (annotation prometheus.io/scrape)")]
    assert t.calls[0].callee is None and t.calls[0].pods.resource.name == "ledger"


def test_prometheus_not_in_the_repository(tmp_path: Path) -> None:
    exporter = deployment("exp", "obs", "app: exp").replace("ghcr.io/x/exp:1", "prom/node-exporter:v1.8.0")
    t = topology_of(tmp_path, {"a.yaml": deployment("ledger", "books", "app: ledger", template_meta=SCRAPED),
                               "e.yaml": exporter})
    assert rows(t) == [("prometheus", None, "Prometheus", ("books", "ledger", "pods"), 9102,
                        "a.yaml:12 (annotation prometheus.io/scrape)")]
    assert not t.calls[0].caller.known


def test_tracing_endpoints_of_the_mesh_are_called_by_every_sidecar(tmp_path: Path) -> None:
    op = ("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: mesh, namespace: istio-system}\n"
          "spec:\n  meshConfig:\n    defaultConfig:\n      tracing:\n        zipkin: {address: \"jaeger.obs:9411\"}\n"
          "    extensionProviders:\n      - name: otel\n        opentelemetry: {service: obs/collector, port: 4317}\n"
          "    defaultProviders: {tracing: [otel]}\n")
    ns = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: books\n  labels: {istio-injection: enabled}\n---\n"
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: obs\n")
    obs = service("jaeger", "obs", "app: jaeger", 9411) + "---\n" + service("collector", "obs", "app: col", 4317)
    t = topology_of(tmp_path, {"op.yaml": op, "ns.yaml": ns, "obs.yaml": obs,
                               "a.yaml": deployment("ledger", "books", "app: ledger"),
                               "o.yaml": deployment("col", "obs", "app: col")})
    assert rows(t) == [
        ("sidecar", "books", "ledger", ("obs", "collector"), 4317,
         "op.yaml:11 (IstioOperator mesh provider otel)"),
        ("sidecar", "books", "ledger", ("obs", "jaeger"), 9411, "op.yaml:8 (IstioOperator mesh tracing)"),
    ]


def test_unresolved_destinations_are_kept_and_noted_once_per_host(tmp_path: Path) -> None:
    env = ("          env:\n            - name: BANK_URL\n              value: https://api.bank.example.org/v2\n"
           "            - name: CACHE_HOST\n              value: keydb\n            - name: DEBUG\n"
           "              value: \"true\"\n            - name: SELF_URL\n              value: http://localhost:9000\n")
    t = topology_of(tmp_path, {"a.yaml": deployment("teller", "front", "app: teller", env),
                               "b.yaml": deployment("till", "front", "app: till", env)})
    assert rows(t) == []
    assert [(u.caller.name, u.host) for u in t.call_graph.unresolved] == [
        ("teller", "api.bank.example.org"), ("till", "api.bank.example.org"), ("teller", "keydb"), ("till", "keydb")]
    assert [(d.file, d.line, d.message) for d in t.call_notes] == [
        ("a.yaml", 18, "workload front/teller, workload front/till call(s) api.bank.example.org, an external host: "
                       "not in this repository; the call graph (and the NetworkPolicies derived from it) cannot name it"),
        ("a.yaml", 20, "workload front/teller, workload front/till call(s) keydb, no Service keydb in namespace front "
                       "in the repository: not in this repository; the call graph (and the NetworkPolicies derived "
                       "from it) cannot name it"),
    ]


def test_script_namespace_labels_put_workloads_in_the_mesh(tmp_path: Path) -> None:
    """Records of the entry points (built by hand here) decide the mesh, as manifests do."""
    env = "          env:\n            - name: LEDGER_URL\n              value: http://ledger.books:6100\n"
    vs = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ledger, namespace: books}\n"
          "spec:\n  hosts: [ledger]\n  http:\n    - route:\n        - destination: {host: ledger-v2}\n")
    files = {"a.yaml": deployment("teller", "front", "app: teller", env), "vs.yaml": vs,
             "b.yaml": LEDGER + "---\n" + service("ledger-v2", "books", "app: ledger", 6100)}
    labelled = EntryPoints(labels=(NamespaceLabel("up.sh", 3, ("front",), {"istio-injection": "enabled"}),))
    t = topology_of(tmp_path, files, labelled)
    assert [r[3] for r in rows(t)] == [("books", "ledger-v2")]


def test_a_service_entry_names_where_an_unresolved_host_is_declared(tmp_path: Path) -> None:
    env = "          env:\n            - name: BANK_URL\n              value: https://api.bank.example.org/v2\n"
    entry = ("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: bank, namespace: front}\n"
             "spec:\n  hosts: ['*.bank.example.org']\n  ports: [{number: 443, name: https, protocol: TLS}]\n"
             "  resolution: DNS\n  location: MESH_EXTERNAL\n")
    t = topology_of(tmp_path, {"a.yaml": deployment("teller", "front", "app: teller", env), "se.yaml": entry})
    assert [d.message for d in t.call_notes] == [
        "workload front/teller call(s) api.bank.example.org, declared outside the cluster by ServiceEntry "
        "front/bank: not in this repository; the call graph (and the NetworkPolicies derived from it) cannot name it"]


def test_mesh_config_map_of_a_rendered_istiod(tmp_path: Path) -> None:
    mesh = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |-\n"
            "    defaultConfig:\n      tracing:\n        zipkin:\n          address: jaeger.obs:9411\n")
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: books\n  labels: {istio-injection: enabled}\n"
    t = topology_of(tmp_path, {"mesh.yaml": mesh, "ns.yaml": ns, "obs.yaml": service("jaeger", "obs", "app: j", 9411),
                               "a.yaml": deployment("ledger", "books", "app: ledger")})
    assert rows(t) == [("sidecar", "books", "ledger", ("obs", "jaeger"), 9411,
                        "mesh.yaml:5 (ConfigMap istio-system/istio mesh tracing)")]


def test_a_scraped_service_means_its_pods(tmp_path: Path) -> None:
    scraped = service("ledger", "books", "app: ledger", 6100).replace(
        "  namespace: books\n", "  namespace: books\n  annotations: {prometheus.io/scrape: 'true', prometheus.io/port: '9200'}\n")
    prom = deployment("prom", "obs", "app: prom").replace("ghcr.io/x/prom:1", "quay.io/prometheus/prometheus:v2.53.0")
    t = topology_of(tmp_path, {"s.yaml": scraped, "a.yaml": deployment("ledger", "books", "app: ledger"), "p.yaml": prom})
    assert rows(t) == [("prometheus", "obs", "prom", ("books", "ledger", "pods"), 9200,
                        "s.yaml:6 (Service annotation prometheus.io/scrape)")]


def test_istioctl_set_tracing_address(tmp_path: Path) -> None:
    from patcher.entrypoints.records import IstioctlInstall
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: books\n  labels: {istio-injection: enabled}\n"
    t = topology_of(tmp_path, {"ns.yaml": ns, "obs.yaml": service("jaeger", "obs", "app: j", 9411),
                               "a.yaml": deployment("ledger", "books", "app: ledger")},
                    EntryPoints(istioctl=(IstioctlInstall("up.sh", 7, (), (
                        ("meshConfig.defaultConfig.tracing.zipkin.address", "jaeger.obs:9411"),)),)))
    assert rows(t) == [("sidecar", "books", "ledger", ("obs", "jaeger"), 9411,
                        "up.sh:7 (istioctl install --set meshConfig.defaultConfig.tracing.zipkin.address)")]
