"""Scheduler decisions: filters, node choice, and upstream's FailedScheduling messages."""

from __future__ import annotations

import datetime as dt

import pytest

from kroll.api.meta import format_time
from kroll.reconcile.actions import Create, Event, UpdateStatus
from kroll.reconcile.scheduler import fit_error_message, node_fit_failure, schedule, tolerates

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)


def make_pod(name: str = "web-1", **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"{name}-uid", "resourceVersion": "9"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], "schedulerName": "default-scheduler", **spec},
            "status": {"phase": "Pending"}}


def make_node(name: str, *, labels=None, taints=None, ready: str | None = "True", unschedulable: bool = False,
              max_pods: str | None = None) -> dict:
    node: dict = {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
                  "spec": {}, "status": {}}
    if taints:
        node["spec"]["taints"] = taints
    if unschedulable:
        node["spec"]["unschedulable"] = True
    if ready is not None:
        node["status"]["conditions"] = [{"type": "Ready", "status": ready}]
    if max_pods is not None:
        node["status"]["allocatable"] = {"pods": max_pods}
    return node


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


def test_binds_to_least_loaded_node():
    nodes = [make_node("a"), make_node("b"), make_node("c")]
    actions = schedule(make_pod(), nodes, {"a": 3, "b": 1, "c": 1}, now=NOW)
    bind, event = actions
    assert isinstance(bind, Create)
    assert (bind.resource, bind.namespace, bind.subresource, bind.name) == ("pods", "default", "binding", "web-1")
    assert bind.obj == {"apiVersion": "v1", "kind": "Binding",
                        "metadata": {"name": "web-1", "namespace": "default", "uid": "web-1-uid"},
                        "target": {"apiVersion": "v1", "kind": "Node", "name": "b"}}
    assert (event.type, event.reason, event.message, event.component) == (
        "Normal", "Scheduled", "Successfully assigned default/web-1 to b", "default-scheduler")


@pytest.mark.parametrize("pod", [
    make_pod(nodeName="a"),
    make_pod(schedulerName="my-scheduler"),
    {**make_pod(), "status": {"phase": "Succeeded"}},
    {**make_pod(), "metadata": {**make_pod()["metadata"], "deletionTimestamp": format_time(NOW)}},
])
def test_pods_that_are_not_ours_to_schedule(pod):
    assert schedule(pod, [make_node("a")], {}, now=NOW) == []


def test_missing_scheduler_name_means_default():
    pod = make_pod()
    del pod["spec"]["schedulerName"]
    assert len(schedule(pod, [make_node("a")], {}, now=NOW)) == 2


def test_node_selector_mismatch_message():
    nodes = [make_node("a"), make_node("b"), make_node("c")]
    actions = schedule(make_pod(nodeSelector={"disk": "ssd"}), nodes, {}, now=NOW)
    event, update = actions
    message = ("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
               "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    assert (event.type, event.reason, event.message, event.component) == (
        "Warning", "FailedScheduling", message, "default-scheduler")
    assert isinstance(update, UpdateStatus) and update.resource == "pods"
    assert update.obj["status"]["conditions"] == [{
        "type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": format_time(NOW),
        "reason": "Unschedulable", "message": message}]
    # the same verdict again: an event, but the status already says so
    again = schedule(update.obj, nodes, {}, now=NOW + dt.timedelta(minutes=1))
    assert [type(a) for a in again] == [Event]


def test_mixed_reasons_histogram_is_sorted():
    nodes = [make_node("cp", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]),
             make_node("a", labels={"zone": "x"}), make_node("b", labels={"zone": "x"}),
             make_node("off", unschedulable=True)]
    event = schedule(make_pod(nodeSelector={"zone": "y"}), nodes, {}, now=NOW)[0]
    assert event.message == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")


def test_not_ready_node_counts_as_tainted():
    assert node_fit_failure(make_pod(), make_node("a", ready="False"), 0) == \
        "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"
    assert node_fit_failure(make_pod(), make_node("a", ready=None), 0) == \
        "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"
    assert node_fit_failure(make_pod(), make_node("a", ready="Unknown"), 0) == \
        "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
    tolerant = make_pod(tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}])
    assert node_fit_failure(tolerant, make_node("a", ready="False"), 0) is None


def test_taints_and_tolerations():
    node = make_node("a", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                                  {"key": "soft", "effect": "PreferNoSchedule"}])
    assert node_fit_failure(make_pod(), node, 0) == "node(s) had untolerated taint {dedicated: gpu}"
    ok = make_pod(tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}])
    assert node_fit_failure(ok, node, 0) is None
    wildcard = make_pod(tolerations=[{"operator": "Exists"}])
    assert node_fit_failure(wildcard, node, 0) is None
    unschedulable = make_node("b", unschedulable=True)
    assert node_fit_failure(wildcard, unschedulable, 0) is None


