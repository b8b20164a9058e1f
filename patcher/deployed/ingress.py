"""The ingress gateway Service, wherever the repository declares it.

A Gateway's traffic enters through the Service in front of the pods its selector picks. That
Service may be a manifest or a rendered in-repo chart (already resources), or be declared by
an installer: an IstioOperator (``istioctl install -f``, patcher.deployed.istio_operator),
``istioctl install --set profile=X`` alone (patcher.deployed.istio_profiles), the public
``gateway`` chart from Istio's Helm repository (a ``helm install`` line or an Argo CD
Application, patcher.deployed.gateway_chart). Scripts may then ``kubectl patch`` it. Each
declared Service becomes a resource whose Source points where it is declared; it is editable
only where its ports are written out in one place a fix can edit.

When Gateways exist and none of them has an ingress Service the model can name, that is said
once, and the rules that would conclude from its absence (an unused kind mapping, a script
URL on an unmapped port) are told so through ``Ingress.unknown``.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from patcher.deployed import gateway_chart
from patcher.deployed.inline_values import inline_values, read_inline
from patcher.deployed.istio_operator import UnknownProfile, gateways as operator_gateways, set_value, typed
from patcher.deployed.service_patch import PatchError, apply as apply_patch
from patcher.entrypoints import ArgoSource, EntryPoints, HelmInstall, IstioctlInstall, Patch
from patcher.names import selects
from patcher.resources import Resource, Source
from patcher.source import Diagnostic
from patcher.source import PatcherError
from patcher.yamlread import Document, read_documents

# (a values file as a helm line writes it, the file of that line) -> its parsed content, or None
# when it cannot be read (then the Service is not known)
ReadValues = Callable[[str, str], Any]


@dataclass(frozen=True)
class Ingress:
    resources: tuple[Resource, ...]  # the model's resources: declared gateway Services added, patches applied
    pod_labels: dict[tuple[str, str], dict[str, str]]  # (namespace, name) of a declared Service -> its pods' labels
    diagnostics: tuple[Diagnostic, ...] = ()
    unknown: str | None = None  # the note, when the ingress gateway Service is not known


def model_ingress(resources: list[Resource], entry_points: EntryPoints, charts: tuple[str, ...] = (),
                  read_values: ReadValues = lambda path, file: None) -> Ingress:
    """The model's resources with the ingress gateway Services the entry points declare.
    ``charts`` are the repository's chart folders (a helm line naming one is rendered, not
    modelled here); ``read_values`` parses a values file a helm line names."""
    out = [r for r in resources]
    pods: dict[tuple[str, str], dict[str, str]] = {}
    diagnostics: list[Diagnostic] = []
    unmodelled: list[str] = []  # "file:line" of installers whose gateway Service is not known
    for resource, labels in _istioctl(resources, entry_points.istioctl, diagnostics, unmodelled):
        _add(out, pods, resource, labels)
    for resource, labels in _charts(resources, entry_points, charts, read_values, diagnostics, unmodelled):
        _add(out, pods, resource, labels)
    out = _patched(out, entry_points.patches, diagnostics)
    unknown = _unknown(out, pods, entry_points, charts, unmodelled)
    if unknown:
        diagnostics.append(Diagnostic(".", unknown, level="note"))
    return Ingress(tuple(out), pods, tuple(diagnostics), unknown)


def _add(out: list[Resource], pods: dict, resource: Resource, labels: dict[str, str]) -> None:
    key = (resource.namespace, resource.name)
    if any(r.kind == "Service" and not r.group and (r.namespace, r.name) == key for r in out):
        return  # a manifest or rendered chart already declares it: the repository's own text wins
    out.append(resource)
    pods[key] = labels


# --- istioctl -------------------------------------------------------------------------------

def _operators(resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if r.kind == "IstioOperator" and r.group.startswith("install.istio.io")]


def _istioctl(resources, installs: tuple[IstioctlInstall, ...], diagnostics, unmodelled):
    operators = _operators(resources)
    if not installs:
        # nothing says how they are installed: each operator in the tree is (as istioctl -f would)
        for op in operators:
            yield from _from_operator(op, op.get("spec"), (), None, diagnostics, unmodelled)
        return
    for install in installs:
        where = f"{install.file}:{install.line}"
        chosen = [op for f in install.files for op in operators if op.source.file == f]
        if _unknown_input(install):
            unmodelled.append(where)  # an operator file or a profile patcher cannot name ('-f "$FILE"')
            continue
        if install.files and not chosen:
            unmodelled.append(where)  # the operator file is not in the model (unread, or not an IstioOperator)
            continue
        spec: dict[str, Any] = {}
        for op in chosen:
            spec = gateway_chart._merge(spec, op.get("spec") or {})
        yield from _from_operator(chosen[-1] if chosen else None, spec, install.sets, install,
                                  diagnostics, unmodelled, len(chosen) <= 1)


# keys of a ``--set`` that decide which gateways istioctl installs and how
GATEWAY_KEYS = ("profile", "spec.profile", "components.ingressGateways", "spec.components.ingressGateways",
                "values.gateways", "spec.values.gateways", "revision")


def _unknown_input(install: IstioctlInstall) -> bool:
    """An input of the line patcher cannot read decides the gateway: an ``-f`` it cannot resolve
    (a variable, a URL), or a ``--set`` of the profile or the gateways with an unresolved value."""
    set_keys = {k for k, _ in install.sets}
    for item in install.unresolved:
        key, eq, _ = item.partition("=")
        if not eq or key not in set_keys or key.startswith(GATEWAY_KEYS):
            return True  # an -f item, or the gateways' own setting
    return False


def _from_operator(op: Resource | None, spec, sets, install: IstioctlInstall | None, diagnostics, unmodelled,
                   single: bool = True):
    """``single``: the spec is this operator's alone (not merged from several -f files), so its
    paths are paths of its document."""
    where = f"{install.file}:{install.line}" if install else f"{op.source.file}"
    try:
        found = operator_gateways(spec, sets)
    except UnknownProfile as exc:
        unmodelled.append(where)
        diagnostics.append(Diagnostic(install.file if install else op.source.file,
                                      f"istio profile '{exc}' is not one patcher knows the defaults of: its ingress "
                                      "gateway Service is not modelled", install.line if install else None,
                                      level="note"))
        return
    # a --set on the gateway's Service overrides what the file writes: no single place to edit
    overridden = any(k.startswith(("components.ingressGateways", "values.gateways", "spec.components.ingressGateways",
                                   "spec.values.gateways")) for k, _ in sets)
    for gateway in found:
        file = op.source.file if op else install.file
        for problem in gateway.problems:
            diagnostics.append(Diagnostic(file, f"ingress gateway '{gateway.name}': {problem}; not applied",
                                          op.document.key_position(gateway.path)[0] if op and gateway.path and single
                                          else None,
                                          level="warning"))
        declared = f"istioctl install ({install.file}:{install.line})" if install else f"IstioOperator {file}"
        # deployed by the istioctl line, or by whatever deploys the operator document
        by = (f"{install.file}:{install.line}",) if install else op.source.deployed_by
        if op is not None and gateway.ports_at is not None and not overridden and single:
            source = dataclasses.replace(op.source, base=("spec", "ports"), prefix=gateway.ports_at,
                                         written=gateway.written, declared_by=declared, deployed_by=by)
            document = op.document
        elif op is not None and not overridden:
            line = op.document.key_position(gateway.path if single and gateway.path else ("spec",))[0]
            source = Source(op.source.file, op.source.doc, False, line=line, declared_by=declared, deployed_by=by)
            document = op.document
        else:
            source = Source(install.file, 0, False, line=install.line, declared_by=declared, deployed_by=by)
            document = Document(0, gateway.data, None)
        yield (Resource("v1", "Service", gateway.name, gateway.namespace, gateway.data, source, document),
               gateway.pod_labels)


# --- the remote gateway chart ---------------------------------------------------------------

def _local(chart: str, charts: tuple[str, ...]) -> bool:
    return chart.startswith((".", "/")) or posixpath.normpath(chart) in charts


def _charts(resources, entry_points: EntryPoints, charts, read_values: ReadValues, diagnostics, unmodelled):
    for install in entry_points.helm:
        if gateway_chart.is_gateway_chart(install.chart, install.repo) and not _local(install.chart, charts):
            yield from _helm(install, read_values, unmodelled)
    for source in entry_points.applications:
        if source.chart and gateway_chart.is_gateway_chart(source.chart, source.repo_url):
            yield from _argo(source, resources, unmodelled, diagnostics)


def _helm(install: HelmInstall, read_values: ReadValues, unmodelled):
    where = f"{install.file}:{install.line}"
    layers = []
    for path in install.values:
        data = read_values(path, install.file)
        if not isinstance(data, dict):
            unmodelled.append(where)  # a values file patcher cannot read may set the Service
            return
        layers.append(data)
    sets: dict[str, Any] = {}
    for flag, key, value in install.sets:
        _helm_set(sets, flag, key, value)
    values = gateway_chart.merged(*layers, sets)
    data = gateway_chart.service(install.release, install.namespace or "default", values)
    if data is None:
        return
    source = Source(install.file, 0, False, line=install.line, declared_by=f"helm release '{install.release}' "
                    f"of chart {install.chart} ({where})", deployed_by=(f"{install.file}:{install.line}",))
    yield (Resource("v1", "Service", data["metadata"]["name"], data["metadata"]["namespace"], data, source,
                    Document(0, data, None)), dict(data["spec"]["selector"]) | _labels(values))


def _labels(values: dict) -> dict[str, str]:
    labels = values.get("labels") if isinstance(values.get("labels"), dict) else {}
    return {str(k): str(v) for k, v in labels.items() if k not in ("app", "istio")}


def _helm_set(values: dict, flag: str, key: str, raw: str) -> None:
    """One ``--set`` (helm's strvals: ``a.b[0].c=v``; ``--set`` infers int, bool and null,
    ``--set-string`` keeps text, ``--set-json`` parses JSON)."""
    if flag == "--set-json":
        try:
            value: Any = json.loads(raw)
        except ValueError:
            return
    elif flag == "--set-string":
        value = raw
    else:
        value = None if raw == "null" else typed(raw)
    set_value(values, key, value)


def _argo(source: ArgoSource, resources: list[Resource], unmodelled, diagnostics):
    helm = dict(source.helm) if isinstance(source.helm, Mapping) else {}
    if helm.get("valueFiles"):
        unmodelled.append(source.where)  # files of the chart or of another source: not in the model
        return
    layers: list[Any] = []
    if isinstance(helm.get("valuesObject"), dict):
        layers.append(helm["valuesObject"])  # Argo CD uses it instead of values when both are set
    elif isinstance(helm.get("values"), str):
        try:
            docs = read_inline(helm["values"], source.file, inline_values(source), _application_document(
                resources, source), lambda name, text: read_documents(text, name))
        except PatcherError as exc:
            diagnostics.append(Diagnostic(exc.file or source.file, f"{source.where}: {exc.message}; its gateway "
                                          "Service is not modelled", exc.line if exc.file else None,
                                          level="warning"))
            docs = []
        if not docs or not isinstance(docs[0].data, (dict, type(None))):
            unmodelled.append(source.where)
            return
        layers.append(docs[0].data or {})
    elif isinstance(helm.get("values"), dict):
        layers.append(helm["values"])
    params: dict[str, Any] = {}
    for param in helm.get("parameters") or []:
        if isinstance(param, dict) and param.get("name"):
            _helm_set(params, "--set-string" if param.get("forceString") else "--set", str(param["name"]),
                      str(param.get("value", "")))
    values = gateway_chart.merged(*layers, params)
    release = str(helm.get("releaseName") or source.application)
    data = gateway_chart.service(release, source.namespace or "default", values)
    if data is None:
        return
    app = next((r for r in resources if r.source.file == source.file and r.source.doc == source.doc
                and r.kind == "Application"), None)
    declared = f"the gateway chart of {source.where}"
    at = _values_object_ports(app, source) if app is not None and not params else None
    if at is not None:
        source_ = Source(app.source.file, app.source.doc, app.source.editable, base=("spec", "ports"), prefix=at,
                         declared_by=declared, deployed_by=(source.where,))
        document = app.document
    else:
        line = app.location(_source_path(app, source) or ()).line if app is not None else None
        block = _values_block_ports(app, source, layers) if app is not None and not params else {}
        source_ = Source(source.file, source.doc, False, line=line, declared_by=declared, deployed_by=(source.where,),
                         **block)
        document = Document(0, data, None)
    yield (Resource("v1", "Service", data["metadata"]["name"], data["metadata"]["namespace"], data, source_,
                    document), dict(data["spec"]["selector"]) | _labels(values))


def _source_path(app: Resource, source: ArgoSource) -> tuple | None:
    spec = app.get("spec") or {}
    if isinstance(spec.get("source"), dict) and spec["source"].get("chart") == source.chart:
        return ("spec", "source")
    for i, s in enumerate(spec.get("sources") or []):
        if isinstance(s, dict) and s.get("chart") == source.chart and s.get("repoURL") == source.repo_url:
            return ("spec", "sources", i)
    return None


def _values_object_ports(app: Resource, source: ArgoSource) -> tuple | None:
    """Where the Application's valuesObject writes service.ports, when it does: a fix edits there."""
    base = _source_path(app, source)
    if base is None:
        return None
    ports = app.get(*base, "helm", "valuesObject", "service", "ports")
    return base + ("helm", "valuesObject", "service", "ports") if isinstance(ports, list) else None


