"""The ingress gateway Service, wherever it is declared (patcher.deployed.ingress).

Entry-point records are built by hand (the readers fill ``Model.entry_points``); the model is
built with them in place of what the readers report (``patcher.model.read_entry_points``), so
every test sees the model a repository gets whose scripts say exactly that.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import patcher.model
from patcher.deployed import gateway_chart, istio_profiles, service_patch
from patcher.deployed.istio_operator import gateways as operator_gateways
from patcher.entrypoints import ArgoSource, EntryPoints, HelmInstall, IstioctlInstall, Patch, PortForward
from patcher.yamlread import read_documents
from tests.helpers import finding_rows, plan
from tests.test_model import model_of, write

REPOS = Path(__file__).parent / "repos"
PORT_RULES = ("kind/unmapped-gateway-port", "kind/unused-port-mapping", "script/url-unmapped-port")
GATEWAY = ("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: front\n  namespace: shop\n"
           "spec:\n  selector:\n    istio: {selector}\n  servers:\n"
           "    - port: {{number: 80, name: http, protocol: HTTP}}\n      hosts: ['*']\n")
KIND = ("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n"
        "    extraPortMappings:\n      - containerPort: {node}\n        hostPort: 8099\n")


@pytest.fixture
def records(monkeypatch):
    """Install entry-point records for the models built in this test."""
    def use(entry_points: EntryPoints) -> None:
        monkeypatch.setattr(patcher.model, "read_entry_points", lambda workspace, documents: (entry_points, []))
    return use


def ingress(model, name: str | None = None):
    services = [r for r in model.of_kind("Service") if name is None or r.name == name]
    assert len(services) == 1, [r.ref for r in model.of_kind("Service")]
    return services[0]


def ports(service) -> list[tuple]:
    return [(p.get("name"), p["port"], p.get("targetPort"), p.get("nodePort")) for p in service.data["spec"]["ports"]]


def notes(model) -> list[str]:
    return [d.message for d in model.diagnostics if "ingress" in d.message]


# --- istioctl profiles -------------------------------------------------------------------------

def test_demo_profile_alone_gives_its_gateway_service_at_the_istioctl_line(tmp_path, records) -> None:
    write(tmp_path, {"up.sh": "#!/bin/sh\nistioctl install --set profile=demo -y\n"})
    records(EntryPoints(istioctl=(IstioctlInstall("up.sh", 2, sets=(("profile", "demo"),)),)))
    svc = ingress(model_of(tmp_path))
    assert (svc.namespace, svc.name, svc.data["spec"]["type"]) == ("istio-system", "istio-ingressgateway",
                                                                  "LoadBalancer")
    assert svc.data["spec"]["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert ports(svc) == [("status-port", 15021, 15021, None), ("http2", 80, 8080, None), ("https", 443, 8443, None),
                          ("tcp", 31400, 31400, None), ("tls", 15443, 15443, None)]
    assert (svc.source.file, svc.source.line, svc.source.editable) == ("up.sh", 2, False)
    assert svc.location().line == 2


def test_default_profile_has_three_ports_and_minimal_none(tmp_path, records) -> None:
    assert [p["port"] for p in operator_gateways({}, ())[0].data["spec"]["ports"]] == [15021, 80, 443]
    assert operator_gateways({}, (("profile", "minimal"),)) == []
    assert operator_gateways({}, (("profile", "empty"),)) == []
    assert operator_gateways({}, (("profile", "ambient"),)) == []
    assert len(operator_gateways({"profile": "preview"})) == 1
    assert istio_profiles.ISTIO_VERSION and "manifests/profiles" in istio_profiles.SOURCE


def test_set_flags_change_type_on_the_component_and_in_values() -> None:
    on_component = operator_gateways({}, (("components.ingressGateways[0].k8s.service.type", "NodePort"),
                                          ("components.ingressGateways[0].name", "istio-ingressgateway")))
    assert on_component[0].data["spec"]["type"] == "NodePort"
    in_values = operator_gateways({}, (("values.gateways.istio-ingressgateway.type", "NodePort"),))
    assert in_values[0].data["spec"]["type"] == "NodePort"
    assert operator_gateways({}, (("components.ingressGateways[0].enabled", "false"),)) == []


def test_unknown_profile_is_a_note_and_the_ingress_unknown(tmp_path, records) -> None:
    write(tmp_path, {"up.sh": "istioctl install --set profile=acme-edge\n",
                     "gw.yaml": GATEWAY.format(selector="ingressgateway")})
    records(EntryPoints(istioctl=(IstioctlInstall("up.sh", 1, sets=(("profile", "acme-edge"),)),)))
    model = model_of(tmp_path)
    assert model.of_kind("Service") == []
    assert notes(model) == [
        "istio profile 'acme-edge' is not one patcher knows the defaults of: its ingress gateway Service is not modelled",
        "the ingress gateway Service is not in this repository (installed by up.sh:1): port checks against it are "
        "not made"]
    assert model.ingress_unknown == notes(model)[1]


@pytest.mark.parametrize("install", [
    IstioctlInstall("up.sh", 1, unresolved=("$OPERATOR",)),  # -f "$OPERATOR"
    IstioctlInstall("up.sh", 1, sets=(("profile", "$P"),), unresolved=("profile=$P",)),
    IstioctlInstall("up.sh", 1, sets=(("components.ingressGateways[0].k8s.service.type", "$T"),),
                    unresolved=("components.ingressGateways[0].k8s.service.type=$T",)),
], ids=["operator-file", "profile", "gateway-setting"])
def test_an_unread_input_deciding_the_gateway_leaves_the_ingress_unknown(tmp_path, records, install) -> None:
    write(tmp_path, {"up.sh": "istioctl install\n", "gw.yaml": GATEWAY.format(selector="ingressgateway")})
    records(EntryPoints(istioctl=(install,)))
    model = model_of(tmp_path)
    assert model.of_kind("Service") == []
    assert model.ingress_unknown == ("the ingress gateway Service is not in this repository (installed by up.sh:1): "
                                     "port checks against it are not made")


def test_an_unread_setting_elsewhere_still_gives_the_profile_gateway(tmp_path, records) -> None:
    records(EntryPoints(istioctl=(IstioctlInstall("up.sh", 1, sets=(("tag", "$V"),), unresolved=("tag=$V",)),)))
    write(tmp_path, {"up.sh": "istioctl install --set tag=$V\n"})
    assert ingress(model_of(tmp_path)).name == "istio-ingressgateway"


# --- IstioOperator -----------------------------------------------------------------------------

OPERATOR = """apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: edge
spec:
  profile: default
  namespace: mesh-core
  components:
    ingressGateways:
      - name: istio-ingressgateway
        enabled: true
        label:
          tier: edge
        k8s:
          service:
            type: NodePort
            ports:
              - name: http2
                port: 80
                targetPort: 8080
                nodePort: 30880
{more}"""


def test_operator_service_ports_merge_with_the_profile_and_stay_editable(tmp_path, records) -> None:
    write(tmp_path, {"istio/op.yaml": OPERATOR.format(more="")})
    records(EntryPoints(istioctl=(IstioctlInstall("install.sh", 4, files=("istio/op.yaml",)),)))
    svc = ingress(model_of(tmp_path))
    assert (svc.namespace, svc.data["spec"]["type"]) == ("mesh-core", "NodePort")
    assert svc.data["spec"]["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway", "tier": "edge"}
    # the operator's own port first (its index is the file's), the profile's defaults after it
    assert ports(svc) == [("http2", 80, 8080, 30880), ("status-port", 15021, 15021, None),
                          ("https", 443, 8443, None)]
    assert svc.source.editable and svc.file_path(("spec", "ports", 0, "nodePort")) == (
        "spec", "components", "ingressGateways", 0, "k8s", "service", "ports", 0, "nodePort")
    assert svc.file_path(("spec", "ports", 2)) is None  # a default: not written in the file
    assert svc.location(("spec", "ports")).line == 17


def test_operator_overlays_replace_ports_set_type_and_pin_one_nodeport(tmp_path, records) -> None:
    overlays = """          overlays:
            - kind: Service
              name: istio-ingressgateway
              patches:
                - path: spec.type
                  value: LoadBalancer
                - path: spec.ports.[name:http2].nodePort
                  value: 30881
                - path: spec.ports.[name:https]
