"""The autoscaling/v1 Scale subresource helpers."""

from __future__ import annotations

import pytest

from kroll.api import errors
from kroll.api.kinds.scale import apply_scale, to_scale, validate_scale


def deployment() -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "42",
                         "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": "web"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"},
                                                 "matchExpressions": [{"key": "tier", "operator": "In",
                                                                       "values": ["b", "a"]}]}},
            "status": {"replicas": 2}}


def test_to_scale() -> None:
    assert to_scale(deployment()) == {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "42",
                     "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"replicas": 3},
        "status": {"replicas": 2, "selector": "app=web,tier in (a,b)"},
    }


def test_to_scale_zero_and_missing() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = 0
    del obj["status"]
    scale = to_scale(obj)
    assert scale["spec"] == {}
    assert scale["status"]["replicas"] == 0


def test_apply_scale() -> None:
    obj = deployment()
    out = apply_scale(obj, {"spec": {"replicas": 5}, "metadata": {"resourceVersion": "42"}})
    assert out is obj and obj["spec"]["replicas"] == 5
    apply_scale(obj, {"spec": {}})
    assert obj["spec"]["replicas"] == 0


def test_apply_scale_conflict_and_invalid() -> None:
    with pytest.raises(errors.ApiError) as exc:
        apply_scale(deployment(), {"spec": {"replicas": 1}, "metadata": {"resourceVersion": "41"}})
    assert exc.value.code == 409
    assert exc.value.message == ('Operation cannot be fulfilled on deployments.apps "web": the object has been '
                                 "modified; please apply your changes to the latest version and try again")
    with pytest.raises(errors.ApiError) as exc:
        apply_scale(deployment(), {"spec": {"replicas": -1}})
    assert exc.value.code == 422
    assert exc.value.message == ('Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be '
                                 "greater than or equal to 0")
    assert [e.message() for e in validate_scale({"spec": {"replicas": "x"}})] == [
        'spec.replicas: Invalid value: "x": must be of type integer']
