"""Unknown and duplicate fields for fieldValidation=Strict|Warn, and their messages."""

from __future__ import annotations

import copy
import time
from typing import Any

import orjson
import pytest

from kroll.api import fieldvalidation as fv


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "labels": {"app": "web", "anything/goes": "x"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"a":1}'},
            "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "o", "uid": "u", "controller": True}],
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Update",
                    "apiVersion": "apps/v1",
                    "time": "2026-01-01T00:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {'k:{"name":"c"}': {}}}},
                }
            ],
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "a", "operator": "Exists"}]},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"kubectl.kubernetes.io/restartedAt": "now"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.25",
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}],
                            "env": [
                                {"name": "A", "value": "1"},
                                {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                            ],
                            "resources": {
                                "limits": {"cpu": "500m", "memory": "128Mi", "example.com/gpu": 1},
                                "requests": {"cpu": 0.1},
                            },
                            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 10},
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                        },
                        {"name": "side", "image": "busybox", "args": ["sleep", "3600"], "resources": {}},
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}}],
                    "nodeSelector": {"disk": "ssd"},
                    "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
                    "securityContext": {},
                },
            },
        },
        "status": {
            "replicas": 3,
            "conditions": [{"type": "Available", "status": "True", "lastUpdateTime": "2026-01-01T00:00:00Z"}],
        },
    }


def with_field(path: str, value: Any = "x") -> dict[str, Any]:
    """deployment() with `value` set at a dotted path (`[i]` selects list elements)."""
    obj = deployment()
    node: Any = obj
    parts = path.split(".")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        node = node[name]
        if index:
            node = node[int(index[:-1])]
    node[parts[-1]] = value
    return obj


def test_known_deployment_has_no_unknown_fields():
    assert fv.unknown_fields(deployment(), "apps/v1", "Deployment") == []


@pytest.mark.parametrize(
    "path",
    [
        "spec.foo",
        "foo",
        "metadata.foo",
        "status.foo",
        "spec.template.spec.containers[0].imagee",
        "spec.template.spec.containers[1].resources.foo",
        "spec.template.spec.containers[0].env[1].valueFrom.fieldRef.foo",
        "spec.template.spec.containers[0].ports[0].hostport",
        "spec.template.spec.volumes[1].configMap.foo",
        "spec.strategy.rollingUpdate.maxUnaivailable",
        "spec.selector.matchExpressions[0].foo",
        "metadata.ownerReferences[0].foo",
        "metadata.managedFields[0].foo",
        "status.conditions[0].foo",
        "spec.template.spec.Containers",
    ],
)
def test_unknown_field_paths(path):
    assert fv.unknown_fields(with_field(path), "apps/v1", "Deployment") == [path]


def test_several_unknown_fields_in_document_order():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    obj["spec"]["foo"] = {"bar": 1}  # the subtree of an unknown field is not reported again
    obj["zzz"] = 1
    assert fv.unknown_fields(obj, "apps/v1", "Deployment") == [
        "spec.template.spec.containers[0].imagee",
        "spec.foo",
        "zzz",
    ]


@pytest.mark.parametrize(
    ("api_version", "kind", "obj"),
    [
        # map keys are never fields
        ("v1", "ConfigMap", {"data": {"any key": "v", "x.y/z": "w"}, "binaryData": {"k": "AAAA"}}),
        ("v1", "Pod", {"spec": {"nodeSelector": {"whatever": "x"}, "overhead": {"cpu": "1"}}}),
        # free-form
        (
            "apps/v1",
            "ControllerRevision",
            {"revision": 2, "data": {"spec": {"template": {"$patch": "replace", "anything": [{"at": "all"}]}}}},
        ),
        ("v1", "Event", {"involvedObject": {"kind": "Pod", "name": "p"}, "reason": "R", "count": 1}),
        ("events.k8s.io/v1", "Event", {"regarding": {"kind": "Pod"}, "note": "n", "reason": "R"}),
        ("coordination.k8s.io/v1", "Lease", {"spec": {"holderIdentity": "x", "leaseDurationSeconds": 15}}),
        ("v1", "Node", {"status": {"capacity": {"cpu": "4", "pods": "110"}, "nodeInfo": {"kubeletVersion": "v1"}}}),
    ],
)
def test_free_form_and_map_values_are_not_unknown(api_version, kind, obj):
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, **obj}
    assert fv.unknown_fields(obj, api_version, kind) == []


def test_wrong_types_are_not_unknown_fields():
    obj = deployment()
    obj["spec"]["template"] = "not an object"
    obj["spec"]["selector"] = ["a", "list"]
    obj["metadata"]["labels"] = {"a": {"nested": "object"}}
    assert fv.unknown_fields(obj, "apps/v1", "Deployment") == []


