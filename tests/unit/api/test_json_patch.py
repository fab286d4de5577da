"""JSON patch (RFC 6902) application and kube-apiserver's error mapping."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kroll.api.errors import ApiError
from kroll.api.patch.json_patch import GENERIC_INVALID, MAX_OPERATIONS, apply_json_patch


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {
            "replicas": 1,
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "v2"}]},
            },
        },
    }


OK_CASES = [
    ([{"op": "replace", "path": "/spec/replicas", "value": 3}], ("spec", "replicas"), 3),
    ([{"op": "add", "path": "/spec/paused", "value": True}], ("spec", "paused"), True),
    ([{"op": "add", "path": "/spec/replicas", "value": 7}], ("spec", "replicas"), 7),
    ([{"op": "remove", "path": "/metadata/annotations"}], ("metadata",), {"name": "web"}),
    (
        [{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "d"}}],
        ("spec", "template", "spec", "containers"),
        [{"name": "c", "image": "v2"}, {"name": "d"}],
    ),
    (
        [{"op": "add", "path": "/spec/template/spec/containers/0", "value": {"name": "z"}}],
        ("spec", "template", "spec", "containers"),
        [{"name": "z"}, {"name": "c", "image": "v2"}],
    ),
    (
        [{"op": "test", "path": "/spec/replicas", "value": 1}, {"op": "replace", "path": "/spec/replicas", "value": 2}],
        ("spec", "replicas"),
        2,
    ),
    ([{"op": "copy", "from": "/metadata/name", "path": "/metadata/generateName"}], ("metadata", "generateName"), "web"),
    ([{"op": "move", "from": "/spec/replicas", "path": "/spec/count"}], ("spec", "count"), 1),
    # escaped pointer segments (annotation keys with "/")
    (
        [{"op": "replace", "path": "/metadata/annotations/deployment.kubernetes.io~1revision", "value": "3"}],
        ("metadata", "annotations"),
        {"deployment.kubernetes.io/revision": "3"},
    ),
    ([], ("spec", "replicas"), 1),
]


def dig(obj: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        obj = obj[p]
    return obj


@pytest.mark.parametrize(("ops", "path", "expected"), OK_CASES)
def test_apply(ops, path, expected):
    original = deployment()
    out = apply_json_patch(original, ops)
    assert dig(out, path) == expected
    assert original == deployment()


def test_rollout_undo_patch():
    """kubectl rollout undo deployment: replace the template and the annotations."""
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "v1"}]}}
    ops = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": {"deployment.kubernetes.io/revision": "1"}},
    ]
    out = apply_json_patch(deployment(), ops)
    assert out["spec"]["template"] == template
    assert out["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    template["spec"]["containers"][0]["image"] = "mutated"
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "v1"


INVALID_CASES = [
    [{"op": "replace", "path": "/spec/missing", "value": 1}],
    [{"op": "remove", "path": "/spec/missing"}],
    [{"op": "add", "path": "/spec/no/such/parent", "value": 1}],
    [{"op": "test", "path": "/spec/replicas", "value": 2}],
    [{"op": "test", "path": "/spec/replicas", "value": "1"}],
    [{"op": "bogus", "path": "/spec/replicas"}],
    [{"path": "/spec/replicas", "value": 1}],
    [{"op": "add", "value": 1}],
    [{"op": "add", "path": "spec", "value": 1}],
    [{"op": "add", "path": "/spec/replicas/x", "value": 1}],
    [{"op": "add", "path": "/spec/template/spec/containers/9", "value": {}}],
    [{"op": "replace", "path": "/spec/template/spec/containers/x", "value": {}}],
    [{"op": "move", "from": "/spec/missing", "path": "/spec/x"}],
    [{"op": 5, "path": "/spec/replicas"}],
    [{"op": "replace", "path": "", "value": [1, 2]}],
    [{"op": "replace", "path": "/spec/replicas", "value": 2}, {"op": "remove", "path": "/nope"}],
]


@pytest.mark.parametrize("ops", INVALID_CASES)
def test_apply_failures_are_generic_422(ops):
    original = deployment()
    with pytest.raises(ApiError) as e:
        apply_json_patch(original, ops)
    status = e.value.status()
    assert (status["code"], status["reason"], status["message"]) == (422, "Invalid", GENERIC_INVALID)
    assert status["details"] == {}
    assert original == deployment()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"op": "add", "path": "/a", "value": 1},
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        ),
        ("x", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        (5, "json: cannot unmarshal number into Go value of type jsonpatch.Patch"),
        ([1], "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
        (["op"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
        ([[]], "json: cannot unmarshal array into Go value of type jsonpatch.Operation"),
    ],
)
def test_bodies_that_are_not_a_list_of_operations_are_400(body, message):
    with pytest.raises(ApiError) as e:
        apply_json_patch(deployment(), body)
    assert (e.value.code, e.value.reason, e.value.message) == (400, "BadRequest", message)


def test_null_body_is_an_empty_patch():
    assert apply_json_patch(deployment(), None) == deployment()


def test_too_many_operations_is_413():
    ops = [{"op": "test", "path": "/spec/replicas", "value": 1}] * (MAX_OPERATIONS + 1)
    with pytest.raises(ApiError) as e:
        apply_json_patch(deployment(), ops)
    assert (e.value.code, e.value.reason) == (413, "RequestEntityTooLarge")
    assert e.value.message.endswith(f"got {MAX_OPERATIONS + 1}")


def test_ops_are_not_mutated():
    value = {"name": "d", "env": [{"name": "A"}]}
    ops = [{"op": "add", "path": "/spec/template/spec/containers/-", "value": value}]
    ops_copy = copy.deepcopy(ops)
    out = apply_json_patch(deployment(), ops)
    out["spec"]["template"]["spec"]["containers"][1]["env"].append({"name": "B"})
    assert ops == ops_copy
