"""An application namespace with no NetworkPolicy: every pod may talk to every other.

What it finds: a namespace that runs workloads of the application (not a
platform namespace, not the ingress gateway's) and has no NetworkPolicy at all.

Why it matters: without policy, a compromised or misbehaving pod reaches every
service and database in the cluster; nothing documents who may call whom.

Example:

    # namespace shop: web, cart, catalog, redis; no NetworkPolicy

Fixed example (derived from the call graph: environment and envFrom configuration,
mesh routes and mirrors, the ingress gateway, Prometheus scrapes, mesh telemetry):

    default-deny-all                 # podSelector {}, Ingress + Egress denied
    allow-dns-egress                 # every pod -> kube-dns :53
    allow-istio-control-plane-egress # sidecars -> istiod :15012 (when Istio is used)
    allow-ingress-to-web             # ingress gateway pods -> web :8080
    allow-ingress-to-cart            # web -> cart :7070
    allow-ingress-to-cart-pods       # Prometheus -> cart's pods :9102 (a scrape)
    (NodePort/LoadBalancer Services stay open to all, Ingress backends to every namespace)
    allow-egress-from-web            # web -> cart :7070, catalog :9000
    allow-api-server-egress-from-op  # a workload whose ServiceAccount has RBAC bindings -> :443, :6443

Safe when a NetworkPolicy evaluator shows that every flow of the model passes the policies
and nothing the call graph shows is left unnamed; otherwise unsafe, naming those flows.

Policies go to ``network-policies.yaml`` in the folder of the kustomization that
includes the Gateway manifests (setting ``outputs.network-policies``).
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the pure-Python loader cost seconds on large repositories


def _load(doc: str) -> dict:
    return yaml.load(doc, Loader=_LOADER)

from patcher.callgraph import Call, Caller

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Create
from patcher.netpol_eval import Flow, Pod, Policies
from patcher.outputs import manifests_dir, output_path
from patcher.policy_flows import (API_SERVER_PORTS, api_clients, flows, namespace_labels, service_account,
                                  unaccounted)
from patcher.rule import Context, RuleInfo
from patcher.templating import render_template
from patcher.topology import Service, Topology, Workload, workload_key

RULE = RuleInfo(
    id="k8s/namespace-without-network-policy",
    severity=Severity.RECOMMENDED,
    summary="Application namespace without any NetworkPolicy",
    fixable=True,
    derived=True,
    options={"dns": "kube-system/k8s-app=kube-dns :53", "istio-namespace": "istio-system",
             "outputs.network-policies": "<kustomization folder>/network-policies.yaml"},
    safety="Safe only when the policies can be shown to let every known flow through: each call of the "
           "call graph (environment and ConfigMap URLs, mesh routes and mirrors, the ingress gateway's routes, "
           "Prometheus scrapes, tracing and telemetry), DNS, istiod and the API server (for workloads whose "
           "ServiceAccount is bound to RBAC permissions) pass a NetworkPolicy evaluator run over the policies "
           "written and those already deployed, and nothing the call graph shows is unaccounted for: no caller "
           "whose pods cannot be named, no call to a host that is no Service of the repository, no Service "
           "without a known caller or without pods. Otherwise unsafe (applied only with --unsafe-fixes), and "
           "the reason lists each flow it could not account for.",
)

NS_LABEL = "kubernetes.io/metadata.name"


def _peer(labels: dict, namespace: str, own: str) -> dict[str, Any]:
    peer: dict[str, Any] = {}
    if namespace != own:
        peer["namespaceSelector"] = {"matchLabels": {NS_LABEL: namespace}}
    peer["podSelector"] = {"matchLabels": dict(labels)}
    return peer


def _target_ports(topology: Topology, service: Service, port: int | None) -> list[dict[str, Any]]:
    chosen = [p for p in service.ports if port is None or p.port == port] or list(service.ports)
    return [{"protocol": p.protocol, "port": topology.target_port(service, p)} for p in chosen]


def _labels(topology: Topology, workload: Workload) -> dict:
    """The labels that pick the workload's pods: a Service's selector when one exists."""
    services = topology.services_by_workload.get(workload_key(workload), [])
    return sorted(services, key=lambda s: s.key)[0].selector if services else workload.pod_labels


def _exposed(ctx: Context, namespace: str) -> dict[tuple[str, str], list[dict]]:
    """Services reached from outside the mesh's routing, which default-deny must not cut off:
    NodePort and LoadBalancer Services (from anywhere), and Ingress backends (from the Ingress
    controller, in whatever namespace it runs)."""
    topology = ctx.topology
    out: dict[tuple[str, str], list[dict]] = {}
    for key, service in topology.services.items():
        if key[0] == namespace and service.selector and service.type in ("NodePort", "LoadBalancer"):
            out.setdefault(key, []).append({"ports": _target_ports(topology, service, None)})
    for ingress in ctx.model.of_kind("Ingress"):
        if ingress.namespace != namespace or ingress.group != "networking.k8s.io":
            continue
        spec = ingress.data.get("spec") or {}
        backends = [spec.get("defaultBackend") or {}] + [
            path.get("backend") or {} for rule in spec.get("rules") or [] if isinstance(rule, dict)
            for path in (rule.get("http") or {}).get("paths") or [] if isinstance(path, dict)]
        for backend in backends:
            target = backend.get("service") if isinstance(backend, dict) else None
            service = topology.services.get((namespace, str((target or {}).get("name"))))
            if service is None:
                continue
            port = (target.get("port") or {}).get("number")
            rule = {"from": [{"namespaceSelector": {}}], "ports": _target_ports(topology, service, port)}
            if rule not in out.setdefault(service.key, []):
                out[service.key].append(rule)
    return out


def _policy(name: str, namespace: str, comment: str, spec: dict) -> str:
    return render_template("network-policy.yaml.j2", rule=RULE.id, name=name, namespace=namespace,
                           comment=comment, spec=spec)


def _policies(ctx: Context, namespace: str, incoming: list[Call]) -> list[str]:
    """``incoming``: the calls into the namespace from callers the model knows."""
    topology = ctx.topology
    dns = ctx.config["dns"]
    docs = [
        _policy("default-deny-all", namespace, "Deny all traffic unless a policy below allows it",
                {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy("allow-dns-egress", namespace, "Every pod may resolve names",
                {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                    "to": [{"namespaceSelector": {"matchLabels": {NS_LABEL: dns["namespace"]}},
                            "podSelector": {"matchLabels": dict(dns["labels"])}}],
                    "ports": [{"protocol": "UDP", "port": dns["port"]}, {"protocol": "TCP", "port": dns["port"]}]}]}),
    ]
    if topology.uses_istio:
        docs.append(_policy("allow-istio-control-plane-egress", namespace,
                            "Sidecars fetch configuration and certificates from istiod",
                            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                                "to": [{"namespaceSelector": {"matchLabels": {NS_LABEL: ctx.config["istio-namespace"]}}}],
                                "ports": [{"protocol": "TCP", "port": 15012}]}]}))
    exposed = _exposed(ctx, namespace)
    calls = incoming
    targets = sorted(set(exposed) | {c.target_key for c in calls})
    for key in targets:
        rules = list(exposed.get(key, []))
        for call in (c for c in calls if c.target_key == key):
            rule = {"from": [_peer(_caller_labels(topology, call.caller), call.caller.namespace, namespace)],
                    "ports": _callee_ports(topology, call)}
            if rule not in rules:
                rules.append(rule)
        selector = _callee_labels(topology, key, calls)
        name = "-".join(key[1:])  # a workload's pods called directly: allow-ingress-to-NAME-pods
        docs.append(_policy(f"allow-ingress-to-{name}", namespace, f"Who may call {name}",
                            {"podSelector": {"matchLabels": dict(selector)}, "policyTypes": ["Ingress"],
                             "ingress": rules}))
    by_caller: dict[tuple[str, str], list[Call]] = {}
    for call in topology.calls:
        if call.caller.workload is not None and call.caller.namespace == namespace:
            by_caller.setdefault(call.caller.workload.key, []).append(call)
    for caller_key, own in sorted(by_caller.items(), key=lambda item: item[0]):
        egress = []
        for c in own:
            labels = c.callee.selector if c.callee is not None else _labels(topology, c.pods)
            rule = {"to": [_peer(labels, c.target_namespace, namespace)], "ports": _callee_ports(topology, c)}
            if rule not in egress:
                egress.append(rule)
        docs.append(_policy(f"allow-egress-from-{caller_key[1]}", namespace, f"What {caller_key[1]} may call",
                            {"podSelector": {"matchLabels": dict(_labels(topology, own[0].caller.workload))},
                             "policyTypes": ["Egress"], "egress": egress}))
    return docs


def _caller_labels(topology: Topology, caller: Caller) -> dict:
    """The pods a rule lets in: a workload's (by its Service's selector), or the labels a
    Gateway selects its ingress pods by."""
    if caller.workload is not None and caller.kind != "ingress-gateway":
        return _labels(topology, caller.workload)
    return caller.selector


def _callee_ports(topology: Topology, call: Call) -> list[dict[str, Any]]:
    if call.callee is not None:
        return _target_ports(topology, call.callee, call.port)
    if call.port is not None:
        return [{"protocol": "TCP", "port": call.port}]
    assert call.pods is not None
    return [{"protocol": "TCP", "port": port} for port in sorted({p for p, _ in call.pods.container_ports})]


def _callee_labels(topology: Topology, key: tuple[str, ...], calls: list[Call]) -> dict:
    service = topology.services.get(key)
    if service is not None:
        return service.selector
    pods = next(c.pods for c in calls if c.callee is None and c.target_key == key)
    return _labels(topology, pods)


def _api_server(topology: Topology, namespace: str, clients: list) -> list[str]:
    """``clients``: the workloads with RBAC permissions (policy_flows.api_clients)."""
    """Egress to the API server for the namespace's workloads whose ServiceAccount has RBAC
    permissions. The API server is no pod a selector can name and its address is the cluster's:
    the rule opens its ports only, to any address."""
    docs = []
    for workload in sorted((w for w in clients if w.resource.namespace == namespace),
                           key=lambda w: w.key):
        labels = _labels(topology, workload)
        if not labels:
            continue  # reported as a gap: a selector of no labels would pick every pod
        docs.append(_policy(f"allow-api-server-egress-from-{workload.resource.name}", namespace,
                            f"{workload.resource.name}'s ServiceAccount {service_account(workload)} "
                            "has RBAC permissions: it calls the API server",
                            {"podSelector": {"matchLabels": dict(labels)}, "policyTypes": ["Egress"],
                             "egress": [{"ports": [{"protocol": "TCP", "port": p} for p in API_SERVER_PORTS]}]}))
    return docs


def _deduplicated(docs: list[str]) -> list[str]:
    """One policy per spec: two Services selecting the same pods for the same callers say it once."""
    seen: set[str] = set()
    out = []
    for doc in docs:
        spec = json.dumps(_load(doc)["spec"], sort_keys=True)
        if spec not in seen:
            seen.add(spec)
            out.append(doc)
    return out


def _by_namespace(flows_: list[Flow]) -> dict[str, list[Flow]]:
    """The flows with a pod of each namespace at one end, in the flows' order."""
    out: dict[str, list[Flow]] = {}
    for flow in flows_:
        for namespace in dict.fromkeys(end.namespace for end in (flow.source, flow.dest) if isinstance(end, Pod)):
            out.setdefault(namespace, []).append(flow)
    return out


