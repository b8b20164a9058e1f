"""The deploying commands of a script line, as records (kubectl, helm, istioctl, kind).

Words are split as the shell splits them (shlex); a command may follow ``sudo``,
``env X=1`` or ``VAR=1``, and lines chain commands with ``&&``, ``;`` and ``|``.
A word that could not be known (a variable the file never assigns, a command's
output) is kept as written and flagged: never guessed. Paths resolve against
the folder the command runs in, then the repository root; one outside the
repository is not modelled (``remote``).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import Callable

import yaml

from patcher.entrypoints.records import (Apply, HelmInstall, IstioctlInstall, KindCreate, NamespaceCreate,
                                         NamespaceLabel, Patch, PortForward)
from patcher.entrypoints.shell import ROOTED, UNKNOWN, CommandLine, WorkingFolder, change_folder, follow_cd, readable
from patcher.source import Diagnostic

PREFIXES = {"sudo", "exec", "env", "time", "command", "then", "do", "else", "elif", "if", "while", "until",
            "{", "}", "(", ")", "!", "nohup", "xargs", "&", "-E", "watch"}
KUBECTL_VALUE_FLAGS = {"-n", "--namespace", "-f", "--filename", "-k", "--kustomize", "--context", "--kubeconfig",
                       "--cluster", "--user", "-l", "--selector", "-o", "--output", "-p", "--patch", "--patch-file",
                       "--type", "--field-manager", "--server", "-s", "--token", "--as", "--address", "--timeout",
                       "--request-timeout", "-c", "--container", "--pod-running-timeout", "--template",
                       "--field-selector", "--prune-allowlist", "--cascade", "--grace-period", "--subresource",
                       "--image", "--from-literal", "--from-file", "--from-env-file", "--cert", "--key"}
HELM_VALUE_FLAGS = {"-n", "--namespace", "-f", "--values", "--set", "--set-string", "--set-file", "--set-json",
                    "--set-literal", "--version", "--timeout", "--kube-context", "--kubeconfig", "-o", "--output",
                    "--description", "--repo", "--post-renderer", "--post-renderer-args", "--username",
                    "--password", "--ca-file", "--cert-file", "--key-file", "--history-max", "--name-template",
                    "--kube-apiserver", "--kube-token", "--kube-as-user", "--registry-config",
                    "--repository-cache", "--repository-config", "--labels", "-l", "--api-versions", "-a",
                    "--kube-version", "--output-dir", "--show-only", "-s"}
ISTIOCTL_VALUE_FLAGS = {"-f", "--filename", "--set", "-s", "--revision", "-r", "--context", "--kubeconfig", "-c",
                        "--manifests", "-d", "--readiness-timeout", "-i", "--istioNamespace", "-o", "--output"}
KIND_VALUE_FLAGS = {"--config", "--name", "-n", "--image", "--kubeconfig", "--wait", "--retain"}
SET_FLAGS = ("--set", "--set-string", "--set-json", "--set-file", "--set-literal")
KINDS = {"svc": "Service", "service": "Service", "services": "Service", "deploy": "Deployment",
         "deployment": "Deployment", "deployments": "Deployment", "sts": "StatefulSet",
         "statefulset": "StatefulSet", "statefulsets": "StatefulSet", "ds": "DaemonSet", "daemonset": "DaemonSet",
         "daemonsets": "DaemonSet", "cm": "ConfigMap", "configmap": "ConfigMap", "configmaps": "ConfigMap",
         "ns": "Namespace", "namespace": "Namespace", "namespaces": "Namespace", "sa": "ServiceAccount",
         "serviceaccount": "ServiceAccount", "ing": "Ingress", "ingress": "Ingress", "ingresses": "Ingress",
         "po": "Pod", "pod": "Pod", "pods": "Pod", "secret": "Secret", "secrets": "Secret",
         "gateway": "Gateway", "gateways": "Gateway", "gw": "Gateway", "vs": "VirtualService",
         "virtualservice": "VirtualService", "virtualservices": "VirtualService", "dr": "DestinationRule",
         "destinationrule": "DestinationRule", "destinationrules": "DestinationRule", "job": "Job",
         "cronjob": "CronJob", "cj": "CronJob", "rs": "ReplicaSet", "replicaset": "ReplicaSet",
         "hpa": "HorizontalPodAutoscaler", "pvc": "PersistentVolumeClaim", "netpol": "NetworkPolicy",
         "networkpolicy": "NetworkPolicy", "networkpolicies": "NetworkPolicy", "node": "Node", "no": "Node",
         "iop": "IstioOperator", "istiooperator": "IstioOperator", "app": "Application",
         "application": "Application", "applications": "Application"}
PORT = re.compile(r"^(?P<local>\d+)?(?::(?P<remote>[\w-]+))?$")
REDIRECT_WORD = re.compile(r"^\d*(?:>>?|<)")
ASSIGNMENT_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass
class Found:
    """What the lines of the repository's scripts deploy, and the notes about what is not modelled."""

    applies: list[Apply] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    namespaces: list[NamespaceCreate] = field(default_factory=list)
    labels: list[NamespaceLabel] = field(default_factory=list)
    port_forwards: list[PortForward] = field(default_factory=list)
    helm: list[HelmInstall] = field(default_factory=list)
    istioctl: list[IstioctlInstall] = field(default_factory=list)
    kind_clusters: list[KindCreate] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class Paths:
    """How the commands see the repository: whether a repository-relative path exists, and a
    file's text (for ``--patch-file``)."""

    exists: Callable[[str], bool] = lambda _: False
    read: Callable[[str], str | None] = lambda _: None


