"""Shared rollout arithmetic, table-driven after upstream's deployment_util_test.go."""

from __future__ import annotations

import datetime as dt

import pytest

from kroll.reconcile import rollout as ro

T0 = dt.datetime(2016, 1, 1, 0, 0, 0, tzinfo=dt.UTC)


def ts(minutes: int = 0, seconds: int = 0) -> str:
    return (T0 + dt.timedelta(minutes=minutes, seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployment(replicas=1, *, max_surge=None, max_unavailable=None, strategy="RollingUpdate", **extra):
    spec = {"replicas": replicas, "strategy": {"type": strategy}, "template": template("nginx")}
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    spec.update(extra.pop("spec", {}))
    return {"metadata": {"name": "foo", "namespace": "default", "uid": "d-uid", "generation": 1,
                         **extra.pop("metadata", {})},
            "spec": spec, "status": extra.pop("status", {})}


def template(image: str, labels=None) -> dict:
    return {"metadata": {"labels": dict(labels or {"app": "nginx"})},
            "spec": {"containers": [{"name": "c", "image": image}]}}


def rs(name: str, replicas: int, *, created: str = "", annotations=None, tmpl=None, available=0, uid=None):
    md = {"name": name, "namespace": "default", "uid": uid or f"uid-{name}"}
    if created:
        md["creationTimestamp"] = created
    if annotations:
        md["annotations"] = dict(annotations)
    return {"metadata": md, "spec": {"replicas": replicas, "template": tmpl or template("nginx")},
            "status": {"availableReplicas": available}}


# --- fenceposts -------------------------------------------------------------------------------

@pytest.mark.parametrize(("surge", "unavailable", "desired", "expected"), [
    ("0%", "0%", 0, (0, 1)),
    ("39%", "39%", 10, (4, 3)),
    (None, "39%", 10, (0, 3)),
    ("39%", None, 10, (4, 0)),
    (None, None, 10, (0, 1)),
    ("25%", "25%", 10, (3, 2)),
    ("25%", "25%", 1, (1, 0)),
    ("25%", "25%", 3, (1, 0)),
    ("25%", "25%", 4, (1, 1)),
    (2, 0, 10, (2, 0)),
    (0, 0, 10, (0, 1)),
    ("100%", "100%", 5, (5, 5)),
])
def test_resolve_fenceposts(surge, unavailable, desired, expected):
    assert ro.resolve_fenceposts(surge, unavailable, desired=desired) == expected


@pytest.mark.parametrize(("surge", "unavailable"), [("oops", "39%"), ("55%", "urg"), ("5", 1), ("x%", 1), ("1_0%", 1)])
def test_resolve_fenceposts_errors(surge, unavailable):
    with pytest.raises(ro.FencepostError):
        ro.resolve_fenceposts(surge, unavailable, desired=10)


@pytest.mark.parametrize(("d", "expected"), [
    (deployment(10, max_surge=1, max_unavailable=5), 5),
    (deployment(10, max_surge=1, max_unavailable=10), 10),
    (deployment(5, max_surge=1, max_unavailable=10), 5),
    (deployment(0, max_surge=1, max_unavailable=10), 0),
    (deployment(10, strategy="Recreate"), 0),
    (deployment(10, max_surge=1, max_unavailable="50%"), 5),
    (deployment(10, max_surge=1, max_unavailable="100%"), 10),
    (deployment(5, max_surge=1, max_unavailable="100%"), 5),
])
def test_max_unavailable(d, expected):
    assert ro.max_unavailable(d) == expected


@pytest.mark.parametrize(("d", "expected"), [
    (deployment(10, max_surge=1, max_unavailable=5), 5),
    (deployment(10, max_surge=1, max_unavailable=10), 0),
    (deployment(5, max_surge=1, max_unavailable=10), 0),
    (deployment(0, max_surge=1, max_unavailable=10), 0),
    (deployment(10, strategy="Recreate"), 0),
    (deployment(10, max_surge=1, max_unavailable="60%"), 4),
    (deployment(10, max_surge=1, max_unavailable="100%"), 0),
])
def test_min_available(d, expected):
    assert ro.min_available(d) == expected


def test_absent_fenceposts_take_the_apps_v1_defaults():
    d = deployment(10)
    del d["spec"]["strategy"]["rollingUpdate"]
    assert (ro.max_surge(d), ro.max_unavailable(d)) == (3, 2)
    assert ro.max_surge(deployment(10, strategy="Recreate")) == 0


@pytest.mark.parametrize(("strategy", "dep_replicas", "new_replicas", "surge", "expected"), [
    ("RollingUpdate", 1, 5, 1, 5),   # cannot scale up: already over
    ("RollingUpdate", 6, 2, 10, 6),  # scale up, capped at the desired count
    ("Recreate", 3, 1, 1, 3),        # recreate: always the desired count
])
def test_new_rs_new_replicas(strategy, dep_replicas, new_replicas, surge, expected):
    d = deployment(dep_replicas, max_surge=surge, max_unavailable=1, strategy=strategy)
    if strategy == "Recreate":
        d["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": 1}
    new = rs("new", new_replicas)
    assert ro.new_rs_new_replicas(d, [rs("rs5", 5)], new) == expected


def test_new_rs_new_replicas_worked_example():
    d = deployment(10, max_surge=3, max_unavailable=2)
    old, new = rs("old", 10), rs("new", 0)
    assert ro.new_rs_new_replicas(d, [old, new], new) == 3
    old8, new3 = rs("old", 8), rs("new", 3)
    assert ro.new_rs_new_replicas(d, [old8, new3], new3) == 5


# --- templates, new and old ReplicaSets -----------------------------------------------------------

def pod_template(name, node, annotations, labels):
    return {"metadata": {"name": name, "annotations": annotations, "labels": labels}, "spec": {"nodeName": node}}


H = ro.POD_TEMPLATE_HASH


@pytest.mark.parametrize(("a", "b", "expected"), [
    (pod_template("foo", "n", {}, {H: "v1", "x": "y"}), pod_template("foo", "n", {}, {H: "v1", "x": "y"}), True),
    (pod_template("foo", "n", {}, {H: "v1", "x": "y"}), pod_template("foo", "n", {}, {H: "v2", "x": "y"}), True),
    (pod_template("foo", "n", {}, {"x": "y"}), pod_template("foo", "n", {}, {H: "v2", "x": "y"}), True),
    (pod_template("foo", "n", {}, {"x": "y"}), pod_template("foo", "n", {}, {H: "v2"}), False),
    (pod_template("foo", "n", {}, {H: "v1"}), pod_template("foo", "n", {}, {"x": "y"}), False),
    (pod_template("foo", "n", {}, {H: "v1"}), pod_template("foo", "n", {}, {H: "v1", "x": "y"}), False),
    (pod_template("foo", "n", {"f": "v"}, {H: "v1"}), pod_template("foo", "n", {"l": "v"}, {H: "v1"}), False),
    (pod_template("foo-1", "n", {}, {H: "v1"}), pod_template("foo-2", "n", {}, {H: "v2"}), False),
    (pod_template("foo", "n1", {}, {"x": "y"}), pod_template("foo", "n2", {}, {"z": "y"}), False),
    # nil and empty are the same thing
    (pod_template("foo", "n", None, {"x": "y"}), pod_template("foo", "n", {}, {"x": "y"}), True),
    (pod_template("foo", "", {}, {"x": "y"}), {"metadata": {"name": "foo", "labels": {"x": "y"}}}, True),
])
def test_equal_ignore_hash(a, b, expected):
    assert ro.equal_ignore_hash(a, b) is expected
    assert ro.equal_ignore_hash(b, a) is expected


def test_equal_ignore_hash_does_not_mutate():
    a = pod_template("foo", "n", {}, {H: "v1", "x": "y"})
    ro.equal_ignore_hash(a, a)
    assert a["metadata"]["labels"] == {H: "v1", "x": "y"}


def test_find_new_and_old_replica_sets():
    d = deployment(1)
    new = rs("new", 0, created=ts(1))
    new_dup = rs("dup", 0, created=ts(0))
    old = rs("old", 1, created=ts(-1), tmpl=template("nginx-old"))
    assert ro.find_new_replica_set(d, [new, old]) is new
    assert ro.find_new_replica_set(d, [new, old, new_dup]) is new_dup  # the oldest one wins
    assert ro.find_new_replica_set(d, [old]) is None
    required, all_old = ro.find_old_replica_sets(d, [old, new, new_dup])
    assert [r["metadata"]["name"] for r in all_old] == ["old", "new"]
    assert [r["metadata"]["name"] for r in required] == ["old"]
    assert ro.find_old_replica_sets(d, [new]) == ([], [])


def test_find_active_or_latest():
    a, b = rs("a", 0, created=ts(0)), rs("b", 0, created=ts(1))
    assert ro.find_active_or_latest(None, []) is None
    assert ro.find_active_or_latest(None, [a, b]) is b  # none active: the newest old one
    new = rs("new", 0, created=ts(2))
    assert ro.find_active_or_latest(new, [a, b]) is new
    a3 = rs("a", 3, created=ts(0))
    assert ro.find_active_or_latest(new, [a3, b]) is a3
    assert ro.find_active_or_latest(rs("new", 1), [a3, b]) is None


# --- revisions and annotations -------------------------------------------------------------------

def test_revision_helpers():
    rss = [rs("a", 0, annotations={ro.REVISION: "1"}), rs("b", 0, annotations={ro.REVISION: "5"}),
           rs("c", 0, annotations={ro.REVISION: "3"}), rs("d", 0, annotations={ro.REVISION: "garbage"}), rs("e", 0)]
    assert ro.revision(rss[1]) == 5
    assert ro.revision(rss[4]) == 0
    with pytest.raises(ValueError):
        ro.revision(rss[3])
    assert ro.max_revision(rss) == 5
    assert ro.last_revision(rss) == 3
    assert ro.last_revision([rss[0]]) == 0


def test_revision_history_keeps_within_limit():
    """Upstream TestAnnotationUtils: revisions 11..20 with a 5-character history cap."""
    d = deployment(1, metadata={"annotations": {ro.REVISION: "1"}})
    current = rs("r", 1)
    for i in range(10, 20):
        current, changed = ro.set_new_replica_set_annotations(d, current, new_revision=str(i + 1), exists=True,
                                                              history_limit=5)
        assert changed
        assert current["metadata"]["annotations"][ro.REVISION] == str(i + 1)
        if i >= 12:
            assert current["metadata"]["annotations"][ro.REVISION_HISTORY] == f"{i - 1},{i}"


def test_revision_roll_forward_records_history():
    """RS-A rev 1, RS-B rev 2; undo to A -> A becomes rev 3 with revision-history "1"."""
    d = deployment(1)
    a = rs("a", 0, annotations={ro.REVISION: "1"})
    updated, changed = ro.set_new_replica_set_annotations(d, a, new_revision="3", exists=True)
    assert changed
    assert updated["metadata"]["annotations"] == {ro.REVISION: "3", ro.REVISION_HISTORY: "1"}
    assert a["metadata"]["annotations"] == {ro.REVISION: "1"}  # input untouched
    again, changed = ro.set_new_replica_set_annotations(d, updated, new_revision="5", exists=True)
    assert again["metadata"]["annotations"][ro.REVISION_HISTORY] == "1,3"
    same, changed = ro.set_new_replica_set_annotations(d, again, new_revision="5", exists=True)
    assert not changed and same == again
    lower, changed = ro.set_new_replica_set_annotations(d, again, new_revision="2", exists=True)
    assert not changed and lower["metadata"]["annotations"][ro.REVISION] == "5"  # never decreases


def test_revision_history_too_long_is_not_appended():
    d = deployment(1)
    a = rs("a", 0, annotations={ro.REVISION: "123456", ro.REVISION_HISTORY: "1"})
    updated, _ = ro.set_new_replica_set_annotations(d, a, new_revision="1234567", exists=True, history_limit=5)
    assert updated["metadata"]["annotations"][ro.REVISION_HISTORY] == "1"
    assert updated["metadata"]["annotations"][ro.REVISION] == "1234567"


def test_new_rs_annotations_copy_skip_list_and_replicas():
    d = deployment(10, max_surge=3, max_unavailable=2, metadata={"annotations": {
        ro.LAST_APPLIED: "{}", ro.REVISION: "9", ro.REVISION_HISTORY: "1", ro.DESIRED_REPLICAS: "1",
        ro.MAX_REPLICAS: "1", ro.ROLLBACK_TO: "1", "kubernetes.io/change-cause": "edit"}})
    created, changed = ro.set_new_replica_set_annotations(d, rs("n", 0), new_revision="4", exists=False)
    assert changed
    assert created["metadata"]["annotations"] == {
        "kubernetes.io/change-cause": "edit", ro.REVISION: "4", ro.DESIRED_REPLICAS: "10", ro.MAX_REPLICAS: "13"}
    # copying never removes what the Deployment dropped
    kept, changed = ro.copy_deployment_annotations(deployment(1), created)
    assert not changed and kept["metadata"]["annotations"]["kubernetes.io/change-cause"] == "edit"


def test_garbled_revision_is_left_alone():
    a = rs("a", 0, annotations={ro.REVISION: "x"})
    updated, changed = ro.set_new_replica_set_annotations(deployment(1), a, new_revision="3", exists=True)
    assert not changed and updated["metadata"]["annotations"][ro.REVISION] == "x"


def test_set_deployment_annotations_to_keeps_skip_list():
    d = deployment(1, metadata={"annotations": {ro.REVISION: "4", "a": "deployment", "gone": "x"}})
    target = rs("r", 0, annotations={ro.REVISION: "1", "a": "rs", "b": "rs"})
    out = ro.set_deployment_annotations_to(d, target)
    assert out["metadata"]["annotations"] == {ro.REVISION: "4", "a": "rs", "b": "rs"}
    assert d["metadata"]["annotations"]["a"] == "deployment"


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("invalid", None), ("-1", None), ("+1", None), ("0", 0), ("13", 13),
    (str(2**31 - 1), 2**31 - 1), (str(2**31), None), (str(2**32), None), ("1_0", None),
])
def test_replicas_annotation_parsing(value, expected):
    annotations = {} if value is None else {ro.DESIRED_REPLICAS: value, "foo": "2"}
    assert ro.desired_replicas_annotation(rs("r", 1, annotations=annotations)) == expected


