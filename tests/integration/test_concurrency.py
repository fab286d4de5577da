"""Optimistic concurrency over HTTPS: many writers on one object, no lost update.

Writers do read-modify-write on one ConfigMap counter with the read resourceVersion as
precondition and retry on 409. Half of them use the official kubernetes client, half raw
HTTP. Every success must be one step of a single linear history (values 1..N in
resourceVersion order), and every update based on a stale resourceVersion must be refused
with a 409 Conflict Status. kubectl patch/annotate/label, which send no resourceVersion and
rely on the server's retry, must all land on one Deployment even while controllers write it.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException

from tests.integration.harness import Kroll, wait_until
from tests.integration.rawapi import RawApi, configmaps

THREADS = 16
INCREMENTS = 25


def _check_conflict_status(status: int, body: object, name: str) -> str | None:
    """None if this is the Status a stale update must get, else what is wrong with it."""
    if status != 409 or not isinstance(body, dict):
        return f"{status} {str(body)[:200]}"
    expected = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Conflict", "code": 409}
    wrong = {k: body.get(k) for k, v in expected.items() if body.get(k) != v}
    details = body.get("details") or {}
    if details.get("name") != name or details.get("kind") != "configmaps":
        wrong["details"] = details
    if "the object has been modified" not in body.get("message", ""):
        wrong["message"] = body.get("message")
    return f"bad 409 Status: {wrong}" if wrong else None


class _RawWriter:
    def __init__(self, api: RawApi, ns: str, name: str) -> None:
        self.api, self.path, self.name = api, configmaps(ns, name), name

    def read(self) -> dict:
        status, obj = self.api.get(self.path)
        assert status == 200, obj
        return obj

    def write(self, obj: dict) -> tuple[dict | None, str | None]:
        """(stored object, None) on success; (None, None) on a proper 409; (None, problem) otherwise."""
        status, body = self.api.put(self.path, obj)
        if status == 200:
            return body, None
        return None, _check_conflict_status(status, body, self.name)


class _OfficialWriter:
    def __init__(self, kubeconfig: str, ns: str, name: str) -> None:
        self.api_client = k8s_config.new_client_from_config(config_file=kubeconfig)
        self.core = k8s_client.CoreV1Api(self.api_client)
        self.ns, self.name = ns, name

    def read(self) -> dict:
        return self.api_client.sanitize_for_serialization(self.core.read_namespaced_config_map(self.name, self.ns))

    def write(self, obj: dict) -> tuple[dict | None, str | None]:
        try:
            stored = self.core.replace_namespaced_config_map(self.name, self.ns, obj)
        except ApiException as exc:
            return None, _check_conflict_status(exc.status, json.loads(exc.body), self.name)
        return self.api_client.sanitize_for_serialization(stored), None


def test_concurrent_read_modify_write_loses_no_update(kroll: Kroll, ns: str) -> None:
    api = RawApi(kroll.kubeconfig, maxsize=THREADS)
    status, created = api.post(configmaps(ns), {"metadata": {"name": "counter"}, "data": {"value": "0"}})
    assert status == 201, created
    lock = threading.Lock()
    successes: list[tuple[int, int, int]] = []  # (resourceVersion, value, writer)
    conflicts = [0]
    stale_refused = [0]
    problems: list[str] = []

    def writer(w: int) -> None:
        rw = _OfficialWriter(str(kroll.kubeconfig), ns, "counter") if w % 2 else _RawWriter(api, ns, "counter")
        try:
            done = 0
            while done < INCREMENTS:
                obj = rw.read()
                value = int(obj["data"]["value"]) + 1
                obj["data"]["value"] = str(value)
                stored, problem = rw.write(obj)  # obj carries the resourceVersion it was read at
                if problem:
                    with lock:
                        problems.append(f"writer {w}: {problem}")
                    return
                if stored is None:
                    with lock:
                        conflicts[0] += 1
                    continue
                done += 1
                with lock:
                    successes.append((int(stored["metadata"]["resourceVersion"]), int(stored["data"]["value"]), w))
                # The same write again is now certainly stale (our own write moved the object on).
                obj["data"]["value"] = "stale"
                stored, problem = rw.write(obj)
                with lock:
                    if stored is not None:
                        problems.append(f"writer {w}: a stale update succeeded: {stored['metadata']}")
                    elif problem:
                        problems.append(f"writer {w}: stale update: {problem}")
                    else:
                        stale_refused[0] += 1
        finally:
            if isinstance(rw, _OfficialWriter):
                rw.api_client.close()

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(writer, w) for w in range(THREADS)]:
            future.result()
    assert not problems, problems[:5]

    total = THREADS * INCREMENTS
    status, final = api.get(configmaps(ns, "counter"))
    api.close()
    assert status == 200
    assert int(final["data"]["value"]) == total == len(successes)
    assert stale_refused[0] == total
    assert conflicts[0] > 0, "the writers never raced: the test proves nothing"
    # One linear history: sorted by resourceVersion, the successes wrote 1, 2, ..., total.
    successes.sort()
    assert [value for _, value, _ in successes] == list(range(1, total + 1))
    assert len({rv for rv, _, _ in successes}) == total
    assert int(final["metadata"]["resourceVersion"]) == successes[-1][0]


def test_concurrent_kubectl_patches_on_one_deployment_all_land(kroll: Kroll, ns: str) -> None:
    kroll.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "-n", ns)
    commands = []
    for i in range(6):
        commands.append(("annotate", "deployment", "web", f"note-{i}=v{i}"))
        commands.append(("label", "deployment", "web", f"lab-{i}=v{i}"))
    for i in range(3):
        commands.append(("patch", "deployment", "web", "--type=merge",
                         "-p", json.dumps({"metadata": {"annotations": {f"merge-{i}": "yes"}}})))
        commands.append(("patch", "deployment", "web",  # strategic merge on the template: a rollout each
                         "-p", json.dumps({"spec": {"template": {"metadata": {"annotations": {f"tpl-{i}": "yes"}}}}})))
    with ThreadPoolExecutor(len(commands)) as pool:
        results = list(pool.map(lambda args: kroll.kubectl(*args, "-n", ns, check=False), commands))
    failed = [(c, r.returncode, r.stderr.strip()) for c, r in zip(commands, results, strict=True) if r.returncode]
    assert not failed, f"{len(failed)} of {len(commands)} concurrent kubectl writes failed: {failed[:4]}"

    dep = json.loads(kroll.kubectl("get", "deployment", "web", "-n", ns, "-o", "json").stdout)
    annotations = dep["metadata"].get("annotations", {})
    labels = dep["metadata"].get("labels", {})
    template = dep["spec"]["template"]["metadata"].get("annotations", {})
    for i in range(6):
        assert annotations.get(f"note-{i}") == f"v{i}", annotations
        assert labels.get(f"lab-{i}") == f"v{i}", labels
    for i in range(3):
        assert annotations.get(f"merge-{i}") == "yes", annotations
        assert template.get(f"tpl-{i}") == "yes", template
    # The rollouts the template patches started converge on one ReplicaSet with every annotation.
    wait_until(lambda: kroll.kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=2s",
                                     check=False).returncode == 0, timeout=30, interval=0.2,
               message="deployment web rolled out")
