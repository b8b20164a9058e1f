#!/usr/bin/env bash
# Quick check that the storefront answers through the ingress.
set -euo pipefail

INGRESS="http://127.0.0.1:8080"
HOST="shop.example.com"

echo "-- health"
curl -fsS -H "Host: $HOST" http://127.0.0.1:8080/healthz

echo "-- catalog"
curl -fsS -H "Host: $HOST" "$INGRESS/catalog/items?limit=1"

echo "-- cart"
curl -fsS -o /dev/null -w '%{http_code}\n' -H "Host: $HOST" "$INGRESS/cart"

echo "smoke OK"
