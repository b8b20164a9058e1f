#!/bin/sh
helm install web charts/web -n shop
