"""Deployment controller decisions, table-driven after upstream's sync/rolling/recreate/progress
tests, plus a simulated rollout (hypothesis) in an instant-ready fake world."""

from __future__ import annotations

import copy
import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kroll.api.meta import format_time
from kroll.reconcile import rollout as ro
from kroll.reconcile.actions import Create, Delete, Event, Patch, RequeueAfter, Update, UpdateStatus
from kroll.reconcile.deployment import (
    _DeploymentSync,
    calculate_status,
    deployment_for_pod,
    deployment_for_rs,
    replica_set_create_failed,
    sync_deployment,
)
from kroll.reconcile.hashing import template_hash
from kroll.reconcile.replicaset import sync_replicaset

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)
NEW_TS = "2016-05-20T02:00:00Z"
OLD_TS = "2016-05-20T01:00:00Z"
OLDER_TS = "2016-05-20T00:00:00Z"
SELECTOR = {"app": "foo"}


def stamp(t: dt.datetime) -> str:
    return format_time(t)


def make_template(image: str = "nginx:1") -> dict:
    return {"metadata": {"labels": dict(SELECTOR)},
            "spec": {"containers": [{"name": "web", "image": image}], "restartPolicy": "Always"}}


def make_deployment(replicas: int = 1, *, name: str = "foo", max_surge=0, max_unavailable=0,
                    strategy: str = "RollingUpdate", image: str = "nginx:1", annotations=None,
                    revision_history_limit: int | None = 10, progress_deadline: int | None = 600,
                    paused: bool = False, generation: int = 1, status=None, min_ready: int = 0) -> dict:
    spec: dict = {"replicas": replicas, "selector": {"matchLabels": dict(SELECTOR)},
                  "template": make_template(image), "strategy": {"type": strategy}}
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    spec["revisionHistoryLimit"] = revision_history_limit if revision_history_limit is not None else ro.MAX_INT32
    spec["progressDeadlineSeconds"] = progress_deadline if progress_deadline is not None else ro.MAX_INT32
    if paused:
        spec["paused"] = True
    if min_ready:
        spec["minReadySeconds"] = min_ready
    md = {"name": name, "namespace": "default", "uid": f"{name}-uid", "generation": generation,
          "resourceVersion": "7", "creationTimestamp": OLDER_TS}
    if annotations:
        md["annotations"] = dict(annotations)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": md, "spec": spec,
            "status": copy.deepcopy(status) if status else {}}


def make_rs(d: dict, name: str, replicas: int, *, created: str = OLD_TS, image: str | None = None,
            revision: int | None = None, desired: int | None = None, max_replicas: int | None = None,
            available: int | None = None, status_replicas: int | None = None, owned: bool = True,
            extra_annotations=None, conditions=None) -> dict:
    tmpl = copy.deepcopy(d["spec"]["template"]) if image is None else make_template(image)
    pod_hash = name.rsplit("-", 1)[-1]
    tmpl["metadata"]["labels"][ro.POD_TEMPLATE_HASH] = pod_hash
    annotations = dict(extra_annotations or {})
    if revision is not None:
        annotations[ro.REVISION] = str(revision)
    if desired is not None:
        annotations[ro.DESIRED_REPLICAS] = str(desired)
        annotations[ro.MAX_REPLICAS] = str(max_replicas if max_replicas is not None else desired)
    md: dict = {"name": name, "namespace": "default", "uid": f"{name}-uid", "generation": 1, "resourceVersion": "3",
                "creationTimestamp": created, "labels": dict(tmpl["metadata"]["labels"])}
    if annotations:
        md["annotations"] = annotations
    if owned:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": d["metadata"]["name"],
                                  "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    available = replicas if available is None else available
    status = {"replicas": replicas if status_replicas is None else status_replicas, "readyReplicas": available,
              "availableReplicas": available, "observedGeneration": 1, "terminatingReplicas": 0}
    if conditions:
        status["conditions"] = conditions
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": md,
            "spec": {"replicas": replicas, "selector": {"matchLabels": {**SELECTOR, ro.POD_TEMPLATE_HASH: pod_hash}},
                     "template": tmpl},
            "status": status}


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


def sizes(actions) -> dict[str, int]:
    return {a.obj["metadata"]["name"]: a.obj["spec"]["replicas"]
            for a in actions if isinstance(a, Update | Create) and a.resource == "replicasets.apps"}


def messages(actions) -> list[str]:
    return [a.message for a in of(actions, Event)]


def conditions_by_type(obj) -> dict:
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or ()}


# --- proportional scaling: upstream TestScale ---------------------------------------------------------

def _annotated(d_old, rs, override=None):
    desired = override if override is not None else d_old["spec"]["replicas"]
    out, _ = ro.set_replicas_annotations(rs, desired=desired, max_replicas=desired + ro.max_surge(d_old))
    return out


SCALE_CASES = [
    # name, (new replicas, surge, unavailable), (old replicas, surge), new rs, old rss, expected new, expected old
    ("normal scaling event: 10 -> 12", (12, 0, 0), (10, 0), ("v1", 10, NEW_TS), [], 12, []),
    ("normal scaling event: 10 -> 5", (5, 0, 0), (10, 0), ("v1", 10, NEW_TS), [], 5, []),
    ("proportional scaling: 5 -> 10", (10, 0, 0), (5, 0), ("v2", 2, NEW_TS), [("v1", 3, OLD_TS)], 4, [6]),
    ("proportional scaling: 5 -> 3", (3, 0, 0), (5, 0), ("v2", 2, NEW_TS), [("v1", 3, OLD_TS)], 1, [2]),
    ("proportional scaling: 9 -> 4", (4, 0, 0), (9, 0), ("v2", 8, NEW_TS), [("v1", 1, OLD_TS)], 4, [0]),
    ("proportional scaling: 7 -> 10", (10, 0, 0), (7, 0), ("v3", 2, NEW_TS),
     [("v2", 3, OLD_TS), ("v1", 2, OLDER_TS)], 3, [4, 3]),
    ("proportional scaling: 13 -> 8", (8, 0, 0), (13, 0), ("v3", 2, NEW_TS),
     [("v2", 8, OLD_TS), ("v1", 3, OLDER_TS)], 1, [5, 2]),
    ("leftover distribution: 3 -> 4", (4, 0, 0), (3, 0), ("v3", 1, NEW_TS),
     [("v2", 1, OLD_TS), ("v1", 1, OLDER_TS)], 2, [1, 1]),
    ("leftover distribution: 3 -> 2", (2, 0, 0), (3, 0), ("v3", 1, NEW_TS),
     [("v2", 1, OLD_TS), ("v1", 1, OLDER_TS)], 1, [1, 0]),
    ("proportional scaling (no new rs): 4 -> 5", (5, 0, 0), (4, 0), None,
     [("v2", 2, OLD_TS), ("v1", 2, OLDER_TS)], None, [3, 2]),
    ("proportional scaling: 6 -> 0", (0, 0, 0), (6, 0), ("v3", 3, NEW_TS),
     [("v2", 2, OLD_TS), ("v1", 1, OLDER_TS)], 0, [0, 0]),
    ("proportional scaling: 0 -> 6", (6, 0, 0), (6, 0), ("v3", 0, NEW_TS),
     [("v2", 0, OLD_TS), ("v1", 0, OLDER_TS)], 6, [0, 0]),
    ("deployment with surge pods", (20, 2, 0), (10, 2), ("v2", 6, NEW_TS), [("v1", 6, OLD_TS)], 11, [11]),
    ("change both surge and size", (50, 6, 0), (10, 3), ("v2", 5, NEW_TS), [("v1", 8, OLD_TS)], 22, [34]),
]


