"""What the repository's entry points do, as data: one record per deploying command.

An entry point is a place that deploys something: a line of a shell script,
Makefile, Taskfile or PowerShell script (``kubectl apply -f``, ``helm
upgrade --install``, ``istioctl install``...), or an Argo CD Application.
Records carry what was written, resolved against the repository where it can
be (paths relative to the repository root, variables the file assigns); what
cannot be resolved is kept as written and flagged, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Apply:
    """``kubectl apply|create|replace -f PATH|-k DIR [-R] [-n NS]``, or
    ``kustomize build DIR | kubectl apply -f -``."""

    file: str
    line: int
    paths: tuple[str, ...]  # repository-relative files or folders ("." is the root)
    kustomize: bool = False  # -k, or a kustomize build piped into kubectl
    recursive: bool = False  # -R: folders are read with their subfolders
    namespace: str | None = None
    remote: tuple[str, ...] = ()  # URLs, paths outside the repository, unresolved words: not modelled
    verb: str = "apply"
    unresolved: tuple[str, ...] = ()  # words that could not be known (a namespace from $(...)), as written

    @property
    def unresolved_namespace(self) -> str | None:
        """The ``-n`` word patcher cannot resolve ('$APP_NS', '{{.NS}}'), as written; None when the
        namespace is known or not given (only the namespace goes into ``unresolved``)."""
        return self.unresolved[0] if self.namespace is None and self.unresolved else None


@dataclass(frozen=True)
class Patch:
    """``kubectl patch KIND NAME [-n NS] --type strategic|merge|json -p TEXT | --patch-file F``."""

    file: str
    line: int
    kind: str  # as kubectl names it, normalised to the Kind ("svc" -> "Service")
    name: str
    namespace: str | None
    type: str = "strategic"  # strategic | merge | json
    patch: Any = None  # the parsed patch (a mapping, or a JSON 6902 list); None when unreadable
    patch_file: str | None = None  # repository-relative, for --patch-file
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamespaceCreate:
    file: str
    line: int
    name: str


@dataclass(frozen=True)
class KindCreate:
    """``kind create cluster [--name N] [--config FILE]``: the kind config the cluster is made from."""

    file: str
    line: int
    config: str | None  # repository-relative; None: kind's default cluster (or a config not in the repository)
    name: str | None = None
    unresolved: tuple[str, ...] = ()  # a --config that is a URL, outside the repository, or unknown


@dataclass(frozen=True)
class NamespaceLabel:
    """``kubectl label namespace NS k=v [k2-]``: a value None removes the label."""

    file: str
    line: int
    namespaces: tuple[str, ...]
    labels: Mapping[str, str | None] = field(default_factory=dict)
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortForward:
    """``kubectl port-forward [-n NS] TARGET LOCAL:REMOTE ...``: the host reaches TARGET while
    the script runs."""

    file: str
    line: int
    target: str  # as written: svc/NAME, service/NAME, deploy/NAME, pod/NAME or NAME (a pod)
    namespace: str | None
    ports: tuple[tuple[int, str], ...]  # (local port, remote port or port name as written)
    address: str | None = None  # --address, as written
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class HelmInstall:
    """``helm install|upgrade [--install] RELEASE CHART [-n NS] [-f F] [--set k=v]...``."""

    file: str
    line: int
    release: str
    chart: str  # as written: a folder, repo/name, oci://..., a .tgz
    namespace: str | None
    values: tuple[str, ...] = ()  # as written (helm.from_scripts resolves them)
    sets: tuple[tuple[str, str, str], ...] = ()  # (flag, key, value as written): --set, --set-string, --set-json
    create_namespace: bool = False
    repo: str | None = None  # --repo URL
    version: str | None = None
    cwd: str | None = ""  # the folder the command runs in (a script's `cd`), None when unknown
    # words that could not be known, as written: a release or chart among them is not modelled
    unresolved: tuple[str, ...] = ()
    templated: bool = False  # `helm template ... | kubectl apply -f -`: applied without a release record
    unresolved_namespace: str | None = None  # the -n word patcher cannot resolve ('$APP_NS'), as written


@dataclass(frozen=True)
class IstioctlInstall:
    """``istioctl install [-f FILE]... [--set k=v]... [--revision R]``."""

    file: str
    line: int
    files: tuple[str, ...] = ()  # repository-relative IstioOperator files
    sets: tuple[tuple[str, str], ...] = ()  # (key, value) as written, profile included
    revision: str | None = None
    unresolved: tuple[str, ...] = ()

    @property
    def profile(self) -> str:
        """The profile ``--set profile=`` names; istioctl's own default otherwise."""
        return next((v for k, v in self.sets if k in ("profile", "spec.profile")), "default")


@dataclass(frozen=True)
class ArgoSource:
    """One source of an Argo CD Application (or of an ApplicationSet's generated Applications)."""

    file: str  # the file holding the Application
    doc: int
    application: str  # its name
    namespace: str | None  # spec.destination.namespace
    path: str | None = None  # repository-relative, when the source is this repository
    repo_url: str = ""
    chart: str | None = None  # a chart of a Helm repository (not in this repository)
    target_revision: str = ""
    helm: Mapping[str, Any] = field(default_factory=dict)  # the source's helm block, as written
    kustomize: Mapping[str, Any] = field(default_factory=dict)  # the source's kustomize block
    directory: Mapping[str, Any] = field(default_factory=dict)  # recurse/include/exclude
    # the source's path in the Application document (spec.source, spec.sources[i]); None for an
    # ApplicationSet's generated Application, whose text is a template
    at: tuple | None = None

    @property
    def where(self) -> str:
        return f"{self.file}: Application {self.application}"


@dataclass(frozen=True)
class EntryPoints:
    applies: tuple[Apply, ...] = ()
    patches: tuple[Patch, ...] = ()
    namespaces: tuple[NamespaceCreate, ...] = ()
    labels: tuple[NamespaceLabel, ...] = ()
    port_forwards: tuple[PortForward, ...] = ()
    helm: tuple[HelmInstall, ...] = ()
    istioctl: tuple[IstioctlInstall, ...] = ()
    applications: tuple[ArgoSource, ...] = ()
    kind_clusters: tuple[KindCreate, ...] = ()

    @property
    def deploys(self) -> bool:
        """Whether the repository says how it is deployed: then a file no entry point reaches is
        not deployed. Without any, everything is (the repository is applied as a whole)."""
        return bool(self.applies or self.helm or self.istioctl or self.applications)
