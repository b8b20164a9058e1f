"""Resolving names the way Kubernetes DNS and Istio do."""

from __future__ import annotations


def service_key(host: str, namespace: str, cluster_domain: str) -> tuple[str, str] | None:
    """(namespace, name) of the Service a host names, or None for an external host.

    ``name`` is resolved in ``namespace``; ``name.ns``, ``name.ns.svc`` and
    ``name.ns.svc.<cluster domain>`` name another namespace. Wildcards and other
    dotted names are not Services.
    """
    host = host.strip().rstrip(".").lower()
    if not host or "*" in host:
        return None
    for suffix in (".svc." + cluster_domain, ".svc"):
        if host.endswith(suffix):
            host = host[: -len(suffix)]
            parts = host.split(".")
            return (parts[1], parts[0]) if len(parts) == 2 else None
    parts = host.split(".")
    if len(parts) == 1:
        return (namespace, parts[0])
    if len(parts) == 2:
        return (parts[1], parts[0])
    return None


def fqdn(namespace: str, name: str, cluster_domain: str) -> str:
    return f"{name}.{namespace}.svc.{cluster_domain}"


def absolute_host(host: str, namespace: str, cluster_domain: str) -> str:
    """A VirtualService host as Istio reads it: a short name (no dot, not ``*``) is a Service
    of the VirtualService's own namespace; any other host stands as written."""
    host = host.strip().lower()
    if host == "*" or "." in host or ":" in host:
        return host
    return fqdn(namespace, host, cluster_domain)


def gateway_key(reference: str, namespace: str) -> tuple[str, str] | None:
    """(namespace, name) of a Gateway named in a VirtualService; None for ``mesh``."""
    if reference == "mesh":
        return None
    if "/" in reference:
        ns, name = reference.split("/", 1)
        return (ns, name)
    if "." in reference:  # deprecated FQDN form: name.namespace.svc.cluster.local
        parts = reference.split(".")
        return (parts[1], parts[0])
    return (namespace, reference)


def host_matches(pattern: str, host: str) -> bool:
    """Istio host matching: exact, ``*``, or ``*.suffix``."""
    pattern, host = pattern.lower(), host.lower()
    if pattern == "*" or pattern == host:
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return False


def hosts_overlap(a: str, b: str) -> bool:
    return host_matches(a, b) or host_matches(b, a)


def selects(selector: dict | None, labels: dict | None) -> bool:
    """A non-empty label selector matches when every pair is in the labels."""
    if not selector or not labels:
        return False
    return all(labels.get(k) == v for k, v in selector.items())
