"""Deployment strategy: defaults, validation, generation (pkg/registry/apps/deployment)."""

from __future__ import annotations

import copy

import pytest

from kroll.api import errors
from kroll.api.kinds import strategy_for

S = strategy_for("deployments.apps")


def deployment(**spec: object) -> dict:
    base = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}},
    }
    base["spec"].update(spec)
    return base


def created(obj: dict) -> dict:
    obj = copy.deepcopy(obj)
    S.default(obj)
    S.prepare_create(obj)
    return obj


def messages(obj: dict, old: dict | None = None) -> list[str]:
    return [e.message() for e in S.validate(obj, old)]


def test_defaults() -> None:
    obj = created(deployment())
    spec = obj["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert "minReadySeconds" not in spec and "paused" not in spec
    assert spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert obj["status"] == {}
    assert messages(obj) == []


def test_defaults_recreate_and_partial_rolling_update() -> None:
    assert created(deployment(strategy={"type": "Recreate"}))["spec"]["strategy"] == {"type": "Recreate"}
    ru = created(deployment(strategy={"rollingUpdate": {"maxSurge": 1}}))["spec"]["strategy"]
    assert ru == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}


def test_defaults_idempotent_across_create_update_patch() -> None:
    once = created(deployment())
    twice = copy.deepcopy(once)
    S.default(twice)
    assert twice == once


T = "spec.template"


@pytest.mark.parametrize(("spec", "want"), [
    ({"replicas": -1}, ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]),
    ({"replicas": "three"}, ['spec.replicas: Invalid value: "three": must be of type integer']),
    ({"selector": None}, ["spec.selector: Required value",
                          f'{T}.metadata.labels: Invalid value: map[string]string{{"app":"web"}}: `selector` does not match template '
                          "`labels`"]),
    ({"selector": {}}, ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]),
    ({"selector": {"matchLabels": {"app": "other"}}},
     [f'{T}.metadata.labels: Invalid value: map[string]string{{"app":"web"}}: `selector` does not match template `labels`']),
    ({"selector": {"matchExpressions": [{"key": "app", "operator": "Is", "values": ["web"]}]}},
     ['spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
      'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Is","values":["web"]}]}: '
      "invalid label selector"]),
    ({"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}},
     ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]),
    ({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}},
     ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"]),
    ({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}}},
     ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']),
    ({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "110%"}}},
     ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%']),
    ({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "x", "maxUnavailable": -1}}},
     ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0",
      'spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": a valid percent string must be a numeric string '
      "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]),
    ({"strategy": {"type": "BlueGreen"}},
     ['spec.strategy: Unsupported value: {"RollingUpdate":null,"Type":"BlueGreen"}: supported values: '
      '"Recreate", "RollingUpdate"']),
    ({"minReadySeconds": 700}, ["spec.progressDeadlineSeconds: Invalid value: 600: must be greater than "
                                "minReadySeconds"]),
    ({"minReadySeconds": -1}, ["spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0"]),
    ({"revisionHistoryLimit": -1},
     ["spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"]),
])
def test_validate_spec(spec: dict, want: list[str]) -> None:
    obj = deployment(**spec)
    S.default(obj)
    assert messages(obj) == want


@pytest.mark.parametrize(("template_spec", "want"), [
    ({"restartPolicy": "Never"}, [f'{T}.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']),
    ({"activeDeadlineSeconds": 5},
     [f"{T}.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"]),
    ({"containers": [{"name": "nginx"}]}, [f"{T}.spec.containers[0].image: Required value"]),
])
def test_validate_template(template_spec: dict, want: list[str]) -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"].update(template_spec)
    S.default(obj)
    assert messages(obj) == want


def test_invalid_object_message() -> None:
    obj = deployment(replicas=-1)
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    S.default(obj)
    err = errors.invalid_object("Deployment", "apps", "web", S.validate(obj, None))
    assert err.message == ('Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater '
                           "than or equal to 0, spec.template.spec.containers[0].image: Required value]")


def test_name_validation() -> None:
    obj = created(deployment())
    obj["metadata"]["name"] = "Web"
    assert messages(obj)[0].startswith('metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain')


def test_selector_immutable_on_update() -> None:
    old = created(deployment())
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "x"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    assert messages(new, old) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']


def test_update_keeps_status_and_bumps_generation_on_spec_or_annotations() -> None:
    old = created(deployment())
    old["status"] = {"replicas": 1, "observedGeneration": 1}
    new = copy.deepcopy(old)
    new["status"] = {"replicas": 99}
    S.default(new)
    S.prepare_update(new, old)
    assert new["status"] == {"replicas": 1, "observedGeneration": 1}
    assert not S.generation_changed(new, old)
    labels = copy.deepcopy(old)
    labels["metadata"]["labels"]["x"] = "y"
    assert not S.generation_changed(labels, old)
    annotated = copy.deepcopy(old)
    annotated["metadata"]["annotations"] = {"kubernetes.io/change-cause": "x"}
    assert S.generation_changed(annotated, old)
    scaled = copy.deepcopy(old)
    scaled["spec"]["replicas"] = 3
    assert S.generation_changed(scaled, old)
    empty_annotations = copy.deepcopy(old)
    empty_annotations["metadata"]["annotations"] = {}
    assert not S.generation_changed(empty_annotations, old)


def test_status_validation() -> None:
    old = created(deployment())
    old["status"] = {"collisionCount": 2}
    new = copy.deepcopy(old)
    new["status"] = {"replicas": 1, "readyReplicas": 2, "availableReplicas": 3, "collisionCount": 1,
                     "unavailableReplicas": -1}
    S.prepare_status_update(new, old)
    assert [e.message() for e in S.validate_status(new, old)] == [
        "status.unavailableReplicas: Invalid value: -1: must be greater than or equal to 0",
        "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
        "status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas",
        "status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas",
        "status.collisionCount: Invalid value: 1: cannot be decremented",
    ]


def test_status_update_resets_spec_and_labels() -> None:
    old = created(deployment())
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 7
    new["metadata"]["labels"] = {"changed": "yes"}
    new["metadata"]["annotations"] = {"a": "b"}
    new["status"] = {"replicas": 1}
    S.prepare_status_update(new, old)
    assert new["spec"] == old["spec"]
    assert new["metadata"]["labels"] == old["metadata"]["labels"]
    assert new["metadata"]["annotations"] == {"a": "b"}
    assert new["status"] == {"replicas": 1}


@pytest.mark.parametrize("garbage", [None, "x", 1, [], {"template": "x", "strategy": 5, "selector": []},
                                     {"strategy": {"type": "RollingUpdate", "rollingUpdate": "x"}}])
def test_never_raises(garbage: object) -> None:
    obj = {"metadata": {"name": "x", "namespace": "d"}, "spec": garbage}
    S.default(obj)
    S.prepare_create(obj)
    S.validate(obj, None)
    S.validate(obj, copy.deepcopy(obj))
    S.validate_status(obj, copy.deepcopy(obj))
