"""Durable creates over HTTPS: wrk POSTs a ~3 KB ConfigMap with 32 concurrent connections.

Each run starts a fresh `kroll up` (empty data dir, the default durability: WAL with
synchronous=FULL, group commit in the writer thread), creates a namespace, then runs
`wrk -t1 -c32 -d10s` with a Lua script that POSTs the same body with
`metadata.generateName`, so every request creates a new object under a server-chosen
unique name (the same path `kubectl create` takes for generateName). A 201 is only sent
once the row is committed. Afterwards the namespace is listed: the number of ConfigMaps
must be at least the number of 2xx answers wrk counted (every acknowledged create is
there), and at most that plus the requests still in flight when wrk stopped (one per
connection).

Target (issue 2): >= 2,000 creates/s with p99 <= 50 ms. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil

from common import HttpConn, Kroll, configmap, emit, ensure_namespace, log, summarize_runs, tempdir, write_lua, wrk

TARGET_RPS = 2000.0
TARGET_P99_MS = 50.0
NAMESPACE = "bench"


async def _count(k: Kroll) -> int:
    conn = await HttpConn("127.0.0.1", k.port, k.ssl_context(), k.token).connect()
    try:
        status, data = await conn.request("GET", f"/api/v1/namespaces/{NAMESPACE}/configmaps")
        assert status == 200, data[:300]
        return len(json.loads(data)["items"])
    finally:
        await conn.close()


def one_run(duration: float, connections: int, pin: bool, size: int) -> dict:
    tmp = tempdir("writes")
    try:
        k = Kroll(tmp / "data", cpus="0" if pin else None).start()
        try:
            asyncio.run(ensure_namespace(k, NAMESPACE))
            body = configmap(None, NAMESPACE, size, generate="bench-")
            script = write_lua(tmp / "post.lua", method="POST", token=k.token, body=body,
                               headers={"Content-Type": "application/json"})
            r = wrk(f"{k.url}/api/v1/namespaces/{NAMESPACE}/configmaps", script, connections=connections,
                    duration=duration, cpus="1" if pin else None, server_pid=k.pid)
            stored = asyncio.run(_count(k))
            ok = r["requests"] - r["non_2xx"]
            r["body_bytes"] = len(body)
            r["stored_objects"] = stored
            # wrk stops with up to one request per connection in flight: those may be committed
            # without wrk counting their 201, so stored is between the acknowledged and that many more
            r["all_acked_stored"] = ok <= stored <= ok + connections
            r["command"] = r["command"].replace(k.token, "<token>")
            return r
        finally:
            k.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--size", type=int, default=3000, help="bytes of JSON per object")
    ap.add_argument("--pin", action="store_true", help="server on CPU 0, wrk on CPU 1 (taskset)")
    args = ap.parse_args()
    runs = []
    for i in range(args.runs):
        r = one_run(args.duration, args.connections, args.pin, args.size)
        log(f"writes run {i + 1}: rps={r['rps']} p50={r['p50_ms']} p99={r['p99_ms']} errors={r['errors']} "
            f"stored={r['stored_objects']} cpu/req={r['server_cpu_us_per_req']}us steal={r['steal_pct']} other={r['other_procs_cpu_pct']}")
        runs.append(r)
    med = summarize_runs(runs, ["rps", "p50_ms", "p99_ms", "max_ms", "errors", "server_cpu_us_per_req"])
    result = {
        "benchmark": "writes",
        "command": runs[0]["command"],
        "server": "kroll up (synchronous=FULL)" + (", taskset -c 0" if args.pin else ", unpinned"),
        "target": {"rps": TARGET_RPS, "p99_ms": TARGET_P99_MS},
        "median": med,
        "runs": runs,
    }
    result["pass"] = (med["rps"] >= TARGET_RPS and med["p99_ms"] <= TARGET_P99_MS
                      and all(r["all_acked_stored"] and r["errors"] == 0 for r in runs))
    emit(result)


if __name__ == "__main__":
    main()
