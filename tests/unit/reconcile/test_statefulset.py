"""StatefulSet decisions: revisions, ordered pods, partitions, OnDelete, scale-down, the
67250 improvement, status, history truncation, and a small simulated cluster."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import orjson
import pytest

from kroll.api.meta import format_time
from kroll.reconcile.actions import Create, Delete, Event, Patch, RequeueAfter, Update, UpdateStatus
from kroll.reconcile.hashing import controller_revision_hash
from kroll.reconcile.history import (
    CONTROLLER_HASH_LABEL,
    REVISION_HASH_LABEL,
    new_controller_revision,
    revision_data,
)
from kroll.reconcile.statefulset import (
    POD_INDEX_LABEL,
    POD_NAME_LABEL,
    built_from_current,
    new_statefulset_pod,
    sync_statefulset,
)

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)
T0 = "2026-11-22T11:00:00Z"


def tmpl(image: str = "nginx:1") -> dict:
    return {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": image}], "restartPolicy": "Always"}}


def make_sts(*, image: str = "nginx:1", replicas: int = 3, gen: int = 1, policy: str | None = None,
             strategy: dict | None = None, status: dict | None = None, min_ready: int = 0, history_limit: int = 10,
             annotations=None, ordinals_start: int | None = None, claims: list | None = None) -> dict:
    spec: dict[str, Any] = {
        "replicas": replicas, "serviceName": "web-svc", "selector": {"matchLabels": {"app": "web"}},
        "template": tmpl(image), "podManagementPolicy": policy or "OrderedReady",
        "updateStrategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "revisionHistoryLimit": history_limit, "minReadySeconds": min_ready,
    }
    if ordinals_start is not None:
        spec["ordinals"] = {"start": ordinals_start}
    if claims:
        spec["volumeClaimTemplates"] = claims
    meta = {"name": "web", "namespace": "default", "uid": "sts-uid", "generation": gen, "resourceVersion": "10"}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": spec,
            "status": status if status is not None else {}}


def cr_for(sts: dict, revision: int, *, created: str = T0) -> dict:
    cr = new_controller_revision(sts, kind="StatefulSet", template_labels={"app": "web"}, data=revision_data(sts),
                                 revision=revision, collision_count=0)
    cr["metadata"].update(uid=f"cr-{revision}", creationTimestamp=created, resourceVersion="5")
    return cr


def rev_name(sts: dict, collision_count: int = 0) -> str:
    return f"web-{controller_revision_hash(revision_data(sts), collision_count)}"


def pod(ordinal: int, revision: str, *, ready: bool = True, phase: str = "Running", ready_since: str = T0,
        deleting: bool = False, waiting: str | None = None, name: str | None = None) -> dict:
    name = name or f"web-{ordinal}"
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}", "creationTimestamp": T0,
            "resourceVersion": "7",
            "labels": {"app": "web", REVISION_HASH_LABEL: revision, POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "sts-uid",
                                 "controller": True, "blockOwnerDeletion": True}]}
    if deleting:
        meta["deletionTimestamp"] = T0
    status: dict[str, Any] = {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_since}]}
    if waiting:
        status["containerStatuses"] = [{"name": "nginx", "ready": False, "state": {"waiting": {"reason": waiting}}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"hostname": name, "subdomain": "web-svc"},
            "status": status}


def summary(actions) -> list[tuple]:
    out: list[tuple] = []
    for a in actions:
        if isinstance(a, Create) and a.resource == "pods":
            out.append(("create", a.obj["metadata"]["name"], a.obj["metadata"]["labels"][REVISION_HASH_LABEL]))
        elif isinstance(a, Create):
            out.append(("create-cr", a.obj["metadata"]["name"], a.obj["revision"]))
        elif isinstance(a, Update) and a.resource == "pods":
            out.append(("update-pod", a.obj["metadata"]["name"]))
        elif isinstance(a, Update):
            out.append(("update-cr", a.obj["metadata"]["name"], a.obj["revision"]))
        elif isinstance(a, Delete):
            out.append(("delete" if a.resource == "pods" else "delete-cr", a.name))
        elif isinstance(a, UpdateStatus):
            out.append(("status",))
        elif isinstance(a, Patch):
            out.append(("patch", a.resource, a.name))
        elif isinstance(a, Event):
            out.append(("event", a.reason, a.message))
        elif isinstance(a, RequeueAfter):
            out.append(("requeue", round(a.seconds, 3)))
    return out


def pod_actions(actions) -> list[tuple]:
    return [s for s in summary(actions) if s[0] in ("create", "delete")]


def status_of(actions) -> dict | None:
    writes = [a for a in actions if isinstance(a, UpdateStatus)]
    return writes[-1].obj["status"] if writes else None


V1 = make_sts(image="nginx:1")
V2 = make_sts(image="nginx:2", gen=2)
R1, R2 = rev_name(V1), rev_name(V2)


def updating(**kw) -> tuple[dict, list[dict]]:
    """The set at nginx:2 with history [r1, r2] and status still saying r1 is current."""
    status = {"currentRevision": R1, "updateRevision": R1, "observedGeneration": 1, "replicas": 3,
              "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
              "collisionCount": 0}
    return make_sts(image="nginx:2", gen=2, status=status, **kw), [cr_for(V1, 1), cr_for(V2, 2)]


# --------------------------------------------------------------------------- revisions

def test_first_sync_creates_the_revision_and_only_web_0():
    sts = make_sts(annotations={"kubernetes.io/change-cause": "initial"})
    actions = sync_statefulset(sts, [], [], now=NOW)
    s = summary(actions)
    assert s[0] == ("create-cr", R1, 1)
    assert pod_actions(actions) == [("create", "web-0", R1)]
    cr = actions[0].obj
    assert cr["metadata"]["labels"] == {"app": "web", CONTROLLER_HASH_LABEL: R1.removeprefix("web-")}
    assert cr["metadata"]["annotations"] == {"kubernetes.io/change-cause": "initial"}
    # the pod create event comes from the shell once the create succeeded
    assert not [a for a in actions if isinstance(a, Event)]
    assert status_of(actions) == {"observedGeneration": 1, "replicas": 0, "currentRevision": R1,
                                  "updateRevision": R1, "collisionCount": 0, "availableReplicas": 0}


def test_revision_roll_forward():
    # revisions 1 (nginx:1) and 2 (nginx:2); the set goes back to nginx:1 -> r1 becomes revision 3
    sts = make_sts(image="nginx:1", gen=3, status={"currentRevision": R2, "updateRevision": R2})
    pods = [pod(i, R2) for i in range(3)]
    actions = sync_statefulset(sts, pods, [cr_for(V1, 1), cr_for(V2, 2)], now=NOW)
    s = summary(actions)
    assert s[0] == ("update-cr", R1, 3)
    assert not [x for x in s if x[0] == "create-cr"]
    assert pod_actions(actions) == [("delete", "web-2")]
    assert status_of(actions)["updateRevision"] == R1 and status_of(actions)["currentRevision"] == R2


def test_unchanged_template_reuses_the_newest_revision():
    sts = make_sts(status={"currentRevision": R1})
    actions = sync_statefulset(sts, [pod(i, R1) for i in range(3)], [cr_for(V1, 1)], now=NOW)
    assert [s for s in summary(actions) if s[0] in ("create-cr", "update-cr")] == []


def test_name_collision_bumps_the_collision_count():
    squatter = cr_for(make_sts(image="other"), 1)
    squatter["metadata"]["name"] = R1
    squatter["metadata"]["labels"] = {"app": "other"}  # not selected: just occupying the name
    actions = sync_statefulset(make_sts(), [], [squatter], now=NOW)
    assert summary(actions)[0] == ("create-cr", rev_name(V1, 1), 1)
    assert status_of(actions)["collisionCount"] == 1
    assert status_of(actions)["updateRevision"] == rev_name(V1, 1)


def test_orphan_revisions_and_pods_are_adopted():
    orphan = cr_for(V1, 1)
    del orphan["metadata"]["ownerReferences"]
    p = pod(0, R1)
    del p["metadata"]["ownerReferences"]
    other = pod(0, R1, name="db-0")
    del other["metadata"]["ownerReferences"]
    actions = sync_statefulset(make_sts(replicas=1), [p, other], [orphan], now=NOW)
    patches = [(s[1], s[2]) for s in summary(actions) if s[0] == "patch"]
    # db-0 is not a member of web (isMemberOf), even though the labels match
    assert patches == [("controllerrevisions.apps", R1), ("pods", "web-0")]


# --------------------------------------------------------------------------- pods

def test_pod_shape():
    claims = [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]
    sts = make_sts(claims=claims)
    sts["spec"]["template"]["spec"]["volumes"] = [{"name": "cfg", "configMap": {"name": "c"}},
                                                  {"name": "data", "emptyDir": {}}]
    p = new_statefulset_pod(sts, sts["spec"]["template"], "web-abc", 4)
    assert p["metadata"]["name"] == "web-4" and p["metadata"]["generateName"] == "web-"
    assert p["metadata"]["labels"] == {"app": "web", POD_NAME_LABEL: "web-4", POD_INDEX_LABEL: "4",
                                       REVISION_HASH_LABEL: "web-abc"}
    assert p["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    assert p["spec"]["hostname"] == "web-4" and p["spec"]["subdomain"] == "web-svc"
    assert p["spec"]["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "data-web-4"}},
                                    {"name": "cfg", "configMap": {"name": "c"}}]
    assert len(sts["spec"]["template"]["spec"]["volumes"]) == 2  # input untouched


@pytest.mark.parametrize(("ready", "expected"), [
    ([True], [("create", "web-1", R1)]),
    ([False], []),
    ([True, True, True], []),
])
def test_ordered_ready_creates_one_pod_after_the_previous_is_ready(ready, expected):
    pods = [pod(i, R1, ready=r) for i, r in enumerate(ready)]
    assert pod_actions(sync_statefulset(V1, pods, [cr_for(V1, 1)], now=NOW)) == expected


def test_ordered_ready_waits_for_min_ready_seconds():
    sts = make_sts(min_ready=30)
    fresh = pod(0, R1, ready_since=format_time(NOW - dt.timedelta(seconds=5)))
    actions = sync_statefulset(sts, [fresh], [cr_for(V1, 1)], now=NOW)
    assert pod_actions(actions) == []
    assert ("requeue", 25.5) in summary(actions)
    later = NOW + dt.timedelta(seconds=26)
    assert pod_actions(sync_statefulset(sts, [fresh], [cr_for(V1, 1)], now=later)) == [("create", "web-1", R1)]


def test_parallel_creates_everything_at_once():
    sts = make_sts(policy="Parallel")
    assert pod_actions(sync_statefulset(sts, [], [cr_for(sts, 1)], now=NOW)) == [
        ("create", "web-0", R1), ("create", "web-1", R1), ("create", "web-2", R1)]


def test_ordinals_start():
    sts = make_sts(ordinals_start=5, policy="Parallel", replicas=2)
    actions = sync_statefulset(sts, [pod(0, R1)], [cr_for(V1, 1)], now=NOW)
    # web-0 is outside [5, 7): condemned
    assert pod_actions(actions) == [("create", "web-5", R1), ("create", "web-6", R1), ("delete", "web-0")]
    created = next(a.obj for a in actions if isinstance(a, Create) and a.resource == "pods")
    assert created["metadata"]["labels"][POD_INDEX_LABEL] == "5"


def test_failed_pods_are_deleted_and_recreated():
    pods = [pod(0, R1, phase="Failed", ready=False), pod(1, R1)]
    actions = sync_statefulset(V1, pods, [cr_for(V1, 1)], now=NOW)
    assert pod_actions(actions) == [("delete", "web-0")]
    assert ("event", "SuccessfulDelete", "delete Pod web-0 in StatefulSet web successful") in summary(actions)
    assert pod_actions(sync_statefulset(V1, pods[1:], [cr_for(V1, 1)], now=NOW)) == [("create", "web-0", R1)]


def test_terminating_pod_blocks_ordered_progress():
    pods = [pod(0, R1, deleting=True)]
    assert pod_actions(sync_statefulset(V1, pods, [cr_for(V1, 1)], now=NOW)) == []


@pytest.mark.parametrize(("policy", "expected"), [
    ("OrderedReady", [("delete", "web-4")]),
    ("Parallel", [("delete", "web-4"), ("delete", "web-3")]),
])
def test_scale_down_from_the_highest_ordinal(policy, expected):
    sts = make_sts(replicas=3, policy=policy)
    pods = [pod(i, R1) for i in range(5)]
    assert pod_actions(sync_statefulset(sts, pods, [cr_for(sts, 1)], now=NOW)) == expected


def test_scale_down_waits_for_the_terminating_pod():
    sts = make_sts(replicas=3)
    pods = [pod(i, R1) for i in range(4)] + [pod(4, R1, deleting=True)]
    assert pod_actions(sync_statefulset(sts, pods, [cr_for(sts, 1)], now=NOW)) == []


def test_scale_down_deletes_an_unhealthy_condemned_pod_only_if_it_is_the_first_unhealthy():
    sts = make_sts(replicas=2)
    pods = [pod(0, R1), pod(1, R1), pod(2, R1, ready=False), pod(3, R1, ready=False)]
    # web-2 is the first unhealthy pod: web-3 (also unhealthy, higher) blocks
    assert pod_actions(sync_statefulset(sts, pods, [cr_for(sts, 1)], now=NOW)) == []
    pods = [pod(0, R1), pod(1, R1), pod(2, R1, ready=False), pod(3, R1)]
    assert pod_actions(sync_statefulset(sts, pods, [cr_for(sts, 1)], now=NOW)) == [("delete", "web-3")]


def test_identity_is_restored():
    p = pod(0, R1)
    del p["metadata"]["labels"][POD_NAME_LABEL]
    actions = sync_statefulset(make_sts(replicas=1), [p], [cr_for(V1, 1)], now=NOW)
    updates = [a for a in actions if isinstance(a, Update)]
    assert updates[0].obj["metadata"]["labels"][POD_NAME_LABEL] == "web-0"
    assert ("event", "SuccessfulUpdate", "update Pod web-0 in StatefulSet web successful") in summary(actions)
    assert POD_NAME_LABEL not in p["metadata"]["labels"]


# --------------------------------------------------------------------------- updates

def test_rolling_update_starts_at_the_highest_ordinal():
    sts, crs = updating()
    actions = sync_statefulset(sts, [pod(i, R1) for i in range(3)], crs, now=NOW)
    assert pod_actions(actions) == [("delete", "web-2")]
    st = status_of(actions)
    # as upstream: counted from the snapshot, then one current replica less per deletion
    assert (st["currentRevision"], st["updateRevision"], st["currentReplicas"]) == (R1, R2, 2)


def test_rolling_update_recreates_at_the_update_revision_then_waits():
    sts, crs = updating()
    pods = [pod(0, R1), pod(1, R1)]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == [("create", "web-2", R2)]
    pods.append(pod(2, R2, ready=False))
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == []
    pods[2] = pod(2, R2)
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == [("delete", "web-1")]


@pytest.mark.parametrize(("partition", "pods_at", "expected"), [
    (2, [R1, R1, R1], [("delete", "web-2")]),
    (2, [R1, R1, R2], []),
    (3, [R1, R1, R1], []),
    (0, [R1, R2, R2], [("delete", "web-0")]),
])
def test_partition(partition, pods_at, expected):
    sts, crs = updating(strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": partition}})
    pods = [pod(i, r) for i, r in enumerate(pods_at)]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == expected


def test_partition_recreates_low_ordinals_at_the_current_revision():
    sts, crs = updating(strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    pods = [pod(1, R1), pod(2, R2)]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == [("create", "web-0", R1)]


def test_max_unavailable():
    sts, crs = updating(replicas=5, strategy={"type": "RollingUpdate",
                                              "rollingUpdate": {"partition": 0, "maxUnavailable": 2}})
    pods = [pod(i, R1) for i in range(5)]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == [("delete", "web-4"), ("delete", "web-3")]
    sts["spec"]["podManagementPolicy"] = "Parallel"
    pods[4] = pod(4, R2, ready=False)
    # one unavailable already -> one more may go
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == [("delete", "web-3")]


def test_on_delete_never_deletes_for_an_update():
    sts, crs = updating(strategy={"type": "OnDelete"})
    pods = [pod(i, R1) for i in range(3)]
    actions = sync_statefulset(sts, pods, crs, now=NOW)
    assert pod_actions(actions) == []
    # the not-ready rule does not apply either: OnDelete means hands off
    pods[2] = pod(2, R1, ready=False)
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == []
    # a pod deleted by the user comes back at the update revision
    assert pod_actions(sync_statefulset(sts, pods[:2], crs, now=NOW)) == [("create", "web-2", R2)]


def test_without_a_rolling_update_block_current_replicas_decide_the_revision():
    sts, crs = updating(strategy={"type": "RollingUpdate"})
    sts["status"]["currentReplicas"] = 2
    assert built_from_current(sts, 1) and not built_from_current(sts, 2)
    pods = [pod(1, R1), pod(2, R2)]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == [("create", "web-0", R1)]


def test_completion_moves_current_revision():
    sts, crs = updating()
    pods = [pod(i, R2) for i in range(3)]
    st = status_of(sync_statefulset(sts, pods, crs, now=NOW))
    assert st == {"observedGeneration": 2, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                  "updatedReplicas": 3, "currentRevision": R2, "updateRevision": R2, "collisionCount": 0,
                  "availableReplicas": 3}
    # not all ready: no completion yet
    pods[0] = pod(0, R2, ready=False)
    st = status_of(sync_statefulset(sts, pods, crs, now=NOW))
    assert st["currentRevision"] == R1 and st["updatedReplicas"] == 3 and st["readyReplicas"] == 2


def test_status_not_written_when_unchanged():
    sts = make_sts(status={"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                           "updatedReplicas": 3, "currentRevision": R1, "updateRevision": R1, "collisionCount": 0,
                           "availableReplicas": 3})
    assert sync_statefulset(sts, [pod(i, R1) for i in range(3)], [cr_for(V1, 1)], now=NOW) == []


# --------------------------------------------------------------------------- kubernetes issue 67250

def test_rollback_replaces_a_stuck_pod_at_once():
    # web-0, web-1 at r1 (current); web-2 at the broken r2, never Ready. rollout undo -> the
    # template is nginx:1 again: r1 is rolled forward and becomes the update revision.
    status = {"currentRevision": R1, "updateRevision": R2, "observedGeneration": 2, "replicas": 3,
              "readyReplicas": 2, "currentReplicas": 2, "updatedReplicas": 1, "collisionCount": 0}
    sts = make_sts(image="nginx:1", gen=3, status=status)
    pods = [pod(0, R1), pod(1, R1), pod(2, R2, ready=False, waiting="CrashLoopBackOff")]
    actions = sync_statefulset(sts, pods, [cr_for(V1, 1), cr_for(V2, 2)], now=NOW)
    assert summary(actions)[0] == ("update-cr", R1, 3)
    # upstream would wait for web-2 to become Ready, forever; kroll replaces it now
    assert pod_actions(actions) == [("delete", "web-2")]
    # ... and the next sync recreates it at the restored revision
    assert pod_actions(sync_statefulset(sts, pods[:2], [cr_for(V1, 3), cr_for(V2, 2)], now=NOW)) == [
        ("create", "web-2", R1)]


@pytest.mark.parametrize("policy", ["OrderedReady", "Parallel"])
def test_an_outdated_not_ready_pod_never_blocks(policy):
    sts, crs = updating(policy=policy)
    pods = [pod(0, R1), pod(1, R1, ready=False, phase="Pending"), pod(2, R1)]
    actions = sync_statefulset(sts, pods, crs, now=NOW)
    assert pod_actions(actions)[0] == ("delete", "web-1")


def test_a_not_ready_pod_at_the_update_revision_is_waited_for():
    sts, crs = updating()
    pods = [pod(0, R1), pod(1, R1), pod(2, R2, ready=False, waiting="CrashLoopBackOff")]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == []


def test_the_rule_leaves_pods_below_the_partition_alone():
    sts, crs = updating(strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    pods = [pod(0, R1), pod(1, R1, ready=False), pod(2, R2)]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == []


def test_a_ready_but_crash_looping_outdated_pod_is_replaced():
    sts, crs = updating()
    pods = [pod(0, R1), pod(1, R1), pod(2, R1, waiting="ImagePullBackOff")]
    assert pod_actions(sync_statefulset(sts, pods, crs, now=NOW)) == [("delete", "web-2")]


# --------------------------------------------------------------------------- history

def test_truncate_history_keeps_live_revisions():
    versions = [make_sts(image=f"nginx:{i}") for i in range(1, 6)]
    crs = [cr_for(v, i + 1) for i, v in enumerate(versions)]
    names = [c["metadata"]["name"] for c in crs]
    sts = make_sts(image="nginx:5", gen=5, history_limit=1, status={"currentRevision": names[3]})
    pods = [pod(0, names[0]), pod(1, names[3]), pod(2, names[3])]
    actions = sync_statefulset(sts, pods, crs, now=NOW)
    # live: r5 (update), r4 (current), r1 (web-0); history r2, r3 -> keep one -> delete r2
    assert [s[1] for s in summary(actions) if s[0] == "delete-cr"] == [names[1]]


def test_deleting_set_only_updates_status():
    sts = make_sts()
    sts["metadata"]["deletionTimestamp"] = T0
    actions = sync_statefulset(sts, [pod(0, R1)], [cr_for(V1, 1)], now=NOW)
    assert pod_actions(actions) == []
    assert status_of(actions)["replicas"] == 1


def test_inputs_are_never_mutated():
    sts, crs = updating()
    pods = [pod(0, R1), pod(1, R1, ready=False), pod(5, R1)]
    before = orjson.dumps([sts, pods, crs])
    sync_statefulset(sts, pods, crs, now=NOW)
    assert orjson.dumps([sts, pods, crs]) == before


# --------------------------------------------------------------------------- a small world

class World:
    """An in-memory cluster where pods are Running and Ready as soon as they are created and
    deletions take effect at once."""

    def __init__(self, sts: dict) -> None:
        self.sts = copy.deepcopy(sts)
        self.pods: dict[str, dict] = {}
        self.crs: dict[str, dict] = {}
        self.clock = NOW
        self.counter = 0
        self.deleted: list[str] = []

    def apply(self, actions) -> None:
        for a in actions:
            if isinstance(a, Create):
                obj = copy.deepcopy(a.obj)
                self.counter += 1
                obj["metadata"].update(uid=f"u{self.counter}", creationTimestamp=format_time(self.clock),
                                       resourceVersion=str(self.counter))
                if a.resource == "pods":
                    assert obj["metadata"]["name"] not in self.pods
                    obj["status"] = {"phase": "Running", "conditions": [
                        {"type": "Ready", "status": "True", "lastTransitionTime": format_time(self.clock)}]}
                    self.pods[obj["metadata"]["name"]] = obj
                else:
                    self.crs[obj["metadata"]["name"]] = obj
            elif isinstance(a, Update):
                (self.pods if a.resource == "pods" else self.crs)[a.obj["metadata"]["name"]] = copy.deepcopy(a.obj)
            elif isinstance(a, UpdateStatus):
                self.sts["status"] = copy.deepcopy(a.obj["status"])
            elif isinstance(a, Delete):
                if a.resource == "pods":
                    self.deleted.append(a.name)
                (self.pods if a.resource == "pods" else self.crs).pop(a.name, None)

    def run(self, limit: int = 100) -> None:
        for _ in range(limit):
            actions = sync_statefulset(self.sts, list(self.pods.values()), list(self.crs.values()), now=self.clock)
            if not actions:
                return
            self.apply(actions)
            self.clock += dt.timedelta(seconds=1)
        raise AssertionError("did not settle")

    def set_image(self, image: str) -> None:
        self.sts["spec"]["template"]["spec"]["containers"][0]["image"] = image
        self.sts["metadata"]["generation"] += 1

    def images(self) -> dict[str, str]:
        return {n: p["spec"]["containers"][0]["image"] for n, p in sorted(self.pods.items())}


def test_world_partitioned_update():
    world = World(make_sts(replicas=4))
    world.run()
    assert world.images() == {f"web-{i}": "nginx:1" for i in range(4)}
    first = world.sts["status"]["currentRevision"]

    world.sts["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 2
    world.sts["metadata"]["generation"] += 1
    world.set_image("nginx:2")
    world.run()
    assert world.images() == {"web-0": "nginx:1", "web-1": "nginx:1", "web-2": "nginx:2", "web-3": "nginx:2"}
    assert world.deleted == ["web-3", "web-2"]
    st = world.sts["status"]
    assert st["currentRevision"] == first != st["updateRevision"]
    assert (st["updatedReplicas"], st["currentReplicas"], st["readyReplicas"]) == (2, 2, 4)

    world.sts["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 0
    world.sts["metadata"]["generation"] += 1
    world.run()
    assert set(world.images().values()) == {"nginx:2"}
    assert world.deleted == ["web-3", "web-2", "web-1", "web-0"]
    st = world.sts["status"]
    assert st["currentRevision"] == st["updateRevision"] and st["currentReplicas"] == 4

    # rollback: revision 1 comes back as revision 3 and every pod returns to nginx:1
    world.set_image("nginx:1")
    world.run()
    assert set(world.images().values()) == {"nginx:1"}
    assert sorted((c["revision"], c["metadata"]["name"]) for c in world.crs.values()) == [
        (2, st["updateRevision"]), (3, first)]
    assert world.sts["status"]["currentRevision"] == first


def test_world_scale_up_and_down_in_order():
    world = World(make_sts(replicas=3))
    world.run()
    world.sts["spec"]["replicas"] = 1
    world.run()
    assert list(world.pods) == ["web-0"]
    assert world.deleted == ["web-2", "web-1"]