def read_commands(lines: list[CommandLine], paths: Paths = Paths()) -> Found:
    found = Found()
    for line in lines:
        _Line(line, paths, found).run()
    return found


class _Line:
    def __init__(self, line: CommandLine, paths: Paths, found: Found) -> None:
        self.line, self.paths, self.found = line, paths, found
        self.state = WorkingFolder(line.cwd)
        self.remote: list[str] = []
        self.inline = False
        self.redirect: str | None = None

    def run(self) -> None:
        stages: list[list[str]] = [[]]
        saved: list[str | None] = []
        for word in [*self.line.words, ";"]:
            if word in (";", "&&", "||", "&", ";;", "(", ")"):
                self.pipeline(stages)
                stages = [[]]
                if word == "(":
                    saved.append(self.state.cwd)  # a subshell's cd ends with it
                elif word == ")" and saved:
                    self.state.cwd = saved.pop()
            elif word == "|":
                stages.append([])
            else:
                stages[-1].append(word)
        if self.remote:
            things = ", ".join(dict.fromkeys(self.remote))
            self.found.notes.append(Diagnostic(self.line.file, f"{things}: not in this repository, not analysed",
                                               self.line.line, level="note"))
        if self.inline:
            self.found.notes.append(Diagnostic(self.line.file, f"manifest written inline in {self.line.file}:"
                                               f"{self.line.line} is not analysed", self.line.line, level="note"))

    def pipeline(self, stages: list[list[str]]) -> None:
        for index, stage in enumerate(stages):
            words = _command(stage)
            # `kubectl apply -f - < FILE` reads FILE
            self.redirect = next((stage[i + 1] for i, w in enumerate(stage[:-1]) if w == "<"), None)
            if words:
                self.command(words, stages[index - 1] if index else None)

    def command(self, words: list[str], before: list[str] | None) -> None:
        program = posixpath.basename(words[0])
        if program in ("cd", "pushd", "popd") or words[0].lower() in ("set-location", "push-location",
                                                                        "pop-location", "sl"):
            follow_cd(self.state, shlex.join(words))
        elif program in ("kubectl", "kubectl.exe", "oc"):
            self.kubectl(words[1:], _command(before or []))
        elif program in ("helm", "helm.exe"):
            self.helm(words[1:])
        elif program in ("istioctl", "istioctl.exe"):
            self.istioctl(words[1:])
        elif program in ("kind", "kind.exe"):
            self.kind(words[1:])

    # --- values and paths -----------------------------------------------------------------

    def value(self, word: str) -> str | None:
        """A word's value, None when it holds something unknown."""
        if UNKNOWN in word or "$" in word or "`" in word or "{{" in word:
            return None
        return word

    def path(self, word: str) -> str | None:
        """A path word, repository-relative; None when it is unknown or outside the repository."""
        value = self.value(word)
        if value is None or value.startswith("~"):
            return None
        if value.startswith(ROOTED):
            return _dot(change_folder("", value))
        if value.startswith("/") or re.match(r"^[A-Za-z]:[/\\]", value):
            return None
        cwd = self.state.cwd
        if cwd is None:
            return None
        here = change_folder(cwd, value)
        from_root = change_folder("", value)
        for candidate in (_dot(here), _dot(from_root)):
            if candidate is not None and self.paths.exists(candidate):
                return candidate
        return _dot(here)

    # --- kubectl --------------------------------------------------------------------------

    def kubectl(self, words: list[str], before: list[str]) -> None:
        flags, positional = _flags(words, KUBECTL_VALUE_FLAGS, {"-R", "--recursive"})
        if not positional:
            return
        verb = positional[0]
        namespace, unresolved = self.namespace(flags)
        if verb in ("apply", "create", "replace", "diff") and _dry_run(flags) or verb == "diff":
            return  # shown, not deployed
        if verb in ("apply", "create", "replace") and any(
                f in ("-f", "--filename", "-k", "--kustomize") for f, _ in flags):
            self.apply(verb, flags, namespace, unresolved, before)
        elif verb == "create" and len(positional) >= 3 and positional[1] in ("namespace", "ns"):
            if _dry_run(flags):
                return  # printed, not created: the `| kubectl apply -f -` after it creates it
            self.namespace_create(positional[2])
        elif verb == "label" and len(positional) >= 2:
            self.label(positional[1:])
        elif verb == "patch" and len(positional) >= 2:
            self.patch(positional[1:], flags, namespace, unresolved)
        elif verb == "port-forward" and len(positional) >= 2:
            self.port_forward(positional[1:], flags, namespace, unresolved)
        elif verb == "kustomize":
            return  # builds, prints: what it feeds is read at the `kubectl apply -f -` after it

    def namespace(self, flags: list[tuple[str, str | None]]) -> tuple[str | None, list[str]]:
        written = _last(flags, "-n", "--namespace")
        if written is None:
            return None, []
        value = self.value(written)
        return value, [] if value is not None else [readable(written)]

    def apply(self, verb: str, flags, namespace: str | None, unresolved: list[str], before: list[str]) -> None:
        kustomize = any(f in ("-k", "--kustomize") for f, _ in flags)
        recursive = any(f in ("-R", "--recursive") and v in (None, "true") for f, v in flags)
        paths: list[str] = []
        remote: list[str] = []
        for flag, value in flags:
            if flag not in ("-f", "--filename", "-k", "--kustomize") or value is None:
                continue
            for item in value.split(",") if flag in ("-f", "--filename") else [value]:
                if item == "-":
                    piped = self.stdin(before)
                    if piped is None:
                        return
                    if piped[0]:
                        kustomize = kustomize or piped[1]
                        paths += piped[0]
                    else:
                        remote += piped[2]
                    continue
                if "://" in item:
                    remote.append(item)
                    self.remote.append(f"kubectl {verb} -f {item}")
                    continue
                resolved = self.path(item)
                if resolved is None:
                    remote.append(readable(item))
                else:
                    paths.append(resolved)
        self.found.applies.append(Apply(self.line.file, self.line.line, tuple(paths), kustomize, recursive,
                                        namespace, tuple(remote), verb, tuple(unresolved)))

    def stdin(self, before: list[str]) -> tuple[list[str], bool, list[str]] | None:
        """What ``-f -`` reads: (paths, built by kustomize, what is not modelled); None when the
        stage before is a command of its own that is recorded instead (a namespace)."""
        if not before and self.redirect is not None:
            resolved = self.path(self.redirect)
            return ([resolved], False, []) if resolved is not None else ([], False, [readable(self.redirect)])
        program = posixpath.basename(before[0]) if before else ""
        args = before[1:]
        if program == "kustomize" and args[:1] == ["build"]:
            folder = next((a for a in args[1:] if not a.startswith("-")), ".")
            resolved = self.path(folder)
            return ([resolved], True, []) if resolved is not None else ([], True, [readable(folder)])
        if program in ("kubectl", "oc"):
            flags, positional = _flags(args, KUBECTL_VALUE_FLAGS, set())
            if positional[:1] == ["kustomize"]:
                folder = positional[1] if len(positional) > 1 else "."
                resolved = self.path(folder)
                return ([resolved], True, []) if resolved is not None else ([], True, [readable(folder)])
            if positional[:1] == ["create"] and len(positional) >= 3 and positional[1] in ("namespace", "ns"):
                self.namespace_create(positional[2])
                return None
            if positional[:1] == ["create"]:
                return None  # a generated secret or config: not a file of the repository
        if program == "helm" and args[:1] == ["template"]:
            self.helm(args, templated=True)
            return None
        if program == "cat" and args and not any(a.startswith("<<") for a in args):
            files = [a for a in args if not a.startswith("-")]
            resolved = [self.path(f) for f in files]
            if all(r is not None for r in resolved):
                return [r for r in resolved if r], False, []
            return [r for r in resolved if r], False, [readable(f) for f, r in zip(files, resolved) if r is None]
        if self.line.heredoc is not None:
            self.written_inline(self.line.heredoc)
        elif program:
            self.found.notes.append(Diagnostic(self.line.file, f"what `{program}` writes into kubectl in "
                                               f"{self.line.file}:{self.line.line} is not analysed",
                                               self.line.line, level="note"))
        return [], False, ["-"]

    def written_inline(self, text: str) -> None:
        """A manifest written in the script: its Namespaces are read (with their labels), anything
        else is named in a note."""
        try:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError:
            docs = [None]
        for doc in docs:
            metadata = doc.get("metadata") if isinstance(doc, dict) else None
            name = metadata.get("name") if isinstance(metadata, dict) else None
            if not (isinstance(doc, dict) and doc.get("kind") == "Namespace" and isinstance(name, str)) \
                    or UNKNOWN in name or "$" in name:
                self.inline = True
                continue
            self.found.namespaces.append(NamespaceCreate(self.line.file, self.line.line, name))
            labels = metadata.get("labels")
            if isinstance(labels, dict) and labels:
                self.found.labels.append(NamespaceLabel(self.line.file, self.line.line, (name,),
                                                        {str(k): str(v) for k, v in labels.items()}))

    def namespace_create(self, word: str) -> None:
        name = self.value(word)
        if name is not None:
            self.found.namespaces.append(NamespaceCreate(self.line.file, self.line.line, name))

    def label(self, words: list[str]) -> None:
        kind, names, labels, unresolved = words[0], [], {}, []
        if "/" in kind:
            kind, _, first = kind.partition("/")
            words = [kind, first] + words[1:]
        if kind not in ("namespace", "namespaces", "ns"):
            return
        for word in words[1:]:
            value = self.value(word)
            if value is None:
                unresolved.append(readable(word))
                continue
            if "=" in value:
                key, _, text = value.partition("=")
                labels[key] = text
            elif value.endswith("-") and len(value) > 1:
                labels[value[:-1]] = None
            else:
                names.append(value.split("/", 1)[-1])
        if names or unresolved:
            self.found.labels.append(NamespaceLabel(self.line.file, self.line.line, tuple(names), labels,
                                                    tuple(unresolved)))

    def patch(self, words: list[str], flags, namespace: str | None, unresolved: list[str]) -> None:
        kind, name = (words[0].split("/", 1) if "/" in words[0] else (words[0], words[1] if len(words) > 1 else ""))
        kind_name = KINDS.get(kind.split(".", 1)[0].lower(), kind)
        if self.value(name) is None:
            unresolved.append(readable(name))
        kind_type = _last(flags, "--type") or "strategic"
        text, patch_file, patch = _last(flags, "-p", "--patch"), None, None
        written = _last(flags, "--patch-file")
        if written is not None:
            patch_file = self.path(written)
            text = self.paths.read(patch_file) if patch_file else None
            if patch_file is None:
                unresolved.append(readable(written))
        if text is not None and self.value(text) is not None:
            try:
                patch = yaml.safe_load(text)
            except yaml.YAMLError:
                patch = None
            if not isinstance(patch, (dict, list)):
                patch = None
        elif text is not None:
            unresolved.append(readable(text))
        self.found.patches.append(Patch(self.line.file, self.line.line, kind_name, readable(name), namespace,
                                        kind_type, patch, patch_file, tuple(unresolved)))

    def port_forward(self, words: list[str], flags, namespace: str | None, unresolved: list[str]) -> None:
        target, ports = words[0], []
        if self.value(target) is None:
            unresolved.append(readable(target))
        for word in words[1:]:
            value = self.value(word)
            match = PORT.match(value) if value else None
            if value is None:
                unresolved.append(readable(word))
            elif match and match.group("local"):
                ports.append((int(match.group("local")), match.group("remote") or match.group("local")))
        address = _last(flags, "--address")
        self.found.port_forwards.append(PortForward(self.line.file, self.line.line, readable(target), namespace,
                                                    tuple(ports), address, tuple(unresolved)))

    # --- helm, istioctl, kind -------------------------------------------------------------

    def helm(self, words: list[str], templated: bool = False) -> None:
        if not words or words[0] not in (("template",) if templated else ("install", "upgrade")):
            return
        flags, positional = _flags(words[1:], HELM_VALUE_FLAGS, set())
        if not templated and _dry_run(flags):
            return  # rendered and shown, not installed
        generated = any(f == "--generate-name" or f == "-g" for f, _ in flags)
        if len(positional) < (1 if generated or templated else 2):
            return
        release, chart = ("", positional[0]) if generated or (templated and len(positional) == 1) \
            else (positional[0], positional[1])
        unresolved = [readable(w) for w in (release, chart) if w and self.value(w) is None]
        namespace, more = self.namespace(flags)
        unresolved += more
        values = []
        sets = []
        for flag, value in flags:
            if value is None:
                continue
            if flag in ("-f", "--values"):
                for item in value.split(","):
                    if self.value(item) is None:
                        unresolved.append(readable(item))
                    else:
                        values.append(item)
            elif flag in SET_FLAGS:
                for pair in _set_pairs(value):
                    key, _, text = pair.partition("=")
                    if self.value(pair) is None:
                        unresolved.append(readable(pair))
                    sets.append((flag, key, readable(text)))
        self.found.helm.append(HelmInstall(
            self.line.file, self.line.line, readable(release), _rooted(readable(chart)), namespace,
            tuple(_rooted(v) for v in values),
            tuple(sets), any(f == "--create-namespace" for f, _ in flags), _last(flags, "--repo"),
            _last(flags, "--version"), self.state.cwd, tuple(unresolved), templated, more[0] if more else None))

    def istioctl(self, words: list[str]) -> None:
        flags, positional = _flags(words, ISTIOCTL_VALUE_FLAGS, {"-y", "--skip-confirmation", "--verify"})
        if not (positional[:1] == ["install"] or positional[:2] == ["manifest", "apply"]):
            return
        files, sets, unresolved = [], [], []
        for flag, value in flags:
            if value is None:
                continue
            if flag in ("-f", "--filename"):
                for item in value.split(","):
                    resolved = self.path(item) if "://" not in item else None
                    if resolved is None:
                        unresolved.append(readable(item))
                    else:
                        files.append(resolved)
            elif flag in ("--set", "-s"):
                key, _, text = value.partition("=")
                if self.value(value) is None:
                    unresolved.append(readable(value))
                sets.append((key, readable(text)))
        self.found.istioctl.append(IstioctlInstall(self.line.file, self.line.line, tuple(files), tuple(sets),
                                                   _last(flags, "--revision", "-r"), tuple(unresolved)))

    def kind(self, words: list[str]) -> None:
        flags, positional = _flags(words, KIND_VALUE_FLAGS, set())
        if positional[:2] != ["create", "cluster"]:
            return
        written, config, unresolved = _last(flags, "--config"), None, []
        if written == "-":
            if self.line.heredoc is not None:
                self.found.notes.append(Diagnostic(self.line.file, f"kind cluster config written inline in "
                                                   f"{self.line.file}:{self.line.line} is not analysed",
                                                   self.line.line, level="note"))
            unresolved.append("-")
        elif written is not None:
            config = self.path(written) if "://" not in written else None
            if config is None:
                unresolved.append(readable(written))
        name = _last(flags, "--name", "-n")
        if name is not None and self.value(name) is None:
            unresolved.append(readable(name))
            name = None
        self.found.kind_clusters.append(KindCreate(self.line.file, self.line.line, config, name, tuple(unresolved)))


