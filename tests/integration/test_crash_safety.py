"""Issue 2's durability proofs against a real `kroll up`: kill -9 in the middle of a write burst.

Every write the server acknowledged (a 2xx carrying the stored object) must survive the
crash with at least the acknowledged content; writes whose response never arrived may or
may not be there, but never half-written. Each round runs 24 writers over HTTPS (creators
of ~3 KB ConfigMaps that also delete some of their own with uid/resourceVersion
preconditions, and updaters doing read-modify-write on shared counters with
resourceVersion preconditions), kills the server after a random number of acknowledged
writes, restarts it on the same data dir and checks the ledger against what came back.
The rounds share one data dir, so later rounds also crash a store that recovered before.

Set KROLL_CRASH_SEED to replay a failing run's kill points.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.harness import KUBECTL, Kroll, wait_until
from tests.integration.rawapi import ConnectionLost, RawApi, configmaps

NS = "crash"
COUNTERS = [f"counter-{i}" for i in range(8)]
WRITERS = 24
UPDATERS = 8  # writers 0..7 update counters, the others create and delete
ROUNDS = 3
KILL_AFTER = (150, 1200)  # acknowledged writes before the kill, drawn per round

# Everything kroll serves that a crash could damage, checked after every restart.
ALL_LISTS = [
    "/api/v1/namespaces", "/api/v1/nodes", "/api/v1/pods", "/api/v1/configmaps", "/api/v1/secrets",
    "/api/v1/services", "/api/v1/endpoints", "/api/v1/serviceaccounts", "/api/v1/events",
    "/apis/apps/v1/deployments", "/apis/apps/v1/replicasets", "/apis/apps/v1/statefulsets",
    "/apis/apps/v1/daemonsets", "/apis/apps/v1/controllerrevisions", "/apis/coordination.k8s.io/v1/leases",
]


def payload(name: str) -> str:
    """~3 KB of content that is a function of the name, so any torn or mixed-up value shows."""
    return hashlib.sha256(name.encode()).hexdigest() * 48


def rv_of(obj: dict) -> int:
    return int(obj["metadata"]["resourceVersion"])


@dataclass
class Ledger:
    """What the server acknowledged, across rounds; guarded by `cond`."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    acks: int = 0  # acknowledged writes in the current round
    acked_rvs: list[int] = field(default_factory=list)  # this round's, in no particular order
    max_rv: int = 0  # the greatest resourceVersion seen before the latest crash
    live: dict[str, tuple[str, int]] = field(default_factory=dict)  # created ConfigMap -> (uid, rv)
    deleted: set[str] = field(default_factory=set)  # acknowledged deletes
    unknown_creates: set[str] = field(default_factory=set)
    unknown_deletes: set[str] = field(default_factory=set)
    counters: dict[str, tuple[int, int]] = field(default_factory=dict)  # counter -> newest acked (value, rv)
    unknown_values: dict[str, set[int]] = field(default_factory=dict)  # counter -> values maybe written
    errors: list[str] = field(default_factory=list)
    writers_done: int = 0
    # How this round ends: after `kill_after` acks, either SIGKILL `pid` right there, from the
    # writer thread that got the ack (the writes acknowledged just before had the least time
    # to reach the disk), or, when `quiet`, stop the writers and let the test kill an idle server.
    pid: int = 0
    kill_after: int = 0
    quiet: bool = False
    stop: bool = False

    def ack(self, rv: int | None) -> None:
        """Count one acknowledged write (rv: the resourceVersion it answered with, if any)."""
        self.acks += 1
        if rv is not None:
            self.acked_rvs.append(rv)
        if self.acks == self.kill_after:
            if self.quiet:
                self.stop = True
            else:
                os.kill(self.pid, signal.SIGKILL)
        self.cond.notify_all()

    def stopping(self) -> bool:
        with self.cond:
            return self.stop


