#!/usr/bin/env bash
set -euo pipefail
source "$(dirname "$0")/../.env"
: "${APP_NS:?set APP_NS}"
kind create cluster --name "${CLUSTER_NAME}" --config kind/cluster.yaml
istioctl install --set profile="${ISTIO_PROFILE}" -y
kubectl create namespace "$APP_NS"
kubectl label namespace "$APP_NS" istio-injection=enabled
kubectl apply -n "$APP_NS" -f manifests/app/
kubectl apply -f "${EDGE_DIR:-manifests/edge}"
kubectl -n istio-system port-forward svc/istio-ingressgateway 8080:80 &
PF=$!
sleep 3
curl -fsS -H "Host: parcels.example.test" http://localhost:8080/parcels
kill $PF
