"""The semantic summary of changed files a pull request's body gives (patcher/pr/semantic.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from patcher.pr.semantic import ResourceChange, describe, summary_lines

BASE = Path(__file__).resolve().parents[2] / "base"
VS_FILE = "k8s/istio/virtual-services/app-vs.yaml"
VS = (BASE / VS_FILE).read_text()
KIND = (BASE / "k8s/kind-config.yaml").read_text()
GATEWAYS = (BASE / "k8s/istio/gateway.yaml").read_text()
SCRIPT = (BASE / "scripts/07-test-api-endpoints.sh").read_text()
SERVICE_TEMPLATE = (BASE / "helm/app-stack/templates/service.yaml").read_text()

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
  labels:
    app: web
spec:
  ports:
    - name: http
      port: 80
      targetPort: 8000
"""
RULE = """\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: api
  namespace: shop
spec:
  host: api
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 1
"""


def one(file: str, old: str | None, new: str | None) -> ResourceChange:
    changes = describe(file, old, new)
    assert len(changes) == 1, changes
    return changes[0]


def test_timeout_and_retries_added_to_a_route_of_the_base_virtual_service() -> None:
    new = VS.replace("""              number: 8000
""", """              number: 8000
      timeout: 30s
      retries:
        attempts: 3
        perTryTimeout: 10s
""")
    assert describe(VS_FILE, VS, new) == (ResourceChange(
        VS_FILE, "VirtualService default/app-vs", "changed",
        ("spec.http[4].retries added: {attempts: 3, perTryTimeout: 10s}", "spec.http[4].timeout added: 30s")),)


def test_a_timeout_on_every_route_is_one_sentence_each() -> None:
    new = VS.replace("      route:\n", "      timeout: 5s\n      route:\n")
    assert one(VS_FILE, VS, new).details == tuple(f"spec.http[{i}].timeout added: 5s" for i in range(6))


def test_a_route_inserted_in_the_middle_is_one_addition_not_a_cascade() -> None:
    new = VS.replace("    # --- application ---\n", """    # --- application ---
    - name: orders
      match:
        - uri:
            prefix: /api/orders
      route:
        - destination:
            host: orders
""")
    assert one(VS_FILE, VS, new).details == (
        "spec.http[4] added: {name: orders, match: [{uri: {prefix: /api/orders}}], route: [...]}",)


def test_a_route_moved_ahead_is_a_move() -> None:
    frontend = VS[VS.index("    - name: frontend"):]
    new = VS.replace(frontend, "").replace("    - name: kiali\n", frontend + "    - name: kiali\n")
    assert one(VS_FILE, VS, new).details == ("spec.http[5] moved to [0]",)


def test_a_service_port_added() -> None:
    new = SERVICE + "    - name: grpc\n      port: 9090\n      targetPort: 9090\n"
    assert describe("k8s/api.yaml", SERVICE, new) == (ResourceChange(
        "k8s/api.yaml", "Service shop/api", "changed",
        ("spec.ports[1] added: {name: grpc, port: 9090, targetPort: 9090}",)),)


def test_a_port_renamed_in_place_is_a_change_not_a_removal() -> None:
    new = SERVICE.replace("name: http", "name: http-web").replace("port: 80", "port: 8080")
    assert one("svc.yaml", SERVICE, new).details == (
        "spec.ports[0].name changed from http to http-web", "spec.ports[0].port changed from 80 to 8080")


def test_a_label_changed_and_removed() -> None:
    changed = SERVICE.replace("app: web", "app: api")
    assert one("svc.yaml", SERVICE, changed).details == ("metadata.labels.app changed from web to api",)
    removed = SERVICE.replace("    app: web\n", "    app: web\n    tier: backend\n").replace("    app: web\n", "")
    assert one("svc.yaml", SERVICE, removed).details == (
        "metadata.labels.app removed (was web)", "metadata.labels.tier added: backend")