def test_replicas_annotations_need_update():
    assert ro.replicas_annotations_need_update(rs("r", 1), desired=10, max_replicas=20)
    assert ro.replicas_annotations_need_update(
        rs("r", 1, annotations={ro.DESIRED_REPLICAS: "8", ro.MAX_REPLICAS: "20"}), desired=10, max_replicas=20)
    assert ro.replicas_annotations_need_update(
        rs("r", 1, annotations={ro.DESIRED_REPLICAS: "10", ro.MAX_REPLICAS: "16"}), desired=10, max_replicas=20)
    assert not ro.replicas_annotations_need_update(
        rs("r", 1, annotations={ro.DESIRED_REPLICAS: "10", ro.MAX_REPLICAS: "20"}), desired=10, max_replicas=20)
    updated, changed = ro.set_replicas_annotations(rs("r", 1), desired=10, max_replicas=11)
    assert changed and updated["metadata"]["annotations"] == {ro.DESIRED_REPLICAS: "10", ro.MAX_REPLICAS: "11"}


def test_is_saturated():
    d = deployment(1)
    assert ro.is_saturated(d, rs("r", 1, annotations={ro.DESIRED_REPLICAS: "1"}, available=1))
    assert not ro.is_saturated(d, rs("r", 1, annotations={ro.DESIRED_REPLICAS: "1"}, available=0))
    assert not ro.is_saturated(d, rs("r", 1, annotations={ro.DESIRED_REPLICAS: "2"}, available=1))
    assert not ro.is_saturated(d, rs("r", 1, available=1))
    assert not ro.is_saturated(d, None)


