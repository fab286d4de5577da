"""`kill -9` of `kroll up` in the middle of a 1,000-replica rolling update, then a restart on
the same data dir (issue 3).

Each trial: a fresh `kroll up`, a 1,000-replica Deployment (25 %/25 %, pods Ready at once)
settled at nginx:1.0, one uncrashed rollout to nginx:2.0 to measure how long a rollout
takes on this machine right now (D), then `kubectl set image ... nginx:3.0` and a SIGKILL
after a random delay in [0.05 D, 0.9 D]. `kroll up` is started again on the same data dir
and port, and `kubectl rollout status` must succeed. Meanwhile:

* four acknowledged-write recorders create ConfigMaps over HTTPS back to back and record
  every 201; after the restart every one of them must exist (none lost), and the store
  revision must not be below the highest resourceVersion acknowledged before the kill nor
  below the last one the pod watch delivered (a watch event goes out only once committed);
* the invariant sampler of bench/rollout.py (pod LISTs, ReplicaSet statuses, and a pod
  watch replaying every revision) keeps running across the crash: it retries while the
  server is down and the watch resumes from its last resourceVersion;
* a pod watch in this process tracks which pods exist, to tell whether the kill really
  fell mid-rollout (old pods left, new ones missing) and to catch a pod name seen live
  twice under two uids.

Reported per trial: kill delay and the rollout's progress at the kill, seconds from the
restart's exec to the first successful API request (target <= 2 s) and to the ready line,
seconds from the restart to `rollout status` success and from `set image` to it, writes
acknowledged before the kill and lost, invariants, end state (exactly 1,000 pods, all from
the nginx:3.0 ReplicaSet, revisions), duplicate names, and `PRAGMA integrity_check`.

Usage: bench/rollout_crash.py [--trials 10] [--replicas 1000] [--seed N] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import shutil
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rollout_lib import (
    Api,
    Kroll,
    Sampler,
    Steal,
    create_deployment,
    dump,
    median,
    nodes_for,
    pods_path,
    wait_quiet,
    wait_settled,
)

NAME = "web"
API_TARGET_S = 2.0
ACK_WRITERS = 4  # concurrent acknowledged-write recorders
HASH = "pod-template-hash"


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


class AckRecorder(threading.Thread):
    """Creates ConfigMaps back to back; remembers those the API acknowledged (201)."""

    def __init__(self, api: Api, prefix: str) -> None:
        super().__init__(daemon=True)
        self.api, self.prefix = api, prefix
        self.acked: list[tuple[float, str, int]] = []  # (perf_counter at ack, name, resourceVersion)
        self.failures = 0
        self.stop_flag = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop_flag.is_set():
            name = f"{self.prefix}-{i}"
            i += 1
            body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"bench": "ack"}},
                    "data": {"i": str(i)}}
            try:
                code, raw = self.api.request("POST", "/api/v1/namespaces/default/configmaps", body)
            except Exception:
                self.failures += 1
                self.api.close()
                time.sleep(0.02)
                continue
            if code == 201:
                self.acked.append((time.perf_counter(), name, int(orjson.loads(raw)["metadata"]["resourceVersion"])))
            else:
                self.failures += 1
                time.sleep(0.02)
            time.sleep(0.002)


class PodTracker(threading.Thread):
    """Live pods by name (hash, uid) from a watch that resumes after a crash from its last rv."""

    def __init__(self, api: Api) -> None:
        super().__init__(daemon=True)
        self.api = api
        body = api.get_json(pods_path("default", f"app={NAME}"))
        self.live: dict[str, tuple[str, str]] = {
            p["metadata"]["name"]: (p["metadata"]["labels"].get(HASH, ""), p["metadata"]["uid"]) for p in body["items"]}
        self.rv = body["metadata"]["resourceVersion"]
        self.duplicates: list[str] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self._conn: http.client.HTTPSConnection | None = None

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            counts: dict[str, int] = {}
            for h, _ in self.live.values():
                counts[h] = counts.get(h, 0) + 1
            return counts

    def run(self) -> None:
        while not self.stop_flag.is_set():
            try:
                conn = http.client.HTTPSConnection(self.api.host, self.api.port, context=self.api.ctx, timeout=10)
                self._conn = conn
                conn.request("GET", pods_path("default", f"app={NAME}") + f"&watch=true&resourceVersion={self.rv}",
                             headers={"Authorization": f"Bearer {self.api.token}"})
                resp = conn.getresponse()
                if resp.status != 200:
                    self.errors.append(f"watch {resp.status}")
                    time.sleep(0.1)
                    continue
                conn.sock.settimeout(None)
                while not self.stop_flag.is_set():
                    line = resp.readline()
                    if not line:
                        break
                    ev = orjson.loads(line)
                    obj = ev["object"]
                    if ev["type"] == "ERROR":
                        self.errors.append(str(obj.get("message")))
                        break
                    self.rv = obj["metadata"]["resourceVersion"]
                    if ev["type"] == "BOOKMARK":
                        continue
                    md = obj["metadata"]
                    with self.lock:
                        if ev["type"] == "DELETED":
                            self.live.pop(md["name"], None)
                        else:
                            seen = self.live.get(md["name"])
                            if seen is not None and seen[1] != md["uid"]:
                                self.duplicates.append(md["name"])
                            self.live[md["name"]] = (md["labels"].get(HASH, ""), md["uid"])
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.05)  # the server is down: resume from self.rv once it is back

    def stop(self) -> None:
        self.stop_flag.set()
        if self._conn is not None and self._conn.sock is not None:
            with contextlib.suppress(OSError):
                self._conn.sock.shutdown(socket.SHUT_RDWR)
        self.join(5)


def first_ok(api_factory, exec_at: float, out: dict[str, float], timeout: float = 60.0) -> threading.Thread:
    """Poll GET .../pods?limit=1 every 10 ms from `exec_at`; record seconds to the first 200."""

    def run() -> None:
        api = api_factory()
        api.timeout = 2
        while time.perf_counter() - exec_at < timeout:
            try:
                code, _ = api.request("GET", "/api/v1/namespaces/default/pods?limit=1")
                if code == 200:
                    out["api_usable_s"] = time.perf_counter() - exec_at
                    return
            except Exception:
                api.close()
            time.sleep(0.01)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def one_trial(replicas: int, rng: random.Random, trial: int, *, keep: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"kroll-bench-crash-{trial}-"))
    k = Kroll(tmp / "data", nodes=nodes_for(replicas))
    surge, unavailable = -(-replicas * 25 // 100), replicas * 25 // 100
    try:
        k.start()
        api = k.api()
        create_deployment(k, NAME, replicas, "nginx:1.0")
        wait_settled(api, NAME, replicas, timeout=900)
        wait_quiet(api)
        t = time.perf_counter()
        k.kubectl("set", "image", f"deployment/{NAME}", "app=nginx:2.0")
        k.kubectl("rollout", "status", f"deployment/{NAME}", "--timeout=900s", timeout=1000)
        calibration = time.perf_counter() - t
        wait_settled(api, NAME, replicas, timeout=900)
        wait_quiet(api)
        old_hash = api.get_json(pods_path("default", f"app={NAME}") + "&limit=1")["items"][0]["metadata"]["labels"][HASH]

        tracker = PodTracker(k.api())
        tracker.start()
        sampler = Sampler(k.kubeconfig, "default", f"app={NAME}", reconnect=True).start()
        recorders = [AckRecorder(k.api(), f"ack{trial}-{j}") for j in range(ACK_WRITERS)]
        for r in recorders:
            r.start()
        steal = Steal()
        load0 = os.getloadavg()[0]
        delay = rng.uniform(0.05, 0.9) * calibration
        w0 = time.time()
        t0 = time.perf_counter()
        k.kubectl("set", "image", f"deployment/{NAME}", "app=nginx:3.0")
        time.sleep(max(0.0, t0 + delay - time.perf_counter()))
        at_kill = tracker.snapshot()
        rv_seen_before_kill = int(tracker.rv)  # watch events go out only once committed
        k.kill9()
        t_kill = time.perf_counter()
        acked_before = [a for r in recorders for a in r.acked if a[0] <= t_kill]
        restart: dict[str, float] = {}
        poller: list[threading.Thread] = []
        ready_s = k.start(on_exec=lambda at: (restart.setdefault("exec_at", at),
                                              poller.append(first_ok(k.api, at, restart))))
        poller[0].join(60)
        t_restart = restart["exec_at"]
        rv_after = api.list_rv()
        k.kubectl("rollout", "status", f"deployment/{NAME}", "--timeout=900s", timeout=1000)
        t_done = time.perf_counter()
        w1 = time.time()
        for r in recorders:
            r.stop_flag.set()
        for r in recorders:
            r.join(5)
        noise = steal.stop()
        invariants = sampler.stop(window=(w0, w1), min_available=replicas - unavailable, max_exist=replicas + surge)
        tracker.stop()
        wait_settled(api, NAME, replicas, timeout=300)

        present = {cm["metadata"]["name"] for cm in
                   api.get_json("/api/v1/namespaces/default/configmaps?labelSelector=bench=ack")["items"]}
        lost = [name for _, name, _ in acked_before if name not in present]
        max_acked_rv = max((rv for _, _, rv in acked_before), default=0)
        pods = api.get_json(pods_path("default", f"app={NAME}"))["items"]
        names = [p["metadata"]["name"] for p in pods]
        new_hashes = {p["metadata"]["labels"][HASH] for p in pods}
        d = api.get_json(f"/apis/apps/v1/namespaces/default/deployments/{NAME}")
        api.close()
        k.stop()
        new_at_kill = sum(n for h, n in at_kill.items() if h not in (old_hash, ""))
        checks = {
            "no_acknowledged_write_lost": not lost,
            "revision_not_behind_acks": rv_after >= max(max_acked_rv, rv_seen_before_kill),
            "api_usable_within_2s": restart.get("api_usable_s", 1e9) <= API_TARGET_S,
            "rollout_completed": True,  # rollout status returned 0 (it raises otherwise)
            "exactly_replicas_pods_all_new": len(pods) == replicas and len(new_hashes) == 1
            and old_hash not in new_hashes,
            "no_duplicate_pod_names": len(names) == len(set(names)) and not tracker.duplicates,
            "deployment_revision_3": (d["metadata"].get("annotations") or {}).get(
                "deployment.kubernetes.io/revision") == "3",
            "invariants": invariants["ok"],
            "db_integrity": integrity(k.data_dir / "kroll.db") == "ok",
        }
        return {
            "trial": trial,
            "calibration_rollout_s": round(calibration, 3),
            "kill_after_set_image_s": round(t_kill - t0, 3),
            "kill_fraction_of_calibration": round((t_kill - t0) / calibration, 2),
            "at_kill_pods_old_hash": at_kill.get(old_hash, 0),
            "at_kill_pods_new_hash": new_at_kill,
            "mid_rollout": at_kill.get(old_hash, 0) > 0 or new_at_kill < replicas,
            "restart_api_usable_s": round(restart["api_usable_s"], 3) if "api_usable_s" in restart else None,
            "restart_ready_line_s": round(ready_s, 3),
            "restart_to_rollout_complete_s": round(t_done - t_restart, 3),
            "set_image_to_rollout_complete_s": round(t_done - t0, 3),
            "acked_writes_before_kill": len(acked_before),
            "acked_writes_lost": len(lost),
            "ack_failures_during_outage": sum(r.failures for r in recorders),
            "max_acked_rv_before_kill": max_acked_rv,
            "pod_watch_rv_before_kill": rv_seen_before_kill,
            "rv_after_restart": rv_after,
            "pod_watch_errors": tracker.errors,
            **noise,
            "loadavg_1m_at_start": round(load0, 2),
            "invariants": invariants,
            "checks": checks,
            "ok": all(checks.values()),
        }
    finally:
        k.stop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--replicas", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the data dirs")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    trials = []
    for i in range(args.trials):
        log(f"crash: trial {i + 1}/{args.trials}")
        r = one_trial(args.replicas, rng, i + 1, keep=args.keep)
        log(f"  kill at {r['kill_after_set_image_s']} s (old {r['at_kill_pods_old_hash']} / new "
            f"{r['at_kill_pods_new_hash']} pods), API usable {r['restart_api_usable_s']} s after exec, done "
            f"{r['restart_to_rollout_complete_s']} s after restart, acked {r['acked_writes_before_kill']} lost "
            f"{r['acked_writes_lost']}, ok {r['ok']}" + ("" if r["ok"] else f" {r['checks']}"))
        trials.append(r)
    dump({
        "benchmark": "rollout_crash",
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "replicas": args.replicas,
        "seed": seed,
        "trials": trials,
        "passed": sum(1 for t in trials if t["ok"]),
        "mid_rollout_kills": sum(1 for t in trials if t["mid_rollout"]),
        "acked_writes_lost_total": sum(t["acked_writes_lost"] for t in trials),
        "median": {key: median([t[key] for t in trials if t.get(key) is not None])
                   for key in ("restart_api_usable_s", "restart_ready_line_s", "restart_to_rollout_complete_s",
                               "set_image_to_rollout_complete_s", "steal_pct")},
        "max_restart_api_usable_s": max((t["restart_api_usable_s"] or 1e9) for t in trials) if trials else None,
    })


if __name__ == "__main__":
    main()