def _creator(api: RawApi, ledger: Ledger, rnd: int, w: int) -> None:
    mine: list[tuple[str, str, int]] = []  # (name, uid, rv) this writer created and has not deleted
    i = 0
    while not ledger.stopping():
        name = f"r{rnd}-w{w}-{i}"
        i += 1
        body = {"metadata": {"name": name, "labels": {"round": str(rnd)}}, "data": {"payload": payload(name)}}
        try:
            status, obj = api.post(configmaps(NS), body)
        except ConnectionLost:
            with ledger.cond:
                ledger.unknown_creates.add(name)
            return
        if status != 201 or obj["data"]["payload"] != body["data"]["payload"]:
            with ledger.cond:
                ledger.errors.append(f"create {name}: {status} {str(obj)[:300]}")
            return
        uid, rv = obj["metadata"]["uid"], rv_of(obj)
        mine.append((name, uid, rv))
        with ledger.cond:
            ledger.live[name] = (uid, rv)
            ledger.ack(rv)
        if i % 4 == 0:  # delete the oldest of ours, with preconditions on both uid and resourceVersion
            victim, vuid, vrv = mine.pop(0)
            options = {"kind": "DeleteOptions", "apiVersion": "v1",
                       "preconditions": {"uid": vuid, "resourceVersion": str(vrv)}}
            try:
                status, obj = api.delete(configmaps(NS, victim), options)
            except ConnectionLost:
                with ledger.cond:
                    ledger.unknown_deletes.add(victim)
                return
            # 200 with a Success Status (upstream's answer for an immediate delete) or the object
            if status != 200 or not (obj.get("status") == "Success" or obj["metadata"]["uid"] == vuid):
                with ledger.cond:
                    ledger.errors.append(f"delete {victim}: {status} {str(obj)[:300]}")
                return
            with ledger.cond:
                ledger.deleted.add(victim)
                del ledger.live[victim]
                ledger.ack(rv_of(obj) if obj.get("kind") == "ConfigMap" else None)


def _updater(api: RawApi, ledger: Ledger, seed: int, w: int) -> None:
    rng = random.Random(seed * 1000 + w)
    while not ledger.stopping():
        counter = rng.choice(COUNTERS)
        try:
            status, obj = api.get(configmaps(NS, counter))
        except ConnectionLost:
            return
        if status != 200:
            with ledger.cond:
                ledger.errors.append(f"get {counter}: {status} {str(obj)[:300]}")
            return
        value = int(obj["data"]["value"]) + 1
        read_rv = rv_of(obj)
        obj["data"]["value"] = str(value)
        obj["data"]["by"] = f"w{w}"
        try:
            status, new = api.put(configmaps(NS, counter), obj)  # the read resourceVersion is the precondition
        except ConnectionLost:
            with ledger.cond:
                ledger.unknown_values.setdefault(counter, set()).add(value)
            return
        if status == 409 and new.get("reason") == "Conflict":
            continue
        if status != 200 or new["data"]["value"] != str(value) or rv_of(new) <= read_rv:
            with ledger.cond:
                ledger.errors.append(f"update {counter} to {value}: {status} {str(new)[:300]}")
            return
        with ledger.cond:
            if value > ledger.counters[counter][0]:
                ledger.counters[counter] = (value, rv_of(new))
            ledger.ack(rv_of(new))


