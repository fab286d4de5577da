"""Pod readiness and availability as the controllers read them.

Upstream: pkg/api/v1/pod/util.go (IsPodReady, IsPodAvailable) and
pkg/controller/controller_utils.go (FilterActivePods).
"""

from __future__ import annotations

import datetime as dt

from kroll.api.meta import parse_time
from kroll.api.types import Obj


def ready_condition(pod: Obj) -> dict | None:
    for cond in pod.get("status", {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond
    return None


def is_pod_ready(pod: Obj) -> bool:
    cond = ready_condition(pod)
    return bool(cond and cond.get("status") == "True")


def is_pod_available(pod: Obj, min_ready_seconds: int, now: dt.datetime) -> bool:
    """Ready, and Ready for longer than minReadySeconds.

    The clock starts at the Ready condition's lastTransitionTime: with minReadySeconds 5 and
    a pod Ready since 12:00:00, it is available from 12:00:05 on (strictly after).
    """
    cond = ready_condition(pod)
    if not cond or cond.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = parse_time(cond.get("lastTransitionTime"))
    return since is not None and since + dt.timedelta(seconds=min_ready_seconds) < now


def is_pod_active(pod: Obj) -> bool:
    """Counts toward a controller's replicas: not terminal and not being deleted."""
    phase = pod.get("status", {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod.get("metadata", {}).get("deletionTimestamp")


def is_pod_terminating(pod: Obj) -> bool:
    phase = pod.get("status", {}).get("phase")
    return phase not in ("Succeeded", "Failed") and bool(pod.get("metadata", {}).get("deletionTimestamp"))