@pytest.mark.parametrize(("name", "new_d", "old_d", "new_rs", "old_rss", "expected_new", "expected_old"),
                         SCALE_CASES, ids=[c[0] for c in SCALE_CASES])
def test_scale(name, new_d, old_d, new_rs, old_rss, expected_new, expected_old):
    d = make_deployment(new_d[0], max_surge=new_d[1], max_unavailable=new_d[2])
    d_old = make_deployment(old_d[0], max_surge=old_d[1])
    new = _annotated(d_old, make_rs(d, f"foo-{new_rs[0]}", new_rs[1], created=new_rs[2])) if new_rs else None
    olds = [_annotated(d_old, make_rs(d, f"foo-{n}", r, created=c, image=f"old-{n}")) for n, r, c in old_rss]
    sync = _DeploymentSync(d, [r for r in [new, *olds] if r], now=NOW)
    sync.scale(new, olds)
    got = {r["metadata"]["name"]: r["spec"]["replicas"] for r in [new, *olds] if r} | sizes(sync.actions)
    if new is not None:
        assert got[new["metadata"]["name"]] == expected_new
    assert [got[o["metadata"]["name"]] for o in olds] == expected_old


def test_scale_change_both_size_and_template():
    d = make_deployment(14, image="nginx:new")
    d_old = make_deployment(10)
    olds = [_annotated(d_old, make_rs(d, "foo-v2", 7, created=NEW_TS, image="a")),
            _annotated(d_old, make_rs(d, "foo-v1", 3, created=OLD_TS, image="b"))]
    sync = _DeploymentSync(d, olds, now=NOW)
    sync.scale(None, olds)
    assert sizes(sync.actions) == {"foo-v2": 10, "foo-v1": 4}
    assert messages(sync.actions) == ["Scaled up replica set foo-v2 to 10 from 7",
                                      "Scaled up replica set foo-v1 to 4 from 3"]
    assert all(a.obj["metadata"]["annotations"][ro.DESIRED_REPLICAS] == "14" for a in of(sync.actions, Update))


def test_scale_with_stale_desired_annotation():
    """Upstream's "failed rs update" case: only foo-v2 still believes in 3 replicas."""
    d = make_deployment(5)
    d_old = make_deployment(5)
    new = _annotated(d_old, make_rs(d, "foo-v3", 2, created=NEW_TS))
    olds = [_annotated(d_old, make_rs(d, "foo-v2", 1, created=OLD_TS, image="a"), override=3),
            _annotated(d_old, make_rs(d, "foo-v1", 1, created=OLDER_TS, image="b"))]
    sync = _DeploymentSync(d, [new, *olds], now=NOW)
    sync.scale(new, olds)
    assert sizes(sync.actions) == {"foo-v2": 2}


def test_saturated_but_broken_new_rs_does_not_touch_old_pods():
    d = make_deployment(2, max_surge=1, max_unavailable=1)
    new = _annotated(d, make_rs(d, "foo-v2", 2, created=NEW_TS, available=0))
    old = _annotated(d, make_rs(d, "foo-v1", 1, created=OLD_TS, image="a"))
    sync = _DeploymentSync(d, [new, old], now=NOW)
    sync.scale(new, [old])
    assert sync.actions == []


def test_saturated_new_rs_scales_old_to_zero():
    d = make_deployment(3)
    new = _annotated(d, make_rs(d, "foo-v2", 3, created=NEW_TS))
    old = _annotated(d, make_rs(d, "foo-v1", 1, created=OLD_TS, image="a"))
    sync = _DeploymentSync(d, [new, old], now=NOW)
    sync.scale(new, [old])
    assert sizes(sync.actions) == {"foo-v1": 0}


# --- reconcileNewReplicaSet / reconcileOldReplicaSets (upstream rolling_test.go) ---------------------

@pytest.mark.parametrize(("d_replicas", "surge", "old_replicas", "new_replicas", "expected"), [
    (10, 0, 10, 0, None),
    (10, 2, 10, 0, 2),
    (10, 2, 5, 0, 7),
    (10, 2, 10, 2, None),
    (10, 2, 2, 11, 10),   # scale down
])
def test_reconcile_new_replica_set(d_replicas, surge, old_replicas, new_replicas, expected):
    d = make_deployment(d_replicas, max_surge=surge, max_unavailable=0)
    new = make_rs(d, "foo-new", new_replicas)
    old = make_rs(d, "foo-old", old_replicas, image="old")
    sync = _DeploymentSync(d, [new, old], now=NOW)
    scaled = sync.reconcile_new_replica_set([new, old], new)
    assert scaled is (expected is not None)
    assert sizes(sync.actions) == ({} if expected is None else {"foo-new": expected})


@pytest.mark.parametrize(("d_replicas", "unavailable", "old_replicas", "new_replicas", "old_available",
                          "new_available", "expected_old"), [
    (10, 0, 10, 0, 10, 0, 9),
    (10, 2, 10, 0, 10, 0, 8),
    (10, 2, 10, 0, 8, 0, 8),      # the 2 unhealthy old pods are cleaned up
    (10, 2, 10, 0, 9, 0, 8),      # 1 unhealthy cleaned up, 1 ready scaled down
    (10, 2, 8, 2, 8, 0, None),    # unavailable new pods block further scale-down
])
def test_reconcile_old_replica_sets(d_replicas, unavailable, old_replicas, new_replicas, old_available,
                                    new_available, expected_old):
    d = make_deployment(d_replicas, max_surge=0, max_unavailable=unavailable)
    new = make_rs(d, "foo-new", new_replicas, available=new_available)
    old = make_rs(d, "foo-old", old_replicas, available=old_available, image="old")
    sync = _DeploymentSync(d, [new, old], now=NOW)
    scaled = sync.reconcile_old_replica_sets([old, new], [old], new)
    assert scaled is (expected_old is not None)
    assert sizes(sync.actions) == ({} if expected_old is None else {"foo-old": expected_old})
    # a cleanup and a scale-down of the same RS are one Update with two events
    assert len(of(sync.actions, Update)) == (0 if expected_old is None else 1)


