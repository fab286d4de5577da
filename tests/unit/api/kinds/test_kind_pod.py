"""Pod strategy: defaults, admission effects, create status, updates, field selectors."""

from __future__ import annotations

import copy

import pytest

from kroll.api import errors
from kroll.api.kinds import strategy_for
from kroll.api.kinds.pod import qos_class

S = strategy_for("pods")


def pod(**spec: object) -> dict:
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}
    obj["spec"].update(spec)
    return obj


def created(obj: dict) -> dict:
    obj = copy.deepcopy(obj)
    S.default(obj)
    S.prepare_create(obj)
    return obj


def test_bare_pod_as_kubectl_shows_it() -> None:
    obj = created(pod())
    assert obj["spec"] == {
        "containers": [{"image": "nginx", "imagePullPolicy": "Always", "name": "nginx", "resources": {},
                        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
             "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
             "tolerationSeconds": 300},
        ],
    }
    assert obj["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert S.validate(obj, None) == []


def test_existing_tolerations_respected() -> None:
    obj = created(pod(tolerations=[{"operator": "Exists"}]))
    assert obj["spec"]["tolerations"] == [{"operator": "Exists"}]
    obj = created(pod(tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                    "effect": "NoExecute", "tolerationSeconds": 10}]))
    assert [t["key"] for t in obj["spec"]["tolerations"]] == ["node.kubernetes.io/unreachable",
                                                              "node.kubernetes.io/not-ready"]


def test_priority_classes() -> None:
    obj = created(pod(priorityClassName="system-node-critical"))
    assert obj["spec"]["priority"] == 2000001000
    with pytest.raises(errors.ApiError) as exc:
        created(pod(priorityClassName="gold"))
    assert exc.value.code == 403
    assert exc.value.message == 'pods "web" is forbidden: no PriorityClass with name gold was found'
    with pytest.raises(errors.ApiError):
        created(pod(priority=5))


@pytest.mark.parametrize(("resources", "qos"), [
    ([{}], "BestEffort"),
    ([{"requests": {"cpu": "100m"}}], "Burstable"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}}], "Guaranteed"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}], "Burstable"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}}, {}], "Burstable"),
    ([{"requests": {"example.com/gpu": "1"}}], "BestEffort"),
])
def test_qos(resources: list[dict], qos: str) -> None:
    obj = pod(containers=[{"name": f"c{i}", "image": "x", "resources": r} for i, r in enumerate(resources)])
    S.default(obj)
    assert qos_class(obj) == qos


def test_scheduling_gates_condition() -> None:
    obj = created(pod(schedulingGates=[{"name": "example.com/wait"}]))
    assert obj["status"]["conditions"][0]["reason"] == "SchedulingGated"


def test_update_rules() -> None:
    old = created(pod())
    image = copy.deepcopy(old)
    image["spec"]["containers"][0]["image"] = "nginx:2"
    S.default(image)
    S.prepare_update(image, old)
    assert S.validate(image, old) == []
    ports = copy.deepcopy(old)
    ports["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    S.default(ports)
    errs = S.validate(ports, old)
    assert [(e.type, e.field) for e in errs] == [("Forbidden", "spec")]
    empty = copy.deepcopy(old)
    empty["spec"]["containers"][0]["image"] = ""
    assert [e.message() for e in S.validate(empty, old)] == ["spec.containers[0].image: Required value"]


def test_update_keeps_status() -> None:
    old = created(pod())
    old["status"] = {"phase": "Running", "podIP": "10.0.0.5"}
    new = copy.deepcopy(old)
    new["status"] = {"phase": "Failed"}
    S.prepare_update(new, old)
    assert new["status"] == old["status"]


def test_field_values() -> None:
    obj = created(pod(nodeName="n1"))
    obj["status"] = {"phase": "Running", "podIPs": [{"ip": "10.0.0.9"}], "podIP": "10.0.0.9"}
    values = S.field_values(obj)
    assert values == {
        "metadata.name": "web", "metadata.namespace": "default", "spec.nodeName": "n1",
        "spec.restartPolicy": "Always", "spec.schedulerName": "default-scheduler",
        "spec.serviceAccountName": "default", "spec.hostNetwork": "false", "status.phase": "Running",
        "status.podIP": "10.0.0.9", "status.nominatedNodeName": "",
    }
    assert set(S.field_values({"metadata": {}})) == set(values)


def test_status_validation() -> None:
    old = created(pod())
    new = copy.deepcopy(old)
    new["status"] = {"phase": "Running", "podIPs": [{"ip": "nope"}], "nominatedNodeName": "Bad_Node"}
    S.prepare_status_update(new, old)
    got = [e.message() for e in S.validate_status(new, old)]
    assert got[0].startswith('status.nominatedNodeName: Invalid value: "Bad_Node"')
    assert got[1] == ('status.podIPs[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or '
                      "2001:db8::ffff)")