# --- counts -----------------------------------------------------------------------------------

def rs_status(replicas, status):
    return {"metadata": {"name": "r"}, "spec": {"replicas": replicas}, "status": status}


RS1 = rs_status(1, {"observedGeneration": 1, "replicas": 2, "terminatingReplicas": 3})
RS2 = rs_status(2, {"replicas": 3, "terminatingReplicas": 1})
RS3 = rs_status(3, {"replicas": 0})                                # never observed: skipped
RS4 = rs_status(1, {"observedGeneration": 1, "replicas": 1})       # observed, field missing: unknown


@pytest.mark.parametrize(("sets", "count", "actual", "terminating"), [
    ([RS1], 1, 2, 3),
    ([RS1, RS2], 3, 5, 4),
    ([RS3], 3, 0, 0),
    ([RS1, RS2, RS3], 6, 5, 4),
    ([RS4], 1, 1, None),
    ([RS1, RS2, RS3, RS4], 7, 6, None),
])
def test_replica_counts(sets, count, actual, terminating):
    assert ro.replica_count(sets) == count
    assert ro.actual_replica_count(sets) == actual
    assert ro.terminating_replica_count(sets) == terminating


# --- proportions ------------------------------------------------------------------------------

@pytest.mark.parametrize(("x", "expected"), [
    (2.5, 3), (-2.5, -3), (1.5, 2), (0.5, 1), (0.49999999999999994, 0), (2.4, 2), (-2.4, -2), (0.0, 0), (7.0, 7),
])
def test_go_round_is_half_away_from_zero(x, expected):
    assert ro.go_round(x) == expected


