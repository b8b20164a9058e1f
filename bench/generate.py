"""Write a large synthetic deployment repository for benchmarking patcher.

    python bench/generate.py OUT_DIR [--seed N] [--services N]

The tree has the shape of base/ (kind config, Istio ingress gateway, Gateways,
VirtualServices, Helm charts, Kustomize, shell scripts), scaled to about 200
services and 2,000 files. It is deterministic for a given seed. A sprinkling of
the problems base/ has is planted so that a plan does real work:

- routes without a timeout (about one VirtualService in twelve);
- Gateway ``monitoring-gateway`` serves port 9090, which neither the kind
  config nor the ingress Service exposes;
- kind maps host port 9999 to node port 31999, which no Service uses;
- ``scripts/06-smoke-admin.sh`` calls ``http://localhost:8088`` (unmapped);
- two pairs of VirtualServices route the same host on the same gateway;
- no PeerAuthentication, DestinationRules for only some services.

Beside the scripts, the tree is deployed the other ways real repositories use
(see ``deployment_shapes``): a Taskfile and a PowerShell script, Argo CD
Applications and an ApplicationSet (one Application installs a remote chart
with inline values), an umbrella chart with vendored subcharts, a Kustomize
overlay with a name suffix and its own namespace, and a ``legacy/`` folder that
no entry point applies.

Only the standard library is used; YAML is written as text from templates so
that files look like hand-written ones (comments, mixed quoting, blank lines).
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

GROUPS = ("storefront", "checkout", "payments", "identity", "catalog", "search",
          "analytics", "notify", "media", "partners")
SERVICE_WORDS = ("api", "worker", "gateway", "sync", "indexer", "reader", "writer", "cache",
                 "scheduler", "ledger", "feed", "export", "import", "events", "audit",
                 "pricing", "quota", "session", "profile", "render", "thumbs", "mailer",
                 "webhook", "reports", "rollup", "router", "tokens", "billing", "ratings",
                 "inbox")
LANGS = (("go", 8080, "/healthz"), ("python", 8000, "/health"), ("node", 3000, "/health"),
         ("java", 8080, "/actuator/health"), ("rust", 9000, "/ready"))

# Ingress: (name, Service port, targetPort, nodePort, host port or None when unmapped)
INGRESS_PORTS = (
    ("http2", 80, 8080, 31080, 80),
    ("https", 443, 8443, 31443, 443),
    ("http-admin", 8080, 8081, 31808, 8080),
    ("https-partner", 8443, 8444, 31843, 8443),
    ("tcp-grpc", 9443, 9443, 31943, 9443),
)
UNUSED_MAPPING = (31999, 9999)  # planted: mapped, no Service uses node port 31999
CHARTS = ("redis", "postgres", "keycloak")  # platform charts, rendered by Helm


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def write(self, rel: str, text: str, executable: bool = False) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if executable:
            path.chmod(0o755)
        self.count += 1


class Service:
    def __init__(self, group: str, name: str, lang: str, port: int, health: str, index: int) -> None:
        self.group, self.name, self.lang, self.port, self.health = group, name, lang, port, health
        self.index = index
        self.calls: list["Service"] = []

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.group}.svc.cluster.local"


def plan_services(rng: random.Random, total: int) -> dict[str, list[Service]]:
    per_group = max(1, total // len(GROUPS))
    groups: dict[str, list[Service]] = {}
    index = 0
    for group in GROUPS:
        words = rng.sample(SERVICE_WORDS, per_group) if per_group <= len(SERVICE_WORDS) else [
            f"{rng.choice(SERVICE_WORDS)}{i}" for i in range(per_group)]
        services = []
        for word in words:
            lang, port, health = rng.choice(LANGS)
            services.append(Service(group, f"{group[:4]}-{word}", lang, port, health, index))
            index += 1
        groups[group] = services
    everything = [s for ss in groups.values() for s in ss]
    for service in everything:
        service.calls = rng.sample([s for s in everything if s is not service], rng.randint(0, 3))
    return groups


# --------------------------------------------------------------------------- cluster + ingress

def kind_config() -> str:
    lines = [
        "# kind cluster for the platform benchmark tree.",
        "#",
        "# The Istio ingress gateway Service is a NodePort (k8s/istio/ingress-gateway.yaml);",
        "# every host port we reach from the laptop is mapped here onto its node port.",
        "#",
        "#   kind create cluster --config cluster/kind-config.yaml",
        "kind: Cluster",
        "apiVersion: kind.x-k8s.io/v1alpha4",
        "name: platform",
        "networking:",
        "  apiServerAddress: \"127.0.0.1\"",
        "  podSubnet: 10.244.0.0/16",
        "nodes:",
        "  - role: control-plane",
        "    kubeadmConfigPatches:",
        "      - |",
        "        kind: InitConfiguration",
        "        nodeRegistration:",
        "          kubeletExtraArgs:",
        "            node-labels: \"ingress-ready=true\"",
        "    extraPortMappings:",
    ]
    for name, _, _, node_port, host in INGRESS_PORTS:
        if host is None:
            continue
        lines += [f"      # Istio {name} (istio-ingressgateway nodePort {node_port})",
                  f"      - containerPort: {node_port}",
                  f"        hostPort: {host}",
                  "        protocol: TCP"]
    lines += ["      # scratch port for experiments",
              f"      - containerPort: {UNUSED_MAPPING[0]}",
              f"        hostPort: {UNUSED_MAPPING[1]}",
              "        protocol: TCP",
              "      # status port, published by the gateway pod as a hostPort",
              "      - containerPort: 15021",
              "        hostPort: 15021",
              "        protocol: TCP",
              "  - role: worker",
              "  - role: worker",
              "  - role: worker",
              ""]
    return "\n".join(lines)


def ingress_gateway() -> str:
    ports = "\n".join(
        f"    - name: {name}\n      port: {port}\n      targetPort: {target}\n"
        f"      nodePort: {node}\n      protocol: TCP"
        for name, port, target, node, _ in INGRESS_PORTS)
    container_ports = "\n".join(
        f"            - name: {name}\n              containerPort: {target}\n              protocol: TCP"
        for name, _, target, _, _ in INGRESS_PORTS)
    return f"""# Istio ingress gateway for the kind cluster (the "minimal" profile ships none).