def _run_burst_and_kill(k: Kroll, ledger: Ledger, rnd: int, seed: int, kill_after: int, *, quiet: bool) -> None:
    api = RawApi(k.kubeconfig, maxsize=WRITERS + 2)

    def run(target, *args) -> None:
        try:
            target(*args)
        except Exception:  # a test bug or an unexpected reply shape: report it, never hang
            with ledger.cond:
                ledger.errors.append(f"writer crashed: {traceback.format_exc(limit=-2)}")
        finally:
            with ledger.cond:
                ledger.writers_done += 1
                ledger.cond.notify_all()

    assert k.proc is not None
    with ledger.cond:
        ledger.acks, ledger.acked_rvs, ledger.writers_done = 0, [], 0
        ledger.unknown_values = {}
        ledger.pid, ledger.kill_after, ledger.quiet, ledger.stop = k.proc.pid, kill_after, quiet, False
    threads = [threading.Thread(target=run, args=(_updater, api, ledger, seed, w) if w < UPDATERS
                                else (_creator, api, ledger, rnd, w), daemon=True)
               for w in range(WRITERS)]
    for t in threads:
        t.start()
    # Mid-burst, the writer that gets the kill_after-th ack kills the server and the others lose
    # their connections; quiet, they stop on their own once it came.
    with ledger.cond:
        finished = ledger.cond.wait_for(lambda: ledger.writers_done == WRITERS, timeout=30)
        acks = ledger.acks
    k.kill9()  # quiet: an idle server that answered everything; mid-burst: reaps the killed process
    for t in threads:
        t.join(5)
    api.close()
    assert finished, "writers still running 30 s after the kill"
    assert not ledger.errors, f"seed {seed} round {rnd}: unexpected replies during the burst: {ledger.errors[:5]}"
    assert acks >= kill_after, f"seed {seed} round {rnd}: only {acks} writes acknowledged (wanted {kill_after})"
    if quiet:
        assert not ledger.unknown_creates and not ledger.unknown_deletes and not ledger.unknown_values
    # every revision handed out after a restart lies beyond everything seen before the crash
    assert min(ledger.acked_rvs) > ledger.max_rv, f"seed {seed} round {rnd}: a resourceVersion went backwards"


def _check_everything_decodes(api: RawApi) -> int:
    """Every stored object of every kind decodes, carries its identity, and is there once.
    Returns the greatest resourceVersion seen."""
    uids: Counter[str] = Counter()
    max_rv = 0
    for path in ALL_LISTS:
        status, listed = api.get(path)
        assert status == 200, f"GET {path}: {status} {listed}"
        assert isinstance(listed, dict), f"GET {path} did not return JSON: {str(listed)[:300]}"
        list_rv = int(listed["metadata"]["resourceVersion"])
        keys: Counter[tuple[str, str]] = Counter()
        for item in listed["items"]:
            md = item.get("metadata") or {}
            for required in ("name", "uid", "creationTimestamp", "resourceVersion"):
                assert md.get(required), f"{path}: object without metadata.{required}: {str(item)[:300]}"
            assert item.get("kind") and item.get("apiVersion"), f"{path}: object without kind: {md['name']}"
            rv = rv_of(item)
            assert 0 < rv <= list_rv, f"{path} {md['name']}: resourceVersion {rv} beyond the list's {list_rv}"
            max_rv = max(max_rv, rv)
            keys[(md.get("namespace", ""), md["name"])] += 1
            uids[md["uid"]] += 1
        dupes = [key for key, n in keys.items() if n > 1]
        assert not dupes, f"{path}: duplicated objects {dupes[:5]}"
    dupes = [uid for uid, n in uids.items() if n > 1]
    assert not dupes, f"uids shared by several objects: {dupes[:5]}"
    return max_rv


