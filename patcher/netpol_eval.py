"""Whether a set of NetworkPolicies lets one connection through, as Kubernetes decides it.

A pod is isolated for a direction once any policy of its namespace selects it with that
policy type; an isolated pod accepts (or sends) only what some rule of those policies
allows, and a connection needs both the sender's egress and the receiver's ingress. A
peer is an ipBlock, or pods picked by a podSelector (in the policy's namespace) and/or a
namespaceSelector. Ports match by number or by the receiving pod's named container port,
with the protocol (TCP when unset) and an optional endPort.

Used by k8s/namespace-without-network-policy to state that every known flow passes the
policies it writes, and by the tests that rebuild the policies of a fixed repository.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable

NS_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: tuple[tuple[str, str], ...]
    name: str = ""  # what a message calls it
    named_ports: tuple[tuple[str, int, str], ...] = ()  # (name, containerPort, protocol)

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


@dataclass(frozen=True)
class External:
    """An address outside the pods policies can select (the API server, a host outside the
    cluster); ``ip`` None when not known: only a rule open to every address covers it."""

    name: str
    ip: str | None = None


Endpoint = Pod | External


@dataclass(frozen=True)
class Flow:
    source: Endpoint
    dest: Endpoint
    port: int
    protocol: str
    what: str  # why the flow exists: "web calls cart (env CART_URL)", ...

    def __str__(self) -> str:
        return f"{_name(self.source)} -> {_name(self.dest)} {self.protocol}/{self.port} ({self.what})"


def _name(endpoint: Endpoint) -> str:
    if isinstance(endpoint, External):
        return endpoint.name
    return f"{endpoint.namespace}/{endpoint.name or dict(endpoint.labels)}"


def pod(namespace: str, labels: dict | None, name: str = "", named_ports: Iterable = ()) -> Pod:
    return Pod(namespace, tuple(sorted((str(k), str(v)) for k, v in (labels or {}).items())), name,
               tuple(named_ports))


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A LabelSelector: {} matches everything; matchLabels and matchExpressions all hold."""
    if selector is None:
        return False
    selector = _dict(selector)
    for key, value in _dict(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expression in _list(selector.get("matchExpressions")):
        expression = _dict(expression)
        key, operator = str(expression.get("key")), expression.get("operator")
        values = {str(v) for v in _list(expression.get("values"))}
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False  # an operator the API server would refuse selects nothing
    return True


@dataclass
class Policies:
    """NetworkPolicies as (namespace, spec); namespace labels beyond the automatic name label."""

    items: list[tuple[str, dict]] = field(default_factory=list)
    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, docs: Iterable[dict], namespace_labels: dict[str, dict[str, str]] | None = None) -> "Policies":
        items = [(str(_dict(d.get("metadata")).get("namespace") or "default"), _dict(d.get("spec")))
                 for d in docs if isinstance(d, dict) and d.get("kind") == "NetworkPolicy"]
        return cls(items, dict(namespace_labels or {}))

    def _ns_labels(self, namespace: str) -> dict[str, str]:
        return {**self.namespace_labels.get(namespace, {}), NS_LABEL: namespace}

    @cached_property
    def _by_namespace(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for namespace, spec in self.items:
            out.setdefault(namespace, []).append(spec)
        return out

    def _selecting(self, target: Pod, direction: str) -> list[dict]:
        out = []
        for spec in self._by_namespace.get(target.namespace, ()):
            if not selector_matches(spec.get("podSelector"), target.label_map):
                continue
            types = spec.get("policyTypes")
            if not isinstance(types, list):  # Kubernetes' default: Ingress, and Egress when rules exist
                types = ["Ingress"] + (["Egress"] if "egress" in spec else [])
            if direction in types:
                out.append(spec)
        return out

    def _peer_matches(self, peer: dict, own_namespace: str, other: Endpoint) -> bool:
        if "ipBlock" in peer:
            return isinstance(other, External) and _in_block(_dict(peer["ipBlock"]), other.ip)
        if isinstance(other, External):
            return False
        if "namespaceSelector" in peer:
            if not selector_matches(peer["namespaceSelector"], self._ns_labels(other.namespace)):
                return False
        elif other.namespace != own_namespace:
            return False
        return "podSelector" not in peer or selector_matches(peer["podSelector"], other.label_map)

    def _allows(self, specs: list[dict], key: str, peers_key: str, own: Pod, other: Endpoint,
                receiver: Endpoint, port: int, protocol: str) -> bool:
        if not specs:
            return True  # not isolated in this direction
        for spec in specs:
            for rule in _list(spec.get(key)):
                rule = _dict(rule)
                peers = _list(rule.get(peers_key))
                if peers and not any(self._peer_matches(_dict(p), own.namespace, other) for p in peers):
                    continue
                ports = _list(rule.get("ports"))
                if not ports or any(_port_matches(_dict(p), receiver, port, protocol) for p in ports):
                    return True
        return False

    def allowed(self, flow: Flow) -> bool:
        source, dest = flow.source, flow.dest
        if isinstance(source, Pod) and not self._allows(self._selecting(source, "Egress"), "egress", "to",
                                                        source, dest, dest, flow.port, flow.protocol):
            return False
        if isinstance(dest, Pod) and not self._allows(self._selecting(dest, "Ingress"), "ingress", "from",
                                                      dest, source, dest, flow.port, flow.protocol):
            return False
        return True

    def denied(self, flows: Iterable[Flow]) -> list[Flow]:
        return [f for f in flows if not self.allowed(f)]


def _in_block(block: dict, ip: str | None) -> bool:
    cidr = block.get("cidr")
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return False
    if ip is None:  # an unknown address is covered only by a block of every address, with no exception
        return network.prefixlen == 0 and not block.get("except")
    address = ipaddress.ip_address(ip)
    if address not in network:
        return False
    for excluded in _list(block.get("except")):
        try:
            if address in ipaddress.ip_network(str(excluded), strict=False):
                return False
        except ValueError:
            continue
    return True


def _port_matches(entry: dict, receiver: Endpoint, port: int, protocol: str) -> bool:
    if str(entry.get("protocol") or "TCP").upper() != protocol.upper():
        return False
    wanted = entry.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str) and not wanted.isdigit():
        # a named port is the receiving pod's container port of that name
        return isinstance(receiver, Pod) and any(
            name == wanted and number == port and proto.upper() == protocol.upper()
            for name, number, proto in receiver.named_ports)
    first = int(wanted)
    end = entry.get("endPort")
    return first <= port <= (int(end) if isinstance(end, int) else first)