apiVersion: v1
kind: ServiceAccount
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels:
    app: istio-ingressgateway
    istio: ingressgateway
---
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels:
    app: istio-ingressgateway
    istio: ingressgateway
spec:
  type: NodePort
  selector:
    app: istio-ingressgateway
    istio: ingressgateway
  ports:
    - name: status-port
      port: 15021
      targetPort: 15021
      nodePort: 30021
      protocol: TCP
{ports}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels:
    app: istio-ingressgateway
    istio: ingressgateway
spec:
  replicas: 2
  selector:
    matchLabels:
      app: istio-ingressgateway
      istio: ingressgateway
  template:
    metadata:
      labels:
        app: istio-ingressgateway
        istio: ingressgateway
        sidecar.istio.io/inject: "false"
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "15020"
    spec:
      serviceAccountName: istio-ingressgateway
      # run on the control-plane node: that is where kind publishes the ports
      nodeSelector:
        ingress-ready: 'true'
      tolerations:
        - key: node-role.kubernetes.io/control-plane
          operator: Exists
          effect: NoSchedule
      containers:
        - name: istio-proxy
          image: docker.io/istio/proxyv2:1.22.0
          args: [proxy, router, --domain, $(POD_NAMESPACE).svc.cluster.local]
          ports:
{container_ports}
            # hostPort so that kind's 15021 -> 15021 mapping reaches the status port
            - name: status-port
              containerPort: 15021
              hostPort: 15021
              protocol: TCP
          env:
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: ISTIO_META_WORKLOAD_NAME
              value: istio-ingressgateway
          readinessProbe:
            httpGet:
              path: /healthz/ready
              port: 15021
            periodSeconds: 2
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits:
              cpu: "2"
              memory: 1Gi