@pytest.mark.parametrize(("d_replicas", "d_status_replicas", "surge", "rs_replicas", "annotations", "expected"), [
    (0, 0, 0, 10, None, -10),                      # an empty deployment always scales to 0
    (10, 0, 0, 5, None, 0),                         # unsynced: annotation missing, no status
    (10, 0, 0, 5, {ro.MAX_REPLICAS: "0"}, 0),       # unsynced: annotation zeroed
    (120, 100, 0, 50, None, 10),                    # fallback to status.replicas
    (120, 100, 0, 50, {ro.MAX_REPLICAS: "0"}, 10),
    (120, 0, 0, 50, {ro.MAX_REPLICAS: "100"}, 10),  # up by 1/5
    (120, 0, 10, 50, {ro.MAX_REPLICAS: "110"}, 9),  # with surge: 50*130/110 = 59.09
    (10, 0, 0, 6, {ro.MAX_REPLICAS: "12"}, -1),     # down by 1/6
    (100, 0, 10, 50, {ro.MAX_REPLICAS: "130"}, -8),
])
def test_replica_set_fraction(d_replicas, d_status_replicas, surge, rs_replicas, annotations, expected):
    d = deployment(d_replicas, max_surge=surge, max_unavailable=1, status={"replicas": d_status_replicas})
    assert ro.replica_set_fraction(rs("r", rs_replicas, annotations=annotations), d) == expected


