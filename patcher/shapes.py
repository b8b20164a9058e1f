"""The shape of every field the model and the rules read, checked before anything reads it.

A resource is data someone typed; its fields can hold anything YAML can say. Rather than
guard every read, the model checks each resource once against this table: a field that
holds a value of another type (``selector: app`` where a mapping belongs, ``port: "80"``)
makes the resource malformed, and the model leaves it out with a diagnostic naming the
file, the line and the field. Kubernetes and Istio refuse such resources too, so they are
not part of what the cluster runs. A field that is absent (or null) is not checked.

A path is dotted keys; ``[]`` stands for every item of a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Shape:
    name: str  # as the diagnostic says it: "a mapping", "an integer"
    accepts: Callable[[Any], bool]
    items: "Shape | None" = None  # each value of the mapping or list (a mapping's keys are strings)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


MAPPING = Shape("a mapping", lambda v: isinstance(v, dict))
LIST = Shape("a list", lambda v: isinstance(v, list))
STRING = Shape("a string", lambda v: isinstance(v, str))
INTEGER = Shape("an integer", _is_int)
BOOLEAN = Shape("true or false", lambda v: isinstance(v, bool))
INT_OR_STRING = Shape("an integer or a name", lambda v: _is_int(v) or isinstance(v, str))
# Istio's protobuf JSON accepts numbers written as strings of digits
PROTO_INT = Shape("an integer", lambda v: _is_int(v) or isinstance(v, str) and v.isdigit())
STRING_MAP = Shape("a mapping", MAPPING.accepts, STRING)
STRING_LIST = Shape("a list", LIST.accepts, STRING)

METADATA = {
    "metadata": MAPPING, "metadata.name": STRING, "metadata.namespace": STRING,
    "metadata.labels": STRING_MAP, "metadata.annotations": STRING_MAP,
}

_CONTAINER = {
    "[]": MAPPING, "[].name": STRING, "[].ports": LIST, "[].ports[]": MAPPING,
    "[].ports[].containerPort": INTEGER, "[].ports[].hostPort": INTEGER, "[].ports[].name": STRING,
    "[].env": LIST, "[].env[]": MAPPING, "[].env[].name": STRING,
}


def _pod(prefix: str) -> dict[str, Shape]:
    out = {prefix: MAPPING, f"{prefix}.containers": LIST, f"{prefix}.initContainers": LIST}
    for key in ("containers", "initContainers"):
        out.update({f"{prefix}.{key}{sub}": shape for sub, shape in _CONTAINER.items()})
    return out


_TEMPLATED = {"spec": MAPPING, "spec.template": MAPPING, "spec.template.metadata": MAPPING,
              "spec.template.metadata.labels": STRING_MAP, **_pod("spec.template.spec")}

_SERVICE_PORTS = {
    "": LIST, "[]": MAPPING, "[].port": INTEGER, "[].nodePort": INTEGER, "[].targetPort": INT_OR_STRING,
    "[].name": STRING, "[].protocol": STRING, "[].appProtocol": STRING,
}

_ROUTE = {
    "": LIST, "[]": MAPPING, "[].name": STRING, "[].timeout": STRING, "[].retries": MAPPING,
    "[].match": LIST, "[].match[]": MAPPING, "[].match[].uri": MAPPING,
    "[].route": LIST, "[].route[]": MAPPING, "[].route[].destination": MAPPING,
    "[].route[].destination.host": STRING, "[].route[].destination.port": MAPPING,
    "[].route[].destination.port.number": PROTO_INT,
    "[].mirror": MAPPING, "[].mirror.host": STRING, "[].mirror.port": MAPPING,
    "[].mirror.port.number": PROTO_INT,
}

_SOURCE = {"": MAPPING, ".path": STRING, ".helm": MAPPING, ".helm.valueFiles": STRING_LIST,
           ".helm.values": STRING, ".helm.valuesObject": MAPPING, ".helm.releaseName": STRING}

_GATEWAY_SERVICE = {
    "": MAPPING, ".type": STRING, **{f".ports{k}": v for k, v in _SERVICE_PORTS.items()},
}

# (group prefix, kind) -> field -> shape; "" matches the core group (and any group for workloads)
BY_KIND: dict[str, dict[str, Shape]] = {
    "Service": {"spec": MAPPING, "spec.selector": STRING_MAP, "spec.type": STRING,
                **{f"spec.ports{k}": v for k, v in _SERVICE_PORTS.items()}},
    "Pod": {"metadata.labels": STRING_MAP, **_pod("spec")},
    **{kind: _TEMPLATED for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")},
    "Namespace": {},
    "Gateway": {"spec": MAPPING, "spec.selector": STRING_MAP, "spec.servers": LIST, "spec.servers[]": MAPPING,
                "spec.servers[].port": MAPPING, "spec.servers[].port.number": PROTO_INT,
                "spec.servers[].port.protocol": STRING, "spec.servers[].port.name": STRING,
                "spec.servers[].hosts": STRING_LIST},
    "VirtualService": {"spec": MAPPING, "spec.hosts": STRING_LIST, "spec.gateways": STRING_LIST,
                       **{f"spec.http{k}": v for k, v in _ROUTE.items()}},
    "DestinationRule": {"spec": MAPPING, "spec.host": STRING, "spec.trafficPolicy": MAPPING},
    "PeerAuthentication": {"spec": MAPPING, "spec.selector": MAPPING},
    "Ingress": {"spec": MAPPING, "spec.defaultBackend": MAPPING, "spec.defaultBackend.service": MAPPING,
                "spec.defaultBackend.service.name": STRING, "spec.defaultBackend.service.port": MAPPING,
                "spec.rules": LIST, "spec.rules[]": MAPPING, "spec.rules[].http": MAPPING,
                "spec.rules[].http.paths": LIST, "spec.rules[].http.paths[]": MAPPING,
                "spec.rules[].http.paths[].backend": MAPPING,
                "spec.rules[].http.paths[].backend.service": MAPPING,
                "spec.rules[].http.paths[].backend.service.name": STRING,
                "spec.rules[].http.paths[].backend.service.port": MAPPING},
    "Application": {"spec": MAPPING, "spec.destination": MAPPING, "spec.destination.namespace": STRING,
                    **{f"spec.source{k}": v for k, v in _SOURCE.items()},
                    "spec.sources": LIST, **{f"spec.sources[]{k}": v for k, v in _SOURCE.items()}},
    "IstioOperator": {"spec": MAPPING, "spec.namespace": STRING, "spec.components": MAPPING,
                      "spec.components.ingressGateways": LIST, "spec.components.ingressGateways[]": MAPPING,
                      "spec.components.ingressGateways[].name": STRING,
                      "spec.components.ingressGateways[].namespace": STRING,
                      "spec.components.ingressGateways[].enabled": BOOLEAN,
                      "spec.components.ingressGateways[].label": STRING_MAP,
                      "spec.components.ingressGateways[].k8s": MAPPING,
                      **{f"spec.components.ingressGateways[].k8s.service{k}": v
                         for k, v in _GATEWAY_SERVICE.items()}},
    "NetworkPolicy": {},
}

KIND_CLUSTER = {
    "nodes": LIST, "nodes[]": MAPPING, "nodes[].role": STRING, "nodes[].extraPortMappings": LIST,
    "nodes[].extraPortMappings[]": MAPPING, "nodes[].extraPortMappings[].containerPort": INTEGER,
    "nodes[].extraPortMappings[].hostPort": INTEGER, "nodes[].extraPortMappings[].protocol": STRING,
    "nodes[].extraPortMappings[].listenAddress": STRING,
}

KUSTOMIZATION = {
    "namespace": STRING, "resources": LIST, "components": LIST, "patchesStrategicMerge": LIST,
    "patches": LIST, "patchesJson6902": LIST,
}


@dataclass(frozen=True)
class Problem:
    """The first field of a document that does not have the shape its readers expect."""

    path: tuple  # YAML path of the field
    expected: str
    found: Any
    key: bool = False  # the mapping at ``path`` has a key ``found`` that is not a string

    @property
    def field(self) -> str:
        out = ""
        for key in self.path:
            out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
        return out

    @property
    def message(self) -> str:
        if self.key:
            return f"{self.field} has the key {self.found!r}, not a string"
        return f"{self.field} is {_describe(self.found)}, not {self.expected}"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value[:40]!r}" if value else "an empty string"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"a {type(value).__name__}"


def _split(field: str) -> list[str]:
    """``spec.ports[].port`` -> ["spec", "ports", "[]", "port"]."""
    return [part for part in field.replace("[]", ".[]").split(".") if part]


def _check(data: Any, parts: list[str], shape: Shape, path: tuple) -> Problem | None:
    if not parts:
        if data is None:
            return None
        if not shape.accepts(data):
            return Problem(path, shape.name, data)
        entries = data.items() if isinstance(data, dict) else enumerate(data) if shape.items else ()
        for key, value in entries if shape.items else ():
            if isinstance(data, dict) and not isinstance(key, str):
                return Problem(path, "a string", key, key=True)
            if not shape.items.accepts(value):
                return Problem(path + (key,), shape.items.name, value)
        return None
    head, rest = parts[0], parts[1:]
    if head == "[]":
        if not isinstance(data, list):
            return None  # the list's own entry reports it
        for index, item in enumerate(data):
            if item is None and not rest:
                return Problem(path + (index,), shape.name, item)  # a list entry left empty
            problem = _check(item, rest, shape, path + (index,))
            if problem:
                return problem
        return None
    if not isinstance(data, dict):
        return None
    return _check(data.get(head), rest, shape, path + (head,))


def check(data: Any, table: dict[str, Shape]) -> Problem | None:
    """The first field (outermost first, in the table's order) whose value has the wrong shape."""
    for field in sorted(table, key=lambda f: len(_split(f))):
        problem = _check(data, _split(field), table[field], ())
        if problem:
            return problem
    return None


def resource_problem(data: dict, kind: str) -> Problem | None:
    table = {**METADATA, **BY_KIND.get(kind, {})}
    if "spec" in table and "spec" in data and data["spec"] is None:
        return Problem(("spec",), "a mapping", None)  # `spec:` left empty: nothing of it can be read
    return check(data, table)