def _verify_after_restart(k: Kroll, ledger: Ledger, rnd: int, seed: int) -> None:
    where = f"seed {seed} round {rnd}"
    api = RawApi(k.kubeconfig)
    try:
        status, listed = api.get(configmaps(NS))
        assert status == 200, f"{where}: list configmaps: {status} {listed}"
        found = {item["metadata"]["name"]: item for item in listed["items"]}

        # A delete in flight at the kill may or may not have happened; everything else must be there.
        lost = [name for name in ledger.live if name not in found and name not in ledger.unknown_deletes]
        assert not lost, f"{where}: acknowledged creates lost in the crash: {lost[:10]} ({len(lost)})"
        for name, (uid, rv) in ledger.live.items():
            item = found.get(name)
            if item is None:
                continue
            assert item["metadata"]["uid"] == uid, f"{where}: {name} came back as another object"
            assert rv_of(item) == rv, f"{where}: {name} is at resourceVersion {rv_of(item)}, acknowledged {rv}"
            assert item["data"] == {"payload": payload(name)}, f"{where}: {name} content damaged"
        resurrected = [name for name in ledger.deleted if name in found]
        assert not resurrected, f"{where}: acknowledged deletes undone by the crash: {resurrected[:10]}"

        for name in ledger.unknown_creates:  # in flight at the kill: all or nothing
            if name in found:
                item = found[name]
                assert item["data"] == {"payload": payload(name)}, f"{where}: in-flight create {name} is torn"
                ledger.live[name] = (item["metadata"]["uid"], rv_of(item))
        for name in ledger.unknown_deletes:
            if name not in found:
                ledger.live.pop(name, None)
                ledger.deleted.add(name)
        ledger.unknown_creates, ledger.unknown_deletes = set(), set()

        for counter in COUNTERS:
            item = found.get(counter)
            assert item is not None, f"{where}: counter {counter} lost"
            value, rv = int(item["data"]["value"]), rv_of(item)
            acked_value, acked_rv = ledger.counters[counter]
            if value == acked_value:
                assert rv == acked_rv, f"{where}: {counter}={value} at rv {rv}, acknowledged at rv {acked_rv}"
            else:
                maybe = ledger.unknown_values.get(counter, set())
                assert value > acked_value and value in maybe, (
                    f"{where}: {counter}={value} after the crash; acknowledged {acked_value}, "
                    f"in flight {sorted(maybe)}: an acknowledged update was lost or a value was invented")
            ledger.counters[counter] = (value, rv)

        expected = set(ledger.live) | set(COUNTERS) | {name for name in found if name.startswith("after-")}
        phantoms = sorted(set(found) - expected)
        assert not phantoms, f"{where}: objects nobody wrote: {phantoms[:10]}"

        max_rv = _check_everything_decodes(api)
        assert max_rv >= max(ledger.acked_rvs, default=0), f"{where}: the store went back in time"

        # New writes get resourceVersions beyond everything before the crash, strictly increasing.
        before = max(ledger.max_rv, *ledger.acked_rvs, max_rv)
        status, marker = api.post(configmaps(NS), {"metadata": {"name": f"after-{rnd}"}, "data": {"n": "0"}})
        assert status == 201, f"{where}: write after restart: {status} {marker}"
        rvs = [rv_of(marker)]
        for n in range(1, 4):
            marker["data"]["n"] = str(n)
            status, marker = api.put(configmaps(NS, f"after-{rnd}"), marker)
            assert status == 200, f"{where}: update after restart: {status} {marker}"
            rvs.append(rv_of(marker))
        assert rvs[0] > before, f"{where}: first write after restart got rv {rvs[0]}, not beyond {before}"
        assert rvs == sorted(set(rvs)), f"{where}: resourceVersions after restart not increasing: {rvs}"
        ledger.max_rv = rvs[-1]

        out = k.kubectl("get", "configmaps", "-n", NS, "--no-headers").stdout.splitlines()
        assert len(out) == len(found) + 1, f"{where}: kubectl lists {len(out)} configmaps, expected {len(found) + 1}"
    finally:
        api.close()


