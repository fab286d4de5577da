"""kroll: a Kubernetes-compatible control plane for rollouts and rollbacks."""

__version__ = "0.1.0"
