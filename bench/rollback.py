"""Rollback of a 1,000-replica Deployment (issue 3): `kubectl rollout undo`.

Per run: a fresh `kroll up`, a 1,000-replica Deployment (maxSurge = maxUnavailable = 25 %,
pods Ready at once) rolled from nginx:1.0 to nginx:2.0 and settled, so that ReplicaSet A
(revision 1) is at 0 and B (revision 2) at 1,000. Then, with a watch of the pods and one of
the Deployment already open (from a LIST's resourceVersion, so nothing is missed):

    kubectl rollout undo deployment/web        (t0 = just before this command starts)
    kubectl rollout status deployment/web

Reported: the receive time of the first ADDED pod carrying A's pod-template-hash, after t0
(target <= 200 ms) and after the Deployment watch delivered the undo's template change (the
server-side part: what the controllers took once the undo was written); rollback complete
= `rollout status` succeeded (target <= 10 s); no new ReplicaSet (the same two names and
uids before and after; A now revision 3 with revision-history "1"); the 750/1,250 bounds
checked throughout as in bench/rollout.py; requests, writes, CPU, peak RSS, CPU steal.

Usage: bench/rollback.py [--replicas 1000] [--runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rollout_lib import (
    Api,
    Kroll,
    RssPeak,
    Sampler,
    Steal,
    create_deployment,
    dump,
    median,
    nodes_for,
    pods_path,
    request_delta,
    wait_quiet,
    wait_settled,
)

NAME = "web"
FIRST_POD_TARGET_S = 0.2
COMPLETE_TARGET_S = 10.0
REVISION = "deployment.kubernetes.io/revision"


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


class FirstEvent:
    """A watch (opened now, from `rv`) that records the perf_counter time of the first event
    satisfying `predicate` received after `armed_at` is set."""

    def __init__(self, api: Api, path: str, rv: str, predicate) -> None:
        self.api, self.predicate = api, predicate
        self.armed_at: float | None = None
        self.seen_at: float | None = None
        self.error: str | None = None
        self._conn = http.client.HTTPSConnection(api.host, api.port, context=api.ctx, timeout=30)
        sep = "&" if "?" in path else "?"
        self._conn.request("GET", f"{path}{sep}watch=true&resourceVersion={rv}",
                           headers={"Authorization": f"Bearer {api.token}"})
        self._resp = self._conn.getresponse()  # headers come back once the watch is registered
        if self._resp.status != 200:
            raise RuntimeError(f"watch {path}: {self._resp.status}")
        self._conn.sock.settimeout(None)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                line = self._resp.readline()
                now = time.perf_counter()
                if not line:
                    return
                if self.armed_at is None or self.seen_at is not None:
                    continue
                ev = orjson.loads(line)
                if self.predicate(ev):
                    self.seen_at = now
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if self.seen_at is None:
                self.error = repr(exc)

    def close(self) -> None:
        try:
            self._conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join(5)
        self._conn.close()


def replica_sets(api: Api) -> list[dict]:
    return api.get_json(f"/apis/apps/v1/namespaces/default/replicasets?labelSelector=app={NAME}")["items"]


def one_run(replicas: int, *, keep: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"kroll-bench-rollback-{replicas}-"))
    k = Kroll(tmp / "data", nodes=nodes_for(replicas))
    try:
        k.start()
        api = k.api()
        create_deployment(k, NAME, replicas, "nginx:1.0")
        wait_settled(api, NAME, replicas, timeout=900)
        k.kubectl("set", "image", f"deployment/{NAME}", "app=nginx:2.0")
        k.kubectl("rollout", "status", f"deployment/{NAME}", "--timeout=900s", timeout=1000)
        wait_settled(api, NAME, replicas, timeout=900)
        wait_quiet(api)
        before = {rs["metadata"]["name"]: rs for rs in replica_sets(api)}
        target = next(rs for rs in before.values() if rs["metadata"]["annotations"].get(REVISION) == "1")
        target_hash = target["metadata"]["labels"]["pod-template-hash"]

        rv = str(api.list_rv())
        first_pod = FirstEvent(api, pods_path("default", f"app={NAME}"), rv,
                               lambda ev: ev["type"] == "ADDED"
                               and ev["object"]["metadata"]["labels"].get("pod-template-hash") == target_hash)
        undo_seen = FirstEvent(api, f"/apis/apps/v1/namespaces/default/deployments?fieldSelector=metadata.name={NAME}",
                               rv, lambda ev: ev["type"] == "MODIFIED"
                               and ev["object"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.0")
        proc = psutil.Process(k.pid)
        rss = RssPeak(k.pid)
        sampler = Sampler(k.kubeconfig, "default", f"app={NAME}").start()
        m0, rv0, cpu0 = api.metrics(), api.list_rv(), proc.cpu_times()
        steal = Steal()
        load0 = os.getloadavg()[0]
        w0 = time.time()
        t0 = time.perf_counter()
        first_pod.armed_at = undo_seen.armed_at = t0
        undo = k.kubectl("rollout", "undo", f"deployment/{NAME}")
        t_undo = time.perf_counter()
        k.kubectl("rollout", "status", f"deployment/{NAME}", "--timeout=900s", timeout=1000)
        t_done = time.perf_counter()
        w1 = time.time()
        cpu1, noise = proc.cpu_times(), steal.stop()
        first_pod.close()
        undo_seen.close()
        wait_quiet(api)
        rv2, m2 = api.list_rv(), api.metrics()
        invariants = sampler.stop(window=(w0, w1), min_available=replicas - replicas * 25 // 100,
                                  max_exist=replicas + -(-replicas * 25 // 100))
        memory = rss.stop()
        after = {rs["metadata"]["name"]: rs for rs in replica_sets(api)}
        restored = after.get(target["metadata"]["name"], {})
        d = api.get_json(f"/apis/apps/v1/namespaces/default/deployments/{NAME}")
        requests = request_delta(m0, m2)
        checks = {
            "no_new_replicaset": sorted(after) == sorted(before)
            and all(after[n]["metadata"]["uid"] == before[n]["metadata"]["uid"] for n in before),
            "restored_rs_revision_3": (restored.get("metadata", {}).get("annotations") or {}).get(REVISION) == "3",
            "restored_rs_revision_history_1": (restored.get("metadata", {}).get("annotations") or {}).get(
                "deployment.kubernetes.io/revision-history") == "1",
            "deployment_revision_3": (d["metadata"].get("annotations") or {}).get(REVISION) == "3",
            "restored_rs_full": restored.get("spec", {}).get("replicas") == replicas
            and restored.get("status", {}).get("availableReplicas") == replicas,
            "other_rs_at_0": all(rs["spec"]["replicas"] == 0 for n, rs in after.items() if n != restored.get(
                "metadata", {}).get("name")),
        }
        checks["ok"] = all(checks.values())
        first_s = None if first_pod.seen_at is None else first_pod.seen_at - t0
        server_s = None if first_pod.seen_at is None or undo_seen.seen_at is None \
            else first_pod.seen_at - undo_seen.seen_at
        complete_s = t_done - t0
        result = {
            "replicas": replicas,
            "nodes": k.nodes,
            "first_pod_after_undo_call_s": None if first_s is None else round(first_s, 3),
            "first_pod_after_undo_written_s": None if server_s is None else round(server_s, 3),
            "undo_command_s": round(t_undo - t0, 3),
            "complete_s": round(complete_s, 3),
            "first_pod_target_met": first_s is not None and first_s <= FIRST_POD_TARGET_S,
            "complete_target_met": complete_s <= COMPLETE_TARGET_S,
            "watch_errors": [e for e in (first_pod.error, undo_seen.error) if e],
            "writes_settled": rv2 - rv0 - requests["heartbeat_writes"],
            "requests_settled": requests["requests"],
            "requests_by_source_verb_resource": requests["by_source_verb_resource"],
            "kroll_cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 2),
            **memory,
            **noise,
            "loadavg_1m_at_start": round(load0, 2),
            "invariants": invariants,
            "checks": checks,
            "undo_output": undo.stdout.strip(),
        }
        api.close()
        return result
    finally:
        k.stop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replicas", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the data dirs")
    args = ap.parse_args()
    runs = []
    for i in range(args.runs):
        log(f"rollback: {args.replicas} replicas, run {i + 1}/{args.runs}")
        r = one_run(args.replicas, keep=args.keep)
        log(f"  first pod {r['first_pod_after_undo_call_s']} s after the call "
            f"({r['first_pod_after_undo_written_s']} s after the undo was written), complete {r['complete_s']} s, "
            f"steal {r['steal_pct']} %, invariants {r['invariants']['ok']}, checks {r['checks']['ok']}")
        runs.append(r)
    keys = ("first_pod_after_undo_call_s", "first_pod_after_undo_written_s", "undo_command_s", "complete_s",
            "writes_settled", "requests_settled", "kroll_cpu_s", "rss_peak_mib_vmhwm", "steal_pct")
    med = {key: median([r[key] for r in runs if r.get(key) is not None]) for key in keys}
    dump({
        "benchmark": "rollback",
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "replicas": args.replicas,
        "runs": runs,
        "median": med,
        "first_pod_target_met": med["first_pod_after_undo_call_s"] is not None
        and med["first_pod_after_undo_call_s"] <= FIRST_POD_TARGET_S,
        "complete_target_met": med["complete_s"] is not None and med["complete_s"] <= COMPLETE_TARGET_S,
        "invariants_ok": all(r["invariants"]["ok"] for r in runs),
        "checks_ok": all(r["checks"]["ok"] for r in runs),
    })


if __name__ == "__main__":
    main()
