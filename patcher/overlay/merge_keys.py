"""Which lists Kubernetes merges by key: read from the API's own schema, never guessed.

A strategic-merge patch is only right where the API server and kustomize merge a list item
by item on ``x-kubernetes-patch-merge-key`` (a Service's ports on ``port``, a pod's
containers on ``name``). Custom resources (Istio's) have no such schema in kustomize: their
lists are replaced whole, so a change inside one needs a JSON 6902 patch.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kubernetes_validate import utils as kv

from patcher.validate import is_core

_LOCAL = "kubernetes-json-schema/v{version}-local"


@lru_cache(maxsize=None)
def _definitions() -> dict:
    version = kv.latest_version()
    return kv.schema_contents(f"{_LOCAL.format(version=version)}/_definitions.json", version).get("$defs", {})


@lru_cache(maxsize=None)
def _schema(api_version: str, kind: str) -> dict | None:
    if not is_core(api_version):
        return None
    version = kv.latest_version()
    short = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        return kv.schema_contents(f"{_LOCAL.format(version=version)}/{kind.lower()}-{short}.json", version)
    except (FileNotFoundError, kv.VersionNotSupportedError):
        return None


def known(api_version: str, kind: str) -> bool:
    """Whether kustomize knows this kind's schema (a built-in Kubernetes kind)."""
    return _schema(api_version, kind) is not None


def merge_key(api_version: str, kind: str, path: tuple) -> str | None:
    """The key Kubernetes merges the list at ``path`` on; None when it replaces the list whole
    (or the kind or path is not in the schema)."""
    node = _resolve(_schema(api_version, kind))
    for part in path:
        if node is None:
            return None
        if isinstance(part, int):
            node = _resolve(node.get("items")) if _is_array(node) else None
        else:
            props = node.get("properties") or {}
            node = _resolve(props.get(part))
    if node is None or not _is_array(node):
        return None
    key = node.get("x-kubernetes-patch-merge-key")
    return key if isinstance(key, str) else None


def _is_array(node: dict) -> bool:
    kind = node.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def _resolve(node: Any) -> dict | None:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        ref = node["$ref"]
        name = ref.rsplit("/", 1)[-1]
        merged = {k: v for k, v in node.items() if k != "$ref"}
        node = {**(_definitions().get(name) or {}), **merged}
        seen += 1
    if isinstance(node, dict) and "allOf" in node and len(node["allOf"]) == 1:
        return _resolve({**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}})
    return node if isinstance(node, dict) else None
