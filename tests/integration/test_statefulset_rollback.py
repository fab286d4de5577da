"""StatefulSet history and rollouts with the real kubectl: ordered creation, partitioned
updates, `rollout history` / `undo` through ControllerRevisions (which only roll forward),
ordered scaling, and kroll's rule that a rollback never waits on a stuck pod
(kubernetes issue 67250).
"""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.harness import Kroll, wait_until
from tests.integration.podwatch import Pod, PodWatch, is_ready, is_terminating, revision_label

READY_WAIT = re.compile(r"^Waiting for \d+ pods to be ready\.\.\.$")
PARTITION_WAIT = re.compile(r"^Waiting for partitioned roll out to finish: \d+ out of \d+ new pods have been updated\.\.\.$")
OBSERVED_WAIT = "Waiting for statefulset spec update to be observed..."


def statefulset(name: str, *, image: str = "nginx:1.25", replicas: int = 3, annotations: dict | None = None,
                template_annotations: dict | None = None, strategy: dict | None = None,
                policy: str | None = None) -> str:
    labels = {"app": name}
    template_meta: dict = {"labels": labels}
    template_annotations = {"sim.kroll.dev/ready-after": "150ms", **(template_annotations or {})}
    template_meta["annotations"] = template_annotations
    spec: dict = {"serviceName": name, "replicas": replicas, "selector": {"matchLabels": labels},
                  "template": {"metadata": template_meta,
                               "spec": {"containers": [{"name": "nginx", "image": image}]}}}
    if strategy is not None:
        spec["updateStrategy"] = strategy
    if policy:
        spec["podManagementPolicy"] = policy
    meta: dict = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return json.dumps({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": spec})


def get_json(kroll: Kroll, ns: str, *args: str) -> dict:
    return json.loads(kroll.kubectl("-n", ns, "get", *args, "-o", "json").stdout)


def pods_by_name(kroll: Kroll, ns: str, name: str) -> dict[str, Pod]:
    return {p["metadata"]["name"]: p for p in get_json(kroll, ns, "pods", "-l", f"app={name}")["items"]}


def revisions(kroll: Kroll, ns: str, name: str) -> dict[int, dict]:
    return {cr["revision"]: cr for cr in get_json(kroll, ns, "controllerrevisions", "-l", f"app={name}")["items"]}


def rollout_status(kroll: Kroll, ns: str, name: str, *, done: str | re.Pattern[str]) -> list[str]:
    out = kroll.kubectl("-n", ns, "rollout", "status", f"sts/{name}", "--timeout=30s").stdout
    lines = out.splitlines()
    assert lines, out
    if isinstance(done, str):
        assert lines[-1] == done, out
    else:
        assert done.fullmatch(lines[-1]), out
    for line in lines[:-1]:
        assert READY_WAIT.match(line) or PARTITION_WAIT.match(line) or line == OBSERVED_WAIT or \
            line.startswith("waiting for statefulset rolling update to complete "), f"unexpected {line!r} in\n{out}"
    return lines


def complete(n: int) -> str:
    return f"partitioned roll out complete: {n} new pods have been updated..."


def first_index(watcher: PodWatch, predicate) -> int:
    """Index of the first recorded state for which predicate(type, pod, pods) holds."""
    for i, (type_, pod, pods) in enumerate(watcher.states()):
        if predicate(type_, pod, pods):
            return i
    raise AssertionError("no such state was observed")


def assert_created_in_order(watcher: PodWatch, name: str, ordinals: range) -> None:
    """Each pod appears only once its predecessor is Running and Ready (OrderedReady)."""
    added = [pod["metadata"]["name"] for type_, pod, _ in watcher.states() if type_ == "ADDED"]
    assert added == [f"{name}-{i}" for i in ordinals], added
    for type_, pod, pods in watcher.states():
        if type_ != "ADDED":
            continue
        ordinal = int(pod["metadata"]["name"].rsplit("-", 1)[1])
        if ordinal == 0:
            continue
        previous = pods.get(f"{name}-{ordinal - 1}")
        assert previous is not None and is_ready(previous) and not is_terminating(previous), \
            f"{pod['metadata']['name']} created before {name}-{ordinal - 1} was ready"


def test_history_partition_and_undo(kroll: Kroll, ns: str, api_client) -> None:
    name = "web"
    with PodWatch(api_client, ns) as watcher:
        kroll.kubectl("-n", ns, "apply", "-f", "-", input=statefulset(
            name, annotations={"kubernetes.io/change-cause": "nginx 1.25"}))
        lines = rollout_status(kroll, ns, name, done=complete(3))
        assert any(READY_WAIT.match(line) for line in lines), lines
        watcher.wait_for(lambda pods: len(pods) == 3 and all(map(is_ready, pods.values())), message="3 ready")
    assert_created_in_order(watcher, name, range(3))

    crs = revisions(kroll, ns, name)
    assert list(crs) == [1]
    rev1 = crs[1]["metadata"]["name"]
    assert rev1 == f"{name}-{crs[1]['metadata']['labels']['controller.kubernetes.io/hash']}"
    assert crs[1]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "nginx 1.25"
    pods = pods_by_name(kroll, ns, name)
    for i in range(3):
        pod = pods[f"{name}-{i}"]
        labels = pod["metadata"]["labels"]
        assert labels["controller-revision-hash"] == rev1
        assert labels["statefulset.kubernetes.io/pod-name"] == f"{name}-{i}"
        assert labels["apps.kubernetes.io/pod-index"] == str(i)
        assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == (f"{name}-{i}", name)
    status = get_json(kroll, ns, "sts", name)["status"]
    assert (status["currentRevision"], status["updateRevision"]) == (rev1, rev1)

    # a partitioned update: only ordinals >= 2 move to the new revision
    kroll.kubectl("-n", ns, "patch", "sts", name, "-p",
                  '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}')
    kroll.kubectl("-n", ns, "annotate", "sts", name, "kubernetes.io/change-cause=nginx 1.26", "--overwrite")
    uids = {n: p["metadata"]["uid"] for n, p in pods.items()}
    assert kroll.kubectl("-n", ns, "set", "image", f"sts/{name}", "nginx=nginx:1.26").stdout == \
        f"statefulset.apps/{name} image updated\n"
    rollout_status(kroll, ns, name, done=complete(1))
    crs = revisions(kroll, ns, name)
    rev2 = crs[2]["metadata"]["name"]
    pods = pods_by_name(kroll, ns, name)
    assert {n: revision_label(p) for n, p in pods.items()} == {"web-0": rev1, "web-1": rev1, "web-2": rev2}
    assert pods["web-2"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert pods["web-0"]["metadata"]["uid"] == uids["web-0"] and pods["web-1"]["metadata"]["uid"] == uids["web-1"]
    status = get_json(kroll, ns, "sts", name)["status"]
    assert (status["currentRevision"], status["updateRevision"]) == (rev1, rev2)
    assert (status["currentReplicas"], status["updatedReplicas"]) == (2, 1)

    # a pod below the partition that is deleted comes back at the current revision
    kroll.kubectl("-n", ns, "delete", "pod", "web-0")
    wait_until(lambda: (lambda p: p is not None and p["metadata"]["uid"] != uids["web-0"] and is_ready(p))(
        pods_by_name(kroll, ns, name).get("web-0")), message="web-0 recreated")
    pods = pods_by_name(kroll, ns, name)
    assert revision_label(pods["web-0"]) == rev1 and pods["web-0"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    rollout_status(kroll, ns, name, done=complete(1))

    # lowering the partition rolls the rest, highest ordinal first, one ready pod at a time
    with PodWatch(api_client, ns) as watcher:
        kroll.kubectl("-n", ns, "patch", "sts", name, "-p",
                      '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}')
        rollout_status(kroll, ns, name, done=complete(3))
        watcher.wait_for(lambda pods: len(pods) == 3 and all(
            is_ready(p) and revision_label(p) == rev2 for p in pods.values()), message="all at rev 2")
    gone1 = first_index(watcher, lambda t, p, _: p["metadata"]["name"] == "web-1" and is_terminating(p))
    gone0 = first_index(watcher, lambda t, p, _: p["metadata"]["name"] == "web-0" and is_terminating(p))
    assert gone1 < gone0
    _, _, at_gone0 = list(watcher.states())[gone0]
    assert revision_label(at_gone0["web-1"]) == rev2 and is_ready(at_gone0["web-1"])
    status = get_json(kroll, ns, "sts", name)["status"]
    assert (status["currentRevision"], status["updateRevision"], status["currentReplicas"]) == (rev2, rev2, 3)

    # history
    assert kroll.kubectl("-n", ns, "rollout", "history", f"sts/{name}").stdout == (
        f"statefulset.apps/{name} \n"
        "REVISION  CHANGE-CAUSE\n"
        "1         nginx 1.25\n"
        "2         nginx 1.26\n"
        "\n")
    assert kroll.kubectl("-n", ns, "rollout", "history", "statefulset", name, "--revision=1").stdout == (
        f"statefulset.apps/{name} with revision #1\n"
        "Pod Template:\n"
        "  Labels:\tapp=web\n"
        "  Annotations:\tsim.kroll.dev/ready-after: 150ms\n"
        "  Containers:\n"
        "   nginx:\n"
        "    Image:\tnginx:1.25\n"
        "    Port:\t<none>\n"
        "    Host Port:\t<none>\n"
        "    Environment:\t<none>\n"
        "    Mounts:\t<none>\n"
        "  Volumes:\t<none>\n"
        "  Node-Selectors:\t<none>\n"
        "  Tolerations:\t<none>\n"
        "\n")

    # undo: back to revision 1's template, which becomes revision 3
    assert kroll.kubectl("-n", ns, "rollout", "undo", f"sts/{name}").stdout == f"statefulset.apps/{name} rolled back\n"
    rollout_status(kroll, ns, name, done=complete(3))
    crs = revisions(kroll, ns, name)
    assert sorted(crs) == [2, 3]
    assert crs[3]["metadata"]["name"] == rev1
    wait_until(lambda: {revision_label(p) for p in pods_by_name(kroll, ns, name).values()} == {rev1},
               message="pods back at rev1")
    assert {p["spec"]["containers"][0]["image"] for p in pods_by_name(kroll, ns, name).values()} == {"nginx:1.25"}
    assert kroll.kubectl("-n", ns, "get", "controllerrevision", "-l", f"app={name}",
                         "--no-headers").stdout.split("\n")[0].split()[1:3] in (
        [f"statefulset.apps/{name}", "2"], [f"statefulset.apps/{name}", "3"])

    # undo to a named revision, a skipped one, a missing one
    assert kroll.kubectl("-n", ns, "rollout", "undo", f"sts/{name}", "--to-revision=2").stdout == \
        f"statefulset.apps/{name} rolled back\n"
    rollout_status(kroll, ns, name, done=complete(3))
    crs = revisions(kroll, ns, name)
    assert sorted(crs) == [3, 4] and crs[4]["metadata"]["name"] == rev2
    status = get_json(kroll, ns, "sts", name)["status"]
    assert (status["currentRevision"], status["updateRevision"]) == (rev2, rev2)
    assert kroll.kubectl("-n", ns, "rollout", "undo", f"sts/{name}", "--to-revision=4").stdout == \
        f"statefulset.apps/{name} skipped rollback (current template already matches revision 4)\n"
    bad = kroll.kubectl("-n", ns, "rollout", "undo", f"sts/{name}", "--to-revision=9", check=False)
    assert bad.returncode == 1 and "error: unable to find specified revision 9 in history" in bad.stderr


def test_rolling_update_without_partition_block(kroll: Kroll, ns: str) -> None:
    """`type: RollingUpdate` alone keeps no rollingUpdate block, so kubectl reports revisions."""
    name = "db"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=statefulset(name, strategy={"type": "RollingUpdate"}))
    assert get_json(kroll, ns, "sts", name)["spec"]["updateStrategy"] == {"type": "RollingUpdate"}
    rev1 = next(iter(revisions(kroll, ns, name).values()))["metadata"]["name"]
    rollout_status(kroll, ns, name, done=f"statefulset rolling update complete 3 pods at revision {rev1}...")
    kroll.kubectl("-n", ns, "set", "image", f"sts/{name}", "nginx=nginx:1.26")
    wait_until(lambda: len(revisions(kroll, ns, name)) == 2, message="revision 2")
    rev2 = revisions(kroll, ns, name)[2]["metadata"]["name"]
    lines = rollout_status(kroll, ns, name, done=f"statefulset rolling update complete 3 pods at revision {rev2}...")
    waiting = [line for line in lines if line.startswith("waiting for statefulset rolling update")]
    assert all(re.fullmatch(rf"waiting for statefulset rolling update to complete \d pods at revision {rev2}\.\.\.",
                            line) for line in waiting), lines


def test_scale_up_in_order_and_down_from_the_top(kroll: Kroll, ns: str, api_client) -> None:
    name = "web"
    # pods take a moment to stop, so the one-at-a-time scale-down is observable
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=statefulset(
        name, template_annotations={"sim.kroll.dev/terminate-after": "200ms"}))
    rollout_status(kroll, ns, name, done=complete(3))
    with PodWatch(api_client, ns) as watcher:
        assert kroll.kubectl("-n", ns, "scale", "sts", name, "--replicas=5").stdout == \
            f"statefulset.apps/{name} scaled\n"
        rollout_status(kroll, ns, name, done=complete(5))
        watcher.wait_for(lambda pods: len(pods) == 5 and all(map(is_ready, pods.values())), message="5 ready")
    assert_created_in_order(watcher, name, range(3, 5))

    with PodWatch(api_client, ns) as watcher:
        kroll.kubectl("-n", ns, "scale", "sts", name, "--replicas=2")
        watcher.wait_for(lambda pods: sorted(pods) == ["web-0", "web-1"], message="web-0 and web-1 left")
    first_terminating = list(dict.fromkeys(pod["metadata"]["name"] for _, pod, _ in watcher.states()
                                           if is_terminating(pod)))
    assert first_terminating == ["web-4", "web-3", "web-2"], first_terminating
    # one at a time: the next pod is only asked to stop once the previous one is gone
    for higher, lower in (("web-4", "web-3"), ("web-3", "web-2")):
        deleted = first_index(watcher, lambda t, p, _, n=higher: t == "DELETED" and p["metadata"]["name"] == n)
        stopping = first_index(watcher, lambda t, p, _, n=lower: p["metadata"]["name"] == n and is_terminating(p))
        assert deleted < stopping, (higher, lower)
    wait_until(lambda: get_json(kroll, ns, "sts", name)["status"]["replicas"] == 2, message="status.replicas 2")
    status = get_json(kroll, ns, "sts", name)["status"]
    assert status["updateRevision"] == status["currentRevision"]


@pytest.mark.parametrize("behavior", ["never-ready", "crash"])
def test_undo_recovers_from_a_stuck_pod(kroll: Kroll, ns: str, behavior: str) -> None:
    """Upstream (issue 67250) waits forever for the broken web-2 to become Ready, even after
    the rollback; kroll replaces the stuck pod, so `rollout undo` alone recovers."""
    name = "web"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=statefulset(name))
    rollout_status(kroll, ns, name, done=complete(3))
    rev1 = revisions(kroll, ns, name)[1]["metadata"]["name"]
    healthy = {n: p["metadata"]["uid"] for n, p in pods_by_name(kroll, ns, name).items()}

    kroll.kubectl("-n", ns, "patch", "sts", name, "-p", json.dumps(
        {"spec": {"template": {"metadata": {"annotations": {"sim.kroll.dev/behavior": behavior}}}}}))
    wait_until(lambda: len(revisions(kroll, ns, name)) == 2, message="revision 2")
    rev2 = revisions(kroll, ns, name)[2]["metadata"]["name"]

    def stuck() -> bool:
        web2 = pods_by_name(kroll, ns, name).get("web-2")
        return bool(web2 and revision_label(web2) == rev2 and not is_terminating(web2) and not is_ready(web2)
                    and web2["status"].get("containerStatuses"))

    wait_until(stuck, message="web-2 stuck at the broken revision")
    status = kroll.kubectl("-n", ns, "rollout", "status", f"sts/{name}", "--watch=false").stdout
    assert status == "Waiting for 1 pods to be ready...\n"
    pods = pods_by_name(kroll, ns, name)
    assert {n: revision_label(p) for n, p in pods.items()} == {"web-0": rev1, "web-1": rev1, "web-2": rev2}

    assert kroll.kubectl("-n", ns, "rollout", "undo", f"sts/{name}").stdout == f"statefulset.apps/{name} rolled back\n"
    rollout_status(kroll, ns, name, done=complete(3))
    pods = pods_by_name(kroll, ns, name)
    assert {n: revision_label(p) for n, p in pods.items()} == dict.fromkeys(("web-0", "web-1", "web-2"), rev1)
    assert all(map(is_ready, pods.values()))
    # only the stuck pod was replaced
    assert pods["web-0"]["metadata"]["uid"] == healthy["web-0"]
    assert pods["web-1"]["metadata"]["uid"] == healthy["web-1"]
    assert pods["web-2"]["metadata"]["uid"] != healthy["web-2"]
    crs = revisions(kroll, ns, name)
    assert sorted(crs) == [2, 3] and crs[3]["metadata"]["name"] == rev1
    status = get_json(kroll, ns, "sts", name)["status"]
    assert (status["currentRevision"], status["updateRevision"], status["readyReplicas"]) == (rev1, rev1, 3)


def test_parallel_update_and_undo(kroll: Kroll, ns: str) -> None:
    name = "par"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=statefulset(name, replicas=4, policy="Parallel"))
    rollout_status(kroll, ns, name, done=complete(4))
    kroll.kubectl("-n", ns, "set", "image", f"sts/{name}", "nginx=nginx:1.26")
    rollout_status(kroll, ns, name, done=complete(4))
    wait_until(lambda: {p["spec"]["containers"][0]["image"] for p in pods_by_name(kroll, ns, name).values()}
               == {"nginx:1.26"}, message="all updated")
    kroll.kubectl("-n", ns, "rollout", "undo", f"sts/{name}")
    rollout_status(kroll, ns, name, done=complete(4))
    rev1 = revisions(kroll, ns, name)[3]["metadata"]["name"]
    wait_until(lambda: {revision_label(p) for p in pods_by_name(kroll, ns, name).values()} == {rev1}
               and len(pods_by_name(kroll, ns, name)) == 4, message="all back at the first template")


