"""Calls between workloads, as the repository reveals them: who calls whom, on which port.

Sources of calls, each kept with its evidence (file, line, YAML path):

- a container's environment names the services it talks to: ``ORDERS_URL=
  http://orders:8080``, ``DATABASE_URL=postgresql://u:p@db:5432/x``, ``DB_HOST=db``
  with ``DB_PORT=5432``; the values may come from ``env[].value``, from
  ``valueFrom.configMapKeyRef`` or from ``envFrom`` ConfigMaps (a ConfigMap of the
  model, or else a kustomize ``configMapGenerator``'s literals and env files);
- a mesh VirtualService reroutes what its host receives: a sidecar's call to host A
  lands on the route's destinations (and mirrors), not on A;
- a VirtualService bound to a Gateway is called by the ingress gateway pods the
  Gateway selects (a caller that may not be a workload of the repository);
- ``prometheus.io/scrape: "true"`` pods are called, on ``prometheus.io/port``, by the
  Prometheus of the repository (or one it does not show);
- the mesh's tracing and telemetry endpoints (IstioOperator meshConfig, Telemetry and
  CUSTOM AuthorizationPolicy providers) are called by every mesh workload's sidecar.

A destination that names no Service of the repository is kept as ``Unresolved`` and
reported, never dropped: a NetworkPolicy derived from the graph would cut it off.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from patcher.containment import boundary, inside
from patcher.names import selects, service_key
from patcher.reading import read_regular
from patcher.source import PatcherError
from patcher.yamlread import read_documents

if TYPE_CHECKING:
    from patcher.topology import Service, Topology, Workload

URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@/\s]*@)?(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>\d+))?")
# URIs that name no host to connect to (Istio's kubernetes://apis/... owner, file and socket paths)
LOCAL_SCHEMES = {"kubernetes", "file", "unix", "k8s"}
HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*)(?::(?P<port>\d+))?$")
HOST_NAMES = re.compile(r"(HOST|ADDR|ADDRESS|ENDPOINT|SERVER|URL|URI|SERVICE)S?$", re.IGNORECASE)
IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
SELF = ("localhost", "127.0.0.1", "0.0.0.0", "::1")
NOT_HOSTS = {"true", "false", "yes", "no", "on", "off", "none", "null", "enabled", "disabled"}
SCRAPE, SCRAPE_PORT = "prometheus.io/scrape", "prometheus.io/port"
TRACERS = ("zipkin", "lightstep", "datadog", "openCensusAgent")
TRACING_SET = re.compile(r"^(?:spec\.)?meshConfig\.defaultConfig\.tracing\.(?P<tracer>\w+)\.address$")


@dataclass(frozen=True)
class Evidence:
    file: str
    line: int | None
    path: tuple  # YAML path in the file, () for a line of a text file
    what: str  # "env ORDERS_URL", "ConfigMap shop/app-config key CART_URL", ...

    def __str__(self) -> str:
        return f"{self.file}:{self.line} ({self.what})" if self.line else f"{self.file} ({self.what})"


@dataclass(frozen=True)
class Caller:
    """Who makes a call: a workload's container, its sidecar, or pods the repository may not
    hold (the ingress gateway, Prometheus). ``namespace`` None or no ``labels``: not known."""

    kind: str  # "workload", "sidecar", "ingress-gateway", "prometheus"
    namespace: str | None
    labels: tuple[tuple[str, str], ...] = ()
    workload: "Workload | None" = field(default=None, compare=False)
    name: str = ""  # the workload's name, or what the caller is known as

    @property
    def selector(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def known(self) -> bool:
        """Whether a NetworkPolicy can name the caller's pods."""
        return self.namespace is not None and bool(self.labels)

    @property
    def key(self) -> tuple:
        return (self.kind, self.namespace or "", self.name, self.labels)

    def __str__(self) -> str:
        where = self.namespace or "an unknown namespace"
        if self.workload is not None:
            return f"{self.kind} {where}/{self.name}"
        return f"{self.kind} ({self.name or 'not in this repository'}) in {where}"


