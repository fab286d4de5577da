"""Per-kind strategies: `strategy_for("deployments.apps")` returns the kind's `Strategy`.

One module per kind (deployment.py, pod.py, ...), each exposing `strategy`; shared pieces
live in `_common.py`, the Scale subresource in `scale.py`. Strategies are stateless
singletons, safe to share across requests.
"""

from __future__ import annotations

from kroll.api.kinds import (
    configmap,
    controllerrevision,
    daemonset,
    deployment,
    endpoints,
    event,
    eventsv1,
    lease,
    namespace,
    node,
    pod,
    replicaset,
    secret,
    service,
    serviceaccount,
    statefulset,
)
from kroll.api.kinds.base import Strategy

STRATEGIES: dict[str, Strategy] = {
    "namespaces": namespace.strategy,
    "pods": pod.strategy,
    "nodes": node.strategy,
    "services": service.strategy,
    "endpoints": endpoints.strategy,
    "configmaps": configmap.strategy,
    "secrets": secret.strategy,
    "events": event.strategy,
    "serviceaccounts": serviceaccount.strategy,
    "deployments.apps": deployment.strategy,
    "replicasets.apps": replicaset.strategy,
    "statefulsets.apps": statefulset.strategy,
    "daemonsets.apps": daemonset.strategy,
    "controllerrevisions.apps": controllerrevision.strategy,
    "leases.coordination.k8s.io": lease.strategy,
    "events.events.k8s.io": eventsv1.strategy,
}

_FALLBACK = Strategy()


def strategy_for(group_resource: str) -> Strategy:
    """The strategy of a resource; unknown resources get the do-nothing base strategy."""
    return STRATEGIES.get(group_resource, _FALLBACK)


__all__ = ["STRATEGIES", "Strategy", "strategy_for"]
