"""The autoscaling/v1 Scale subresource of Deployments, ReplicaSets and StatefulSets.

Upstream: pkg/registry/apps/{deployment,replicaset,statefulset}/storage/storage.go
(scaleFromDeployment & co.). A Scale carries the parent's name, namespace, uid,
resourceVersion and creationTimestamp; `spec.replicas` is the parent's desired count (0 is
omitted, as the Go type does), `status.replicas` its observed count (always written) and
`status.selector` the parent's selector in string form (`app=nginx,tier in (a,b)`).

Writing a Scale changes only `spec.replicas` of the parent; a resourceVersion in the Scale
is a precondition (409 Conflict on mismatch).
"""

from __future__ import annotations

import copy
from typing import Any

from kroll.api import errors, registry
from kroll.api.errors import FieldError
from kroll.api.selectors import selector_string
from kroll.api.types import Obj
from kroll.api.validation import is_int, nonnegative

SCALE_API_VERSION = registry.SCALE_GROUP_VERSION


def to_scale(obj: Obj) -> Obj:
    md = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    scale_md: dict[str, Any] = {}
    for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp"):
        if md.get(key):
            scale_md[key] = md[key]
    scale_spec: dict[str, Any] = {}
    replicas = spec.get("replicas")
    if is_int(replicas) and replicas:
        scale_spec["replicas"] = int(replicas)
    observed = status.get("replicas")
    scale_status: dict[str, Any] = {"replicas": int(observed) if is_int(observed) else 0}
    selector = selector_string(spec.get("selector"))
    if selector:
        scale_status["selector"] = selector
    return {"kind": "Scale", "apiVersion": SCALE_API_VERSION, "metadata": scale_md, "spec": scale_spec,
            "status": scale_status}


def validate_scale(scale: Any) -> list[FieldError]:
    """ValidateScale: spec.replicas a non-negative integer."""
    if not isinstance(scale, dict):
        return [errors.invalid("", scale, "must be of type object")]
    spec = scale.get("spec")
    if spec is None:
        return []
    if not isinstance(spec, dict):
        return [errors.invalid("spec", spec, "must be of type object")]
    replicas = spec.get("replicas")
    if replicas is None:
        return []
    if not is_int(replicas):
        return [errors.invalid("spec.replicas", replicas, "must be of type integer")]
    return nonnegative(int(replicas), "spec.replicas")


def apply_scale(obj: Obj, scale: Obj) -> Obj:
    """Set the parent's spec.replicas from a Scale, in place; returns `obj`.

    Raises 422 (kind Scale) for a bad replica count and 409 when the Scale's
    resourceVersion does not match the parent's.
    """
    md = obj.get("metadata") or {}
    name = md.get("name", "")
    errs = validate_scale(scale)
    if errs:
        raise errors.invalid_object("Scale", "autoscaling", name, errs)
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv and md.get("resourceVersion") and rv != md.get("resourceVersion"):
        info = registry.lookup_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
        plural, group = (info.plural, info.group) if info else ("", "")
        raise errors.conflict(plural, group, name)
    replicas = (scale.get("spec") or {}).get("replicas")
    spec = obj.setdefault("spec", {})
    spec["replicas"] = int(replicas) if replicas is not None else 0
    return obj


def scaled_copy(obj: Obj, scale: Obj) -> Obj:
    """apply_scale on a deep copy (for callers holding a cached object)."""
    return apply_scale(copy.deepcopy(obj), scale)
