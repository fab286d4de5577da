"""Strategic merge patch: schema-driven list merging, directives, ordering, errors.

Cases are written for this project; the semantics they pin down follow apimachinery's
`strategicpatch` behaviour (merge by key, directive handling, element order) and what
kubectl 1.37 actually sends.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroll.api import schema
from kroll.api.errors import ApiError
from kroll.api.patch.merge import merge_patch
from kroll.api.patch.strategic import strategic_merge_patch


def smp(original: dict[str, Any], patch: Any, api_version: str = "apps/v1", kind: str = "Deployment") -> dict[str, Any]:
    return strategic_merge_patch(original, patch, api_version=api_version, kind=kind)


def pod(spec: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata or {"name": "p"}, "spec": spec or {}}


def pod_smp(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    return smp(original, patch, "v1", "Pod")


def names(items: list[dict[str, Any]]) -> list[str]:
    return [i["name"] for i in items]


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "C",
            "labels": {"app": "web"},
            "finalizers": ["example.com/a"],
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "X", "name": "owner-u", "uid": "U"},
                {"apiVersion": "v1", "kind": "X", "name": "owner-v", "uid": "V"},
            ],
        },
        "spec": {
            "replicas": 2,
            "paused": True,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"a": "1"}},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "nginx:1",
                            "args": ["--x", "--y"],
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        },
                        {"name": "sidecar", "image": "busybox"},
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}],
                    "tolerations": [{"key": "k", "operator": "Exists"}],
                },
            },
        },
    }


# ---------------------------------------------------------------------------
# Schema patch metadata that the rest relies on


@pytest.mark.parametrize(
    ("api_version", "kind", "path", "is_list", "strategy", "merge_key"),
    [
        ("apps/v1", "Deployment", "spec.template.spec.containers", True, "merge", "name"),
        ("apps/v1", "Deployment", "spec.template.spec.initContainers", True, "merge", "name"),
        ("apps/v1", "Deployment", "spec.template.spec.containers.env", True, "merge", "name"),
        ("apps/v1", "Deployment", "spec.template.spec.containers.ports", True, "merge", "containerPort"),
        ("apps/v1", "Deployment", "spec.template.spec.containers.volumeMounts", True, "merge", "mountPath"),
        ("apps/v1", "Deployment", "spec.template.spec.volumes", True, "merge,retainKeys", "name"),
        ("apps/v1", "Deployment", "spec.template.spec.imagePullSecrets", True, "merge", "name"),
        ("apps/v1", "Deployment", "metadata.ownerReferences", True, "merge", "uid"),
        ("apps/v1", "Deployment", "metadata.finalizers", True, "merge", None),
        ("apps/v1", "Deployment", "status.conditions", True, "merge", "type"),
        ("apps/v1", "Deployment", "spec.strategy", False, "retainKeys", None),
        ("apps/v1", "Deployment", "spec.template.spec.tolerations", True, "", None),
        ("apps/v1", "Deployment", "spec.template.spec.containers.args", True, "", None),
        ("apps/v1", "Deployment", "spec.template.spec.containers.command", True, "", None),
        ("apps/v1", "Deployment", "spec.template.spec.containers.envFrom", True, "", None),
        ("apps/v1", "Deployment", "spec.selector.matchExpressions", True, "", None),
        ("v1", "Pod", "status.conditions", True, "merge", "type"),
    ],
)
def test_patch_meta(api_version, kind, path, is_list, strategy, merge_key):
    meta = schema.patch_meta(api_version, kind, path.split("."))
    assert meta is not None
    assert (meta.is_list, meta.strategy, meta.merge_key) == (is_list, strategy, merge_key)


def test_patch_meta_maps_free_form_and_unknown():
    labels = schema.patch_meta("apps/v1", "Deployment", ["metadata", "labels"])
    assert labels is not None and labels.is_map and not labels.is_list
    data = schema.patch_meta("apps/v1", "ControllerRevision", ["data"])
    assert data is not None and data.element.kind == schema.ANY
    unknown = schema.patch_meta("apps/v1", "Deployment", ["spec", "nope"])
    assert unknown is not None and unknown.element.kind == schema.UNKNOWN
    assert schema.patch_meta("example.com/v1", "Widget", ["spec"]) is None
    assert schema.definition_for_kind("apps/v1", "Deployment") == "io.k8s.api.apps.v1.Deployment"
    assert schema.definition_for_kind("events.k8s.io/v1", "Event") == "io.k8s.api.events.v1.Event"
    assert schema.definition_for_kind("v1", "Event") == "io.k8s.api.core.v1.Event"
    assert schema.resolve("#/$defs/io.k8s.api.apps.v1.Deployment") is schema.resolve("io.k8s.api.apps.v1.Deployment")


# ---------------------------------------------------------------------------
# What kubectl sends


def test_kubectl_set_image_with_set_element_order():
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "c"}, {"name": "sidecar"}],
                    "containers": [{"image": "nginx:2", "name": "c"}],
                }
            }
        }
    }
    out = smp(deployment(), patch)
    containers = out["spec"]["template"]["spec"]["containers"]
    assert names(containers) == ["c", "sidecar"]
    assert containers[0]["image"] == "nginx:2"
    # everything else in the container is kept
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert containers[0]["args"] == ["--x", "--y"]


def test_kubectl_apply_set_element_order_single_container():
    original = deployment()
    original["spec"]["template"]["spec"]["containers"] = [{"name": "c", "image": "nginx:1"}]
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "c"}],
                    "containers": [{"image": "nginx:2", "name": "c"}],
                }
            }
        }
    }
    out = smp(original, patch)
    assert out["spec"]["template"]["spec"]["containers"] == [{"name": "c", "image": "nginx:2"}]
    assert "$setElementOrder/containers" not in out["spec"]["template"]["spec"]


def test_kubectl_apply_three_way_patch():
    """The patch kubectl 1.37 computed (against our OpenAPI document) when a manifest dropped a
    container and an env var and switched the strategy to Recreate."""
    original = deployment()
    original["spec"]["template"]["spec"]["containers"] = [
        {"name": "c", "image": "nginx:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "d", "image": "busybox"},
    ]
    patch = {
        "spec": {
            "strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"},
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "c"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "A"}],
                            "env": [{"$patch": "delete", "name": "B"}],
                            "image": "nginx:2",
                            "name": "c",
                        },
                        {"$patch": "delete", "name": "d"},
                    ],
                }
            },
        }
    }
    out = smp(original, patch)
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    assert out["spec"]["template"]["spec"]["containers"] == [
        {"name": "c", "image": "nginx:2", "env": [{"name": "A", "value": "1"}]}
    ]


def test_daemonset_rollback_replaces_whole_template():
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "ds"},
        "spec": {
            "selector": {"matchLabels": {"app": "ds"}},
            "template": {
                "metadata": {"labels": {"app": "ds", "extra": "x"}, "annotations": {"gone": "yes"}},
                "spec": {"containers": [{"name": "c", "image": "v2", "args": ["a"]}, {"name": "d", "image": "d"}]},
            },
        },
    }
    patch = {
        "spec": {
            "template": {
                "$patch": "replace",
                "metadata": {"creationTimestamp": None, "labels": {"app": "ds"}},
                "spec": {"containers": [{"name": "c", "image": "v1", "resources": {}}]},
            }
        }
    }
    out = smp(ds, patch, "apps/v1", "DaemonSet")
    assert out["spec"]["template"] == {
        "metadata": {"labels": {"app": "ds"}},
        "spec": {"containers": [{"name": "c", "image": "v1", "resources": {}}]},
    }
    assert out["spec"]["selector"] == {"matchLabels": {"app": "ds"}}


def test_owner_reference_release_keeps_uid_precondition():
    patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": "U"}], "uid": "C"}}
    out = smp(deployment(), patch)
    assert [r["uid"] for r in out["metadata"]["ownerReferences"]] == ["V"]
    assert out["metadata"]["uid"] == "C"


def test_owner_reference_release_uid_mismatch_is_merged_for_caller_to_check():
    out = smp(deployment(), {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": "U"}], "uid": "OTHER"}})
    assert out["metadata"]["uid"] == "OTHER"


def test_resume_null_removes_paused():
    out = smp(deployment(), {"spec": {"paused": None}})
    assert "paused" not in out["spec"]
    assert out["spec"]["replicas"] == 2


def test_pause():
    original = deployment()
    del original["spec"]["paused"]
    assert smp(original, {"spec": {"paused": True}})["spec"]["paused"] is True


def test_restart_annotation_merges_into_template_annotations():
    patch = {
        "spec": {
            "template": {
                "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-01-02T15:04:05+01:00"}}
            }
        }
    }
    out = smp(deployment(), patch)
    assert out["spec"]["template"]["metadata"]["annotations"] == {
        "a": "1",
        "kubectl.kubernetes.io/restartedAt": "2026-01-02T15:04:05+01:00",
    }


def test_retain_keys_switch_rolling_update_to_recreate():
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = smp(deployment(), patch)
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_retain_keys_keeps_listed_keys():
    patch = {"spec": {"strategy": {"$retainKeys": ["rollingUpdate", "type"], "rollingUpdate": {"maxSurge": 1}}}}
    out = smp(deployment(), patch)
    assert out["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"},
    }


def test_retain_keys_rejects_patch_key_not_listed():
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}}
    with pytest.raises(ApiError) as e:
        smp(deployment(), patch)
    assert (e.value.code, e.value.reason) == (400, "BadRequest")
    assert "retainKeys" in e.value.message


def test_retain_keys_on_volumes_list_elements():
    """volumes are merge,retainKeys: switching a volume's source drops the old one."""
    p = pod({"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]})
    patch = {"spec": {"volumes": [{"$retainKeys": ["configMap", "name"], "name": "v", "configMap": {"name": "cm"}}]}}
    out = pod_smp(p, patch)
    assert out["spec"]["volumes"] == [{"name": "v", "configMap": {"name": "cm"}}, {"name": "w", "emptyDir": {}}]


# ---------------------------------------------------------------------------
# Merge lists


def test_merge_list_element_without_merge_key_is_400():
    patch = {"spec": {"template": {"spec": {"containers": [{"image": "nginx:3"}]}}}}
    with pytest.raises(ApiError) as e:
        smp(deployment(), patch)
    assert (e.value.code, e.value.reason) == (400, "BadRequest")
    assert e.value.message == "map: map[image:nginx:3] does not contain declared merge key: name"


def test_delete_directive_without_merge_key_is_400():
    with pytest.raises(ApiError) as e:
        smp(deployment(), {"metadata": {"ownerReferences": [{"$patch": "delete"}]}})
    assert e.value.code == 400
    assert "does not contain declared merge key: uid" in e.value.message


def test_merge_by_key_updates_in_place_and_keeps_other_fields():
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox:2"}]}}}}
    out = smp(deployment(), patch)
    containers = out["spec"]["template"]["spec"]["containers"]
    assert names(containers) == ["c", "sidecar"]
    assert containers[1] == {"name": "sidecar", "image": "busybox:2"}


def test_new_element_without_set_element_order_goes_first():
    # upstream: patch items not in the live list are placed before the live-only items
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "new", "image": "x"}]}}}}
    out = smp(deployment(), patch)
    assert names(out["spec"]["template"]["spec"]["containers"]) == ["new", "c", "sidecar"]


