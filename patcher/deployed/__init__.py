"""What is deployed: the model stage's view of the repository as its tools deploy it (the
deployed set, Kustomize builds, the ingress gateway, sidecar injection)."""