@pytest.mark.parametrize(("old_replicas", "ready", "max_cleanup", "expected"), [
    (10, 8, 1, 1), (10, 8, 3, 2), (10, 8, 0, 0), (10, 10, 3, 0),
])
def test_cleanup_unhealthy_replicas(old_replicas, ready, max_cleanup, expected):
    d = make_deployment(10, max_surge=2, max_unavailable=2)
    old = make_rs(d, "foo-v2", old_replicas, available=ready, image="old")
    sync = _DeploymentSync(d, [old], now=NOW)
    _, cleaned = sync.cleanup_unhealthy_replicas([old], max_cleanup)
    assert cleaned == expected


@pytest.mark.parametrize(("d_replicas", "unavailable", "ready", "old_replicas", "expected_old"), [
    (10, 0, 10, 10, 9),
    (10, 2, 10, 10, 8),
    (10, 2, 8, 10, None),
    (10, 2, 10, 0, None),
    (10, 2, 1, 10, None),
])
def test_scale_down_old_replica_sets_for_rolling_update(d_replicas, unavailable, ready, old_replicas, expected_old):
    d = make_deployment(d_replicas, max_surge=0, max_unavailable=unavailable)
    old = make_rs(d, "foo-v2", old_replicas, available=ready, image="old")
    sync = _DeploymentSync(d, [old], now=NOW)
    scaled = sync.scale_down_old_replica_sets_for_rolling_update([old], [old])
    assert (scaled > 0) is (expected_old is not None)
    assert sizes(sync.actions) == ({} if expected_old is None else {"foo-v2": expected_old})


def test_stale_available_count_does_not_scale_up_an_old_rs():
    """Old RS spec 8 but status still says 10 available: upstream refuses the cleanup step."""
    d = make_deployment(10, max_surge=3, max_unavailable=2)
    new = make_rs(d, "foo-new", 5, available=5)
    old = make_rs(d, "foo-old", 8, available=10, image="old")
    sync = _DeploymentSync(d, [new, old], now=NOW)
    assert sync.reconcile_old_replica_sets([old, new], [old], new) is False
    assert all(a.obj["spec"]["replicas"] <= 8 for a in of(sync.actions, Update))


# --- cleanupDeployment --------------------------------------------------------------------------

def _rs_with_status(d, name, spec_replicas, status_replicas, revision):
    rs = make_rs(d, name, spec_replicas, status_replicas=status_replicas, image=name, revision=revision)
    return rs


@pytest.mark.parametrize(("rss", "limit", "expected"), [
    ([("foo-1", 0, 0), ("foo-2", 0, 0), ("foo-3", 0, 0)], 1, ["foo-1", "foo-2"]),
    ([("foo-1", 0, 0), ("foo-2", 0, 1), ("foo-3", 1, 0), ("foo-4", 1, 1)], 0, ["foo-1"]),
    ([("foo-1", 0, 0), ("foo-2", 0, 0)], 0, ["foo-1", "foo-2"]),
    ([("foo-1", 1, 1), ("foo-2", 1, 1)], 0, []),
    ([("foo-1", 0, 0), ("foo-2", 0, 0), ("foo-3", 0, 0)], ro.MAX_INT32, []),
])
def test_cleanup_deployment(rss, limit, expected):
    d = make_deployment(1, revision_history_limit=limit)
    olds = [_rs_with_status(d, name, spec, status, i + 1) for i, (name, spec, status) in enumerate(rss)]
    sync = _DeploymentSync(d, olds, now=NOW)
    sync.cleanup_deployment(olds)
    deleted = of(sync.actions, Delete)
    assert [a.name for a in deleted] == expected
    assert all(a.uid == f"{a.name}-uid" and a.resource == "replicasets.apps" for a in deleted)


def test_cleanup_skips_rs_being_deleted_and_unobserved_generations():
    d = make_deployment(1, revision_history_limit=0)
    deleting = _rs_with_status(d, "foo-1", 0, 0, 1)
    deleting["metadata"]["deletionTimestamp"] = stamp(NOW)
    unobserved = _rs_with_status(d, "foo-2", 0, 0, 2)
    unobserved["metadata"]["generation"] = 2
    sync = _DeploymentSync(d, [deleting, unobserved], now=NOW)
    sync.cleanup_deployment([deleting, unobserved])
    assert of(sync.actions, Delete) == []


# --- creating the new ReplicaSet -----------------------------------------------------------------

STEADY_10 = {"observedGeneration": 1, "replicas": 10, "updatedReplicas": 10, "readyReplicas": 10,
             "availableReplicas": 10, "terminatingReplicas": 0, "conditions": [
                 {"type": "Available", "status": "True", "lastUpdateTime": OLD_TS, "lastTransitionTime": OLD_TS,
                  "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                 {"type": "Progressing", "status": "True", "lastUpdateTime": OLD_TS, "lastTransitionTime": OLD_TS,
                  "reason": "NewReplicaSetAvailable", "message": 'ReplicaSet "foo-old1" has successfully progressed.'}]}