def test_get_proportion_clamps_to_what_is_left():
    d = deployment(120, max_surge=0, max_unavailable=1)
    r = rs("r", 50, annotations={ro.MAX_REPLICAS: "100"})
    assert ro.get_proportion(r, d, to_add=20, added=0) == 10
    assert ro.get_proportion(r, d, to_add=20, added=15) == 5
    assert ro.get_proportion(r, d, to_add=20, added=20) == 0
    assert ro.get_proportion(rs("z", 0), d, to_add=20, added=0) == 0
    shrink = deployment(10, max_surge=0, max_unavailable=1)
    assert ro.get_proportion(rs("r", 6, annotations={ro.MAX_REPLICAS: "12"}), shrink, to_add=-4, added=-4) == 0
    assert ro.get_proportion(rs("r", 60, annotations={ro.MAX_REPLICAS: "12"}), shrink, to_add=-4, added=0) == -4


def test_sort_orders():
    a, b, c = rs("a", 2, created=ts(0)), rs("b", 2, created=ts(1)), rs("c", 5, created=ts(2))
    assert [r["metadata"]["name"] for r in ro.sort_by_size_newer([a, b, c])] == ["c", "b", "a"]
    assert [r["metadata"]["name"] for r in ro.sort_by_size_older([a, b, c])] == ["c", "a", "b"]
    r1 = rs("x", 0, created=ts(5), annotations={ro.REVISION: "1"})
    r2 = rs("y", 0, created=ts(0), annotations={ro.REVISION: "2"})
    r3 = rs("z", 0, created=ts(3), annotations={ro.REVISION: "10"})
    assert [r["metadata"]["name"] for r in ro.sort_by_revision([r3, r2, r1])] == ["x", "y", "z"]


