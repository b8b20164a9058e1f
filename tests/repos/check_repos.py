#!/usr/bin/env python3
"""Validate the sample repositories used as patcher test data.

Checks, per repository:

* every YAML file parses; no file starts with a BOM;
* plain manifests, `kubectl kustomize` output and the Helm chart rendered by the real
  Helm engine (helm-python-sdk) validate: core kinds with kubernetes-validate (strict),
  Istio kinds against the JSON schemas in ../shared/schemas (additionalProperties: false);
* kind cluster configs have a sane shape;
* shell scripts pass `bash -n`;
* wiring that must be right because the repositories are "wrong only where planted":
  Service selectors select a workload, Service targetPorts are container ports,
  VirtualService destinations name a Service and one of its ports (or a known
  external addon), and env URLs / host:port pairs name an existing Service port.

Usage: python tests/repos/check_repos.py [base|other ...]   (exit 0 when all clean)
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from helm_python.chart import Chart

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(os.environ.get("PATCHER_SCHEMAS", ROOT.parent / "shared" / "schemas"))
K8S_VERSION = "1.30.0"


@dataclass(frozen=True)
class RepoSpec:
    path: Path
    # chart dir (repo-relative) -> (release name, namespace)
    charts: dict[str, tuple[str, str]]
    # destinations that live outside the repository: (fqdn, port)
    external: frozenset[tuple[str, int]] = frozenset()
    # expected byte-level quirks
    want_missing_final_newline: bool = False
    want_crlf: bool = False


REPOS = {
    "base": RepoSpec(
        ROOT / "base",
        charts={"helm/app-stack": ("app-stack", "default")},
        # Istio sample addons, installed by scripts/02-install-istio.sh
        external=frozenset({
            ("kiali.istio-system.svc.cluster.local", 20001),
            ("grafana.istio-system.svc.cluster.local", 80),
            ("tracing.istio-system.svc.cluster.local", 16686),
            ("prometheus.istio-system.svc.cluster.local", 9090),
            # istiod, installed by istioctl (CA address of the hand-written gateway)
            ("istiod.istio-system.svc", 15012),
        }),
        want_missing_final_newline=True,
    ),
    "other": RepoSpec(
        ROOT / "tests" / "repos" / "other",
        charts={"charts/storefront": ("shop", "shop")},
        want_crlf=True,
    ),
}


@dataclass
class Resource:
    obj: dict
    origin: str          # where it came from, for messages
    namespace: str

    @property
    def kind(self) -> str:
        return self.obj.get("kind", "")

    @property
    def name(self) -> str:
        return self.obj.get("metadata", {}).get("name", "")


@dataclass
class Result:
    repo: str
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


# ---------------------------------------------------------------- validation

def _schema_for(api_version: str, kind: str) -> Path | None:
    if "/" not in api_version:
        return None
    group, version = api_version.split("/", 1)
    p = SCHEMAS / group / f"{kind.lower()}_{version}.json"
    return p if p.exists() else None


def validate_object(obj: dict, origin: str, res: Result) -> None:
    api, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    if api.startswith("kind.x-k8s.io/"):
        check_kind_config(obj, origin, res)
        return
    if api.startswith("kustomize.config.k8s.io/"):
        return
    schema = _schema_for(api, kind)
    if schema is not None:
        errs = sorted(jsonschema.Draft7Validator(json.loads(schema.read_text())).iter_errors(obj),
                      key=lambda e: list(e.path))
        for e in errs:
            res.errors.append(f"{origin}: {kind}/{obj['metadata']['name']}: schema: "
                              f"{'/'.join(map(str, e.path))}: {e.message}")
        res.bump(f"schema:{kind}")
        return
    if "." in api.split("/")[0] and not any(api.startswith(g) for g in (
            "apps/", "batch/", "rbac.authorization.k8s.io/", "networking.k8s.io/",
            "policy/", "autoscaling/")):
        res.errors.append(f"{origin}: no schema for {api} {kind}")
        return
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        res.bump(f"k8s:{kind}")
    except kubernetes_validate.ValidationError as e:
        res.errors.append(f"{origin}: {kind}/{obj.get('metadata', {}).get('name')}: "
                          f"{'/'.join(map(str, e.path))}: {e.message}")
    except Exception as e:  # unknown kind/version
        res.errors.append(f"{origin}: {kind}: {e}")


def check_kind_config(obj: dict, origin: str, res: Result) -> None:
    allowed_node = {"role", "image", "extraPortMappings", "extraMounts", "labels",
                    "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902"}
    allowed_map = {"containerPort", "hostPort", "listenAddress", "protocol"}
    if obj.get("apiVersion") != "kind.x-k8s.io/v1alpha4" or obj.get("kind") != "Cluster":
        res.errors.append(f"{origin}: not a kind v1alpha4 Cluster")
    nodes = obj.get("nodes") or []
    if not any(n.get("role") == "control-plane" for n in nodes):
        res.errors.append(f"{origin}: no control-plane node")
    seen_host: set[tuple[int, str]] = set()
    for i, n in enumerate(nodes):
        if set(n) - allowed_node:
            res.errors.append(f"{origin}: nodes[{i}] unknown keys {set(n) - allowed_node}")
        if n.get("role") not in ("control-plane", "worker"):
            res.errors.append(f"{origin}: nodes[{i}] bad role")
        for patch in n.get("kubeadmConfigPatches") or []:
            yaml.safe_load(patch)
        for j, m in enumerate(n.get("extraPortMappings") or []):
            if set(m) - allowed_map:
                res.errors.append(f"{origin}: nodes[{i}].extraPortMappings[{j}] unknown keys")
            for k in ("containerPort", "hostPort"):
                if not isinstance(m.get(k), int) or not 0 < m[k] < 65536:
                    res.errors.append(f"{origin}: nodes[{i}].extraPortMappings[{j}].{k} invalid")
            if m.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
                res.errors.append(f"{origin}: bad protocol")
            key = (m.get("hostPort"), m.get("protocol", "TCP"))
            if key in seen_host:
                res.errors.append(f"{origin}: host port {key} mapped twice")
            seen_host.add(key)
    res.bump("kind:Cluster")


# ---------------------------------------------------------------- collection

def chart_dirs(repo: Path) -> list[Path]:
    return sorted(p.parent for p in repo.rglob("Chart.yaml"))


def load_docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def collect(name: str, spec: RepoSpec, res: Result) -> list[Resource]:
    repo = spec.path
    charts = chart_dirs(repo)
    resources: list[Resource] = []
    crlf = nonl = 0
    for f in sorted(p for p in repo.rglob("*") if p.is_file()):
        rel = f.relative_to(repo).as_posix()
        data = f.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            res.errors.append(f"{rel}: starts with a BOM")
        if b"\r\n" in data:
            crlf += 1
            res.notes.append(f"{rel}: CRLF line ends")
        if data and not data.endswith(b"\n"):
            nonl += 1
            res.notes.append(f"{rel}: no final newline")
        if f.suffix == ".sh":
            r = subprocess.run(["bash", "-n", str(f)], capture_output=True, text=True)
            if r.returncode:
                res.errors.append(f"{rel}: bash -n: {r.stderr.strip()}")
            res.bump("script")
        if f.suffix not in (".yaml", ".yml"):
            continue
        in_chart = any(c in f.parents for c in charts)
        if in_chart:
            if f.name in ("Chart.yaml", "values.yaml"):
                yaml.safe_load(data.decode())
            continue
        try:
            docs = load_docs(data.decode("utf-8"))
        except yaml.YAMLError as e:
            res.errors.append(f"{rel}: YAML: {e}")
            continue
        for i, d in enumerate(docs):
            validate_object(d, f"{rel}#{i}", res)
            if d.get("apiVersion", "").startswith(("kind.x-k8s.io", "kustomize.config")):
                continue
            resources.append(Resource(d, f"{rel}#{i}",
                                      d.get("metadata", {}).get("namespace", "default")))
    if spec.want_crlf and not crlf:
        res.errors.append("expected at least one file with CRLF line ends")
    if spec.want_missing_final_newline and not nonl:
        res.errors.append("expected at least one file without a final newline")

    # kustomize builds must succeed and agree with the files
    for k in sorted(repo.rglob("kustomization.yaml")):
        rel = k.parent.relative_to(repo).as_posix()
        r = subprocess.run(["kubectl", "kustomize", str(k.parent)], capture_output=True, text=True)
        if r.returncode:
            res.errors.append(f"kubectl kustomize {rel}: {r.stderr.strip()}")
            continue
        docs = load_docs(r.stdout)
        for i, d in enumerate(docs):
            validate_object(d, f"kustomize({rel})#{i}", res)
        res.bump("kustomize-build")
        res.notes.append(f"kubectl kustomize {rel}: {len(docs)} resources")

    # Helm charts, rendered by the Helm engine
    for c in charts:
        rel = c.relative_to(repo).as_posix()
        if rel not in spec.charts:
            res.errors.append(f"{rel}: chart without release settings in check_repos.py")
            continue
        release, ns = spec.charts[rel]
        rendered = Chart.load(str(c)).render(name=release, namespace=ns)
        n = 0
        for tpl, text in sorted(rendered.items()):
            if not tpl.endswith((".yaml", ".yml")):
                continue
            for i, d in enumerate(load_docs(text)):
                validate_object(d, f"helm({rel}):{tpl}#{i}", res)
                resources.append(Resource(d, f"helm({rel}):{tpl}#{i}",
                                          d.get("metadata", {}).get("namespace", ns)))
                n += 1
        res.notes.append(f"helm {rel} release={release} ns={ns}: {n} resources")
    return resources


# ---------------------------------------------------------------- wiring

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet"}


def pod_template(r: Resource) -> dict:
    return r.obj["spec"]["template"]


def check_wiring(spec: RepoSpec, resources: list[Resource], res: Result) -> None:
    services: dict[tuple[str, str], Resource] = {}
    for r in resources:
        if r.kind == "Service":
            services[(r.namespace, r.name)] = r
    workloads = [r for r in resources if r.kind in WORKLOADS]

    def svc_ports(ns: str, name: str) -> set[int] | None:
        s = services.get((ns, name))
        return None if s is None else {p["port"] for p in s.obj["spec"]["ports"]}

    # Service -> workload selector and targetPort
    for (ns, name), s in sorted(services.items()):
        sel = s.obj["spec"].get("selector") or {}
        matches = [w for w in workloads if w.namespace == ns and sel and sel.items()
                   <= (pod_template(w)["metadata"].get("labels") or {}).items()]
        if not matches:
            res.errors.append(f"Service {ns}/{name}: selector {sel} selects no workload")
            continue
        for w in matches:
            cports = {}
            for c in pod_template(w)["spec"]["containers"]:
                for p in c.get("ports") or []:
                    cports[p["containerPort"]] = p
                    if "name" in p:
                        cports[p["name"]] = p
            for p in s.obj["spec"]["ports"]:
                tp = p.get("targetPort", p["port"])
                if tp not in cports:
                    res.errors.append(f"Service {ns}/{name} port {p['port']}: targetPort {tp} "
                                      f"is not a container port of {w.kind}/{w.name}")
        res.bump("wired:Service")

    # Workload selector must match its own template
    for w in workloads:
        ml = w.obj["spec"]["selector"]["matchLabels"]
        if not ml.items() <= pod_template(w)["metadata"]["labels"].items():
            res.errors.append(f"{w.origin}: selector does not match template labels")

    def resolve(host: str, ns: str) -> tuple[str, str]:
        parts = host.split(".")
        if len(parts) == 1:
            return ns, host
        return parts[1], parts[0]

    # VirtualService destinations
    gateways = {(r.namespace, r.name) for r in resources if r.kind == "Gateway"}
    for vs in (r for r in resources if r.kind == "VirtualService"):
        for g in vs.obj["spec"].get("gateways", []):
            gns, gname = g.split("/", 1) if "/" in g else (vs.namespace, g)
            if g != "mesh" and (gns, gname) not in gateways:
                res.errors.append(f"{vs.origin}: gateway {g} not defined")
        for route in vs.obj["spec"].get("http", []):
            for d in route.get("route", []):
                host = d["destination"]["host"]
                port = d["destination"].get("port", {}).get("number")
                if (host, port) in spec.external:
                    continue
                ns, name = resolve(host, vs.namespace)
                ports = svc_ports(ns, name)
                if ports is None:
                    res.errors.append(f"{vs.origin}: destination {host} is no Service")
                elif port not in ports:
                    res.errors.append(f"{vs.origin}: destination {host}:{port} not a Service port")
                res.bump("wired:route")

    # env values that name host:port
    url = re.compile(r"(?:^|@|//)([a-z0-9][a-z0-9.-]*):(\d+)")
    for w in workloads:
        for c in pod_template(w)["spec"]["containers"]:
            for e in c.get("env") or []:
                v = str(e.get("value", ""))
                for host, port in url.findall(v):
                    if (host, int(port)) in spec.external:
                        continue
                    ns, name = resolve(host, w.namespace)
                    ports = svc_ports(ns, name)
                    if ports is None or int(port) not in ports:
                        res.errors.append(f"{w.origin}: env {e['name']}={v}: no Service port")
                    res.bump("wired:env")


# ---------------------------------------------------------------- main

def check_repo(name: str) -> Result:
    spec = REPOS[name]
    res = Result(name)
    resources = collect(name, spec, res)
    check_wiring(spec, resources, res)
    return res


def main(argv: list[str]) -> int:
    names = argv or list(REPOS)
    bad = 0
    for n in names:
        r = check_repo(n)
        print(f"== {n} ({REPOS[n].path.relative_to(ROOT)})")
        for note in r.notes:
            print(f"   note: {note}")
        print("   validated: " + ", ".join(f"{k}={v}" for k, v in sorted(r.counts.items())))
        for e in r.errors:
            print(f"   ERROR: {e}")
        print(f"   {'OK' if not r.errors else f'{len(r.errors)} error(s)'}")
        bad += bool(r.errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
