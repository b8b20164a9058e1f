"""Kustomize strategic-merge patches, applied to the model's copy of a resource.

Only what analysis needs: mappings merge key by key; lists of mappings merge
item by item on their Kubernetes merge key (``name`` for containers, env and
volumes; ``containerPort`` or ``port`` for ports; ...); other lists and scalars
are replaced; ``$patch: delete`` removes. The files
on disk are never touched: this is how the routing looks once Kustomize has run.
"""

from __future__ import annotations

import copy
from typing import Any


def strategic_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        if patch.get("$patch") == "replace":
            return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
        out = dict(base)
        for key, value in patch.items():
            if isinstance(key, str) and key.startswith("$"):
                continue
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = strategic_merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    key = _merge_key(base, patch) if isinstance(base, list) and isinstance(patch, list) else None
    if key is not None:
        out = list(base)
        for item in patch:
            index = next((i for i, b in enumerate(out) if b.get(key) == item.get(key)), None)
            if item.get("$patch") == "delete":
                if index is not None:
                    out.pop(index)
            elif index is None:
                out.append(copy.deepcopy(item))
            else:
                out[index] = strategic_merge(out[index], item)
        return out
    return copy.deepcopy(patch)


MERGE_KEYS = ("name", "containerPort", "port", "mountPath", "devicePath", "ip", "topologyKey")


def _merge_key(base: list, patch: list) -> str | None:
    """The field Kubernetes merges such a list on: the first that every item carries."""
    items = base + patch
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    return next((k for k in MERGE_KEYS if all(k in i for i in items)), None)
