#!/usr/bin/env bash
# Opens the gateway's status port on the laptop while you poke at it.
kubectl -n istio-system port-forward svc/istio-ingressgateway 15921:15021
