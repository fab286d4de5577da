"""StatefulSet strategy (pkg/apis/apps/v1/defaults.go, pkg/registry/apps/statefulset)."""

from __future__ import annotations

import copy

import pytest

from kroll.api.kinds import strategy_for
from kroll.api.kinds.statefulset import FORBIDDEN_UPDATE_MSG

S = strategy_for("statefulsets.apps")


def statefulset(**spec: object) -> dict:
    obj = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    obj["spec"].update(spec)
    S.default(obj)
    return obj


def messages(obj: dict, old: dict | None = None) -> list[str]:
    return [e.message() for e in S.validate(obj, old)]


def test_defaults() -> None:
    obj = statefulset()
    S.prepare_create(obj)
    spec = obj["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["revisionHistoryLimit"] == 10
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": 1}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert obj["status"] == {"availableReplicas": 0, "replicas": 0}
    assert messages(obj) == []


@pytest.mark.parametrize(("strategy", "want"), [
    ({"type": "RollingUpdate"}, {"type": "RollingUpdate"}),
    ({"type": "RollingUpdate", "rollingUpdate": {}},
     {"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": 1}}),
    ({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
     {"type": "RollingUpdate", "rollingUpdate": {"partition": 2, "maxUnavailable": 1}}),
    ({"type": "OnDelete"}, {"type": "OnDelete"}),
    ({"rollingUpdate": {"partition": 3}}, {"type": "RollingUpdate", "rollingUpdate": {"partition": 3,
                                                                                      "maxUnavailable": 1}}),
])
def test_update_strategy_defaults(strategy: dict, want: dict) -> None:
    assert statefulset(updateStrategy=strategy)["spec"]["updateStrategy"] == want


def test_volume_claim_templates_defaulted() -> None:
    obj = statefulset(volumeClaimTemplates=[{"metadata": {"name": "www"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}])
    assert obj["spec"]["volumeClaimTemplates"][0] == {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "www"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                 "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"}}


@pytest.mark.parametrize(("spec", "want"), [
    ({"podManagementPolicy": "Random"},
     ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'']),
    ({"updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}},
     ['spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy '
      "'RollingUpdate'"]),
    ({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": -1, "maxUnavailable": 0}}},
     ["spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
      "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"]),
    ({"updateStrategy": {"type": "Sometimes"}},
     ['spec.updateStrategy: Invalid value: {"RollingUpdate":null,"Type":"Sometimes"}: must be \'RollingUpdate\' '
      "or 'OnDelete'"]),
    ({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Keep", "whenScaled": "Retain"}},
     ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: '
      '"Retain", "Delete"']),
    ({"ordinals": {"start": -1}}, ["spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0"]),
    ({"selector": None}, ["spec.selector: Required value",
                          'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match '
                          "template `labels`"]),
    ({"selector": {}}, ["spec.selector: Invalid value: {}: empty selector is invalid for statefulset"]),
    ({"selector": {"matchExpressions": [{"key": "a", "operator": "X"}]}},
     ['spec.selector.matchExpressions[0].operator: Invalid value: "X": not a valid selector operator',
      'spec.selector: Invalid value: {"matchExpressions":[{"key":"a","operator":"X"}]}']),
])
def test_validate(spec: dict, want: list[str]) -> None:
    assert messages(statefulset(**spec)) == want


def test_template_pod_spec_not_validated_but_restart_policy_is() -> None:
    obj = statefulset()
    obj["spec"]["template"]["spec"]["containers"] = [{"name": "c"}]
    obj["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    obj["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 3
    assert messages(obj) == [
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"]


def test_names_are_dns_labels() -> None:
    obj = statefulset()
    obj["metadata"]["name"] = "web.v1"
    assert messages(obj) == ['metadata.name: Invalid value: "web.v1": must not contain dots']


def test_update_restrictions() -> None:
    old = statefulset()
    ok = copy.deepcopy(old)
    ok["spec"].update(replicas=3, minReadySeconds=5, revisionHistoryLimit=2, ordinals={"start": 1},
                      updateStrategy={"type": "OnDelete"},
                      persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Retain"})
    ok["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    assert messages(ok, old) == []
    bad = copy.deepcopy(old)
    bad["spec"]["serviceName"] = "other"
    assert messages(bad, old) == [f"spec: Forbidden: {FORBIDDEN_UPDATE_MSG}"]
    assert FORBIDDEN_UPDATE_MSG == (
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
        "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")


def test_status() -> None:
    old = statefulset()
    S.prepare_create(old)
    new = copy.deepcopy(old)
    new["status"] = {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "currentReplicas": 2}
    S.prepare_status_update(new, old)
    assert [e.message() for e in S.validate_status(new, old)] == [
        "status.currentReplicas: Invalid value: 2: cannot be greater than status.replicas"]
