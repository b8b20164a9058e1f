#!/bin/sh
# after `kind create cluster --config deploy/kind/cluster.yaml` and Argo CD sync
curl -s -H 'Host: ledger.example.test' http://localhost:9180/v1/health
