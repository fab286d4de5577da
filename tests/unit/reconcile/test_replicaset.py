"""ReplicaSet controller decisions, after upstream's replica_set_test.go and controller_utils_test.go."""

from __future__ import annotations

import datetime as dt

import pytest

from kroll.api.meta import format_time
from kroll.reconcile.actions import Create, Delete, Event, Patch, RequeueAfter, UpdateStatus
from kroll.reconcile.replicaset import (
    BURST_REPLICAS,
    SyncMemo,
    deletion_cost,
    deletion_rank_key,
    next_availability_check,
    pod_from_template,
    pods_to_delete,
    sync_replicaset,
)

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)
LABELS = {"app": "web", "pod-template-hash": "abc"}


def ago(seconds: float) -> str:
    return format_time(NOW - dt.timedelta(seconds=seconds))


def make_rs(replicas: int = 3, *, min_ready: int = 0, status=None, generation: int = 1, owner: str | None = "d-uid"):
    md = {"name": "web-abc", "namespace": "default", "uid": "rs-uid", "generation": generation,
          "resourceVersion": "5"}
    if owner:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": owner,
                                  "controller": True, "blockOwnerDeletion": True}]
    spec = {"replicas": replicas, "selector": {"matchLabels": dict(LABELS)},
            "template": {"metadata": {"labels": dict(LABELS), "annotations": {"a": "b"}, "finalizers": ["f"]},
                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
    if min_ready:
        spec["minReadySeconds"] = min_ready
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": md, "spec": spec, "status": status or {}}


def make_pod(name: str, *, node: str = "node-1", phase: str = "Running", ready: bool | None = True,
             ready_since: float = 3600, created: float = 7200, restarts: int = 0, owner: str | None = "rs-uid",
             labels=None, cost: str | None = None, deleting: bool = False, uid: str | None = None):
    md = {"name": name, "namespace": "default", "uid": uid or f"uid-{name}", "labels": dict(labels or LABELS),
          "creationTimestamp": ago(created)}
    if owner:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": owner,
                                  "controller": True}]
    if cost is not None:
        md["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": cost}
    if deleting:
        md["deletionTimestamp"] = ago(0)
    status = {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": restarts}]}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "lastTransitionTime": ago(ready_since)}]
    return {"metadata": md, "spec": {"nodeName": node} if node else {}, "status": status}


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


# --- creating ---------------------------------------------------------------------------------

def test_creates_missing_pods_from_template():
    rs = make_rs(3)
    actions = sync_replicaset(rs, [make_pod("p1")], now=NOW)
    creates = of(actions, Create)
    assert len(creates) == 2
    pod = creates[0].obj
    assert creates[0].resource == "pods" and creates[0].namespace == "default"
    assert pod["metadata"]["generateName"] == "web-abc-"
    assert pod["metadata"]["labels"] == LABELS
    assert pod["metadata"]["annotations"] == {"a": "b"}
    assert pod["metadata"]["finalizers"] == ["f"]
    assert pod["metadata"]["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc",
                                                   "uid": "rs-uid", "controller": True, "blockOwnerDeletion": True}]
    assert pod["spec"] == {"containers": [{"name": "c", "image": "nginx"}]}
    assert creates[0].obj is not creates[1].obj
    assert of(actions, Event) == []  # "Created pod: <name>" is recorded by the executor after the create


def test_pod_from_template_copies():
    rs = make_rs(1)
    pod = pod_from_template(rs)
    pod["spec"]["containers"][0]["image"] = "changed"
    pod["metadata"]["labels"]["x"] = "y"
    assert rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"
    assert "x" not in rs["spec"]["template"]["metadata"]["labels"]


def test_burst_limit():
    actions = sync_replicaset(make_rs(1200), [], now=NOW)
    assert len(of(actions, Create)) == BURST_REPLICAS
    pods = [make_pod(f"p{i}") for i in range(700)]
    actions = sync_replicaset(make_rs(0), pods, now=NOW)
    assert len(of(actions, Delete)) == BURST_REPLICAS