@dataclass(frozen=True)
class Call:
    caller: Caller
    callee: "Service | None"  # None: the call goes to the pods directly (a scrape)
    port: int | None  # the Service port, or the container port for pods; None: any
    evidence: Evidence
    pods: "Workload | None" = field(default=None, compare=False)  # the pods called, when callee is None

    @property
    def target_key(self) -> tuple[str, ...]:
        """(namespace, name) of the Service called, or (namespace, workload, "pods") for pods
        called directly: a Service and a workload may share a name and select other pods."""
        if self.callee is not None:
            return self.callee.key
        assert self.pods is not None
        return self.pods.key + ("pods",)

    @property
    def target_namespace(self) -> str:
        return self.target_key[0]


@dataclass(frozen=True)
class Unresolved:
    caller: Caller
    host: str
    evidence: Evidence


@dataclass(frozen=True)
class CallGraph:
    calls: tuple[Call, ...]
    unresolved: tuple[Unresolved, ...]


def workload_key(workload: "Workload") -> tuple[str, str, str]:
    r = workload.resource
    return (r.kind, r.namespace, r.name)


def _targets(name: str, value: str, env: Mapping[str, str]) -> list[tuple[str, int | None]]:
    matches = list(URL.finditer(value))
    if matches:
        return [(m.group("host"), int(m.group("port")) if m.group("port") else None)
                for m in matches if m.group("scheme").lower() not in LOCAL_SCHEMES]
    if HOST_NAMES.search(name):
        match = HOST_PORT.match(value.strip())
        if match and match.group("host").lower() not in NOT_HOSTS and not match.group("host").isdigit():
            port = match.group("port")
            if port is None:
                sibling = HOST_NAMES.sub("PORT", name)
                port = env.get(sibling) if sibling != name else None
            return [(match.group("host"), int(port) if port and str(port).isdigit() else None)]
    return []


def _containers(workload: "Workload") -> Iterator[tuple[tuple, dict]]:
    pod = workload.resource.get(*workload.pod_path) or {}
    for key in ("containers", "initContainers"):
        for index, container in enumerate(_list(pod.get(key))):
            if isinstance(container, dict):
                yield workload.pod_path + (key, index), container