def test_a_type_change_names_both_types() -> None:
    quoted = SERVICE.replace("port: 80", "port: '80'")
    assert one("svc.yaml", quoted, SERVICE).details == (
        "spec.ports[0].port changed from '80' (string) to 80 (number)",)


def test_keys_with_dots_are_quoted_in_the_path() -> None:
    new = SERVICE.replace("  labels:\n", "  annotations:\n    sidecar.istio.io/inject: 'false'\n  labels:\n")
    assert one("svc.yaml", SERVICE, new).details == ("metadata.annotations added: {sidecar.istio.io/inject: 'false'}",)
    newer = new.replace("'false'", "'true'")
    assert one("svc.yaml", new, newer).details == (
        "metadata.annotations['sidecar.istio.io/inject'] changed from 'false' to 'true'",)


def test_a_destination_rule_added_in_the_middle_of_a_multi_document_file() -> None:
    old = SERVICE + "---\n" + DEPLOYMENT
    new = SERVICE + "---\n" + RULE + "---\n" + DEPLOYMENT
    assert describe("k8s/api.yaml", old, new) == (
        ResourceChange("k8s/api.yaml", "DestinationRule shop/api", "added", ()),)


def test_a_document_removed_and_another_changed() -> None:
    old = SERVICE + "---\n" + RULE + "---\n" + DEPLOYMENT
    new = SERVICE + "---\n" + DEPLOYMENT.replace("replicas: 1", "replicas: 2")
    assert describe("k8s/api.yaml", old, new) == (
        ResourceChange("k8s/api.yaml", "Deployment shop/api", "changed", ("spec.replicas changed from 1 to 2",)),
        ResourceChange("k8s/api.yaml", "DestinationRule shop/api", "removed", ()),
    )


def test_an_api_version_migration_is_a_change_of_the_same_resource() -> None:
    old = RULE.replace("networking.istio.io/v1", "networking.istio.io/v1beta1")
    assert one("dr.yaml", old, RULE) == ResourceChange("dr.yaml", "DestinationRule shop/api", "changed", (
        "apiVersion changed from networking.istio.io/v1beta1 to networking.istio.io/v1",))


def test_a_server_added_to_the_monitoring_gateway() -> None:
    new = GATEWAYS + """\
    - port:
        number: 9091
        name: http-monitoring-2
        protocol: HTTP
      hosts:
        - monitoring.example.com
        - grafana.example.com
"""
    assert describe("k8s/istio/gateway.yaml", GATEWAYS, new) == (ResourceChange(
        "k8s/istio/gateway.yaml", "Gateway default/monitoring-gateway", "changed",
        ("spec.servers[1] added: {port: {number: 9091, name: http-monitoring-2, protocol: HTTP}, hosts: [...]}",)),)


def test_a_kind_port_mapping_added_between_others() -> None:
    new = KIND.replace("      # Istio status port", """\
      - containerPort: 31544
        hostPort: 8083
        protocol: TCP
      # Istio status port""")
    assert describe("k8s/kind-config.yaml", KIND, new) == (ResourceChange(
        "k8s/kind-config.yaml", "kind Cluster app-stack", "changed",
        ("nodes[0].extraPortMappings[4] added: {containerPort: 31544, hostPort: 8083, protocol: TCP}",)),)


def test_a_kind_host_port_changed_in_place_and_an_unnamed_cluster() -> None:
    assert one("kind.yaml", KIND, KIND.replace("hostPort: 8081", "hostPort: 8083")).details == (
        "nodes[0].extraPortMappings[2].hostPort changed from 8081 to 8083",)
    unnamed = KIND.replace("name: app-stack\n", "")
    assert one("kind.yaml", unnamed, unnamed.replace("- role: worker", "- role: worker\n  - role: worker")) == (
        ResourceChange("kind.yaml", "kind Cluster unnamed", "changed", ("nodes[2] added: {role: worker}",)))


