#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."

# namespaces, ingress gateway, Gateways and VirtualServices
kubectl apply -k deploy/
kubectl -n istio-ingress rollout status deploy/gateway

# the app itself
helm install shop charts/storefront -n shop
kubectl -n shop rollout status deploy/web
