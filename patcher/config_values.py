"""What each setting may hold: a value of the wrong shape is an error naming the key.

A timeout of ``30 seconds`` written into every VirtualService would be rejected
by Istio at apply time, long after patcher said the fix was verified; so every
value a fix may write, and every value the analysis relies on, is checked when
the settings are read.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from patcher.source import PatcherError

# Go's time.ParseDuration syntax, which Istio uses for durations: 30s, 1m30s, 250ms, 1.5h
DURATION = re.compile(r"(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
K8S_VERSION = re.compile(r"v?\d+\.\d+(\.\d+)?")
MTLS_MODES = ("STRICT", "PERMISSIVE", "DISABLE", "UNSET")

Position = Callable[[tuple], "tuple[int, int] | None"]


def shown(value: Any, limit: int = 80) -> str:
    """A value as an error message quotes it: its repr, cut short (it may be a whole file's worth)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _duration(value: Any) -> str | None:
    # zero is refused: Istio reads a zero timeout as "no timeout", the opposite of what was asked
    if isinstance(value, str) and DURATION.fullmatch(value) and re.search(r"[1-9]", value):
        return None
    return "a duration above zero such as 30s, 1m30s or 250ms"


def _integer(low: int, high: int | None = None) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= low and (
            high is None or value <= high)
        return None if ok else (f"a whole number from {low} to {high}" if high is not None
                                else f"a whole number of at least {low}")
    return check


def _pattern(regex: re.Pattern, what: str, empty: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        ok = isinstance(value, str) and ((empty and value == "") or regex.fullmatch(value) is not None)
        return None if ok else what
    return check


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _output(value: Any) -> str | None:
    """A generated file's path: empty (beside the repository's own manifests), or a YAML file
    inside the repository, named relative to its root."""
    if value == "":
        return None
    what = "a YAML file inside the repository, relative to its root (e.g. k8s/policy.yaml)"
    if not isinstance(value, str) or not value.endswith((".yaml", ".yml")):
        return what
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "~")) or ":" in parts[0] or ".." in parts or "" in parts[:-1]:
        return what
    return None


def _kubernetes_version(value: Any) -> str | None:
    if value == "" or (isinstance(value, str) and K8S_VERSION.fullmatch(value)):
        return None
    unquoted = " in quotes (unquoted, 1.30 is the number 1.3)" if isinstance(value, float) else ""
    return "a Kubernetes version such as 1.30 or v1.30.2" + unquoted


def _strings(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return None if ok else "a list of strings"


def _one_of(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else "one of " + ", ".join(choices)
    return check


def _labels(value: Any) -> str | None:
    ok = isinstance(value, dict) and value and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return None if ok else "a mapping of label names to string values"


def _port_range(value: Any) -> str | None:
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65535 for v in value)
          and value[0] <= value[1])
    return None if ok else "two port numbers [first, last], first <= last"


def _releases(value: Any) -> str | None:
    if not isinstance(value, list):
        return "a list of {chart, name, namespace, values}"
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("chart"), str) or set(item) - {
                "chart", "name", "namespace", "values"}:
            return "a list of {chart, name, namespace, values} (chart is required)"
        if any(k in item and not isinstance(item[k], str) for k in ("name", "namespace")) or \
                _strings(item.get("values", [])):
            return "a list of {chart, name, namespace, values}: name and namespace strings, values a list"
    return None


CHECKS: dict[tuple, Callable[[Any], str | None]] = {
    ("disable",): _strings,
    ("enable",): _strings,
    ("cluster-domain",): _pattern(DOMAIN, "a DNS domain such as cluster.local"),
    ("nodeport-range",): _port_range,
    ("route-timeout",): _duration,
    ("retries", "attempts"): _integer(0),
    ("retries", "perTryTimeout"): _duration,
    ("retries", "retryOn"): _pattern(re.compile(r"[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*"),
                                     "a comma-separated list of retry conditions such as 5xx,reset"),
    ("connection-pool", "maxConnections"): _integer(1),
    ("connection-pool", "http1MaxPendingRequests"): _integer(1),
    ("connection-pool", "http2MaxRequests"): _integer(1),
    ("connection-pool", "maxRequestsPerConnection"): _integer(0),
    ("connection-pool", "maxRetries"): _integer(0),
    ("outlier-detection", "consecutive5xxErrors"): _integer(0),
    ("outlier-detection", "consecutiveGatewayErrors"): _integer(0),
    ("outlier-detection", "interval"): _duration,
    ("outlier-detection", "baseEjectionTime"): _duration,
    ("outlier-detection", "maxEjectionPercent"): _integer(0, 100),
    ("outlier-detection", "minHealthPercent"): _integer(0, 100),
    ("mtls-mode",): _one_of(*MTLS_MODES),
    ("istio-namespace",): _pattern(DNS_LABEL, "a namespace name"),
    ("dns", "namespace"): _pattern(DNS_LABEL, "a namespace name"),
    ("dns", "labels"): _labels,
    ("dns", "port"): _integer(1, 65535),
    ("outputs", "destination-rules"): _output,
    ("outputs", "network-policies"): _output,
    ("outputs", "peer-authentication"): _output,
    ("schema-location",): _string,
    ("kubernetes-version",): _kubernetes_version,
    ("max-file-size",): _integer(1),
    ("helm-releases",): _releases,
    ("helm-timeout",): _duration,
    ("platform-namespaces",): _strings,
}


def check_values(defaults: dict[str, Any], overridden: dict[str, Any], source: str,
                 position: Position) -> None:
    """Raise on the first setting the repository overrides with a value of the wrong shape."""
    for path, check in CHECKS.items():
        given: Any = overridden
        for key in path:
            if not isinstance(given, dict) or key not in given:
                break
            given = given[key]
        else:
            problem = check(given)
            if problem:
                line, column = position(path) or (None, None)
                name = ".".join(path)
                raise PatcherError(f"setting '{name}' is {shown(given)}; it must be {problem}", source, line, column,
                                   hint=f"the default is {shown(_default(defaults, path))}")


def _default(defaults: dict[str, Any], path: tuple) -> Any:
    value: Any = defaults
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value