"""
    write(tmp_path, {"istio/op.yaml": OPERATOR.format(more=overlays)})
    records(EntryPoints())
    svc = ingress(model_of(tmp_path))
    assert svc.data["spec"]["type"] == "LoadBalancer"
    assert ports(svc) == [("http2", 80, 8080, 30881), ("status-port", 15021, 15021, None)]
    # one port changed by a patch, the list written elsewhere: no single place a fix could edit
    assert not svc.source.editable and svc.source.line == 10


def test_overlay_replacing_the_ports_list_is_where_fixes_edit(tmp_path) -> None:
    spec = read_documents(OPERATOR.format(more="""          overlays:
            - kind: Service
              name: istio-ingressgateway
              patches:
                - path: spec.ports
                  value:
                    - {name: http2, port: 80, targetPort: 8080, nodePort: 30990}
"""), "op.yaml")[0].data["spec"]
    gateway = operator_gateways(spec)[0]
    assert [(p["port"], p["nodePort"]) for p in gateway.data["spec"]["ports"]] == [(80, 30990)]
    assert gateway.ports_at == ("spec", "components", "ingressGateways", 0, "k8s", "overlays", 0, "patches", 0, "value")
    assert gateway.written == 1


def test_operator_overlay_on_a_missing_port_is_a_warning(tmp_path, records) -> None:
    overlays = """          overlays:
            - kind: Service
              name: istio-ingressgateway
              patches:
                - path: spec.ports.[name:grpc].nodePort
                  value: 30999
