"""Rolling update of a Deployment (issue 3): `kubectl set image` -> `kubectl rollout status` succeeds.

For each size (default 100, 1,000 and 5,000 replicas; maxSurge = maxUnavailable = 25 %; pods
are Ready at once, the simulated runtime's default) and each run: a fresh `kroll up` with
enough simulated nodes (110 pods each), `kubectl apply` of the Deployment, wait until all
pods are Ready and the controllers are quiet, then time

    kubectl set image deployment/web app=nginx:2.0
    kubectl rollout status deployment/web

from the first command's start to the second's successful exit. Meanwhile a separate
process checks the invariants (at least replicas - 25 % pods available and at most
replicas + 25 % pods existing, terminating ones included) three ways: a watch of the pods
replaying every revision (the state after each committed write), a loop of pod LISTs
(each a snapshot at one revision; it pauses 10x as long as its last LIST took, so its load
on the server is the same share at every size) and a loop of ReplicaSet-status LISTs every
~20 ms (reported, not judged: the two statuses are written at different times).

Reported per run: wall time, store revisions (writes) until `rollout status` returned and
once the controllers are quiet again (the event recorder writes in the background),
requests served (from /metrics, node heartbeats apart), CPU seconds of the kroll process,
its peak RSS, CPU steal, and the end state checks (one old and one new ReplicaSet,
revisions 1 and 2, every pod new).

Usage: bench/rollout.py [--replicas 100,1000,5000] [--runs 3] [--keep]
Prints one JSON document: per size the runs and their medians, then the 5,000 / 1,000
ratios of the medians (wall time, writes, requests; target <= 6x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rollout_lib import (
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
TARGET_S = 10.0
INVARIANT_SOURCES = ("pod_list", "watch")  # the pods themselves (see rollout_lib.Sampler)


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def end_state(api, replicas: int) -> dict[str, Any]:
    """Deployment at revision 2, old RS at 0, new RS at `replicas`, every pod from the new RS."""
    d = api.get_json(f"/apis/apps/v1/namespaces/default/deployments/{NAME}")
    rss = api.get_json(f"/apis/apps/v1/namespaces/default/replicasets?labelSelector=app={NAME}")["items"]
    pods = api.get_json(pods_path("default", f"app={NAME}"))["items"]
    rev = lambda o: (o["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision")  # noqa: E731
    new = [rs for rs in rss if rev(rs) == "2"]
    old = [rs for rs in rss if rev(rs) == "1"]
    new_hash = new[0]["metadata"]["labels"]["pod-template-hash"] if new else None
    checks = {
        "deployment_revision_2": rev(d) == "2",
        "two_replicasets": len(rss) == 2 and len(new) == 1 and len(old) == 1,
        "old_rs_scaled_to_0": bool(old) and old[0]["spec"]["replicas"] == 0
        and old[0]["status"].get("replicas", 0) == 0,
        "new_rs_full": bool(new) and new[0]["spec"]["replicas"] == replicas
        and new[0]["status"].get("availableReplicas") == replicas,
        "pods_all_new": len(pods) == replicas and all(p["metadata"]["labels"].get("pod-template-hash") == new_hash
                                                      for p in pods),
    }
    checks["ok"] = all(checks.values())
    return checks


def one_run(replicas: int, *, keep: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"kroll-bench-rollout-{replicas}-"))
    k = Kroll(tmp / "data", nodes=nodes_for(replicas))
    try:
        k.start()
        api = k.api()
        create_deployment(k, NAME, replicas, "nginx:1.0")
        setup_s = wait_settled(api, NAME, replicas, timeout=900)
        wait_quiet(api)
        proc = psutil.Process(k.pid)
        rss = RssPeak(k.pid)
        surge = -(-replicas * 25 // 100)
        unavailable = replicas * 25 // 100
        sampler = Sampler(k.kubeconfig, "default", f"app={NAME}").start()
        m0, rv0, cpu0 = api.metrics(), api.list_rv(), proc.cpu_times()
        steal = Steal()
        load0 = os.getloadavg()[0]
        w0 = time.time()
        t0 = time.perf_counter()
        k.kubectl("set", "image", f"deployment/{NAME}", "app=nginx:2.0")
        status = k.kubectl("rollout", "status", f"deployment/{NAME}", "--timeout=900s", timeout=1000)
        wall = time.perf_counter() - t0
        w1 = time.time()
        cpu1, noise = proc.cpu_times(), steal.stop()
        rv1, m1 = api.list_rv(), api.metrics()
        quiet_after_s = wait_quiet(api)
        rv2, m2 = api.list_rv(), api.metrics()
        invariants = sampler.stop(window=(w0, w1), min_available=replicas - unavailable, max_exist=replicas + surge)
        memory = rss.stop()
        at_status = request_delta(m0, m1)
        settled = request_delta(m0, m2)
        result = {
            "replicas": replicas,
            "nodes": k.nodes,
            "setup_s": round(setup_s, 2),
            "wall_s": round(wall, 3),
            "target_met": wall <= TARGET_S if replicas == 1000 else None,
            # store revisions, node heartbeats excluded (this script's probes write nothing)
            "writes_at_status": rv1 - rv0 - at_status["heartbeat_writes"],
            "writes_settled": rv2 - rv0 - settled["heartbeat_writes"],
            # requests of the controllers and the node agent, heartbeats excluded
            "requests_at_status": at_status["requests"],
            "requests_settled": settled["requests"],
            "write_requests_settled": settled["write_requests"],
            "http_requests_settled": settled["http_requests"],
            "heartbeat_writes_settled": settled["heartbeat_writes"],
            "event_backlog_drained_s": quiet_after_s,
            "requests_by_source_verb_resource": settled["by_source_verb_resource"],
            "kroll_cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 2),
            **memory,
            **noise,
            "loadavg_1m_at_start": round(load0, 2),
            "invariants": invariants,
            "end_state": end_state(api, replicas),
            "rollout_status_last_line": status.stdout.strip().splitlines()[-1] if status.stdout.strip() else "",
        }
        api.close()
        return result
    finally:
        k.stop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("wall_s", "writes_at_status", "writes_settled", "requests_at_status", "requests_settled", "kroll_cpu_s",
            "rss_peak_mib_psutil", "rss_peak_mib_vmhwm", "steal_pct")
    med = {k: median([r[k] for r in runs if r.get(k) is not None]) for k in keys}
    return {
        "median": med,
        "wall_s_range": [min(r["wall_s"] for r in runs), max(r["wall_s"] for r in runs)],
        "invariants_ok": all(r["invariants"]["ok"] for r in runs),
        "end_state_ok": all(r["end_state"]["ok"] for r in runs),
        "min_available_seen": min(min(r["invariants"][f"{k}_min_available"] for k in INVARIANT_SOURCES)
                                  for r in runs),
        "max_exist_seen": max(max(r["invariants"][f"{k}_max_exist"] for k in INVARIANT_SOURCES) for r in runs),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replicas", default="100,1000,5000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the data dirs")
    args = ap.parse_args()
    sizes = [int(x) for x in args.replicas.split(",")]
    out: dict[str, Any] = {"benchmark": "rollout", "cpus": os.cpu_count(), "python": sys.version.split()[0],
                           "runs": args.runs, "sizes": {}}
    for n in sizes:
        runs = []
        for i in range(args.runs):
            log(f"rollout: {n} replicas, run {i + 1}/{args.runs}")
            r = one_run(n, keep=args.keep)
            log(f"  wall {r['wall_s']} s, writes {r['writes_settled']}, requests {r['requests_settled']}, "
                f"cpu {r['kroll_cpu_s']} s, steal {r['steal_pct']} %, invariants {r['invariants']['ok']}, "
                f"end state {r['end_state']['ok']}")
            runs.append(r)
        out["sizes"][str(n)] = {"runs": runs, **summarize(runs)}
    if "1000" in out["sizes"] and "5000" in out["sizes"]:
        a, b = out["sizes"]["1000"]["median"], out["sizes"]["5000"]["median"]
        ratios = {k: round(b[k] / a[k], 2) for k in ("wall_s", "writes_settled", "requests_settled", "kroll_cpu_s")
                  if a.get(k)}
        out["ratio_5000_over_1000"] = ratios
        out["ratio_target_met"] = all(ratios[k] <= 6 for k in ("wall_s", "writes_settled", "requests_settled"))
    dump(out)


if __name__ == "__main__":
    main()
