#!/usr/bin/env bash
# Smoke-test the app through the Istio ingress gateway.
set -euo pipefail

BASE_URL="http://localhost"

echo "==> Frontend"
curl -fsS -o /dev/null -w "  / -> %{http_code}\n" "$BASE_URL/"

echo "==> API"
curl -fsS "$BASE_URL/api/health"
echo
curl -fsS "$BASE_URL/api/orders"
echo
curl -fsS "$BASE_URL/api/users"
echo
curl -fsS "$BASE_URL/api/inventory"
echo

echo "==> Monitoring"
curl -s http://localhost:9090/api/prometheus
echo

echo "All checks passed."
