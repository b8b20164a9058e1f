"""The ingress gateway Services an IstioOperator installs, as istioctl computes them.

istioctl starts from the profile (``spec.profile``, ``--set profile=``; patcher.deployed.istio_profiles),
overlays the operator's spec and the ``--set`` flags, renders each enabled
``components.ingressGateways[]`` entry with the ``values.gateways.istio-ingressgateway`` values
(type, ports, labels), then merges ``k8s.service`` into the Service (a strategic merge: ports
merge on ``port``) and applies ``k8s.overlays[].patches`` in order. Overlay paths follow istio's
syntax: dot-separated keys, ``[N]`` for a list index, ``[key:value]`` for the list item whose
``key`` is ``value``; a patch without ``value`` deletes.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from patcher.deployed import istio_profiles
from patcher.deployed.service_patch import PatchError, apply as apply_patch


@dataclass(frozen=True)
class OperatorGateway:
    name: str
    namespace: str
    data: dict[str, Any]  # the Service
    pod_labels: dict[str, str]
    ports_at: tuple | None  # where in the operator document the Service's ports are written, if in one place
    written: int  # how many of the ports are written there (the first ones)
    path: tuple  # the gateway's entry in the operator document (for a line), () for the profile's own
    problems: tuple[str, ...] = ()


class UnknownProfile(ValueError):
    pass


_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def set_value(spec: dict[str, Any], key: str, value: Any) -> None:
    """``--set key=value`` on an operator spec (``spec.`` optional, ``[N]`` indexes a list)."""
    parts = _parts(key.removeprefix("spec."))
    node: Any = spec
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        nxt: Any = {} if last or not isinstance(parts[index + 1], int) else []
        if isinstance(part, int):
            if not isinstance(node, list):
                return
            while len(node) <= part:
                node.append({})
            if last:
                node[part] = value
            elif not isinstance(node[part], (dict, list)):
                node[part] = nxt
            node = node[part]
        else:
            if not isinstance(node, dict):
                return
            if last:
                node[part] = value
            elif not isinstance(node.get(part), (dict, list)):
                node[part] = nxt
            node = node[part]


def _parts(key: str) -> list[str | int]:
    out: list[str | int] = []
    for name, bracket in _SEGMENT.findall(key):
        out.append(name if name else int(bracket) if bracket.isdigit() else bracket)
    return out


def typed(text: str) -> Any:
    """A ``--set`` value as istioctl reads it: true/false, integers, else the string."""
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def gateways(spec: Any, sets: tuple[tuple[str, str], ...] = ()) -> list[OperatorGateway]:
    """The enabled ingress gateways of an operator ``spec`` with ``sets`` applied; raises
    UnknownProfile when the profile is not one patcher knows the defaults of."""
    spec = copy.deepcopy(spec) if isinstance(spec, dict) else {}
    for key, value in sets:
        if key not in ("profile", "spec.profile"):
            set_value(spec, key, typed(value))
    for key, value in sets:
        if key in ("profile", "spec.profile"):
            spec["profile"] = value
    name = str(spec.get("profile") or "default")
    profile = istio_profiles.profile(name)
    if profile is None:
        raise UnknownProfile(name)
    values = _map(_map(_map(spec.get("values")).get("gateways")).get(istio_profiles.NAME))
    namespace = str(spec.get("namespace") or _map(_map(spec.get("values")).get("global")).get("istioNamespace")
                    or istio_profiles.NAMESPACE)
    entries = _map(spec.get("components")).get("ingressGateways")
    if isinstance(entries, list):
        listed = [(i, e) for i, e in enumerate(entries) if isinstance(e, dict)]
    else:
        listed = [(None, {"name": istio_profiles.NAME, "enabled": True})] if profile.ingress else []
    out = []
    for index, entry in listed:
        if entry.get("enabled") is False:
            continue
        out.append(_gateway(entry, index, profile, values, namespace))
    return out


def _gateway(entry: dict, index: int | None, profile, values: dict, namespace: str) -> OperatorGateway:
    name = str(entry.get("name") or istio_profiles.NAME)
    # a gateway named otherwise is selected by its own name, unless its label says more
    labels = dict(istio_profiles.LABELS) if name == istio_profiles.NAME else {"app": name}
    if name == istio_profiles.NAME:
        labels.update({str(k): str(v) for k, v in _map(values.get("labels")).items()})
    labels.update({str(k): str(v) for k, v in _map(entry.get("label")).items()})
    ports = values.get("ports") if isinstance(values.get("ports"), list) else istio_profiles.ports(profile)
    data = {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": str(entry.get("namespace") or namespace), "labels": dict(labels)},
            "spec": {"type": str(values.get("type") or istio_profiles.TYPE), "selector": dict(labels),
                     "ports": copy.deepcopy(ports)}}
    path = ("spec", "components", "ingressGateways", index) if index is not None else ()
    ports_at: tuple | None = None
    written = 0
    problems: list[str] = []
    k8s = _map(entry.get("k8s"))
    service = k8s.get("service")
    if isinstance(service, dict):
        own = service.get("ports")
        try:
            data = apply_patch(data, "strategic", {"spec": service})
        except PatchError as exc:
            problems.append(f"k8s.service: {exc}")
        if isinstance(own, list) and own:
            data["spec"]["ports"] = _written_first(data["spec"]["ports"], own)
            ports_at, written = path + ("k8s", "service", "ports"), len(own)
    overlays = k8s.get("overlays") if isinstance(k8s.get("overlays"), list) else []
    for o, overlay in enumerate(overlays):
        if not isinstance(overlay, dict) or overlay.get("kind") != "Service" \
                or overlay.get("name") not in (None, name):
            continue
        patches = overlay.get("patches") if isinstance(overlay.get("patches"), list) else []
        for p, patch in enumerate(patches):
            if not isinstance(patch, dict) or not isinstance(patch.get("path"), str):
                continue
            where = path + ("k8s", "overlays", o, "patches", p)
            target = patch["path"].removeprefix(".")
            try:
                _overlay(data, target, patch.get("value"), "value" in patch)
            except PatchError as exc:
                problems.append(f"overlay patch '{patch['path']}': {exc}")
                continue
            if target == "spec.ports" and isinstance(patch.get("value"), list):
                ports_at, written = where + ("value",), len(patch["value"])
            elif target.startswith("spec.ports"):
                ports_at = None  # one port changed here, the list written elsewhere: no single place to edit
    return OperatorGateway(name, data["metadata"]["namespace"], data, labels, ports_at, written, path, tuple(problems))


def _map(value: Any) -> dict:
    """A mapping of the operator, or nothing when it is written as something else (istioctl
    refuses that; the model just does not read it)."""
    return value if isinstance(value, dict) else {}


def _written_first(merged: list, own: list) -> list:
    """The merged ports with those the operator writes first, in its order: their indices are
    then the file's."""
    numbers = [p.get("port") for p in own if isinstance(p, dict)]
    first = [next(m for m in merged if isinstance(m, dict) and m.get("port") == n) for n in numbers
             if any(isinstance(m, dict) and m.get("port") == n for m in merged)]
    return first + [m for m in merged if not (isinstance(m, dict) and m.get("port") in numbers)]


