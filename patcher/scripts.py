"""What the repository's shell scripts reveal: local URLs they call, Helm releases they install.

Scripts are read, never run. Shell variables are resolved only when the script
assigns them a literal (``NS=shop`` or ``NS="${NS:-shop}"``); anything more
dynamic is left unresolved rather than guessed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

LOCAL_URL = re.compile(
    r"(?P<scheme>https?)://(?P<host>localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(?P<port>\d+))?"
    r"(?![A-Za-z0-9.-])"
    # curl also takes host:port without a scheme; only with a port, so prose about "localhost" is left alone
    r"|(?<![\w/.@-])(?P<bare>localhost|127\.0\.0\.1):(?P<bareport>\d+)(?![\w.-])"
)
# shell (NAME=value) and make (NAME = value, NAME ?= value, NAME := value) assignments
ASSIGN = re.compile(r"^\s*(?:export\s+|readonly\s+|local\s+|override\s+)?([A-Za-z_][A-Za-z0-9_]*)"
                    r"(?:=|\s*[:?+]?=\s*)(.*)$")
DEFAULTED = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$")
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$\(([A-Za-z_][A-Za-z0-9_]*)\)"
                 r"|\$([A-Za-z_][A-Za-z0-9_]*)")

HELM_VALUE_FLAGS = {"-n", "--namespace", "-f", "--values", "--set", "--set-string", "--set-file",
                    "--version", "--timeout", "--kube-context", "--kubeconfig", "-o", "--output",
                    "--description", "--repo", "--post-renderer", "--set-json"}


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


def _code(line: str) -> str:
    """The line without its trailing comment: a # outside quotes, at the start or after a blank."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t;"):
            return line[:index]
    return line


VIRTUAL_HOST = re.compile(r"""(?:-H|--header)\s*=?\s*['"]?Host:|--resolve\b|--connect-to\b""", re.I)
# tools whose host:port/path arguments are image or registry references, not URLs
IMAGE_TOOLS = {"docker", "podman", "nerdctl", "buildah", "skopeo", "crane", "kind", "ctr", "oras", "regctl"}


def _command(line: str) -> str:
    """The program a line runs (after `sudo`, `env X=1`, `exec`), or ""."""
    for word in line.replace(";", " ").split():
        if word in ("sudo", "exec", "env", "time", "command", "then", "do", "&&", "||") or "=" in word:
            continue
        return word.rsplit("/", 1)[-1]
    return ""


def local_urls(text: str, path: str) -> list[LocalUrl]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        image_tool = _command(_code(line)) in IMAGE_TOOLS
        virtual_host = VIRTUAL_HOST.search(_code(line)) is not None
        for match in LOCAL_URL.finditer(_code(line)):
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
    return found


PORT_FORWARD = re.compile(r"\bport-forward\b(?P<args>.*)")
PORT_SPEC = re.compile(r"^(?P<local>\d+)(?::\d+)?$")


def forwarded_ports(text: str) -> set[int]:
    """Local ports a script opens with `kubectl port-forward` (its own URLs to them are fine)."""
    ports: set[int] = set()
    for _, line in _logical_lines(text):
        match = PORT_FORWARD.search(_code(line))
        if not match:
            continue
        for word in match.group("args").split():
            spec = PORT_SPEC.match(word.strip("'\""))
            if spec:
                ports.add(int(spec.group("local")))
    return ports


# a container run publishing a host port (`docker run -p 127.0.0.1:5001:5000`), a server started on one
PUBLISH = re.compile(r"(?:^|\s)(?:-p|--publish)(?:=|\s+)(?P<spec>\S+)")
SERVE = re.compile(r"\bhttp\.server\s+(?P<port>\S+)|(?:^|\s)--port(?:=|\s+)(?P<flag>\S+)"
                   r"|\bnc\s+(?:-\w+\s+)*-l\w*\s+(?:-p\s+)?(?P<nc>\S+)")
CLUSTER_TOOLS = {"kubectl", "helm", "istioctl", "kind", "kustomize", "argocd", "minikube", "k3d"}