def test_undo_after_a_release_degrades_everywhere(kroll: Kroll, ns: str, api_client) -> None:
    """A release that rolls out fine and then fails readiness on every pod: upstream would wait
    on web-0 forever after the rollback; kroll replaces the stuck pods, lowest ordinal first,
    each once its predecessor is ready again (OrderedReady still holds)."""
    name = "web"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=statefulset(name))
    rollout_status(kroll, ns, name, done=complete(3))
    rev1 = revisions(kroll, ns, name)[1]["metadata"]["name"]
    kroll.kubectl("-n", ns, "patch", "sts", name, "-p", json.dumps(
        {"spec": {"template": {"metadata": {"annotations": {"sim.kroll.dev/behavior": "fail-after=1s"}}}}}))
    rollout_status(kroll, ns, name, done=complete(3))
    rev2 = revisions(kroll, ns, name)[2]["metadata"]["name"]
    wait_until(lambda: (lambda pods: len(pods) == 3 and all(
        revision_label(p) == rev2 and not is_ready(p) for p in pods.values()))(pods_by_name(kroll, ns, name)),
        message="every pod at the degraded release and not ready")

    with PodWatch(api_client, ns) as watcher:
        kroll.kubectl("-n", ns, "rollout", "undo", f"sts/{name}")
        rollout_status(kroll, ns, name, done=complete(3))
        watcher.wait_for(lambda pods: len(pods) == 3 and all(
            is_ready(p) and revision_label(p) == rev1 for p in pods.values()), message="all back at rev 1")
    # replaced in ordinal order, each only after the one before it was ready at rev 1
    assert_created_in_order(watcher, name, range(3))