def _overlay(data: dict, path: str, value: Any, has_value: bool) -> None:
    steps = []
    for name, bracket in _SEGMENT.findall(path):
        steps.append(("key", name) if name else ("index", int(bracket)) if bracket.isdigit()
                     else ("match", bracket))
    if not steps:
        raise PatchError("empty path")
    node: Any = data
    for kind, key in steps[:-1]:
        node = _select(node, kind, key, path)
    kind, key = steps[-1]
    if kind == "key":
        if not isinstance(node, dict):
            raise PatchError(f"'{path}' does not name a field")
        if has_value:
            node[key] = copy.deepcopy(value)
        else:
            node.pop(key, None)
        return
    if not isinstance(node, list):
        raise PatchError(f"'{path}' does not name a list item")
    index = _index(node, kind, key, path)
    if has_value:
        node[index] = copy.deepcopy(value)
    else:
        node.pop(index)


def _select(node: Any, kind: str, key: Any, path: str) -> Any:
    if kind == "key":
        if not isinstance(node, dict) or key not in node:
            raise PatchError(f"'{path}': no field '{key}'")
        return node[key]
    if not isinstance(node, list):
        raise PatchError(f"'{path}': '{key}' selects from something that is not a list")
    return node[_index(node, kind, key, path)]


def _index(node: list, kind: str, key: Any, path: str) -> int:
    if kind == "index":
        if key >= len(node):
            raise PatchError(f"'{path}': no item {key}")
        return key
    field, sep, wanted = str(key).partition(":")
    for i, item in enumerate(node):
        if sep and isinstance(item, dict) and str(item.get(field)) == wanted:
            return i
        if not sep and str(item) == field:
            return i
    raise PatchError(f"'{path}': no item [{key}]")
