"""patcher: find and fix broken request routing in Kubernetes deployment repositories."""

__version__ = "0.1.0"
