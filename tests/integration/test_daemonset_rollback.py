"""The "Perform a Rollback on a DaemonSet" task page (seeds 000 and 001), replayed with the
real kubectl on the 3-node session cluster, plus what a DaemonSet rollout must honour
around it: one pod per matching node, pods following node labels, maxUnavailable and
maxSurge budgets, and OnDelete.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.integration.harness import Kroll, wait_until
from tests.integration.podwatch import PodWatch, is_ready, is_terminating, revision_label

NODES = ["kroll-node-1", "kroll-node-2", "kroll-node-3"]
WAITING = re.compile(
    r'^Waiting for daemon set "(?P<name>[^"]+)" rollout to finish: '
    r"(\d+ out of \d+ new pods have been updated|\d+ of \d+ updated pods are available)\.\.\.$")


def daemonset(name: str, *, image: str, labels: dict[str, str], annotations: dict[str, str] | None = None,
              template_annotations: dict[str, str] | None = None, node_selector: dict[str, str] | None = None,
              strategy: dict | None = None) -> str:
    template_meta: dict = {"labels": labels}
    if template_annotations:
        template_meta["annotations"] = template_annotations
    pod_spec: dict = {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 24224}]}]}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    spec: dict = {"selector": {"matchLabels": labels}, "template": {"metadata": template_meta, "spec": pod_spec}}
    if strategy:
        spec["updateStrategy"] = strategy
    meta: dict = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return json.dumps({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta, "spec": spec})


def get_json(kroll: Kroll, ns: str, *args: str) -> dict:
    return json.loads(kroll.kubectl("-n", ns, "get", *args, "-o", "json").stdout)


def ds_pods(kroll: Kroll, ns: str, selector: str) -> list[dict]:
    return get_json(kroll, ns, "pods", "-l", selector)["items"]


def revisions(kroll: Kroll, ns: str, selector: str) -> dict[int, dict]:
    """ControllerRevisions by `.revision`."""
    return {cr["revision"]: cr for cr in get_json(kroll, ns, "controllerrevisions", "-l", selector)["items"]}


def rollout_status(kroll: Kroll, ns: str, name: str) -> list[str]:
    out = kroll.kubectl("-n", ns, "rollout", "status", f"ds/{name}", "--timeout=30s").stdout
    lines = out.splitlines()
    assert lines, out
    assert lines[-1] == f'daemon set "{name}" successfully rolled out', out
    for line in lines[:-1]:
        m = WAITING.match(line) or re.fullmatch(r"Waiting for daemon set spec update to be observed\.\.\.", line)
        assert m, f"unexpected rollout status line {line!r} in\n{out}"
    return lines


def live_images(kroll: Kroll, ns: str, selector: str) -> dict[str, str]:
    """node -> image of the non-terminating pod there."""
    out: dict[str, str] = {}
    for pod in ds_pods(kroll, ns, selector):
        if pod["metadata"].get("deletionTimestamp"):
            continue
        node = pod["spec"].get("nodeName", "")
        assert node not in out, f"two live daemon pods on {node}"
        out[node] = pod["spec"]["containers"][0]["image"]
    return out


def test_seed_rollback_walkthrough(kroll: Kroll, ns: str) -> None:
    name, sel = "fluentd", "foo=bar"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=daemonset(
        name, image="fluentd:1.0", labels={"foo": "bar"},
        annotations={"kubernetes.io/change-cause": "create fluentd 1.0"},
        template_annotations={"sim.kroll.dev/ready-after": "200ms"}))
    rollout_status(kroll, ns, name)
    pods = ds_pods(kroll, ns, sel)
    assert sorted(p["spec"]["nodeName"] for p in pods) == NODES  # one pod per node
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"fluentd:1.0"}

    # an update: the change-cause is set first, so the snapshot of revision 2 carries it
    kroll.kubectl("-n", ns, "annotate", f"ds/{name}", "kubernetes.io/change-cause=update to fluentd 2.0",
                  "--overwrite")
    assert kroll.kubectl("-n", ns, "set", "image", f"ds/{name}", "app=fluentd:2.0").stdout == \
        f"daemonset.apps/{name} image updated\n"
    lines = rollout_status(kroll, ns, name)
    assert any(WAITING.match(line) for line in lines), lines  # pods take 200 ms to become ready
    assert live_images(kroll, ns, sel) == dict.fromkeys(NODES, "fluentd:2.0")

    # Step 1: the history, and one revision in detail
    history = kroll.kubectl("-n", ns, "rollout", "history", "daemonset", name).stdout
    assert history == (f"daemonset.apps/{name} \n"
                       "REVISION  CHANGE-CAUSE\n"
                       "1         create fluentd 1.0\n"
                       "2         update to fluentd 2.0\n"
                       "\n")
    detail = kroll.kubectl("-n", ns, "rollout", "history", "daemonset", name, "--revision=1").stdout
    assert detail == (f"daemonset.apps/{name} with revision #1\n"
                      "Pod Template:\n"
                      "  Labels:\tfoo=bar\n"
                      "  Annotations:\tsim.kroll.dev/ready-after: 200ms\n"
                      "  Containers:\n"
                      "   app:\n"
                      "    Image:\tfluentd:1.0\n"
                      "    Port:\t24224/TCP\n"
                      "    Host Port:\t0/TCP\n"
                      "    Environment:\t<none>\n"
                      "    Mounts:\t<none>\n"
                      "  Volumes:\t<none>\n"
                      "  Node-Selectors:\t<none>\n"
                      "  Tolerations:\t<none>\n"
                      "\n")
    missing = kroll.kubectl("-n", ns, "rollout", "history", "daemonset", name, "--revision=7", check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("unable to find the specified revision")

    # the raw ControllerRevisions: change-cause copied, labels = template labels + hash
    crs = revisions(kroll, ns, sel)
    assert sorted(crs) == [1, 2]
    for number, cause in ((1, "create fluentd 1.0"), (2, "update to fluentd 2.0")):
        cr = crs[number]
        assert cr["metadata"]["annotations"]["kubernetes.io/change-cause"] == cause
        assert cr["metadata"]["name"] == f"{name}-{cr['metadata']['labels']['controller-revision-hash']}"
        assert cr["metadata"]["labels"]["foo"] == "bar"
        ref = cr["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["name"], ref["controller"]) == ("DaemonSet", name, True)
        assert cr["data"]["spec"]["template"]["$patch"] == "replace"
    hash2 = crs[2]["metadata"]["labels"]["controller-revision-hash"]
    assert {revision_label(p) for p in ds_pods(kroll, ns, sel)} == {hash2}

    # Step 2: roll back to revision 1
    assert kroll.kubectl("-n", ns, "rollout", "undo", "daemonset", name, "--to-revision=1").stdout == \
        f"daemonset.apps/{name} rolled back\n"
    # Step 3: watch it
    rollout_status(kroll, ns, name)
    assert live_images(kroll, ns, sel) == dict.fromkeys(NODES, "fluentd:1.0")

    # revisions only roll forward: the object that was revision 1 is now revision 3
    table = kroll.kubectl("-n", ns, "get", "controllerrevision", "-l", sel).stdout.splitlines()
    assert re.split(r"\s{2,}", table[0].strip()) == ["NAME", "CONTROLLER", "REVISION", "AGE"]
    rows = sorted(re.split(r"\s+", line.strip())[:3] for line in table[1:])
    assert rows == sorted([[crs[1]["metadata"]["name"], f"daemonset.apps/{name}", "3"],
                           [crs[2]["metadata"]["name"], f"daemonset.apps/{name}", "2"]])
    assert kroll.kubectl("-n", ns, "rollout", "history", "ds", name).stdout == (
        f"daemonset.apps/{name} \n"
        "REVISION  CHANGE-CAUSE\n"
        "2         update to fluentd 2.0\n"
        "3         create fluentd 1.0\n"
        "\n")
    hash1 = crs[1]["metadata"]["labels"]["controller-revision-hash"]
    wait_until(lambda: {revision_label(p) for p in ds_pods(kroll, ns, sel)} == {hash1}, message="pods at rev 1")

    # rolling back to the template already running is skipped by kubectl
    skipped = kroll.kubectl("-n", ns, "rollout", "undo", "ds", name, "--to-revision=3")
    assert skipped.stdout == f"daemonset.apps/{name} skipped rollback (current template already matches revision 3)\n"

    # a revision that does not exist
    bad = kroll.kubectl("-n", ns, "rollout", "undo", "daemonset", name, "--to-revision=9", check=False)
    assert bad.returncode == 1
    assert "error: unable to find specified revision 9 in history" in bad.stderr

    # server-side dry run changes nothing
    before = get_json(kroll, ns, "ds", name)
    dry = kroll.kubectl("-n", ns, "rollout", "undo", "ds", name, "--dry-run=server")
    assert dry.stdout == f"daemonset.apps/{name} rolled back (server dry run)\n"
    after = get_json(kroll, ns, "ds", name)
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert after["spec"]["template"] == before["spec"]["template"]
    assert sorted(revisions(kroll, ns, sel)) == [2, 3]

    # no --to-revision: the previous revision (2) comes back and becomes revision 4
    assert kroll.kubectl("-n", ns, "rollout", "undo", "ds", name).stdout == f"daemonset.apps/{name} rolled back\n"
    rollout_status(kroll, ns, name)
    assert live_images(kroll, ns, sel) == dict.fromkeys(NODES, "fluentd:2.0")
    crs = revisions(kroll, ns, sel)
    assert sorted(crs) == [3, 4]
    assert crs[4]["metadata"]["labels"]["controller-revision-hash"] == hash2

    # rollout restart: a new template (restartedAt), so a new revision and new pods
    old_pods = {p["metadata"]["uid"] for p in ds_pods(kroll, ns, sel)}
    assert kroll.kubectl("-n", ns, "rollout", "restart", f"ds/{name}").stdout == f"daemonset.apps/{name} restarted\n"
    rollout_status(kroll, ns, name)
    crs = revisions(kroll, ns, sel)
    assert sorted(crs) == [3, 4, 5]
    assert "kubectl.kubernetes.io/restartedAt" in crs[5]["data"]["spec"]["template"]["metadata"]["annotations"]
    wait_until(lambda: len(ds_pods(kroll, ns, sel)) == 3, message="terminated pods gone")
    new_pods = ds_pods(kroll, ns, sel)
    assert not old_pods & {p["metadata"]["uid"] for p in new_pods}
    assert sorted(p["spec"]["nodeName"] for p in new_pods) == NODES
    ds = get_json(kroll, ns, "ds", name)
    assert ds["status"]["updatedNumberScheduled"] == ds["status"]["numberAvailable"] == 3


def test_daemon_pods_follow_node_labels(kroll: Kroll, ns: str) -> None:
    key = f"kroll-test/{uuid.uuid4().hex[:8]}"
    name, sel = "sel", "app=sel"
    try:
        kroll.kubectl("label", "node", "kroll-node-2", f"{key}=yes")
        kroll.kubectl("-n", ns, "apply", "-f", "-", input=daemonset(
            name, image="agent:1", labels={"app": "sel"}, node_selector={key: "yes"}))
        rollout_status(kroll, ns, name)
        wait_until(lambda: live_images(kroll, ns, sel) == {"kroll-node-2": "agent:1"}, message="pod on node 2 only")
        ds = get_json(kroll, ns, "ds", name)["status"]
        assert (ds["desiredNumberScheduled"], ds["currentNumberScheduled"], ds["numberMisscheduled"]) == (1, 1, 0)

        # a node gaining the label gets a pod; one losing it loses its pod
        kroll.kubectl("label", "node", "kroll-node-3", f"{key}=yes")
        wait_until(lambda: sorted(live_images(kroll, ns, sel)) == ["kroll-node-2", "kroll-node-3"],
                   message="pods on nodes 2 and 3")
        kroll.kubectl("label", "node", "kroll-node-2", f"{key}-")
        wait_until(lambda: sorted(p["spec"]["nodeName"] for p in ds_pods(kroll, ns, sel)) == ["kroll-node-3"],
                   message="pod on node 3 only")
        wait_until(lambda: get_json(kroll, ns, "ds", name)["status"]["desiredNumberScheduled"] == 1,
                   message="desired 1")

        # an update only touches the matching node
        kroll.kubectl("-n", ns, "set", "image", f"ds/{name}", "app=agent:2")
        rollout_status(kroll, ns, name)
        assert live_images(kroll, ns, sel) == {"kroll-node-3": "agent:2"}
    finally:
        for node in NODES:
            kroll.kubectl("label", "node", node, f"{key}-", check=False)


def _peak_unavailable(watcher: PodWatch, nodes: list[str]) -> tuple[int, int]:
    """(most nodes without a ready, non-terminating pod; most live pods) over every state."""
    peak = peak_pods = 0
    for _, _, pods in watcher.states():
        covered = {p["spec"].get("nodeName") for p in pods.values() if is_ready(p) and not is_terminating(p)}
        peak = max(peak, sum(1 for n in nodes if n not in covered))
        peak_pods = max(peak_pods, sum(1 for p in pods.values() if not is_terminating(p)))
    return peak, peak_pods


@pytest.mark.parametrize(("rolling", "max_unavailable", "max_pods"), [
    ({"maxUnavailable": 2}, 2, 3),
    ({"maxUnavailable": 0, "maxSurge": 1}, 0, 4),
])
def test_rolling_update_budget(kroll: Kroll, ns: str, api_client, rolling: dict, max_unavailable: int,
                               max_pods: int) -> None:
    name, sel = "budget", "app=budget"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=daemonset(
        name, image="agent:1", labels={"app": "budget"}, template_annotations={"sim.kroll.dev/ready-after": "300ms"},
        strategy={"type": "RollingUpdate", "rollingUpdate": rolling}))
    rollout_status(kroll, ns, name)
    wait_until(lambda: len(ds_pods(kroll, ns, sel)) == 3, message="3 pods")
    with PodWatch(api_client, ns) as watcher:
        kroll.kubectl("-n", ns, "set", "image", f"ds/{name}", "app=agent:2")
        rollout_status(kroll, ns, name)
        watcher.wait_for(lambda pods: len(pods) == 3 and all(
            p["spec"]["containers"][0]["image"] == "agent:2" and is_ready(p) for p in pods.values()),
            message="3 updated ready pods")
    peak, peak_pods = _peak_unavailable(watcher, NODES)
    # never more nodes down than the budget, and the budget is used (not one node at a time)
    assert peak == max_unavailable
    assert peak_pods == max_pods


def test_on_delete_waits_for_deletions(kroll: Kroll, ns: str) -> None:
    name, sel = "manual", "app=manual"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=daemonset(
        name, image="agent:1", labels={"app": "manual"}, strategy={"type": "OnDelete"}))
    wait_until(lambda: len(live_images(kroll, ns, sel)) == 3 and
               get_json(kroll, ns, "ds", name)["status"].get("numberAvailable") == 3, message="3 pods")
    status = kroll.kubectl("-n", ns, "rollout", "status", f"ds/{name}", check=False)
    assert status.returncode == 1
    assert "rollout status is only available for RollingUpdate strategy type" in status.stderr

    kroll.kubectl("-n", ns, "set", "image", f"ds/{name}", "app=agent:2")
    wait_until(lambda: get_json(kroll, ns, "ds", name)["status"].get("observedGeneration") == 2,
               message="update observed")
    assert sorted(revisions(kroll, ns, sel)) == [1, 2]
    ds = get_json(kroll, ns, "ds", name)
    assert ds["status"].get("updatedNumberScheduled", 0) == 0
    assert live_images(kroll, ns, sel) == dict.fromkeys(NODES, "agent:1")

    # deleting one pod gets that node the new template; the others stay
    victim = next(p for p in ds_pods(kroll, ns, sel) if p["spec"]["nodeName"] == "kroll-node-1")
    kroll.kubectl("-n", ns, "delete", "pod", victim["metadata"]["name"])
    wait_until(lambda: live_images(kroll, ns, sel) == {"kroll-node-1": "agent:2", "kroll-node-2": "agent:1",
                                                       "kroll-node-3": "agent:1"}, message="node 1 replaced")
    wait_until(lambda: get_json(kroll, ns, "ds", name)["status"].get("updatedNumberScheduled") == 1,
               message="1 updated")

    # rolling back the template does not touch the pods either
    kroll.kubectl("-n", ns, "rollout", "undo", f"ds/{name}")
    wait_until(lambda: sorted(revisions(kroll, ns, sel)) == [2, 3], message="revision 1 rolled forward to 3")
    assert live_images(kroll, ns, sel) == {"kroll-node-1": "agent:2", "kroll-node-2": "agent:1",
                                           "kroll-node-3": "agent:1"}
    wait_until(lambda: get_json(kroll, ns, "ds", name)["status"].get("updatedNumberScheduled") == 2,
               message="2 updated after rollback")


def test_undo_replaces_a_broken_release(kroll: Kroll, ns: str) -> None:
    """A release whose pods never become ready stalls the update at maxUnavailable nodes;
    `rollout undo` alone recovers, because an old pod that is not available is replaced at once."""
    name, sel = "broken", "app=broken"
    kroll.kubectl("-n", ns, "apply", "-f", "-", input=daemonset(name, image="agent:1", labels={"app": "broken"}))
    rollout_status(kroll, ns, name)
    kroll.kubectl("-n", ns, "patch", "ds", name, "-p",
                  '{"spec":{"template":{"metadata":{"annotations":{"sim.kroll.dev/behavior":"never-ready"}}}}}')
    hash2 = wait_until(lambda: (revisions(kroll, ns, sel).get(2) or {}).get("metadata", {}).get("labels", {})
                       .get("controller-revision-hash"), message="revision 2")

    def stalled() -> bool:
        pods = [p for p in ds_pods(kroll, ns, sel) if not is_terminating(p)]
        broken = [p for p in pods if revision_label(p) == hash2 and p["status"].get("containerStatuses")]
        return len(pods) == 3 and len(broken) == 1 and not is_ready(broken[0])

    wait_until(stalled, message="one node on the broken release")
    status = kroll.kubectl("-n", ns, "rollout", "status", f"ds/{name}", "--watch=false").stdout
    assert status == f'Waiting for daemon set "{name}" rollout to finish: 1 out of 3 new pods have been updated...\n'
    kept = {p["metadata"]["uid"] for p in ds_pods(kroll, ns, sel) if revision_label(p) != hash2}

    assert kroll.kubectl("-n", ns, "rollout", "undo", f"ds/{name}").stdout == f"daemonset.apps/{name} rolled back\n"
    rollout_status(kroll, ns, name)
    wait_until(lambda: len(ds_pods(kroll, ns, sel)) == 3, message="3 pods")
    pods = ds_pods(kroll, ns, sel)
    assert all(is_ready(p) for p in pods)
    assert {p["metadata"]["uid"] for p in pods} >= kept  # the two healthy pods were left alone
    assert sorted(revisions(kroll, ns, sel)) == [2, 3]