def test_a_changed_line_of_a_multi_line_string() -> None:
    old = "kind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  run.sh: |\n    set -e\n    curl http://localhost:9090/x\n"
    new = old.replace("localhost:9090", "localhost")
    assert one("cm.yaml", old, new) == ResourceChange("cm.yaml", "ConfigMap probe", "changed", (
        "data['run.sh'] line 2 changed: curl http://localhost:9090/x -> curl http://localhost/x",))


def test_documents_without_kind_and_name_are_matched_by_position() -> None:
    old = "replicas: 1\n---\nimage: app:1\n"
    new = "replicas: 1\n---\nimage: app:2\n"
    assert describe("values.yaml", old, new) == (
        ResourceChange("values.yaml", "document 2", "changed", ("image changed from app:1 to app:2",)),)


def test_a_script_line_changed() -> None:
    new = SCRIPT.replace("curl -s http://localhost:9090/api/prometheus", "curl -s http://localhost/api/prometheus")
    assert describe("scripts/07-test-api-endpoints.sh", SCRIPT, new) == (ResourceChange(
        "scripts/07-test-api-endpoints.sh", "script", "changed",
        ("line 21 changed: curl -s http://localhost:9090/api/prometheus -> curl -s http://localhost/api/prometheus",)),)


def test_script_lines_added_and_removed_and_a_shebang_without_extension() -> None:
    old = "#!/bin/sh\necho a\necho b\necho e\n"
    new = "#!/bin/sh\necho a\n\necho c\necho d\necho e\n"
    assert one("run", old, new) == ResourceChange("run", "script", "changed", (
        "line 3 changed: echo b -> (blank)", "line 4 added: echo c", "line 5 added: echo d"))
    assert one("run", old, "#!/bin/sh\necho b\n").details == ("line 2 removed: echo a", "line 4 removed: echo e")
    assert one("run", old, old.replace("echo b", "  echo b")).details == ("line 3 changed (whitespace only)",)


def test_many_changed_lines_are_cut_after_ten() -> None:
    old = "".join(f"echo {n}\n" for n in range(30))
    new = "".join(f"echo {n}!\n" for n in range(30))
    details = one("x.sh", old, new).details
    assert details[0] == "line 1 changed: echo 0 -> echo 0!"
    assert details[10:] == ("and 20 more lines changed",) and len(details) == 11


def test_files_created_and_deleted() -> None:
    assert describe("k8s/api.yaml", None, SERVICE + "---\n" + RULE) == (
        ResourceChange("k8s/api.yaml", "Service shop/api", "added", ()),
        ResourceChange("k8s/api.yaml", "DestinationRule shop/api", "added", ()))
    assert describe("k8s/api.yaml", RULE, None) == (
        ResourceChange("k8s/api.yaml", "DestinationRule shop/api", "removed", ()),)
    assert describe("scripts/08.sh", None, "echo hi\n") == (ResourceChange("scripts/08.sh", "script", "added", ()),)
    assert describe("notes.txt", "x\n", None) == (ResourceChange("notes.txt", "file", "removed", ()),)
    assert describe("empty.yaml", None, "# nothing yet\n") == (ResourceChange("empty.yaml", "file", "added", ()),)


def test_unchanged_text_is_no_change() -> None:
    assert describe(VS_FILE, VS, VS) == ()
    assert describe("x.yaml", None, None) == ()


def test_a_helm_template_that_does_not_parse_is_described_as_text() -> None:
    new = SERVICE_TEMPLATE.replace("    - name: http\n", "    - name: http-web\n")
    assert describe("helm/app-stack/templates/service.yaml", SERVICE_TEMPLATE, new) == (ResourceChange(
        "helm/app-stack/templates/service.yaml", "file", "changed",
        ("line 15 changed: - name: http -> - name: http-web",)),)


def test_yaml_that_stops_parsing_is_described_as_text() -> None:
    assert one("svc.yaml", SERVICE, SERVICE + "  bad: [\n") == ResourceChange(
        "svc.yaml", "file", "changed", ("line 13 added: bad: [",))