def test_no_pod_management_while_being_deleted():
    rs = make_rs(3)
    rs["metadata"]["deletionTimestamp"] = ago(0)
    actions = sync_replicaset(rs, [], now=NOW)
    assert of(actions, Create) == []


# --- deleting ---------------------------------------------------------------------------------

def test_deletes_extra_pods_with_events():
    pods = [make_pod("ready"), make_pod("not-ready", ready=False)]
    actions = sync_replicaset(make_rs(1), pods, now=NOW)
    deletes = of(actions, Delete)
    assert [(d.resource, d.name, d.uid) for d in deletes] == [("pods", "not-ready", "uid-not-ready")]
    event = of(actions, Event)[0]
    assert (event.type, event.reason, event.message, event.component) == (
        "Normal", "SuccessfulDelete", "Deleted pod: not-ready", "replicaset-controller")
    assert event.involved["kind"] == "ReplicaSet" and event.involved["metadata"]["name"] == "web-abc"
    assert actions.index(deletes[0]) < actions.index(event)


# pairs (first deleted before second), one per ranking rule
RANK_CASES = [
    ("unscheduled before scheduled", dict(node=""), dict()),
    ("pending before running", dict(phase="Pending"), dict()),
    ("unknown before running", dict(phase="Unknown"), dict()),
    ("other phases count as pending", dict(phase="Bogus"), dict(phase="Unknown")),
    ("not ready before ready", dict(ready=False), dict()),
    ("no ready condition before ready", dict(ready=None), dict()),
    ("lower deletion cost first", dict(cost="-5"), dict(cost="10")),
    ("invalid cost counts as 0", dict(cost="+10"), dict(cost="1")),
    ("more recently ready first (log scale)", dict(ready_since=10), dict(ready_since=1000)),
    ("more restarts first", dict(restarts=5), dict(restarts=1)),
    ("newer first (log scale)", dict(created=100), dict(created=100000)),
]


@pytest.mark.parametrize(("name", "first", "second"), RANK_CASES, ids=[c[0] for c in RANK_CASES])
def test_deletion_ranking(name, first, second):
    a = make_pod("a", uid="z-uid", **first)
    b = make_pod("b", uid="a-uid", **second)  # uid order would pick b: the rule must win
    assert deletion_rank_key(a, rank=0, now=NOW) < deletion_rank_key(b, rank=0, now=NOW)
    assert pods_to_delete([b, a], [], 1, now=NOW) == [a]


def test_co_located_pods_go_first():
    crowded = [make_pod(f"c{i}", node="node-1") for i in range(3)]
    alone = make_pod("alone", node="node-2", uid="0-first-by-uid")
    victims = pods_to_delete([alone, *crowded], [alone, *crowded], 2, now=NOW)
    assert all(p["spec"]["nodeName"] == "node-1" for p in victims)


def test_rank_rules_apply_in_order():
    """A low deletion cost beats co-location, which beats how recently a pod became ready."""
    cheap = deletion_rank_key(make_pod("cheap", cost="-1"), rank=1, now=NOW)
    crowded = deletion_rank_key(make_pod("crowded", ready_since=5000), rank=2, now=NOW)
    fresh = deletion_rank_key(make_pod("fresh", ready_since=1), rank=1, now=NOW)
    assert cheap < crowded < fresh


def test_same_log_bucket_falls_through_to_restarts():
    # 70s and 100s since Ready share the bucket floor(log2(ns)) = 36
    a = make_pod("a", ready_since=70, restarts=0, uid="a")
    b = make_pod("b", ready_since=100, restarts=3, uid="b")
    assert pods_to_delete([a, b], [], 1, now=NOW) == [b]


def test_sibling_replica_sets_pods_count_for_colocation():
    mine = [make_pod("m1", node="node-1"), make_pod("m2", node="node-2")]
    sibling = [make_pod(f"s{i}", node="node-2", owner="other-rs", labels={"app": "web", "pod-template-hash": "x"})
               for i in range(3)]
    owners = {"rs-uid": "d-uid", "other-rs": "d-uid", "unrelated": "x"}
    actions = sync_replicaset(make_rs(1), [*mine, *sibling], now=NOW, owner_of_rs_pods=owners)
    assert [d.name for d in of(actions, Delete)] == ["m2"]


