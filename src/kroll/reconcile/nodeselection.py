"""Node selector requirements, shared by the scheduler and the DaemonSet controller.

Upstream: k8s.io/component-helpers/scheduling/corev1/nodeaffinity (In, NotIn, Exists,
DoesNotExist, Gt, Lt over node labels or fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def requirement_matches(req: Mapping[str, Any], values_by_key: Mapping[str, str]) -> bool:
    """One NodeSelectorRequirement against node labels (or node fields such as metadata.name)."""
    key = req.get("key", "")
    op = req.get("operator")
    values = [str(v) for v in req.get("values") or ()]
    present = key in values_by_key
    if op == "In":
        return present and values_by_key[key] in values
    if op == "NotIn":
        return not present or values_by_key[key] not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt"):
        if not present or len(values) != 1:
            return False
        try:
            have, want = int(values_by_key[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False