def test_new_replica_set_is_created_like_upstream():
    d = make_deployment(10, max_surge=3, max_unavailable=2, min_ready=5,
                        annotations={"kubernetes.io/change-cause": "edit", ro.LAST_APPLIED: "{}",
                                     ro.REVISION: "1"}, status=STEADY_10)
    old = make_rs(d, "foo-old1", 10, image="nginx:0", revision=1, desired=10, max_replicas=13)
    actions = sync_deployment(d, [old], [], now=NOW)
    pod_hash = template_hash(d["spec"]["template"], None)
    name = f"foo-{pod_hash}"
    create = of(actions, Create)[0]
    rs = create.obj
    assert create.resource == "replicasets.apps" and create.namespace == "default"
    assert rs["metadata"]["name"] == name
    assert rs["metadata"]["labels"] == {"app": "foo", ro.POD_TEMPLATE_HASH: pod_hash}
    assert rs["metadata"]["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "foo",
                                                  "uid": "foo-uid", "controller": True, "blockOwnerDeletion": True}]
    assert rs["metadata"]["annotations"] == {"kubernetes.io/change-cause": "edit", ro.REVISION: "2",
                                             ro.DESIRED_REPLICAS: "10", ro.MAX_REPLICAS: "13"}
    assert rs["spec"]["replicas"] == 3  # min(13 - 10, 10)
    assert rs["spec"]["minReadySeconds"] == 5
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "foo", ro.POD_TEMPLATE_HASH: pod_hash}}
    assert rs["spec"]["template"]["metadata"]["labels"][ro.POD_TEMPLATE_HASH] == pod_hash
    assert "pod-template-hash" not in d["spec"]["template"]["metadata"]["labels"]  # input untouched
    # same sync: old RS may lose 2 pods (13 - 8 - 3), then one status write
    assert sizes(of(actions, Update)) == {"foo-old1": 8}
    assert messages(actions) == [f"Scaled up replica set {name} to 3", "Scaled down replica set foo-old1 to 8 from 10"]
    status_writes = of(actions, UpdateStatus)
    assert len(status_writes) == 1
    written = status_writes[0].obj
    assert written["metadata"]["annotations"][ro.REVISION] == "2"
    progressing = conditions_by_type(written)["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetCreated")
    assert progressing["message"] == f'Created new replica set "{name}"'
    assert [type(a).__name__ for a in actions] == ["Create", "Event", "Update", "Event", "UpdateStatus"]


def test_recreate_creates_new_rs_with_all_replicas_once_old_pods_are_gone():
    d = make_deployment(3, strategy="Recreate", image="nginx:2")
    old = make_rs(d, "foo-old1", 0, image="nginx:1", revision=1, desired=3, status_replicas=0)
    actions = sync_deployment(d, [old], [], now=NOW)
    create = of(actions, Create)[0]
    assert create.obj["spec"]["replicas"] == 3
    assert create.obj["metadata"]["annotations"][ro.MAX_REPLICAS] == "3"


def test_recreate_scales_old_down_first_and_waits_for_pods():
    d = make_deployment(3, strategy="Recreate", image="nginx:2")
    old = make_rs(d, "foo-old1", 3, image="nginx:1", revision=1, desired=3)
    actions = sync_deployment(d, [old], [], now=NOW)
    assert sizes(actions) == {"foo-old1": 0}
    assert of(actions, Create) == []
    # scaled to 0 but a pod is still running: wait
    old0 = make_rs(d, "foo-old1", 0, image="nginx:1", revision=1, desired=3, status_replicas=0)
    pod = {"metadata": {"name": "p", "namespace": "default", "labels": {"app": "foo"},
                        "ownerReferences": [{"kind": "ReplicaSet", "name": "foo-old1", "uid": "foo-old1-uid",
                                             "controller": True}]},
           "status": {"phase": "Running"}}
    actions = sync_deployment(d, [old0], [pod], now=NOW)
    assert of(actions, Create) == [] and of(actions, Update) == []
    pod["status"]["phase"] = "Succeeded"
    actions = sync_deployment(d, [old0], [pod], now=NOW)
    assert len(of(actions, Create)) == 1


def test_hash_collision_bumps_collision_count():
    d = make_deployment(1, image="nginx:2", status={"observedGeneration": 1})
    pod_hash = template_hash(d["spec"]["template"], None)
    squatter = make_rs(d, f"foo-{pod_hash}", 1, image="something-else", owned=False)
    squatter["metadata"]["labels"] = {"other": "x"}
    actions = sync_deployment(d, [squatter], [], now=NOW)
    assert [type(a) for a in actions] == [UpdateStatus]
    assert actions[0].obj["status"]["collisionCount"] == 1
    d2 = copy.deepcopy(actions[0].obj)
    actions = sync_deployment(d2, [squatter], [], now=NOW)
    create = of(actions, Create)[0]
    assert create.obj["metadata"]["name"] == f"foo-{template_hash(d['spec']['template'], 1)}"


def test_existing_rs_with_our_name_and_template_is_taken_as_new():
    d = make_deployment(2)
    pod_hash = template_hash(d["spec"]["template"], None)
    mine = make_rs(d, f"foo-{pod_hash}", 2, revision=1, desired=2)
    mine["metadata"]["labels"] = {"unrelated": "labels"}  # released from the selector, still controlled
    sync = _DeploymentSync(d, [mine], now=NOW)
    new_rs, _ = sync.get_all([], create=True)
    assert new_rs is mine
    assert of(sync.actions, Create) == [] and of(sync.actions, Event) == []


def test_replica_set_create_failed():
    d = make_deployment(1)
    actions = replica_set_create_failed(d, "foo-abc", 'replicasets.apps "foo-abc" is forbidden: quota', now=NOW)
    msg = 'Failed to create new replica set "foo-abc": replicasets.apps "foo-abc" is forbidden: quota'
    assert conditions_by_type(actions[0].obj)["Progressing"]["reason"] == "ReplicaSetCreateError"
    assert conditions_by_type(actions[0].obj)["Progressing"]["message"] == msg
    assert actions[1].type == "Warning" and actions[1].reason == "ReplicaSetCreateError" and actions[1].message == msg


# --- revisions ---------------------------------------------------------------------------------------

def test_revision_roll_forward_on_undo():
    """RS-A rev 1, RS-B rev 2 (current). Undo -> A gets rev 3, revision-history "1"; the RS
    write ends the sync, the next pass writes revision 3 on the Deployment via /status."""
    d = make_deployment(2, image="nginx:a", annotations={ro.REVISION: "2"})
    rs_a = make_rs(d, "foo-aaa", 0, image="nginx:a", revision=1, desired=2, created=OLDER_TS)
    rs_b = make_rs(d, "foo-bbb", 2, image="nginx:b", revision=2, desired=2, created=OLD_TS)
    actions = sync_deployment(d, [rs_a, rs_b], [], now=NOW)
    assert [type(a) for a in actions] == [Update]
    updated_a = actions[0].obj
    assert updated_a["metadata"]["annotations"][ro.REVISION] == "3"
    assert updated_a["metadata"]["annotations"][ro.REVISION_HISTORY] == "1"
    # next pass: the Deployment's revision follows, the rollout starts
    actions = sync_deployment(d, [updated_a, rs_b], [], now=NOW)
    status_write = of(actions, UpdateStatus)[-1].obj
    assert status_write["metadata"]["annotations"][ro.REVISION] == "3"
    assert sizes(actions) == {"foo-bbb": 1}  # no surge: an old pod goes first (2 - 1 unavailable)
    # undo again: B becomes revision 4 with history "2"
    d_b = make_deployment(2, image="nginx:b", annotations={ro.REVISION: "3"})
    actions = sync_deployment(d_b, [updated_a, rs_b], [], now=NOW)
    assert [type(a) for a in actions] == [Update]
    assert actions[0].obj["metadata"]["annotations"][ro.REVISION] == "4"
    assert actions[0].obj["metadata"]["annotations"][ro.REVISION_HISTORY] == "2"