def test_nested_merge_lists_env_and_ports():
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "env": [{"name": "B", "value": "22"}, {"name": "C", "value": "3"}],
                            "ports": [{"containerPort": 80, "name": "http"}],
                        }
                    ]
                }
            }
        }
    }
    out = smp(deployment(), patch)
    c = out["spec"]["template"]["spec"]["containers"][0]
    assert sorted((e["name"], e["value"]) for e in c["env"]) == [("A", "1"), ("B", "22"), ("C", "3")]
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP", "name": "http"}]


def test_merge_key_matching_is_type_exact():
    # containerPort 80 (int) and 80.0 (float) are different values, as in Go
    p = pod({"containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]})
    out = pod_smp(p, {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80.0, "name": "f"}]}]}})
    assert len(out["spec"]["containers"][0]["ports"]) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("args", ["--z"]),
        ("command", ["sh"]),
        ("envFrom", [{"configMapRef": {"name": "x"}}]),
    ],
)
def test_atomic_lists_are_replaced(field, value):
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", field: value}]}}}}
    out = smp(deployment(), patch)
    assert out["spec"]["template"]["spec"]["containers"][0][field] == value


def test_tolerations_are_replaced():
    patch = {"spec": {"template": {"spec": {"tolerations": [{"key": "other", "operator": "Exists"}]}}}}
    out = smp(deployment(), patch)
    assert out["spec"]["template"]["spec"]["tolerations"] == [{"key": "other", "operator": "Exists"}]