def served_ports(text: str) -> set[int]:
    """Local ports a script opens itself, other than port-forwards: containers it runs with a
    published port, servers it starts. URLs to them are not the ingress's business."""
    variables = _assignments(text)
    ports: set[int] = set()
    for _, line in _logical_lines(text):
        code = _code(line)
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
    return ports


LABEL_NAMESPACE = re.compile(r"\bkubectl\b.*?\blabel\s+(?:--\S+\s+)*(?:namespaces?|ns)(?:/|\s+)(?P<args>.*)")
INJECTION = re.compile(r"^(?:istio-injection=enabled|istio\.io/rev=\S+)$")


def injection_labelled(text: str) -> set[str]:
    """Namespaces a script labels for Istio sidecar injection (`kubectl label namespace shop
    istio-injection=enabled`, or `istio.io/rev=...`)."""
    variables = _assignments(text)
    found: set[str] = set()
    for _, line in _logical_lines(text):
        match = LABEL_NAMESPACE.search(_code(line))
        if not match:
            continue
        try:
            words = [_expand(w, variables) for w in shlex.split(match.group("args"))]
        except ValueError:
            continue
        if any(w and INJECTION.match(w) for w in words):
            found |= {w for w in words if w and not w.startswith("-") and "=" not in w}
    return found


def _assignments(text: str) -> dict[str, str]:
    variables: dict[str, str] = {}
    for line in text.splitlines():
        match = ASSIGN.match(line)
        if not match:
            continue
        try:
            words = shlex.split(match.group(2), comments=True)
        except ValueError:
            continue
        if len(words) != 1:
            continue
        value = words[0]
        defaulted = DEFAULTED.match(value)
        if defaulted:
            value = defaulted.group(1)
        if "$" not in value and "`" not in value:
            variables[match.group(1)] = value
    return variables


def _expand(word: str, variables: dict[str, str]) -> str | None:
    if re.search(r"\$\((?![A-Za-z_][A-Za-z0-9_]*\))", word) or "`" in word:
        return None  # a command's output cannot be known without running it (make's $(VAR) is fine)
    def repl(match: re.Match) -> str:
        name = match.group(1) or match.group(3) or match.group(4)
        if name in variables:
            return variables[name]
        if match.group(2) is not None:
            return match.group(2)
        raise KeyError(name)
    try:
        return VAR.sub(repl, word)
    except KeyError:
        return None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash-continued lines, keeping the first line's number."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append((start, pending + line))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def helm_installs(text: str, path: str) -> list[HelmInstall]:
    variables = _assignments(text)
    installs = []
    for number, line in _logical_lines(text):
        if "helm" not in line:
            continue
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            words = list(lexer)
        except ValueError:
            continue
        for start in [i for i, w in enumerate(words) if w == "helm" or w.endswith("/helm")]:
            parsed = _parse_helm(words[start + 1:], variables)
            if parsed:
                release, chart, namespace, values, repo, version = parsed
                installs.append(HelmInstall(path, number, release, chart, namespace, values, repo, version))
    return installs


def _parse_helm(words: list[str], variables: dict[str, str]):
    if not words or words[0] not in ("install", "upgrade"):
        return None
    positional: list[str] = []
    namespace, values = None, []
    repo = version = None
    i = 1
    while i < len(words):
        word = words[i]
        if word in (";", "&&", "||", "|"):
            break
        if word.startswith("-"):
            flag, _, inline = word.partition("=")
            value = inline if inline else (words[i + 1] if flag in HELM_VALUE_FLAGS and i + 1 < len(words) else None)
            if flag in HELM_VALUE_FLAGS and not inline:
                i += 1
            if flag in ("-n", "--namespace") and value:
                namespace = _expand(value, variables)
            elif flag == "--repo" and value:
                repo = _expand(value, variables)
            elif flag == "--version" and value:
                version = _expand(value, variables)
            elif flag in ("-f", "--values") and value:
                expanded = _expand(value, variables)
                if expanded:
                    values.append(expanded)
        else:
            positional.append(word)
        i += 1
    if len(positional) < 2:
        return None
    release, chart = (_expand(positional[0], variables), _expand(positional[1], variables))
    if not release or not chart:
        return None
    return release, chart, namespace, tuple(values), repo, version
