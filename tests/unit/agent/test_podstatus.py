"""Pure status arithmetic: durations, back-off, phase, conditions, QoS."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from kroll.agent import podstatus as ps

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0.0),
    ("500ms", 0.5),
    ("2s", 2.0),
    ("1m30s", 90.0),
    ("1.5h", 5400.0),
    ("1h2m3s", 3723.0),
    ("250us", 0.00025),
    ("100ns", 1e-7),
    ("+5s", 5.0),
    (".5s", 0.5),
    ("1m0.25s", 60.25),
])
def test_parse_duration(text, seconds):
    assert ps.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "abc", "-1s", "1x", "s", "1m 30s", "1.2.3s"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        ps.parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (10, "10s"), (20, "20s"), (80, "1m20s"), (160, "2m40s"), (300, "5m0s"),
    (3600, "1h0m0s"), (3723, "1h2m3s"), (1.5, "1.5s"), (0.5, "500ms"), (0.0015, "1.5ms"),
])
def test_format_duration_is_go_duration_string(seconds, text):
    assert ps.format_duration(seconds) == text


def test_backoff_doubles_from_10s_and_caps_at_300s():
    seq = []
    current = None
    for _ in range(8):
        current = ps.next_backoff(current, since_update=None if current is None else current)
        seq.append(current)
    assert seq == [10, 20, 40, 80, 160, 300, 300, 300]


def test_backoff_is_forgotten_after_ten_quiet_minutes():
    assert ps.next_backoff(160.0, since_update=600.0) == 300.0
    assert ps.next_backoff(160.0, since_update=600.1) == 10.0
    assert ps.backoff_remaining(160.0, since_update=601.0, since_exit=0.0) == 0.0


@pytest.mark.parametrize(("backoff", "since_update", "since_exit", "remaining"), [
    (None, None, 0.0, 0.0),  # never restarted: restart at once
    (10.0, 0.0, 0.0, 10.0),
    (10.0, 4.0, 4.0, 6.0),
    (20.0, 15.0, 25.0, 0.0),
])
def test_backoff_remaining(backoff, since_update, since_exit, remaining):
    assert ps.backoff_remaining(backoff, since_update, since_exit) == remaining


def test_backoff_message_names_container_and_pod():
    pod = {"metadata": {"name": "web-1", "namespace": "default", "uid": "u1"}}
    assert ps.backoff_message(40, "app", pod) == "back-off 40s restarting failed container=app pod=web-1_default(u1)"
    assert ps.backoff_message(300, "app", pod).startswith("back-off 5m0s ")


@pytest.mark.parametrize(("policy", "code", "restart"), [
    ("Always", 0, True), ("Always", 1, True), ("OnFailure", 0, False), ("OnFailure", 2, True),
    ("Never", 1, False), ("Never", 0, False),
])
def test_should_restart(policy, code, restart):
    assert ps.should_restart(policy, code) is restart


@pytest.mark.parametrize(("value", "expected"), [
    ("100m", Fraction(1, 10)), ("1", Fraction(1)), ("1.5", Fraction(3, 2)), ("1Gi", Fraction(2**30)),
    ("128Mi", Fraction(128 * 2**20)), ("1k", Fraction(1000)), ("1e3", Fraction(1000)), (2, Fraction(2)),
    ("500u", Fraction(1, 2000)),
])
def test_parse_quantity(value, expected):
    assert ps.parse_quantity(value) == expected


def _pod_with(*resources, init=()):
    return {"spec": {
        "containers": [{"name": f"c{i}", "image": "x", "resources": r} for i, r in enumerate(resources)],
        "initContainers": [{"name": f"i{i}", "image": "x", "resources": r} for i, r in enumerate(init)],
    }}


@pytest.mark.parametrize(("pod", "qos"), [
    (_pod_with({}), "BestEffort"),
    (_pod_with({"requests": {"cpu": "100m"}}), "Burstable"),
    (_pod_with({"limits": {"cpu": "1", "memory": "1Gi"}}), "Guaranteed"),  # requests default to limits
    (_pod_with({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1024Mi"}}),
     "Guaranteed"),
    (_pod_with({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}), "Burstable"),
    (_pod_with({"limits": {"cpu": "1", "memory": "1Gi"}}, {}), "Burstable"),
    (_pod_with({"limits": {"cpu": "1"}}), "Burstable"),
    (_pod_with({"requests": {"nvidia.com/gpu": "1"}}), "BestEffort"),
    (_pod_with({"limits": {"cpu": "1", "memory": "1Gi"}}, init=[{"requests": {"cpu": "1m"}}]), "Burstable"),
])
def test_qos_class(pod, qos):
    assert ps.qos_class(pod) == qos


# -- phase -------------------------------------------------------------------------------------

RUNNING = {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
CREATING = {"waiting": {"reason": "ContainerCreating"}}
BACKOFF = {"waiting": {"reason": "CrashLoopBackOff"}}


def _term(code):
    return {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}}


def _cs(name, state, last=None, ready=False, started=False):
    return {"name": name, "state": state, "lastState": last or {}, "ready": ready, "started": started}


def _spec_pod(policy="Always", containers=("a",), init=(), sidecars=()):
    return {"spec": {
        "restartPolicy": policy,
        "containers": [{"name": n} for n in containers],
        "initContainers": [{"name": n} for n in init] + [{"name": n, "restartPolicy": "Always"} for n in sidecars],
    }}


@pytest.mark.parametrize(("pod", "statuses", "init_statuses", "phase"), [
    (_spec_pod(), [], [], "Pending"),
    (_spec_pod(), [_cs("a", CREATING)], [], "Pending"),
    (_spec_pod(), [_cs("a", RUNNING)], [], "Running"),
    (_spec_pod(containers=("a", "b")), [_cs("a", RUNNING), _cs("b", CREATING)], [], "Pending"),
    # crash loop: waiting with a last termination counts as stopped → Running under Always
    (_spec_pod(), [_cs("a", BACKOFF, _term(1))], [], "Running"),
    (_spec_pod("OnFailure"), [_cs("a", BACKOFF, _term(1))], [], "Running"),
    (_spec_pod("Always"), [_cs("a", _term(0))], [], "Running"),
    (_spec_pod("OnFailure"), [_cs("a", _term(0))], [], "Succeeded"),
    (_spec_pod("Never"), [_cs("a", _term(0))], [], "Succeeded"),
    (_spec_pod("Never"), [_cs("a", _term(1))], [], "Failed"),
    (_spec_pod("Never", containers=("a", "b")), [_cs("a", _term(0)), _cs("b", _term(1))], [], "Failed"),
    (_spec_pod("Never", containers=("a", "b")), [_cs("a", RUNNING), _cs("b", _term(1))], [], "Running"),
    # init containers
    (_spec_pod(init=("i",)), [_cs("a", {"waiting": {"reason": "PodInitializing"}})], [_cs("i", RUNNING)], "Pending"),
    (_spec_pod(init=("i",)), [_cs("a", RUNNING)], [_cs("i", _term(0), ready=True)], "Running"),
    (_spec_pod("Never", init=("i",)), [_cs("a", {"waiting": {"reason": "PodInitializing"}})], [_cs("i", _term(1))],
     "Failed"),
    # a sidecar that has not started holds the pod in Pending
    (_spec_pod(sidecars=("s",)), [_cs("a", {"waiting": {"reason": "PodInitializing"}})],
     [_cs("s", RUNNING, started=False)], "Pending"),
    (_spec_pod(sidecars=("s",)), [_cs("a", RUNNING)], [_cs("s", RUNNING, started=True)], "Running"),
])
def test_pod_phase(pod, statuses, init_statuses, phase):
    assert ps.pod_phase(pod, statuses, init_statuses) == phase


# -- conditions --------------------------------------------------------------------------------


def _conds(conditions):
    return {c["type"]: c for c in conditions}


def test_conditions_of_a_ready_pod_in_kubelet_order():
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}, "status": {}}
    conds = ps.pod_conditions(pod, phase="Running", container_statuses=[_cs("a", RUNNING, ready=True)],
                              init_container_statuses=[], now=T0)
    assert [c["type"] for c in conds] == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                          "PodScheduled"]
    assert all(c["status"] == "True" and c["lastTransitionTime"] == "2026-01-01T00:00:00Z" for c in conds)


def test_unready_containers_are_named_like_go_slices():
    pod = {"spec": {"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}}
    conds = _conds(ps.pod_conditions(
        pod, phase="Running", container_statuses=[_cs("a", RUNNING), _cs("b", RUNNING, ready=True), _cs("c", RUNNING)],
        init_container_statuses=[], now=T0))
    assert conds["ContainersReady"]["reason"] == "ContainersNotReady"
    assert conds["ContainersReady"]["message"] == "containers with unready status: [a c]"
    assert conds["Ready"]["status"] == "False"
    assert conds["Ready"]["message"] == "containers with unready status: [a c]"


def test_last_transition_time_stays_while_status_stays_and_moves_when_it_flips():
    pod = {"spec": {"containers": [{"name": "a"}]}, "status": {"conditions": [
        {"type": "Ready", "status": "True", "lastTransitionTime": "2025-12-31T23:00:00Z"},
        {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2025-12-31T23:00:00Z"},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2025-12-31T22:00:00Z"},
    ]}}
    still = _conds(ps.pod_conditions(pod, phase="Running", container_statuses=[_cs("a", RUNNING, ready=True)],
                                     init_container_statuses=[], now=T0))
    assert still["Ready"]["lastTransitionTime"] == "2025-12-31T23:00:00Z"
    assert still["PodScheduled"]["lastTransitionTime"] == "2025-12-31T22:00:00Z"
    assert still["Initialized"]["lastTransitionTime"] == "2026-01-01T00:00:00Z"  # new condition
    flipped = _conds(ps.pod_conditions(pod, phase="Running", container_statuses=[_cs("a", RUNNING)],
                                       init_container_statuses=[], now=T0))
    assert flipped["Ready"]["status"] == "False"
    assert flipped["Ready"]["lastTransitionTime"] == "2026-01-01T00:00:00Z"


def test_readiness_gates_and_foreign_conditions():
    pod = {"spec": {"containers": [{"name": "a"}], "readinessGates": [{"conditionType": "example.com/lb"}]},
           "status": {"conditions": [{"type": "example.com/lb", "status": "False"}]}}
    conds = ps.pod_conditions(pod, phase="Running", container_statuses=[_cs("a", RUNNING, ready=True)],
                              init_container_statuses=[], now=T0)
    by = _conds(conds)
    assert by["ContainersReady"]["status"] == "True"
    assert by["Ready"]["reason"] == "ReadinessGatesNotReady"
    assert by["Ready"]["message"] == 'the status of pod readiness gate "example.com/lb" is not "True", but False'
    assert conds[-1] == {"type": "example.com/lb", "status": "False"}  # kept as is, after kubelet's
    pod["status"]["conditions"][0]["status"] = "True"
    assert _conds(ps.pod_conditions(pod, phase="Running", container_statuses=[_cs("a", RUNNING, ready=True)],
                                    init_container_statuses=[], now=T0))["Ready"]["status"] == "True"


@pytest.mark.parametrize(("phase", "reason"), [("Succeeded", "PodCompleted"), ("Failed", "PodFailed")])
def test_terminal_conditions(phase, reason):
    pod = {"spec": {"containers": [{"name": "a"}]}}
    by = _conds(ps.pod_conditions(pod, phase=phase, container_statuses=[_cs("a", _term(0))],
                                  init_container_statuses=[], now=T0))
    assert by["Ready"] == {"type": "Ready", "status": "False", "reason": reason,
                           "lastTransitionTime": "2026-01-01T00:00:00Z"}
    assert by["PodReadyToStartContainers"]["status"] == "False"


def test_initialized_waits_for_init_containers():
    pod = {"spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]}}
    by = _conds(ps.pod_conditions(pod, phase="Pending", container_statuses=[_cs("a", CREATING)],
                                  init_container_statuses=[_cs("i1", _term(0), ready=True), _cs("i2", RUNNING)],
                                  now=T0))
    assert by["Initialized"]["status"] == "False"
    assert by["Initialized"]["reason"] == "ContainersNotInitialized"
    assert by["Initialized"]["message"] == "containers with incomplete status: [i2]"


def test_generate_pod_status_shape_and_terminal_lock():
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}], "restartPolicy": "Always"},
           "status": {"phase": "Pending", "nominatedNodeName": "n9"}}
    st = ps.generate_pod_status(pod, container_statuses=[_cs("a", RUNNING, ready=True)], init_container_statuses=[],
                                host_ip="127.0.0.1", pod_ip="10.244.0.2", start_time="2026-01-01T00:00:00Z", now=T0)
    assert list(st) == ["phase", "conditions", "nominatedNodeName", "hostIP", "hostIPs", "podIP", "podIPs",
                        "startTime", "containerStatuses", "qosClass"]
    assert st["phase"] == "Running"
    assert st["podIPs"] == [{"ip": "10.244.0.2"}]
    pod["status"] = {"phase": "Failed", "reason": "Evicted"}
    st = ps.generate_pod_status(pod, container_statuses=[_cs("a", RUNNING)], init_container_statuses=[],
                                host_ip="127.0.0.1", pod_ip=None, start_time=None, now=T0)
    assert st["phase"] == "Failed"
    assert st["reason"] == "Evicted"
    assert "podIP" not in st