def test_delete_all_duplicates_of_a_key():
    p = pod({"containers": [{"name": "a"}, {"name": "a", "image": "x"}, {"name": "b"}]})
    out = pod_smp(p, {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}})
    assert out["spec"]["containers"] == [{"name": "b"}]


def test_replace_directive_element_replaces_list():
    p = pod({"containers": [{"name": "a"}, {"name": "b"}]})
    out = pod_smp(p, {"spec": {"containers": [{"$patch": "replace"}, {"name": "z", "image": "i"}]}})
    assert out["spec"]["containers"] == [{"name": "z", "image": "i"}]
    out = pod_smp(p, {"spec": {"containers": [{"$patch": "replace"}]}})
    assert out["spec"]["containers"] == []


def test_merge_directive_element_is_accepted():
    p = pod({"containers": [{"name": "a", "image": "x"}]})
    out = pod_smp(p, {"spec": {"containers": [{"$patch": "merge", "name": "a", "image": "y"}]}})
    assert out["spec"]["containers"] == [{"name": "a", "image": "y"}]


def test_unknown_directive_is_400():
    with pytest.raises(ApiError) as e:
        pod_smp(pod({"containers": [{"name": "a"}]}), {"spec": {"containers": [{"$patch": "bogus", "name": "a"}]}})
    assert e.value.code == 400
    assert e.value.message.startswith("unknown patch type: bogus in map:")
    with pytest.raises(ApiError):
        smp(deployment(), {"metadata": {"labels": {"$patch": "nope"}}})


