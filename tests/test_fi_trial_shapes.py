"""Shapes a trial user's repositories had, each once misread: the model and findings they now get.

Each test writes the smallest repository of that shape (real entry points, read by the readers)
and asserts what the user sees: the model's facts, the diagnostics, the findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from patcher.deployed import service_patch
from tests.helpers import finding_rows, plan
from tests.test_model import model_of, write

PORT_RULES = ("kind/unmapped-gateway-port", "kind/unused-port-mapping", "script/url-unmapped-port")


def warnings(model) -> list[str]:
    return [d.message for d in model.diagnostics if d.level == "warning"]


# --- a json patch of a field the API server allocates ------------------------------------------

LIBRARY_TASKFILE = """version: '3'
tasks:
  mesh:
    cmds:
      - istioctl install --set profile=demo -y
      - >-
        kubectl patch svc istio-ingressgateway -n istio-system --type=json
        -p='[{"op":"replace","path":"/spec/type","value":"NodePort"},{"op":"replace","path":"/spec/ports/1/nodePort","value":30480},{"op":"replace","path":"/spec/ports/2/nodePort","value":30843}]'
      - kubectl apply -f mesh/front.yaml
  smoke:
    cmds:
      - 'curl -sf -H "Host: stacks.test" http://localhost:9080/books'
"""
LIBRARY_GATEWAY = """apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: stacks-gw
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  servers:
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: ["*"]
"""
# the planted problem: containerPort 30481 where the patch pins http2 to 30480
LIBRARY_KIND = """kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraPortMappings:
      - containerPort: 30481
        hostPort: 9080
"""


def test_json_replace_of_allocated_nodeports_patches_the_gateway_and_finds_the_kind_typo(tmp_path: Path) -> None:
    write(tmp_path, {"Taskfile.yml": LIBRARY_TASKFILE, "mesh/front.yaml": LIBRARY_GATEWAY,
                     "cluster/kind.yaml": LIBRARY_KIND})
    model = model_of(tmp_path)
    assert warnings(model) == []
    (svc,) = [r for r in model.of_kind("Service") if r.name == "istio-ingressgateway"]
    assert svc.data["spec"]["type"] == "NodePort"
    assert [(p["name"], p["port"], p.get("nodePort")) for p in svc.data["spec"]["ports"]] == [
        ("status-port", 15021, None), ("http2", 80, 30480), ("https", 443, 30843), ("tcp", 31400, None),
        ("tls", 15443, None)]
    result = plan(tmp_path, *PORT_RULES)
    rows = finding_rows(result)
    assert [(r["rule"], r["file"], r["line"], r["message"]) for r in rows] == [
        ("script/url-unmapped-port", "Taskfile.yml", 12,
         "http://localhost:9080 targets port 9080, which kind does not map onto the ingress (mapped: none)"),
        ("kind/unmapped-gateway-port", "mesh/front.yaml", 10,
         "Gateway istio-system/stacks-gw serves port 80 (NodePort 30480 of istio-system/istio-ingressgateway), "
         "but kind maps no host port to NodePort 30480; kind maps host port 9080 to containerPort 30481, "
         "which nothing listens on"),
        ("kind/unused-port-mapping", "cluster/kind.yaml", 6,
         "kind maps host port 9080 to containerPort 30481, but no Service has nodePort 30481 and no workload "
         "uses it as hostPort")]
    # the typo is corrected where it is: host port 9080 then reaches the gateway, and the Taskfile's URL
    # to it is right as written (the URL fix is not needed any more)
    assert [c.path for c in result.changes] == ["cluster/kind.yaml"]
    assert result.changes[0].new == LIBRARY_KIND.replace("containerPort: 30481", "containerPort: 30480")


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw", "namespace": "edge"},
           "spec": {"type": "LoadBalancer", "ports": [{"name": "http2", "port": 80}]}}


def test_allocated_fields_replace_test_and_remove_as_on_the_live_service() -> None:
    out = service_patch.apply(SERVICE, "json", [
        {"op": "test", "path": "/spec/clusterIP", "value": "10.96.4.7"},
        {"op": "replace", "path": "/spec/ports/0/nodePort", "value": 31999},
        {"op": "remove", "path": "/spec/clusterIPs"}])
    assert out["spec"] == {"type": "LoadBalancer", "clusterIP": "10.96.4.7",
                           "ports": [{"name": "http2", "port": 80, "nodePort": 31999}]}
    # a ClusterIP Service has no nodePorts: the pointer names nothing there, as kubectl says
    cluster_ip = {**SERVICE, "spec": {"ports": [{"name": "http2", "port": 80}]}}
    with pytest.raises(service_patch.PatchError, match="path '/spec/ports/0/nodePort' does not exist"):
        service_patch.apply(cluster_ip, "json", [{"op": "replace", "path": "/spec/ports/0/nodePort", "value": 1}])
    # a field the model has is tested against what it holds
    with pytest.raises(service_patch.PatchError, match="test of '/spec/type' failed"):
        service_patch.apply(SERVICE, "json", [{"op": "test", "path": "/spec/type", "value": "NodePort"}])


# --- an IstioOperator without metadata ----------------------------------------------------------

TICKETS_OPERATOR = """apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: minimal
  components:
    ingressGateways:
      - name: istio-ingressgateway
        enabled: true
        k8s:
          service:
            type: NodePort
            ports:
              - name: http2
                port: 80
                targetPort: 8080
                nodePort: 31580
              - name: https
                port: 443
                targetPort: 8443
