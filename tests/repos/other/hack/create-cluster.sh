#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
kind create cluster --name shop --config cluster/kind.yaml
