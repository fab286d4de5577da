"""The simulated runtime: annotation parsing, plans (pure), and the runtime read off them."""

from __future__ import annotations

import datetime as dt

import pytest

from kroll.agent.clock import FakeClock
from kroll.agent.runtimes.base import ContainerPhase, Runtime
from kroll.agent.runtimes.simulated import (
    Behavior,
    SimulatedRuntime,
    image_id,
    parse_behavior,
    plan_container,
)

B = "sim.kroll.dev/behavior"


@pytest.mark.parametrize(("annotations", "behavior"), [
    ({}, Behavior()),
    ({B: "never-ready"}, Behavior(never_ready=True)),
    ({B: "crash"}, Behavior(exit_after=0.0, exit_code=1)),
    ({B: "crash,exit-code=3"}, Behavior(exit_after=0.0, exit_code=3)),
    ({B: "crash-after=1m"}, Behavior(exit_after=60.0, exit_code=1)),
    ({B: "complete"}, Behavior(exit_after=0.0, exit_code=0)),
    ({B: "complete-after=2s"}, Behavior(exit_after=2.0, exit_code=0)),
    ({B: "fail-after=30s"}, Behavior(fail_after=30.0)),
    ({B: " never-ready , fail-after=1m30s "}, Behavior(never_ready=True, fail_after=90.0)),
    ({"sim.kroll.dev/ready-after": "500ms"}, Behavior(ready_after=0.5)),
    ({"sim.kroll.dev/start-after": "3s", "sim.kroll.dev/terminate-after": "1m"},
     Behavior(start_after=3.0, terminate_after=60.0)),
])
def test_parse_behavior(annotations, behavior):
    assert parse_behavior(annotations) == (behavior, [])


def test_parse_behavior_reports_and_ignores_bad_values():
    behavior, errs = parse_behavior({B: "explode,fail-after=soon", "sim.kroll.dev/ready-after": "10"})
    assert behavior == Behavior()
    assert len(errs) == 3


def _c(**probes):
    return {"name": "app", "image": "nginx:1.25", **probes}


def _probe(delay=0, period=10, success=1, failure=3):
    return {"initialDelaySeconds": delay, "periodSeconds": period, "successThreshold": success,
            "failureThreshold": failure, "httpGet": {"path": "/", "port": 80}}


@pytest.mark.parametrize(("container", "behavior", "expect"), [
    # no probes: ready as soon as it runs, or after ready-after, until fail-after
    (_c(), Behavior(), dict(ready_from=0.0, ready_until=None, started_at=0.0, exit_at=None, kill_at=None)),
    (_c(), Behavior(ready_after=30), dict(ready_from=30.0, ready_until=None)),
    (_c(), Behavior(fail_after=30), dict(ready_from=0.0, ready_until=30.0)),
    (_c(), Behavior(never_ready=True), dict(ready_from=None)),
    (_c(), Behavior(ready_after=40, fail_after=30), dict(ready_from=None)),
    (_c(), Behavior(exit_after=0, exit_code=1), dict(exit_at=0.0, exit_code=1, ready_from=None)),
    (_c(), Behavior(exit_after=60, exit_code=1), dict(exit_at=60.0, ready_from=0.0)),
    # the module docstring's worked example: probes at 5, 15, 25, ...; 2 successes; 3 failures
    (_c(readinessProbe=_probe(5, 10, 2, 3)), Behavior(ready_after=12, fail_after=60),
     dict(ready_from=25.0, ready_until=85.0)),
    # defaults: first probe at 0, then every 10 s
    (_c(readinessProbe={"httpGet": {"port": 80}}), Behavior(), dict(ready_from=0.0)),
    (_c(readinessProbe={"httpGet": {"port": 80}}), Behavior(ready_after=1), dict(ready_from=10.0)),
    (_c(readinessProbe=_probe(0, 10, 1, 1)), Behavior(fail_after=31), dict(ready_from=0.0, ready_until=40.0)),
    (_c(readinessProbe=_probe(3)), Behavior(never_ready=True), dict(ready_from=None)),
    # startup probe gates readiness; too slow a start gets the container killed
    (_c(startupProbe=_probe(0, 5, 1, 10)), Behavior(ready_after=12), dict(started_at=15.0, ready_from=15.0)),
    (_c(startupProbe=_probe(0, 5, 1, 2)), Behavior(ready_after=12),
     dict(started_at=None, kill_at=5.0, ready_from=None)),
    (_c(startupProbe=_probe(0, 5, 1, 10), readinessProbe=_probe(0, 10, 1, 3)), Behavior(ready_after=12),
     dict(started_at=15.0, ready_from=20.0)),
    # liveness fails from fail-after: killed after failureThreshold probes
    (_c(livenessProbe=_probe(0, 10, 1, 3)), Behavior(fail_after=30), dict(kill_at=50.0, ready_until=30.0)),
    (_c(livenessProbe=_probe(0, 10, 1, 3)), Behavior(), dict(kill_at=None)),
])
def test_plan_container(container, behavior, expect):
    plan = plan_container(container, behavior)
    for key, value in expect.items():
        assert getattr(plan, key) == value, key


