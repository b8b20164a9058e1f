#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."

kind create cluster --name ledger --config cluster/kind-ledger.yaml
kubectl apply -f platform/
kubectl apply -n billing -f services/
kubectl apply -f prod/ledger-routes.yaml
