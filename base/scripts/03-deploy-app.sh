#!/usr/bin/env bash
# Deploy the application chart and the Istio routing.
set -euo pipefail

cd "$(dirname "$0")/.."

echo "==> Creating the TLS secret for the HTTPS gateway server (self-signed)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -nodes -newkey rsa:2048 -days 365 \
  -subj "/CN=localhost" \
  -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
kubectl -n istio-system create secret tls app-tls \
  --key "$tmp/tls.key" --cert "$tmp/tls.crt" \
  --dry-run=client -o yaml | kubectl apply -f -

echo "==> Installing Helm release app-stack"
helm upgrade --install app-stack ./helm/app-stack --namespace default --create-namespace --wait

echo "==> Applying Istio gateway and routing"
kubectl apply -k k8s/

kubectl -n istio-system rollout status deployment/istio-ingressgateway --timeout=180s
kubectl get pods,svc -n default