"""
TICKETS_GATEWAY = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: box-office
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  servers:
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: ["boxoffice.test"]
    - port: {number: 443, name: https, protocol: HTTPS}
      tls: {mode: SIMPLE, credentialName: boxoffice-cert}
      hosts: ["boxoffice.test"]
"""
TICKETS_KIND = """kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  extraPortMappings:
  - containerPort: 31580
    hostPort: 7080
"""
TICKETS_MAKEFILE = """mesh:
\tistioctl install -y -f platform/operator.yaml
\tkubectl apply -f gw/
"""
# the planted call: host port 7081, which kind does not map
TICKETS_PS1 = """$ErrorActionPreference = "Stop"
Invoke-WebRequest -Uri "http://localhost:7080/" -Headers @{ Host = "boxoffice.test" }
Invoke-WebRequest -Uri "http://localhost:7081/" -Headers @{ Host = "boxoffice.test" }
"""


def test_operator_without_metadata_is_installed_state_and_declares_the_ingress(tmp_path: Path) -> None:
    write(tmp_path, {"platform/operator.yaml": TICKETS_OPERATOR, "gw/box-office.yaml": TICKETS_GATEWAY,
                     "kind/cluster.yaml": TICKETS_KIND, "Makefile": TICKETS_MAKEFILE, "smoke.ps1": TICKETS_PS1})
    model = model_of(tmp_path)
    (operator,) = model.of_kind("IstioOperator")
    assert (operator.namespace, operator.name, operator.source.file, operator.source.doc) == (
        "istio-system", "installed-state", "platform/operator.yaml", 0)
    assert "metadata" not in operator.document.data  # the file as written, which fixes edit
    (svc,) = model.of_kind("Service")
    assert (svc.namespace, svc.name, svc.source.file, svc.source.editable) == (
        "istio-system", "istio-ingressgateway", "platform/operator.yaml", True)
    assert [(p["name"], p.get("nodePort")) for p in svc.data["spec"]["ports"]] == [("http2", 31580),
                                                                                    ("https", None),
                                                                                    ("status-port", None)]
    assert not [d for d in model.diagnostics if "ingress gateway Service" in d.message]
    result = plan(tmp_path, *PORT_RULES)
    rows = finding_rows(result)
    assert [(r["rule"], r["file"], r["line"], r["message"]) for r in rows] == [
        ("kind/unmapped-gateway-port", "gw/box-office.yaml", 12,
         "Gateway istio-system/box-office serves port 443, but port 443 of the ingress Service "
         "istio-system/istio-ingressgateway has no fixed nodePort, so kind cannot map a host port to it"),
        ("script/url-unmapped-port", "smoke.ps1", 3,
         "http://localhost:7081 targets port 7081, which kind does not map onto the ingress (mapped: 7080)")]
    # the fix pins the nodePort in the operator file, which stays without metadata
    (change,) = [c for c in result.changes if c.path == "platform/operator.yaml"]
    assert change.new == TICKETS_OPERATOR + "                nodePort: 30000\n"


