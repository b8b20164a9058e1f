{{/* Labels shared by every storefront object; pass (list $ "component"). */}}
{{- define "storefront.labels" -}}
{{- $root := index . 0 -}}
app: {{ index . 1 }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ $root.Chart.Name }}-{{ $root.Chart.Version }}
{{- end }}

{{/* Selector labels; pass (list $ "component"). */}}
{{- define "storefront.selector" -}}
app: {{ index . 1 }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
{{- end }}