# Ordering: (live merge keys, patch list, $setElementOrder or None, expected order)
ORDER_CASES = [
    # patch order wins for patch items; live-only items keep their place relative to them
    (["1", "2", "3"], ["3", "1", "2"], None, ["3", "1", "2"]),
    (["1", "2", "3"], ["3", "1"], None, ["2", "3", "1"]),
    # setElementOrder with items not in the patch list
    (["1", "3"], ["3", "1"], ["3", "2", "1"], ["3", "1"]),
    (["1", "2"], ["4", "3"], ["4", "1", "2", "3"], ["4", "1", "2", "3"]),
    (["1", "2"], ["3"], ["3", "1", "2"], ["3", "1", "2"]),
    (["1", "2"], ["4", "3"], ["1", "4", "2", "3"], ["1", "4", "2", "3"]),
    # live-only item (3) slots in by live order
    (["1", "3"], ["2"], ["1", "2"], ["1", "2", "3"]),
    (["1", "3", "4", "2"], [], ["4", "2", "3", "1"], ["4", "2", "3", "1"]),
    (["1", "3", "4", "2", "5"], [], ["4", "2", "3", "1"], ["4", "2", "3", "1", "5"]),
]


@pytest.mark.parametrize(("live", "patch_names", "order", "expected"), ORDER_CASES)
def test_element_order(live, patch_names, order, expected):
    p = pod({"containers": [{"name": n} for n in live]})
    spec: dict[str, Any] = {}
    if patch_names:
        spec["containers"] = [{"name": n, "image": "x"} for n in patch_names]
    if order is not None:
        spec["$setElementOrder/containers"] = [{"name": n} for n in order]
    out = pod_smp(p, {"spec": spec})
    assert names(out["spec"]["containers"]) == expected


def test_set_element_order_with_deletion():
    p = pod({"containers": [{"name": "1"}, {"name": "3", "image": "3"}, {"name": "2", "image": "2"}]})
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "4"}, {"name": "2"}, {"name": "1"}],
            "containers": [{"name": "4", "image": "4"}, {"name": "3", "$patch": "delete"}],
        }
    }
    out = pod_smp(p, patch)
    assert out["spec"]["containers"] == [{"name": "4", "image": "4"}, {"name": "2", "image": "2"}, {"name": "1"}]