def test_annotation_edit_is_copied_to_new_rs_only():
    d = make_deployment(1, annotations={ro.REVISION: "2", "kubernetes.io/change-cause": "v2"})
    new = make_rs(d, "foo-new", 1, revision=2, desired=1, created=NEW_TS)
    old = make_rs(d, "foo-old", 0, image="x", revision=1, desired=1,
                  extra_annotations={"kubernetes.io/change-cause": "v1"})
    actions = sync_deployment(d, [new, old], [], now=NOW)
    assert [a.obj["metadata"]["name"] for a in of(actions, Update)] == ["foo-new"]
    assert of(actions, Update)[0].obj["metadata"]["annotations"]["kubernetes.io/change-cause"] == "v2"


def test_min_ready_seconds_is_synced_to_new_rs():
    d = make_deployment(1, annotations={ro.REVISION: "1"}, min_ready=7)
    new = make_rs(d, "foo-new", 1, revision=1, desired=1)
    actions = sync_deployment(d, [new], [], now=NOW)
    assert [type(a) for a in actions] == [Update]
    assert actions[0].obj["spec"]["minReadySeconds"] == 7


# --- paused, scaling, deleting, selecting all --------------------------------------------------------

def test_paused_deployment_gets_paused_condition_and_no_new_rs():
    d = make_deployment(2, image="nginx:2", paused=True, annotations={ro.REVISION: "1"})
    old = make_rs(d, "foo-old", 2, image="nginx:1", revision=1, desired=2)
    actions = sync_deployment(d, [old], [], now=NOW)
    assert of(actions, Create) == []
    written = of(actions, UpdateStatus)[0].obj
    progressing = conditions_by_type(written)["Progressing"]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown", "DeploymentPaused", "Deployment is paused")
    assert len(of(actions, UpdateStatus)) == 1


def test_paused_deployment_scales_and_cleans_up():
    d = make_deployment(4, paused=True, revision_history_limit=0, annotations={ro.REVISION: "3"},
                        status={"conditions": [{"type": "Progressing", "status": "Unknown",
                                                "reason": "DeploymentPaused"}]})
    new = make_rs(d, "foo-new", 2, revision=3, desired=2, created=NEW_TS)
    dead = make_rs(d, "foo-dead", 0, image="x", revision=1, desired=2, status_replicas=0, created=OLDER_TS)
    actions = sync_deployment(d, [new, dead], [], now=NOW)
    assert sizes(actions) == {"foo-new": 4}
    assert [a.name for a in of(actions, Delete)] == ["foo-dead"]


def test_resumed_deployment_gets_resumed_condition():
    paused_cond = {"type": "Progressing", "status": "Unknown", "reason": "DeploymentPaused",
                   "message": "Deployment is paused", "lastUpdateTime": OLD_TS, "lastTransitionTime": OLD_TS}
    d = make_deployment(1, annotations={ro.REVISION: "1"}, status={"conditions": [paused_cond]})
    new = make_rs(d, "foo-new", 1, revision=1, desired=1)
    actions = sync_deployment(d, [new], [], now=NOW)
    progressing = conditions_by_type(of(actions, UpdateStatus)[0].obj)["Progressing"]
    # resumed, and in the same pass the rollout is found complete
    assert progressing["reason"] == "NewReplicaSetAvailable"
    steady = {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
              "availableReplicas": 1, "conditions": [paused_cond]}
    d2 = make_deployment(1, image="nginx:9", annotations={ro.REVISION: "1"}, status=steady)
    actions = sync_deployment(d2, [new], [], now=NOW)
    progressing = conditions_by_type(of(actions, UpdateStatus)[0].obj)["Progressing"]
    assert progressing["reason"] == "NewReplicaSetCreated"


def test_resume_condition_is_written():
    paused_cond = {"type": "Progressing", "status": "Unknown", "reason": "DeploymentPaused",
                   "message": "Deployment is paused", "lastUpdateTime": OLD_TS, "lastTransitionTime": OLD_TS}
    d = make_deployment(2, annotations={ro.REVISION: "1"}, status={"conditions": [paused_cond]})
    sync = _DeploymentSync(d, [], now=NOW)
    sync.check_paused_conditions()
    progressing = conditions_by_type(sync.d)["Progressing"]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown", "DeploymentResumed", "Deployment is resumed")
    assert progressing["lastTransitionTime"] == OLD_TS  # status Unknown both times
    assert progressing["lastUpdateTime"] == stamp(NOW)


def test_timed_out_condition_is_not_replaced_by_paused():
    timed_out = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    d = make_deployment(2, paused=True, status={"conditions": [timed_out]})
    sync = _DeploymentSync(d, [], now=NOW)
    sync.check_paused_conditions()
    assert not sync.dirty


def test_scaling_event_scales_proportionally_mid_rollout():
    d = make_deployment(10, annotations={ro.REVISION: "2"})
    new = make_rs(d, "foo-v2", 2, revision=2, desired=5, created=NEW_TS)
    old = make_rs(d, "foo-v1", 3, image="old", revision=1, desired=5, created=OLD_TS)
    actions = sync_deployment(d, [new, old], [], now=NOW)
    assert sizes(actions) == {"foo-v2": 4, "foo-v1": 6}
    assert messages(actions) == ["Scaled up replica set foo-v1 to 6 from 3", "Scaled up replica set foo-v2 to 4 from 2"]


def test_deleting_deployment_only_updates_status():
    d = make_deployment(3, image="nginx:2", annotations={ro.REVISION: "1"})
    d["metadata"]["deletionTimestamp"] = stamp(NOW)
    old = make_rs(d, "foo-old", 3, image="nginx:1", revision=1, desired=3)
    actions = sync_deployment(d, [old], [], now=NOW)
    assert [type(a) for a in actions] == [UpdateStatus]
    assert actions[0].obj["status"]["replicas"] == 3


