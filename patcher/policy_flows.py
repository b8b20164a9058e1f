"""The connections a NetworkPolicy set must let through, from the traffic model.

Each call of the call graph (patcher/callgraph.py) becomes a flow from the caller's pods to
each pod of the callee, on the container port the Service port lands on; besides the calls:
every pod resolves names (DNS), every sidecar reaches istiod, a workload whose
ServiceAccount is bound to a Role or ClusterRole talks to the API server, and a NodePort or
LoadBalancer Service takes connections from outside the cluster.

What the model cannot turn into a flow (a caller whose pods are not in the repository, a
host that is no Service of it, a Service with no known caller or no pods) is listed by
``unaccounted``: a default-deny policy would cut it off without anyone seeing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from patcher.callgraph import Call, workload_key
from patcher.netpol_eval import External, Flow, Pod, pod

if TYPE_CHECKING:
    from patcher.topology import Service, Topology, Workload

ISTIOD_PORT = 15012
# the `kubernetes` Service's port, and the port its endpoints listen on where the API server
# runs as a pod of the control plane (kubeadm, kind); policies see the endpoint's port
API_SERVER_PORTS = (443, 6443)
API_SERVER = External("the Kubernetes API server")
OUTSIDE = External("clients outside the cluster")
RBAC = "rbac.authorization.k8s.io"


def workload_pod(workload: "Workload") -> Pod:
    named = []
    spec = workload.resource.get(*workload.pod_path) or {}
    for container in (spec.get("containers") or []) if isinstance(spec, dict) else []:
        for entry in (container.get("ports") or []) if isinstance(container, dict) else []:
            if isinstance(entry, dict) and entry.get("name") and isinstance(entry.get("containerPort"), int):
                named.append((str(entry["name"]), entry["containerPort"], str(entry.get("protocol") or "TCP")))
    return pod(workload.resource.namespace, workload.pod_labels, workload.resource.name, named)


def _container_port(workload: "Workload", target: int | str) -> int | None:
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    return next((number for name, number, _ in workload_pod(workload).named_ports if name == target), None)


def service_landings(topology: "Topology", service: "Service", port: int | None) -> Iterator[tuple["Workload", int, str]]:
    """(pod, containerPort, protocol) a call to ``service`` on Service port ``port`` (any: None) lands on."""
    chosen = [p for p in service.ports if port is None or p.port == port] or list(service.ports)
    for workload in topology.workloads_of(service):
        for entry in chosen:
            number = _container_port(workload, entry.target_port)
            if number is not None:
                yield workload, number, entry.protocol


def _source(call: Call) -> Pod | None:
    if call.caller.workload is not None:
        return workload_pod(call.caller.workload)
    if call.caller.known:
        assert call.caller.namespace is not None
        return pod(call.caller.namespace, call.caller.selector, call.caller.name)
    return None


def call_flows(topology: "Topology", call: Call) -> list[Flow]:
    source = _source(call)
    if source is None:
        return []
    what = f"{call.caller} calls {'/'.join(call.target_key[:2])} ({call.evidence})"
    if call.callee is not None:
        return [Flow(source, workload_pod(w), number, protocol, what)
                for w, number, protocol in service_landings(topology, call.callee, call.port)]
    assert call.pods is not None
    ports = [call.port] if call.port is not None else sorted({p for p, _ in call.pods.container_ports})
    return [Flow(source, workload_pod(call.pods), p, "TCP", what) for p in ports]


def service_account(workload: "Workload") -> str:
    spec = workload.resource.get(*workload.pod_path) or {}
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") if isinstance(spec, dict) else None
    return str(name or "default")


def api_clients(topology: "Topology") -> list["Workload"]:
    """Workloads whose ServiceAccount a RoleBinding or ClusterRoleBinding of the repository grants
    permissions: they read or write the API, so their egress to the API server must stay open."""
    accounts: set[tuple[str, str]] = set()
    groups: set[str] = set()  # namespaces whose every ServiceAccount is bound (system:serviceaccounts:NS)
    everyone = False
    for binding in topology.model.of_kind("RoleBinding", "ClusterRoleBinding"):
        if binding.group != RBAC:
            continue
        for subject in binding.get("subjects") or []:
            if not isinstance(subject, dict):
                continue
            if subject.get("kind") == "ServiceAccount" and subject.get("name"):
                namespace = subject.get("namespace") or (binding.namespace if binding.kind == "RoleBinding" else None)
                if namespace:
                    accounts.add((str(namespace), str(subject["name"])))
            elif subject.get("kind") == "Group":
                name = str(subject.get("name") or "")
                if name == "system:serviceaccounts":
                    everyone = True
                elif name.startswith("system:serviceaccounts:"):
                    groups.add(name.split(":", 2)[2])
    return [w for w in topology.workloads
            if everyone or w.resource.namespace in groups
            or (w.resource.namespace, service_account(w)) in accounts]


def flows(topology: "Topology") -> list[Flow]:
    """Every flow of the model, once each."""
    config = topology.model.config
    out: dict[tuple, Flow] = {}

    def add(flow: Flow) -> None:
        out.setdefault((flow.source, flow.dest, flow.port, flow.protocol), flow)

    for call in topology.calls:
        for flow in call_flows(topology, call):
            add(flow)
    dns = config["dns"]
    resolver = pod(dns["namespace"], dns["labels"], "kube-dns")
    istiod = pod(config["istio-namespace"], {}, "istiod")
    for workload in topology.workloads:
        source = workload_pod(workload)
        for protocol in ("UDP", "TCP"):
            add(Flow(source, resolver, int(dns["port"]), protocol, "name resolution"))
        if topology.uses_istio and topology.in_mesh(workload) is not False:  # a sidecar it may have
            add(Flow(source, istiod, ISTIOD_PORT, "TCP", "the sidecar's configuration and certificates"))
    for workload in api_clients(topology):
        for number in API_SERVER_PORTS:
            add(Flow(workload_pod(workload), API_SERVER, number, "TCP",
                     f"ServiceAccount {service_account(workload)} is bound to RBAC permissions"))
    for service in topology.services.values():
        if service.type in ("NodePort", "LoadBalancer") and service.selector:
            for workload, number, protocol in service_landings(topology, service, None):
                add(Flow(OUTSIDE, workload_pod(workload), number, protocol, f"{service.type} Service {service.resource.name}"))
    return list(out.values())


@dataclass(frozen=True)
class Gap:
    namespace: str  # the namespace whose policies would cut the flow off
    text: str


def unaccounted(topology: "Topology", called: set[tuple[str, str]]) -> list[Gap]:
    """Flows of the model that no policy can be derived for. ``called``: keys of Services some
    rule lets in (a caller of the call graph, an Ingress, a NodePort)."""
    graph = topology.call_graph
    gaps: dict[tuple[str, str], Gap] = {}

    def gap(namespace: str, text: str) -> None:
        gaps.setdefault((namespace, text), Gap(namespace, text))

    for call in graph.calls:
        if not call.caller.known:
            gap(call.target_namespace, f"{call.caller} calls into the namespace and its pods cannot be named")
        if call.callee is not None and not topology.workloads_of(call.callee):
            gap(call.target_namespace, f"Service {call.callee.resource.name} selects no pod of the repository: "
                                       "the pods its calls reach cannot be named")
    hosts: dict[str, set[str]] = {}
    for item in graph.unresolved:
        if item.caller.namespace is not None:
            hosts.setdefault(item.caller.namespace, set()).add(item.host)
    for namespace, names in sorted(hosts.items()):
        gap(namespace, f"calls to {', '.join(sorted(names))} reach no Service of the repository (external or not in it)")
    idle: dict[str, list[str]] = {}
    for key, service in sorted(topology.services.items()):
        if service.selector and key not in called:
            idle.setdefault(key[0], []).append(service.resource.name)
    for namespace, names in idle.items():
        gap(namespace, f"Service(s) {', '.join(names)} have no caller in the call graph: whoever calls them is cut off")
    scraped = {c.pods.key for c in graph.calls if c.pods is not None}
    for workload in topology.workloads:
        fronted = topology.services_by_workload.get(workload_key(workload))
        if workload.container_ports and not fronted and workload.key not in scraped:
            ports = ", ".join(str(p) for p in sorted({p for p, _ in workload.container_ports}))
            gap(workload.resource.namespace, f"workload {workload.resource.name} listens on port(s) {ports} "
                                             "with no Service and no caller in the call graph: whoever calls it is cut off")
        if not workload.pod_labels:
            gap(workload.resource.namespace, f"workload {workload.resource.name} has no pod labels a policy can select")
    return list(gaps.values())  # in the order a reader checks them: callers, destinations, Services


def namespace_labels(topology: "Topology") -> dict[str, dict[str, str]]:
    """Labels of the Namespaces the repository declares: what a namespaceSelector matches."""
    out: dict[str, dict[str, str]] = {}
    for namespace in topology.model.of_kind("Namespace"):
        labels = namespace.get("metadata", "labels")
        if isinstance(labels, dict):
            out[namespace.name] = {str(k): str(v) for k, v in labels.items()}
    return out