def test_set_element_order_must_match_patch_order():
    p = pod({"containers": [{"name": "1"}, {"name": "3"}, {"name": "2"}]})
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "1"}, {"name": "2"}, {"name": "3"}],
            "containers": [{"name": "3", "image": "x"}, {"name": "1", "image": "y"}],
        }
    }
    with pytest.raises(ApiError) as e:
        pod_smp(p, patch)
    assert e.value.code == 400
    assert "doesn't match" in e.value.message


def test_set_element_order_for_a_new_list():
    p = pod({})
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "a"}, {"name": "gone", "$patch": "delete"}, {"name": "b"}],
        }
    }
    assert pod_smp(p, patch)["spec"]["containers"] == [{"name": "a"}, {"name": "b"}]


# ---------------------------------------------------------------------------
# Primitive merge lists (finalizers)


@pytest.mark.parametrize(
    ("live", "patch", "expected"),
    [
        (["a"], {"finalizers": ["b"]}, ["b", "a"]),
        (["a", "b"], {"finalizers": ["b", "c"]}, ["a", "b", "c"]),
        (["a", "b", "c"], {"finalizers": ["c", "a"]}, ["b", "c", "a"]),
        (["a", "b", "c"], {"$deleteFromPrimitiveList/finalizers": ["b"]}, ["a", "c"]),
        (["a", "b", "b"], {"$deleteFromPrimitiveList/finalizers": ["b", "zz"]}, ["a"]),
        (
            ["a", "b", "c"],
            {"$setElementOrder/finalizers": ["a", "b"], "$deleteFromPrimitiveList/finalizers": ["c"]},
            ["a", "b"],
        ),
        (
            ["a", "b", "c", "d"],
            {"$setElementOrder/finalizers": ["a", "b"], "$deleteFromPrimitiveList/finalizers": ["c"]},
            ["a", "b", "d"],
        ),
        (["a", "d", "b"], {"$setElementOrder/finalizers": ["c", "a", "b"], "finalizers": ["c"]}, ["c", "a", "d", "b"]),
        (
            ["a", "b", "c"],
            {"$setElementOrder/finalizers": ["b", "a"], "$deleteFromPrimitiveList/finalizers": ["c"]},
            ["b", "a"],
        ),
        (["a", "c"], {"$setElementOrder/finalizers": ["c", "b", "a"]}, ["c", "a"]),
        ([], {"finalizers": ["x", "x"]}, ["x"]),
        (["a"], {"finalizers": []}, ["a"]),
    ],
)
def test_primitive_merge_list(live, patch, expected):
    original = pod(metadata={"name": "p", "finalizers": live})
    out = pod_smp(original, {"metadata": patch})
    assert out["metadata"]["finalizers"] == expected


def test_new_primitive_list_is_taken_as_is():
    assert pod_smp(pod(), {"metadata": {"finalizers": ["x", "x"]}})["metadata"]["finalizers"] == ["x", "x"]


def test_delete_from_primitive_list_without_live_list_is_noop():
    out = pod_smp(pod(), {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}})
    assert "finalizers" not in out["metadata"]


def test_finalizers_replaced_with_null():
    out = pod_smp(pod(metadata={"name": "p", "finalizers": ["a"]}), {"metadata": {"finalizers": None}})
    assert "finalizers" not in out["metadata"]


# ---------------------------------------------------------------------------
# Maps, nulls, directives on maps


def test_map_merge_and_null_delete():
    out = smp(deployment(), {"metadata": {"labels": {"tier": "fe", "app": None}}})
    assert out["metadata"]["labels"] == {"tier": "fe"}


def test_null_for_missing_key_is_ignored():
    out = smp(deployment(), {"metadata": {"annotations": None, "labels": {"nope": None}}})
    assert "annotations" not in out["metadata"]
    assert out["metadata"]["labels"] == {"app": "web"}


def test_replace_directive_on_map():
    out = smp(deployment(), {"metadata": {"labels": {"$patch": "replace", "only": "this"}}})
    assert out["metadata"]["labels"] == {"only": "this"}


