"""ReplicaSet strategy (pkg/registry/apps/replicaset)."""

from __future__ import annotations

import copy

import pytest

from kroll.api.kinds import strategy_for

S = strategy_for("replicasets.apps")


def replicaset(**spec: object) -> dict:
    obj = {"metadata": {"name": "web-abc", "namespace": "default"},
           "spec": {"selector": {"matchLabels": {"app": "web", "pod-template-hash": "abc"}},
                    "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    obj["spec"].update(spec)
    S.default(obj)
    return obj


def messages(obj: dict, old: dict | None = None) -> list[str]:
    return [e.message() for e in S.validate(obj, old)]


def test_defaults_and_create_status() -> None:
    obj = replicaset()
    S.prepare_create(obj)
    assert obj["spec"]["replicas"] == 1
    assert obj["status"] == {"replicas": 0}
    assert messages(obj) == []
    assert S.field_values(obj)["status.replicas"] == "0"


@pytest.mark.parametrize(("spec", "want"), [
    ({"replicas": -2}, ["spec.replicas: Invalid value: -2: must be greater than or equal to 0"]),
    ({"minReadySeconds": -2}, ["spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0"]),
    ({"selector": {"matchLabels": {}}},
     ['spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for deployment']),
])
def test_validate(spec: dict, want: list[str]) -> None:
    assert messages(replicaset(**spec)) == want


def test_selector_immutable() -> None:
    old = replicaset()
    new = copy.deepcopy(old)
    new["spec"]["selector"]["matchLabels"].pop("pod-template-hash")
    assert messages(new, old) == ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']


def test_status() -> None:
    old = replicaset()
    S.prepare_create(old)
    new = copy.deepcopy(old)
    new["status"] = {"readyReplicas": 1}
    S.prepare_status_update(new, old)
    assert new["status"] == {"readyReplicas": 1, "replicas": 0}
    assert [e.message() for e in S.validate_status(new, old)] == [
        "status.readyReplicas: Invalid value: 1: cannot be greater than status.replicas"]
    new["status"] = {"replicas": 2, "fullyLabeledReplicas": 3, "availableReplicas": 1, "readyReplicas": 1}
    assert [e.message() for e in S.validate_status(new, old)] == [
        "status.fullyLabeledReplicas: Invalid value: 3: cannot be greater than status.replicas"]


def test_generation_only_on_spec() -> None:
    old = replicaset()
    new = copy.deepcopy(old)
    new["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "2"}
    assert not S.generation_changed(new, old)
    new["spec"]["replicas"] = 0
    assert S.generation_changed(new, old)
