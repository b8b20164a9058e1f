"""API versions that have a stable successor, as data, and the notes that count their use.

Sources: the Kubernetes Deprecated API Migration Guide
(https://kubernetes.io/docs/reference/using-api/deprecation-guide/) and Istio's
announcement of its v1 APIs in 1.22 (https://istio.io/latest/blog/2024/v1-apis/).
Only versions whose kind has a stable (GA) successor are listed: Istio's
EnvoyFilter, ProxyConfig and WasmPlugin have none, nor has argoproj.io. A note,
never a finding: the old version may still be served by the cluster in use.
"""

from __future__ import annotations

from typing import Iterable

from patcher.source import Diagnostic

_ISTIO_NETWORKING = ("DestinationRule", "Gateway", "ServiceEntry", "Sidecar", "VirtualService",
                     "WorkloadEntry", "WorkloadGroup")
_ISTIO_SECURITY = ("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication")
_WORKLOADS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")

# (apiVersion, kind) -> (stable successor, since)
SUCCESSORS: dict[tuple[str, str], tuple[str, str]] = {
    **{(v, k): ("networking.istio.io/v1", "Istio 1.22")
       for v in ("networking.istio.io/v1alpha3", "networking.istio.io/v1beta1") for k in _ISTIO_NETWORKING},
    **{("security.istio.io/v1beta1", k): ("security.istio.io/v1", "Istio 1.22") for k in _ISTIO_SECURITY},
    ("telemetry.istio.io/v1alpha1", "Telemetry"): ("telemetry.istio.io/v1", "Istio 1.22"),
    **{(v, k): ("apps/v1", "Kubernetes 1.9")
       for v in ("extensions/v1beta1", "apps/v1beta1", "apps/v1beta2") for k in _WORKLOADS},
    ("extensions/v1beta1", "NetworkPolicy"): ("networking.k8s.io/v1", "Kubernetes 1.8"),
    ("extensions/v1beta1", "Ingress"): ("networking.k8s.io/v1", "Kubernetes 1.19"),
    ("networking.k8s.io/v1beta1", "Ingress"): ("networking.k8s.io/v1", "Kubernetes 1.19"),
    ("networking.k8s.io/v1beta1", "IngressClass"): ("networking.k8s.io/v1", "Kubernetes 1.19"),
    ("policy/v1beta1", "PodDisruptionBudget"): ("policy/v1", "Kubernetes 1.21"),
    ("batch/v1beta1", "CronJob"): ("batch/v1", "Kubernetes 1.21"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): ("autoscaling/v2", "Kubernetes 1.23"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): ("autoscaling/v2", "Kubernetes 1.23"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): ("discovery.k8s.io/v1", "Kubernetes 1.21"),
    ("events.k8s.io/v1beta1", "Event"): ("events.k8s.io/v1", "Kubernetes 1.19"),
    ("node.k8s.io/v1beta1", "RuntimeClass"): ("node.k8s.io/v1", "Kubernetes 1.20"),
    **{("rbac.authorization.k8s.io/v1beta1", k): ("rbac.authorization.k8s.io/v1", "Kubernetes 1.8")
       for k in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")},
    **{("admissionregistration.k8s.io/v1beta1", k): ("admissionregistration.k8s.io/v1", "Kubernetes 1.16")
       for k in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")},
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"): ("apiextensions.k8s.io/v1", "Kubernetes 1.16"),
    ("apiregistration.k8s.io/v1beta1", "APIService"): ("apiregistration.k8s.io/v1", "Kubernetes 1.10"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"): ("certificates.k8s.io/v1", "Kubernetes 1.19"),
    ("coordination.k8s.io/v1beta1", "Lease"): ("coordination.k8s.io/v1", "Kubernetes 1.14"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): ("scheduling.k8s.io/v1", "Kubernetes 1.14"),
    **{("storage.k8s.io/v1beta1", k): ("storage.k8s.io/v1", "Kubernetes 1.24" if k == "CSIStorageCapacity" else "Kubernetes 1.19")
       for k in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment", "CSIStorageCapacity")},
    **{(f"flowcontrol.apiserver.k8s.io/{v}", k): ("flowcontrol.apiserver.k8s.io/v1", "Kubernetes 1.29")
       for v in ("v1beta1", "v1beta2", "v1beta3") for k in ("FlowSchema", "PriorityLevelConfiguration")},
}


def successor_notes(resources: Iterable) -> list[Diagnostic]:
    """One note per apiVersion in use that has a stable successor for its kinds: how many
    resources use it, and where the first one is."""
    seen: dict[str, list] = {}  # apiVersion -> [count, first resource, successor, since]
    for resource in resources:
        data = resource.data if isinstance(resource.data, dict) else {}
        key = (str(data.get("apiVersion")), str(data.get("kind")))
        if key not in SUCCESSORS:
            continue
        if key[0] not in seen:
            seen[key[0]] = [0, resource, *SUCCESSORS[key]]
        seen[key[0]][0] += 1
    out = []
    for api_version, (count, first, successor, since) in seen.items():
        loc = first.location(("apiVersion",))
        line = loc.line if first.source.editable or first.source.line else None
        used = "1 resource uses" if count == 1 else f"{count} resources use"
        out.append(Diagnostic(loc.file, f"{used} {api_version}, which has a stable successor, {successor} "
                                        f"(since {since}); the first is {first.ref}", line, level="note"))
    return out
