#!/usr/bin/env bash
# staging shares the cluster; only the routes differ
set -eu
cd "$(dirname "$0")/.."
kubectl apply -f platform/
kubectl apply -f services/ --namespace billing
kubectl apply -f staging/
