"""What the repository's shell scripts reveal: local URLs they call, Helm releases they install.

Scripts are read, never run. Shell variables are resolved only when the script
assigns them a literal (``NS=shop`` or ``NS="${NS:-shop}"``); anything more
dynamic is left unresolved rather than guessed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

from patcher.entrypoints.shell import SCRIPTS_CACHED, _assignments, _code, _expand, _logical_lines

LOCAL_URL = re.compile(
    r"(?P<scheme>https?)://(?P<host>localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(?P<port>\d+))?"
    r"(?![A-Za-z0-9.-])"
    # curl also takes host:port without a scheme; only with a port, so prose about "localhost" is left alone
    r"|(?<![\w/.@-])(?P<bare>localhost|127\.0\.0\.1):(?P<bareport>\d+)(?![\w.-])"
)
# shell (NAME=value) and make (NAME = value, NAME ?= value, NAME := value) assignments


@dataclass(frozen=True)
class LocalUrl:
    file: str
    line: int  # 1-based
    column: int  # 1-based, where the URL starts
    text: str  # the matched scheme://host[:port]
    scheme: str
    host: str
    port: int | None
    bare: bool = False  # written host:port, without a scheme
    virtual_host: bool = False  # the call names a virtual host (a Host header, --resolve): meant for an ingress

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else (443 if self.scheme == "https" else 80)


@dataclass(frozen=True)
class HelmInstall:
    file: str
    line: int
    release: str
    chart: str
    namespace: str | None
    values: tuple[str, ...]
    repo: str | None = None  # --repo URL
    version: str | None = None  # --version


VIRTUAL_HOST = re.compile(r"""(?:-H|--header)\s*=?\s*['"]?Host:|--resolve\b|--connect-to\b"""
                          # PowerShell: Invoke-WebRequest / Invoke-RestMethod -Headers @{ Host = "x" }
                          r"""|-Headers\s*@\{[^}]*?(?<![\w-])['"]?Host['"]?\s*=""", re.I)
# tools whose host:port/path arguments are image or registry references, not URLs
IMAGE_TOOLS = {"docker", "podman", "nerdctl", "buildah", "skopeo", "crane", "kind", "ctr", "oras", "regctl"}


def _command(line: str) -> str:
    """The program a line runs (after `sudo`, `env X=1`, `exec`), or ""."""
    for word in line.replace(";", " ").split():
        # "- cmd" and "cmd: cmd" are how a Taskfile lists a task's commands
        if word in ("sudo", "exec", "env", "time", "command", "then", "do", "&&", "||", "-", "cmd:") or "=" in word:
            continue
        return word.rsplit("/", 1)[-1]
    return ""


def local_urls(text: str, path: str) -> list[LocalUrl]:
    return list(_local_urls(text, path))


# each of these reads a script once per pass of a plan's fix loop, mostly unchanged: each text is read once
@lru_cache(maxsize=SCRIPTS_CACHED)
def _local_urls(text: str, path: str) -> tuple[LocalUrl, ...]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = _code(line)
        if "localhost" not in code and "127.0.0.1" not in code and "0.0.0.0" not in code and "[::1]" not in code:
            continue  # what LOCAL_URL can match, looked for before the slower checks
        image_tool = _command(code) in IMAGE_TOOLS
        virtual_host = VIRTUAL_HOST.search(code) is not None
        for match in LOCAL_URL.finditer(code):
            if match.group("bare"):
                if image_tool:
                    continue  # `docker push localhost:5001/app:dev` names a registry image
                found.append(LocalUrl(path, number, match.start() + 1, match.group(0), "http",
                                      match.group("bare"), int(match.group("bareport")), True, virtual_host))
                continue
            port = match.group("port")
            found.append(LocalUrl(path, number, match.start() + 1, match.group(0),
                                  match.group("scheme"), match.group("host"),
                                  int(port) if port else None, False, virtual_host))
    return tuple(found)


@lru_cache(maxsize=SCRIPTS_CACHED)
def _logical_code(text: str) -> tuple[str, ...]:
    """Each logical line's code (its comment removed)."""
    return tuple(_code(line) for _, line in _logical_lines(text))


PORT_FORWARD = re.compile(r"\bport-forward\b(?P<args>.*)")
PORT_SPEC = re.compile(r"^(?P<local>\d+)(?::\d+)?$")


