"""ControllerRevision helpers: data bytes, naming, ordering, equality, truncation, selectors."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from kroll.reconcile.hashing import controller_revision_hash, template_hash
from kroll.reconcile.history import (
    CONTROLLER_HASH_LABEL,
    REVISION_HASH_LABEL,
    availability_delay,
    canonical_json,
    daemonset_revisions_to_delete,
    data_bytes,
    equal_revision,
    find_equal_revisions,
    history_limit,
    match_label_selector,
    max_revision,
    new_controller_revision,
    next_revision,
    revision_data,
    revision_name,
    selector_is_empty,
    sort_revisions,
    statefulset_revisions_to_delete,
    template_of,
    with_revision,
)

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)

TEMPLATE = {
    "metadata": {"labels": {"app": "x"}},
    "spec": {
        "containers": [{
            "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent", "name": "nginx", "resources": {},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        }],
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "securityContext": {}, "terminationGracePeriodSeconds": 30,
    },
}


def _workload(kind="DaemonSet", name="x", template=TEMPLATE, annotations=None, uid="uid-1"):
    meta = {"name": name, "namespace": "default", "uid": uid}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta,
            "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": template}}


# --------------------------------------------------------------------------- data bytes

def test_revision_data_is_the_reference_shape():
    # the example of daemonset-statefulset-history.md section 2, minus creationTimestamp
    # (omitted since Kubernetes 1.33)
    expected = (
        b'{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"x"}},"spec":{"containers":'
        b'[{"image":"nginx:1.25","imagePullPolicy":"IfNotPresent","name":"nginx","resources":{},'
        b'"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],'
        b'"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler",'
        b'"securityContext":{},"terminationGracePeriodSeconds":30}}}}'
    )
    assert revision_data(_workload()) == expected


@pytest.mark.parametrize(("template", "expected"), [
    # null creationTimestamp and other nulls vanish (a typed Go round trip drops them)
    ({"metadata": {"creationTimestamp": None, "labels": {"a": "b"}}, "spec": {"nodeName": None}},
     b'{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"a":"b"}},"spec":{}}}}'),
    # metadata and spec are always written, like Go's struct fields
    ({}, b'{"spec":{"template":{"$patch":"replace","metadata":{},"spec":{}}}}'),
    # a real creationTimestamp stays
    ({"metadata": {"creationTimestamp": "2026-01-01T00:00:00Z"}},
     b'{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{}}}}'),
    # integral floats print as Go prints float64 30
    ({"spec": {"terminationGracePeriodSeconds": 30.0}},
     b'{"spec":{"template":{"$patch":"replace","metadata":{},"spec":{"terminationGracePeriodSeconds":30}}}}'),
])
def test_revision_data_normalizes_like_go(template, expected):
    assert revision_data(_workload(template=template)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ({"b": 1, "a": [True, None, "x"]}, b'{"a":[true,null,"x"],"b":1}'),
    ("a<b>&c", b'"a\\u003cb\\u003e\\u0026c"'),
    ("line\u2028sep\u2029", b'"line\\u2028sep\\u2029"'),
    ("\n\t\r\b\f\x01\x1f", b'"\\n\\t\\r\\b\\f\\u0001\\u001f"'),
    ('quote" back\\slash', b'"quote\\" back\\\\slash"'),
    ("héllo ☃", "\"héllo ☃\"".encode()),
    ({"z": {"y": 1, "x": 2}}, b'{"z":{"x":2,"y":1}}'),
])
def test_canonical_json_matches_go_encoding(value, expected):
    assert canonical_json(value) == expected


def test_data_bytes_round_trips_what_revision_data_wrote():
    data = revision_data(_workload())
    cr = new_controller_revision(_workload(), kind="DaemonSet", template_labels={"app": "x"}, data=data, revision=1)
    assert isinstance(cr["data"], dict)
    assert data_bytes(cr) == data
    # the stored object may come back with keys in another order
    shuffled = {"data": {"spec": {"template": dict(reversed(list(orjson.loads(data)["spec"]["template"].items())))}}}
    assert data_bytes(shuffled) == data
    assert data_bytes({"data": data}) == data  # raw bytes are accepted too


def test_template_of_strips_the_patch_directive():
    cr = {"data": orjson.loads(revision_data(_workload())), "revision": 1}
    assert template_of(cr) == TEMPLATE
    assert template_of(revision_data(_workload())) == TEMPLATE
    assert template_of(cr["data"]) == TEMPLATE


# --------------------------------------------------------------------------- naming

def test_daemonset_revision_name_labels_and_annotations():
    ds = _workload(annotations={"kubernetes.io/change-cause": "kubectl set image ds/x nginx=nginx:1.25",
                                "deprecated.daemonset.template.generation": "2"})
    data = revision_data(ds)
    cr = new_controller_revision(ds, kind="DaemonSet", template_labels={"app": "x"}, data=data, revision=4)
    h = template_hash(TEMPLATE, None)
    assert cr["metadata"]["name"] == f"x-{h}"
    assert cr["metadata"]["labels"] == {"app": "x", REVISION_HASH_LABEL: h}
    assert cr["metadata"]["annotations"] == ds["metadata"]["annotations"]
    assert cr["metadata"]["annotations"] is not ds["metadata"]["annotations"]
    assert cr["metadata"]["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "x",
                                                  "uid": "uid-1", "controller": True, "blockOwnerDeletion": True}]
    assert cr["revision"] == 4 and cr["kind"] == "ControllerRevision" and cr["apiVersion"] == "apps/v1"
    # the collision count changes the name
    bumped = new_controller_revision(ds, kind="DaemonSet", template_labels={"app": "x"}, data=data,
                                     revision=4, collision_count=1)
    assert bumped["metadata"]["name"] == f"x-{template_hash(TEMPLATE, 1)}" != cr["metadata"]["name"]


def test_statefulset_revision_name_always_mixes_in_the_collision_count():
    sts = _workload(kind="StatefulSet", name="web")
    data = revision_data(sts)
    cr = new_controller_revision(sts, kind="StatefulSet", template_labels={"app": "x"}, data=data, revision=1)
    h0 = controller_revision_hash(data, 0)
    assert h0 != controller_revision_hash(data, None)  # "0" is hashed in
    assert cr["metadata"]["name"] == f"web-{h0}"
    assert cr["metadata"]["labels"] == {"app": "x", CONTROLLER_HASH_LABEL: h0}
    assert "annotations" not in cr["metadata"]
    cr2 = new_controller_revision(sts, kind="StatefulSet", template_labels={"app": "x"}, data=data, revision=1,
                                  collision_count=2)
    assert cr2["metadata"]["name"] == f"web-{controller_revision_hash(data, 2)}"


def test_revision_name_truncates_long_prefixes():
    assert revision_name("a" * 300, "h") == "a" * 223 + "-h"
    assert revision_name("web", "abc") == "web-abc"


# --------------------------------------------------------------------------- ordering, equality

def _cr(name, revision, data=b'{"spec":{"template":{"$patch":"replace"}}}', created=None, labels=None):
    meta = {"name": name, "namespace": "default", "labels": labels or {}}
    if created:
        meta["creationTimestamp"] = created
    return {"metadata": meta, "data": orjson.loads(data), "revision": revision}


def test_sort_revisions_by_revision_then_time_then_name():
    a = _cr("a", 2, created="2026-01-01T00:00:02Z")
    b = _cr("b", 2, created="2026-01-01T00:00:01Z")
    c = _cr("c", 1)
    d = _cr("d", 2, created="2026-01-01T00:00:01Z")
    assert [x["metadata"]["name"] for x in sort_revisions([a, b, c, d])] == ["c", "b", "d", "a"]


def test_next_and_max_revision():
    assert next_revision([]) == 1
    assert next_revision(sort_revisions([_cr("a", 3), _cr("b", 7)])) == 8
    assert max_revision([]) == 0
    assert max_revision([_cr("a", 3), _cr("b", 7)]) == 7


def test_equal_revision_compares_data_bytes():
    one = _cr("one", 1, data=b'{"spec":{"template":{"a":1}}}')
    same = _cr("same", 5, data=b'{"spec":{"template":{"a":1}}}')
    other = _cr("other", 2, data=b'{"spec":{"template":{"a":2}}}')
    assert equal_revision(one, same)
    assert not equal_revision(one, other)
    assert equal_revision(None, None) and not equal_revision(one, None)
    assert find_equal_revisions([one, other, same], same) == [one, same]
    # upstream quirk: hash labels that parse as int32 and differ make revisions unequal
    numeric_a = _cr("na", 1, data=b"{}", labels={CONTROLLER_HASH_LABEL: "5678"})
    numeric_b = _cr("nb", 1, data=b"{}", labels={CONTROLLER_HASH_LABEL: "6789"})
    assert not equal_revision(numeric_a, numeric_b)
    safe_a = _cr("sa", 1, data=b"{}", labels={CONTROLLER_HASH_LABEL: "5b8c9d"})
    assert equal_revision(safe_a, numeric_b)


def test_with_revision_copies():
    cr = _cr("a", 1)
    rolled = with_revision(cr, 3)
    assert rolled["revision"] == 3 and cr["revision"] == 1


# --------------------------------------------------------------------------- truncation

def _hashed(name, revision):
    return _cr(name, revision, labels={REVISION_HASH_LABEL: f"h-{name}"})


@pytest.mark.parametrize(("limit", "live", "expected"), [
    (10, set(), []),
    (1, set(), ["r1", "r2"]),
    (1, {"h-r1"}, ["r2", "r3"]),
    (0, {"h-r2"}, ["r1", "r3"]),
    (2, set(), ["r1"]),
])
def test_daemonset_cleanup(limit, live, expected):
    old = [_hashed("r3", 3), _hashed("r1", 1), _hashed("r2", 2)]
    doomed = daemonset_revisions_to_delete(old, live, limit)
    assert [d["metadata"]["name"] for d in doomed] == expected


@pytest.mark.parametrize(("limit", "live", "expected"), [
    (10, set(), []),
    (2, {"r4"}, ["r1"]),
    (0, {"r4", "r1"}, ["r2", "r3"]),
    (-1, set(), []),
    (1, {"r3", "r4"}, ["r1"]),
])
def test_statefulset_truncation(limit, live, expected):
    revisions = sort_revisions([_cr(f"r{i}", i) for i in range(1, 5)])
    doomed = statefulset_revisions_to_delete(revisions, live, limit)
    assert [d["metadata"]["name"] for d in doomed] == expected


def test_history_limit_defaults_to_ten():
    assert history_limit({"spec": {}}) == 10
    assert history_limit({"spec": {"revisionHistoryLimit": 0}}) == 0


# --------------------------------------------------------------------------- selectors

@pytest.mark.parametrize(("selector", "labels", "expected"), [
    (None, {"a": "1"}, False),
    ({}, {"a": "1"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, {"a": "2"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}, {}, False),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "1"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Bogus"}]}, {"a": ""}, False),
    ({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]}, {"a": "1"}, False),
])
def test_match_label_selector(selector, labels, expected):
    assert match_label_selector(selector, labels) is expected


def test_selector_is_empty():
    assert selector_is_empty({})
    assert selector_is_empty({"matchLabels": {}})
    assert not selector_is_empty(None)
    assert not selector_is_empty({"matchLabels": {"a": "b"}})


# --------------------------------------------------------------------------- availability clock

def _ready_pod(since):
    cond = {"type": "Ready", "status": "True"}
    if since is not None:
        cond["lastTransitionTime"] = since
    return {"status": {"phase": "Running", "conditions": [cond]}}


def test_availability_delay():
    pods = [_ready_pod("2026-11-22T11:59:56Z"), _ready_pod("2026-11-22T11:59:58Z"), _ready_pod("2026-11-22T11:00:00Z")]
    # minReadySeconds 10: the first is available at 12:00:06 (+ slack), the third already is
    assert availability_delay(pods, 10, NOW) == pytest.approx(6.5)
    assert availability_delay(pods, 0, NOW) is None
    assert availability_delay([_ready_pod("2026-11-22T11:00:00Z")], 10, NOW) is None
    assert availability_delay([_ready_pod(None)], 7, NOW) == 7.0
    assert availability_delay([{"status": {"conditions": [{"type": "Ready", "status": "False"}]}}], 7, NOW) is None
    # exactly on the boundary is not yet available
    assert availability_delay([_ready_pod("2026-11-22T11:59:50Z")], 10, NOW) == pytest.approx(0.5)