# --- PowerShell: Start-Process, & and -Headers @{ Host = ... } --------------------------------

BOXOFFICE_DEV_PS1 = """$Ns = "boxoffice"
Start-Process kubectl -ArgumentList "port-forward","-n",$Ns,"svc/seats","17400:8000" -NoNewWindow
$p = Start-Process -FilePath kubectl.exe -ArgumentList @("port-forward", "svc/until", "17401:80") -PassThru
Start-Process kubectl -ArgumentList 'port-forward -n boxoffice svc/pay 17402:9000'
& kubectl port-forward -n $Ns svc/stubs 17403:80
Invoke-RestMethod "http://localhost:17400/api/health"
Invoke-RestMethod http://localhost:17401/
Invoke-RestMethod http://localhost:17402/
Invoke-RestMethod http://localhost:17403/
Invoke-RestMethod -Uri "http://localhost:17404/" -Headers @{ Host = "boxoffice.test" }
"""


def test_powershell_start_process_port_forwards_and_a_host_header(tmp_path: Path) -> None:
    write(tmp_path, {"platform/operator.yaml": TICKETS_OPERATOR, "gw/box-office.yaml": TICKETS_GATEWAY,
                     "kind/cluster.yaml": TICKETS_KIND, "Makefile": TICKETS_MAKEFILE, "dev.ps1": BOXOFFICE_DEV_PS1})
    model = model_of(tmp_path)
    assert [(f.file, f.line, f.target, f.namespace, f.ports) for f in model.entry_points.port_forwards] == [
        ("dev.ps1", 2, "svc/seats", "boxoffice", ((17400, "8000"),)),
        ("dev.ps1", 3, "svc/until", None, ((17401, "80"),)),
        ("dev.ps1", 4, "svc/pay", "boxoffice", ((17402, "9000"),)),
        ("dev.ps1", 5, "svc/stubs", "boxoffice", ((17403, "80"),))]
    assert sorted(model.forwarded_ports) == [("dev.ps1", 17400), ("dev.ps1", 17401), ("dev.ps1", 17402),
                                             ("dev.ps1", 17403)]
    rows = finding_rows(plan(tmp_path, "script/url-unmapped-port"))
    # only the call that no port-forward serves; its Host header says it is meant for the ingress
    assert [(r["file"], r["line"], r["message"], r["fix"], r["status"]) for r in rows] == [
        ("dev.ps1", 10, "http://localhost:17404 targets port 17404, which kind does not map onto the ingress "
                        "(mapped: 7080)", "safe", "would-fix")]


def test_a_text_edit_of_a_yaml_script_is_verified_as_that_replacement() -> None:
    from patcher.edits import ReplaceText
    from patcher.source import PatcherError
    from patcher.verify import verify_file

    old = "tasks:\n  smoke:\n    cmds:\n      - curl http://localhost:9080/a\n      - echo done\n"
    edit = ReplaceText("Taskfile.yml", 4, 14, "http://localhost:9080", "http://localhost:7080")
    verify_file("Taskfile.yml", old, old.replace("9080", "7080"), [edit])
    with pytest.raises(PatcherError, match="would also change 'tasks/smoke/cmds/1'"):
        verify_file("Taskfile.yml", old, old.replace("9080", "7080").replace("done", "gone"), [edit])
