"""Helm charts of the teams shape: an umbrella chart with five vendored subcharts, and two
standalone charts, per team. Templates use ``@TOKEN@`` placeholders rather than f-strings,
so that the Go template braces stay readable."""

from __future__ import annotations

import random

SUBCHARTS = ("web", "api", "worker", "cache", "events")


def fill(text: str, **tokens: object) -> str:
    for key, value in tokens.items():
        text = text.replace(f"@{key.upper()}@", str(value))
    return text


HELPERS = '''{{/*
Common helpers for @CHART@. Kept in the style `helm create` generates.
*/}}
{{- define "@CHART@.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "@CHART@.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "@CHART@.selectorLabels" -}}
app.kubernetes.io/name: {{ include "@CHART@.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "@CHART@.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "@CHART@.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.global }}
{{- if .team }}
team: {{ .team | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- define "@CHART@.image" -}}
{{- $registry := "ghcr.io/example" }}
{{- with dig "imageRegistry" "" (.Values.global | default dict) }}{{ $registry = . }}{{ end }}
{{- printf "%s/%s:%s" $registry .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
'''

DEPLOYMENT = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "@CHART@.fullname" . }}
  labels:
    {{- include "@CHART@.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "@CHART@.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
      {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
      {{- end }}
      labels:
        {{- include "@CHART@.selectorLabels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ include "@CHART@.fullname" . }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "@CHART@.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
              protocol: TCP
          env:
            {{- range $key, $value := .Values.env }}
            - name: {{ $key }}
              value: {{ $value | quote }}
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "@CHART@.fullname" . }}
          readinessProbe:
            httpGet:
              path: @HEALTH@
              port: http
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
'''

SERVICE = '''apiVersion: v1
kind: Service
metadata:
  name: {{ include "@CHART@.fullname" . }}
  labels:
    {{- include "@CHART@.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
    - port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
      name: http
      {{- if and (eq .Values.service.type "NodePort") .Values.service.nodePort }}
      nodePort: {{ .Values.service.nodePort }}
      {{- end }}
  selector:
    {{- include "@CHART@.selectorLabels" . | nindent 4 }}
'''

CONFIGMAP = '''apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "@CHART@.fullname" . }}
  labels:
    {{- include "@CHART@.labels" . | nindent 4 }}
data:
  {{- range $key, $value := .Values.config }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
@EXTRA@'''

# the subchart that needs its parent: rendered alone, global.domain is unset and Helm stops here
REQUIRED_DOMAIN = '''  PUBLIC_URL: {{ printf "https://%s.%s" .Chart.Name (required "global.domain is required" (dig "domain" "" (.Values.global | default dict))) | quote }}
'''
OPTIONAL_DOMAIN = '''  {{- with dig "domain" "" (.Values.global | default dict) }}
  PUBLIC_HOST: {{ . | quote }}
  {{- end }}
'''

HPA = '''{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "@CHART@.fullname" . }}
  labels:
    {{- include "@CHART@.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "@CHART@.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
'''

SERVICE_ACCOUNT = '''{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "@CHART@.fullname" . }}
  labels:
    {{- include "@CHART@.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}
'''

NOTES = '''{{ .Chart.Name }} is installed as {{ include "@CHART@.fullname" . }} in {{ .Release.Namespace }}.
{{- with dig "domain" "" (.Values.global | default dict) }}
Public URL: https://{{ $.Chart.Name }}.{{ . }}
{{- end }}
'''

VIRTUAL_SERVICE = '''{{- range .Values.routes }}
---
# route {{ .name }} of {{ $.Release.Name }}
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {{ include "@CHART@.fullname" $ }}-{{ .name }}
spec:
  hosts:
    - {{ .host | quote }}
  gateways:
    - {{ $.Values.gateway }}
  http:
    - match:
        - uri:
            prefix: {{ .prefix }}
      route:
        - destination:
            host: {{ include "@CHART@.fullname" $ }}
            port:
              number: {{ $.Values.service.port }}
      {{- with .timeout }}
      timeout: {{ . }}
      {{- end }}
{{- end }}
'''

STATEFULSET = '''apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ include "@CHART@.fullname" . }}
  labels:
    {{- include "@CHART@.labels" . | nindent 4 }}
spec:
  serviceName: {{ include "@CHART@.fullname" . }}
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "@CHART@.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "@CHART@.selectorLabels" . | nindent 8 }}
    spec:
      containers:
        - name: admin
          image: {{ include "@CHART@.image" . | quote }}
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
          {{- with .Values.extraArgs }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: data
              mountPath: /var/lib/admin
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        resources:
          requests:
            storage: {{ .Values.storage | default "1Gi" }}
'''

TEST_CONNECTION = '''apiVersion: v1
kind: Pod
metadata:
  name: "{{ include "@CHART@.fullname" . }}-test-connection"
  annotations:
    "helm.sh/hook": test
spec:
  containers:
    - name: wget
      image: busybox:1.36
      command: ['wget']
      args: ['{{ include "@CHART@.fullname" . }}:{{ .Values.service.port }}']
  restartPolicy: Never
'''


def chart_yaml(name: str, description: str, rng: random.Random, deps: str = "",
               version: str | None = None) -> str:
    quote = rng.choice(('"', "'", ""))
    version = version or f"0.{rng.randint(1, 20)}.{rng.randint(0, 9)}"
    return (f"apiVersion: v2\nname: {name}\ndescription: {description}\ntype: application\n"
            f"# bump on every template change\nversion: {version}\n"
            f"appVersion: {quote}1.{rng.randint(0, 30)}.0{quote}\n{deps}")


def values_yaml(name: str, port: int, rng: random.Random, service_type: str = "ClusterIP",
                node_port: int | None = None) -> str:
    env = "\n".join(f"  {k}: {v}" for k, v in rng.sample(
        (("LOG_LEVEL", "info"), ("LOG_FORMAT", "json"), ("OTEL_ENABLED", '"true"'),
         ("CACHE_TTL", '"300"'), ("WORKERS", '"4"'), ("REGION", "eu-west-1")), 3))
    config = "\n".join(f"  {k}: {rng.randint(1, 500)}" for k in rng.sample(
        ("batch_size", "queue_depth", "max_items", "page_size", "ttl_seconds", "retries"), 3))
    node = f"  nodePort: {node_port}\n" if node_port else ""
    return f"""# Default values for {name}.
# This is a YAML-formatted file; override per environment with -f values-<env>.yaml.

replicaCount: {rng.choice((1, 2, 3))}

image:
  repository: {name}
  pullPolicy: IfNotPresent
  # Overrides the image tag whose default is the chart appVersion.
  tag: ""

nameOverride: ""
fullnameOverride: ""

serviceAccount:
  create: true
  annotations: {{}}

podAnnotations:
  prometheus.io/scrape: "true"

service:
  type: {service_type}
  port: {port}
{node}
env:
{env}

config:
{config}

resources:
  requests:
    cpu: {rng.choice(('50m', '100m', "'250m'"))}
    memory: {rng.choice(('64Mi', '128Mi', '256Mi'))}
  limits:
    memory: 512Mi

autoscaling:
  enabled: {rng.choice(('true', 'false'))}
  minReplicas: 1
  maxReplicas: {rng.choice((3, 5, 10))}
  targetCPUUtilizationPercentage: 80

nodeSelector: {{}}
"""


def subchart(root: str, name: str, port: int, health: str, rng: random.Random,
             needs_parent: bool) -> dict[str, str]:
    extra = REQUIRED_DOMAIN if needs_parent else OPTIONAL_DOMAIN
    t = {"chart": name, "health": health}
    return {
        # vendored: the version the umbrella's dependencies ask for
        f"{root}/Chart.yaml": chart_yaml(name, f"The {name} component", rng, version="0.1.0"),
        f"{root}/values.yaml": values_yaml(name, port, rng),
        f"{root}/templates/_helpers.tpl": fill(HELPERS, **t),
        f"{root}/templates/deployment.yaml": fill(DEPLOYMENT, **t),
        f"{root}/templates/service.yaml": fill(SERVICE, **t),
        f"{root}/templates/configmap.yaml": fill(CONFIGMAP, extra=extra, **t),
        f"{root}/templates/hpa.yaml": fill(HPA, **t),
        f"{root}/templates/serviceaccount.yaml": fill(SERVICE_ACCOUNT, **t),
        f"{root}/templates/NOTES.txt": fill(NOTES, **t),
    }


def umbrella(team, rng: random.Random) -> dict[str, str]:
    """``teams/<team>/charts/<team>-platform``: five vendored subcharts; the first needs the
    umbrella's global.domain."""
    name = f"{team.name}-platform"
    root = f"teams/{team.name}/charts/{name}"
    subs = [f"{team.name}-{s}" for s in SUBCHARTS]
    deps = "dependencies:\n" + "".join(
        f"  - name: {s}\n    version: \"0.1.0\"\n    condition: {s}.enabled\n"
        + (f"    repository: file://charts/{s}\n" if i % 2 else "")
        for i, s in enumerate(subs))
    files: dict[str, str] = {}
    for i, sub in enumerate(subs):
        port, health = team.ports[i % len(team.ports)]
        files.update(subchart(f"{root}/charts/{sub}", sub, port, health, rng, needs_parent=i == 0))
    sections = "\n".join(f"{s}:\n  enabled: true\n  replicaCount: {rng.choice((1, 2))}\n" for s in subs)
    policy = "true" if team.index % 2 == 0 else "false"
    files.update({
        f"{root}/Chart.yaml": chart_yaml(name, f"Everything {team.name} runs, as one release", rng, deps),
        f"{root}/.helmignore": "# Patterns to ignore when building packages.\n.DS_Store\n.git/\n*.tmp\n*.orig\n",
        f"{root}/values.yaml": (f"# Shared by every subchart through .Values.global\nglobal:\n"
                                f"  domain: {team.name}.example.com\n  team: {team.name}\n"
                                f"  imageRegistry: ghcr.io/example/{team.name}\n\n"
                                f"networkPolicy:\n  enabled: {policy}\n\n{sections}"),
        f"{root}/values-dev.yaml": "\n".join(f"{s}:\n  replicaCount: 1" for s in subs) + "\n",
        f"{root}/values-prod.yaml": ("# production: two of everything\n"
                                     + "\n".join(f"{s}:\n  replicaCount: 2\n  autoscaling:\n    enabled: true"
                                                 for s in subs) + "\n"),
        f"{root}/templates/_helpers.tpl": ('{{- define "platform.labels" -}}\n'
                                           'team: {{ .Values.global.team }}\n'
                                           'app.kubernetes.io/part-of: {{ .Release.Name }}\n{{- end }}\n'),
        f"{root}/templates/networkpolicy.yaml": '''{{- if .Values.networkPolicy.enabled }}
# Same-namespace traffic and the ingress gateway only.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .Release.Name }}-default
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: istio-system
{{- end }}
''',
    })
    return files


def standalone(team, rng: random.Random) -> dict[str, str]:
    """Two charts installed by the team's scripts: ``reports`` (a Deployment with VirtualService
    templates) and ``admin`` (a StatefulSet behind a NodePort Service)."""
    files: dict[str, str] = {}
    for kind in ("reports", "admin"):
        name = f"{team.name}-{kind}"
        root = f"teams/{team.name}/charts/{name}"
        port, health = team.ports[-1 if kind == "admin" else 0]
        t = {"chart": name, "health": health}
        node = team.node_port if kind == "admin" else None
        files.update({
            f"{root}/Chart.yaml": chart_yaml(name, f"{team.name} {kind}", rng),
            f"{root}/.helmignore": ".DS_Store\n.git/\n",
            f"{root}/values.yaml": values_yaml(name, port, rng, "NodePort" if node else "ClusterIP", node)
            + (f"\ngateway: {team.name}-prod/{team.name}-gateway\nroutes:\n"
               f"  - name: public\n    host: reports.{team.name}.example.com\n    prefix: /\n"
               f"    timeout: 10s\n  - name: exports\n    host: exports.{team.name}.example.com\n"
               f"    prefix: /exports\n" if kind == "reports"
               else '\nstorage: 2Gi\nextraArgs: ["--listen", ":8080"]\n'),
            f"{root}/templates/_helpers.tpl": fill(HELPERS, **t),
            f"{root}/templates/service.yaml": fill(SERVICE, **t),
            f"{root}/templates/NOTES.txt": fill(NOTES, **t),
            f"{root}/templates/tests/test-connection.yaml": fill(TEST_CONNECTION, **t),
        })
        if kind == "reports":
            files[f"{root}/templates/deployment.yaml"] = fill(DEPLOYMENT, **t)
            files[f"{root}/templates/configmap.yaml"] = fill(CONFIGMAP, extra=OPTIONAL_DOMAIN, **t)
            files[f"{root}/templates/virtualservice.yaml"] = fill(VIRTUAL_SERVICE, **t)
        else:
            files[f"{root}/templates/statefulset.yaml"] = fill(STATEFULSET, **t)
            files[f"{root}/templates/serviceaccount.yaml"] = fill(SERVICE_ACCOUNT, **t)
    return files