def _unnamed(ctx: Context, namespaces: list[str]) -> dict[str, list[str]]:
    """By namespace, the flows the model knows exist but cannot name (unknown callers, hosts
    outside the repository, Services nothing calls). A namespace's own exposed Services count
    as called; they are in that namespace, so one pass serves every namespace."""
    topology = ctx.topology
    called = {c.callee.key for c in topology.calls if c.callee is not None}
    called |= {key for namespace in namespaces for key in _exposed(ctx, namespace)}
    out: dict[str, list[str]] = {}
    for gap in unaccounted(topology, called):
        out.setdefault(gap.namespace, []).append(gap.text)
    return out


def _gaps(unnamed: list[str], before: Policies, after: Policies, touching: list[Flow]) -> list[str]:
    """What the namespace's policies would cut off: the model's flows they deny (that the
    policies already deployed let through), and the flows it cannot name."""
    out = list(unnamed)
    denied = [f for f in touching if before.allowed(f) and not after.allowed(f)]
    out += [f"{flow} is not allowed" for flow in denied[:5]]
    if len(denied) > 5:
        out.append(f"{len(denied) - 5} more flow(s) are not allowed")
    return out


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if ctx.model.unplaced_of_kind("NetworkPolicy"):
        return  # a NetworkPolicy deployed into a namespace patcher cannot resolve may cover any of them
    existing = ctx.model.of_kind("NetworkPolicy")
    covered = {r.namespace for r in existing}
    path = output_path(ctx.model, "network-policies", manifests_dir(ctx.model), "network-policies.yaml")
    namespaces = [ns for ns in topology.application_namespaces if ns not in covered]
    incoming: dict[str, list[Call]] = {}
    for call in topology.calls:
        if call.caller.known:
            incoming.setdefault(call.target_namespace, []).append(call)
    clients = api_clients(topology)
    generated = {ns: _deduplicated(_policies(ctx, ns, incoming.get(ns, [])) + _api_server(topology, ns, clients))
                 for ns in namespaces}
    # every namespace's policies together: a flow between two namespaces passes the egress of one
    # and the ingress of the other
    labels = namespace_labels(topology)
    before = Policies.of([r.data for r in existing], labels)
    after = Policies.of([r.data for r in existing] + [_load(d) for docs in generated.values() for d in docs],
                        labels)
    touching = _by_namespace(flows(topology))
    unnamed = _unnamed(ctx, namespaces)
    for namespace in namespaces:
        workloads = topology.workloads_in(namespace)
        docs = generated[namespace]
        message = (f"namespace {namespace} runs {len(workloads)} workload(s) and has no NetworkPolicy: "
                   "every pod may reach every other")
        why = "Without policy a compromised pod reaches every service and database; nothing records who calls whom."
        changes = tuple(Create("network-policies", path, namespace, _load(doc), doc, restyle=False)
                        for doc in docs)
        title = f"add {len(docs)} NetworkPolicies for namespace {namespace}"  # placement says where
        gaps = _gaps(unnamed.get(namespace, []), before, after, touching.get(namespace, []))
        checked = len(touching.get(namespace, []))
        if gaps:
            applicability = Applicability.UNSAFE
            reason = "default-deny would cut off flows patcher cannot allow: " + "; ".join(gaps)
        else:
            applicability = Applicability.SAFE
            reason = (f"every one of the namespace's {checked} known flow(s) (calls, routes, DNS, control plane) "
                      "passes the policies, and every caller and destination is named")
        fix = Fix(title, (), applicability, reason, changes=changes)
        yield Finding(RULE.id, RULE.severity, message, workloads[0].resource.location(), why, fix)