"""


def gateways() -> dict[str, str]:
    def gateway(name: str, comment: str, servers: list[tuple[int, str, str, str]]) -> str:
        body = []
        for number, port_name, protocol, hosts in servers:
            body.append(f"    - port:\n        number: {number}\n        name: {port_name}\n"
                        f"        protocol: {protocol}")
            if protocol == "HTTPS":
                body.append(f"      tls:\n        mode: SIMPLE\n        credentialName: {name}-tls")
            body.append(f"      hosts:\n        - {hosts}")
        return (f"# {comment}\napiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata:\n"
                f"  name: {name}\n  namespace: istio-system\nspec:\n  selector:\n"
                f"    istio: ingressgateway\n  servers:\n" + "\n".join(body) + "\n")

    return {
        "k8s/istio/gateways/public.yaml": gateway(
            "public-gateway", "Public HTTP/HTTPS entry for every product host.",
            [(80, "http", "HTTP", '"*.example.com"'), (443, "https", "HTTPS", '"*.example.com"')]),
        "k8s/istio/gateways/internal.yaml": "\n---\n".join([
            gateway("admin-gateway", "Back-office UIs on a separate port.",
                    [(8080, "http-admin", "HTTP", "'admin.example.com'")]),
            gateway("partner-gateway", "Partner API (mutual TLS terminated at the edge).",
                    [(8443, "https-partner", "HTTPS", "partners.example.com")]),
        ]),
        "k8s/istio/gateways/grpc.yaml": gateway(
            "grpc-gateway", "gRPC entry for mobile clients.",
            [(9443, "grpc", "GRPC", '"grpc.example.com"')]),
        # planted: 9090 is neither mapped by kind nor a port of the ingress Service
        "k8s/istio/gateways/monitoring.yaml": gateway(
            "monitoring-gateway", "Monitoring UIs (Prometheus, Grafana) on their own port.",
            [(9090, "http-monitoring", "HTTP", "'*'")]),
    }


# --------------------------------------------------------------------------- routing

def route_block(service: Service, prefix: str, rng: random.Random, timeout: bool, name: str,
                fqdn: bool = False) -> str:
    lines = [f"    - name: {name}",
             "      match:",
             "        - uri:",
             f"            prefix: {prefix}"]
    if rng.random() < 0.3:
        lines += ["      rewrite:", "        uri: /"]
    lines += ["      route:",
              "        - destination:",
              f"            host: {service.fqdn if fqdn or rng.random() < 0.6 else service.name}",
              "            port:",
              f"              number: {service.port}"]
    if timeout:
        lines += [f"      timeout: {rng.choice(('5s', '10s', '15s', '30s'))}",
                  "      retries:",
                  f"        attempts: {rng.choice((2, 3))}",
                  "        perTryTimeout: 2s",
                  "        retryOn: 5xx,reset,connect-failure"]
    return "\n".join(lines)


def virtual_service(name: str, namespace: str, hosts: list[str], gateways_: list[str],
                    routes: list[str], comment: str) -> str:
    host_lines = "\n".join(f"    - {h}" for h in hosts)
    gw_lines = "\n".join(f"    - {g}" for g in gateways_)
    return (f"# {comment}\napiVersion: networking.istio.io/v1beta1\nkind: VirtualService\n"
            f"metadata:\n  name: {name}\n  namespace: {namespace}\n  labels:\n"
            f"    app.kubernetes.io/part-of: {namespace}\nspec:\n  hosts:\n{host_lines}\n"
            f"  gateways:\n{gw_lines}\n  http:\n" + "\n".join(routes) + "\n")


def routing_files(groups: dict[str, list[Service]], rng: random.Random) -> dict[str, str]:
    files: dict[str, str] = {}
    for group, services in groups.items():
        # every fourth group keeps its routes in one multi-document file
        grouped = GROUPS.index(group) % 4 == 0
        docs = []
        for service in services:
            timeout = rng.random() > 1 / 12  # planted: some routes lack a timeout
            gateway = "istio-system/public-gateway"
            if group == "partners":
                gateway = "istio-system/partner-gateway"
            routes = [route_block(service, f"/{service.name}/v{v}", rng, timeout, f"v{v}")
                      for v in range(1, rng.randint(2, 4))]
            routes.append(route_block(service, "/", rng, timeout, "default"))
            host = f"{service.name}.example.com" if group != "partners" else "partners.example.com"
            if group == "partners":
                # the partner gateway has one host; each service takes a path under it
                routes = [route_block(service, f"/{service.name}/", rng, timeout, "api")]
                host = f"{service.name}.partners.example.com"
            vs = virtual_service(f"{service.name}", group, [host], [gateway], routes,
                                 f"Ingress routes for {service.name} ({service.lang}).")
            mesh = virtual_service(f"{service.name}-mesh", group, [service.name], ["mesh"],
                                   [route_block(service, "/", rng, True, "in-mesh")],
                                   f"In-mesh retries for callers of {service.name}.")
            if grouped:
                docs += [vs, mesh]
            else:
                files[f"k8s/istio/virtual-services/{group}/{service.name}.yaml"] = vs + "---\n" + mesh
        if grouped:
            files[f"k8s/istio/virtual-services/{group}/routes.yaml"] = "---\n".join(docs)
        # admin UI for the group on the admin gateway
        admin = services[0]
        files[f"k8s/istio/virtual-services/{group}/admin.yaml"] = virtual_service(
            f"{group}-admin", group, ["admin.example.com"], ["istio-system/admin-gateway"],
            [route_block(admin, f"/{group}/", rng, True, "admin")],
            f"Back office for {group}.") if group == "storefront" else virtual_service(
            f"{group}-admin", group, [f"admin-{group}.example.com"], ["istio-system/admin-gateway"],
            [route_block(admin, f"/{group}/", rng, True, "admin")], f"Back office for {group}.")
    # planted duplicates: a second VirtualService for a host another one already routes
    for group in ("checkout", "search"):
        service = groups[group][min(1, len(groups[group]) - 1)]
        files[f"k8s/istio/virtual-services/{group}/{service.name}-canary.yaml"] = virtual_service(
            f"{service.name}-canary", group, [f"{service.name}.example.com"],
            ["istio-system/public-gateway"],
            [route_block(service, "/", rng, True, "canary")],
            f"Canary routing for {service.name} (added before the main VirtualService).")
    # monitoring routes on the unreachable monitoring gateway
    files["k8s/istio/virtual-services/monitoring.yaml"] = virtual_service(
        "monitoring", "istio-system", ['"*"'], ["monitoring-gateway"],
        ["    - name: prometheus\n      match:\n        - uri:\n            prefix: /prometheus\n"
         "      route:\n        - destination:\n            host: prometheus.istio-system.svc.cluster.local\n"
         "            port:\n              number: 9090\n      timeout: 10s"],
        "Monitoring UIs (addons live in istio-system, outside this repository).")
    # grpc gateway
    grpc_routes = []
    for group in GROUPS[:4]:
        target = groups[group][min(2, len(groups[group]) - 1)]
        grpc_routes.append(route_block(target, f"/{group}.v1.", rng, True, f"{group}-grpc", fqdn=True))
    files["k8s/istio/virtual-services/grpc.yaml"] = virtual_service(
        "grpc", "istio-system", ["grpc.example.com"], ["grpc-gateway"], grpc_routes,
        "gRPC services for the mobile apps.")
    return files


def destination_rules(groups: dict[str, list[Service]], rng: random.Random) -> dict[str, str]:
    files = {}
    for group, services in groups.items():
        for service in services:
            if rng.random() < 0.5:
                continue
            files[f"k8s/istio/destination-rules/{group}/{service.name}.yaml"] = f"""# Connection pool and outlier detection for {service.name}.
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: {service.name}
  namespace: {group}
