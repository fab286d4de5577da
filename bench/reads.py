"""Reads over HTTPS: GET of one object side by side with a bare endpoint, and LIST of 1,000 pods.

One `kroll up --nodes 10` (empty data dir; a node takes 110 pods). Set-up: a ~2 KB ConfigMap `bench/one`, and 1,000 pods in
namespace `list` (created over HTTPS, 32 connections), which the scheduler binds and the
simulated node agent starts; the LIST is measured once every pod reports Running, so
each pod carries a full status (~2.2 KB of JSON).

The comparison endpoint (bench/bare_server.py) serves the exact bytes kroll returned for
the ConfigMap, with kroll's certificate, on the same stack (uvicorn + httptools + uvloop,
raw ASGI, same uvicorn settings). Each round runs, back to back:
  1. wrk -c32 against the bare endpoint,
  2. wrk -c32 GET /api/v1/namespaces/bench/configmaps/one (bearer token),
  3. wrk LIST /api/v1/namespaces/list/pods (all 1,000),
  4. wrk LIST as `kubectl get pods` asks: Table, limit=500 (bonus).
Rounds 1-2 are side by side, so the ratio kroll/bare is measured under the same noise.

Targets (issue 2): GET >= 5,000/s with p99 <= 25 ms and >= 0.5 x bare; LIST p99 <= 200 ms.
Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import (
    HttpConn,
    Kroll,
    configmap,
    create_many,
    emit,
    ensure_namespace,
    log,
    median,
    pod,
    summarize_runs,
    tempdir,
    write_lua,
    wrk,
)

TARGET_GET_RPS = 5000.0
TARGET_GET_P99_MS = 25.0
TARGET_RATIO = 0.5
TARGET_LIST_P99_MS = 200.0
PODS = 1000
TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                "application/json")


async def _setup(k: Kroll, pods: int) -> bytes:
    await ensure_namespace(k, "bench")
    await ensure_namespace(k, "list")
    await create_many(k, "/api/v1/namespaces/bench/configmaps", [configmap("one", "bench", 1800)], concurrency=1)
    await create_many(k, "/api/v1/namespaces/list/pods", [pod(f"pod-{i:04d}", "list") for i in range(pods)])
    conn = await HttpConn("127.0.0.1", k.port, k.ssl_context(), k.token).connect()
    try:
        deadline = time.monotonic() + 120
        while True:
            status, data = await conn.request("GET", "/api/v1/namespaces/list/pods")
            items = json.loads(data)["items"]
            running = sum(1 for p in items if p.get("status", {}).get("phase") == "Running")
            if running == pods:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {running}/{pods} pods Running")
            await asyncio.sleep(0.5)
        status, one = await conn.request("GET", "/api/v1/namespaces/bench/configmaps/one")
        assert status == 200
        return one
    finally:
        await conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--list-duration", type=float, default=10.0)
    ap.add_argument("--list-connections", type=int, default=4)
    ap.add_argument("--pods", type=int, default=PODS)
    ap.add_argument("--nodes", type=int, default=10, help="simulated nodes (110 pods fit on one)")
    ap.add_argument("--pin", action="store_true", help="servers on CPU 0, wrk on CPU 1 (taskset)")
    args = ap.parse_args()
    server_cpus, client_cpus = ("0", "1") if args.pin else (None, None)
    tmp = tempdir("reads")
    bare = None
    try:
        k = Kroll(tmp / "data", cpus=server_cpus, extra_args=["--nodes", str(args.nodes)]).start()
        try:
            t0 = time.monotonic()
            one = asyncio.run(_setup(k, args.pods))
            log(f"setup: {args.pods} pods Running after {time.monotonic() - t0:.1f} s; GET body {len(one)} bytes")
            body_file = tmp / "body.json"
            body_file.write_bytes(one)
            cert, key = k.server_cert
            cmd = [sys.executable, str(Path(__file__).with_name("bare_server.py")), str(cert), str(key),
                   str(body_file)]
            if server_cpus:
                cmd = ["taskset", "-c", server_cpus, *cmd]
            bare = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            assert bare.stdout is not None
            bare_port = int(bare.stdout.readline().split()[1])
            time.sleep(0.3)
            bare_script = write_lua(tmp / "bare.lua")
            get_script = write_lua(tmp / "get.lua", token=k.token)
            list_script = write_lua(tmp / "list.lua", token=k.token)
            table_script = write_lua(tmp / "table.lua", token=k.token, headers={"Accept": TABLE_ACCEPT})
            rounds = []
            for i in range(args.runs):
                b = wrk(f"https://127.0.0.1:{bare_port}/apis/apps/v1/namespaces/default/deployments/web",
                        bare_script, duration=args.duration, cpus=client_cpus, server_pid=bare.pid)
                g = wrk(f"{k.url}/api/v1/namespaces/bench/configmaps/one", get_script, duration=args.duration,
                        cpus=client_cpus, server_pid=k.pid)
                lst = wrk(f"{k.url}/api/v1/namespaces/list/pods", list_script, connections=args.list_connections,
                          duration=args.list_duration, cpus=client_cpus, server_pid=k.pid, timeout_s=10)
                tbl = wrk(f"{k.url}/api/v1/namespaces/list/pods?limit=500", table_script,
                          connections=args.list_connections, duration=args.list_duration, cpus=client_cpus,
                          server_pid=k.pid, timeout_s=10)
                for r in (b, g, lst, tbl):
                    r["command"] = r["command"].replace(k.token, "<token>")
                rnd = {"bare": b, "get": g, "list": lst, "table": tbl, "get_to_bare_ratio": round(g["rps"] / b["rps"], 3)}
                log(f"reads round {i + 1}: bare {b['rps']}/s p99 {b['p99_ms']} | get {g['rps']}/s p99 {g['p99_ms']} "
                    f"ratio {rnd['get_to_bare_ratio']} | list {lst['rps']}/s p99 {lst['p99_ms']} ms "
                    f"({lst['mb_per_s']} MB/s) | table p99 {tbl['p99_ms']} ms | steal {g['steal_pct']} "
                    f"other {g['other_procs_cpu_pct']}")
                rounds.append(rnd)
        finally:
            if bare is not None:
                bare.terminate()
                bare.wait(10)
            k.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def part(name: str) -> list[dict]:
        return [r[name] for r in rounds]

    keys = ["rps", "p50_ms", "p99_ms", "max_ms", "errors", "server_cpu_us_per_req"]
    result = {
        "benchmark": "reads",
        "setup": f"1 ConfigMap ({len(one)} B as served), {args.pods} pods Running in one namespace, {args.nodes} nodes",
        "server": "kroll up" + (", taskset -c 0" if args.pin else ", unpinned"),
        "commands": {name: rounds[0][name]["command"] for name in ("bare", "get", "list", "table")},
        "target": {"get_rps": TARGET_GET_RPS, "get_p99_ms": TARGET_GET_P99_MS, "get_to_bare_ratio": TARGET_RATIO,
                   "list_p99_ms": TARGET_LIST_P99_MS},
        "median": {
            "bare": summarize_runs(part("bare"), keys),
            "get": summarize_runs(part("get"), keys),
            "get_to_bare_ratio": round(median([r["get_to_bare_ratio"] for r in rounds]), 3),
            "list": summarize_runs(part("list"), [*keys, "mb_per_s"]),
            "table_limit500": summarize_runs(part("table"), keys),
        },
        "rounds": rounds,
    }
    med = result["median"]
    result["pass"] = {
        "get": med["get"]["rps"] >= TARGET_GET_RPS and med["get"]["p99_ms"] <= TARGET_GET_P99_MS,
        "get_to_bare_ratio": med["get_to_bare_ratio"] >= TARGET_RATIO,
        "list": med["list"]["p99_ms"] <= TARGET_LIST_P99_MS,
    }
    emit(result)


if __name__ == "__main__":
    main()
