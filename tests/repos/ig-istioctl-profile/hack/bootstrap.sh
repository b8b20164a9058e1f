#!/usr/bin/env bash
# Brings up the pantry demo: kind, Istio's demo profile, the app.
set -euo pipefail

GW_NS=istio-system

kind create cluster --config cluster/kind-pantry.yaml
istioctl install --set profile=demo -y

# kind only reaches fixed NodePorts: pin the two web ports of the demo gateway
kubectl patch svc istio-ingressgateway -n "$GW_NS" --type merge -p '{"spec":{"type":"NodePort"}}'
kubectl patch svc istio-ingressgateway -n "$GW_NS" --type json \
  -p '[{"op":"add","path":"/spec/ports/1/nodePort","value":31780},{"op":"add","path":"/spec/ports/2/nodePort","value":31743}]'

kubectl create namespace pantry
kubectl label namespace pantry istio-injection=enabled
kubectl apply -f apps/pantry/ -f mesh/
