"""Resources with their source: the unit every rule reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from patcher.edits import YamlPath
from patcher.findings import Location
from patcher.yamlread import Document


@dataclass(frozen=True)
class Source:
    file: str  # the manifest, or the Helm template that produced the resource
    doc: int
    editable: bool  # False when the text is generated (Helm output)
    release: str | None = None  # "name/namespace" of the Helm release
    # a resource read from another kind's document (an IstioOperator's gateway Service):
    # its paths under ``base`` live in that document under ``prefix``; others are not in the file
    base: tuple = ()
    prefix: tuple | None = None
    # inline Helm values (``helm.values: |``): the path of the string in the document that holds the
    # YAML ``prefix`` addresses; the fields are not YAML of the file itself (patcher.place.inline_values)
    block: tuple | None = None
    # generated text: the template line where the resource starts, when known; a resource a command
    # or an installer's defaults declare: the line that declares it
    line: int | None = None
    # of a list at ``base``, only the first ``written`` items are in the file (the rest are defaults)
    written: int | None = None
    declared_by: str | None = None  # what declares a Service not written out ("istioctl install (x.sh:3)")
    # the entry points that deploy it ("script:line", "file: Application NAME"); () when the
    # repository names none, or none reaches it
    deployed_by: tuple[str, ...] = ()
    # built by kustomize (patcher.deployed.kustomize_build): the root folder that built it, and the
    # patch files selecting it; where a patch sets a field, an edit to that field here has no effect
    kustomize_root: str | None = None
    patched_by: tuple[str, ...] = ()
    patched_paths: tuple[tuple, ...] = ()  # the paths those patches set (a merged list as a whole)
    # the namespace as the entry points wrote it, when the resource names none and every entry point
    # deploying it gives one patcher cannot resolve ('$APP_NS'): judged for its own defects only
    namespace_unknown: str | None = None


@dataclass(frozen=True)
class Resource:
    api_version: str
    kind: str
    name: str
    namespace: str
    data: dict[str, Any]
    source: Source
    document: Document

    @property
    def deployed_by(self) -> tuple[str, ...]:
        return self.source.deployed_by

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def file_path(self, path: YamlPath) -> YamlPath | None:
        """Where ``path`` of this resource is in its source document; None where it is not written."""
        if self.source.block is not None:
            return None  # written inside a string: only an inline edit reaches it
        if self.source.prefix is None:
            return path
        base = self.source.base
        if path[:len(base)] != base:
            return None
        rest = path[len(base):]
        if self.source.written is not None and rest and isinstance(rest[0], int) and rest[0] >= self.source.written:
            return None
        return self.source.prefix + rest

    def location(self, path: YamlPath = ()) -> Location:
        in_file = self.file_path(path)
        if in_file is None:
            in_file = self.source.block or self.source.prefix or ()
        line, column = self.document.key_position(in_file) if self.source.editable else (self.source.line or 1, 1)
        return Location(self.source.file, line, column, self.source.doc, in_file, self.ref)

    def get(self, *path: str | int, default: Any = None) -> Any:
        node: Any = self.data
        for key in path:
            if isinstance(node, dict) and isinstance(key, str):
                node = node.get(key)
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
            else:
                return default
            if node is None:
                return default
        return node


def is_resource(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("apiVersion"), str)
            and isinstance(data.get("kind"), str)
            and isinstance(data.get("metadata"), dict)
            and isinstance(data["metadata"].get("name"), str))


OPERATOR_STATE = "installed-state"  # the name istioctl gives the IstioOperator it stores in the cluster


def is_nameless_operator(data: Any) -> bool:
    """An IstioOperator written without metadata or name: ``istioctl install -f`` takes it (the
    file is its input, not an object applied as is), so it is a resource all the same."""
    if not (isinstance(data, dict) and data.get("kind") == "IstioOperator"
            and isinstance(data.get("apiVersion"), str) and data["apiVersion"].startswith("install.istio.io/")):
        return False
    meta = data.get("metadata")
    return meta is None or (isinstance(meta, dict) and meta.get("name") is None)


def operator_identity(data: dict) -> dict[str, str]:
    """The metadata istioctl gives a nameless operator in the cluster: ``installed-state`` (with
    ``-REVISION`` for a revision) in the Istio namespace."""
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    values = spec.get("values") if isinstance(spec.get("values"), dict) else {}
    global_ = values.get("global") if isinstance(values.get("global"), dict) else {}
    revision = spec.get("revision")
    namespace = spec.get("namespace") or global_.get("istioNamespace") or "istio-system"
    name = f"{OPERATOR_STATE}-{revision}" if isinstance(revision, str) and revision else OPERATOR_STATE
    return {"name": name, "namespace": str(namespace)}


def is_manifest(data: Any) -> bool:
    """Whether a document is one the model reads as a resource."""
    return is_resource(data) or is_nameless_operator(data)


def is_kind_cluster(data: Any) -> bool:
    return (isinstance(data, dict) and data.get("kind") == "Cluster"
            and str(data.get("apiVersion", "")).startswith("kind.x-k8s.io/"))
