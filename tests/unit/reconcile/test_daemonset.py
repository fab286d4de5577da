"""DaemonSet decisions: history, node eligibility, manage, rolling update, status."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kroll.api.meta import format_time
from kroll.reconcile.actions import Create, Delete, Event, Patch, RequeueAfter, Update, UpdateStatus
from kroll.reconcile.daemonset import (
    FAILED_POD_BACKOFF_SECONDS,
    TEMPLATE_GENERATION_ANNOTATION,
    TEMPLATE_GENERATION_LABEL,
    daemon_pod_tolerations,
    desired_node_counts,
    new_daemon_pod,
    node_name_affinity,
    node_should_run_daemon_pod,
    scaled_value,
    sync_daemonset,
    target_node_name,
)
from kroll.reconcile.hashing import template_hash
from kroll.reconcile.history import REVISION_HASH_LABEL, new_controller_revision, revision_data

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)
T0 = "2026-11-22T11:00:00Z"


def tmpl(image: str = "fluentd:1", **spec_extra: Any) -> dict:
    return {"metadata": {"labels": {"app": "ds"}},
            "spec": {"containers": [{"name": "c", "image": image}], "restartPolicy": "Always", **spec_extra}}


def make_ds(*, template: dict | None = None, gen: int = 1, strategy: dict | None = None, annotations=None,
            status: dict | None = None, min_ready: int = 0, history_limit: int = 10, selector=None) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "fluentd", "namespace": "default", "uid": "ds-uid", "generation": gen,
                     "resourceVersion": "10",
                     "annotations": {TEMPLATE_GENERATION_ANNOTATION: str(gen), **(annotations or {})}},
        "spec": {"selector": selector if selector is not None else {"matchLabels": {"app": "ds"}},
                 "template": template or tmpl(),
                 "updateStrategy": strategy or {"type": "RollingUpdate",
                                                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                 "revisionHistoryLimit": history_limit, "minReadySeconds": min_ready},
        "status": status if status is not None else {},
    }


def node(name: str, labels=None, taints=None, unschedulable=False) -> dict:
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}}, "spec": spec}


def cr_for(ds: dict, revision: int, *, uid: str | None = None, created: str = T0) -> dict:
    cr = new_controller_revision(ds, kind="DaemonSet", template_labels=ds["spec"]["template"]["metadata"]["labels"],
                                 data=revision_data(ds), revision=revision,
                                 collision_count=ds["status"].get("collisionCount"))
    cr["metadata"]["uid"] = uid or f"cr-{revision}"
    cr["metadata"]["creationTimestamp"] = created
    cr["metadata"]["resourceVersion"] = "5"
    return cr


def hash_of(ds: dict) -> str:
    return template_hash(ds["spec"]["template"], ds["status"].get("collisionCount"))


def pod(ds: dict, node_name: str | None, *, name: str | None = None, hash_: str | None = None, ready: bool = True,
        phase: str = "Running", created: str = T0, ready_since: str = T0, deleting: bool = False,
        gen: int | None = None, bound: bool = True, conditions: list | None = None) -> dict:
    labels = {"app": "ds", REVISION_HASH_LABEL: hash_ if hash_ is not None else hash_of(ds)}
    if gen is not None:
        labels[TEMPLATE_GENERATION_LABEL] = str(gen)
    spec: dict[str, Any] = {"affinity": node_name_affinity(None, node_name)} if node_name else {}
    if bound and node_name:
        spec["nodeName"] = node_name
    meta = {"name": name or f"fluentd-{node_name}", "namespace": "default", "uid": f"uid-{name or node_name}",
            "creationTimestamp": created, "labels": labels, "resourceVersion": "7",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd",
                                 "uid": "ds-uid", "controller": True, "blockOwnerDeletion": True}]}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-22T11:59:00Z"
    if conditions is None:
        conditions = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_since}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
            "status": {"phase": phase, "conditions": conditions}}


def summary(actions) -> list[tuple]:
    out: list[tuple] = []
    for a in actions:
        if isinstance(a, Create) and a.resource == "pods":
            out.append(("create", target_node_name(a.obj)))
        elif isinstance(a, Create):
            out.append(("create-cr", a.obj["metadata"]["name"], a.obj["revision"]))
        elif isinstance(a, Update):
            out.append(("update-cr", a.obj["metadata"]["name"], a.obj["revision"]))
        elif isinstance(a, Delete):
            out.append(("delete" if a.resource == "pods" else "delete-cr", a.name))
        elif isinstance(a, UpdateStatus):
            out.append(("status",))
        elif isinstance(a, Patch):
            out.append(("patch", a.resource, a.name))
        elif isinstance(a, Event):
            out.append(("event", a.reason))
        elif isinstance(a, RequeueAfter):
            out.append(("requeue", round(a.seconds, 3)))
    return out


def pod_actions(actions) -> list[tuple]:
    return [s for s in summary(actions) if s[0] in ("create", "delete")]


def status_of(actions) -> dict | None:
    writes = [a for a in actions if isinstance(a, UpdateStatus)]
    return writes[-1].obj["status"] if writes else None


def steady(ds: dict, nodes: list[dict], **pod_kw) -> tuple[list[dict], list[dict]]:
    """Pods on every node and the current revision, as after a finished rollout."""
    return [pod(ds, n["metadata"]["name"], **pod_kw) for n in nodes], [cr_for(ds, 1)]


NODES3 = [node("n1"), node("n2"), node("n3")]


# --------------------------------------------------------------------------- history

def test_first_sync_snapshots_then_creates_a_pod_per_node():
    ds = make_ds(annotations={"kubernetes.io/change-cause": "first"})
    actions = sync_daemonset(ds, NODES3, [], [], now=NOW)
    h = hash_of(ds)
    assert summary(actions)[:4] == [("create-cr", f"fluentd-{h}", 1), ("create", "n1"), ("create", "n2"),
                                    ("create", "n3")]
    cr = actions[0].obj
    assert cr["metadata"]["labels"] == {"app": "ds", REVISION_HASH_LABEL: h}
    assert cr["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"
    assert orjson.dumps(cr["data"], option=orjson.OPT_SORT_KEYS) == revision_data(ds)
    # no "Created pod" events here: the shell records them once the server named the pod
    assert not [a for a in actions if isinstance(a, Event)]
    assert status_of(actions) == {"observedGeneration": 1, "desiredNumberScheduled": 3, "currentNumberScheduled": 0,
                                  "numberMisscheduled": 0, "numberReady": 0, "numberUnavailable": 3}


def test_roll_forward_on_rollback():
    # revisions 1 (A) and 2 (B); the DaemonSet is rolled back to A -> CR-A becomes revision 3
    ds_a = make_ds(template=tmpl("fluentd:1"))
    ds_b = make_ds(template=tmpl("fluentd:2"), gen=2)
    cr_a, cr_b = cr_for(ds_a, 1, uid="a"), cr_for(ds_b, 2, uid="b")
    ds = make_ds(template=tmpl("fluentd:1"), gen=3)
    pods = [pod(ds_b, n["metadata"]["name"]) for n in NODES3]
    actions = sync_daemonset(ds, NODES3, pods, [cr_a, cr_b], now=NOW)
    s = summary(actions)
    assert s[0] == ("update-cr", cr_a["metadata"]["name"], 3)
    assert not [x for x in s if x[0] == "create-cr"]
    update = actions[0].obj
    assert update["metadata"]["resourceVersion"] == "5" and cr_a["revision"] == 1  # copy, precondition kept
    # the rollout proceeds against hash A: one old (B) pod goes
    assert pod_actions(actions) == [("delete", "fluentd-n1")]


def test_current_revision_already_newest_changes_nothing():
    ds = make_ds()
    pods, crs = steady(ds, NODES3)
    assert summary(sync_daemonset(ds, NODES3, pods, crs, now=NOW)) == [("status",)]
    st = status_of(sync_daemonset(ds, NODES3, pods, crs, now=NOW))
    ds2 = make_ds(status=st)
    assert sync_daemonset(ds2, NODES3, pods, crs, now=NOW) == []


def test_legacy_revision_gets_its_name_as_hash_label():
    ds = make_ds()
    cr = cr_for(ds, 1)
    del cr["metadata"]["labels"][REVISION_HASH_LABEL]
    pods, _ = steady(ds, NODES3)
    actions = sync_daemonset(ds, NODES3, pods, [cr], now=NOW)
    updates = [a for a in actions if isinstance(a, Update)]
    assert len(updates) == 1
    assert updates[0].obj["metadata"]["labels"][REVISION_HASH_LABEL] == cr["metadata"]["name"]
    # the pods carry the real hash, which differs from the name-as-hash: they are outdated now
    assert pod_actions(actions) == [("delete", "fluentd-n1")]


def test_duplicate_current_revisions_are_deduplicated():
    ds = make_ds()
    keep = cr_for(ds, 2, uid="keep")
    dup = copy.deepcopy(keep)
    dup["metadata"].update(name="fluentd-dup", uid="dup")
    dup["metadata"]["labels"][REVISION_HASH_LABEL] = "dup"
    dup["revision"] = 1
    pods = [pod(ds, "n1"), pod(ds, "n2", hash_="dup")]
    actions = sync_daemonset(ds, NODES3[:2], pods, [dup, keep], now=NOW)
    s = summary(actions)
    assert ("patch", "pods", "fluentd-n2") in s
    assert ("delete-cr", "fluentd-dup") in s
    relabel = next(a for a in actions if isinstance(a, Patch))
    assert relabel.patch == {"metadata": {"labels": {REVISION_HASH_LABEL: hash_of(ds)}}}


def test_hash_collision_bumps_collision_count_and_stops():
    ds = make_ds()
    squatter = cr_for(make_ds(template=tmpl("other")), 1)
    squatter["metadata"]["name"] = f"fluentd-{hash_of(ds)}"
    squatter["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    actions = sync_daemonset(ds, NODES3, [], [squatter], now=NOW)
    assert summary(actions) == [("status",)]
    assert actions[0].obj["status"]["collisionCount"] == 1
    # next sync: the new count gives a new name
    ds2 = make_ds(status={"collisionCount": 1})
    actions = sync_daemonset(ds2, NODES3, [], [squatter], now=NOW)
    assert summary(actions)[0] == ("create-cr", f"fluentd-{template_hash(ds2['spec']['template'], 1)}", 1)


def test_orphans_are_adopted_and_foreign_revisions_ignored():
    ds = make_ds()
    orphan = cr_for(ds, 1)
    del orphan["metadata"]["ownerReferences"]
    foreign = cr_for(make_ds(template=tmpl("x")), 1, uid="f")
    foreign["metadata"]["ownerReferences"][0]["uid"] = "other"
    orphan_pod = pod(ds, "n1")
    del orphan_pod["metadata"]["ownerReferences"]
    actions = sync_daemonset(ds, NODES3[:1], [orphan_pod], [orphan, foreign], now=NOW)
    patches = [a for a in actions if isinstance(a, Patch)]
    assert [(p.resource, p.name) for p in patches] == [("controllerrevisions.apps", orphan["metadata"]["name"]),
                                                       ("pods", "fluentd-n1")]
    assert patches[0].patch["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet"
    assert not [a for a in actions if isinstance(a, Create | Update)]


def test_history_cleanup_skips_revisions_pods_still_use():
    dss = [make_ds(template=tmpl(f"fluentd:{i}"), gen=i) for i in range(1, 5)]
    crs = [cr_for(d, i + 1, uid=f"u{i}") for i, d in enumerate(dss)]
    ds = make_ds(template=tmpl("fluentd:4"), gen=4, history_limit=1)
    pods = [pod(dss[0], "n1"), pod(ds, "n2")]  # n1 still runs revision 1
    actions = sync_daemonset(ds, NODES3[:2], pods, crs, now=NOW)
    deleted = [s[1] for s in summary(actions) if s[0] == "delete-cr"]
    # old = r1, r2, r3; keep 1 -> kill 2; r1 is live -> r2 and r3 go
    assert deleted == [crs[1]["metadata"]["name"], crs[2]["metadata"]["name"]]


# --------------------------------------------------------------------------- eligibility

AFFINITY_IN = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]}}}
AFFINITY_FIELD = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}]}}}
AFFINITY_GT = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["4"]}]},
    {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}]}}}


@pytest.mark.parametrize(("spec_extra", "the_node", "expected"), [
    ({}, node("n1"), (True, True)),
    ({"nodeSelector": {"disk": "ssd"}}, node("n1", {"disk": "ssd"}), (True, True)),
    ({"nodeSelector": {"disk": "ssd"}}, node("n1", {"disk": "hdd"}), (False, False)),
    ({"affinity": AFFINITY_IN}, node("n1", {"disk": "ssd"}), (True, True)),
    ({"affinity": AFFINITY_IN}, node("n1"), (False, False)),
    ({"affinity": AFFINITY_FIELD}, node("n2"), (True, True)),
    ({"affinity": AFFINITY_FIELD}, node("n1"), (False, False)),
    ({"affinity": AFFINITY_GT}, node("n1", {"cores": "8"}), (True, True)),
    ({"affinity": AFFINITY_GT}, node("n1", {"cores": "2"}), (False, False)),
    ({"affinity": AFFINITY_GT}, node("n1", {"gpu": ""}), (True, True)),
    ({"nodeName": "n2"}, node("n1"), (False, False)),
    ({"nodeName": "n1"}, node("n1"), (True, True)),
    # taints: NoSchedule keeps running pods, NoExecute evicts them, PreferNoSchedule is ignored
    ({}, node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]), (False, True)),
    ({}, node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoExecute"}]), (False, False)),
    ({}, node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "PreferNoSchedule"}]), (True, True)),
    ({"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}]},
     node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]), (True, True)),
    ({"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web"}]},
     node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]), (False, True)),
    ({"tolerations": [{"operator": "Exists"}]},
     node("n1", taints=[{"key": "dedicated", "value": "db", "effect": "NoExecute"}]), (True, True)),
    # the controller's own tolerations: cordoned and not-ready nodes still run daemon pods
    ({}, node("n1", unschedulable=True,
              taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]), (True, True)),
    ({}, node("n1", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]), (True, True)),
    ({}, node("n1", taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]),
     (False, True)),
    ({"hostNetwork": True},
     node("n1", taints=[{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]), (True, True)),
])
def test_node_should_run_daemon_pod(spec_extra, the_node, expected):
    assert node_should_run_daemon_pod(the_node, make_ds(template=tmpl(**spec_extra))) == expected


def test_eligibility_drives_creates_and_deletes():
    ds = make_ds(template=tmpl(nodeSelector={"role": "log"}))
    nodes = [node("a", {"role": "log"}), node("b"), node("c", {"role": "log"},
                                                            taints=[{"key": "x", "effect": "NoExecute"}]),
             node("d", {"role": "log"}, taints=[{"key": "x", "effect": "NoSchedule"}])]
    pods = [pod(ds, "b"), pod(ds, "c"), pod(ds, "d")]
    actions = sync_daemonset(ds, nodes, pods, [cr_for(ds, 1)], now=NOW)
    assert pod_actions(actions) == [("create", "a"), ("delete", "fluentd-b"), ("delete", "fluentd-c")]
    deletes = [a for a in actions if isinstance(a, Delete)]
    assert deletes[0].uid == "uid-b"
    events = [(a.reason, a.message) for a in actions if isinstance(a, Event)]
    assert events == [("SuccessfulDelete", "Deleted pod: fluentd-b"), ("SuccessfulDelete", "Deleted pod: fluentd-c")]
    st = status_of(actions)
    # only a is desired; b, c (deleted by this very sync, still in the snapshot) and d
    # (NoSchedule: keeps its pod but does not want one) have pods -> misscheduled
    assert st["desiredNumberScheduled"] == 1 and st["numberMisscheduled"] == 3


# --------------------------------------------------------------------------- the pod

def test_new_daemon_pod_shape():
    t = tmpl(tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule",
                           "tolerationSeconds": 5}, {"key": "mine", "operator": "Exists"}],
             affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                 {"matchExpressions": [{"key": "a", "operator": "Exists"}]}]},
                 "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {}}]}})
    t["metadata"]["annotations"] = {"note": "x"}
    ds = make_ds(template=t, gen=3)
    p = new_daemon_pod(ds, "n7", "abc")
    assert p["metadata"]["generateName"] == "fluentd-"
    assert "name" not in p["metadata"]
    assert p["metadata"]["labels"] == {"app": "ds", TEMPLATE_GENERATION_LABEL: "3", REVISION_HASH_LABEL: "abc"}
    assert p["metadata"]["annotations"] == {"note": "x"}
    assert p["metadata"]["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd",
                                                 "uid": "ds-uid", "controller": True, "blockOwnerDeletion": True}]
    assert "nodeName" not in p["spec"]  # the scheduler binds it
    na = p["spec"]["affinity"]["nodeAffinity"]
    assert na["requiredDuringSchedulingIgnoredDuringExecution"] == {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n7"]}]}]}
    assert na["preferredDuringSchedulingIgnoredDuringExecution"] == [{"weight": 1, "preference": {}}]
    assert target_node_name(p) == "n7"
    tols = p["spec"]["tolerations"]
    assert tols[0] == {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}
    assert tols[1] == {"key": "mine", "operator": "Exists"}
    assert [t["key"] for t in tols[2:]] == ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable",
                                            "node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
                                            "node.kubernetes.io/pid-pressure"]
    # inputs untouched
    assert ds["spec"]["template"]["spec"]["tolerations"][0]["tolerationSeconds"] == 5
    assert "matchFields" not in str(ds)


def test_daemon_pod_tolerations_for_host_network():
    keys = [t["key"] for t in daemon_pod_tolerations({"hostNetwork": True})]
    assert keys[-1] == "node.kubernetes.io/network-unavailable" and len(keys) == 7


# --------------------------------------------------------------------------- manage

def test_extra_pods_on_a_node_keep_the_oldest_scheduled():
    ds = make_ds()
    pods = [pod(ds, "n1", name="late", created="2026-11-22T11:30:00Z"),
            pod(ds, "n1", name="early", created="2026-11-22T11:10:00Z"),
            pod(ds, "n1", name="unbound", created="2026-11-22T11:00:00Z", bound=False)]
    actions = sync_daemonset(ds, NODES3[:1], pods, [cr_for(ds, 1)], now=NOW)
    assert pod_actions(actions) == [("delete", "late"), ("delete", "unbound")]


def test_pods_being_deleted_block_a_new_pod_until_gone():
    ds = make_ds()
    actions = sync_daemonset(ds, NODES3[:1], [pod(ds, "n1", deleting=True)], [cr_for(ds, 1)], now=NOW)
    assert pod_actions(actions) == []


def test_failed_pods_are_deleted_after_a_backoff():
    ds = make_ds()
    failed_at = NOW - dt.timedelta(seconds=2)
    failed = pod(ds, "n1", phase="Failed", ready=False, ready_since=format_time(failed_at))
    actions = sync_daemonset(ds, NODES3[:1], [failed], [cr_for(ds, 1)], now=NOW)
    assert pod_actions(actions) == []
    assert ("requeue", FAILED_POD_BACKOFF_SECONDS - 2) in summary(actions)
    later = NOW + dt.timedelta(seconds=FAILED_POD_BACKOFF_SECONDS)
    actions = sync_daemonset(ds, NODES3[:1], [failed], [cr_for(ds, 1)], now=later)
    assert pod_actions(actions) == [("delete", "fluentd-n1")]
    events = [(a.type, a.reason, a.message) for a in actions if isinstance(a, Event)]
    assert events[0] == ("Warning", "FailedDaemonPod",
                         "Found failed daemon pod default/fluentd-n1 on node n1, will try to kill it")
    # the replacement is created on the next sync, once the failed pod is gone
    assert pod_actions(sync_daemonset(ds, NODES3[:1], [], [cr_for(ds, 1)], now=later)) == [("create", "n1")]


def test_pods_pinned_to_vanished_nodes_are_deleted():
    ds = make_ds()
    ghost = pod(ds, "gone", bound=False)
    actions = sync_daemonset(ds, NODES3[:1], [pod(ds, "n1"), ghost], [cr_for(ds, 1)], now=NOW)
    assert pod_actions(actions) == [("delete", "fluentd-gone")]


def test_selecting_everything_is_refused():
    ds = make_ds(selector={})
    actions = sync_daemonset(ds, NODES3, [], [], now=NOW)
    assert [(a.type, a.reason, a.message) for a in actions] == [
        ("Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")]


def test_a_deleting_daemonset_does_nothing():
    ds = make_ds()
    ds["metadata"]["deletionTimestamp"] = T0
    assert sync_daemonset(ds, NODES3, [], [], now=NOW) == []


# --------------------------------------------------------------------------- rolling update

OLD = make_ds(template=tmpl("fluentd:1"))
NEW_TEMPLATE = tmpl("fluentd:2")


def new_ds(**kw) -> dict:
    return make_ds(template=NEW_TEMPLATE, gen=2, **kw)


def rollout_world(n: int, **kw) -> tuple[dict, list[dict], list[dict], list[dict]]:
    ds = new_ds(**kw)
    nodes = [node(f"n{i}") for i in range(1, n + 1)]
    return ds, nodes, [pod(OLD, f"n{i}") for i in range(1, n + 1)], [cr_for(OLD, 1, uid="old"), cr_for(ds, 2)]


def test_rolling_update_deletes_one_old_pod_at_a_time():
    ds, nodes, pods, crs = rollout_world(3)
    assert pod_actions(sync_daemonset(ds, nodes, pods, crs, now=NOW)) == [("delete", "fluentd-n1")]


def test_rolling_update_waits_for_an_unavailable_new_pod():
    ds, nodes, pods, crs = rollout_world(3)
    pods[0] = pod(ds, "n1", ready=False)
    assert pod_actions(sync_daemonset(ds, nodes, pods, crs, now=NOW)) == []


def test_rolling_update_replaces_unavailable_old_pods_immediately():
    ds, nodes, pods, crs = rollout_world(3)
    pods[1] = pod(OLD, "n2", ready=False)
    pods[2] = pod(OLD, "n3", ready=False)
    # both unavailable old pods go, regardless of maxUnavailable; no available one does
    assert pod_actions(sync_daemonset(ds, nodes, pods, crs, now=NOW)) == [("delete", "fluentd-n2"),
                                                                          ("delete", "fluentd-n3")]


@pytest.mark.parametrize(("max_unavailable", "expected_deletes"), [(2, 2), ("30%", 2), ("100%", 5), ("1%", 1)])
def test_rolling_update_max_unavailable_rounds_up(max_unavailable, expected_deletes):
    ds, nodes, pods, crs = rollout_world(
        5, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}})
    assert len(pod_actions(sync_daemonset(ds, nodes, pods, crs, now=NOW))) == expected_deletes


def test_min_ready_seconds_counts_toward_unavailability():
    ds, nodes, pods, crs = rollout_world(3, min_ready=30)
    fresh = format_time(NOW - dt.timedelta(seconds=10))
    pods[0] = pod(ds, "n1", ready_since=fresh)  # Ready, but not yet available
    actions = sync_daemonset(ds, nodes, pods, crs, now=NOW)
    assert pod_actions(actions) == []
    assert ("requeue", 20.5) in summary(actions)
    later = NOW + dt.timedelta(seconds=21)
    assert pod_actions(sync_daemonset(ds, nodes, pods, crs, now=later)) == [("delete", "fluentd-n2")]


def test_on_delete_never_replaces_pods_for_an_update():
    ds, nodes, pods, crs = rollout_world(3, strategy={"type": "OnDelete"})
    actions = sync_daemonset(ds, nodes, pods, crs, now=NOW)
    assert pod_actions(actions) == []
    assert "updatedNumberScheduled" not in status_of(actions)  # zero, so omitted like Go does
    # a pod deleted by the user comes back at the new revision
    actions = sync_daemonset(ds, nodes, pods[1:], crs, now=NOW)
    created = [a.obj for a in actions if isinstance(a, Create)]
    assert [target_node_name(p) for p in created] == ["n1"]
    assert created[0]["metadata"]["labels"][REVISION_HASH_LABEL] == hash_of(ds)


def test_no_rolling_in_a_sync_that_creates_pods():
    ds, nodes, pods, crs = rollout_world(3)
    nodes.append(node("n4"))
    assert pod_actions(sync_daemonset(ds, nodes, pods, crs, now=NOW)) == [("create", "n4")]


def test_template_generation_label_also_marks_updated_pods():
    ds, nodes, pods, crs = rollout_world(2)
    pods = [pod(OLD, "n1", hash_="legacy", gen=2), pod(OLD, "n2", hash_="legacy", gen=1)]
    actions = sync_daemonset(ds, nodes, pods, crs, now=NOW)
    assert pod_actions(actions) == [("delete", "fluentd-n2")]
    assert status_of(actions)["updatedNumberScheduled"] == 1


SURGE = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}


def test_surge_creates_a_new_pod_before_deleting_the_old():
    ds, nodes, pods, crs = rollout_world(3, strategy=SURGE)
    assert pod_actions(sync_daemonset(ds, nodes, pods, crs, now=NOW)) == [("create", "n1")]


def test_surge_waits_then_deletes_the_old_pod():
    ds, nodes, pods, crs = rollout_world(3, strategy=SURGE)
    waiting = [*pods, pod(ds, "n1", name="new-n1", ready=False, created="2026-11-22T11:50:00Z")]
    assert pod_actions(sync_daemonset(ds, nodes, waiting, crs, now=NOW)) == []
    ready = [*pods, pod(ds, "n1", name="new-n1", created="2026-11-22T11:50:00Z")]
    # the manage loop drops the old pod once the new one is available
    assert pod_actions(sync_daemonset(ds, nodes, ready, crs, now=NOW)) == [("delete", "fluentd-n1")]


def test_surge_replaces_unavailable_old_pods_at_once():
    ds, nodes, pods, crs = rollout_world(3, strategy={"type": "RollingUpdate",
                                                      "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}})
    pods[1] = pod(OLD, "n2", ready=False)
    pods[2] = pod(OLD, "n3", ready=False)
    # unavailable old pods do not use up the surge budget: n1 still gets its one surge pod
    assert pod_actions(sync_daemonset(ds, nodes, pods, crs, now=NOW)) == [("create", "n2"), ("create", "n3"),
                                                                          ("create", "n1")]


@pytest.mark.parametrize(("strategy", "nodes_n", "expected"), [
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, 5, (0, 1, 5)),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "30%"}}, 5, (0, 2, 5)),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "10%"}}, 5, (1, 0, 5)),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}, 5, (0, 1, 5)),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}, 0, (0, 0, 0)),
    ({"type": "OnDelete"}, 5, (0, 1, 5)),
])
def test_desired_node_counts(strategy, nodes_n, expected):
    ds = make_ds(strategy=strategy)
    assert desired_node_counts(ds, [node(f"n{i}") for i in range(nodes_n)]) == expected


@pytest.mark.parametrize(("value", "total", "up", "expected"), [
    (3, 10, True, 3), ("25%", 10, True, 3), ("25%", 10, False, 2), ("0%", 10, True, 0), (None, 10, True, 0),
])
def test_scaled_value(value, total, up, expected):
    assert scaled_value(value, total, round_up=up) == expected


# --------------------------------------------------------------------------- status

def test_status_counts():
    ds = new_ds(min_ready=60)
    nodes = [node("a"), node("b"), node("c"), node("d"), node("x", {"skip": "1"})]
    ds["spec"]["template"]["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "skip", "operator": "DoesNotExist"}]}]}}}
    crs = [cr_for(OLD, 1, uid="o"), cr_for(ds, 2)]
    pods = [
        pod(ds, "a"),                                     # ready, available, updated
        pod(ds, "b", ready_since=format_time(NOW)),      # ready, not yet available, updated
        pod(OLD, "c", ready=False),                      # old and not ready
        pod(ds, "x"),                                    # misscheduled
    ]
    actions = sync_daemonset(ds, nodes, pods, crs, now=NOW)
    st = status_of(actions)
    assert st == {"observedGeneration": 2, "desiredNumberScheduled": 4, "currentNumberScheduled": 3,
                  "numberMisscheduled": 1, "numberReady": 2, "updatedNumberScheduled": 2, "numberAvailable": 1,
                  "numberUnavailable": 3}
    assert ("requeue", 60.5) in summary(actions)


def test_status_keeps_collision_count_and_is_skipped_when_unchanged():
    ds = make_ds(status={"collisionCount": 2, "observedGeneration": 1, "desiredNumberScheduled": 1,
                         "currentNumberScheduled": 1, "numberMisscheduled": 0, "numberReady": 1,
                         "updatedNumberScheduled": 1, "numberAvailable": 1})
    pods = [pod(ds, "n1")]
    assert [a for a in sync_daemonset(ds, NODES3[:1], pods, [cr_for(ds, 1)], now=NOW)
            if isinstance(a, UpdateStatus)] == []
    ds["metadata"]["generation"] = 2
    st = status_of(sync_daemonset(ds, NODES3[:1], pods, [cr_for(ds, 1)], now=NOW))
    assert st["collisionCount"] == 2 and st["observedGeneration"] == 2


def test_inputs_are_never_mutated():
    ds, nodes, pods, crs = rollout_world(3)
    before = orjson.dumps([ds, nodes, pods, crs])
    sync_daemonset(ds, nodes, pods, crs, now=NOW)
    assert orjson.dumps([ds, nodes, pods, crs]) == before


# --------------------------------------------------------------------------- a small world

class World:
    """An in-memory cluster: the API server applies actions, the scheduler binds pods at once,
    and a pod becomes Ready one tick after it was created."""

    def __init__(self, ds: dict, nodes: list[dict]) -> None:
        self.ds = copy.deepcopy(ds)
        self.nodes = nodes
        self.pods: dict[str, dict] = {}
        self.crs: dict[str, dict] = {}
        self.clock = NOW
        self.counter = 0
        self.events: list[tuple[str, str]] = []

    def _meta(self, obj: dict) -> None:
        self.counter += 1
        obj["metadata"].setdefault("uid", f"uid-{self.counter}")
        obj["metadata"]["creationTimestamp"] = format_time(self.clock)
        obj["metadata"]["resourceVersion"] = str(self.counter)

    def apply(self, actions) -> None:
        for a in actions:
            if isinstance(a, Create) and a.resource == "pods":
                p = copy.deepcopy(a.obj)
                self._meta(p)
                p["metadata"]["name"] = p["metadata"].get("name") or f"{p['metadata']['generateName']}{self.counter}"
                p["spec"]["nodeName"] = target_node_name(p)
                p["status"] = {"phase": "Pending"}
                self.pods[p["metadata"]["name"]] = p
            elif isinstance(a, Create):
                cr = copy.deepcopy(a.obj)
                assert cr["metadata"]["name"] not in self.crs
                self._meta(cr)
                self.crs[cr["metadata"]["name"]] = cr
            elif isinstance(a, Update):
                self.crs[a.obj["metadata"]["name"]] = copy.deepcopy(a.obj)
            elif isinstance(a, UpdateStatus):
                self.ds["status"] = copy.deepcopy(a.obj["status"])
            elif isinstance(a, Delete):
                (self.pods if a.resource == "pods" else self.crs).pop(a.name, None)
            elif isinstance(a, Event):
                self.events.append((a.reason, a.message))
            elif isinstance(a, Patch):
                raise AssertionError(f"unexpected patch {a}")

    def tick(self) -> None:
        self.clock += dt.timedelta(seconds=1)
        for p in self.pods.values():
            if p["status"]["phase"] == "Pending":
                p["status"] = {"phase": "Running", "conditions": [
                    {"type": "Ready", "status": "True", "lastTransitionTime": format_time(self.clock)}]}

    def sync(self) -> None:
        self.apply(sync_daemonset(self.ds, self.nodes, list(self.pods.values()), list(self.crs.values()),
                                  now=self.clock))

    def set_template(self, template: dict) -> None:
        self.ds["spec"]["template"] = copy.deepcopy(template)
        self.ds["metadata"]["generation"] += 1
        ann = self.ds["metadata"]["annotations"]
        ann[TEMPLATE_GENERATION_ANNOTATION] = str(int(ann[TEMPLATE_GENERATION_ANNOTATION]) + 1)

    def unavailable(self) -> int:
        ready_nodes = {p["spec"]["nodeName"] for p in self.pods.values() if p["status"].get("conditions")}
        return sum(1 for n in self.nodes if n["metadata"]["name"] not in ready_nodes)

    def converged(self) -> bool:
        st = self.ds["status"]
        return (st.get("observedGeneration") == self.ds["metadata"]["generation"]
                and st.get("updatedNumberScheduled", 0) == len(self.nodes)
                and st.get("numberAvailable", 0) == len(self.nodes) and len(self.pods) == len(self.nodes))

    def run(self, check=None, limit: int = 100) -> int:
        for step in range(limit):
            self.sync()
            if check:
                check(self)
            if self.converged():
                return step
            self.tick()
            if check:
                check(self)
        raise AssertionError(f"did not converge: {self.ds['status']}")

    def history(self) -> list[tuple[int, str]]:
        return sorted((cr["revision"], cr["data"]["spec"]["template"]["spec"]["containers"][0]["image"])
                      for cr in self.crs.values())


@pytest.mark.parametrize("max_unavailable", [1, 2])
def test_world_rolling_update_over_five_nodes(max_unavailable):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": 0}}
    world = World(make_ds(template=tmpl("fluentd:1"), strategy=strategy), [node(f"n{i}") for i in range(5)])
    world.run()
    world.set_template(tmpl("fluentd:2"))
    worst: list[int] = []

    def check(w: World) -> None:
        worst.append(w.unavailable())
        assert w.unavailable() <= max_unavailable

    world.run(check)
    assert max(worst) == max_unavailable
    images = {p["spec"]["containers"][0]["image"] for p in world.pods.values()}
    assert images == {"fluentd:2"}
    assert world.history() == [(1, "fluentd:1"), (2, "fluentd:2")]
    assert ("SuccessfulDelete", "Deleted pod: fluentd-2") in world.events  # 1 was the revision

    # roll back: the revision of fluentd:1 comes back as revision 3
    world.set_template(tmpl("fluentd:1"))
    world.run(check)
    assert world.history() == [(2, "fluentd:2"), (3, "fluentd:1")]
    assert {p["spec"]["containers"][0]["image"] for p in world.pods.values()} == {"fluentd:1"}


def test_world_surge_update_keeps_every_node_available():
    world = World(make_ds(template=tmpl("fluentd:1"), strategy=SURGE), [node(f"n{i}") for i in range(5)])
    world.run()
    world.set_template(tmpl("fluentd:2"))

    def check(w: World) -> None:
        assert w.unavailable() == 0
        assert len(w.pods) <= 6  # at most maxSurge extra pods

    world.run(check)
    assert {p["spec"]["containers"][0]["image"] for p in world.pods.values()} == {"fluentd:2"}


# --------------------------------------------------------------------------- property: the unavailability budget

_STATES = st.lists(st.sampled_from(["none", "old", "old-down", "new", "new-down"]), min_size=1, max_size=8)


@settings(deadline=None, max_examples=150)
@given(states=_STATES, max_unavailable=st.integers(min_value=1, max_value=4))
def test_rolling_update_never_exceeds_the_budget(states, max_unavailable):
    ds = new_ds(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}})
    nodes = [node(f"n{i}") for i in range(len(states))]
    pods = []
    for i, state in enumerate(states):
        if state != "none":
            pods.append(pod(OLD if state.startswith("old") else ds, f"n{i}", ready=not state.endswith("down")))
    actions = sync_daemonset(ds, nodes, pods, [cr_for(OLD, 1, uid="o"), cr_for(ds, 2)], now=NOW)
    deleted = {a.name for a in actions if isinstance(a, Delete)}
    created = [a for a in actions if isinstance(a, Create)]
    if "none" in states:
        # the manage loop fills empty nodes first and the rollout waits for that
        assert len(created) == states.count("none") and not deleted
        return
    down_old = {f"fluentd-n{i}" for i, s in enumerate(states) if s == "old-down"}
    up_old = {f"fluentd-n{i}" for i, s in enumerate(states) if s == "old"}
    unavailable_before = states.count("new-down") + states.count("old-down")
    assert down_old <= deleted  # unavailable old pods always go
    budget = max(0, max_unavailable - unavailable_before)
    assert len(deleted & up_old) == min(budget, len(up_old))