@pytest.mark.parametrize(("toleration", "taint", "expected"), [
    ({"key": "k", "value": "v"}, {"key": "k", "value": "v", "effect": "NoSchedule"}, True),
    ({"key": "k", "value": "v"}, {"key": "k", "value": "w", "effect": "NoSchedule"}, False),
    ({"key": "k", "operator": "Exists"}, {"key": "k", "value": "w", "effect": "NoExecute"}, True),
    ({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, {"key": "k", "effect": "NoExecute"}, False),
    ({"operator": "Exists", "effect": "NoExecute"}, {"key": "any", "effect": "NoExecute"}, True),
    ({"key": "k", "operator": "Gt", "value": "1"}, {"key": "k", "value": "2", "effect": "NoSchedule"}, False),
])
def test_tolerates(toleration, taint, expected):
    assert tolerates(toleration, taint) is expected


def _affinity(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


@pytest.mark.parametrize(("terms", "expected"), [
    ([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["b"]}]}], "b"),
    ([{"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["a", "b"]}]}], "c"),
    ([{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z2"]}]}], "b"),
    ([{"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["z1", "z2"]}]}], "c"),
    ([{"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}], "c"),
    ([{"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["3"]}]}], "b"),
    ([{"matchExpressions": [{"key": "gen", "operator": "Lt", "values": ["3"]}]}], "a"),
    # terms are ORed: the first cannot match, the second picks "a"
    ([{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["nowhere"]}]},
      {"matchExpressions": [{"key": "zone", "operator": "Exists"}],
       "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]}], "a"),
    ([{}], None),  # an empty term matches nothing
])
def test_required_node_affinity(terms, expected):
    nodes = [make_node("a", labels={"zone": "z1", "gen": "2"}), make_node("b", labels={"zone": "z2", "gen": "5"}),
             make_node("c")]
    actions = schedule(make_pod(affinity=_affinity(*terms)), nodes, {"a": 5, "b": 5, "c": 0}, now=NOW)
    if expected is None:
        assert actions[0].reason == "FailedScheduling"
    else:
        assert actions[0].obj["target"]["name"] == expected


def test_too_many_pods():
    node = make_node("a", max_pods="2")
    assert node_fit_failure(make_pod(), node, 1) is None
    assert node_fit_failure(make_pod(), node, 2) == "Too many pods"
    event = schedule(make_pod(), [node], {"a": 2}, now=NOW)[0]
    assert event.message == ("0/1 nodes are available: 1 Too many pods. "
                             "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")


def test_preemption_policy_never():
    message = fit_error_message(make_pod(preemptionPolicy="Never"), 1, ["node(s) were unschedulable"])
    assert message == ("0/1 nodes are available: 1 node(s) were unschedulable. "
                       "preemption: not eligible due to preemptionPolicy=Never.")


def test_no_nodes():
    event, update = schedule(make_pod(), [], {}, now=NOW)
    assert event.message == "no nodes available to schedule pods"
    assert update.obj["status"]["conditions"][0]["reason"] == "Unschedulable"


def test_scheduling_gates():
    actions = schedule(make_pod(schedulingGates=[{"name": "wait"}]), [make_node("a")], {}, now=NOW)
    assert [type(a) for a in actions] == [UpdateStatus]
    cond = actions[0].obj["status"]["conditions"][0]
    assert (cond["reason"], cond["message"]) == ("SchedulingGated",
                                                 "Scheduling is blocked due to non-empty scheduling gates")


def test_transition_time_kept_while_still_unschedulable():
    nodes = [make_node("a", unschedulable=True)]
    first = schedule(make_pod(), nodes, {}, now=NOW)[1].obj
    nodes.append(make_node("b", labels={"x": "y"}))
    later = NOW + dt.timedelta(minutes=5)
    second = schedule({**first, "spec": {**first["spec"], "nodeSelector": {"x": "z"}}}, nodes, {}, now=later)
    cond = second[1].obj["status"]["conditions"][0]
    assert cond["lastTransitionTime"] == format_time(NOW)
    assert cond["message"].startswith("0/2 nodes are available")


def test_input_pod_untouched():
    pod = make_pod(nodeSelector={"disk": "ssd"})
    before = repr(pod)
    schedule(pod, [make_node("a")], {}, now=NOW)
    assert repr(pod) == before