def test_selecting_all():
    d = make_deployment(1, generation=3, status={"observedGeneration": 2})
    d["spec"]["selector"] = {}
    actions = sync_deployment(d, [], [], now=NOW)
    assert actions[0].type == "Warning" and actions[0].reason == "SelectingAll"
    assert actions[0].message == "This deployment is selecting all pods. A non-empty selector is required."
    assert actions[1].obj["status"]["observedGeneration"] == 3
    d["status"]["observedGeneration"] = 3
    assert [type(a) for a in sync_deployment(d, [], [], now=NOW)] == [Event]


# --- adoption and routing ----------------------------------------------------------------------------

def test_orphan_rs_is_adopted_and_sync_ends():
    d = make_deployment(1)
    orphan = make_rs(d, "foo-orphan", 1, owned=False)
    actions = sync_deployment(d, [orphan], [], now=NOW)
    assert [type(a) for a in actions] == [Patch]
    assert actions[0].patch["metadata"]["ownerReferences"][0]["uid"] == "foo-uid"
    assert actions[0].patch["metadata"]["uid"] == "foo-orphan-uid"


def test_owned_rs_that_stopped_matching_is_released():
    d = make_deployment(1, annotations={ro.REVISION: "1"})
    new = make_rs(d, "foo-new", 1, revision=1, desired=1)
    stray = make_rs(d, "foo-stray", 1, image="x")
    stray["metadata"]["labels"] = {"app": "other"}
    actions = sync_deployment(d, [new, stray], [], now=NOW)
    release = of(actions, Patch)[0]
    assert release.name == "foo-stray"
    assert release.patch["metadata"]["ownerReferences"] == [{"$patch": "delete", "uid": "foo-uid"}]


def test_deployment_for_rs_and_pod():
    d1, d2 = make_deployment(1, name="a"), make_deployment(1, name="b")
    d2["spec"]["selector"] = {"matchLabels": {"app": "bar"}}
    owned = make_rs(d1, "a-1", 1)
    assert deployment_for_rs(owned, [d1, d2]) == [d1]
    orphan = make_rs(d1, "x-1", 1, owned=False)
    assert deployment_for_rs(orphan, [d1, d2]) == [d1]
    stranger = make_rs(d1, "x-2", 1, owned=False)
    stranger["metadata"]["labels"] = {}
    assert deployment_for_rs(stranger, [d1, d2]) == []
    pod = {"metadata": {"name": "p", "namespace": "default",
                        "ownerReferences": [{"kind": "ReplicaSet", "name": "a-1", "uid": "a-1-uid", "controller": True}]}}
    assert deployment_for_pod(pod, [owned], [d1, d2]) is d1


# --- status and progress -----------------------------------------------------------------------------

def test_calculate_status_counts():
    d = make_deployment(10, max_surge=3, max_unavailable=2, generation=4)
    new = make_rs(d, "foo-new", 5, available=3, status_replicas=4)
    old = make_rs(d, "foo-old", 8, available=6, image="x")
    status = calculate_status([old, new], new, d, now=NOW)
    assert status["observedGeneration"] == 4
    assert status["replicas"] == 12
    assert status["updatedReplicas"] == 4
    assert status["readyReplicas"] == 9
    assert status["availableReplicas"] == 9
    assert status["unavailableReplicas"] == 13 - 9  # Σ spec, not d.spec.replicas
    assert status["terminatingReplicas"] == 0
    assert conditions_by_type({"status": status})["Available"]["reason"] == "MinimumReplicasAvailable"
    assert conditions_by_type({"status": status})["Available"]["message"] == "Deployment has minimum availability."
    low = calculate_status([make_rs(d, "foo-new", 10, available=7)], None, d, now=NOW)
    assert conditions_by_type({"status": low})["Available"] == {
        "type": "Available", "status": "False", "lastUpdateTime": stamp(NOW), "lastTransitionTime": stamp(NOW),
        "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."}


def test_status_omits_zero_counts_like_go():
    d = make_deployment(0)
    status = calculate_status([make_rs(d, "foo-new", 0)], None, d, now=NOW)
    assert "replicas" not in status and "availableReplicas" not in status
    assert status["terminatingReplicas"] == 0


def test_complete_rollout_reports_new_rs_available():
    d = make_deployment(2, annotations={ro.REVISION: "1"}, status={"conditions": [
        {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": "m",
         "lastUpdateTime": OLD_TS, "lastTransitionTime": OLDER_TS}]})
    new = make_rs(d, "foo-new", 2, revision=1, desired=2)
    actions = sync_deployment(d, [new], [], now=NOW)
    written = of(actions, UpdateStatus)[0].obj
    progressing = conditions_by_type(written)["Progressing"]
    assert progressing["reason"] == "NewReplicaSetAvailable"
    assert progressing["message"] == 'ReplicaSet "foo-new" has successfully progressed.'
    assert progressing["lastTransitionTime"] == OLDER_TS
    assert [c["type"] for c in written["status"]["conditions"]] == ["Available", "Progressing"]
    # the next pass finds nothing to change and sets no timer
    assert sync_deployment(written, [new], [], now=NOW) == []


def test_progress_refreshes_last_update_time():
    stored = {"replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2,
              "observedGeneration": 1, "conditions": [
                  {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                   "message": 'ReplicaSet "foo-new" is progressing.', "lastUpdateTime": OLD_TS,
                   "lastTransitionTime": OLDER_TS}]}
    d = make_deployment(2, max_surge=1, max_unavailable=0, annotations={ro.REVISION: "2"}, status=stored)
    new = make_rs(d, "foo-new", 2, revision=2, desired=2, available=1, status_replicas=2)
    old = make_rs(d, "foo-old", 1, image="x", revision=1, desired=2, available=1)
    actions = sync_deployment(d, [new, old], [], now=NOW)
    progressing = conditions_by_type(of(actions, UpdateStatus)[0].obj)["Progressing"]
    assert progressing["lastUpdateTime"] == stamp(NOW)
    assert progressing["lastTransitionTime"] == OLDER_TS


def _stuck(since: dt.datetime, deadline: int = 600):
    stored = {"replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2,
              "unavailableReplicas": 1, "observedGeneration": 1, "terminatingReplicas": 0, "conditions": [
                  {"type": "Available", "status": "True", "lastUpdateTime": OLD_TS, "lastTransitionTime": OLD_TS,
                   "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                  {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                   "message": 'ReplicaSet "foo-new" is progressing.', "lastUpdateTime": stamp(since),
                   "lastTransitionTime": stamp(since)}]}
    d = make_deployment(2, max_surge=1, max_unavailable=0, annotations={ro.REVISION: "2"}, status=stored,
                        progress_deadline=deadline)
    new = make_rs(d, "foo-new", 1, revision=2, desired=2, available=0, status_replicas=1)
    old = make_rs(d, "foo-old", 2, image="x", revision=1, desired=2, available=2)
    return d, [new, old]