def test_a_comment_change_is_described_as_text() -> None:
    old = "# routes\n" + RULE
    assert one("dr.yaml", old, old.replace("# routes", "# the routes")) == ResourceChange(
        "dr.yaml", "file", "changed", ("line 1 changed: # routes -> # the routes",))


def test_crlf_text() -> None:
    crlf = SERVICE.replace("\n", "\r\n")
    assert one("svc.yaml", crlf, crlf.replace("port: 80", "port: 8080")).details == (
        "spec.ports[0].port changed from 80 to 8080",)
    assert one("svc.yaml", crlf, SERVICE) == ResourceChange("svc.yaml", "file", "changed", (
        "line endings changed from CRLF to LF",))
    script = "echo a\r\necho b\r\n"
    assert one("x.sh", script, script.replace("echo b", "echo c")).details == ("line 2 changed: echo b -> echo c",)
    assert one("x.sh", "echo a\n", "echo a").details == ("newline at end of file removed",)


def test_details_are_capped_at_fifty() -> None:
    old = "kind: ConfigMap\nmetadata:\n  name: big\ndata:\n" + "".join(f"  k{n:02}: a\n" for n in range(80))
    details = one("cm.yaml", old, old.replace(": a", ": b")).details
    assert len(details) == 50
    assert details[0] == "data.k00 changed from a to b" and details[-1] == "… and 31 more changes"


def test_long_values_are_shortened() -> None:
    old = "kind: ConfigMap\nmetadata:\n  name: c\ndata: {}\n"
    new = old.replace("data: {}", "data:\n  long: " + "x" * 200)
    (detail,) = one("cm.yaml", old, new).details
    assert detail == "data.long added: " + "x" * 79 + "…"


@pytest.mark.parametrize("text", [
    "a: &x [1, *x]\n",  # a recursive alias
    "a: 1\na: 2\n",  # a duplicate key
    "a:\n\tb: 1\n",  # a tab
    "\x00\x01\x02binary",
    "? [a]\n: b\n",  # a key PyYAML cannot hash
    "a: *missing\n",
    "a: " + "[" * 3000 + "]" * 3000 + "\n",
    "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "{1: a, '1': b, null: c, true: d}\n",
    "when: 2024-01-01\nbytes: !!binary aGVsbG8=\n",
    "- kind: List\n- 3\n",
    "kind: Service\nmetadata:\n  name: [x]\n",
])
def test_strange_input_never_raises(text: str) -> None:
    for old, new in ((SERVICE, text), (text, SERVICE), (None, text), (text, None)):
        changes = describe("odd.yaml", old, new)
        assert changes and all(isinstance(c, ResourceChange) and all(isinstance(d, str) for d in c.details)
                               for c in changes)
        summary_lines(changes)


def test_strange_input_falls_back_to_text() -> None:
    assert one("odd.yaml", "a: 0\n", "a: &x [1, *x]\n") == ResourceChange(
        "odd.yaml", "file", "changed", ("line 1 changed: a: 0 -> a: &x [1, *x]",))
    assert one("odd.yaml", "a: 0\n", "\x00bin\n").details == ("line 1 changed: a: 0 -> \\x00bin",)


def test_summary_lines() -> None:
    changes = (
        ResourceChange("k8s/istio/vs.yaml", "VirtualService default/app-vs", "changed",
                       ("spec.http[2].timeout added: 30s", "metadata.labels.app_name removed (was *)")),
        ResourceChange("k8s/dr.yaml", "DestinationRule default/x", "added", ()),
    )
    assert summary_lines(changes) == [
        "- `VirtualService default/app-vs` (k8s/istio/vs.yaml) changed:",
        "  - spec.http[2].timeout added: 30s",
        "  - metadata.labels.app\\_name removed (was \\*)",
        "- `DestinationRule default/x` (k8s/dr.yaml) added",
    ]
