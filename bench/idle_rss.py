"""Idle RSS of the whole control plane (API server, controllers, simulated node agent: one process).

`kroll up` on an empty data dir with one node; after the ready line, wait `--settle`
seconds (node registered and Ready, controllers' informers synced, a few lease renewals),
then sample the RSS of the process tree every 0.5 s for `--sample` seconds and report the
largest sample (and USS/PSS). Target (issue 2): <= 100 MiB. Prints JSON.
"""

from __future__ import annotations

import argparse
import shutil
import time

from common import Kroll, StealMeter, emit, log, median, rss_tree, summarize_runs, tempdir

TARGET_MIB = 100.0


def one_run(settle: float, sample: float) -> dict:
    tmp = tempdir("idle")
    try:
        k = Kroll(tmp / "data").start()
        try:
            nodes = k.kubectl("get", "nodes", "-o", "name").stdout.split()
            with StealMeter() as steal:
                time.sleep(settle)
                samples = []
                end = time.monotonic() + sample
                while time.monotonic() < end:
                    samples.append(rss_tree(k.pid))
                    time.sleep(0.5)
            peak = max(samples, key=lambda s: s["rss_mib"])
            return {"rss_mib": peak["rss_mib"], "uss_mib": peak["uss_mib"], "pss_mib": peak["pss_mib"],
                    "rss_first_mib": samples[0]["rss_mib"], "processes": peak["processes"],
                    "threads": peak["threads"], "nodes": nodes, **steal.as_dict()}
        finally:
            k.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--sample", type=float, default=5.0)
    args = ap.parse_args()
    runs = []
    for i in range(args.runs):
        r = one_run(args.settle, args.sample)
        log(f"idle_rss run {i + 1}: {r}")
        runs.append(r)
    result = {
        "benchmark": "idle_rss",
        "command": f"kroll up --data-dir <empty tmp> --port 0 (1 node); settle {args.settle:g} s, "
                   f"max RSS of the process tree over {args.sample:g} s",
        "target_mib": TARGET_MIB,
        "median": summarize_runs(runs, ["rss_mib", "uss_mib", "pss_mib"]),
        "runs": runs,
    }
    result["pass"] = median([r["rss_mib"] for r in runs]) <= TARGET_MIB
    emit(result)


if __name__ == "__main__":
    main()