# --- conditions -------------------------------------------------------------------------------

def cond(type_, status, reason, **times):
    return {"type": type_, "status": status, "reason": reason, **times}


def test_set_condition():
    assert ro.set_condition({}, cond("Available", "True", "A")) == {"conditions": [cond("Available", "True", "A")]}
    progressing = cond("Progressing", "False", "ForSomeReason")
    both = ro.set_condition({"conditions": [progressing]}, cond("Available", "True", "A"))
    assert [c["type"] for c in both["conditions"]] == ["Progressing", "Available"]
    overwritten = ro.set_condition({"conditions": [progressing]}, cond("Progressing", "True", "BecauseItIs"))
    assert overwritten == {"conditions": [cond("Progressing", "True", "BecauseItIs")]}


def test_set_condition_bookkeeping():
    now = T0 + dt.timedelta(hours=1)
    old = ro.new_condition("Progressing", "True", "ReplicaSetUpdated", "old message", now=T0)
    status = {"conditions": [old, cond("Available", "True", "A")]}
    # same status and reason: nothing changes, not even the message
    same = ro.set_condition(status, ro.new_condition("Progressing", "True", "ReplicaSetUpdated", "new", now=now))
    assert same["conditions"][0] == old
    # same status, new reason: lastTransitionTime kept, entry moves to the end
    moved = ro.set_condition(status, ro.new_condition("Progressing", "True", "NewReplicaSetAvailable", "m", now=now))
    assert [c["type"] for c in moved["conditions"]] == ["Available", "Progressing"]
    assert moved["conditions"][1]["lastTransitionTime"] == ro.format_time(T0)
    assert moved["conditions"][1]["lastUpdateTime"] == ro.format_time(now)
    # new status: both times are now
    flipped = ro.set_condition(status, ro.new_condition("Progressing", "False", "ProgressDeadlineExceeded", "m",
                                                        now=now))
    assert flipped["conditions"][1]["lastTransitionTime"] == ro.format_time(now)
    assert status["conditions"][0] == old  # input untouched


def test_remove_condition():
    assert ro.remove_condition({}, "Progressing") == {}
    assert ro.remove_condition({"conditions": [cond("Progressing", "False", "x")]}, "Progressing") == {}
    status = {"conditions": [cond("Progressing", "False", "x"), cond("Available", "True", "y")]}
    assert ro.remove_condition(status, "ReplicaFailure") == status


def test_rs_condition_to_deployment():
    rs_cond = {"type": "ReplicaFailure", "status": "True", "lastTransitionTime": ts(1), "reason": "FailedCreate",
               "message": "quota"}
    assert ro.rs_condition_to_deployment(rs_cond) == {
        "type": "ReplicaFailure", "status": "True", "lastUpdateTime": ts(1), "lastTransitionTime": ts(1),
        "reason": "FailedCreate", "message": "quota"}


# --- progress ---------------------------------------------------------------------------------

