"""Table output of kubectl get: ages, pod status reasons, each kind's cells, the Table shell."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kroll.api import printers, registry
from kroll.api.errors import ApiError

NOW = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)


def ts(**ago: float) -> str:
    return (NOW - dt.timedelta(**ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def info(gr: str) -> registry.ResourceInfo:
    return registry.by_group_resource(gr)


def cells(gr: str, obj: dict[str, Any]) -> list[Any]:
    return printers.row_cells(info(gr), obj, NOW)


def by_column(gr: str, obj: dict[str, Any]) -> dict[str, Any]:
    names = [c["name"] for c in printers.column_definitions(info(gr))]
    row = cells(gr, obj)
    assert len(row) == len(names)
    return dict(zip(names, row, strict=True))


# --- human durations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(seconds=0), "0s"),
        (dt.timedelta(seconds=5), "5s"),
        (dt.timedelta(seconds=119, milliseconds=999), "119s"),
        (dt.timedelta(seconds=120), "2m"),
        (dt.timedelta(minutes=2, seconds=3), "2m3s"),
        (dt.timedelta(minutes=9, seconds=59), "9m59s"),
        (dt.timedelta(minutes=10), "10m"),
        (dt.timedelta(minutes=10, seconds=59), "10m"),
        (dt.timedelta(hours=2, minutes=59), "179m"),
        (dt.timedelta(hours=3), "3h"),
        (dt.timedelta(hours=3, minutes=5), "3h5m"),
        (dt.timedelta(hours=7, minutes=59, seconds=59), "7h59m"),
        (dt.timedelta(hours=8), "8h"),
        (dt.timedelta(hours=47, minutes=59), "47h"),
        (dt.timedelta(hours=48), "2d"),
        (dt.timedelta(days=2, hours=3), "2d3h"),
        (dt.timedelta(days=7, hours=23), "7d23h"),
        (dt.timedelta(days=8), "8d"),
        (dt.timedelta(days=729), "729d"),
        (dt.timedelta(days=730), "2y"),
        (dt.timedelta(days=760), "2y30d"),
        (dt.timedelta(days=365 * 8), "8y"),
        (dt.timedelta(days=365 * 20 + 100), "20y"),
        (dt.timedelta(seconds=-1), "0s"),
        (dt.timedelta(seconds=-1.9), "0s"),
        (dt.timedelta(seconds=-2), "<invalid>"),
    ],
)
def test_human_duration(delta: dt.timedelta, text: str) -> None:
    assert printers.human_duration(delta) == text


@pytest.mark.parametrize(
    ("created", "age"),
    [(None, "<unknown>"), ("0001-01-01T00:00:00Z", "<unknown>"), (ts(minutes=5), "5m"), (ts(days=400), "400d")],
)
def test_age_column(created: str | None, age: str) -> None:
    ns = {"metadata": {"name": "n", "creationTimestamp": created}, "status": {"phase": "Active"}}
    assert by_column("namespaces", ns)["Age"] == age


# --- pods ---------------------------------------------------------------------------------


def cs(
    name: str = "app",
    *,
    ready: bool = False,
    restarts: int = 0,
    started: bool | None = None,
    state: dict[str, Any] | None = None,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    s: dict[str, Any] = {"name": name, "ready": ready, "restartCount": restarts, "state": state or {}}
    if started is not None:
        s["started"] = started
    if last is not None:
        s["lastState"] = {"terminated": last}
    return s


RUNNING = {"running": {"startedAt": ts(minutes=4)}}


def pod(
    *,
    phase: str = "Running",
    containers: int = 1,
    statuses: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    reason: str | None = None,
    deleting: bool = False,
    **spec_extra: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "p", "namespace": "default", "creationTimestamp": ts(minutes=5)}
    if deleting:
        meta["deletionTimestamp"] = ts(seconds=1)
    spec: dict[str, Any] = {"containers": [{"name": f"c{i}", "image": "img"} for i in range(containers)], **spec_extra}
    if init is not None:
        spec["initContainers"] = init
    status: dict[str, Any] = {"phase": phase}
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions is not None:
        status["conditions"] = conditions
    if reason is not None:
        status["reason"] = reason
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


READY_COND = [{"type": "Ready", "status": "True"}]
SIDECAR = {"name": "side", "image": "img", "restartPolicy": "Always"}

POD_CASES = [
    ("running", pod(statuses=[cs(ready=True, state=RUNNING)]), "Running", "1/1"),
    ("pending no statuses", pod(phase="Pending"), "Pending", "0/1"),
    (
        "container creating",
        pod(phase="Pending", statuses=[cs(state={"waiting": {"reason": "ContainerCreating"}})]),
        "ContainerCreating",
        "0/1",
    ),
    (
        "image pull backoff",
        pod(phase="Pending", statuses=[cs(state={"waiting": {"reason": "ImagePullBackOff"}})]),
        "ImagePullBackOff",
        "0/1",
    ),
    ("crash loop", pod(statuses=[cs(state={"waiting": {"reason": "CrashLoopBackOff"}})]), "CrashLoopBackOff", "0/1"),
    ("waiting without reason falls through", pod(statuses=[cs(state={"waiting": {}})]), "Running", "0/1"),
    ("running but not ready", pod(statuses=[cs(ready=False, state=RUNNING)]), "Running", "0/1"),
    (
        "first container wins",
        pod(
            containers=2,
            statuses=[
                cs("c0", state={"waiting": {"reason": "ErrImagePull"}}),
                cs("c1", state={"waiting": {"reason": "CrashLoopBackOff"}}),
            ],
        ),
        "ErrImagePull",
        "0/2",
    ),
    (
        "terminated reason",
        pod(phase="Failed", statuses=[cs(state={"terminated": {"exitCode": 1, "reason": "Error"}})]),
        "Error",
        "0/1",
    ),
    ("terminated exit code", pod(statuses=[cs(state={"terminated": {"exitCode": 137}})]), "ExitCode:137", "0/1"),
    ("terminated signal", pod(statuses=[cs(state={"terminated": {"exitCode": 0, "signal": 9}})]), "Signal:9", "0/1"),
    (
        "completed",
        pod(phase="Succeeded", statuses=[cs(state={"terminated": {"exitCode": 0, "reason": "Completed"}})]),
        "Completed",
        "0/1",
    ),
    (
        "completed with one still running, ready",
        pod(
            containers=2,
            conditions=READY_COND,
            statuses=[
                cs("c0", ready=True, state=RUNNING),
                cs("c1", state={"terminated": {"exitCode": 0, "reason": "Completed"}}),
            ],
        ),
        "Running",
        "1/2",
    ),
    (
        "completed with one still running, not ready",
        pod(
            containers=2,
            statuses=[
                cs("c0", ready=True, state=RUNNING),
                cs("c1", state={"terminated": {"exitCode": 0, "reason": "Completed"}}),
            ],
        ),
        "NotReady",
        "1/2",
    ),
    ("status reason", pod(phase="Failed", reason="Evicted"), "Evicted", "0/1"),
    ("node lost", pod(reason="NodeLost", statuses=[cs(ready=True, state=RUNNING)]), "NodeLost", "1/1"),
    ("node lost while deleting", pod(reason="NodeLost", deleting=True), "Unknown", "0/1"),
    ("terminating", pod(deleting=True, statuses=[cs(ready=True, state=RUNNING)]), "Terminating", "1/1"),
    (
        "terminating after success stays completed",
        pod(
            phase="Succeeded",
            deleting=True,
            statuses=[cs(state={"terminated": {"exitCode": 0, "reason": "Completed"}})],
        ),
        "Completed",
        "0/1",
    ),
    (
        "scheduling gated",
        pod(phase="Pending", conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
        "SchedulingGated",
        "0/1",
    ),
    (
        "init pending",
        pod(
            phase="Pending",
            init=[{"name": "i0"}, {"name": "i1"}],
            init_statuses=[
                cs("i0", state={"waiting": {"reason": "PodInitializing"}}),
                cs("i1", state={"waiting": {"reason": "PodInitializing"}}),
            ],
            statuses=[cs(state={"waiting": {"reason": "PodInitializing"}})],
        ),
        "Init:0/2",
        "0/1",
    ),
    (
        "init second running",
        pod(
            phase="Pending",
            init=[{"name": "i0"}, {"name": "i1"}],
            init_statuses=[
                cs("i0", state={"terminated": {"exitCode": 0, "reason": "Completed"}}),
                cs("i1", state=RUNNING),
            ],
        ),
        "Init:1/2",
        "0/1",
    ),
    (
        "init crash loop",
        pod(
            phase="Pending",
            init=[{"name": "i0"}],
            init_statuses=[cs("i0", state={"waiting": {"reason": "CrashLoopBackOff"}})],
        ),
        "Init:CrashLoopBackOff",
        "0/1",
    ),
    (
        "init error",
        pod(
            phase="Pending",
            init=[{"name": "i0"}],
            init_statuses=[cs("i0", state={"terminated": {"exitCode": 1, "reason": "Error"}})],
        ),
        "Init:Error",
        "0/1",
    ),
    (
        "init exit code",
        pod(phase="Pending", init=[{"name": "i0"}], init_statuses=[cs("i0", state={"terminated": {"exitCode": 2}})]),
        "Init:ExitCode:2",
        "0/1",
    ),
    (
        "init signal",
        pod(
            phase="Pending",
            init=[{"name": "i0"}],
            init_statuses=[cs("i0", state={"terminated": {"exitCode": 2, "signal": 15}})],
        ),
        "Init:Signal:15",
        "0/1",
    ),
    (
        "init done, app runs",
        pod(
            init=[{"name": "i0"}],
            conditions=READY_COND,
            init_statuses=[cs("i0", state={"terminated": {"exitCode": 0, "reason": "Completed"}})],
            statuses=[cs(ready=True, state=RUNNING)],
        ),
        "Running",
        "1/1",
    ),
    (
        "started sidecar counts and is skipped",
        pod(
            init=[SIDECAR, {"name": "i1"}],
            phase="Pending",
            init_statuses=[cs("side", ready=True, started=True, state=RUNNING), cs("i1", state=RUNNING)],
        ),
        "Init:1/2",
        "1/2",
    ),
    (
        "sidecar not started blocks",
        pod(init=[SIDECAR], phase="Pending", init_statuses=[cs("side", started=False, state=RUNNING)]),
        "Init:0/1",
        "0/2",
    ),
    (
        "sidecar and app ready",
        pod(
            init=[SIDECAR],
            conditions=[*READY_COND, {"type": "Initialized", "status": "True"}],
            init_statuses=[cs("side", ready=True, started=True, state=RUNNING)],
            statuses=[cs(ready=True, state=RUNNING)],
        ),
        "Running",
        "2/2",
    ),
]


@pytest.mark.parametrize(("p", "status", "ready"), [c[1:] for c in POD_CASES], ids=[c[0] for c in POD_CASES])
def test_pod_status_and_ready(p: dict[str, Any], status: str, ready: str) -> None:
    row = by_column("pods", p)
    assert (row["Status"], row["Ready"]) == (status, ready)
    assert printers.pod_status(p) == status


@pytest.mark.parametrize(
    ("p", "restarts"),
    [
        (pod(statuses=[cs(ready=True, state=RUNNING)]), "0"),
        (
            pod(
                statuses=[cs(ready=True, restarts=3, state=RUNNING, last={"exitCode": 1, "finishedAt": ts(minutes=2)})]
            ),
            "3 (2m ago)",
        ),
        # no finishedAt: the count alone
        (pod(statuses=[cs(restarts=2, state={"waiting": {"reason": "CrashLoopBackOff"}})]), "2"),
        # the latest termination among containers wins
        (
            pod(
                containers=2,
                statuses=[
                    cs("c0", restarts=1, state=RUNNING, last={"exitCode": 1, "finishedAt": ts(hours=5)}),
                    cs("c1", restarts=4, state=RUNNING, last={"exitCode": 1, "finishedAt": ts(seconds=30)}),
                ],
            ),
            "5 (30s ago)",
        ),
        # while initializing, only init containers count
        (
            pod(
                phase="Pending",
                init=[{"name": "i0"}],
                init_statuses=[
                    cs(
                        "i0",
                        restarts=2,
                        state={"waiting": {"reason": "CrashLoopBackOff"}},
                        last={"exitCode": 1, "finishedAt": ts(minutes=1)},
                    )
                ],
                statuses=[cs(restarts=7, state={"waiting": {"reason": "PodInitializing"}})],
            ),
            "2 (60s ago)",
        ),
        # once initialized, plain init container restarts are dropped but sidecar restarts stay
        (
            pod(
                init=[{"name": "i0"}, SIDECAR],
                conditions=[{"type": "Initialized", "status": "True"}],
                init_statuses=[
                    cs("i0", restarts=5, state={"terminated": {"exitCode": 0}}),
                    cs(
                        "side",
                        restarts=1,
                        started=True,
                        ready=True,
                        state=RUNNING,
                        last={"exitCode": 1, "finishedAt": ts(minutes=3)},
                    ),
                ],
                statuses=[
                    cs(ready=True, restarts=1, state=RUNNING, last={"exitCode": 1, "finishedAt": ts(minutes=10)})
                ],
            ),
            "2 (3m ago)",
        ),
    ],
)
def test_pod_restarts(p: dict[str, Any], restarts: str) -> None:
    assert by_column("pods", p)["Restarts"] == restarts


def test_pod_wide_columns() -> None:
    p = pod(
        statuses=[cs(ready=True, state=RUNNING)],
        nodeName="node-1",
        readinessGates=[{"conditionType": "a/b"}, {"conditionType": "c/d"}],
        conditions=[{"type": "a/b", "status": "True"}, {"type": "c/d", "status": "False"}],
    )
    p["status"]["podIPs"] = [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}]
    p["status"]["nominatedNodeName"] = "node-2"
    row = by_column("pods", p)
    assert [row[k] for k in ("Name", "IP", "Node", "Nominated Node", "Readiness Gates")] == [
        "p",
        "10.0.0.7",
        "node-1",
        "node-2",
        "1/2",
    ]
    bare = by_column("pods", pod())
    assert [bare[k] for k in ("IP", "Node", "Nominated Node", "Readiness Gates")] == ["<none>"] * 4


def test_pod_row_conditions() -> None:
    i = info("pods")
    assert printers.row_conditions(i, pod(phase="Running")) is None
    assert printers.row_conditions(i, pod(phase="Succeeded")) == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]
    assert printers.row_conditions(i, pod(phase="Failed"))[0]["reason"] == "Failed"


# --- the other kinds ----------------------------------------------------------------------


def meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": ts(minutes=5), "resourceVersion": "7", **extra}


TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}, {"name": "log", "image": "busybox"}]},
}


def node(ready: str | None, *, unschedulable: bool = False, labels: dict[str, str] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"nodeInfo": {"kubeletVersion": "v1.37.0"}}
    if ready is not None:
        status["conditions"] = [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}]
    return {
        "metadata": {"name": "n1", "creationTimestamp": ts(days=3), "labels": labels or {}},
        "spec": {"unschedulable": unschedulable},
        "status": status,
    }


KIND_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "namespaces",
        "namespace",
        {"metadata": meta("kube-system"), "status": {"phase": "Terminating"}},
        {"Name": "kube-system", "Status": "Terminating", "Age": "5m"},
    ),
    (
        "nodes",
        "ready",
        node(
            "True",
            labels={
                "node-role.kubernetes.io/control-plane": "",
                "kubernetes.io/role": "edge",
                "node-role.kubernetes.io/": "x",
            },
        ),
        {
            "Name": "n1",
            "Status": "Ready",
            "Roles": "control-plane,edge",
            "Age": "3d",
            "Version": "v1.37.0",
            "Internal-IP": "<none>",
            "External-IP": "<none>",
            "OS-Image": "<unknown>",
            "Kernel-Version": "<unknown>",
            "Container-Runtime": "<unknown>",
        },
    ),
    (
        "nodes",
        "not ready cordoned",
        node("False", unschedulable=True),
        {"Status": "NotReady,SchedulingDisabled", "Roles": "<none>"},
    ),
    ("nodes", "unknown", node("Unknown"), {"Status": "NotReady"}),
    ("nodes", "no ready condition", node(None), {"Status": "Unknown"}),
    (
        "nodes",
        "addresses",
        {
            "metadata": meta("n2"),
            "status": {
                "addresses": [
                    {"type": "Hostname", "address": "n2"},
                    {"type": "InternalIP", "address": "192.168.0.2"},
                    {"type": "ExternalIP", "address": "1.2.3.4"},
                ],
                "nodeInfo": {
                    "osImage": "Ubuntu",
                    "kernelVersion": "6.8",
                    "containerRuntimeVersion": "containerd://2.0",
                },
            },
        },
        {
            "Internal-IP": "192.168.0.2",
            "External-IP": "1.2.3.4",
            "OS-Image": "Ubuntu",
            "Kernel-Version": "6.8",
            "Container-Runtime": "containerd://2.0",
            "Version": "",
        },
    ),
    (
        "services",
        "cluster ip",
        {
            "metadata": meta("web"),
            "spec": {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.10",
                "clusterIPs": ["10.96.0.10"],
                "selector": {"tier": "fe", "app": "web"},
                "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
            },
        },
        {
            "Name": "web",
            "Type": "ClusterIP",
            "Cluster-IP": "10.96.0.10",
            "External-IP": "<none>",
            "Port(s)": "80/TCP,53/UDP",
            "Age": "5m",
            "Selector": "app=web,tier=fe",
        },
    ),
    (
        "services",
        "headless no ports",
        {"metadata": meta("h"), "spec": {"type": "ClusterIP", "clusterIP": "None"}},
        {"Cluster-IP": "None", "Port(s)": "<none>", "Selector": "<none>"},
    ),
    (
        "services",
        "node port with external ips",
        {
            "metadata": meta("np"),
            "spec": {
                "type": "NodePort",
                "clusterIP": "10.96.0.11",
                "externalIPs": ["1.1.1.1", "2.2.2.2"],
                "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}],
            },
        },
        {"External-IP": "1.1.1.1,2.2.2.2", "Port(s)": "80:30080/TCP"},
    ),
    (
        "services",
        "load balancer pending",
        {"metadata": meta("lb"), "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1"}},
        {"External-IP": "<pending>"},
    ),
    (
        "services",
        "load balancer",
        {
            "metadata": meta("lb"),
            "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1", "externalIPs": ["9.9.9.9"]},
            "status": {"loadBalancer": {"ingress": [{"ip": "5.5.5.5"}, {"hostname": "a.example"}]}},
        },
        {"External-IP": "5.5.5.5,a.example,9.9.9.9"},
    ),
    (
        "services",
        "external name",
        {"metadata": meta("ext"), "spec": {"type": "ExternalName", "externalName": "db.example"}},
        {"Type": "ExternalName", "Cluster-IP": "<none>", "External-IP": "db.example"},
    ),
    ("endpoints", "none", {"metadata": meta("web")}, {"Endpoints": "<none>"}),
    (
        "endpoints",
        "many",
        {
            "metadata": meta("web"),
            "subsets": [
                {
                    "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
                    "ports": [{"name": "http", "port": 80}, {"name": "m", "port": 9090}],
                },
                {"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]},
            ],
        },
        {"Endpoints": "10.0.0.1:80,10.0.0.2:80,10.0.0.1:9090 + 2 more..."},
    ),
    (
        "endpoints",
        "headless",
        {"metadata": meta("h"), "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]},
        {"Endpoints": "10.0.0.1"},
    ),
    (
        "endpoints",
        "ipv6",
        {"metadata": meta("v6"), "subsets": [{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]},
        {"Endpoints": "[fd00::1]:80"},
    ),
    (
        "configmaps",
        "data",
        {"metadata": meta("cfg"), "data": {"a": "1"}, "binaryData": {"b": "Ag=="}},
        {"Name": "cfg", "Data": 2, "Age": "5m"},
    ),
    ("configmaps", "empty", {"metadata": meta("cfg")}, {"Data": 0}),
    (
        "secrets",
        "opaque",
        {"metadata": meta("s"), "type": "Opaque", "data": {"a": "MQ==", "b": "Mg=="}},
        {"Name": "s", "Type": "Opaque", "Data": 2, "Age": "5m"},
    ),
    (
        "serviceaccounts",
        "sa",
        {"metadata": meta("default"), "secrets": [{"name": "tok"}]},
        {"Name": "default", "Secrets": 1, "Age": "5m"},
    ),
    (
        "leases.coordination.k8s.io",
        "held",
        {"metadata": meta("kcm"), "spec": {"holderIdentity": "host_1"}},
        {"Name": "kcm", "Holder": "host_1", "Age": "5m"},
    ),
    ("leases.coordination.k8s.io", "free", {"metadata": meta("kcm"), "spec": {}}, {"Holder": ""}),
    (
        "deployments.apps",
        "deployment",
        {
            "metadata": meta("web"),
            "spec": {
                "replicas": 3,
                "template": TEMPLATE,
                "selector": {
                    "matchLabels": {"app": "web"},
                    "matchExpressions": [
                        {"key": "env", "operator": "NotIn", "values": ["qa", "dev"]},
                        {"key": "beta", "operator": "Exists"},
                        {"key": "zone", "operator": "DoesNotExist"},
                        {"key": "tier", "operator": "In", "values": ["fe"]},
                    ],
                },
            },
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
        },
        {
            "Name": "web",
            "Ready": "2/3",
            "Up-to-date": 3,
            "Available": 2,
            "Age": "5m",
            "Containers": "nginx,log",
            "Images": "nginx:1.25,busybox",
            "Selector": "app=web,beta,env notin (dev,qa),tier in (fe),!zone",
        },
    ),
    (
        "deployments.apps",
        "fresh deployment",
        {"metadata": meta("web"), "spec": {"replicas": 0, "template": TEMPLATE, "selector": {}}},
        {"Ready": "0/0", "Up-to-date": 0, "Available": 0, "Selector": ""},
    ),
    (
        "deployments.apps",
        "bad selector",
        {
            "metadata": meta("web"),
            "spec": {
                "template": TEMPLATE,
                "selector": {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            },
        },
        {"Ready": "0/1", "Selector": "<invalid>"},
    ),
    (
        "replicasets.apps",
        "replicaset",
        {
            "metadata": meta("web-5d"),
            "spec": {
                "replicas": 3,
                "template": TEMPLATE,
                "selector": {"matchLabels": {"pod-template-hash": "5d", "app": "web"}},
            },
            "status": {"replicas": 3, "readyReplicas": 1},
        },
        {
            "Name": "web-5d",
            "Desired": 3,
            "Current": 3,
            "Ready": 1,
            "Age": "5m",
            "Containers": "nginx,log",
            "Images": "nginx:1.25,busybox",
            "Selector": "app=web,pod-template-hash=5d",
        },
    ),
    (
        "replicasets.apps",
        "empty selector",
        {"metadata": meta("rs"), "spec": {"replicas": 0, "selector": {}}},
        {"Desired": 0, "Current": 0, "Ready": 0, "Containers": "", "Images": "", "Selector": "<none>"},
    ),
    (
        "replicasets.apps",
        "bad selector",
        {
            "metadata": meta("rs"),
            "spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}},
        },
        {"Selector": "<error>"},
    ),
    (
        "statefulsets.apps",
        "statefulset",
        {"metadata": meta("db"), "spec": {"replicas": 2, "template": TEMPLATE}, "status": {"readyReplicas": 1}},
        {"Name": "db", "Ready": "1/2", "Age": "5m", "Containers": "nginx,log", "Images": "nginx:1.25,busybox"},
    ),
    (
        "daemonsets.apps",
        "daemonset",
        {
            "metadata": meta("fluentd"),
            "spec": {
                "selector": {"matchLabels": {"app": "fluentd"}},
                "template": {
                    "spec": {
                        "nodeSelector": {"kubernetes.io/os": "linux", "disk": "ssd"},
                        "containers": [{"name": "f", "image": "fluentd:v1"}],
                    }
                },
            },
            "status": {
                "desiredNumberScheduled": 3,
                "currentNumberScheduled": 3,
                "numberReady": 2,
                "updatedNumberScheduled": 1,
                "numberAvailable": 2,
            },
        },
        {
            "Name": "fluentd",
            "Desired": 3,
            "Current": 3,
            "Ready": 2,
            "Up-to-date": 1,
            "Available": 2,
            "Node Selector": "disk=ssd,kubernetes.io/os=linux",
            "Age": "5m",
            "Containers": "f",
            "Images": "fluentd:v1",
            "Selector": "app=fluentd",
        },
    ),
    (
        "daemonsets.apps",
        "no node selector",
        {"metadata": meta("ds"), "spec": {"template": {"spec": {}}}},
        {"Node Selector": "<none>", "Desired": 0},
    ),
    (
        "controllerrevisions.apps",
        "daemonset revision",
        {
            "metadata": meta(
                "fluentd-7c9",
                ownerReferences=[
                    {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "other", "uid": "1"},
                    {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd", "uid": "2", "controller": True},
                ],
            ),
            "revision": 3,
        },
        {"Name": "fluentd-7c9", "Controller": "daemonset.apps/fluentd", "Revision": 3, "Age": "5m"},
    ),
    (
        "controllerrevisions.apps",
        "statefulset revision",
        {
            "metadata": meta(
                "db-1",
                ownerReferences=[
                    {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "2", "controller": True}
                ],
            ),
            "revision": 1,
        },
        {"Controller": "statefulset.apps/db"},
    ),
    (
        "controllerrevisions.apps",
        "core owner",
        {
            "metadata": meta(
                "x", ownerReferences=[{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "2", "controller": True}]
            ),
            "revision": 1,
        },
        {"Controller": "pod/p"},
    ),
    ("controllerrevisions.apps", "orphan", {"metadata": meta("o"), "revision": 1}, {"Controller": "<none>"}),
]


@pytest.mark.parametrize(
    ("gr", "obj", "expected"), [c[0:1] + c[2:] for c in KIND_CASES], ids=[f"{c[0]}-{c[1]}" for c in KIND_CASES]
)
def test_kind_cells(gr: str, obj: dict[str, Any], expected: dict[str, Any]) -> None:
    row = by_column(gr, obj)
    assert {k: row[k] for k in expected} == expected


def core_event(**fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta("web.17a"),
        "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{nginx}"},
        "reason": "Pulled",
        "type": "Normal",
        "message": "  Pulled image  \n",
        **fields,
    }


@pytest.mark.parametrize(
    ("ev", "expected"),
    [
        (
            core_event(
                firstTimestamp=ts(minutes=10),
                lastTimestamp=ts(minutes=1),
                count=4,
                source={"component": "kubelet", "host": "node-1"},
            ),
            [
                "60s",
                "Normal",
                "Pulled",
                "pod/web-1",
                "spec.containers{nginx}",
                "kubelet, node-1",
                "Pulled image",
                "10m",
                4,
                "web.17a",
            ],
        ),
        # new-style event: eventTime only, reporting controller as the source, count defaults to 1;
        # 29.88s truncates to 29s
        (
            core_event(
                eventTime="2026-11-22T11:59:30.123456Z",
                reportingController="default-scheduler",
                involvedObject={"kind": "Pod", "name": "web-1"},
            ),
            ["29s", "Normal", "Pulled", "pod/web-1", "", "default-scheduler", "Pulled image", "29s", 1, "web.17a"],
        ),
        # a series overrides last seen and count
        (
            core_event(eventTime=ts(minutes=30), series={"count": 9, "lastObservedTime": ts(minutes=2)}),
            ["2m", "Normal", "Pulled", "pod/web-1", "spec.containers{nginx}", "", "Pulled image", "30m", 9, "web.17a"],
        ),
        # no name on the involved object, no timestamps at all
        (
            core_event(involvedObject={"kind": "Node"}, source={"host": "n1"}),
            ["<unknown>", "Normal", "Pulled", "node", "", ", n1", "Pulled image", "<unknown>", 1, "web.17a"],
        ),
    ],
)
def test_core_event_cells(ev: dict[str, Any], expected: list[Any]) -> None:
    assert cells("events", ev) == expected


def test_events_k8s_io_event_cells() -> None:
    ev = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": meta("web.18b"),
        "regarding": {"kind": "Deployment", "name": "web"},
        "reason": "ScalingReplicaSet",
        "type": "Normal",
        "note": "Scaled up replica set web-5d to 3",
        "eventTime": "2026-11-22T11:55:00.000000Z",
        "reportingController": "deployment-controller",
        "reportingInstance": "kroll",
        "deprecatedCount": 2,
        "deprecatedLastTimestamp": ts(minutes=1),
        "deprecatedFirstTimestamp": ts(minutes=5),
    }
    assert cells("events.events.k8s.io", ev) == [
        "60s",
        "Normal",
        "ScalingReplicaSet",
        "deployment/web",
        "",
        "deployment-controller, kroll",
        "Scaled up replica set web-5d to 3",
        "5m",
        2,
        "web.18b",
    ]
    assert printers.column_definitions(info("events.events.k8s.io")) == printers.column_definitions(info("events"))


# --- columns ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gr", "normal", "wide"),
    [
        ("namespaces", ["Name", "Status", "Age"], []),
        ("pods", ["Name", "Ready", "Status", "Restarts", "Age"], ["IP", "Node", "Nominated Node", "Readiness Gates"]),
        (
            "nodes",
            ["Name", "Status", "Roles", "Age", "Version"],
            ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
        ),
        ("services", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"], ["Selector"]),
        ("endpoints", ["Name", "Endpoints", "Age"], []),
        ("configmaps", ["Name", "Data", "Age"], []),
        ("secrets", ["Name", "Type", "Data", "Age"], []),
        (
            "events",
            ["Last Seen", "Type", "Reason", "Object", "Message"],
            ["Subobject", "Source", "First Seen", "Count", "Name"],
        ),
        ("serviceaccounts", ["Name", "Secrets", "Age"], []),
        ("deployments.apps", ["Name", "Ready", "Up-to-date", "Available", "Age"], ["Containers", "Images", "Selector"]),
        ("replicasets.apps", ["Name", "Desired", "Current", "Ready", "Age"], ["Containers", "Images", "Selector"]),
        ("statefulsets.apps", ["Name", "Ready", "Age"], ["Containers", "Images"]),
        (
            "daemonsets.apps",
            ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"],
            ["Containers", "Images", "Selector"],
        ),
        ("controllerrevisions.apps", ["Name", "Controller", "Revision", "Age"], []),
        ("leases.coordination.k8s.io", ["Name", "Holder", "Age"], []),
    ],
)
def test_column_definitions(gr: str, normal: list[str], wide: list[str]) -> None:
    cols = printers.column_definitions(info(gr))
    assert [c["name"] for c in cols if c["priority"] == 0] == normal
    assert [c["name"] for c in cols if c["priority"] == 1] == wide
    for c in cols:
        assert set(c) == {"name", "type", "format", "description", "priority"}
        assert c["description"]
        assert c["format"] == ("name" if c["name"] == "Name" else "")


def test_every_registered_kind_has_a_printer_with_matching_widths() -> None:
    for r in registry.RESOURCES:
        obj = {"apiVersion": r.api_version, "kind": r.kind, "metadata": meta("x")}
        assert len(printers.row_cells(r, obj, NOW)) == len(printers.column_definitions(r)), r.group_resource
        assert [c["name"] for c in printers.column_definitions(r)] != ["Name", "Created At"], r.group_resource


# --- the Table ----------------------------------------------------------------------------


def test_table_list_shape() -> None:
    i = info("deployments.apps")
    d = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta("web"),
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE},
        "status": {},
    }
    t = printers.table(i, [d], now=NOW, resource_version="120", continue_token="tok", remaining_item_count=4)
    assert list(t) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert t["kind"] == "Table" and t["apiVersion"] == "meta.k8s.io/v1"
    assert t["metadata"] == {"resourceVersion": "120", "continue": "tok", "remainingItemCount": 4}
    assert t["columnDefinitions"] == printers.column_definitions(i)
    assert t["rows"] == [
        {
            "cells": ["web", "0/1", 0, 0, "5m", "nginx,log", "nginx:1.25,busybox", "app=web"],
            "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": d["metadata"]},
        }
    ]


def test_table_empty_list() -> None:
    t = printers.table(info("pods"), [], now=NOW, resource_version="5")
    assert t["rows"] == [] and t["metadata"] == {"resourceVersion": "5"}


def test_table_single_object_and_watch_event() -> None:
    i = info("pods")
    p = pod(phase="Succeeded")
    p["metadata"]["resourceVersion"] = "99"
    t = printers.table(i, [p], now=NOW, list_kind=False, continue_token="ignored", no_headers=True)
    assert t["metadata"] == {"resourceVersion": "99"}
    assert t["columnDefinitions"] is None
    assert t["rows"][0]["conditions"][0]["reason"] == "Succeeded"
    assert list(t["rows"][0]) == ["cells", "conditions", "object"]


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        ("", "partial"),
        ("Metadata", "partial"),
        ("None", None),
        ("Object", "whole"),
    ],
)
def test_table_include_object(include: str, expected: str | None) -> None:
    cm = {"metadata": meta("cfg"), "data": {"a": "1"}}
    row = printers.table(info("configmaps"), [cm], now=NOW, include_object=include, api_version="meta.k8s.io/v1beta1")[
        "rows"
    ][0]
    if expected is None:
        assert row["object"] is None
    elif expected == "partial":
        assert row["object"] == {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1beta1",
            "metadata": cm["metadata"],
        }
    else:
        assert row["object"] == {"kind": "ConfigMap", "apiVersion": "v1", **cm}


def test_table_rejects_unknown_include_object() -> None:
    with pytest.raises(ApiError) as e:
        printers.table(info("pods"), [], now=NOW, include_object="Everything")
    assert e.value.code == 400
    assert e.value.message == 'unrecognized includeObject value: "Everything"'


def test_table_does_not_mutate_input() -> None:
    p = pod(statuses=[cs(ready=True, state=RUNNING)])
    before = repr(p)
    printers.table(info("pods"), [p], now=NOW, include_object="Object")
    assert repr(p) == before
