"""DaemonSet strategy: defaults, validation, the template-generation annotation."""

from __future__ import annotations

import copy

import pytest

from kroll.api.kinds import strategy_for
from kroll.api.kinds.daemonset import TEMPLATE_GENERATION

S = strategy_for("daemonsets.apps")


def daemonset(**spec: object) -> dict:
    obj = {"metadata": {"name": "agent", "namespace": "kube-system"},
           "spec": {"selector": {"matchLabels": {"app": "agent"}},
                    "template": {"metadata": {"labels": {"app": "agent"}},
                                 "spec": {"containers": [{"name": "c", "image": "agent:1"}]}}}}
    obj["spec"].update(spec)
    S.default(obj)
    return obj


def created(**spec: object) -> dict:
    obj = daemonset(**spec)
    S.prepare_create(obj)
    return obj


def messages(obj: dict, old: dict | None = None) -> list[str]:
    return [e.message() for e in S.validate(obj, old)]


def test_defaults() -> None:
    obj = created()
    assert obj["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                             "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert obj["spec"]["revisionHistoryLimit"] == 10
    assert obj["metadata"]["annotations"] == {TEMPLATE_GENERATION: "1"}
    assert obj["status"] == {"currentNumberScheduled": 0, "desiredNumberScheduled": 0, "numberMisscheduled": 0,
                             "numberReady": 0}
    assert messages(obj) == []
    assert created(updateStrategy={"type": "OnDelete"})["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_template_generation_on_update() -> None:
    old = created()
    same = copy.deepcopy(old)
    same["metadata"]["annotations"][TEMPLATE_GENERATION] = "7"  # users cannot set it
    same["spec"]["minReadySeconds"] = 5
    S.default(same)
    S.prepare_update(same, old)
    assert same["metadata"]["annotations"][TEMPLATE_GENERATION] == "1"
    assert S.generation_changed(same, old)
    changed = copy.deepcopy(old)
    changed["metadata"].pop("annotations")
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    S.default(changed)
    S.prepare_update(changed, old)
    assert changed["metadata"]["annotations"][TEMPLATE_GENERATION] == "2"
    status = copy.deepcopy(changed)
    status["metadata"]["annotations"][TEMPLATE_GENERATION] = "9"
    S.prepare_status_update(status, changed)
    assert status["metadata"]["annotations"][TEMPLATE_GENERATION] == "2"


@pytest.mark.parametrize(("spec", "want"), [
    ({"selector": None},
     ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`']),
    ({"selector": {}}, ["spec.selector: Invalid value: {}: empty selector is invalid for daemonset"]),
    ({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}},
     ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is "
      "non-zero"]),
    ({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}},
     ["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"]),
    ({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "200%", "maxSurge": 0}}},
     ['spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "200%": must not be greater than 100%']),
    ({"updateStrategy": {"type": "Never"}},
     ['spec.updateStrategy: Unsupported value: {"RollingUpdate":null,"Type":"Never"}: supported values: '
      '"RollingUpdate", "OnDelete"']),
    ({"minReadySeconds": -1}, ["spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0"]),
])
def test_validate(spec: dict, want: list[str]) -> None:
    assert messages(daemonset(**spec)) == want


def test_template_validated() -> None:
    obj = daemonset()
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    obj["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 10
    assert messages(obj) == [
        "spec.template.spec.containers[0].image: Required value",
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported"]


def test_selector_immutable() -> None:
    old = created()
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "agent", "x": "y"}}
    new["spec"]["template"]["metadata"]["labels"]["x"] = "y"
    assert messages(new, old) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"agent", "x":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']


def test_status() -> None:
    old = created()
    new = copy.deepcopy(old)
    new["status"] = {"numberReady": -1, "collisionCount": 0}
    old["status"]["collisionCount"] = 1
    S.prepare_status_update(new, old)
    assert [e.message() for e in S.validate_status(new, old)] == [
        "status.numberReady: Invalid value: -1: must be greater than or equal to 0",
        "status.collisionCount: Invalid value: 0: cannot be decremented"]