spec:
  host: {service.fqdn}
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: {rng.choice((50, 100, 200))}
      http:
        http1MaxPendingRequests: 100
        maxRequestsPerConnection: 0
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 10s
      baseEjectionTime: 30s
      maxEjectionPercent: 50
"""
    return files


# --------------------------------------------------------------------------- per-service manifests

def labels(service: Service, indent: int) -> str:
    pad = " " * indent
    return (f"{pad}app: {service.name}\n{pad}app.kubernetes.io/name: {service.name}\n"
            f"{pad}app.kubernetes.io/part-of: {service.group}\n{pad}version: v1")


def namespace_line(service: Service, explicit: bool) -> str:
    return f"  namespace: {service.group}\n" if explicit else ""


def deployment(service: Service, rng: random.Random, explicit_ns: bool) -> str:
    env = [f"            - name: LOG_LEVEL\n              value: {rng.choice(('info', 'debug', 'warn'))}",
           f"            - name: PORT\n              value: \"{service.port}\""]
    for callee in service.calls:
        var = callee.name.split("-", 1)[1].upper().replace("-", "_")
        if rng.random() < 0.5:
            env.append(f"            - name: {var}_URL\n              value: "
                       f"\"http://{callee.fqdn}:{callee.port}\"")
        else:
            env.append(f"            - name: {var}_HOST\n              value: {callee.name}.{callee.group}\n"
                       f"            - name: {var}_PORT\n              value: \"{callee.port}\"")
    env.append(f"            - name: CONFIG_PATH\n              value: /etc/{service.name}/config.yaml")
    env_text = "\n".join(env)
    return f"""# {service.name}: {service.lang} service of the {service.group} group.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {service.name}
{namespace_line(service, explicit_ns)}  labels:
{labels(service, 4)}
spec:
  replicas: {rng.choice((1, 2, 3))}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      app: {service.name}
  template:
    metadata:
      labels:
{labels(service, 8)}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "{service.port}"
    spec:
      serviceAccountName: {service.name}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: {service.name}
          image: "ghcr.io/example/{service.group}/{service.name}:1.{service.index % 7}.{service.index % 13}"
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: {service.port}
              protocol: TCP
          env:
{env_text}
          envFrom:
            - configMapRef:
                name: {service.name}-config
          readinessProbe:
            httpGet:
              path: {service.health}
              port: http
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: {service.health}
              port: http
            initialDelaySeconds: 10
            periodSeconds: 20
          resources:
            requests:
              cpu: {rng.choice(('50m', '100m', '250m'))}
              memory: {rng.choice(('64Mi', '128Mi', '256Mi'))}
            limits:
              memory: {rng.choice(('256Mi', '512Mi'))}
          volumeMounts:
            - name: config
              mountPath: /etc/{service.name}
              readOnly: true
      volumes:
        - name: config
          configMap:
            name: {service.name}-config
