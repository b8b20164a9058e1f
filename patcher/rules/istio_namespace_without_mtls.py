"""An application namespace in an Istio mesh with no mutual TLS policy.

What it finds: a namespace that runs application workloads in the Istio mesh
(labelled for sidecar injection, or pods that ask for a sidecar), with no PeerAuthentication for the namespace and none
mesh-wide (in Istio's root namespace, without a selector).

Why it matters: without STRICT mTLS, services accept plain-text traffic, so
any pod (or anything that reaches a pod) can call them without an identity.

Example:

    # namespace default: five workloads, Istio Gateways, no PeerAuthentication

Fixed example:

    apiVersion: security.istio.io/v1
    kind: PeerAuthentication
    metadata: {name: default, namespace: default}
    spec:
      mtls: {mode: STRICT}

The mode comes from the setting ``mtls-mode``; the file is
``peer-authentication.yaml`` beside the Gateway manifests (setting
``outputs.peer-authentication``).
"""

from __future__ import annotations

from typing import Iterator

import yaml

from patcher.findings import Applicability, Finding, Fix, Severity
from patcher.intent.changes import Create
from patcher.outputs import api_version, istio_dir, output_path
from patcher.rule import Context, RuleInfo
from patcher.unread import needs
from patcher.templating import render_template

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the pure-Python loader is slow on many generated files

RULE = RuleInfo(
    id="istio/namespace-without-mtls",
    severity=Severity.RECOMMENDED,
    summary="Application namespace without a PeerAuthentication (mutual TLS)",
    fixable=True,
    derived=True,
    options={"mtls-mode": "STRICT", "istio-namespace": "istio-system",
             "outputs.peer-authentication": "<gateway folder>/peer-authentication.yaml"},
    safety="PERMISSIVE refuses no traffic: safe. STRICT refuses every plain-text call: safe only when every "
           "workload of the namespace and every caller of it in the call graph has a sidecar (the ingress "
           "gateway is a mesh proxy), no NodePort or LoadBalancer Service and no Ingress reaches it from "
           "outside the mesh, and every Service of it has a known caller. Otherwise unsafe, and the reason "
           "names each caller that may have no sidecar.",
)


# a policy that exists but could not be read would compete with the new one
NEEDS = needs("PeerAuthentication", "Namespace")


def _plain_text_to(topology, rule) -> str | None:
    """The namespace of the Service a DestinationRule sends plain text to (tls.mode DISABLE)."""
    tls, host = rule.get("spec", "trafficPolicy", "tls"), rule.get("spec", "host")
    if not isinstance(tls, dict) or str(tls.get("mode", "")).upper() != "DISABLE" or not isinstance(host, str):
        return None
    service = topology.resolve(host, rule.namespace)
    return service.resource.namespace if service is not None else None


def _strict_blockers(ctx: Context, namespace: str, called: set, incoming: list) -> list[str]:
    """What a STRICT policy in ``namespace`` would cut off, as far as the model shows. ``called``:
    the keys of the Services some call reaches; ``incoming``: the calls into the namespace."""
    blockers = []
    topology = ctx.topology
    outside = sorted(w.resource.name for w in topology.workloads_in(namespace) if topology.in_mesh(w) is not True)
    if outside:
        blockers.append(f"workload(s) {', '.join(outside)} of namespace {namespace} may run without a sidecar")
    callers = sorted({str(c.caller) for c in incoming
                      if (c.caller.workload is None or topology.in_mesh(c.caller.workload) is not True)
                      and c.caller.kind != "ingress-gateway"})
    if callers:
        blockers.append(f"caller(s) {', '.join(callers)} may have no sidecar")
    ingress = {s.key for s in ctx.topology.all_ingress_services}
    exposed = sorted(s.resource.name for s in ctx.topology.services.values()
                     if s.resource.namespace == namespace and s.type in ("NodePort", "LoadBalancer")
                     and s.key not in ingress)
    if exposed:
        blockers.append(f"Service(s) {', '.join(exposed)} take traffic from outside the mesh")
    ingresses = sorted(r.name for r in ctx.model.of_kind("Ingress")
                       if r.namespace == namespace and r.group == "networking.k8s.io")
    if ingresses:
        blockers.append(f"Ingress(es) {', '.join(ingresses)} send traffic from a controller that may have no sidecar")
    plain = sorted(f"{r.namespace}/{r.name}" for r in ctx.model.of_kind("DestinationRule")
                   if _plain_text_to(topology, r) == namespace)
    if plain:
        blockers.append(f"DestinationRule(s) {', '.join(plain)} send plain text (tls.mode DISABLE) to Services of "
                        f"namespace {namespace}")
    idle = sorted(s.resource.name for s in topology.services.values()
                  if s.resource.namespace == namespace and s.selector and s.key not in called
                  and s.resource.name not in exposed)
    if idle:
        blockers.append(f"Service(s) {', '.join(idle)} have no caller in the call graph: "
                        "whether their clients have a sidecar is not known")
    return blockers


def check(ctx: Context) -> Iterator[Finding]:
    topology = ctx.topology
    if not topology.uses_istio:
        return
    policies = ctx.model.of_kind("PeerAuthentication")
    if any(not p.get("spec", "selector") for p in ctx.model.unplaced_of_kind("PeerAuthentication")):
        return  # one deployed into a namespace patcher cannot resolve may cover any of them
    if any(p.namespace == ctx.config["istio-namespace"] and not p.get("spec", "selector") for p in policies):
        return  # a mesh-wide policy covers every namespace
    covered = {p.namespace for p in policies if not p.get("spec", "selector")}
    path = output_path(ctx.model, "peer-authentication", istio_dir(ctx.model), "peer-authentication.yaml")
    mode = ctx.config["mtls-mode"]
    called = {c.callee.key for c in topology.calls if c.callee is not None}
    incoming: dict[str, list] = {}
    for call in topology.calls:
        incoming.setdefault(call.target_namespace, []).append(call)
    for namespace in topology.application_namespaces:
        if namespace in covered:
            continue
        # mTLS is between sidecars: a namespace outside the mesh (or not known to be in it) has none to set
        workloads = [w for w in topology.workloads_in(namespace) if topology.in_mesh(w) is True]
        if not workloads:
            continue
        content = render_template("peer-authentication.yaml.j2", rule=RULE.id, namespace=namespace, mode=mode,
                                  api_version=api_version(ctx.model, "security.istio.io", "v1"))
        changes = (Create("peer-authentication", path, namespace, yaml.load(content, Loader=_LOADER), content),)
        title = f"add PeerAuthentication {namespace}/default with mTLS {mode}"  # placement says where
        blockers = _strict_blockers(ctx, namespace, called, incoming.get(namespace, [])) if mode == "STRICT" else []
        if blockers:
            fix = Fix(title, (), Applicability.UNSAFE, "STRICT refuses plain-text calls: " + "; ".join(blockers),
                      NEEDS, changes=changes)
        elif mode == "STRICT":
            fix = Fix(title, (), Applicability.SAFE, "every workload of the namespace and every caller the call "
                      "graph shows has a sidecar, and no Service takes traffic from outside the mesh", NEEDS,
                      changes=changes)
        else:
            fix = Fix(title, (), Applicability.SAFE, f"mode {mode} refuses no traffic", NEEDS, changes=changes)
        message = f"namespace {namespace} has no PeerAuthentication: its services accept plain-text traffic"
        why = "Without mutual TLS any pod can call these services without an identity, unencrypted."
        yield Finding(RULE.id, RULE.severity, message, workloads[0].resource.location(), why, fix)