def test_stuck_rollout_is_requeued_for_its_deadline():
    d, rss = _stuck(NOW - dt.timedelta(minutes=3))
    actions = sync_deployment(d, rss, [], now=NOW)
    assert actions == [RequeueAfter(421.0)]


def test_stuck_rollout_times_out():
    d, rss = _stuck(NOW - dt.timedelta(seconds=601))
    actions = sync_deployment(d, rss, [], now=NOW)
    progressing = conditions_by_type(of(actions, UpdateStatus)[0].obj)["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"] == 'ReplicaSet "foo-new" has timed out progressing.'
    assert progressing["lastTransitionTime"] == stamp(NOW)
    assert of(actions, RequeueAfter) == []


def test_no_progress_deadline_removes_progressing():
    d, rss = _stuck(NOW, deadline=None)
    actions = sync_deployment(d, rss, [], now=NOW)
    assert "Progressing" not in conditions_by_type(of(actions, UpdateStatus)[0].obj)


def test_replica_failure_is_mirrored_and_cleared():
    failure = {"type": "ReplicaFailure", "status": "True", "lastTransitionTime": OLD_TS, "reason": "FailedCreate",
               "message": 'pods "foo-new-x" is forbidden: exceeded quota'}
    d = make_deployment(2, annotations={ro.REVISION: "1"})
    new = make_rs(d, "foo-new", 2, revision=1, desired=2, available=0, status_replicas=0, conditions=[failure])
    written = of(sync_deployment(d, [new], [], now=NOW), UpdateStatus)[0].obj
    assert conditions_by_type(written)["ReplicaFailure"] == {
        "type": "ReplicaFailure", "status": "True", "lastUpdateTime": OLD_TS, "lastTransitionTime": OLD_TS,
        "reason": "FailedCreate", "message": failure["message"]}
    healthy = make_rs(d, "foo-new", 2, revision=1, desired=2)
    written = of(sync_deployment(written, [healthy], [], now=NOW), UpdateStatus)[0].obj
    assert "ReplicaFailure" not in conditions_by_type(written)


# --- deprecated rollback annotation ------------------------------------------------------------------