def forwarded_ports(text: str) -> set[int]:
    """Local ports a script opens with `kubectl port-forward` (its own URLs to them are fine)."""
    return set(_forwarded_ports(text))


@lru_cache(maxsize=SCRIPTS_CACHED)
def _forwarded_ports(text: str) -> frozenset[int]:
    ports: set[int] = set()
    for code in _logical_code(text):
        match = PORT_FORWARD.search(code) if "port-forward" in code else None
        if not match:
            continue
        for word in match.group("args").split():
            spec = PORT_SPEC.match(word.strip("'\""))
            if spec:
                ports.add(int(spec.group("local")))
    return frozenset(ports)


# a container run publishing a host port (`docker run -p 127.0.0.1:5001:5000`), a server started on one
PUBLISH = re.compile(r"(?:^|\s)(?:-p|--publish)(?:=|\s+)(?P<spec>\S+)")
SERVE = re.compile(r"\bhttp\.server\s+(?P<port>\S+)|(?:^|\s)--port(?:=|\s+)(?P<flag>\S+)"
                   r"|\bnc\s+(?:-\w+\s+)*-l\w*\s+(?:-p\s+)?(?P<nc>\S+)")
CLUSTER_TOOLS = {"kubectl", "helm", "istioctl", "kind", "kustomize", "argocd", "minikube", "k3d"}


def served_ports(text: str) -> set[int]:
    """Local ports a script opens itself, other than port-forwards: containers it runs with a
    published port, servers it starts. URLs to them are not the ingress's business."""
    return set(_served_ports(text))


@lru_cache(maxsize=SCRIPTS_CACHED)
def _served_ports(text: str) -> frozenset[int]:
    variables = _assignments(text)
    ports: set[int] = set()
    for code in _logical_code(text):
        command = _command(code)
        if command in ("docker", "podman", "nerdctl"):
            for match in PUBLISH.finditer(code):
                spec = _expand(match.group("spec").strip("'\""), variables) or ""
                parts = spec.rsplit("]", 1)[-1].split(":")
                if len(parts) >= 2 and parts[-2].isdigit():
                    ports.add(int(parts[-2]))
        if command in CLUSTER_TOOLS:
            continue  # their --port flags name cluster ports
        for match in SERVE.finditer(code):
            value = _expand((match.group("port") or match.group("flag") or match.group("nc")).strip("'\""),
                            variables)
            if value and value.isdigit():
                ports.add(int(value))
    return frozenset(ports)


LABEL_NAMESPACE = re.compile(r"\bkubectl\b.*?\blabel\s+(?:--\S+\s+)*(?:namespaces?|ns)(?:/|\s+)(?P<args>.*)")
INJECTION = re.compile(r"^(?:istio-injection=enabled|istio\.io/rev=\S+)$")


def injection_labelled(text: str) -> set[str]:
    """Namespaces a script labels for Istio sidecar injection (`kubectl label namespace shop
    istio-injection=enabled`, or `istio.io/rev=...`)."""
    return set(_injection_labelled(text))


@lru_cache(maxsize=SCRIPTS_CACHED)
def _injection_labelled(text: str) -> frozenset[str]:
    variables = _assignments(text)
    found: set[str] = set()
    for code in _logical_code(text):
        match = LABEL_NAMESPACE.search(code) if "kubectl" in code else None
        if not match:
            continue
        try:
            words = [_expand(w, variables) for w in shlex.split(match.group("args"))]
        except ValueError:
            continue
        if any(w and INJECTION.match(w) for w in words):
            found |= {w for w in words if w and not w.startswith("-") and "=" not in w}
    return frozenset(found)


def helm_installs(text: str, path: str) -> list[HelmInstall]:
    """The Helm releases a script installs whose release and chart it names (see
    patcher.entrypoints.commands, which reads every form)."""
    from patcher.entrypoints.commands import read_commands
    from patcher.entrypoints.shell import script_lines

    return [HelmInstall(i.file, i.line, i.release, i.chart, i.namespace, i.values, i.repo, i.version)
            for i in read_commands(script_lines(path, text)).helm
            if i.release and not i.templated and not {i.release, i.chart} & set(i.unresolved)]