def test_unknown_kind_has_no_unknown_fields():
    assert fv.unknown_fields({"spec": {"x": 1}}, "example.com/v1", "Widget") == []


def test_prune_unknown_fields():
    obj = deployment()
    obj["spec"]["foo"] = 1
    obj["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    pruned = fv.prune_unknown_fields(obj, "apps/v1", "Deployment")
    assert pruned == deployment()
    assert "foo" in obj["spec"]  # the input is untouched
    clean = deployment()
    assert fv.prune_unknown_fields(clean, "apps/v1", "Deployment") is clean


def test_unknown_fields_is_fast():
    obj = deployment()
    assert 1500 < len(orjson.dumps(obj)) < 4000
    fv.unknown_fields(obj, "apps/v1", "Deployment")  # compile
    n = 200
    start = time.perf_counter()
    for _ in range(n):
        fv.unknown_fields(obj, "apps/v1", "Deployment")
    per_call = (time.perf_counter() - start) / n
    assert per_call < 0.001


# ---------------------------------------------------------------------------
# Duplicate fields


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a":1,"b":2}', []),
        (b'{"a":1,"a":2}', ["a"]),
        (b'{"a":1,"a":2,"a":3}', ["a", "a"]),
        (b'{"spec":{"replicas":1,"paused":true,"replicas":2}}', ["spec.replicas"]),
        (b'{"spec":{"c":[{"name":"a"},{"name":"b","image":"x","image":"y"}]}}', ["spec.c[1].image"]),
        (b'{"metadata":{"labels":{"a":"1","a":"2"}}}', ["metadata.labels.a"]),
        (b'{"a":{"x":1},"a":{"x":1,"x":2}}', ["a", "a.x"]),
        # colons in strings and keys do not confuse the fast path
        (b'{"image":"nginx:1.25","t":"2026-01-01T00:00:00Z","k:{\\"name\\":\\"c\\"}":{}}', []),
        (b'{"image":"nginx:1.25","image":"x:y"}', ["image"]),
        # \u escapes take the slow path
        (b'{"a":"\\u003a","a":"b"}', ["a"]),
        (b'{"a\\u003a":1}', []),
        (b'[{"a":1},{"a":1,"a":2}]', ["[1].a"]),
        (b"not json", []),
        (b"", []),
    ],
)
def test_duplicate_fields(raw, expected):
    assert fv.duplicate_fields(raw) == expected
    assert fv.duplicate_fields(raw.decode()) == expected


def test_duplicate_fields_with_pre_parsed_body():
    raw = orjson.dumps(deployment())
    assert fv.duplicate_fields(raw, orjson.loads(raw)) == []
    dup = raw.replace(b'"replicas":3,', b'"replicas":3,"replicas":4,', 1)
    assert fv.duplicate_fields(dup, orjson.loads(dup)) == ["spec.replicas"]


def test_duplicate_fields_big_body_fast_path_matches_slow_path():
    obj = deployment()
    obj["metadata"]["annotations"]["big"] = orjson.dumps(deployment()).decode()  # colons and quotes
    raw = orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    assert fv.duplicate_fields(raw) == []
    assert fv.duplicate_fields(raw.replace(b'"name": "web",', b'"name": "web",\n"name": "x",', 1)) == ["metadata.name"]


# ---------------------------------------------------------------------------
# Messages


def test_messages():
    errors = fv.field_errors(["spec.foo", "spec.template.spec.containers[0].imagee"], ["spec.replicas"])
    assert errors == [
        'unknown field "spec.foo"',
        'unknown field "spec.template.spec.containers[0].imagee"',
        'duplicate field "spec.replicas"',
    ]
    assert fv.strict_decoding_message(errors[:1]) == 'strict decoding error: unknown field "spec.foo"'
    assert (
        fv.strict_decoding_message(fv.field_errors(["a", "b"]))
        == 'strict decoding error: unknown field "a", unknown field "b"'
    )
    assert fv.warning_header('unknown field "spec.foo"') == '299 - "unknown field \\"spec.foo\\""'
    assert fv.warning_headers(fv.field_errors(["a"], ["b"])) == [
        '299 - "unknown field \\"a\\""',
        '299 - "duplicate field \\"b\\""',
    ]
    assert fv.warning_header("back\\slash\nnewline") == '299 - "back\\\\slash newline"'


def test_inputs_untouched():
    obj = deployment()
    obj["spec"]["foo"] = 1
    before = copy.deepcopy(obj)
    fv.unknown_fields(obj, "apps/v1", "Deployment")
    fv.prune_unknown_fields(obj, "apps/v1", "Deployment")
    assert obj == before