def test_sibling_pods_passed_apart_decide_the_same():
    mine = [make_pod("m1", node="node-1"), make_pod("m2", node="node-2"), make_pod("m3", node="node-1", deleting=True)]
    orphan = [make_pod("o1", owner=None)]
    sibling = [make_pod(f"s{i}", node="node-2", owner="other-rs", labels={"app": "web", "pod-template-hash": "x"})
               for i in range(3)]
    owners = {"rs-uid": "d-uid", "other-rs": "d-uid"}
    for replicas in (0, 1, 3, 5):
        together = sync_replicaset(make_rs(replicas), [*mine, *sibling, *orphan], now=NOW, owner_of_rs_pods=owners)
        apart = sync_replicaset(make_rs(replicas), [*mine, *orphan], now=NOW, owner_of_rs_pods=owners,
                                sibling_pods=sibling)
        assert apart == together


def test_memo_reuses_pod_facts_without_changing_decisions():
    rs = make_rs(3, status={"replicas": 4, "readyReplicas": 4, "availableReplicas": 4})
    pods = [make_pod(f"p{i}", node=f"node-{i % 2}") for i in range(4)] + [make_pod("o1", owner=None)]
    memo = SyncMemo()
    assert sync_replicaset(rs, pods, now=NOW, memo=memo) == sync_replicaset(rs, pods, now=NOW)
    # a pod turns unready (a new object), one goes away, one starts terminating, one is released
    changed = [make_pod("p0", node="node-0", ready=False), pods[2], make_pod("p3", deleting=True),
               make_pod("p1", labels={"app": "other"}), pods[4]]
    for replicas in (1, 2, 5):
        scaled = make_rs(replicas, status=rs["status"])
        assert sync_replicaset(scaled, changed, now=NOW, memo=memo) == sync_replicaset(scaled, changed, now=NOW)
    # a memo made for another selector is not trusted
    other = make_rs(2)
    other["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    assert sync_replicaset(other, changed, now=NOW, memo=memo) == sync_replicaset(other, changed, now=NOW)


def test_deletion_cost_parsing():
    def cost(value):
        return deletion_cost({"metadata": {"annotations": {"controller.kubernetes.io/pod-deletion-cost": value}}})
    assert [cost(v) for v in ["10", "-10", "0", "+1", "007", "x", "2147483648", "-2147483648", "1_0", " 1"]] == [
        10, -10, 0, 0, 0, 0, 0, -2147483648, 0, 0]
    assert deletion_cost({"metadata": {}}) == 0


# --- claiming -----------------------------------------------------------------------------------

def test_adopts_orphans_and_releases_mismatches():
    orphan = make_pod("orphan", owner=None)
    stray = make_pod("stray", labels={"app": "other"})
    foreign = make_pod("foreign", owner="someone-else")
    actions = sync_replicaset(make_rs(1), [orphan, stray, foreign], now=NOW)
    patches = of(actions, Patch)
    assert [p.name for p in patches] == ["orphan", "stray"]
    assert patches[0].patch["metadata"]["ownerReferences"][0]["uid"] == "rs-uid"
    assert patches[1].patch["metadata"]["ownerReferences"] == [{"$patch": "delete", "uid": "rs-uid"}]
    assert of(actions, Create) == []  # the adopted orphan counts
    assert of(actions, UpdateStatus)[0].obj["status"]["replicas"] == 1


def test_inactive_pods_are_not_counted():
    pods = [make_pod("done", phase="Succeeded"), make_pod("failed", phase="Failed"), make_pod("going", deleting=True)]
    actions = sync_replicaset(make_rs(1), pods, now=NOW)
    assert len(of(actions, Create)) == 1
    status = of(actions, UpdateStatus)[0].obj["status"]
    assert status["replicas"] == 0 and status["terminatingReplicas"] == 1


# --- status -----------------------------------------------------------------------------------

def test_status_counts_and_observed_generation():
    pods = [make_pod("a"), make_pod("b", ready=False), make_pod("c", labels={**LABELS, "extra": "x"}),
            make_pod("d", ready_since=2)]
    rs = make_rs(4, min_ready=10, generation=3)
    actions = sync_replicaset(rs, pods, now=NOW)
    status = of(actions, UpdateStatus)[0].obj["status"]
    assert status == {"replicas": 4, "fullyLabeledReplicas": 4, "readyReplicas": 3, "availableReplicas": 2,
                      "terminatingReplicas": 0, "observedGeneration": 3}
    # d became ready 2s ago and needs 10: back in 8s
    assert of(actions, RequeueAfter) == [RequeueAfter(8.0)]


def test_fully_labeled_needs_every_template_label():
    pod = make_pod("a", labels={"app": "web", "pod-template-hash": "abc"})
    rs = make_rs(1)
    rs["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    status = of(sync_replicaset(rs, [pod], now=NOW), UpdateStatus)[0].obj["status"]
    assert "fullyLabeledReplicas" not in status  # 0, omitted like Go's omitempty


def test_status_not_written_when_unchanged():
    status = {"replicas": 1, "fullyLabeledReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
              "terminatingReplicas": 0, "observedGeneration": 1}
    assert sync_replicaset(make_rs(1, status=status), [make_pod("a")], now=NOW) == []
    # a new generation is written even when the counts are the same
    actions = sync_replicaset(make_rs(1, status=status, generation=2), [make_pod("a")], now=NOW)
    assert of(actions, UpdateStatus)[0].obj["status"]["observedGeneration"] == 2


def test_zero_counts_are_omitted_but_replicas_kept():
    actions = sync_replicaset(make_rs(0, status={"replicas": 1}), [], now=NOW)
    assert of(actions, UpdateStatus)[0].obj["status"] == {"replicas": 0, "terminatingReplicas": 0,
                                                          "observedGeneration": 1}


def test_replica_failure_condition():
    rs = make_rs(3)
    actions = sync_replicaset(rs, [make_pod("a")], now=NOW, manage_replicas_error='pods "x" is forbidden: quota')
    assert of(actions, Create) == []
    written = of(actions, UpdateStatus)[0].obj
    assert written["status"]["conditions"] == [{
        "type": "ReplicaFailure", "status": "True", "lastTransitionTime": format_time(NOW),
        "reason": "FailedCreate", "message": 'pods "x" is forbidden: quota'}]
    # an existing failure is kept as is on another failure, and cleared by a normal sync
    again = sync_replicaset(written, [make_pod("a")], now=NOW + dt.timedelta(hours=1), manage_replicas_error="other")
    assert again == []
    cleared = sync_replicaset(written, [make_pod("a")], now=NOW)
    assert "conditions" not in of(cleared, UpdateStatus)[0].obj["status"]
    too_many = sync_replicaset(make_rs(0), [make_pod("a")], now=NOW, manage_replicas_error="boom")
    assert of(too_many, UpdateStatus)[0].obj["status"]["conditions"][0]["reason"] == "FailedDelete"


def test_next_availability_check():
    pods = [make_pod("p1", ready=False, ready_since=0), make_pod("p2", ready_since=2), make_pod("p3", ready_since=0),
            make_pod("p4", ready_since=4), make_pod("p5", ready=False, ready_since=0)]
    assert next_availability_check(pods, 10, now=NOW) == 6.0
    ripe = [make_pod("p1", ready_since=15), make_pod("p2", ready_since=11), make_pod("p3", ready_since=10)]
    assert next_availability_check(ripe, 10, now=NOW) is None


def test_requeue_falls_back_to_min_ready_seconds():
    # ready exactly minReadySeconds ago: not yet available (strictly after), no future check
    actions = sync_replicaset(make_rs(1, min_ready=10), [make_pod("a", ready_since=10)], now=NOW)
    assert of(actions, RequeueAfter) == [RequeueAfter(10.0)]


def test_inputs_are_not_mutated():
    rs = make_rs(2)
    pods = [make_pod("a"), make_pod("b"), make_pod("c")]
    before = repr((rs, pods))
    sync_replicaset(rs, pods, now=NOW)
    assert repr((rs, pods)) == before
