#!/bin/sh
kubectl apply -k alpha
kubectl apply -k beta