def _application_document(resources: list[Resource], source: ArgoSource) -> Document | None:
    app = next((r for r in resources if r.source.file == source.file and r.source.doc == source.doc
                and r.kind == "Application"), None)
    return app.document if app is not None and app.source.editable else None


def _values_block_ports(app: Resource, source: ArgoSource, layers: list) -> dict:
    """Where the Application's ``helm.values: |`` writes service.ports, when it does: the ports are
    YAML inside that string (patcher.place.inline_values edits them there)."""
    base = _source_path(app, source)
    if base is None or app.get(*base, "helm", "valuesObject") is not None:
        return {}  # valuesObject wins over the string, as in Argo CD
    text = app.get(*base, "helm", "values")
    if isinstance(text, str) and "{{" in text:
        return {}  # templated: what the chart makes of the values is not the text a fix could edit
    inner = layers[0] if layers and isinstance(text, str) else None
    service = inner.get("service") if isinstance(inner, dict) else None
    if not (isinstance(service, dict) and isinstance(service.get("ports"), list)):
        return {}
    return {"base": ("spec", "ports"), "prefix": ("service", "ports"), "block": base + ("helm", "values")}


# --- kubectl patch --------------------------------------------------------------------------

def _patched(resources: list[Resource], patches: tuple[Patch, ...], diagnostics) -> list[Resource]:
    out = list(resources)
    for patch in patches:
        if patch.kind != "Service":
            continue
        namespace = patch.namespace or "default"
        index = next((i for i, r in enumerate(out) if r.kind == "Service" and not r.group
                      and r.name == patch.name and r.namespace == namespace), None)
        if index is None or patch.patch is None:
            continue
        target = out[index]
        try:
            data = apply_patch(target.data, patch.type, patch.patch)
        except PatchError as exc:
            diagnostics.append(Diagnostic(patch.file, f"kubectl patch of Service {namespace}/{patch.name} does not "
                                          f"apply: {exc}; the model keeps the Service unpatched", patch.line,
                                          level="warning"))
            continue
        if data == target.data:
            continue
        spec_before, spec_after = target.data.get("spec") or {}, data.get("spec") or {}
        source = target.source
        if spec_before.get("ports") != spec_after.get("ports") or spec_before.get("type") != spec_after.get("type"):
            # the ports are decided last on the script's line: editing the declaration would not change them
            declared = source.declared_by or target.source.file
            here = f"{patch.file}:{patch.line}"
            if source.line is not None and declared.endswith(")") and ", patched by kubectl patch (" in declared:
                declared = f"{declared[:-1]}, {here})"  # patched again by a later line
            else:
                declared = f"{declared}, patched by kubectl patch ({here})"
            source = Source(patch.file, 0, False, line=patch.line, declared_by=declared,
                            deployed_by=target.source.deployed_by)
        out[index] = dataclasses.replace(target, data=data, source=source)
    return out