def test_init_container_plan_completes_at_once():
    plan = plan_container(_c(), Behavior(exit_after=0, exit_code=1), init=True)
    assert (plan.exit_at, plan.exit_code) == (0.0, 0)


@pytest.mark.parametrize(("image", "resolved_repo"), [
    ("nginx", "docker.io/library/nginx"),
    ("nginx:1.25", "docker.io/library/nginx"),
    ("bitnami/redis:7", "docker.io/bitnami/redis"),
    ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause"),
    ("localhost:5000/app:dev", "localhost:5000/app"),
])
def test_image_id(image, resolved_repo):
    repo, _, digest = image_id(image).partition("@sha256:")
    assert repo == resolved_repo
    assert len(digest) == 64
    assert image_id("nginx@sha256:" + "a" * 64) == "docker.io/library/nginx@sha256:" + "a" * 64


def _pod(annotations=None, containers=None, uid="u1", init=None):
    spec = {"containers": containers or [_c()]}
    if init:
        spec["initContainers"] = init
    return {"metadata": {"name": "p", "namespace": "default", "uid": uid, "annotations": annotations or {}},
            "spec": spec}


async def test_runtime_satisfies_protocol_and_reports_states_over_time():
    clock = FakeClock()
    rt = SimulatedRuntime(clock)
    assert isinstance(rt, Runtime)
    pod = _pod({"sim.kroll.dev/start-after": "2s", "sim.kroll.dev/ready-after": "5s", B: "crash-after=20s"})
    st = await rt.start_container(pod, pod["spec"]["containers"][0])
    assert st.phase is ContainerPhase.CREATING
    assert rt.probe_results("u1", "app") is None
    assert rt.next_change("u1") == clock.monotonic() + 2
    clock.advance(2)
    st = rt.container_state("u1", "app")
    assert st.phase is ContainerPhase.RUNNING
    assert st.started_at == clock.now()
    assert st.container_id.startswith("kroll-sim://")
    assert rt.probe_results("u1", "app").ready is False
    assert rt.next_change("u1") == clock.monotonic() + 5
    clock.advance(5)
    assert rt.probe_results("u1", "app").ready is True
    clock.advance(15)
    st = rt.container_state("u1", "app")
    assert (st.phase, st.exit_code, st.reason) == (ContainerPhase.EXITED, 1, "Error")
    assert st.finished_at - st.started_at == dt.timedelta(seconds=20)
    assert rt.next_change("u1") is None


@pytest.mark.parametrize(("terminate_after", "grace", "exit_after", "code"), [
    (None, 30, 0, 0),
    ("5s", 30, 5, 0),
    ("1m", 10, 10, 137),  # past the grace period: killed
])
async def test_stop_honours_terminate_after_capped_by_grace(terminate_after, grace, exit_after, code):
    clock = FakeClock()
    rt = SimulatedRuntime(clock)
    pod = _pod({"sim.kroll.dev/terminate-after": terminate_after} if terminate_after else {})
    await rt.start_container(pod, pod["spec"]["containers"][0])
    clock.advance(1)
    await rt.stop_container("u1", "app", grace)
    await rt.stop_container("u1", "app", 0)  # idempotent: the first request stands
    if exit_after:
        assert rt.container_state("u1", "app").phase is ContainerPhase.RUNNING
        assert rt.next_change("u1") == clock.monotonic() + exit_after
        clock.advance(exit_after)
    st = rt.container_state("u1", "app")
    assert (st.phase, st.exit_code) == (ContainerPhase.EXITED, code)