"""


def service_manifest(service: Service, explicit_ns: bool) -> str:
    extra = ""
    if service.lang == "java":
        extra = ("    # JMX metrics for the sidecar scraper\n    - name: tcp-jmx\n      port: 9404\n"
                 "      targetPort: 9404\n      protocol: TCP\n")
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {service.name}
{namespace_line(service, explicit_ns)}  labels:
{labels(service, 4)}
spec:
  type: ClusterIP
  selector:
    app: {service.name}
  ports:
    # port name tells Istio the protocol
    - name: http
      port: {service.port}
      targetPort: http
      protocol: TCP
{extra}"""


def configmap(service: Service, rng: random.Random, explicit_ns: bool) -> str:
    settings = "\n".join(f"      {k}: {rng.randint(1, 500)}" for k in rng.sample(
        ("batch_size", "workers", "queue_depth", "max_items", "page_size", "ttl_seconds"), 3))
    return f"""# Runtime settings for {service.name}; mounted at /etc/{service.name}/config.yaml.
apiVersion: v1
kind: ConfigMap
metadata:
  name: {service.name}-config
{namespace_line(service, explicit_ns)}  labels:
{labels(service, 4)}
data:
  FEATURE_FLAGS: "{','.join(rng.sample(('search', 'beta', 'dark-mode', 'cache', 'tracing'), 2))}"
  config.yaml: |
    service:
      name: {service.name}
      port: {service.port}
    tuning:
{settings}
"""


def service_account(service: Service, explicit_ns: bool) -> str:
    return f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {service.name}
{namespace_line(service, explicit_ns)}  labels:
{labels(service, 4)}
automountServiceAccountToken: false
"""


def hpa(service: Service, rng: random.Random, explicit_ns: bool) -> str:
    return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {service.name}
{namespace_line(service, explicit_ns)}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {service.name}
  minReplicas: 1
  maxReplicas: {rng.choice((3, 5, 10))}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {rng.choice((60, 70, 80))}
"""


def pdb(service: Service, explicit_ns: bool) -> str:
    return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {service.name}
{namespace_line(service, explicit_ns)}spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: {service.name}
"""


def rbac(service: Service, explicit_ns: bool) -> str:
    return f"""# {service.name} reads its own ConfigMaps (hot reload).
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {service.name}-config-reader
{namespace_line(service, explicit_ns)}rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "watch", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {service.name}-config-reader
{namespace_line(service, explicit_ns)}roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {service.name}-config-reader
subjects:
  - kind: ServiceAccount
    name: {service.name}