# --- the ingress the model does not know ----------------------------------------------------

def _unknown(resources: list[Resource], pods: dict, entry_points: EntryPoints, charts: tuple[str, ...],
             unmodelled: list[str]) -> str | None:
    gateways = [r for r in resources if r.kind == "Gateway" and r.group.startswith("networking.istio.io")
                and isinstance(r.get("spec", "selector"), dict) and r.get("spec", "selector")]
    if not gateways:
        return None
    services = [r for r in resources if r.kind == "Service" and not r.group]
    workloads = [r.get("spec", "template", "metadata", "labels") or {} for r in resources
                 if r.kind in ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet")]
    for gateway in gateways:
        selector = gateway.get("spec", "selector")
        for service in services:
            labels = pods.get((service.namespace, service.name)) or {}
            if selects(selector, service.get("spec", "selector") or {}) or selects(selector, labels):
                return None
        if any(selects(selector, w) for w in workloads):
            return None
    installers = unmodelled + _remote(entry_points, charts)
    by = f" (installed by {', '.join(dict.fromkeys(installers))})" if installers else ""
    return f"the ingress gateway Service is not in this repository{by}: port checks against it are not made"


def _remote(entry_points: EntryPoints, charts: tuple[str, ...]) -> list[str]:
    """Entry points that install Istio or a gateway from outside the repository: where the
    ingress gateway Service may come from (a metrics chart from elsewhere is not named)."""
    def istio(*words: str | None) -> bool:
        return any(w and ("istio" in w.lower() or "gateway" in w.lower()) for w in words)
    out = [f"{a.file}:{a.line}" for a in entry_points.applies if any(istio(r) for r in a.remote)]
    out += [f"{h.file}:{h.line}" for h in entry_points.helm if not _local(h.chart, charts) and istio(h.chart, h.repo)]
    out += [s.where for s in entry_points.applications if s.chart and istio(s.chart, s.repo_url)]
    return out