PROGRESSING_DONE = {"conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}


def test_rollback_annotation_rolls_back_to_previous_revision():
    d = make_deployment(2, image="nginx:b", annotations={ro.REVISION: "2", ro.ROLLBACK_TO: "0", "note": "b"},
                        status=PROGRESSING_DONE)
    rs_a = make_rs(d, "foo-aaa", 0, image="nginx:a", revision=1, desired=2, extra_annotations={"note": "a"})
    rs_b = make_rs(d, "foo-bbb", 2, image="nginx:b", revision=2, desired=2, extra_annotations={"note": "b"})
    actions = sync_deployment(d, [rs_a, rs_b], [], now=NOW)
    update = of(actions, Update)[0]
    assert update.resource == "deployments.apps"
    assert update.obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:a"
    assert ro.POD_TEMPLATE_HASH not in update.obj["spec"]["template"]["metadata"]["labels"]
    assert update.obj["metadata"]["annotations"] == {ro.REVISION: "2", "note": "a"}
    assert messages(actions) == ['Rolled back deployment "foo" to revision 1']


@pytest.mark.parametrize(("target", "reason", "message"), [
    ("7", "DeploymentRollbackRevisionNotFound", "Unable to find the revision to rollback to."),
    ("2", "DeploymentRollbackTemplateUnchanged",
     'The rollback revision contains the same template as current deployment "foo"'),
])
def test_rollback_annotation_failures(target, reason, message):
    d = make_deployment(2, image="nginx:b", annotations={ro.REVISION: "2", ro.ROLLBACK_TO: target},
                        status=PROGRESSING_DONE)
    rs_b = make_rs(d, "foo-bbb", 2, image="nginx:b", revision=2, desired=2)
    actions = sync_deployment(d, [rs_b], [], now=NOW)
    warning = of(actions, Event)[0]
    assert (warning.type, warning.reason, warning.message) == ("Warning", reason, message)
    assert ro.ROLLBACK_TO not in of(actions, Update)[0].obj["metadata"]["annotations"]


def test_rollback_to_last_revision_without_history():
    d = make_deployment(2, annotations={ro.REVISION: "1", ro.ROLLBACK_TO: "0"}, status=PROGRESSING_DONE)
    rs_b = make_rs(d, "foo-bbb", 2, revision=1, desired=2)
    actions = sync_deployment(d, [rs_b], [], now=NOW)
    assert messages(actions) == ["Unable to find last revision."]


def test_rollback_writes_pending_revision_bookkeeping_first():
    d = make_deployment(2, image="nginx:b", annotations={ro.REVISION: "2", ro.ROLLBACK_TO: "1"})
    rs_b = make_rs(d, "foo-bbb", 2, image="nginx:b", revision=2, desired=2)
    actions = sync_deployment(d, [rs_b], [], now=NOW)
    assert [type(a) for a in actions] == [UpdateStatus]
    assert conditions_by_type(actions[0].obj)["Progressing"]["reason"] == "FoundNewReplicaSet"


# --- a whole rollout in a fake world -----------------------------------------------------------------

class World:
    """An in-memory API server in which pods are scheduled and Ready the moment they exist.

    Writes check resourceVersion like the real server, so a sync that wrote the same object
    twice would fail loudly here.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.objects: dict[tuple[str, str], dict] = {}
        self.rv = itertools.count(100)
        self.uid = itertools.count(1)
        self.names = itertools.count(1)
        self.observers: list = []

    def list(self, resource: str) -> list[dict]:
        return [copy.deepcopy(o) for (r, _), o in sorted(self.objects.items()) if r == resource]

    def get(self, resource: str, name: str) -> dict:
        return copy.deepcopy(self.objects[(resource, name)])

    def create(self, resource: str, obj: dict) -> None:
        obj = copy.deepcopy(obj)
        md = obj["metadata"]
        if "generateName" in md:
            md["name"] = f"{md.pop('generateName')}{next(self.names):05d}"
        assert (resource, md["name"]) not in self.objects, f"{resource}/{md['name']} already exists"
        md.update(uid=f"uid-{next(self.uid)}", resourceVersion=str(next(self.rv)),
                  creationTimestamp=stamp(self.now))
        if resource != "pods":
            md["generation"] = 1
            obj.setdefault("status", {})
        else:
            obj["spec"]["nodeName"] = "node-1"
            obj["status"] = {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": stamp(self.now)}]}
        self.objects[(resource, md["name"])] = obj

    def _check_rv(self, resource: str, obj: dict) -> dict:
        stored = self.objects[(resource, obj["metadata"]["name"])]
        assert obj["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"], \
            f"conflict writing {resource}/{obj['metadata']['name']}"
        return stored

    def apply(self, action) -> bool:
        """Apply one action; True when it wrote something."""
        if isinstance(action, Create):
            self.create(action.resource, action.obj)
        elif isinstance(action, Update):
            stored = self._check_rv(action.resource, action.obj)
            new = copy.deepcopy(action.obj)
            new["status"] = stored.get("status", {})
            new["metadata"]["generation"] = stored["metadata"]["generation"] + (new["spec"] != stored["spec"])
            new["metadata"]["resourceVersion"] = str(next(self.rv))
            self.objects[(action.resource, new["metadata"]["name"])] = new
        elif isinstance(action, UpdateStatus):
            stored = self._check_rv(action.resource, action.obj)
            new = copy.deepcopy(stored)
            new["status"] = copy.deepcopy(action.obj.get("status", {}))
            if action.resource == "deployments.apps":
                new["metadata"]["annotations"] = copy.deepcopy(action.obj["metadata"].get("annotations") or {})
            new["metadata"]["resourceVersion"] = str(next(self.rv))
            self.objects[(action.resource, new["metadata"]["name"])] = new
        elif isinstance(action, Delete):
            self.objects.pop((action.resource, action.name), None)
        elif isinstance(action, Patch):
            raise AssertionError(f"unexpected patch {action}")
        else:
            return False
        for observe in self.observers:
            observe(self)
        return True


def _run_replica_sets(world: World) -> bool:
    wrote = False
    for _ in range(50):
        changed = False
        for rs in world.list("replicasets.apps"):
            for action in sync_replicaset(rs, world.list("pods"), now=world.now):
                changed = world.apply(action) or changed
        if not changed:
            return wrote
        wrote = True
    raise AssertionError("ReplicaSets never settled")


def _run_deployment(world: World, name: str) -> bool:
    d = world.get("deployments.apps", name)
    wrote = False
    for action in sync_deployment(d, world.list("replicasets.apps"), world.list("pods"), now=world.now):
        wrote = world.apply(action) or wrote
    return wrote


def settle(world: World, name: str, *, rounds: int = 200) -> int:
    for i in range(rounds):
        world.now += dt.timedelta(seconds=1)
        changed = _run_replica_sets(world)
        changed = _run_deployment(world, name) or changed
        if not changed:
            return i
    raise AssertionError("rollout never converged")


def _rollout_world(replicas: int, surge, unavailable) -> World:
    world = World(NOW)
    d = make_deployment(replicas, max_surge=surge, max_unavailable=unavailable)
    d["metadata"]["resourceVersion"] = "1"
    d["status"] = {}
    world.objects[("deployments.apps", "foo")] = d
    settle(world, "foo")
    return world


def test_fake_world_initial_rollout_converges():
    world = _rollout_world(3, "25%", "25%")
    d = world.get("deployments.apps", "foo")
    assert d["metadata"]["annotations"][ro.REVISION] == "1"
    assert d["status"]["availableReplicas"] == 3 and d["status"]["updatedReplicas"] == 3
    assert [c["reason"] for c in d["status"]["conditions"]] == ["MinimumReplicasAvailable", "NewReplicaSetAvailable"]
    assert len(world.list("pods")) == 3


def _fenceposts():
    value = st.one_of(st.integers(0, 4), st.sampled_from(["0%", "10%", "25%", "50%", "100%"]))
    return st.tuples(value, value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replicas=st.integers(1, 8), fenceposts=_fenceposts(), second_update=st.booleans())
def test_rolling_update_respects_surge_and_unavailability(replicas, fenceposts, second_update):
    surge, unavailable = fenceposts
    if surge in (0, "0%") and unavailable in (0, "0%"):
        unavailable = 1  # validation forbids both zero
    world = _rollout_world(replicas, surge, unavailable)
    d = world.get("deployments.apps", "foo")
    max_surge, max_unavailable = ro.max_surge(d), ro.max_unavailable(d)

    def check(w: World) -> None:
        pods = w.list("pods")
        available = sum(1 for p in pods if p["status"]["conditions"][0]["status"] == "True")
        assert available >= replicas - max_unavailable, f"only {available} available"
        assert len(pods) <= replicas + max_surge, f"{len(pods)} pods"

    world.observers.append(check)
    images = ["nginx:2", "nginx:3"] if second_update else ["nginx:2"]
    for image in images:
        d = world.get("deployments.apps", "foo")
        d["spec"]["template"]["spec"]["containers"][0]["image"] = image
        d["metadata"]["generation"] += 1
        world.objects[("deployments.apps", "foo")] = d
        settle(world, "foo")

    d = world.get("deployments.apps", "foo")
    rss = world.list("replicasets.apps")
    new = ro.find_new_replica_set(d, rss)
    assert new is not None and new["spec"]["replicas"] == replicas
    assert all(rs["spec"]["replicas"] == 0 for rs in rss if rs is not new and rs["metadata"]["name"] !=
               new["metadata"]["name"])
    assert d["metadata"]["annotations"][ro.REVISION] == str(len(images) + 1)
    assert d["status"]["updatedReplicas"] == replicas == d["status"]["availableReplicas"]
    assert conditions_by_type(d)["Progressing"]["reason"] == "NewReplicaSetAvailable"
    assert sorted(ro.revision(rs) for rs in rss) == list(range(1, len(images) + 2))


def test_recreate_rollout_never_mixes_old_and_new_pods():
    world = World(NOW)
    d = make_deployment(4, strategy="Recreate")
    d["status"] = {}
    world.objects[("deployments.apps", "foo")] = d
    settle(world, "foo")

    def check(w: World) -> None:
        hashes = {p["metadata"]["labels"][ro.POD_TEMPLATE_HASH] for p in w.list("pods")}
        assert len(hashes) <= 1, f"old and new pods together: {hashes}"

    world.observers.append(check)
    d = world.get("deployments.apps", "foo")
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"
    d["metadata"]["generation"] += 1
    world.objects[("deployments.apps", "foo")] = d
    settle(world, "foo")
    d = world.get("deployments.apps", "foo")
    assert d["status"]["updatedReplicas"] == 4 and d["metadata"]["annotations"][ro.REVISION] == "2"
    assert sorted(rs["spec"]["replicas"] for rs in world.list("replicasets.apps")) == [0, 4]
