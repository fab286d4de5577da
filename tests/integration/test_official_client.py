"""The official `kubernetes` Python client against a real `kroll up`: CRUD on namespaced and
cluster-scoped kinds, selectors, watches (resume, 410 Expired), the scale subresource,
optimistic concurrency, and the object semantics every client relies on (uid, timestamps,
generation, resourceVersion, generateName, finalizers, graceful deletion, status only via
/status).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from tests.integration.harness import Kroll, wait_until
from tests.integration.kubehttp import KubeHttp

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="module")
def core(api_client) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture(scope="module")
def apps(api_client) -> client.AppsV1Api:
    return client.AppsV1Api(api_client)


@pytest.fixture
def ns(core: client.CoreV1Api):
    name = f"t-{uuid.uuid4().hex[:8]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


def deployment(name: str, replicas: int = 1, image: str = "nginx:1.25") -> client.V1Deployment:
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image=image)]))))


def config_map(name: str, labels: dict[str, str] | None = None, **data: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data or None)


def status_of(exc: pytest.ExceptionInfo) -> tuple[int, str]:
    body = json.loads(exc.value.body)
    return exc.value.status, body["reason"]


# --------------------------------------------------------------------------- CRUD


def test_configmap_crud(core: client.CoreV1Api, ns: str):
    created = core.create_namespaced_config_map(ns, config_map("settings", mode="fast"))
    md = created.metadata
    assert md.namespace == ns and uuid.UUID(md.uid) and md.generation is None
    assert isinstance(md.creation_timestamp, dt.datetime) and md.creation_timestamp.tzinfo is not None
    read = core.read_namespaced_config_map("settings", ns)
    assert read.data == {"mode": "fast"} and read.metadata.resource_version == md.resource_version
    read.data["extra"] = "1"
    replaced = core.replace_namespaced_config_map("settings", ns, read)
    assert int(replaced.metadata.resource_version) > int(md.resource_version)
    patched = core.patch_namespaced_config_map("settings", ns, {"data": {"mode": "slow"}})
    assert patched.data == {"mode": "slow", "extra": "1"}
    listed = core.list_namespaced_config_map(ns)
    assert [c.metadata.name for c in listed.items] == ["settings"]
    assert int(listed.metadata.resource_version) >= int(patched.metadata.resource_version)
    status = core.delete_namespaced_config_map("settings", ns)
    # gone at once: a Success Status naming it (upstream answers so for all but a few kinds); the
    # client declares the answer an `object`, so it hands back the decoded JSON
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                      "details": {"name": "settings", "kind": "configmaps", "uid": md.uid}}
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_config_map("settings", ns)
    assert status_of(exc) == (404, "NotFound")
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map(ns, config_map("dup"))
        core.create_namespaced_config_map(ns, config_map("dup"))
    assert status_of(exc) == (409, "AlreadyExists")


def test_deployment_crud(apps: client.AppsV1Api, ns: str):
    created = apps.create_namespaced_deployment(ns, deployment("web", replicas=2))
    assert created.metadata.generation == 1
    assert created.spec.strategy.type == "RollingUpdate" and created.spec.revision_history_limit == 10
    assert created.spec.template.spec.containers[0].image_pull_policy == "IfNotPresent"
    read = apps.read_namespaced_deployment("web", ns)
    assert read.metadata.uid == created.metadata.uid
    listed = apps.list_namespaced_deployment(ns, label_selector="app=web")
    assert [d.metadata.name for d in listed.items] == ["web"]
    patched = apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "nginx:1.26"}]}}}})
    assert patched.spec.template.spec.containers[0].image == "nginx:1.26" and patched.metadata.generation == 2
    everywhere = apps.list_deployment_for_all_namespaces(field_selector=f"metadata.namespace={ns}")
    assert [d.metadata.name for d in everywhere.items] == ["web"]
    apps.delete_namespaced_deployment("web", ns, propagation_policy="Foreground")
    wait_until(lambda: not apps.list_namespaced_deployment(ns).items and
               not apps.list_namespaced_replica_set(ns).items, message="the foreground deletion to finish")


def test_cluster_scoped_crud(core: client.CoreV1Api):
    name = f"t-{uuid.uuid4().hex[:8]}"
    created = core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels={"x": "1"})))
    assert created.metadata.namespace is None
    assert created.metadata.labels == {"x": "1", "kubernetes.io/metadata.name": name}
    assert created.spec.finalizers == ["kubernetes"] and created.status.phase == "Active"
    patched = core.patch_namespace(name, {"metadata": {"labels": {"y": "2"}}})
    assert patched.metadata.labels["y"] == "2"
    assert name in [n.metadata.name for n in core.list_namespace(label_selector="y=2").items]
    # a namespace gets its default service account
    wait_until(lambda: core.list_namespaced_service_account(name).items, message="the default service account")
    deleting = core.delete_namespace(name)  # a namespace answers with itself, now terminating
    assert deleting["status"]["phase"] == "Terminating" and deleting["metadata"]["deletionTimestamp"]
    wait_until(lambda: name not in [n.metadata.name for n in core.list_namespace().items], timeout=30,
               message="the namespace to go")
    nodes = core.list_node()
    assert len(nodes.items) == 3
    node = core.read_node(nodes.items[0].metadata.name)
    assert node.metadata.namespace is None and node.status.node_info.kubelet_version == "v1.37.0"


def test_list_with_selectors(core: client.CoreV1Api, ns: str):
    for name, tier in (("a", "front"), ("b", "back"), ("c", "front"), ("d", None)):
        core.create_namespaced_config_map(ns, config_map(name, {"tier": tier} if tier else {"other": "x"}))

    def names(**kw) -> list[str]:
        return [c.metadata.name for c in core.list_namespaced_config_map(ns, **kw).items]

    assert names(label_selector="tier=front") == ["a", "c"]
    assert names(label_selector="tier in (front,back)") == ["a", "b", "c"]
    assert names(label_selector="!tier") == ["d"]
    assert names(label_selector="tier,tier!=front") == ["b"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b", label_selector="tier") == ["a", "c"]
    page = core.list_namespaced_config_map(ns, limit=3)
    assert [c.metadata.name for c in page.items] == ["a", "b", "c"] and page.metadata._continue
    rest = core.list_namespaced_config_map(ns, limit=3, _continue=page.metadata._continue)
    assert [c.metadata.name for c in rest.items] == ["d"] and not rest.metadata._continue
    with pytest.raises(ApiException) as exc:
        core.list_namespaced_config_map(ns, label_selector="tier in (")
    assert status_of(exc) == (400, "BadRequest")


# --------------------------------------------------------------------------- watch


def collect(func, *args, count: int, **kw) -> list[tuple[str, str, str]]:
    """(type, name, resourceVersion) of the first `count` events of a watch."""
    w = watch.Watch()
    out = []
    for event in w.stream(func, *args, timeout_seconds=20, **kw):
        md = event["raw_object"]["metadata"]
        out.append((event["type"], md.get("name"), md["resourceVersion"]))
        if len(out) == count:
            w.stop()
    return out


def test_watch_resumes_from_resource_version(core: client.CoreV1Api, ns: str):
    first = core.create_namespaced_config_map(ns, config_map("one", a="1"))
    start = first.metadata.resource_version
    core.patch_namespaced_config_map("one", ns, {"data": {"a": "2"}})
    core.create_namespaced_config_map(ns, config_map("two"))
    core.delete_namespaced_config_map("one", ns)
    events = collect(core.list_namespaced_config_map, ns, resource_version=start, count=3)
    assert [(t, n) for t, n, _ in events] == [("MODIFIED", "one"), ("ADDED", "two"), ("DELETED", "one")]
    revisions = [int(rv) for _, _, rv in events]
    assert revisions == sorted(revisions) and revisions[0] > int(start)
    # resume after the second event: only what came after it
    core.create_namespaced_config_map(ns, config_map("three"))
    resumed = collect(core.list_namespaced_config_map, ns, resource_version=events[1][2], count=2)
    assert [(t, n) for t, n, _ in resumed] == [("DELETED", "one"), ("ADDED", "three")]
    # resourceVersion "0" (or none): the current state first, as ADDED events
    current = collect(core.list_namespaced_config_map, ns, resource_version="0", count=2)
    assert sorted((t, n) for t, n, _ in current) == [("ADDED", "three"), ("ADDED", "two")]


def test_watch_with_label_selector_sees_objects_enter_and_leave(core: client.CoreV1Api, ns: str):
    core.create_namespaced_config_map(ns, config_map("moving", {"tier": "back"}))
    start = core.list_namespaced_config_map(ns).metadata.resource_version
    core.patch_namespaced_config_map("moving", ns, {"metadata": {"labels": {"tier": "front"}}})
    core.patch_namespaced_config_map("moving", ns, {"data": {"x": "1"}})
    core.patch_namespaced_config_map("moving", ns, {"metadata": {"labels": {"tier": "back"}}})
    events = collect(core.list_namespaced_config_map, ns, resource_version=start, label_selector="tier=front",
                     count=3)
    assert [(t, n) for t, n, _ in events] == [("ADDED", "moving"), ("MODIFIED", "moving"), ("DELETED", "moving")]


def test_watch_from_a_compacted_resource_version_is_gone(tmp_path_factory):
    """The watch cache keeps a window of events (here shrunk to 50); older resourceVersions get
    410 Expired, which the client reports as an ApiException after its one retry."""
    small = Kroll(tmp_path_factory.mktemp("kroll-small-cache"), nodes=1,
                  extra_env={"KROLL_WATCH_CACHE_SIZE": "50"}).start()
    try:
        from kubernetes import config
        api_client = config.new_client_from_config(config_file=str(small.kubeconfig))
        core = client.CoreV1Api(api_client)
        first = core.create_namespaced_config_map("default", config_map("churn", n="0"))
        for i in range(1, 80):
            core.patch_namespaced_config_map("churn", "default", {"data": {"n": str(i)}})
        old = first.metadata.resource_version
        with pytest.raises(ApiException) as exc:
            collect(core.list_namespaced_config_map, "default", resource_version=old, count=1)
        assert exc.value.status == 410
        assert re.fullmatch(rf"Expired: too old resource version: {old} \(\d+\)", exc.value.reason)
        # on the wire: the watch starts (200), then one ERROR event carries the 410 Status
        with KubeHttp(small.kubeconfig).stream(
                f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={old}") as stream:
            assert stream.status == 200
            events = list(stream.events())
        assert len(events) == 1 and events[0]["type"] == "ERROR"
        status = events[0]["object"]
        assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
        # a fresh list gives a resourceVersion that can be watched from again
        listed = core.list_namespaced_config_map("default")
        core.patch_namespaced_config_map("churn", "default", {"data": {"n": "done"}})
        events = collect(core.list_namespaced_config_map, "default",
                         resource_version=listed.metadata.resource_version, count=1)
        assert [(t, n) for t, n, _ in events] == [("MODIFIED", "churn")]
        api_client.close()
    finally:
        small.stop()


# --------------------------------------------------------------------------- scale, conflicts


def test_scale_subresource(apps: client.AppsV1Api, ns: str):
    apps.create_namespaced_deployment(ns, deployment("web", replicas=1))
    scale = apps.read_namespaced_deployment_scale("web", ns)
    assert (scale.kind, scale.api_version, scale.spec.replicas) == ("Scale", "autoscaling/v1", 1)
    assert scale.metadata.name == "web" and scale.metadata.namespace == ns
    scaled = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    assert scaled.spec.replicas == 3
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 3
    wait_until(lambda: apps.read_namespaced_deployment_scale("web", ns).status.replicas == 3,
               message="the scale status to follow")
    scale = apps.read_namespaced_deployment_scale("web", ns)
    assert scale.status.selector == "app=web"
    scale.spec.replicas = 2
    assert apps.replace_namespaced_deployment_scale("web", ns, scale).spec.replicas == 2
    scale.spec.replicas = 5  # scale still carries the resourceVersion it was read at
    with pytest.raises(ApiException) as exc:
        apps.replace_namespaced_deployment_scale("web", ns, scale)
    assert status_of(exc) == (409, "Conflict")
    with pytest.raises(ApiException) as exc:
        apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": -1}})
    assert status_of(exc) == (422, "Invalid")
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 2


def test_stale_update_is_a_conflict(core: client.CoreV1Api, ns: str):
    mine = core.create_namespaced_config_map(ns, config_map("shared", v="0"))
    theirs = core.read_namespaced_config_map("shared", ns)
    theirs.data["v"] = "theirs"
    core.replace_namespaced_config_map("shared", ns, theirs)
    mine.data["v"] = "mine"
    with pytest.raises(ApiException) as exc:
        core.replace_namespaced_config_map("shared", ns, mine)
    assert status_of(exc) == (409, "Conflict")
    assert core.read_namespaced_config_map("shared", ns).data == {"v": "theirs"}
    # a patch carrying a resourceVersion is a precondition too
    with pytest.raises(ApiException) as exc:
        core.patch_namespaced_config_map("shared", ns, {"metadata": {"resourceVersion": mine.metadata.resource_version},
                                                        "data": {"v": "mine"}})
    assert status_of(exc) == (409, "Conflict")
    # without one the write goes through (last writer wins)
    mine.metadata.resource_version = None
    assert core.replace_namespaced_config_map("shared", ns, mine).data == {"v": "mine"}


# --------------------------------------------------------------------------- object semantics


def test_identity_timestamps_and_resource_versions(core: client.CoreV1Api, api_client, ns: str):
    created = core.create_namespaced_config_map(ns, config_map("obj", a="1"))
    method, url, headers, _, _ = api_client.param_serialize("GET", f"/api/v1/namespaces/{ns}/configmaps/obj",
                                                             auth_settings=["BearerToken"])
    md = json.loads(api_client.call_api(method, url, header_params=headers).read())["metadata"]
    assert RFC3339.fullmatch(md["creationTimestamp"]) and uuid.UUID(md["uid"]).version == 4
    rv = int(created.metadata.resource_version)
    # a write that changes nothing keeps the resourceVersion; a real change moves it forward
    same = core.replace_namespaced_config_map("obj", ns, core.read_namespaced_config_map("obj", ns))
    assert int(same.metadata.resource_version) == rv
    changed = core.patch_namespaced_config_map("obj", ns, {"data": {"a": "2"}})
    assert int(changed.metadata.resource_version) > rv
    # the server owns uid and creationTimestamp: a client cannot change them
    body = core.read_namespaced_config_map("obj", ns)
    body.metadata.uid = str(uuid.uuid4())
    with pytest.raises(ApiException) as exc:
        core.replace_namespaced_config_map("obj", ns, body)
    assert status_of(exc)[0] == 409  # a uid in the body is a precondition
    body.metadata.uid = None
    body.metadata.creation_timestamp = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    kept = core.replace_namespaced_config_map("obj", ns, body)
    assert kept.metadata.creation_timestamp == created.metadata.creation_timestamp
    assert kept.metadata.uid == created.metadata.uid


def test_generation_tracks_spec_changes(apps: client.AppsV1Api, ns: str):
    created = apps.create_namespaced_deployment(ns, deployment("web"))
    assert created.metadata.generation == 1

    def generation() -> int:
        return apps.read_namespaced_deployment("web", ns).metadata.generation

    apps.patch_namespaced_deployment("web", ns, {"metadata": {"labels": {"extra": "label"}}})
    assert generation() == 1  # labels are not spec
    apps.patch_namespaced_deployment("web", ns, {"metadata": {"annotations": {"note": "x"}}})
    assert generation() == 2  # a Deployment's annotations count (upstream's deployment strategy)
    apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 2}})
    assert generation() == 3
    apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 2}})
    assert generation() == 3  # no change, no bump
    wait_until(lambda: apps.read_namespaced_deployment("web", ns).status.observed_generation == 3,
               message="the controller to observe generation 3")
    status = apps.read_namespaced_deployment_status("web", ns)
    assert status.metadata.generation == 3  # status writes by the controller did not bump it


def test_generate_name(core: client.CoreV1Api, ns: str):
    made = {core.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(generate_name="job-"))).metadata.name for _ in range(5)}
    assert len(made) == 5 and all(re.fullmatch(r"job-[a-z0-9]{5}", n) for n in made)
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta()))
    assert status_of(exc) == (422, "Invalid")
    assert "name or generateName is required" in exc.value.body


def test_finalizers_hold_deletion(core: client.CoreV1Api, ns: str):
    core.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="held", finalizers=["example.com/a", "example.com/b"])))
    deleting = core.delete_namespaced_config_map("held", ns)  # still there: the object, not a Status
    md = deleting["metadata"]
    assert RFC3339.fullmatch(md["deletionTimestamp"]) and md["deletionGracePeriodSeconds"] == 0
    held = core.read_namespaced_config_map("held", ns)
    assert held.metadata.deletion_timestamp is not None and held.metadata.finalizers == md["finalizers"]
    # deleting again changes nothing; new finalizers may not be added now
    again = core.delete_namespaced_config_map("held", ns)
    assert again["metadata"]["resourceVersion"] == held.metadata.resource_version
    with pytest.raises(ApiException) as exc:
        core.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": ["example.com/a", "example.com/b",
                                                                                  "example.com/c"]}})
    assert status_of(exc) == (422, "Invalid")
    assert "no new finalizers can be added if the object is being deleted" in exc.value.body
    # other changes are still allowed while finalizers remain
    core.patch_namespaced_config_map("held", ns, {"data": {"state": "cleaning"}})
    # finalizers merge in a strategic patch (the client's default): a merge patch replaces the list
    core.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": ["example.com/b"]}})
    assert core.read_namespaced_config_map("held", ns).metadata.finalizers == ["example.com/a", "example.com/b"]
    core.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": ["example.com/b"]}},
                                     _content_type="application/merge-patch+json")
    assert core.read_namespaced_config_map("held", ns).metadata.finalizers == ["example.com/b"]
    core.patch_namespaced_config_map("held", ns, {"metadata": {"$deleteFromPrimitiveList/finalizers": [
        "example.com/b"]}})
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_config_map("held", ns)
    assert status_of(exc) == (404, "NotFound")


def test_graceful_pod_deletion(core: client.CoreV1Api, ns: str):
    pod = client.V1Pod(metadata=client.V1ObjectMeta(name="p"), spec=client.V1PodSpec(
        termination_grace_period_seconds=45, containers=[client.V1Container(name="c", image="nginx:1.25")]))
    core.create_namespaced_pod(ns, pod)
    wait_until(lambda: core.read_namespaced_pod("p", ns).status.phase == "Running", message="the pod to run")
    start = core.read_namespaced_pod("p", ns).metadata.resource_version
    events: list[dict] = []
    w = watch.Watch()

    def record() -> None:
        for event in w.stream(core.list_namespaced_pod, ns, resource_version=start, timeout_seconds=30):
            events.append(event)
            if event["type"] == "DELETED":
                w.stop()

    thread = threading.Thread(target=record, daemon=True)
    thread.start()
    deleting = core.delete_namespaced_pod("p", ns)
    # the pod stays, marked, until its node has stopped it; then the kubelet's grace-0 delete removes it
    assert deleting.metadata.deletion_timestamp is not None
    assert deleting.metadata.deletion_grace_period_seconds == 45
    assert deleting.metadata.deletion_timestamp - deleting.metadata.creation_timestamp >= dt.timedelta(seconds=45)
    thread.join(30)
    assert events and events[-1]["type"] == "DELETED"
    marked = [e for e in events if e["type"] == "MODIFIED" and e["raw_object"]["metadata"].get("deletionTimestamp")]
    assert marked and marked[0]["raw_object"]["metadata"]["deletionGracePeriodSeconds"] == 45
    assert events[-1]["raw_object"]["metadata"]["uid"] == deleting.metadata.uid
    # grace 0 on a pod that never ran (not scheduled anywhere) deletes it at once
    core.create_namespaced_pod(ns, client.V1Pod(metadata=client.V1ObjectMeta(name="unplaced"), spec=client.V1PodSpec(
        node_selector={"nowhere": "true"}, containers=[client.V1Container(name="c", image="nginx:1.25")])))
    core.delete_namespaced_pod("unplaced", ns, grace_period_seconds=0)
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_pod("unplaced", ns)
    assert status_of(exc) == (404, "NotFound")


def test_status_is_written_only_through_the_status_subresource(core: client.CoreV1Api, apps: client.AppsV1Api,
                                                              ns: str):
    svc = core.create_namespaced_service(ns, client.V1Service(
        metadata=client.V1ObjectMeta(name="lb"),
        spec=client.V1ServiceSpec(type="LoadBalancer", selector={"app": "x"},
                                  ports=[client.V1ServicePort(port=80)]),
        status=client.V1ServiceStatus(load_balancer=client.V1LoadBalancerStatus(
            ingress=[client.V1LoadBalancerIngress(ip="1.2.3.4")]))))
    assert not svc.status.load_balancer.ingress  # status in a create is dropped
    ingress = [client.V1LoadBalancerIngress(ip="5.6.7.8")]
    svc.status.load_balancer.ingress = ingress
    svc.spec.ports[0].port = 81
    updated = core.replace_namespaced_service("lb", ns, svc)
    assert updated.spec.ports[0].port == 81 and not updated.status.load_balancer.ingress
    # through /status: the status is written, spec changes are ignored
    updated.status.load_balancer.ingress = ingress
    updated.spec.ports[0].port = 82
    written = core.replace_namespaced_service_status("lb", ns, updated)
    assert written.status.load_balancer.ingress[0].ip == "5.6.7.8" and written.spec.ports[0].port == 81
    stored = core.read_namespaced_service("lb", ns)
    assert stored.status.load_balancer.ingress[0].ip == "5.6.7.8" and stored.spec.ports[0].port == 81
    # a Deployment created with a status starts with none of it
    body = deployment("web")
    body.status = client.V1DeploymentStatus(replicas=99, ready_replicas=99)
    assert apps.create_namespaced_deployment(ns, body).status.replicas in (None, 0)


def test_every_kind_deserializes(api_client, apps: client.AppsV1Api, core: client.CoreV1Api, ns: str):
    """The client's models insist on their required fields: every kind kroll serves must decode."""
    apps.create_namespaced_deployment(ns, deployment("web"))
    labels = {"app": "agent"}
    template = client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(
        containers=[client.V1Container(name="c", image="busybox:1.36")]))
    apps.create_namespaced_daemon_set(ns, client.V1DaemonSet(
        metadata=client.V1ObjectMeta(name="agent"),
        spec=client.V1DaemonSetSpec(selector=client.V1LabelSelector(match_labels=labels), template=template)))
    db = {"app": "db"}
    apps.create_namespaced_stateful_set(ns, client.V1StatefulSet(
        metadata=client.V1ObjectMeta(name="db"),
        spec=client.V1StatefulSetSpec(service_name="db", replicas=1, selector=client.V1LabelSelector(match_labels=db),
                                      template=client.V1PodTemplateSpec(
                                          metadata=client.V1ObjectMeta(labels=db),
                                          spec=template.spec))))
    core.create_namespaced_endpoints(ns, client.V1Endpoints(metadata=client.V1ObjectMeta(name="db")))
    core.create_namespaced_config_map(ns, config_map("settings", a="1"))
    core.create_namespaced_secret(ns, client.V1Secret(metadata=client.V1ObjectMeta(name="pw"), string_data={"p": "x"}))
    wait_until(lambda: len(core.list_namespaced_pod(ns).items) >= 5 and all(
        p.status.phase == "Running" for p in core.list_namespaced_pod(ns).items), message="every pod to run")
    wait_until(lambda: apps.list_namespaced_controller_revision(ns).items, message="controller revisions")
    listers = [
        core.list_pod_for_all_namespaces, core.list_node, core.list_namespace, core.list_service_for_all_namespaces,
        core.list_endpoints_for_all_namespaces, core.list_event_for_all_namespaces,
        core.list_config_map_for_all_namespaces, core.list_secret_for_all_namespaces,
        core.list_service_account_for_all_namespaces, apps.list_deployment_for_all_namespaces,
        apps.list_replica_set_for_all_namespaces, apps.list_daemon_set_for_all_namespaces,
        apps.list_stateful_set_for_all_namespaces, apps.list_controller_revision_for_all_namespaces,
        client.CoordinationV1Api(api_client).list_lease_for_all_namespaces,
    ]
    for lister in listers:
        listed = lister()
        assert listed.items, lister.__name__
    client.EventsV1Api(api_client).list_event_for_all_namespaces()  # decodes (kroll keeps these apart)
    mine = {e.involved_object.kind for e in core.list_namespaced_event(ns).items}
    assert {"Deployment", "ReplicaSet", "Pod"} <= mine
