"""Settings: documented defaults, overridden by the repository's .patcher.yaml
or the [tool.patcher] table of its pyproject.toml.

Every number a fix writes (timeouts, retries, pool sizes) comes from here, so a
team changes its policy in one file instead of arguing with the tool.
"""

from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patcher.config_values import check_values
from patcher.containment import boundary, inside
from patcher.reading import read_regular
from patcher.rule_patterns import matches, split
from patcher.source import PatcherError, decode
from patcher.suppress import parse_ignores
from patcher.yamlread import read_documents

DEFAULTS: dict[str, Any] = {
    # rule ids to skip everywhere; --skip adds to this, --rule selects
    "disable": [],
    # rule ids that are off by default to run too (schema/invalid-resource)
    "enable": [],
    # findings to hide where no comment can sit: [{rule, namespace | file | resource}]
    "ignore": [],
    # a file `patcher plan --write-baseline` wrote: the findings in it are hidden until they change
    "baseline": "",
    "cluster-domain": "cluster.local",
    "nodeport-range": [30000, 32767],
    "route-timeout": "30s",
    "retries": {"attempts": 3, "perTryTimeout": "10s",
                "retryOn": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"},
    "connection-pool": {"maxConnections": 100, "http1MaxPendingRequests": 100},
    "outlier-detection": {"consecutive5xxErrors": 5, "interval": "10s",
                          "baseEjectionTime": "30s", "maxEjectionPercent": 50},
    "mtls-mode": "STRICT",
    # Istio's root namespace: where istiod runs and mesh-wide policy lives
    "istio-namespace": "istio-system",
    # DNS egress every pod needs once egress is denied by default
    "dns": {"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}, "port": 53},
    # where generated files go; empty means "next to the existing Istio manifests"
    "outputs": {"destination-rules": "", "network-policies": "", "peer-authentication": ""},
    # JSON schemas for custom resources: a folder (<group>/<kind>_<version>.json) or a
    # kubeconform-style URL template; empty validates core kinds only
    "schema-location": "",
    # Kubernetes version whose schemas core kinds are checked against; empty: the newest known
    "kubernetes-version": "",
    # files larger than this many bytes are reported and not read
    "max-file-size": 5 * 1024 * 1024,
    # Helm releases, when the scripts do not say: [{chart, name, namespace, values: []}]
    "helm-releases": [],
    # how long one chart may take to render before it is stopped and reported
    "helm-timeout": "60s",
    # namespaces that hold platform components rather than the application
    "platform-namespaces": ["istio-system", "kube-system", "kube-public", "kube-node-lease",
                            "local-path-storage"],
}


# nested settings whose keys are Istio or Kubernetes field names: these and no others
NESTED_KEYS: dict[str, set[str]] = {
    "retries": {"attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities"},
    "connection-pool": {"maxConnections", "http1MaxPendingRequests", "http2MaxRequests",
                        "maxRequestsPerConnection", "maxRetries"},
    "outlier-detection": {"consecutive5xxErrors", "consecutiveGatewayErrors", "interval", "baseEjectionTime",
                          "maxEjectionPercent", "minHealthPercent"},
    "outputs": {"destination-rules", "network-policies", "peer-authentication"},
    "dns": {"namespace", "labels", "port"},
}


@dataclass(frozen=True)
class Config:
    values: dict[str, Any]
    source: str | None = None  # the file the overrides came from

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def override(self, key: str, value: Any) -> "Config":
        return Config({**self.values, key: value}, self.source)

    def enabled(self, rule_id: str, only: tuple[str, ...] = (), skip: tuple[str, ...] = (),
                default: bool = True) -> bool:
        """Whether a rule runs; every argument is a list of patterns (ids, families, globs)."""
        def named(patterns) -> bool:
            return any(matches(p, rule_id) for p in split(patterns))
        if only:
            return named(only) and not named(skip)
        wanted = default or named(self.values["enable"])
        return wanted and not named(skip) and not named(self.values["disable"])


def _merge(base: dict[str, Any], override: dict[str, Any], source: str) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key not in base:
            raise PatcherError(f"unknown setting '{key}'", source,
                               hint="known settings: " + ", ".join(sorted(base)))
        if isinstance(base[key], dict) and isinstance(value, dict):
            unknown = sorted(set(value) - NESTED_KEYS.get(key, set(value)))
            if unknown:
                raise PatcherError(f"unknown setting '{key}.{unknown[0]}'", source,
                                   hint=f"known keys of '{key}': " + ", ".join(sorted(NESTED_KEYS[key])))
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    parse_ignores(merged["ignore"], source)
    if not isinstance(merged["baseline"], str):
        raise PatcherError("'baseline' must be the path of a baseline file", source)
    return merged


def _settings_text(root: Path, name: str) -> str | None:
    """A settings file's text, None when there is none. One that is a link leading out of the
    repository, or not a regular file, is an error: read, it could be anything (a FIFO blocks);
    passed over, the run would silently use other settings."""
    if not os.path.lexists(root / name):
        return None
    full = inside(boundary(root), str(root / name))
    if full is None:
        raise PatcherError("the settings file is a symbolic link leading outside the repository: not read", name,
                           hint="make it a regular file inside the repository")
    try:
        return decode(read_regular(full, name), name)
    except OSError as exc:
        raise PatcherError(f"cannot read the settings: {exc.strerror}", name) from None


def load_config(root: Path) -> Config:
    text = _settings_text(root, ".patcher.yaml")
    if text is not None:
        docs = read_documents(text, ".patcher.yaml")
        data = docs[0].data if docs else {}
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise PatcherError("settings must be a mapping", ".patcher.yaml", 1)
        merged = _merge(DEFAULTS, data, ".patcher.yaml")
        check_values(DEFAULTS, data, ".patcher.yaml", lambda path: docs[0].key_position(path))
        return Config(merged, ".patcher.yaml")
    text = _settings_text(root, "pyproject.toml")
    if text is not None:
        try:
            table = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PatcherError(f"invalid TOML: {exc}", "pyproject.toml") from None
        section = table.get("tool", {}).get("patcher")
        if isinstance(section, dict):
            merged = _merge(DEFAULTS, section, "pyproject.toml")
            check_values(DEFAULTS, section, "pyproject.toml", lambda path: None)
            return Config(merged, "pyproject.toml")
    return Config(copy.deepcopy(DEFAULTS))
