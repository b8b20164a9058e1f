#!/usr/bin/env bash
# Control plane only; the ingress gateway is deploy/mesh/ingress.yaml.
set -euo pipefail
istioctl install --set profile=minimal -y
kubectl -n istio-system rollout status deploy/istiod