"""
    write(tmp_path, {"istio/op.yaml": OPERATOR.format(more=overlays)})
    records(EntryPoints())
    model = model_of(tmp_path)
    assert [d.message for d in model.diagnostics if d.level == "warning"] == [
        "ingress gateway 'istio-ingressgateway': overlay patch 'spec.ports.[name:grpc].nodePort': "
        "'spec.ports.[name:grpc].nodePort': no item [name:grpc]; not applied"]
    assert ports(ingress(model))[0] == ("http2", 80, 8080, 30880)


def test_a_set_on_the_gateway_makes_the_operator_file_not_the_place_to_edit(tmp_path, records) -> None:
    write(tmp_path, {"istio/op.yaml": OPERATOR.format(more="")})
    records(EntryPoints(istioctl=(IstioctlInstall("install.sh", 7, files=("istio/op.yaml",), sets=(
        ("components.ingressGateways[0].k8s.service.type", "LoadBalancer"),)),)))
    svc = ingress(model_of(tmp_path))
    assert svc.data["spec"]["type"] == "LoadBalancer"
    assert (svc.source.file, svc.source.editable, svc.source.line) == ("install.sh", False, 7)


def test_operator_naming_only_a_profile_gets_the_profile_gateway(tmp_path, records) -> None:
    write(tmp_path, {"mesh/iop.yaml": "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n"
                                      "  name: x\nspec:\n  profile: demo\n"})
    records(EntryPoints())
    svc = ingress(model_of(tmp_path))
    assert [p["port"] for p in svc.data["spec"]["ports"]] == [15021, 80, 443, 31400, 15443]
    assert (svc.source.file, svc.source.editable, svc.location().line) == ("mesh/iop.yaml", False, 5)


def test_two_operator_files_merge_and_are_not_edited(tmp_path, records) -> None:
    write(tmp_path, {"istio/op.yaml": OPERATOR.format(more=""),
                     "istio/kind.yaml": "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n"
                                        "  name: y\nspec:\n  profile: demo\n"})
    records(EntryPoints(istioctl=(IstioctlInstall("up.sh", 2, files=("istio/op.yaml", "istio/kind.yaml")),)))
    svc = ingress(model_of(tmp_path))
    assert [p["port"] for p in svc.data["spec"]["ports"]] == [80, 15021, 443, 31400, 15443]
    assert (svc.source.file, svc.source.editable) == ("istio/kind.yaml", False)


def test_disabled_and_custom_gateways(tmp_path, records) -> None:
    write(tmp_path, {"op.yaml": "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: x\n"
                                "spec:\n  profile: minimal\n  components:\n    ingressGateways:\n"
                                "      - name: istio-ingressgateway\n        enabled: false\n"
                                "      - name: partner-gw\n        namespace: partners\n        enabled: true\n"
                                "        label: {istio: partner}\n"})
    records(EntryPoints())
    svc = ingress(model_of(tmp_path))
    assert (svc.namespace, svc.name, svc.data["spec"]["selector"]) == ("partners", "partner-gw",
                                                                      {"app": "partner-gw", "istio": "partner"})
    assert [p["port"] for p in svc.data["spec"]["ports"]] == [15021, 80, 443]


# --- the remote gateway chart ------------------------------------------------------------------

def test_helm_line_installing_the_gateway_chart(tmp_path, records) -> None:
    write(tmp_path, {"gw/values.yaml": "labels:\n  rollout: blue\nservice:\n  ports:\n"
                                       "    - {name: http2, port: 80, targetPort: 80, nodePort: 30555}\n"})
    records(EntryPoints(helm=(HelmInstall("up.sh", 5, "istio-ingressgateway", "istio/gateway", "istio-ingress",
                                          values=("gw/values.yaml",),
                                          sets=(("--set", "service.type", "NodePort"),)),)))
    model = model_of(tmp_path)
    svc = ingress(model)
    assert (svc.namespace, svc.name, svc.data["spec"]["type"]) == ("istio-ingress", "istio-ingressgateway", "NodePort")
    assert svc.data["spec"]["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert ports(svc) == [("http2", 80, 80, 30555)]
    assert model.gateway_pods[("istio-ingress", "istio-ingressgateway")] == {
        "app": "istio-ingressgateway", "istio": "ingressgateway", "rollout": "blue"}
    assert (svc.source.file, svc.source.line, svc.source.editable) == ("up.sh", 5, False)


def test_values_file_beside_the_script_and_values_object_over_values(tmp_path, records) -> None:
    write(tmp_path, {"ops/gw-values.yaml": "service:\n  type: NodePort\n"})
    records(EntryPoints(
        helm=(HelmInstall("ops/up.sh", 3, "side-gw", "istio/gateway", "side", values=("gw-values.yaml",)),),
        applications=(ArgoSource("argo/gw.yaml", 0, "gw", "north", repo_url=gateway_chart.REPOSITORY,
                                 chart="gateway", helm={"values": "service: {type: ClusterIP}\n",
                                                        "valuesObject": {"name": "north-gw"}}),)))
    model = model_of(tmp_path)
    assert ingress(model, "side-gw").data["spec"]["type"] == "NodePort"
    assert ingress(model, "north-gw").data["spec"]["type"] == "LoadBalancer"


def test_strange_operator_fields_are_not_read_and_do_not_crash() -> None:
    spec = {"values": ["x"], "components": {"ingressGateways": [{"name": "g", "label": "x", "k8s": {
        "overlays": {"kind": "Service"}, "service": "NodePort"}}]}}
    assert [g.name for g in operator_gateways(spec)] == ["g"]
    assert operator_gateways({"components": "none"}) != []


def test_a_set_on_a_list_index_replaces_the_list_as_helm_does(tmp_path, records) -> None:
    records(EntryPoints(helm=(HelmInstall("up.sh", 2, "gw", "istio/gateway", "gw",
                                          sets=(("--set", "service.ports[0].nodePort", "30555"),)),)))
    svc = ingress(model_of(tmp_path))
    assert svc.data["spec"]["ports"] == [{"nodePort": 30555}]


def test_gateway_chart_defaults_and_a_disabled_service() -> None:
    values = gateway_chart.merged()
    svc = gateway_chart.service("ingress-public", "gw", values)
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["selector"] == {"app": "ingress-public", "istio": "ingress-public"}
    assert [p["port"] for p in svc["spec"]["ports"]] == [15021, 80, 443]
    assert gateway_chart.service("istio-gw", "gw", values)["spec"]["selector"]["istio"] == "gw"
    assert gateway_chart.service("x", "gw", gateway_chart.merged({"service": {"type": "None"}})) is None
    assert gateway_chart.is_gateway_chart("istio/gateway")
    assert gateway_chart.is_gateway_chart("gateway", gateway_chart.REPOSITORY + "/")
    assert not gateway_chart.is_gateway_chart("gateway", "https://charts.example.org")
    assert not gateway_chart.is_gateway_chart("istio/istiod")


def test_argo_application_inline_values_text_and_parameters(tmp_path, records) -> None:
    helm = {"releaseName": "north-gw",
            "values": "service:\n  type: ClusterIP\n  ports:\n  - {name: http2, port: 8080, targetPort: 80, nodePort: 31808}\n",
            "parameters": [{"name": "service.type", "value": "NodePort"}]}
    records(EntryPoints(applications=(ArgoSource("argo/gw.yaml", 0, "gw", "north", repo_url=gateway_chart.REPOSITORY,
                                                  chart="gateway", target_revision="1.24.0", helm=helm),)))
    svc = ingress(model_of(tmp_path))
    assert (svc.namespace, svc.name, svc.data["spec"]["type"]) == ("north", "north-gw", "NodePort")
    assert ports(svc) == [("http2", 8080, 80, 31808)]
    assert not svc.source.editable


def test_argo_value_files_of_a_remote_chart_make_the_ingress_unknown(tmp_path, records) -> None:
    write(tmp_path, {"gw.yaml": GATEWAY.format(selector="north-gw"),
                     "kind.yaml": KIND.format(node=30999), "smoke.sh": "curl http://localhost:8111/\n"})
    records(EntryPoints(applications=(ArgoSource("argo/gw.yaml", 0, "gw", "north", repo_url=gateway_chart.REPOSITORY,
                                                  chart="gateway", helm={"valueFiles": ["values-kind.yaml"]}),)))
    model = model_of(tmp_path)
    assert model.of_kind("Service") == []
    assert notes(model) == ["the ingress gateway Service is not in this repository (installed by argo/gw.yaml: "
                            "Application gw): port checks against it are not made"]
    assert finding_rows(plan(tmp_path, *PORT_RULES)) == []  # no unused mapping, no unmapped URL from its absence


# --- kubectl patch -----------------------------------------------------------------------------

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw", "namespace": "edge"},
           "spec": {"type": "LoadBalancer", "ports": [{"name": "http2", "port": 80, "targetPort": 8080},
                                                      {"name": "https", "port": 443, "targetPort": 8443}]}}


def test_strategic_patch_merges_ports_on_port() -> None:
    out = service_patch.apply(SERVICE, "strategic", {"spec": {"type": "NodePort", "ports": [
        {"port": 443, "nodePort": 30443}, {"port": 9000, "name": "tcp-x"}]}})
    assert out["spec"]["type"] == "NodePort"
    assert out["spec"]["ports"] == [{"name": "http2", "port": 80, "targetPort": 8080},
                                    {"name": "https", "port": 443, "targetPort": 8443, "nodePort": 30443},
                                    {"port": 9000, "name": "tcp-x"}]
    assert SERVICE["spec"]["type"] == "LoadBalancer"  # the model's copy changes, never the input
    with pytest.raises(service_patch.PatchError):
        service_patch.apply(SERVICE, "strategic", {"spec": {"ports": [{"name": "http2", "nodePort": 1}]}})


def test_merge_patch_replaces_the_ports_list() -> None:
    out = service_patch.apply(SERVICE, "merge", {"spec": {"ports": [{"port": 80, "nodePort": 30080}]}})
    assert out["spec"]["ports"] == [{"port": 80, "nodePort": 30080}]


def test_json_patch_operations() -> None:
    out = service_patch.apply(SERVICE, "json", [{"op": "replace", "path": "/spec/type", "value": "NodePort"},
                                                {"op": "add", "path": "/spec/ports/0/nodePort", "value": 30080},
                                                {"op": "remove", "path": "/spec/ports/1"}])
    assert out["spec"] == {"type": "NodePort", "ports": [{"name": "http2", "port": 80, "targetPort": 8080,
                                                          "nodePort": 30080}]}
    with pytest.raises(service_patch.PatchError):
        service_patch.apply(SERVICE, "json", [{"op": "replace", "path": "/spec/ports/5/nodePort", "value": 1}])


def test_kubectl_patch_of_a_manifest_service_and_one_that_does_not_apply(tmp_path, records) -> None:
    write(tmp_path, {"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: gw\n  namespace: edge\nspec:\n"
                                 "  selector: {istio: gw}\n  ports:\n    - {name: http2, port: 80}\n"})
    records(EntryPoints(patches=(
        Patch("pin.sh", 3, "Service", "gw", "edge", "strategic", {"spec": {"type": "NodePort", "ports": [
            {"port": 80, "nodePort": 30180}]}}),
        Patch("pin.sh", 4, "Service", "gw", "edge", "json", [{"op": "remove", "path": "/spec/missing"}]))))
    model = model_of(tmp_path)
    svc = ingress(model)
    assert (svc.data["spec"]["type"], ports(svc)) == ("NodePort", [("http2", 80, None, 30180)])
    assert (svc.source.file, svc.source.line, svc.source.editable) == ("pin.sh", 3, False)
    assert svc.source.declared_by == "svc.yaml, patched by kubectl patch (pin.sh:3)"
    assert [(d.file, d.line, d.message) for d in model.diagnostics if d.level == "warning"] == [
        ("pin.sh", 4, "kubectl patch of Service edge/gw does not apply: path '/spec/missing' does not exist; "
                      "the model keeps the Service unpatched")]


# --- LoadBalancer, port-forwards, the unknown ingress -----------------------------------------

LB = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: gw\n  namespace: edge\nspec:\n  type: LoadBalancer\n"
      "  selector: {{istio: gw}}\n  ports:\n    - {{name: http2, port: 80, targetPort: 8080{node}}}\n")


def test_loadbalancer_nodeport_mapped_by_kind_is_reachable(tmp_path) -> None:
    write(tmp_path, {"svc.yaml": LB.format(node=", nodePort: 30777"), "gw.yaml": GATEWAY.format(selector="gw"),
                     "kind.yaml": KIND.format(node=30777)})
    assert finding_rows(plan(tmp_path, *PORT_RULES)) == []


def test_loadbalancer_port_without_a_fixed_nodeport_is_not_reachable_through_kind(tmp_path) -> None:
    service = LB.format(node=", nodePort: 30777") + "    - {name: http-admin, port: 8481, targetPort: 8481}\n"
    gateway = GATEWAY.format(selector="gw") + "    - port: {number: 8481, name: http-admin, protocol: HTTP}\n" \
                                              "      hosts: ['*']\n"
    write(tmp_path, {"svc.yaml": service, "gw.yaml": gateway, "kind.yaml": KIND.format(node=30777)})
    rows = finding_rows(plan(tmp_path, "kind/unmapped-gateway-port"))
    assert [(r["file"], r["message"]) for r in rows] == [
        ("gw.yaml", "Gateway shop/front serves port 8481, but port 8481 of the ingress Service edge/gw has no fixed "
                    "nodePort, so kind cannot map a host port to it")]


def test_loadbalancer_kind_does_not_map_is_reached_through_its_external_ip(tmp_path) -> None:
    write(tmp_path, {"svc.yaml": LB.format(node=""), "gw.yaml": GATEWAY.format(selector="gw"),
                     "kind.yaml": KIND.format(node=30777)})
    assert finding_rows(plan(tmp_path, "kind/unmapped-gateway-port")) == []


def test_url_through_a_port_forward_of_another_script_is_not_a_finding(tmp_path, records) -> None:
    write(tmp_path, {"svc.yaml": LB.format(node=", nodePort: 30777"), "gw.yaml": GATEWAY.format(selector="gw"),
                     "kind.yaml": KIND.format(node=30777), "smoke.sh": "curl http://localhost:9444/\n"})
    records(EntryPoints(port_forwards=(PortForward("fwd.ps1", 2, "svc/gw", "edge", ((9444, "80"),)),)))
    assert finding_rows(plan(tmp_path, "script/url-unmapped-port")) == []


def test_the_note_names_only_installers_of_istio_or_a_gateway(tmp_path, records) -> None:
    write(tmp_path, {"gw.yaml": GATEWAY.format(selector="ingressgateway")})
    records(EntryPoints(helm=(HelmInstall("up.sh", 3, "metrics", "prom/kube-state-metrics", "mon"),
                              HelmInstall("up.sh", 4, "istiod", "istio/istiod", "istio-system"))))
    assert notes(model_of(tmp_path)) == ["the ingress gateway Service is not in this repository (installed by up.sh:4): "
                                         "port checks against it are not made"]


def test_without_entry_points_gateways_without_a_service_get_one_note(tmp_path) -> None:
    write(tmp_path, {"gw.yaml": GATEWAY.format(selector="ingressgateway"), "kind.yaml": KIND.format(node=30999),
                     "smoke.sh": "curl http://localhost:8111/\n"})
    model = model_of(tmp_path)
    assert notes(model) == ["the ingress gateway Service is not in this repository: port checks against it are "
                            "not made"]
    assert finding_rows(plan(tmp_path, *PORT_RULES)) == []


# --- the fixture repositories ------------------------------------------------------------------

PANTRY = EntryPoints(
    istioctl=(IstioctlInstall("hack/bootstrap.sh", 9, sets=(("profile", "demo"),)),),
    patches=(Patch("hack/bootstrap.sh", 12, "Service", "istio-ingressgateway", "istio-system", "merge",
                   {"spec": {"type": "NodePort"}}),
             Patch("hack/bootstrap.sh", 13, "Service", "istio-ingressgateway", "istio-system", "json",
                   [{"op": "add", "path": "/spec/ports/1/nodePort", "value": 31780},
                    {"op": "add", "path": "/spec/ports/2/nodePort", "value": 31743}])),
    port_forwards=(PortForward("hack/forward-admin.sh", 3, "svc/istio-ingressgateway", "istio-system",
                               ((15921, "15021"),)),))


def test_istioctl_profile_fixture_model(records) -> None:
    records(PANTRY)
    model = model_of(REPOS / "ig-istioctl-profile")
    svc = ingress(model, "istio-ingressgateway")
    assert (svc.namespace, svc.data["spec"]["type"]) == ("istio-system", "NodePort")
    assert svc.data["spec"]["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert ports(svc) == [("status-port", 15021, 15021, None), ("http2", 80, 8080, 31780),
                          ("https", 443, 8443, 31743), ("tcp", 31400, 31400, None), ("tls", 15443, 15443, None)]
    assert (svc.source.file, svc.source.line, svc.source.editable) == ("hack/bootstrap.sh", 13, False)
    assert model.ingress_unknown is None


def test_istioctl_profile_fixture_findings() -> None:
    # the entry points as the readers find them in the scripts (the apply deploys the Gateway)
    rows = finding_rows(plan(REPOS / "ig-istioctl-profile", *PORT_RULES))
    assert [(r["rule"], r["file"], r["line"], r["fix"], r["message"]) for r in rows] == [
        ("script/url-unmapped-port", "hack/smoke.sh", 4, "safe",
         "http://localhost:8870 targets port 8870, which kind does not map onto the ingress (mapped: 8743, 8780)"),
        ("kind/unmapped-gateway-port", "mesh/gateway.yaml", 24, None,
         "Gateway pantry/pantry-edge serves port 31400, but port 31400 of the ingress Service "
         "istio-system/istio-ingressgateway has no fixed nodePort, so kind cannot map a host port to it; the Service "
         "is declared by istioctl install (hack/bootstrap.sh:8), patched by kubectl patch (hack/bootstrap.sh:11, "
         "hack/bootstrap.sh:12): pin its nodePort there")]


def _edge_records() -> EntryPoints:
    root = REPOS / "ig-gateway-chart"
    app = read_documents((root / "deploy/argocd/edge-gateway.yaml").read_text(), "edge-gateway.yaml")[0].data
    return EntryPoints(applications=(
        ArgoSource("deploy/argocd/edge-gateway.yaml", 0, "edge-gateway", "edge", repo_url=gateway_chart.REPOSITORY,
                   chart="gateway", target_revision="1.24.2", helm=app["spec"]["source"]["helm"]),
        ArgoSource("deploy/argocd/edge-gateway.yaml", 1, "ledger", "ledger", path="workloads/ledger",
                   repo_url="https://git.example.org/acme/ledger-deploy.git", target_revision="main")))


def test_gateway_chart_fixture_model(records) -> None:
    records(_edge_records())
    model = model_of(REPOS / "ig-gateway-chart")
    svc = ingress(model, "edge-ingress")
    assert (svc.namespace, svc.data["spec"]["type"]) == ("edge", "NodePort")
    assert svc.data["spec"]["selector"] == {"app": "edge-ingress", "istio": "edge-gw"}
    assert svc.data["metadata"]["labels"] == {"team": "platform", "app": "edge-ingress", "istio": "edge-gw"}
    assert ports(svc) == [("status-port", 15021, 15021, None), ("http2", 80, 80, 32180), ("https", 443, 443, 32543)]
    assert svc.source.editable and svc.file_path(("spec", "ports", 2, "nodePort")) == (
        "spec", "source", "helm", "valuesObject", "service", "ports", 2, "nodePort")
    assert model.gateway_pods[("edge", "edge-ingress")]["team"] == "platform"


def test_gateway_chart_fixture_findings(records) -> None:
    records(_edge_records())
    result = plan(REPOS / "ig-gateway-chart", *PORT_RULES)
    rows = finding_rows(result)
    assert [(r["rule"], r["file"], r["line"], r["fix"], r["message"]) for r in rows] == [
        ("kind/unmapped-gateway-port", "workloads/ledger/routing.yaml", 12, "safe",
         "Gateway ledger/ledger-public serves port 443 (NodePort 32543 of edge/edge-ingress), but kind maps no "
         "host port to NodePort 32543"),
        ("kind/unused-port-mapping", "deploy/kind/cluster.yaml", 8, "unsafe",
         "kind maps host port 9543 to containerPort 32534, but no Service has nodePort 32534 and no workload uses "
         "it as hostPort")]
    assert [c.path for c in result.changes] == ["deploy/kind/cluster.yaml"]
    assert result.changes[0].new.endswith("      - containerPort: 32543\n        hostPort: 443\n")


def test_the_remote_gateway_chart_note_names_the_service_modelled_from_its_values(tmp_path) -> None:
    write(tmp_path, {"up.sh": "#!/bin/sh\nhelm install edge istio/gateway -n edge --set service.type=NodePort\n"})
    model = model_of(tmp_path)
    assert [d.message for d in model.diagnostics if "chart 'gateway'" in d.message] == [
        "chart 'gateway' from istio (version not pinned) is not in this repository: its resources "
        "are not analysed, except its gateway Service edge/edge, modelled from the values over the chart's defaults "
        f"({gateway_chart.VALUES_SOURCE})"]