"""


SERVICE_FILES = ("deployment.yaml", "service.yaml", "configmap.yaml", "serviceaccount.yaml",
                 "hpa.yaml", "pdb.yaml", "rbac.yaml")


def service_files(service: Service, rng: random.Random) -> dict[str, str]:
    explicit = service.index % 2 == 0  # half name their namespace, half rely on kustomize
    folder = f"k8s/apps/{service.group}/{service.name}"
    files = {
        f"{folder}/deployment.yaml": deployment(service, rng, explicit),
        f"{folder}/service.yaml": service_manifest(service, explicit),
        f"{folder}/configmap.yaml": configmap(service, rng, explicit),
        f"{folder}/serviceaccount.yaml": service_account(service, explicit),
        f"{folder}/hpa.yaml": hpa(service, rng, explicit),
        f"{folder}/pdb.yaml": pdb(service, explicit),
        f"{folder}/rbac.yaml": rbac(service, explicit),
    }
    resources = "\n".join(f"  - {name}" for name in SERVICE_FILES)
    files[f"{folder}/kustomization.yaml"] = (
        f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"# {service.name}: everything it needs besides routing\nresources:\n{resources}\n"
        f"labels:\n  - pairs:\n      team: {service.group}\n    includeSelectors: false\n")
    return files


def group_files(group: str, services: list[Service]) -> dict[str, str]:
    entries = "\n".join(f"  - {s.name}" for s in services)
    return {
        f"k8s/apps/{group}/namespace.yaml": (
            f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {group}\n  labels:\n"
            f"    istio-injection: enabled\n"),
        f"k8s/apps/{group}/kustomization.yaml": (
            f"# The {group} group: one folder per service.\n"
            f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"namespace: {group}\nresources:\n  - namespace.yaml\n{entries}\n"),
        f"k8s/apps/{group}/README.md": (
            f"# {group}\n\nServices: " + ", ".join(s.name for s in services) + ".\n"),
    }


# --------------------------------------------------------------------------- helm

def chart_files(chart: str, rng: random.Random) -> dict[str, str]:
    port = {"redis": 6379, "postgres": 5432, "keycloak": 8080}[chart]
    image = {"redis": "redis:7-alpine", "postgres": "postgres:16-alpine",
             "keycloak": "quay.io/keycloak/keycloak:24.0"}[chart]
    root = f"helm/{chart}"
    return {
        f"{root}/Chart.yaml": (f"apiVersion: v2\nname: {chart}\ndescription: Platform {chart} for the "
                               f"benchmark tree\ntype: application\nversion: 0.{rng.randint(1, 9)}.0\n"
                               f"appVersion: \"1.0.0\"\n"),
        f"{root}/.helmignore": ".DS_Store\n.git/\n*.swp\n",
        f"{root}/values.yaml": (f"# Default values for {chart}.\nimage: {image}\nport: {port}\n"
                                f"replicas: 1\nresources:\n  requests:\n    cpu: 100m\n"
                                f"    memory: 128Mi\n"),
        f"{root}/templates/_helpers.tpl": (
            f'{{{{- define "{chart}.fullname" -}}}}\n'
            f'{{{{- if contains .Chart.Name .Release.Name }}}}{{{{ .Release.Name | trunc 63 }}}}'
            f'{{{{- else }}}}{{{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 }}}}{{{{- end }}}}\n'
            f'{{{{- end }}}}\n\n'
            f'{{{{- define "{chart}.labels" -}}}}\n'
            f'app.kubernetes.io/name: {{{{ .Chart.Name }}}}\n'
            f'app.kubernetes.io/instance: {{{{ .Release.Name }}}}\n'
            f'{{{{- end }}}}\n'),
        f"{root}/templates/deployment.yaml": f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "{chart}.fullname" . }}}}
  labels:
    {{{{- include "{chart}.labels" . | nindent 4 }}}}
spec:
  replicas: {{{{ .Values.replicas }}}}
  selector:
    matchLabels:
      {{{{- include "{chart}.labels" . | nindent 6 }}}}
  template:
    metadata:
      labels:
        {{{{- include "{chart}.labels" . | nindent 8 }}}}
    spec:
      containers:
        - name: {chart}
          image: {{{{ .Values.image | quote }}}}
          ports:
            - name: tcp-{chart}
              containerPort: {{{{ .Values.port }}}}
          resources:
            {{{{- toYaml .Values.resources | nindent 12 }}}}
""",
        f"{root}/templates/service.yaml": f"""apiVersion: v1
kind: Service
metadata:
  name: {{{{ include "{chart}.fullname" . }}}}
  labels:
    {{{{- include "{chart}.labels" . | nindent 4 }}}}
spec:
  selector:
    {{{{- include "{chart}.labels" . | nindent 4 }}}}
  ports:
    - name: tcp-{chart}
      port: {{{{ .Values.port }}}}
      targetPort: {{{{ .Values.port }}}}
""",
        f"{root}/templates/NOTES.txt": f"{chart} is {{{{ include \"{chart}.fullname\" . }}}}:{port}\n",
    }


# --------------------------------------------------------------------------- scripts

