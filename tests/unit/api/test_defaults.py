"""Pod template and pod defaults: exactly what a 1.37 API server writes back."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroll.api import defaults as d


def defaulted_template(template: dict) -> dict:
    template = copy.deepcopy(template)
    d.default_pod_template(template)
    return template


def test_minimal_template() -> None:
    got = defaulted_template({"metadata": {"labels": {"app": "x"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}})
    assert got == {
        "metadata": {"labels": {"app": "x"}},
        "spec": {
            "containers": [{
                "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent", "name": "nginx", "resources": {},
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            }],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30,
        },
    }


def test_template_metadata_normalized() -> None:
    got = defaulted_template({"metadata": {"creationTimestamp": None, "labels": {"a": "b"}}, "spec": {}})
    assert got["metadata"] == {"labels": {"a": "b"}}
    assert defaulted_template({})["metadata"] == {}


def test_explicit_values_kept() -> None:
    spec = {"dnsPolicy": "Default", "restartPolicy": "OnFailure", "terminationGracePeriodSeconds": 0,
            "schedulerName": "mine", "securityContext": {"runAsUser": 1},
            "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Never",
                            "terminationMessagePath": "/tmp/x", "terminationMessagePolicy": "FallbackToLogsOnError",
                            "resources": {"requests": {"cpu": "100m"}}}]}
    got = defaulted_template({"spec": spec})["spec"]
    assert got == spec


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"),
    ("nginx:latest", "Always"),
    ("nginx:1.25", "IfNotPresent"),
    ("library/nginx", "Always"),
    ("registry.k8s.io/pause:3.10", "IfNotPresent"),
    ("localhost:5000/app", "Always"),
    ("localhost:5000/app:v1", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ("nginx:latest@sha256:" + "a" * 64, "Always"),
    ("nginx:1.25@sha256:" + "a" * 64, "IfNotPresent"),
    ("", "IfNotPresent"),
    ("NGINX", "IfNotPresent"),
    (None, "IfNotPresent"),
])
def test_image_pull_policy(image: object, policy: str) -> None:
    assert d.image_pull_policy(image) == policy


def test_container_details() -> None:
    c = {
        "name": "c", "image": "x:1",
        "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                {"name": "PLAIN", "value": "1"}],
        "livenessProbe": {"httpGet": {"port": 8080}},
        "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5},
        "startupProbe": {"grpc": {"port": 9000}},
        "lifecycle": {"preStop": {"httpGet": {"port": 80, "path": "/stop"}}},
        "resources": {"limits": {"cpu": "1000m", "memory": "1.5Gi"}, "requests": {"cpu": 0.25}},
    }
    d.default_container(c)
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP"}]
    assert c["env"][0]["valueFrom"]["fieldRef"] == {"apiVersion": "v1", "fieldPath": "spec.nodeName"}
    assert c["env"][1]["valueFrom"]["resourceFieldRef"] == {"divisor": "0", "resource": "limits.cpu"}
    assert c["env"][2] == {"name": "PLAIN", "value": "1"}
    assert c["livenessProbe"] == {"httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"}, "timeoutSeconds": 1,
                                  "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert c["readinessProbe"]["periodSeconds"] == 5
    assert c["startupProbe"]["grpc"] == {"port": 9000, "service": ""}
    assert c["lifecycle"]["preStop"]["httpGet"] == {"port": 80, "path": "/stop", "scheme": "HTTP"}
    assert c["resources"] == {"limits": {"cpu": "1", "memory": "1536Mi"}, "requests": {"cpu": "250m"}}


def test_volumes() -> None:
    spec = {"containers": [], "volumes": [
        {"name": "a"},
        {"name": "b", "secret": {"secretName": "s"}},
        {"name": "c", "configMap": {"name": "c", "defaultMode": 256}},
        {"name": "d", "hostPath": {"path": "/x"}},
        {"name": "e", "emptyDir": {"sizeLimit": "1024Mi"}},
        {"name": "f", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "g", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
    ]}
    d.default_pod_spec(spec)
    vols = {v["name"]: v for v in spec["volumes"]}
    assert vols["a"] == {"name": "a", "emptyDir": {}}
    assert vols["b"]["secret"] == {"secretName": "s", "defaultMode": 420}
    assert vols["c"]["configMap"]["defaultMode"] == 256
    assert vols["d"]["hostPath"] == {"path": "/x", "type": ""}
    assert vols["e"]["emptyDir"] == {"sizeLimit": "1Gi"}
    assert vols["f"]["downwardAPI"] == {"defaultMode": 420, "items": [
        {"path": "labels", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"}}]}
    assert vols["g"]["projected"] == {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}]}


def test_service_account_mirrored() -> None:
    spec = {"serviceAccountName": "robot", "containers": []}
    d.default_pod_spec(spec)
    assert spec["serviceAccount"] == "robot"
    old_style = {"serviceAccount": "legacy", "containers": []}
    d.default_pod_spec(old_style)
    assert old_style["serviceAccountName"] == "legacy"


def test_pod_extras() -> None:
    pod = {"spec": {"hostNetwork": True, "containers": [
        {"name": "c", "image": "x", "ports": [{"containerPort": 8080}],
         "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}, "requests": {"cpu": "100m"}}}]}}
    d.default_pod(pod)
    c = pod["spec"]["containers"][0]
    assert c["resources"]["requests"] == {"cpu": "100m", "memory": "64Mi"}
    assert c["ports"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"}]
    assert pod["spec"]["enableServiceLinks"] is True
    template = defaulted_template({"spec": {"containers": [{"name": "c", "image": "x",
                                                            "resources": {"limits": {"cpu": "1"}}}]}})
    assert "enableServiceLinks" not in template["spec"]
    assert "requests" not in template["spec"]["containers"][0]["resources"]


def test_pvc_template() -> None:
    claim = {"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                   "resources": {"requests": {"storage": "1024Mi"}}}}
    d.default_pvc_template(claim)
    assert claim == {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "www"},
                     "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                              "volumeMode": "Filesystem"},
                     "status": {"phase": "Pending"}}


@pytest.mark.parametrize("garbage", [None, 1, "x", [], {"spec": "x"}, {"spec": {"containers": "x"}},
                                     {"spec": {"containers": [1, None, {"ports": [5], "env": "x"}]}},
                                     {"spec": {"volumes": [3, {"secret": "x"}]}}])
def test_garbage_is_left_alone(garbage: object) -> None:
    d.default_pod_template(copy.deepcopy(garbage))
    d.default_pod(copy.deepcopy(garbage))


_container = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b"]), "image": st.sampled_from(["nginx", "nginx:1", "x@sha256:" + "1" * 64])},
    optional={
        "ports": st.lists(st.fixed_dictionaries({"containerPort": st.integers(1, 9)},
                                                optional={"protocol": st.sampled_from(["TCP", "UDP"])}), max_size=2),
        "resources": st.fixed_dictionaries({}, optional={
            "limits": st.dictionaries(st.sampled_from(["cpu", "memory"]),
                                      st.sampled_from(["1", "1000m", "0.5", "1Gi", "1024Mi", 2, "100u"])),
            "requests": st.dictionaries(st.sampled_from(["cpu", "memory"]), st.sampled_from(["1", "250m", "1.5Gi"])),
        }),
        "readinessProbe": st.fixed_dictionaries({"httpGet": st.fixed_dictionaries({"port": st.integers(1, 9)})},
                                                optional={"periodSeconds": st.integers(1, 9)}),
        "imagePullPolicy": st.sampled_from(["Always", "Never"]),
    },
)
_template = st.fixed_dictionaries(
    {"spec": st.fixed_dictionaries({"containers": st.lists(_container, min_size=1, max_size=2)}, optional={
        "restartPolicy": st.sampled_from(["Always", "Never"]),
        "volumes": st.lists(st.fixed_dictionaries({"name": st.just("v")}, optional={
            "secret": st.just({"secretName": "s"}), "configMap": st.just({"name": "c"})}), max_size=2),
        "serviceAccountName": st.just("robot"),
    })},
    optional={"metadata": st.fixed_dictionaries({}, optional={"labels": st.just({"app": "x"}),
                                                              "creationTimestamp": st.none()})},
)


@settings(max_examples=200, deadline=None)
@given(_template)
def test_defaults_idempotent(template: dict) -> None:
    once = defaulted_template(template)
    assert defaulted_template(once) == once
    pod = {"spec": copy.deepcopy(once["spec"])}
    d.default_pod(pod)
    again = copy.deepcopy(pod)
    d.default_pod(again)
    assert again == pod