def test_kill9_during_write_burst_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    seed = int(os.environ.get("KROLL_CRASH_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    print(f"KROLL_CRASH_SEED={seed}")
    k = Kroll(tmp_path / "data").start()
    ledger = Ledger()
    api = RawApi(k.kubeconfig)
    assert api.post("/api/v1/namespaces", {"metadata": {"name": NS}})[0] == 201
    for counter in COUNTERS:
        status, obj = api.post(configmaps(NS), {"metadata": {"name": counter}, "data": {"value": "0"}})
        assert status == 201, obj
        ledger.counters[counter] = (0, rv_of(obj))
        ledger.max_rv = rv_of(obj)
    api.close()

    for rnd in range(ROUNDS):
        kill_after = rng.randint(*KILL_AFTER)
        _run_burst_and_kill(k, ledger, rnd, seed, kill_after, quiet=rnd == 1)
        k.start()
        _verify_after_restart(k, ledger, rnd, seed)

    assert k.stop() == 0


def _snapshot(api: RawApi) -> dict[str, dict[tuple[str, str], str]]:
    """uid of every object of the kinds a restart must keep, by (namespace, name)."""
    out = {}
    for path in ("/api/v1/nodes", "/api/v1/namespaces", "/apis/apps/v1/deployments", "/apis/apps/v1/replicasets",
                 "/api/v1/pods", "/api/v1/configmaps", "/api/v1/serviceaccounts", "/api/v1/services"):
        status, listed = api.get(path)
        assert status == 200, listed
        out[path] = {(i["metadata"].get("namespace", ""), i["metadata"]["name"]): i["metadata"]["uid"]
                     for i in listed["items"]}
    return out


def _web_ready(api: RawApi, ns: str) -> bool:
    status, dep = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    if status != 200:
        return False
    st = dep.get("status", {})
    if st.get("observedGeneration") != dep["metadata"]["generation"] or st.get("availableReplicas") != 3:
        return False
    status, pods = api.get(f"/api/v1/namespaces/{ns}/pods?labelSelector=app%3Dweb")
    return status == 200 and len(pods["items"]) == 3 and all(
        p.get("status", {}).get("phase") == "Running" for p in pods["items"])


def test_sigterm_is_clean_and_restart_resumes_every_object(tmp_path: Path) -> None:
    k = Kroll(tmp_path / "data", nodes=2).start()
    ns = f"keep-{uuid.uuid4().hex[:6]}"
    k.kubectl("create", "namespace", ns)
    k.kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "-n", ns)
    k.kubectl("create", "configmap", "settings", "--from-literal=mode=durable", "-n", ns)
    api = RawApi(k.kubeconfig)
    wait_until(lambda: _web_ready(api, ns), timeout=30, message="deployment web available with 3 running pods")
    before = _snapshot(api)
    assert len(before["/api/v1/nodes"]) == 2
    # What a user typically has open when stopping kroll: a watch, and pooled idle keep-alive connections.
    watch = subprocess.Popen([KUBECTL, "--kubeconfig", str(k.kubeconfig), "get", "pods", "-w", "-n", ns],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert watch.stdout is not None
    assert "NAME" in watch.stdout.readline() and "web-" in watch.stdout.readline()  # listed, now watching

    started = time.monotonic()
    code = k.stop()
    took = time.monotonic() - started
    stderr = k.stderr_text()
    api.close()
    try:
        watch.wait(10)
    finally:
        watch.kill()
    assert code == 0, f"SIGTERM exit code {code}; stderr:\n{stderr}"
    assert "Traceback" not in stderr and "ERROR" not in stderr, f"unclean shutdown:\n{stderr}"
    assert took < 10, f"SIGTERM shutdown took {took:.1f}s"

    k.start()
    api = RawApi(k.kubeconfig)
    try:
        after = _snapshot(api)
        for path, objects in before.items():
            missing = {key: uid for key, uid in objects.items() if after[path].get(key) != uid}
            assert not missing, f"{path}: objects lost or replaced by the restart: {missing}"
        wait_until(lambda: _web_ready(api, ns), timeout=30, message="deployment web available after restart")
        # The controllers resumed without re-creating anything: the same three pods, the same ReplicaSet.
        final = _snapshot(api)
        for path in ("/api/v1/pods", "/apis/apps/v1/replicasets", "/apis/apps/v1/deployments"):
            mine = {key: uid for key, uid in final[path].items() if key[0] == ns}
            assert mine == {key: uid for key, uid in before[path].items() if key[0] == ns}, path
        nodes = k.kubectl("get", "nodes", "--no-headers").stdout.split()
        assert nodes.count("Ready") == 2, nodes
        assert k.kubectl("get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.mode}").stdout == "durable"
    finally:
        api.close()
        assert k.stop() == 0
