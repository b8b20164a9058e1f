#!/usr/bin/env bash
# Install Istio (control plane only; the ingress gateway is in k8s/istio/ingress-gateway.yaml)
# and the monitoring addons (Prometheus, Grafana, Jaeger, Kiali).
set -euo pipefail

ISTIO_VERSION="${ISTIO_VERSION:-1.22.0}"
ADDONS_URL="https://raw.githubusercontent.com/istio/istio/release-1.22/samples/addons"

echo "==> Installing Istio ${ISTIO_VERSION} (minimal profile)"
istioctl install --set profile=minimal --set tag="${ISTIO_VERSION}" -y

echo "==> Enabling sidecar injection in namespace default"
kubectl label namespace default istio-injection=enabled --overwrite

echo "==> Installing monitoring addons"
for addon in prometheus grafana jaeger kiali; do
  kubectl apply -f "${ADDONS_URL}/${addon}.yaml"
done

echo "==> Waiting for istiod and the addons"
kubectl -n istio-system rollout status deployment/istiod --timeout=180s
kubectl -n istio-system rollout status deployment/prometheus --timeout=180s
kubectl -n istio-system rollout status deployment/grafana --timeout=180s
kubectl -n istio-system rollout status deployment/jaeger --timeout=180s
kubectl -n istio-system rollout status deployment/kiali --timeout=180s