def test_delete_directive_on_map():
    out = smp(deployment(), {"spec": {"selector": {"$patch": "delete"}}})
    assert out["spec"]["selector"] == {}
    # on a key that does not exist the map is not added at all
    out = smp(deployment(), {"metadata": {"annotations": {"$patch": "delete"}}})
    assert "annotations" not in out["metadata"]


def test_merge_directive_on_map_is_default():
    out = smp(deployment(), {"metadata": {"labels": {"$patch": "merge", "x": "y"}}})
    assert out["metadata"]["labels"] == {"app": "web", "x": "y"}


def test_new_subtree_is_cleaned_of_nulls_and_directives():
    p = pod({"containers": [{"name": "c"}]})
    patch = {
        "spec": {
            "affinity": {"nodeAffinity": None, "podAffinity": {"x": None}},
            "initContainers": [{"name": "i", "env": None}, {"name": "gone", "$patch": "delete"}],
        }
    }
    out = pod_smp(p, patch)
    assert out["spec"]["affinity"] == {"podAffinity": {}}
    assert out["spec"]["initContainers"] == [{"name": "i"}]


def test_type_change_replaces():
    p = pod({"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]})
    out = pod_smp(p, {"spec": {"containers": [{"name": "c", "ports": {"weird": True}}]}})
    assert out["spec"]["containers"][0]["ports"] == {"weird": True}


def test_unknown_fields_merge_as_maps_and_replace_lists():
    original = deployment()
    original["spec"]["x-extra"] = {"a": 1, "list": [1, 2], "m": {"k": "v"}}
    out = smp(
        original,
        {"spec": {"x-extra": {"b": 2, "list": [3], "m": {"k": None, "j": "w"}}, "newthing": {"q": None, "r": 1}}},
    )
    assert out["spec"]["x-extra"] == {"a": 1, "list": [3], "m": {"j": "w"}, "b": 2}
    assert out["spec"]["newthing"] == {"r": 1}


def test_controller_revision_data_is_plain_merge():
    cr = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "r"},
        "revision": 1,
        "data": {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"name": "c"}]}}}},
    }
    out = smp(cr, {"data": {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}, "revision": 2})
    # directives inside free-form data are data, not instructions
    assert out["data"]["spec"]["template"]["$patch"] == "replace"
    assert out["data"]["spec"]["template"]["metadata"] == {"labels": {"a": "b"}}
    assert out["revision"] == 2
    # and a release of the owner reference leaves data alone
    cr["metadata"]["ownerReferences"] = [{"uid": "U", "name": "ds", "kind": "DaemonSet", "apiVersion": "apps/v1"}]
    out = smp(cr, {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": "U"}], "uid": "C"}})
    assert out["metadata"]["ownerReferences"] == []
    assert out["data"] == cr["data"]


def test_status_conditions_merge_by_type():
    original = deployment()
    original["status"] = {
        "conditions": [
            {"type": "Available", "status": "True", "reason": "A"},
            {"type": "Progressing", "status": "True", "reason": "P"},
        ]
    }
    out = smp(original, {"status": {"conditions": [{"type": "Progressing", "status": "False", "reason": "Q"}]}})
    assert out["status"]["conditions"] == [
        {"type": "Available", "status": "True", "reason": "A"},
        {"type": "Progressing", "status": "False", "reason": "Q"},
    ]


def test_root_level_directives():
    assert smp(deployment(), {"$patch": "replace", "kind": "Deployment"}) == {"kind": "Deployment"}
    assert smp(deployment(), {"$patch": "delete"}) == {}


def test_patch_body_shapes():
    assert smp(deployment(), None) == deployment()
    assert smp(deployment(), {}) == deployment()
    with pytest.raises(ApiError) as e:
        smp(deployment(), [1])
    assert e.value.code == 400
    assert e.value.message == "json: cannot unmarshal array into Go value of type map[string]interface {}"


def test_lists_of_lists_are_422():
    original = pod(metadata={"name": "p", "finalizers": ["a"]})
    with pytest.raises(ApiError) as e:
        pod_smp(original, {"metadata": {"finalizers": [["x"]]}})
    assert (e.value.code, e.value.reason) == (422, "Invalid")


def test_mixed_element_types_are_400():
    original = pod(metadata={"name": "p", "finalizers": ["a"]})
    with pytest.raises(ApiError) as e:
        pod_smp(original, {"metadata": {"finalizers": [{"a": 1}]}})
    assert e.value.code == 400


def test_unknown_kind_uses_generic_rules():
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"items": [{"name": "a"}], "m": {"x": 1}}}
    out = smp(obj, {"spec": {"items": [{"name": "b"}], "m": {"y": 2}}}, "example.com/v1", "Widget")
    assert out["spec"] == {"items": [{"name": "b"}], "m": {"x": 1, "y": 2}}


