#!/usr/bin/env bash
# Brings the orchard stack up on a local kind cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

helm repo add prometheus-community https://prometheus-community.github.io/helm-charts
helm upgrade --install kube-metrics prometheus-community/kube-state-metrics --version 5.15.2 -n monitoring --create-namespace

helm upgrade --install orchard platform/umbrella -n orchard --create-namespace \
  -f platform/umbrella/values-kind.yaml
helm install beacon-web ops/beacon -n watch --create-namespace
