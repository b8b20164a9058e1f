"""The NodePort range of the cluster: what kind's kubeadm patches set, else the setting."""

from __future__ import annotations

import re

# kube-apiserver's flag as a kubeadm ClusterConfiguration patch writes it (extraArgs)
FLAG = re.compile(r"service-node-port-range[\"']?\s*[:=]\s*[\"']?(\d+)-(\d+)")


def nodeport_range(model, config) -> tuple[int, int]:
    for kind in model.kind_configs:
        for patch in kind.data.get("kubeadmConfigPatches") or []:
            found = FLAG.search(patch) if isinstance(patch, str) else None
            if found:
                return int(found.group(1)), int(found.group(2))
    low, high = config["nodeport-range"]
    return int(low), int(high)


def in_range(port: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= port <= bounds[1]
