"""StatefulSet update with N replicas (default 100): `kroll up --nodes M`, one StatefulSet, then
`kubectl set image` and `kubectl rollout status`, for podManagementPolicy OrderedReady and
Parallel (RollingUpdate with the default maxUnavailable 1 replaces one pod at a time under
both policies; Parallel only changes scaling), plus Parallel with maxUnavailable 10%.

Per run: wall time from the image change to `rollout status` succeeding, the store revisions
written meanwhile, and the API requests served (from `/metrics`, without node heartbeats);
creation (0 -> N pods) is reported too.

    .venv/bin/python bench/statefulset_update.py --replicas 100 --nodes 10 --runs 3

prints one JSON document on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload_lib import Cluster, Meter, log, machine, quiet, rollout_lines

CONFIGS = {
    "OrderedReady": ("OrderedReady", None),
    "Parallel": ("Parallel", None),
    "Parallel,maxUnavailable=10%": ("Parallel", "10%"),
}


def statefulset(name: str, replicas: int, policy: str, max_unavailable: str | None) -> str:
    labels = {"app": name}
    rolling: dict = {"partition": 0}
    if max_unavailable is not None:
        rolling["maxUnavailable"] = max_unavailable
    return json.dumps({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
        "spec": {"serviceName": name, "replicas": replicas, "podManagementPolicy": policy,
                 "selector": {"matchLabels": labels},
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": rolling},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "db", "image": "db:1"}]}}},
    })


def run_config(cluster: Cluster, label: str, replicas: int, runs: int) -> dict:
    policy, max_unavailable = CONFIGS[label]
    ns = "bench-" + label.lower().replace(",", "-").replace("=", "-").replace("%", "pct")
    name = "db"
    cluster.kubectl("create", "namespace", ns)
    with Meter(cluster) as create:
        cluster.kubectl("-n", ns, "apply", "-f", "-", input=statefulset(name, replicas, policy, max_unavailable))
        cluster.kubectl("-n", ns, "rollout", "status", f"sts/{name}", "--timeout=900s")
    quiet(cluster)
    out: dict = {"config": label, "podManagementPolicy": policy, "maxUnavailable": max_unavailable or 1,
                 "create": create.result(), "runs": []}
    log(f"{label}: created {replicas} pods in {out['create']['wall_s']:.2f}s")
    for i in range(runs):
        image = f"db:{i + 2}"
        with Meter(cluster) as rollout:
            cluster.kubectl("-n", ns, "set", "image", f"sts/{name}", f"db={image}")
            status = cluster.kubectl("-n", ns, "rollout", "status", f"sts/{name}", "--timeout=900s").stdout
        with Meter(cluster) as tail:
            quiet(cluster)
        sts = cluster.get_json(f"/apis/apps/v1/namespaces/{ns}/statefulsets/{name}")["status"]
        assert sts["updatedReplicas"] == sts["readyReplicas"] == replicas, sts
        assert sts["currentRevision"] == sts["updateRevision"], sts
        pods = cluster.get_json(f"/api/v1/namespaces/{ns}/pods")["items"]
        assert len(pods) == replicas and {p["spec"]["containers"][0]["image"] for p in pods} == {image}
        result = {**rollout.result(), **rollout_lines(status)}
        settled = tail.result()
        result["settled"] = {"store_revisions": result["store_revisions"] + settled["store_revisions"],
                             "requests": result["requests"] + settled["requests"],
                             "write_requests": result["write_requests"] + settled["write_requests"]}
        log(f"{label} run {i + 1}: {result['wall_s']:.2f}s, {result['workload_revisions']} revisions, "
            f"{result['requests']} requests")
        out["runs"].append(result)
    out["median_wall_s"] = round(statistics.median(r["wall_s"] for r in out["runs"]), 3)
    out["min_wall_s"] = min(r["wall_s"] for r in out["runs"])
    out["max_wall_s"] = max(r["wall_s"] for r in out["runs"])
    out["median_workload_revisions"] = statistics.median(r["workload_revisions"] for r in out["runs"])
    out["median_requests"] = statistics.median(r["requests"] for r in out["runs"])
    cluster.kubectl("delete", "namespace", ns, "--wait=false")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--configs", default=";".join(CONFIGS), help="';'-separated subset of: " + "; ".join(CONFIGS))
    args = parser.parse_args()
    result: dict = {"benchmark": "statefulset_update", "command": " ".join([Path(sys.executable).name, *sys.argv]),
                    "replicas": args.replicas, "nodes": args.nodes, "machine": machine(), "configs": []}
    with Cluster(args.nodes) as cluster:
        result["kroll_up"] = " ".join(cluster.command()[1:])
        cluster.wait_until(lambda: len(cluster.get_json("/api/v1/nodes")["items"]) == args.nodes,
                           timeout=60, what="nodes registered")
        quiet(cluster)
        for label in args.configs.split(";"):
            result["configs"].append(run_config(cluster, label, args.replicas, args.runs))
    result["machine"]["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
