#!/usr/bin/env bash
set -euo pipefail
kind create cluster --name tr-lab --config kind/cluster.yaml
istioctl install -y -f ops/istio-operator.yaml
kubectl apply -f ops/telemetry.yaml
# pantry has no Namespace manifest: the script creates and labels it
kubectl create namespace pantry
kubectl label namespace pantry istio-injection=enabled --overwrite
kubectl apply -k deploy
curl -fsS http://localhost:9480/ >/dev/null
