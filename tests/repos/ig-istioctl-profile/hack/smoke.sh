#!/usr/bin/env bash
set -euo pipefail
# storefront through the gateway
curl -fsS -H "Host: pantry.local.test" http://localhost:8870/shelves
# gateway readiness (needs hack/forward-admin.sh running)
curl -fsS http://127.0.0.1:15921/healthz/ready