def test_inputs_are_not_mutated_and_result_shares_nothing():
    original = deployment()
    patch = {
        "metadata": {"labels": {"new": "1"}},
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "c"}, {"name": "sidecar"}],
                    "containers": [{"name": "c", "image": "z"}],
                }
            }
        },
    }
    original_copy, patch_copy = copy.deepcopy(original), copy.deepcopy(patch)
    out = smp(original, patch)
    assert original == original_copy
    assert patch == patch_copy
    out["metadata"]["labels"]["mutated"] = "yes"
    out["spec"]["template"]["spec"]["containers"][1]["image"] = "changed"
    assert original == original_copy
    assert patch == patch_copy


# ---------------------------------------------------------------------------
# Properties

_keys = st.sampled_from(["a", "b", "c", "d"])
_scalars = st.one_of(st.integers(-5, 5), st.text(alphabet="xyz", max_size=2), st.booleans())
_maps = st.recursive(
    st.dictionaries(_keys, _scalars, max_size=3),
    lambda children: st.dictionaries(_keys, st.one_of(_scalars, children), max_size=3),
    max_leaves=12,
)
_map_patches = st.recursive(
    st.dictionaries(_keys, st.one_of(_scalars, st.none()), max_size=3),
    lambda children: st.dictionaries(_keys, st.one_of(_scalars, st.none(), children), max_size=3),
    max_leaves=12,
)


@settings(deadline=None, max_examples=150)
@given(_maps, _map_patches)
def test_without_lists_or_directives_smp_is_a_json_merge_patch(original, patch):
    # labels-like free maps of an unknown kind: only the map rules apply
    obj = {"spec": original}
    out = smp(obj, {"spec": patch}, "example.com/v1", "Widget")
    assert out == {"spec": merge_patch(original, patch)}


_finalizers = st.lists(st.sampled_from(["f1", "f2", "f3", "f4", "f5"]), unique=True, max_size=5)


@settings(deadline=None, max_examples=150)
@given(_finalizers, _finalizers, _finalizers)
def test_finalizer_merge_is_a_set_union_and_idempotent(live, added, removed):
    original = pod(metadata={"name": "p", "finalizers": live})
    patch = {"metadata": {"finalizers": added, "$deleteFromPrimitiveList/finalizers": removed}}
    once = pod_smp(original, patch)
    twice = pod_smp(once, patch)
    result = once["metadata"]["finalizers"]
    assert len(result) == len(set(result))
    # the keys are processed in patch order: the union first, then the deletions
    assert set(result) == (set(live) | set(added)) - set(removed)
    assert twice == once


_container_names = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, max_size=5)


@settings(deadline=None, max_examples=150)
@given(_container_names, _container_names, _container_names)
def test_merge_by_key_properties(live, patched, deleted):
    original = pod({"containers": [{"name": n, "image": "old"} for n in live]})
    elements = [{"name": n, "image": "new"} for n in patched if n not in deleted]
    elements += [{"name": n, "$patch": "delete"} for n in deleted]
    patch = {"spec": {"containers": elements}}
    once = pod_smp(original, patch)
    containers = once["spec"]["containers"]
    got = names(containers)
    assert len(got) == len(set(got))
    assert set(got) == (set(live) - set(deleted)) | {n for n in patched if n not in deleted}
    for c in containers:
        assert c["image"] == ("new" if c["name"] in patched else "old")
    # patch items keep the patch's relative order
    patched_kept = [n for n in got if n in patched]
    assert patched_kept == [n for n in patched if n not in deleted]
    assert pod_smp(once, patch) == once
