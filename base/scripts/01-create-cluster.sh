#!/usr/bin/env bash
# Create the local kind cluster with the host port mappings for the Istio ingress.
set -euo pipefail

cd "$(dirname "$0")/.."

CLUSTER_NAME="app-stack"

if kind get clusters | grep -qx "${CLUSTER_NAME}"; then
  echo "kind cluster '${CLUSTER_NAME}' already exists, skipping"
  exit 0
fi

echo "==> Creating kind cluster '${CLUSTER_NAME}'"
kind create cluster --name "${CLUSTER_NAME}" --config k8s/kind-config.yaml

kubectl cluster-info --context "kind-${CLUSTER_NAME}"
kubectl get nodes -o wide
