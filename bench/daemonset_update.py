"""DaemonSet update over N virtual nodes (default 100): `kroll up --nodes N`, one DaemonSet with
a pod on every node, then `kubectl set image` and `kubectl rollout status`.

Per run it reports the wall time from the image change to `rollout status` succeeding, the
store revisions written meanwhile (every write of any object is one revision), and the API
requests served, from the server's `/metrics` counters, without the node heartbeats (leases,
node status) an idle cluster writes anyway; then the same once the cluster is idle again
(terminated pods deleted, last status writes). Strategies: maxUnavailable 1 (the default:
one node at a time), maxUnavailable 10%, and maxSurge 10% (create-then-delete).

    .venv/bin/python bench/daemonset_update.py --nodes 100 --runs 3

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

STRATEGIES = {
    "maxUnavailable=1": {"maxUnavailable": 1},
    "maxUnavailable=10%": {"maxUnavailable": "10%"},
    "maxSurge=10%": {"maxUnavailable": 0, "maxSurge": "10%"},
}


def daemonset(name: str, rolling: dict) -> str:
    labels = {"app": name}
    return json.dumps({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": labels},
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": rolling},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}},
    })


def run_strategy(cluster: Cluster, label: str, rolling: dict, runs: int) -> dict:
    ns = "bench-" + label.replace("=", "-").replace("%", "pct").lower()
    name = "agent"
    cluster.kubectl("create", "namespace", ns)
    cluster.kubectl("-n", ns, "apply", "-f", "-", input=daemonset(name, rolling))
    with Meter(cluster) as create:
        cluster.kubectl("-n", ns, "rollout", "status", f"ds/{name}", "--timeout=600s")
    quiet(cluster)
    out: dict = {"strategy": label, "rollingUpdate": rolling, "create": create.result(), "runs": []}
    for i in range(runs):
        image = f"agent:{i + 2}"
        with Meter(cluster) as rollout:
            cluster.kubectl("-n", ns, "set", "image", f"ds/{name}", f"agent={image}")
            status = cluster.kubectl("-n", ns, "rollout", "status", f"ds/{name}", "--timeout=600s").stdout
        with Meter(cluster) as tail:
            quiet(cluster)
        ds = cluster.get_json(f"/apis/apps/v1/namespaces/{ns}/daemonsets/{name}")["status"]
        assert ds["updatedNumberScheduled"] == ds["numberAvailable"] == ds["desiredNumberScheduled"] == cluster.nodes, ds
        pods = cluster.get_json(f"/api/v1/namespaces/{ns}/pods")["items"]
        assert len(pods) == cluster.nodes and {p["spec"]["containers"][0]["image"] for p in pods} == {image}
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
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--strategies", default=",".join(STRATEGIES),
                        help="comma-separated subset of: " + ", ".join(STRATEGIES))
    args = parser.parse_args()
    result: dict = {"benchmark": "daemonset_update", "command": " ".join([Path(sys.executable).name, *sys.argv]),
                    "nodes": args.nodes, "machine": machine(), "strategies": []}
    with Cluster(args.nodes) as cluster:
        result["kroll_up"] = " ".join(cluster.command()[1:])
        cluster.wait_until(lambda: len(cluster.get_json("/api/v1/nodes")["items"]) == args.nodes,
                           timeout=60, what="nodes registered")
        quiet(cluster)
        for label in args.strategies.split(","):
            result["strategies"].append(run_strategy(cluster, label, STRATEGIES[label], args.runs))
    result["machine"]["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