def _dot(path: str | None) -> str | None:
    """The repository root is "." in records, as a chart at the root is."""
    return None if path is None else path or "."


def _rooted(word: str) -> str:
    """A path the script wrote from its own folder, as written from the repository root."""
    return (change_folder("", word) or word) if word.startswith(ROOTED) else word


def _command(stage: list[str]) -> list[str]:
    """The words of a command after what only runs it (``sudo``, ``env X=1``, ``VAR=1``, redirects)."""
    words = []
    skip = False
    for word in stage:
        if skip:
            skip = False
            continue
        if word in (">", ">>", "<", "2>", "1>", "<<", "<<-", "2>>"):
            skip = True
            continue
        if REDIRECT_WORD.match(word) or word.startswith("<<"):
            continue
        words.append(word)
    while words and (words[0] in PREFIXES or ASSIGNMENT_WORD.match(words[0])
                     or words[0].startswith("-") and words[0] != "-"):
        words = words[1:]
    return words


def _flags(words: list[str], with_value: set[str], booleans: set[str]):
    """(flag, value) pairs in order, and the positional words; ``--flag=value`` and ``-n=value``
    are one word. A flag not known to take a value is taken as a boolean."""
    flags: list[tuple[str, str | None]] = []
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            positional += words[index + 1:]
            break
        if word.startswith("-") and word != "-":
            flag, eq, inline = word.partition("=")
            if eq:
                flags.append((flag, inline))
            elif flag in with_value and flag not in booleans and index + 1 < len(words):
                flags.append((flag, words[index + 1]))
                index += 1
            elif len(flag) > 2 and flag[1] != "-" and flag[:2] in with_value:
                flags.append((flag[:2], flag[2:]))  # -nshop, -fvalues.yaml
            else:
                flags.append((flag, None))
        else:
            positional.append(word)
        index += 1
    return flags, positional


def _last(flags: list[tuple[str, str | None]], *names: str) -> str | None:
    found = None
    for flag, value in flags:
        if flag in names and value is not None:
            found = value
    return found


def _dry_run(flags) -> bool:
    return any(f == "--dry-run" and v not in ("none", "false") for f, v in flags)


def _set_pairs(value: str) -> list[str]:
    """``--set a=1,b=2`` as Helm splits it: at commas outside braces and brackets, not escaped."""
    pairs, current, depth, index = [], "", 0, 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            current += value[index:index + 2]
            index += 2
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        if char == "," and depth <= 0:
            pairs.append(current)
            current = ""
        else:
            current += char
        index += 1
    if current:
        pairs.append(current)
    return [p for p in pairs if "=" in p] or ([value] if value else [])