def status(current, updated, available, ready=0, generation=1):
    return {"replicas": current, "updatedReplicas": updated, "availableReplicas": available,
            "readyReplicas": ready, "observedGeneration": generation}


@pytest.mark.parametrize(("desired", "st", "expected"), [
    (5, status(5, 5, 4), False),   # min but not all pods available
    (5, status(5, 5, 3), False),
    (5, status(5, 5, 5), True),
    (5, status(5, 4, 5), False),   # all available but not updated
    (1, status(2, 1, 1), False),   # still running old pods
    (1, status(1, 1, 0), False),   # never comes up
    (5, status(5, 5, 5, generation=0), False),  # generation not observed yet
])
def test_deployment_complete(desired, st, expected):
    assert ro.deployment_complete(deployment(desired), st) is expected


@pytest.mark.parametrize(("old", "new", "expected"), [
    ((10, 4, 4, 4), (10, 6, 4, 4), True),    # more updated pods
    ((10, 4, 4, 4), (10, 4, 4, 4), False),
    ((10, 4, 6, 6), (8, 4, 6, 6), True),     # old pods removed
    ((10, 7, 3, 3), (10, 6, 3, 3), False),   # fewer new pods
    ((10, 4, 7, 7), (8, 8, 5, 5), True),     # fewer overall but more new
    ((10, 10, 9, 8), (10, 10, 10, 8), True),  # more ready
    ((10, 10, 10, 9), (10, 10, 10, 10), True),  # more available
])
def test_deployment_progressing(old, new, expected):
    def st(current, updated, ready, available):
        return {"replicas": current, "updatedReplicas": updated, "readyReplicas": ready,
                "availableReplicas": available}
    d = deployment(10, status=st(*old))
    assert ro.deployment_progressing(d, st(*new)) is expected


def _timed(reason, pds, since):
    d = deployment(1, spec={"progressDeadlineSeconds": pds})
    st = {"conditions": [{"type": "Progressing", "status": "True", "reason": reason, "lastUpdateTime": since}]}
    return d, st


@pytest.mark.parametrize(("reason", "pds", "since", "expected"), [
    ("", ro.MAX_INT32, ts(1, 9), False),   # infinite deadline
    ("", 10, ts(1, 9), True),              # 00:01:20 - 00:01:09 = 11s
    ("", 10, ts(1, 11), False),            # 9s
    ("", 10, ts(1, 10), False),            # exactly 10s is not yet past
    (ro.NEW_RS_AVAILABLE, 10, ts(0), False),  # a finished rollout does not time out
    (ro.TIMED_OUT, 10, ts(1, 19), True),      # already timed out stays so
])
def test_deployment_timed_out(reason, pds, since, expected):
    d, st = _timed(reason, pds, since)
    assert ro.deployment_timed_out(d, st, now=T0 + dt.timedelta(minutes=1, seconds=20)) is expected


def test_absent_deadline_and_history_limit_take_the_defaults():
    d = deployment(1)
    assert ro.progress_deadline_seconds(d) == 600 and ro.has_progress_deadline(d)
    assert ro.revision_history_limit(d) == 10 and ro.has_revision_history_limit(d)
    assert not ro.has_revision_history_limit(deployment(1, spec={"revisionHistoryLimit": ro.MAX_INT32}))


# --- selectors --------------------------------------------------------------------------------

@pytest.mark.parametrize(("selector", "labels", "expected"), [
    (None, {"a": "b"}, False),
    ({}, {"a": "b"}, True),
    ({"matchLabels": {"a": "b"}}, {"a": "b", "c": "d"}, True),
    ({"matchLabels": {"a": "b"}}, {"a": "x"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["b", "c"]}]}, {"a": "c"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}]}, {}, False),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]}, {"a": "b"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Bogus"}]}, {"a": ""}, False),
    ({"matchLabels": {"a": "b"}, "matchExpressions": [{"key": "c", "operator": "Exists"}]}, {"a": "b"}, False),
])
def test_selector_matches(selector, labels, expected):
    assert ro._selector_matches(selector, labels) is expected