def _list(value: Any) -> list:
    """A list field as a list; anything else (a malformed field) holds nothing to read."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _host_port(text: str) -> tuple[str, int | None]:
    host, _, port = str(text).strip().rpartition(":")
    return (host, _int(port)) if host and _int(port) is not None else (str(text).strip(), None)


class _Builder:
    def __init__(self, topology: "Topology") -> None:
        self.topology = topology
        self.model = topology.model
        self.calls: dict[tuple, Call] = {}
        self.unresolved: dict[tuple, Unresolved] = {}
        self._selected: dict[tuple[str, str], list] = {}  # a Gateway's (namespace, name) -> its pods
        self.config_maps = {(r.namespace, r.name): r for r in self.model.of_kind("ConfigMap") if not r.group}
        self.mesh_routes = self._mesh_routes()

    # -- recording ---------------------------------------------------------------------------
    def _land(self, caller: Caller, service: "Service", port: int | None, evidence: Evidence) -> None:
        if caller.workload is not None and service.key in {
                s.key for s in self.topology.services_by_workload.get(workload_key(caller.workload), [])}:
            return  # a workload calling itself through its own Service needs no allowance
        self.calls.setdefault((caller.key, service.key, port), Call(caller, service, port, evidence))

    def _host(self, caller: Caller, host: str, port: int | None, namespace: str, evidence: Evidence) -> None:
        """A call to ``host`` as the caller's sidecar routes it, or as written without one."""
        host = host.strip().rstrip(".")
        if not host or host.lower() in SELF:
            return
        in_mesh = self.topology.in_mesh(caller.workload) if caller.workload is not None else False
        routed = self.mesh_routes.get(self._host_key(host, namespace))
        if routed and in_mesh is not False:
            for dest_host, dest_port, dest_ns, dest_evidence in routed:
                self._direct(caller, dest_host, dest_port, dest_ns,
                             Evidence(evidence.file, evidence.line, evidence.path,
                                      f"{evidence.what}, routed by {dest_evidence.what} at "
                                      f"{dest_evidence.file}:{dest_evidence.line}"))
            if in_mesh is True:
                return
        self._direct(caller, host, port, namespace, evidence)

    def _direct(self, caller: Caller, host: str, port: int | None, namespace: str, evidence: Evidence) -> None:
        service = self.topology.resolve(host, namespace)
        if service is not None:
            self._land(caller, service, port, evidence)
        else:
            self.unresolved.setdefault((caller.key, host.lower()), Unresolved(caller, host, evidence))

    def _host_key(self, host: str, namespace: str) -> Any:
        return service_key(host, namespace, self.topology.cluster_domain) or host.lower()

    # -- where a resource says it ------------------------------------------------------------
    @staticmethod
    def _evidence(resource, path: tuple, what: str) -> Evidence:
        loc = resource.location(path)
        return Evidence(loc.file, loc.line if resource.source.editable else None, loc.path, what)

    # -- mesh VirtualServices ----------------------------------------------------------------
    def _routes(self, vs) -> Iterator[tuple[str, int | None, Evidence]]:
        """Every destination (and mirror) of a VirtualService's http, tcp and tls routes."""
        spec = _dict(vs.resource.get("spec"))
        for section in ("http", "tcp", "tls"):
            for i, route in enumerate(_list(spec.get(section))):
                if not isinstance(route, dict):
                    continue
                for j, entry in enumerate(_list(route.get("route"))):
                    dest = entry.get("destination") if isinstance(entry, dict) else None
                    if isinstance(dest, dict) and dest.get("host"):
                        yield (str(dest["host"]), _int(_dict(dest.get("port")).get("number")),
                               self._evidence(vs.resource, ("spec", section, i, "route", j, "destination", "host"),
                                              f"VirtualService {vs.resource.namespace}/{vs.resource.name}"))
                mirrors = [(("mirror",), route.get("mirror"))] + [
                    (("mirrors", k, "destination"), m.get("destination")) for k, m in
                    enumerate(_list(route.get("mirrors"))) if isinstance(m, dict)]
                for path, mirror in mirrors:
                    if isinstance(mirror, dict) and mirror.get("host"):
                        yield (str(mirror["host"]), _int(_dict(mirror.get("port")).get("number")),
                               self._evidence(vs.resource, ("spec", section, i) + path + ("host",),
                                              f"mirror of VirtualService {vs.resource.namespace}/{vs.resource.name}"))

    def _mesh_routes(self) -> dict[Any, list[tuple[str, int | None, str, Evidence]]]:
        out: dict[Any, list] = {}
        for vs in self.topology.virtual_services:
            if None not in vs.gateways:
                continue
            ns = vs.resource.namespace
            destinations = [(h, p, ns, e) for h, p, e in self._routes(vs)]
            for host in vs.hosts:
                out.setdefault(self._host_key(host, ns), []).extend(destinations)
        return out

    # -- environment -------------------------------------------------------------------------
    def _config_map(self, namespace: str, name: str) -> list[tuple[str, str, Evidence]] | None:
        """(key, value, evidence) of a ConfigMap: the model's, else a kustomize generator's."""
        resource = self.config_maps.get((namespace, name))
        if resource is not None:
            data = _dict(resource.get("data"))
            made = self._generator_evidence(resource)
            return [(str(k), str(v), made.get(str(k)) or
                     self._evidence(resource, ("data", k), f"ConfigMap {namespace}/{name} key {k}"))
                    for k, v in data.items() if isinstance(v, (str, int)) and not isinstance(v, bool)]
        return self._generated(namespace, name)

    def _generator_evidence(self, resource) -> dict[str, Evidence]:
        """Key -> where it is written, for a ConfigMap kustomize generated (its source is the
        kustomization, its name the generator's with a hash): the literal or env-file line."""
        kust = next((k for k in self.model.kustomizations if k.file == resource.source.file), None)
        if kust is None:
            return {}
        for gen in _list(kust.data.get("configMapGenerator")):
            base = str(gen.get("name") or "") if isinstance(gen, dict) else ""
            # kustomize names it PREFIX + base + SUFFIX + "-hash": base is a whole dash-separated part
            if base and f"-{base}-" in f"-{resource.name}-":
                return {key: evidence for key, _, evidence in self._generated(resource.namespace, base) or ()}
        return {}

    def _generated(self, namespace: str, name: str) -> list[tuple[str, str, Evidence]] | None:
        candidates = []
        for kust in self.model.kustomizations:
            for index, gen in enumerate(_list(kust.data.get("configMapGenerator"))):
                if isinstance(gen, dict) and gen.get("name") == name:
                    ns = gen.get("namespace") or kust.namespace
                    candidates.append((ns in (None, namespace), ns == namespace, kust, index, gen))
        candidates = [c for c in candidates if c[0]]
        if not candidates:
            return None
        _, _, kust, index, gen = max(candidates, key=lambda c: c[1])
        docs = self.model.documents.get(kust.file) or self._documents(kust.file)
        out = []
        for j, literal in enumerate(_list(gen.get("literals"))):
            key, sep, value = str(literal).partition("=")
            if sep:
                path = ("configMapGenerator", index, "literals", j)
                line = docs[0].key_position(path)[0] if docs else None
                out.append((key.strip(), value.strip(), Evidence(kust.file, line, path,
                                                                 f"configMapGenerator {name} literal {key.strip()}")))
        envs = _list(gen.get("envs")) + ([gen["env"]] if isinstance(gen.get("env"), str) else [])
        for entry in envs:
            path = posixpath.normpath(posixpath.join(kust.directory, str(entry)))
            for number, line_text in enumerate((self._text(path) or "").splitlines(), start=1):
                key, sep, value = line_text.strip().partition("=")
                if sep and not key.startswith("#"):
                    out.append((key.strip(), value.strip(),
                                Evidence(path, number, (), f"configMapGenerator {name} env file key {key.strip()}")))
        return out

    def _documents(self, path: str) -> list:
        text = self._text(path)
        try:
            return read_documents(text, path) if text is not None else []
        except PatcherError:  # reported where the kustomization is read
            return []

    def _text(self, path: str) -> str | None:
        text = self.model.workspace.texts.get(path)
        if text is not None:
            return text
        full = inside(boundary(self.model.root), str(self.model.root / path))
        try:
            return read_regular(full, path).decode("utf-8", "replace") if full is not None else None
        except Exception:  # an unreadable env file names no host; kustomize reports it when it builds
            return None

    def _environment(self, workload: "Workload", path: tuple, container: dict) -> list[tuple[str, str, Evidence]]:
        r, ns = workload.resource, workload.resource.namespace
        out: list[tuple[str, str, Evidence]] = []
        for i, source in enumerate(_list(container.get("envFrom"))):
            ref = source.get("configMapRef") if isinstance(source, dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                prefix = str(source.get("prefix") or "")
                found = self._config_map(ns, str(ref["name"]))
                out += [(prefix + k, v, e) for k, v, e in found or []]
        for i, entry in enumerate(_list(container.get("env"))):
            if not isinstance(entry, dict) or not entry.get("name"):
                continue
            name = str(entry["name"])
            value = entry.get("value")
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                out.append((name, str(value), self._evidence(r, path + ("env", i, "value"), f"env {name}")))
                continue
            ref = _dict(entry.get("valueFrom")).get("configMapKeyRef")
            if isinstance(ref, dict) and ref.get("name") and ref.get("key"):
                for key, value, evidence in self._config_map(ns, str(ref["name"])) or []:
                    if key == str(ref["key"]):
                        out.append((name, value, evidence))
        return out

    def workloads(self) -> None:
        for workload in self.topology.workloads:
            caller = _caller_of(workload, "workload")
            for path, container in _containers(workload):
                env = self._environment(workload, path, container)
                values = {k: v for k, v, _ in env}
                for name, value, evidence in env:
                    for host, port in _targets(name, value, values):
                        self._host(caller, host, port, workload.resource.namespace, evidence)

    # -- the ingress gateway -----------------------------------------------------------------
    def ingress(self) -> None:
        topology = self.topology
        for vs in topology.virtual_services:
            for ref in (g for g in vs.gateways if g is not None):
                gateway = topology.gateways.get(ref)
                for caller in self._gateway_callers(ref, gateway):
                    for host, port, evidence in self._routes(vs):
                        self._direct(caller, host, port, vs.resource.namespace, evidence)

    def _gateway_callers(self, ref: tuple[str, str], gateway) -> list[Caller]:
        name = f"Gateway {ref[0]}/{ref[1]}"
        if gateway is None or not gateway.selector:
            return [Caller("ingress-gateway", None, (), None, name)]
        labels = tuple(sorted((str(k), str(v)) for k, v in gateway.selector.items()))
        if ref not in self._selected:  # many routes name few gateways
            self._selected[ref] = [w for w in self.topology.workloads if selects(gateway.selector, w.pod_labels)]
        pods = self._selected[ref]
        if pods:
            return [Caller("ingress-gateway", w.resource.namespace, labels, w, w.resource.name) for w in pods]
        namespaces = sorted({s.resource.namespace for s in self.topology.ingress_services(gateway)})
        return [Caller("ingress-gateway", ns, labels, None, name) for ns in namespaces] or [
            Caller("ingress-gateway", None, labels, None, name)]

    # -- Prometheus --------------------------------------------------------------------------
    def scrapes(self) -> None:
        """Pods whose template, or a Service in front of them, asks to be scraped."""
        scraped: list[tuple["Workload", int | None, Evidence]] = []
        for workload in self.topology.workloads:
            annotations = _pod_annotations(workload)
            if str(annotations.get(SCRAPE, "")).lower() == "true":
                port = _int(annotations.get(SCRAPE_PORT))
                path = workload.pod_path[:-1] + ("metadata", "annotations", SCRAPE_PORT if port else SCRAPE)
                scraped.append((workload, port, self._evidence(workload.resource, path, f"annotation {SCRAPE}")))
        for service in self.topology.services.values():
            annotations = _dict(service.resource.get("metadata", "annotations"))
            if str(annotations.get(SCRAPE, "")).lower() == "true":
                port = _int(annotations.get(SCRAPE_PORT))
                evidence = self._evidence(service.resource, ("metadata", "annotations", SCRAPE_PORT if port else SCRAPE),
                                          f"Service annotation {SCRAPE}")
                scraped += [(w, port, evidence) for w in self.topology.workloads_of(service)]
        if not scraped:
            return
        servers = [w for w in self.topology.workloads if _is_prometheus(w)]
        callers = [_caller_of(w, "prometheus") for w in servers] or [Caller("prometheus", None, (), None, "Prometheus")]
        for workload, port, evidence in scraped:
            for caller in callers:
                if caller.workload is workload:
                    continue
                self.calls.setdefault((caller.key, workload.key, port), Call(caller, None, port, evidence, workload))

    # -- tracing and telemetry ---------------------------------------------------------------
    def _mesh_configs(self) -> Iterator[tuple[Any, dict, tuple, str]]:
        """(resource, mesh config, its path, label): an IstioOperator's meshConfig, and the mesh
        ConfigMap istiod reads (``data.mesh``, as a rendered istiod chart writes it)."""
        for op in self.model.of_kind("IstioOperator"):
            if op.group.startswith("install.istio.io"):
                yield op, _dict(op.get("spec", "meshConfig")), ("spec", "meshConfig"), f"IstioOperator {op.name}"
        for cm in self.config_maps.values():
            text = _dict(cm.get("data")).get("mesh")
            if not isinstance(text, str):
                continue
            try:
                docs = read_documents(text, f"{cm.source.file} (data.mesh)")
            except PatcherError:
                continue  # not a mesh config after all: nothing to read
            mesh = docs[0].data if docs and isinstance(docs[0].data, dict) else {}
            if mesh.keys() & {"defaultConfig", "extensionProviders", "defaultProviders"}:
                yield cm, mesh, ("data", "mesh"), f"ConfigMap {cm.namespace}/{cm.name} mesh"

    def telemetry(self) -> None:
        endpoints: list[tuple[str, int | None, Evidence, str | None]] = []  # host, port, evidence, scope namespace
        root = self.model.config["istio-namespace"]
        providers: dict[str, tuple[str, int | None, Evidence]] = {}
        defaults: set[str] = set()
        for op, mesh, base, label in self._mesh_configs():
            def where(path: tuple, what: str, op=op, base=base, label=label) -> Evidence:
                # a mesh config held as text (a ConfigMap's data.mesh) has no inner YAML path
                return self._evidence(op, base + path if op.kind == "IstioOperator" else base, f"{label} {what}")
            tracing = _dict(_dict(mesh.get("defaultConfig")).get("tracing"))
            for tracer in TRACERS:
                address = _dict(tracing.get(tracer)).get("address")
                if address:
                    host, port = _host_port(str(address))
                    endpoints.append((host, port, where(("defaultConfig", "tracing", tracer, "address"), "tracing"),
                                      None))
            for i, provider in enumerate(_list(mesh.get("extensionProviders"))):
                if not isinstance(provider, dict) or not provider.get("name"):
                    continue
                for kind, body in provider.items():
                    if isinstance(body, dict) and body.get("service"):
                        service = str(body["service"])
                        service = service.split("/", 1)[1] + "." + service.split("/", 1)[0] if "/" in service else service
                        providers[str(provider["name"])] = (service, _int(body.get("port")), where(
                            ("extensionProviders", i, kind, "service"), f"provider {provider['name']}"))
            chosen = mesh.get("defaultProviders")
            for names in chosen.values() if isinstance(chosen, dict) else []:
                defaults |= {str(n) for n in _list(names)}
        for install in self.model.entry_points.istioctl:
            for key, value in install.sets:
                match = TRACING_SET.match(key)
                if match and match.group("tracer") in TRACERS and value:
                    host, port = _host_port(value)
                    endpoints.append((host, port, Evidence(install.file, install.line, (),
                                                           f"istioctl install --set {key}"), None))
        for name in sorted(defaults & set(providers)):
            endpoints.append(providers[name] + (None,))
        for resource in self.model.of_kind("Telemetry", "AuthorizationPolicy"):
            scope = None if resource.namespace == root else resource.namespace
            spec = _dict(resource.get("spec"))
            if resource.kind == "AuthorizationPolicy":
                named = [(("spec", "provider", "name"), (spec.get("provider") or {}).get("name"))] \
                    if spec.get("action") == "CUSTOM" and isinstance(spec.get("provider"), dict) else []
            else:
                named = [(("spec", section, i, "providers", j, "name"), p.get("name"))
                         for section in ("tracing", "accessLogging", "metrics")
                         for i, item in enumerate(_list(spec.get(section))) if isinstance(item, dict)
                         for j, p in enumerate(_list(item.get("providers"))) if isinstance(p, dict)]
            for path, name in named:
                if str(name) in providers:
                    host, port, declared = providers[str(name)]
                    evidence = self._evidence(resource, path, f"{resource.kind} {resource.namespace}/{resource.name} "
                                                              f"provider {name}, declared at {declared.file}:{declared.line}")
                    endpoints.append((host, port, evidence, scope))
        if not endpoints:
            return
        for workload in self.topology.workloads:
            if self.topology.in_mesh(workload) is False:
                continue
            caller = _caller_of(workload, "sidecar")
            for host, port, evidence, scope in endpoints:
                if scope is None or scope == workload.resource.namespace:
                    self._direct(caller, host, port, workload.resource.namespace, evidence)


def _caller_of(workload: "Workload", kind: str) -> Caller:
    labels = tuple(sorted((str(k), str(v)) for k, v in (workload.pod_labels or {}).items()))
    return Caller(kind, workload.resource.namespace, labels, workload, workload.resource.name)


def _pod_annotations(workload: "Workload") -> dict:
    meta = workload.resource.get(*(workload.pod_path[:-1] + ("metadata",))) if workload.pod_path[:-1] else \
        workload.resource.get("metadata")
    annotations = (meta or {}).get("annotations") if isinstance(meta, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def _is_prometheus(workload: "Workload") -> bool:
    """A Prometheus server: a container whose image is Prometheus itself (not an exporter)."""
    for _, container in _containers(workload):
        image = str(container.get("image") or "").split("@")[0]
        last = image.rsplit("/", 1)[-1].split(":")[0]
        if last == "prometheus":
            return True
    return False


def build_call_graph(topology: "Topology") -> CallGraph:
    builder = _Builder(topology)
    builder.workloads()
    builder.ingress()
    builder.scrapes()
    builder.telemetry()
    calls = sorted(builder.calls.values(), key=lambda c: (c.caller.key, c.target_key, c.port or 0))
    unresolved = sorted(builder.unresolved.values(), key=lambda u: (u.host.lower(), u.caller.key))
    return CallGraph(tuple(calls), tuple(unresolved))


def calls_of(topology: "Topology") -> list[Call]:
    return list(topology.call_graph.calls)