async def test_logs_current_previous_tail_and_timestamps():
    clock = FakeClock()
    rt = SimulatedRuntime(clock)
    pod = _pod({B: "crash"})
    c = pod["spec"]["containers"][0]
    await rt.start_container(pod, c)
    first = await rt.logs("u1", "app", previous=False, tail_lines=None, timestamps=False)
    assert first.decode().splitlines() == [
        "2026-01-01T00:00:00.000Z INFO starting nginx:1.25",
        "2026-01-01T00:00:00.000Z ERROR fatal: simulated crash, exiting with code 1",
    ]
    assert await rt.logs("u1", "app", previous=True, tail_lines=None, timestamps=False) is None
    clock.advance(10.25)
    await rt.start_container(pod, c)
    prev = await rt.logs("u1", "app", previous=True, tail_lines=None, timestamps=False)
    assert prev == first
    cur = await rt.logs("u1", "app", previous=False, tail_lines=1, timestamps=True)
    assert cur.decode() == ("2026-01-01T00:00:10.25Z 2026-01-01T00:00:10.250Z ERROR fatal: simulated crash, "
                            "exiting with code 1\n")
    assert await rt.logs("u1", "app", previous=False, tail_lines=0, timestamps=False) == b""


async def test_logs_of_a_healthy_container_then_sigterm():
    clock = FakeClock()
    rt = SimulatedRuntime(clock)
    pod = _pod({"sim.kroll.dev/ready-after": "3s", "sim.kroll.dev/terminate-after": "2s"},
               containers=[_c(ports=[{"containerPort": 80}])])
    await rt.start_container(pod, pod["spec"]["containers"][0])
    clock.advance(1)
    assert (await rt.logs("u1", "app", previous=False, tail_lines=None, timestamps=False)).decode().splitlines() == [
        "2026-01-01T00:00:00.000Z INFO starting nginx:1.25",
        "2026-01-01T00:00:00.000Z INFO listening on :80",
    ]
    clock.advance(9)
    await rt.stop_container("u1", "app", 30)
    clock.advance(5)
    text = (await rt.logs("u1", "app", previous=False, tail_lines=None, timestamps=False)).decode()
    assert text.splitlines()[2:] == [
        "2026-01-01T00:00:03.000Z INFO ready",
        "2026-01-01T00:00:10.000Z INFO received SIGTERM, shutting down gracefully",
        "2026-01-01T00:00:12.000Z INFO shutdown complete",
    ]


async def test_adopt_running_keeps_id_and_start_time():
    clock = FakeClock()
    rt = SimulatedRuntime(clock)
    pod = _pod({"sim.kroll.dev/ready-after": "1m"})
    c = pod["spec"]["containers"][0]
    status = {"name": "app", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}, "lastState": {},
              "containerID": "kroll-sim://abc", "restartCount": 2}
    clock.advance(30)
    st = await rt.adopt_container(pod, c, status)
    assert st.phase is ContainerPhase.RUNNING
    assert st.container_id == "kroll-sim://abc"
    assert st.started_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert rt.probe_results("u1", "app").ready is False
    assert rt.next_change("u1") == clock.monotonic() + 30  # ready 60 s after the original start


async def test_adopt_backoff_gives_the_exited_instance():
    clock = FakeClock()
    rt = SimulatedRuntime(clock)
    pod = _pod({B: "crash"})
    status = {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "restartCount": 3,
              "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-01-01T00:00:00Z",
                                           "finishedAt": "2026-01-01T00:00:00Z", "containerID": "kroll-sim://x"}}}
    st = await rt.adopt_container(pod, pod["spec"]["containers"][0], status)
    assert (st.phase, st.exit_code, st.container_id) == (ContainerPhase.EXITED, 1, "kroll-sim://x")
    never = {"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}}
    assert await rt.adopt_container(_pod(uid="u2"), _c(), never) is None