def scripts(groups: dict[str, list[Service]]) -> dict[str, str]:
    files = {
        "scripts/01-create-cluster.sh": """#!/usr/bin/env bash
# Create the local kind cluster with the host port mappings for the Istio ingress.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER_NAME="platform"
if kind get clusters | grep -qx "${CLUSTER_NAME}"; then
  echo "cluster exists"; exit 0
fi
kind create cluster --name "${CLUSTER_NAME}" --config cluster/kind-config.yaml
""",
        "scripts/02-install-istio.sh": """#!/usr/bin/env bash
# Install Istio (minimal profile) and the monitoring addons.
set -euo pipefail
istioctl install --set profile=minimal -y
for addon in prometheus grafana; do
  kubectl apply -f "https://raw.githubusercontent.com/istio/istio/release-1.22/samples/addons/${addon}.yaml"
done
""",
    }
    helm_lines = "\n".join(
        f"helm upgrade --install {chart} ./helm/{chart} --namespace platform --create-namespace --wait"
        for chart in CHARTS)
    files["scripts/03-deploy.sh"] = f"""#!/usr/bin/env bash
# Deploy the platform charts, then every group with kustomize, then the routing.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> platform charts"
{helm_lines}

echo "==> applications and routing"
kubectl apply -k k8s/
kubectl -n istio-system rollout status deployment/istio-ingressgateway --timeout=180s
"""
    lines = ["#!/usr/bin/env bash", "# Smoke-test every public host through the ingress (host port 80).",
             "set -euo pipefail", "", 'BASE_URL="http://localhost"', ""]
    for group, services in groups.items():
        if group == "partners":
            continue
        lines.append(f"echo '==> {group}'")
        for service in services:
            lines.append(f'curl -fsS -o /dev/null -H "Host: {service.name}.example.com" '
                         f'"$BASE_URL/{service.name}/v1{service.health}"')
    files["scripts/04-smoke-public.sh"] = "\n".join(lines) + "\necho OK\n"
    lines = ["#!/usr/bin/env bash", "# Partner API checks (HTTPS on host port 8443).",
             "set -euo pipefail", ""]
    for service in groups["partners"]:
        lines.append(f"curl -fsSk -H 'Host: {service.name}.partners.example.com' "
                     f"https://localhost:8443/{service.name}/")
    files["scripts/05-smoke-partners.sh"] = "\n".join(lines) + "\n"
    # planted: host port 8088 is not mapped (the admin gateway is on 8080)
    lines = ["#!/usr/bin/env bash", "# Back-office pages.", "set -euo pipefail", "",
             'ADMIN_URL="http://localhost:8088"', ""]
    for group in groups:
        lines.append(f'curl -fsS -H "Host: admin-{group}.example.com" "$ADMIN_URL/{group}/"')
    lines.append("curl -fsS http://127.0.0.1:8080/storefront/ -H 'Host: admin.example.com'")
    lines.append("curl -s http://localhost:9090/prometheus/graph")
    files["scripts/06-smoke-admin.sh"] = "\n".join(lines) + "\n"
    files["scripts/07-teardown.sh"] = """#!/usr/bin/env bash
set -euo pipefail
kind delete cluster --name platform
"""
    return files


# --------------------------------------------------------------------------- other entry points

OBSERVABILITY = (("collector", 4317), ("tempo", 3200), ("loki", 3100))  # subcharts of the umbrella


def umbrella_files() -> dict[str, str]:
    root = "helm/observability"
    deps = "".join(f"  - name: {name}\n    version: 0.1.0\n" for name, _ in OBSERVABILITY)
    files = {
        f"{root}/Chart.yaml": ("apiVersion: v2\nname: observability\nversion: 0.3.0\n"
                               f"description: Umbrella chart for tracing and logs\ndependencies:\n{deps}"),
        f"{root}/values.yaml": ("global:\n  otlpPort: 4317\n" + "".join(
            f"{name}:\n  enabled: true\n  replicas: 1\n" for name, _ in OBSERVABILITY)),
    }
    for name, port in OBSERVABILITY:
        sub = f"{root}/charts/{name}"
        files[f"{sub}/Chart.yaml"] = f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
        files[f"{sub}/values.yaml"] = f"replicas: 1\nport: {port}\n"
        files[f"{sub}/templates/all.yaml"] = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ .Release.Name }}}}-{name}
spec:
  replicas: {{{{ .Values.replicas }}}}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: grafana/{name}:latest
          env:
            - name: OTLP_ENDPOINT
              value: "http://{{{{ .Release.Name }}}}-collector:{{{{ .Values.global.otlpPort }}}}"
          ports:
            - containerPort: {port}
---
apiVersion: v1
kind: Service
metadata:
  name: {{{{ .Release.Name }}}}-{name}
spec:
  selector: {{app: {name}}}
  ports:
    - name: grpc
      port: {port}
      targetPort: {port}
"""
    return files


def deployment_shapes(groups: dict[str, list[Service]]) -> dict[str, str]:
    files = {
        "Taskfile.yml": """# go-task: `task up` builds the whole local platform
version: '3'

vars:
  CLUSTER: platform
  OBS_NS: observability

tasks:
  up:
    cmds:
      - task: cluster
      - task: observability
      - task: staging
  cluster:
    cmds:
      - kind create cluster --name {{.CLUSTER}} --config cluster/kind-config.yaml
  observability:
    dir: helm
    cmds:
      - helm upgrade --install obs ./observability -n {{.OBS_NS}} --create-namespace
  staging:
    cmds:
      - kustomize build k8s/overlays/staging | kubectl apply -f -
      - kubectl label namespace search-staging istio-injection=enabled --overwrite
  smoke:
    cmds:
      - curl -fsS -H 'Host: search.example.com' http://localhost/search/
