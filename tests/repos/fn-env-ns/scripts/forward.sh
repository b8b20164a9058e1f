#!/usr/bin/env bash
kubectl -n "$APP_NS" port-forward deploy/parcels 6180:6180
