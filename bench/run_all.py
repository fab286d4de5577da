"""Run every control-plane benchmark (issue 2) and print one JSON summary.

Each benchmark runs as its own process (`python bench/<name>.py`, default: 3 runs, median
reported) and prints its own JSON; the full documents are saved in bench/results/ (git
ignored) and the summary keeps the medians, the noise (CPU steal and other processes' CPU
per run) and pass/fail per target. `make bench` calls this.

Usage: run_all.py [--only coldstart,writes,...] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["coldstart", "restart", "idle_rss", "writes", "reads", "watch"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", default=",".join(ORDER))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    summary: dict = {"started": stamp, "python": sys.version.split()[0], "benchmarks": {}}
    for name in args.only.split(","):
        t0 = time.monotonic()
        print(f"== {name}", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, str(HERE / f"{name}.py"), "--runs", str(args.runs)],
                              stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            summary["benchmarks"][name] = {"error": f"exit {proc.returncode}"}
            continue
        doc = json.loads(proc.stdout)
        (results_dir / f"{stamp}-{name}.json").write_text(proc.stdout)
        summary["benchmarks"][name] = {"median": doc.get("median"), "pass": doc.get("pass"),
                                       "seconds": round(time.monotonic() - t0, 1)}
    print(json.dumps(summary, indent=2), flush=True)


if __name__ == "__main__":
    main()
