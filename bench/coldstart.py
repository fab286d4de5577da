"""Cold start: exec of `kroll up` on an empty data dir -> first successful `kubectl get nodes`.

The clock starts right before exec; kubectl is polled back to back (each poll is a fresh
kubectl process with a fresh discovery cache, as a new user's first command would be)
until one exits 0 listing the node. Also reported: when the ready line appeared, how long
one kubectl call takes on its own against a running server, and the import-time
breakdown of `python -X importtime -m kroll up` (top-level packages by cumulative time).

Target (issue 2): <= 1 s. Prints JSON.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import KUBECTL, READY_LINE, Kroll, StealMeter, emit, log, median, summarize_runs, tempdir

TARGET_S = 1.0


def _watch_ready(k: Kroll, out: dict) -> None:
    """Note when the ready line appears (a thread, so that kubectl polls do not delay it)."""
    path = k.data_dir.parent / f"kroll-{k.data_dir.name}.out"
    while k.proc is not None and k.proc.poll() is None:
        if path.exists() and READY_LINE.search(path.read_text()):
            out["ready"] = time.perf_counter()
            return
        time.sleep(0.002)


def one_run(env: dict[str, str] | None = None) -> dict:
    tmp = tempdir("coldstart")
    try:
        k = Kroll(tmp / "data", env=env or {})
        kubeconfig = k.data_dir / "kubeconfig"
        cache = tmp / "kubectl-cache"
        polls = 0
        seen: dict[str, float] = {}
        with StealMeter() as steal:
            k.spawn()
            watcher = threading.Thread(target=_watch_ready, args=(k, seen), daemon=True)
            watcher.start()
            while True:
                # kubectl cannot succeed before the kubeconfig exists; polls before that would only
                # take CPU from the starting server, so they are skipped (checked every 2 ms).
                if not kubeconfig.exists():
                    if k.proc.poll() is not None:
                        raise RuntimeError("kroll up exited during cold start")
                    time.sleep(0.002)
                    continue
                polls += 1
                t_call = time.perf_counter()
                res = subprocess.run([KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache),
                                      "get", "nodes", "-o", "name"], capture_output=True, text=True, timeout=30)
                t_done = time.perf_counter()
                if res.returncode == 0 and "kroll-node-1" in res.stdout:
                    break
                if k.proc.poll() is not None:
                    raise RuntimeError("kroll up exited during cold start")
                if t_done - k.started_at > 30:
                    raise TimeoutError(f"no successful kubectl after 30 s: {res.stderr}")
            k.wait_ready(5)
            watcher.join(5)
        total = t_done - k.started_at
        # One more kubectl with a fresh cache, now that the server is up: kubectl's own cost.
        shutil.rmtree(cache, ignore_errors=True)
        t0 = time.perf_counter()
        k.kubectl("get", "nodes", "-o", "name")
        alone = time.perf_counter() - t0
        k.stop()
        return {"exec_to_kubectl_ok_s": round(total, 3),
                "exec_to_ready_line_s": round(seen.get("ready", k.ready_at) - k.started_at, 3),
                "last_kubectl_call_s": round(t_done - t_call, 3), "kubectl_alone_s": round(alone, 3),
                "kubectl_polls": polls, **steal.as_dict()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def import_breakdown(top: int = 15) -> dict:
    """`python -X importtime -m kroll up` until its ready line: the biggest top-level imports."""
    tmp = tempdir("importtime")
    try:
        k = Kroll(tmp / "data")
        cmd = k.command()
        cmd.insert(1, "-X")
        cmd.insert(2, "importtime")
        k.command = lambda: cmd  # type: ignore[method-assign]
        k.start()
        k.stop()
        err = (tmp / "kroll-data.err").read_text()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    total_self = 0
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        self_us, cum_us, indent, name = int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)
        total_self += self_us
        if indent == 1:  # imported directly by the main module or the interpreter
            rows.append((cum_us, name))
    rows.sort(reverse=True)
    # Also group everything by top-level package (cumulative of the top-level entries).
    by_pkg: dict[str, int] = {}
    for cum, name in rows:
        by_pkg[name.split(".")[0]] = by_pkg.get(name.split(".")[0], 0) + cum
    return {"total_import_ms": round(total_self / 1000, 1),
            "top_level_imports_ms": {name: round(cum / 1000, 1) for cum, name in rows[:top]},
            "by_package_ms": {p: round(v / 1000, 1) for p, v in sorted(by_pkg.items(), key=lambda x: -x[1])[:top]}}


def ensure_bytecode() -> None:
    """Byte-compile kroll's sources, as installing a wheel does (pip compiles on install).

    An editable install never compiles, and this environment sets PYTHONDONTWRITEBYTECODE=1,
    so without this step every start would compile all of kroll (~0.6 s on this machine):
    that case is measured separately (`no_bytecode`), with PYTHONPYCACHEPREFIX pointing at an
    empty directory so that no .pyc is found.
    """
    import kroll

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(kroll.__file__).parent)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    ensure_bytecode()
    runs = []
    for i in range(args.runs):
        r = one_run()
        log(f"coldstart run {i + 1}: {r}")
        runs.append(r)
    empty = tempdir("pycache")
    try:
        uncompiled = one_run({"PYTHONPYCACHEPREFIX": str(empty), "PYTHONDONTWRITEBYTECODE": "1"})
    finally:
        shutil.rmtree(empty, ignore_errors=True)
    log(f"coldstart without bytecode: {uncompiled}")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    t = time.perf_counter() - t0
    result = {
        "benchmark": "coldstart",
        "command": f"{sys.executable} -m kroll up --data-dir <empty tmp> --port 0; "
                   "poll (once the kubeconfig exists): kubectl get nodes -o name",
        "target_s": TARGET_S,
        "median": summarize_runs(runs, ["exec_to_kubectl_ok_s", "exec_to_ready_line_s", "kubectl_alone_s"]),
        "runs": runs,
        "no_bytecode_run": uncompiled,
        "python_startup_s": round(t, 3),
        "imports": import_breakdown(),
    }
    result["pass"] = median([r["exec_to_kubectl_ok_s"] for r in runs]) <= TARGET_S
    emit(result)


if __name__ == "__main__":
    main()
