"""The node agent's decisions, against an in-memory API and a fake clock."""

from __future__ import annotations

import datetime as dt

import pytest

from kroll.agent.runtimes.simulated import SimulatedRuntime
from kroll.api.errors import ApiError

B = "sim.kroll.dev/behavior"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _iso(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def conditions(pod):
    return {c["type"]: c for c in pod["status"].get("conditions", [])}


def cstatus(pod, name="app"):
    return next(c for c in pod["status"]["containerStatuses"] if c["name"] == name)


# -- pods: start ---------------------------------------------------------------------------------


async def test_ready_at_once_takes_one_status_write(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("web", containers=[{"name": "app", "image": "nginx:1.25",
                                               "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}])
    await h.settle()
    writes = h.client.status_writes("web")
    assert len(writes) == 1
    pod = h.client.pod("web")
    st = pod["status"]
    assert st["phase"] == "Running"
    assert {t: c["status"] for t, c in conditions(pod).items()} == {
        "PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "True", "ContainersReady": "True",
        "PodScheduled": "True"}
    assert st["hostIP"] == "127.0.0.1" and st["hostIPs"] == [{"ip": "127.0.0.1"}]
    assert st["podIP"].startswith("10.244.0.") and st["podIPs"] == [{"ip": st["podIP"]}]
    assert st["startTime"] == _iso(0)
    assert st["qosClass"] == "Guaranteed"
    cs = cstatus(pod)
    assert cs["state"] == {"running": {"startedAt": _iso(0)}}
    assert (cs["ready"], cs["started"], cs["restartCount"], cs["lastState"]) == (True, True, 0, {})
    assert cs["containerID"].startswith("kroll-sim://")
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    # nothing more to say, however long we wait
    await h.run_for(600)
    assert len(h.client.status_writes("web")) == 1
    await h.stop()


async def test_pods_of_other_nodes_and_unscheduled_pods_are_left_alone(make_harness):
    h = await make_harness(["node-1", "node-2"]).start()
    await h.client.add_pod("mine", node="node-2")
    await h.client.add_pod("unscheduled", node=None)
    await h.client.add_pod("theirs", node="node-9")
    await h.settle()
    assert h.client.pod("mine")["status"]["podIP"].startswith("10.244.1.")
    assert "status" not in h.client.pod("unscheduled")
    assert "status" not in h.client.pod("theirs")
    await h.stop()


async def test_binding_later_starts_the_pod(make_harness):
    h = await make_harness().start()
    pod = await h.client.add_pod("late", node=None)
    pod["spec"]["nodeName"] = "node-1"
    await h.client.update("pods", "default", pod)
    await h.settle()
    assert h.client.pod("late")["status"]["phase"] == "Running"
    await h.stop()


async def test_pod_ips_are_unique(make_harness):
    h = await make_harness().start()
    for i in range(300):  # more than one /24
        await h.client.add_pod(f"p{i}")
    await h.settle()
    ips = {h.client.pod(f"p{i}")["status"]["podIP"] for i in range(300)}
    assert len(ips) == 300
    await h.stop()


async def test_many_pods_one_write_each(make_harness):
    h = await make_harness().start()
    for i in range(1000):
        await h.client.add_pod(f"p{i}")
    await h.settle()
    assert len(h.client.writes("update", "pods", subresource="status")) == 1000
    assert all(h.client.pod(f"p{i}")["status"]["phase"] == "Running" for i in range(1000))
    await h.stop()


# -- readiness -------------------------------------------------------------------------------


async def test_never_ready_stays_not_ready(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("nr", annotations={B: "never-ready"},
                           containers=[{"name": "app", "image": "nginx", "readinessProbe": {"periodSeconds": 5}}])
    await h.run_for(300)
    pod = h.client.pod("nr")
    assert pod["status"]["phase"] == "Running"
    assert conditions(pod)["Ready"]["status"] == "False"
    assert conditions(pod)["Ready"]["message"] == "containers with unready status: [app]"
    assert cstatus(pod)["ready"] is False and cstatus(pod)["started"] is True
    assert len(h.client.status_writes("nr")) == 1
    await h.stop()


async def test_ready_after_flips_ready_once_with_a_stable_transition_time(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("slow", annotations={"sim.kroll.dev/ready-after": "30s"})
    await h.settle()
    assert conditions(h.client.pod("slow"))["Ready"]["status"] == "False"
    assert h.client.pod("slow")["status"]["phase"] == "Running"
    await h.run_for(29)
    assert conditions(h.client.pod("slow"))["Ready"]["status"] == "False"
    await h.run_for(1)
    ready = conditions(h.client.pod("slow"))["Ready"]
    assert (ready["status"], ready["lastTransitionTime"]) == ("True", _iso(30))
    await h.run_for(600)
    assert conditions(h.client.pod("slow"))["Ready"]["lastTransitionTime"] == _iso(30)
    assert len(h.client.status_writes("slow")) == 2
    await h.stop()


@pytest.mark.parametrize(("probe", "annotations", "timeline"), [
    # (time, Ready) checkpoints; probes at initialDelay + k*period
    ({"initialDelaySeconds": 5, "periodSeconds": 10, "successThreshold": 2, "failureThreshold": 3},
     {"sim.kroll.dev/ready-after": "12s", B: "fail-after=60s"},
     [(24, "False"), (25, "True"), (84, "True"), (85, "False"), (400, "False")]),
    ({"initialDelaySeconds": 0, "periodSeconds": 10},
     {"sim.kroll.dev/ready-after": "1s"},
     [(0, "False"), (9, "False"), (10, "True")]),
])
async def test_readiness_probe_timing(make_harness, probe, annotations, timeline):
    h = await make_harness().start()
    await h.client.add_pod("probed", annotations=annotations,
                           containers=[{"name": "app", "image": "nginx", "readinessProbe": probe}])
    await h.settle()
    now = 0.0
    for t, expected in timeline:
        await h.run_for(t - now)
        now = t
        assert conditions(h.client.pod("probed"))["Ready"]["status"] == expected, f"at {t}s"
    await h.stop()


async def test_fail_after_without_probes_turns_unready(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("flaky", annotations={B: "fail-after=30s"})
    await h.settle()
    assert conditions(h.client.pod("flaky"))["Ready"]["status"] == "True"
    await h.run_for(30)
    pod = h.client.pod("flaky")
    assert conditions(pod)["Ready"]["status"] == "False"
    assert pod["status"]["phase"] == "Running"
    assert cstatus(pod)["restartCount"] == 0
    await h.stop()


async def test_failing_liveness_probe_restarts_the_container(make_harness):
    h = await make_harness().start()
    probe = {"periodSeconds": 10, "failureThreshold": 3}
    await h.client.add_pod("hung", annotations={B: "fail-after=30s"},
                           containers=[{"name": "app", "image": "nginx", "livenessProbe": probe}])
    await h.run_for(49)
    assert cstatus(h.client.pod("hung"))["restartCount"] == 0
    await h.run_for(1)  # failures at 30, 40, 50: killed and restarted at once (first restart)
    cs = cstatus(h.client.pod("hung"))
    assert cs["restartCount"] == 1
    assert cs["state"] == {"running": {"startedAt": _iso(50)}}
    assert cs["lastState"]["terminated"]["finishedAt"] == _iso(50)
    assert cs["ready"] is True
    await h.stop()


async def test_start_after_shows_container_creating_first(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("pull", annotations={"sim.kroll.dev/start-after": "3s"})
    await h.settle()
    pod = h.client.pod("pull")
    assert pod["status"]["phase"] == "Pending"
    assert cstatus(pod)["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert "containerID" not in cstatus(pod)
    await h.run_for(3)
    pod = h.client.pod("pull")
    assert pod["status"]["phase"] == "Running"
    assert conditions(pod)["Ready"]["status"] == "True"
    assert len(h.client.status_writes("pull")) == 2
    await h.stop()


async def test_init_containers_complete_first_in_the_same_write(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("init", initContainers=[{"name": "migrate", "image": "busybox"},
                                                   {"name": "warm", "image": "busybox"}])
    await h.settle()
    pod = h.client.pod("init")
    assert len(h.client.status_writes("init")) == 1
    assert pod["status"]["phase"] == "Running"
    assert conditions(pod)["Initialized"]["status"] == "True"
    inits = pod["status"]["initContainerStatuses"]
    assert [(c["name"], c["state"]["terminated"]["reason"], c["ready"]) for c in inits] == [
        ("migrate", "Completed", True), ("warm", "Completed", True)]
    assert await h.agent.read_logs("default", "init", "migrate") != b""
    await h.stop()


async def test_sidecar_runs_alongside_and_stops_after_the_main_container(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("job", annotations={B: "complete-after=10s", "sim.kroll.dev/terminate-after": "5s"},
                           restartPolicy="Never",
                           initContainers=[{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}])
    await h.settle()
    pod = h.client.pod("job")
    assert pod["status"]["phase"] == "Running"
    side = pod["status"]["initContainerStatuses"][0]
    assert ("running" in side["state"], side["started"], side["ready"]) == (True, True, True)
    assert conditions(pod)["Ready"]["status"] == "True"
    await h.run_for(10)  # main container done; the sidecar gets SIGTERM and takes 5 s
    assert h.client.pod("job")["status"]["phase"] == "Running"
    await h.run_for(5)
    pod = h.client.pod("job")
    assert pod["status"]["phase"] == "Succeeded"
    side = pod["status"]["initContainerStatuses"][0]
    assert side["state"]["terminated"]["exitCode"] == 0 and side["restartCount"] == 0
    await h.stop()


# -- crashes and restart policies ------------------------------------------------------------


async def test_crash_loop_backs_off_10_20_40_up_to_300(make_harness):
    h = await make_harness().start()
    pod = await h.client.add_pod("crash", annotations={B: "crash"})
    uid = pod["metadata"]["uid"]
    await h.settle()
    seen = []

    def record():
        p = h.client.pod("crash")
        cs = cstatus(p)
        seen.append((h.elapsed(T0), cs["restartCount"], cs["state"]["waiting"]["message"]))
        assert p["status"]["phase"] == "Running"
        assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        assert cs["lastState"]["terminated"]["exitCode"] == 1
        assert cs["lastState"]["terminated"]["reason"] == "Error"
        assert cs["ready"] is False

    record()
    # restarts happen at 10, 30, 70, 150, 310, 610 s: check just before and at each
    for t in (9, 10, 29, 30, 69, 70, 149, 150, 309, 310, 609, 610):
        await h.run_for(t - h.elapsed(T0))
        record()
    msg = "back-off {} restarting failed container=app pod=crash_default(" + uid + ")"
    assert seen == [
        (0, 1, msg.format("10s")),
        (9, 1, msg.format("10s")), (10, 2, msg.format("20s")),
        (29, 2, msg.format("20s")), (30, 3, msg.format("40s")),
        (69, 3, msg.format("40s")), (70, 4, msg.format("1m20s")),
        (149, 4, msg.format("1m20s")), (150, 5, msg.format("2m40s")),
        (309, 5, msg.format("2m40s")), (310, 6, msg.format("5m0s")),
        (609, 6, msg.format("5m0s")), (610, 7, msg.format("5m0s")),
    ]
    # one write per restart: start, then at 10, 30, 70, 150, 310, 610
    assert len(h.client.status_writes("crash")) == 7
    logs = (await h.agent.read_logs("default", "crash", None)).decode()
    assert "fatal: simulated crash" in logs
    assert (await h.agent.read_logs("default", "crash", None, previous=True)).decode() == logs
    await h.stop()


@pytest.mark.parametrize(("policy", "behavior", "phase", "reason", "code"), [
    ("Never", "crash", "Failed", "Error", 1),
    ("Never", "complete", "Succeeded", "Completed", 0),
    ("OnFailure", "complete", "Succeeded", "Completed", 0),
    ("Never", "crash-after=20s", "Failed", "Error", 1),
])
async def test_restart_policy_terminal_phases(make_harness, policy, behavior, phase, reason, code):
    h = await make_harness().start()
    await h.client.add_pod("job", annotations={B: behavior}, restartPolicy=policy)
    await h.run_for(30)
    pod = h.client.pod("job")
    assert pod["status"]["phase"] == phase
    term = cstatus(pod)["state"]["terminated"]
    assert (term["reason"], term["exitCode"]) == (reason, code)
    assert cstatus(pod)["restartCount"] == 0
    ready = conditions(pod)["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "PodFailed" if phase == "Failed" else "PodCompleted")
    writes = len(h.client.status_writes("job"))
    await h.run_for(600)
    assert len(h.client.status_writes("job")) == writes
    await h.stop()


async def test_on_failure_restarts_a_crash_and_always_restarts_a_completion(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("onfail", annotations={B: "crash"}, restartPolicy="OnFailure")
    await h.client.add_pod("always", annotations={B: "complete"}, restartPolicy="Always")
    await h.settle()
    onfail, always = h.client.pod("onfail"), h.client.pod("always")
    assert onfail["status"]["phase"] == "Running" and cstatus(onfail)["restartCount"] == 1
    assert always["status"]["phase"] == "Running" and cstatus(always)["restartCount"] == 1
    assert cstatus(always)["lastState"]["terminated"]["reason"] == "Completed"
    assert cstatus(always)["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    await h.stop()


# -- deletion ----------------------------------------------------------------------------------


async def test_graceful_deletion_ends_in_delete_with_grace_zero_and_uid(make_harness):
    h = await make_harness().start()
    pod = await h.client.add_pod("bye")
    await h.settle()
    await h.client.delete_gracefully("bye", 30)
    await h.settle()
    deletes = [c for c in h.client.writes("delete", "pods", name="bye") if c[4]["grace_period_seconds"] == 0]
    assert len(deletes) == 1
    assert deletes[0][4]["preconditions"] == {"uid": pod["metadata"]["uid"]}
    assert h.client.obj("pods", "default", "bye") is None
    assert len(h.client.status_writes("bye")) == 1  # no status write while terminating
    await h.stop()


@pytest.mark.parametrize(("terminate_after", "grace", "deleted_at"), [("5s", 30, 5), ("1m", 8, 8)])
async def test_terminate_after_capped_by_the_grace_period(make_harness, terminate_after, grace, deleted_at):
    h = await make_harness().start()
    await h.client.add_pod("slowbye", annotations={"sim.kroll.dev/terminate-after": terminate_after})
    await h.settle()
    await h.client.delete_gracefully("slowbye", grace)
    await h.run_for(deleted_at - 0.5)
    assert h.client.obj("pods", "default", "slowbye") is not None
    await h.run_for(0.5)
    assert h.client.obj("pods", "default", "slowbye") is None
    await h.stop()


async def test_deleting_a_pending_or_crashing_pod_is_immediate(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("crashy", annotations={B: "crash", "sim.kroll.dev/terminate-after": "1m"})
    await h.settle()
    await h.client.delete_gracefully("crashy")
    await h.settle()
    assert h.client.obj("pods", "default", "crashy") is None
    await h.stop()


async def test_force_deleted_pod_is_forgotten_and_its_ip_reused_later(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("a")
    await h.settle()
    ip = h.client.pod("a")["status"]["podIP"]
    await h.client.delete("pods", "default", "a", grace_period_seconds=0)
    await h.settle()
    with pytest.raises(ApiError) as e:
        await h.agent.read_logs("default", "a", None)
    assert e.value.code == 404
    assert ip not in h.agent._ips._used
    await h.stop()


# -- conflicts, relists, restarts ------------------------------------------------------------


async def test_conflicting_write_is_retried_on_the_fresh_object(make_harness):
    h = await make_harness().start()
    client = h.client
    real_update = client.update
    raced = []

    async def racing_update(resource, namespace, obj, *, subresource=None):
        if resource == "pods" and subresource == "status" and not raced:
            raced.append(True)  # someone else labels the pod first
            fresh = await client.get("pods", namespace, obj["metadata"]["name"])
            fresh["metadata"].setdefault("labels", {})["x"] = "y"
            await real_update("pods", namespace, fresh)
        return await real_update(resource, namespace, obj, subresource=subresource)

    client.update = racing_update
    await client.add_pod("race")
    await h.settle()
    pod = client.pod("race")
    assert pod["status"]["phase"] == "Running"
    assert pod["metadata"]["labels"] == {"x": "y"}
    await h.stop()


async def test_watch_expiry_relists_and_carries_on(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("before")
    await h.settle()
    lists = len(h.client.writes("list", "pods"))
    h.client.expire_watches()
    await h.client.add_pod("after")
    await h.settle()
    assert len(h.client.writes("list", "pods")) == lists + 1
    assert h.client.pod("after")["status"]["phase"] == "Running"
    assert len(h.client.status_writes("before")) == 1
    await h.stop()


async def test_pod_deleted_while_the_agent_was_away_is_forgotten_on_relist(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("ghost")
    await h.settle()
    h.client.expire_next_watch = True
    h.client.expire_watches()
    # gone between the watch dying and the relist
    obj = h.client.objects.pop(("pods", "default", "ghost"))
    await h.settle()
    assert obj["metadata"]["uid"] not in h.agent._pods
    await h.stop()


async def test_restart_adopts_running_pods_without_writes(make_harness):
    first = await make_harness().start()
    client, clock = first.client, first.clock
    await client.add_pod("steady")
    await client.add_pod("slow", annotations={"sim.kroll.dev/ready-after": "1m"})
    await client.add_pod("crash", annotations={B: "crash"})
    await first.run_for(90)
    before = {n: client.pod(n)["status"] for n in ("steady", "slow", "crash")}
    await first.stop()
    clock.advance(20)  # the control plane is down for a while

    writes = len(client.writes("update", "pods", subresource="status"))
    second = await make_harness(client=client, clock=clock).start()
    for name in ("steady", "slow"):
        assert client.pod(name)["status"] == before[name]
    assert len(client.status_writes("steady")) == 1
    assert len(client.status_writes("slow")) == 2
    # the crash-looping one restarts at once (its back-off memory went with the old agent)
    assert cstatus(client.pod("crash"))["restartCount"] == cstatus({"status": before["crash"]})["restartCount"] + 1
    assert len(client.writes("update", "pods", subresource="status")) == writes + 1
    # and the adopted ones keep going on their schedule: logs still there, nothing rewritten
    assert b"starting nginx" in await second.agent.read_logs("default", "steady", "app")
    await second.run_for(300)
    assert client.pod("steady")["status"] == before["steady"]
    await second.stop()


async def test_restart_lets_a_terminating_pod_finish_on_its_first_schedule(make_harness):
    """SIGTERM went out before the restart: the shutdown is not started over."""
    first = await make_harness().start()
    client, clock = first.client, first.clock
    await client.add_pod("slowbye", annotations={"sim.kroll.dev/terminate-after": "10s"})
    await client.add_pod("late", annotations={"sim.kroll.dev/terminate-after": "10s"})
    await first.settle()
    await client.delete_gracefully("slowbye", 30)
    await first.run_for(4)
    await first.stop()
    clock.advance(3)  # down for 3s: 7s of the 10s shutdown have passed

    second = await make_harness(client=client, clock=clock).start()
    await client.delete_gracefully("late", 30)  # asked after the restart: the full 10s
    await second.run_for(2.5)
    assert client.obj("pods", "default", "slowbye") is not None
    await second.run_for(1)
    assert client.obj("pods", "default", "slowbye") is None
    logs = await second.agent.read_logs("default", "late", "app")
    assert b"received SIGTERM" in logs
    await second.run_for(6)
    assert client.obj("pods", "default", "late") is not None
    await second.run_for(1)
    assert client.obj("pods", "default", "late") is None
    await second.stop()


async def test_restart_finishes_terminating_pods_before_anything_else(make_harness):
    """Their shutdown frees their place while the controllers already replace them."""
    first = await make_harness().start()
    client, clock = first.client, first.clock
    await client.add_pod("crashy", annotations={B: "crash"})
    await client.add_pod("going")
    await first.run_for(30)
    await first.stop()
    await client.delete_gracefully("going", 30)  # while the agent is down
    calls = len(client.calls)

    second = await make_harness(client=client, clock=clock).start()
    writes = [(c[0], c[3]) for c in client.calls[calls:] if c[0] in ("update", "delete") and c[1] == "pods"]
    assert writes[0] == ("delete", "going")
    assert ("update", "crashy") in writes  # restarted at once after the restart, but after the delete
    await second.stop()


# -- logs --------------------------------------------------------------------------------------


async def test_read_logs_errors_like_the_api_server(make_harness):
    h = await make_harness().start()
    await h.client.add_pod("two", containers=[{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
                           initContainers=[{"name": "i", "image": "z"}])
    await h.client.add_pod("pull", annotations={"sim.kroll.dev/start-after": "1m"})
    await h.settle()
    cases = [
        (("two", None, {}), "a container name must be specified for pod two, choose one of: [a b] or one of the "
                            "init containers: [i]"),
        (("two", "c", {}), "container c is not valid for pod two"),
        (("two", "a", {"previous": True}), 'previous terminated container "a" in pod "two" not found'),
        (("pull", "app", {}), 'container "app" in pod "pull" is waiting to start: ContainerCreating'),
    ]
    for (pod, container, kw), message in cases:
        with pytest.raises(ApiError) as e:
            await h.agent.read_logs("default", pod, container, **kw)
        assert (e.value.code, e.value.message) == (400, message)
    out = await h.agent.read_logs("default", "two", "b", tail_lines=1, timestamps=True)
    assert out.decode().startswith("2026-01-01T00:00:00Z 2026-01-01T00:00:00.000Z INFO ")
    await h.stop()


# -- nodes and leases --------------------------------------------------------------------------


async def test_nodes_and_leases_are_registered(make_harness):
    h = await make_harness(["node-1", "node-2"]).start()
    for i, name in enumerate(("node-1", "node-2")):
        node = h.client.obj("nodes", None, name)
        labels = node["metadata"]["labels"]
        assert labels["kubernetes.io/hostname"] == name
        assert labels["kubernetes.io/os"] == "linux"
        assert "kubernetes.io/arch" in labels
        assert node["spec"]["podCIDR"] == f"10.244.{i}.0/24"
        st = node["status"]
        assert st["capacity"]["cpu"] == "4" and st["capacity"]["memory"] == "16Gi" and st["capacity"]["pods"] == "110"
        assert st["allocatable"] == st["capacity"]
        conds = {c["type"]: c for c in st["conditions"]}
        assert (conds["Ready"]["status"], conds["Ready"]["reason"], conds["Ready"]["message"]) == (
            "True", "KubeletReady", "kubelet is posting ready status")
        assert conds["MemoryPressure"]["reason"] == "KubeletHasSufficientMemory"
        assert conds["DiskPressure"]["reason"] == "KubeletHasNoDiskPressure"
        assert conds["PIDPressure"]["reason"] == "KubeletHasSufficientPID"
        assert {"type": "Hostname", "address": name} in st["addresses"]
        info = st["nodeInfo"]
        assert (info["kubeletVersion"], info["containerRuntimeVersion"], info["operatingSystem"]) == (
            "v1.37.0", "kroll-sim://0.1", "linux")
        assert st["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
        lease = h.client.obj("leases.coordination.k8s.io", "kube-node-lease", name)
        assert lease["spec"]["holderIdentity"] == name
        assert lease["spec"]["leaseDurationSeconds"] == 40
        assert lease["spec"]["renewTime"] == "2026-01-01T00:00:00.000000Z"
        assert lease["metadata"]["ownerReferences"][0]["uid"] == node["metadata"]["uid"]
    assert h.client.obj("namespaces", None, "kube-node-lease") is not None
    await h.stop()


async def test_lease_renewed_every_heartbeat_and_node_status_every_minute(make_harness):
    h = await make_harness(heartbeat_seconds=10.0).start()

    def renew_time():
        return h.client.obj("leases.coordination.k8s.io", "kube-node-lease", "node-1")["spec"]["renewTime"]

    def ready():
        return {c["type"]: c for c in h.client.obj("nodes", None, "node-1")["status"]["conditions"]}["Ready"]

    for t in (10, 20, 30):
        h.clock.advance_to(h.clock.monotonic() + 10)
        await h.client.wait_for(lambda t=t: renew_time() == f"2026-01-01T00:00:{t}.000000Z")
    assert ready()["lastHeartbeatTime"] == _iso(0)
    h.clock.advance_to(h.clock.monotonic() + 30)
    await h.client.wait_for(lambda: ready()["lastHeartbeatTime"] == _iso(60))
    assert ready()["lastTransitionTime"] == _iso(0)
    assert len(h.client.writes("update", "nodes", subresource="status")) == 2
    await h.stop()


async def test_existing_node_is_updated_not_recreated(make_harness):
    first = await make_harness().start()
    uid = first.client.obj("nodes", None, "node-1")["metadata"]["uid"]
    await first.run_for(100)
    await first.stop()
    second = make_harness(client=first.client, clock=first.clock)
    second.runtime = SimulatedRuntime(first.clock)
    await second.start()
    node = second.client.obj("nodes", None, "node-1")
    assert node["metadata"]["uid"] == uid
    ready = {c["type"]: c for c in node["status"]["conditions"]}["Ready"]
    assert ready["lastTransitionTime"] == _iso(0)
    assert ready["lastHeartbeatTime"] == _iso(100)
    assert len(second.client.writes("create", "nodes")) == 1
    await second.stop()


async def test_deleted_node_is_registered_again_at_the_next_status_heartbeat(make_harness):
    h = await make_harness().start()
    await h.client.delete("nodes", None, "node-1")
    h.clock.advance_to(h.clock.monotonic() + 60)
    await h.client.wait_for(lambda: h.client.obj("nodes", None, "node-1") is not None)
    await h.client.wait_for(lambda: "conditions" in h.client.obj("nodes", None, "node-1").get("status", {}))
    assert len(h.client.writes("create", "nodes")) == 2
    await h.stop()
