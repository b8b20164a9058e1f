"""Settings: documented defaults, overridden by the repository's .patcher.yaml
or the [tool.patcher] table of its pyproject.toml.

Every number a fix writes (timeouts, retries, pool sizes) comes from here, so a
team changes its policy in one file instead of arguing with the tool.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patcher.config_values import Position, check_values, shown
from patcher.containment import boundary
from patcher.ownfiles import read_own_file
from patcher.rule_patterns import matches, split
from patcher.source import PatcherError
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
    # `patcher pr`: labels and reviewers of the pull requests it opens, and its own body template
    # (a jinja2 file in the repository; empty: patcher's templates/pr.md.j2)
    "pull-requests": {"labels": [], "reviewers": [], "team-reviewers": [], "draft": False, "template": ""},
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
    "pull-requests": {"labels", "reviewers", "team-reviewers", "draft", "template"},
}


@dataclass(frozen=True)
class Config:
    values: dict[str, Any]
    source: str | None = None  # the file the overrides came from
    given: frozenset[str] = frozenset()  # the settings the file or the command line sets

    def given_by_user(self, key: str) -> bool:
        """Whether a setting is the team's own rather than patcher's default (a fix then follows
        the repository's conventions instead: patcher.intent.conventions)."""
        return key in self.given

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def override(self, key: str, value: Any) -> "Config":
        return Config({**self.values, key: value}, self.source, self.given | {key})

    def enabled(self, rule_id: str, only: tuple[str, ...] = (), skip: tuple[str, ...] = (),
                default: bool = True) -> bool:
        """Whether a rule runs; every argument is a list of patterns (ids, families, globs)."""
        def named(patterns) -> bool:
            return any(matches(p, rule_id) for p in split(patterns))
        if only:
            return named(only) and not named(skip)
        wanted = default or named(self.values["enable"])
        return wanted and not named(skip) and not named(self.values["disable"])


def _merge(base: dict[str, Any], override: dict[str, Any], source: str, position: Position) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        line, column = position((str(key),)) or (None, None)
        if key not in base:
            raise PatcherError(f"unknown setting '{key}'", source, line, column,
                               hint="known settings: " + ", ".join(sorted(base)))
        if isinstance(base[key], dict) and not isinstance(value, dict):
            raise PatcherError(f"setting '{key}' is {shown(value)}; it must be a mapping", source, line, column,
                               hint=f"its keys: " + ", ".join(sorted(NESTED_KEYS[key])))
        if isinstance(base[key], dict):
            unknown = sorted(set(value) - NESTED_KEYS.get(key, set(value)), key=str)
            if unknown:
                line, column = position((key, str(unknown[0]))) or (line, column)
                raise PatcherError(f"unknown setting '{key}.{unknown[0]}'", source, line, column,
                                   hint=f"known keys of '{key}': " + ", ".join(sorted(NESTED_KEYS[key])))
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    line, column = position(("ignore",)) or (None, None)
    parse_ignores(merged["ignore"], source, line, column)
    if not isinstance(merged["baseline"], str):
        line, column = position(("baseline",)) or (None, None)
        raise PatcherError("'baseline' must be the path of a baseline file", source, line, column)
    return merged


def load_config(root: Path) -> Config:
    """The settings of the repository at ``root``: its .patcher.yaml, else the [tool.patcher]
    table of its pyproject.toml, else the defaults. A settings file that cannot be read or
    holds a wrong value is an error naming it (and the line, where there is one)."""
    limit = boundary(root)
    text = read_own_file(root / ".patcher.yaml", ".patcher.yaml", limit)
    if text is not None:
        docs = read_documents(text, ".patcher.yaml")
        data = docs[0].data if docs else {}
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise PatcherError("settings must be a mapping", ".patcher.yaml", 1)
        position = docs[0].key_position if docs else (lambda path: None)
        merged = _merge(DEFAULTS, data, ".patcher.yaml", position)
        check_values(DEFAULTS, data, ".patcher.yaml", position)
        return Config(merged, ".patcher.yaml", frozenset(data))
    text = read_own_file(root / "pyproject.toml", "pyproject.toml", limit)
    if text is not None:
        try:
            table = tomllib.loads(text.removeprefix("\ufeff"))
        except tomllib.TOMLDecodeError as exc:
            where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
            message = str(exc)[: where.start()].strip() if where else str(exc)
            raise PatcherError(f"invalid TOML: {message}", "pyproject.toml", *(
                (int(where[1]), int(where[2])) if where else ())) from None
        tool = table.get("tool", {})
        section = tool.get("patcher") if isinstance(tool, dict) else tool
        if section is not None and not isinstance(section, dict):
            raise PatcherError("[tool.patcher] must be a table of settings", "pyproject.toml")
        if section is not None:
            position = lambda path: _toml_line(text, path)  # noqa: E731
            merged = _merge(DEFAULTS, section, "pyproject.toml", position)
            check_values(DEFAULTS, section, "pyproject.toml", position)
            return Config(merged, "pyproject.toml", frozenset(section))
    return Config(copy.deepcopy(DEFAULTS))


def _toml_line(text: str, path: tuple) -> tuple[int, int] | None:
    """Where a setting is written in pyproject.toml, found in the text (tomllib keeps no
    positions): the first assignment of its key after the [tool.patcher] header."""
    lines = text.splitlines()
    header = re.compile(r"\s*\[\s*tool\s*\.\s*patcher\b")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return None
    key = re.compile(r"(?:^|[\s{,.])([\"']?" + re.escape(str(path[-1])) + r"[\"']?)\s*=")
    for number in range(start + 1, len(lines)):
        match = key.search(lines[number])
        if match:
            return (number + 1, match.start(1) + 1)
    return None
