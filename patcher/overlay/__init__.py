"""Overlay output: the plan's fixes as a Kustomize overlay or a Helm post-renderer (`patcher overlay`)."""