""",
        "scripts/dev.ps1": """# Windows developers: the same as 03-deploy.sh
$Namespace = "platform"
Set-Location (Join-Path $PSScriptRoot "..")
kubectl apply -k k8s/
helm upgrade --install redis ./helm/redis `
  --namespace $Namespace --create-namespace
Invoke-WebRequest -Uri "http://localhost/storefront/" -Headers @{ Host = "storefront.example.com" }
""",
        "argocd/project.yaml": """apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: platform
  namespace: argocd
spec:
  sourceRepos: ["*"]
  destinations:
    - namespace: "*"
      server: https://kubernetes.default.svc
""",
        "argocd/groups.yaml": """# One Application per group folder
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: groups
  namespace: argocd
spec:
  generators:
    - git:
        repoURL: https://git.example.com/platform/deploy.git
        revision: main
        directories:
          - path: k8s/apps/*
  template:
    metadata:
      name: '{{path.basename}}'
    spec:
      project: platform
      source:
        repoURL: https://git.example.com/platform/deploy.git
        targetRevision: main
        path: '{{path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{path.basename}}'
""",
        "argocd/edge-gateway.yaml": """# A second ingress gateway from the public chart, for partner traffic
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: edge-gateway
  namespace: argocd
spec:
  project: platform
  source:
    repoURL: https://istio-release.storage.googleapis.com/charts
    chart: gateway
    targetRevision: 1.22.3
    helm:
      releaseName: edge-gateway
      values: |
        service:
          type: NodePort
          ports:
            - name: https
              port: 443
              targetPort: 443
              nodePort: 32443
  destination:
    server: https://kubernetes.default.svc
    namespace: edge
  syncPolicy:
    syncOptions: [CreateNamespace=true]
""",
        "k8s/overlays/staging/kustomization.yaml": """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: search-staging
nameSuffix: -staging
resources:
  - ../../apps/search
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 1
""",
    }
    first = next(iter(groups))
    files["legacy/README.md"] = "Manifests from before the move to kustomize. Not applied any more.\n"
    files["legacy/network-policy.yaml"] = f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-old
  namespace: {first}
spec:
  podSelector: {{}}
  ingress:
    - {{}}
"""
    files["legacy/routes.yaml"] = f"""apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {first}-old
  namespace: {first}
spec:
  hosts: [old.example.com]
  gateways: [istio-system/public-gateway]
  http:
    - route:
        - destination:
            host: {groups[first][0].name}
"""
    files.update(umbrella_files())
    return files


# --------------------------------------------------------------------------- main

def generate(out: Path, seed: int = 1234, services: int = 200) -> int:
    """Write the tree into ``out`` (emptied first); return the number of files written."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    repo = Repo(out)
    groups = plan_services(rng, services)

    repo.write("README.md", "# platform (synthetic benchmark tree)\n\nGenerated by bench/generate.py.\n")
    repo.write(".gitignore", "bench-tmp/\n*.swp\n")
    repo.write("cluster/kind-config.yaml", kind_config())
    repo.write("k8s/istio/ingress-gateway.yaml", ingress_gateway())
    for rel, text in gateways().items():
        repo.write(rel, text)
    routing = routing_files(groups, rng)
    for rel, text in sorted(routing.items()):
        repo.write(rel, text)
    rules = destination_rules(groups, rng)
    for rel, text in sorted(rules.items()):
        repo.write(rel, text)
    for group, members in groups.items():
        for rel, text in group_files(group, members).items():
            repo.write(rel, text)
        for service in members:
            for rel, text in service_files(service, rng).items():
                repo.write(rel, text)
    for chart in CHARTS:
        for rel, text in chart_files(chart, rng).items():
            repo.write(rel, text)
    for rel, text in scripts(groups).items():
        repo.write(rel, text, executable=True)
    for rel, text in deployment_shapes(groups).items():
        repo.write(rel, text)

    istio = sorted(p for p in list(routing) + list(rules) + list(gateways()))
    istio_entries = "\n".join(f"  - {p[len('k8s/'):]}" for p in ["k8s/istio/ingress-gateway.yaml"] + istio)
    groups_entries = "\n".join(f"  - apps/{g}" for g in groups)
    repo.write("k8s/kustomization.yaml", (
        "# Everything kubectl applies (kind-config is read by kind, not listed here).\n"
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n{istio_entries}\n{groups_entries}\n"))
    return repo.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--services", type=int, default=200)
    args = parser.parse_args()
    count = generate(args.out, args.seed, args.services)
    print(f"wrote {count} files to {args.out}")


if __name__ == "__main__":
    main()
