"""Shared helpers of the DaemonSet and StatefulSet update benchmarks
(bench/daemonset_update.py, bench/statefulset_update.py).

* `Cluster`: a `kroll up --nodes N` subprocess on a fresh data dir, the real kubectl pointed at
  it, and a keep-alive HTTPS connection (token and CA from the kubeconfig kroll writes) for
  the store revision (a fresh LIST's resourceVersion) and the `/metrics` request counters.
* `Meter`: what an operation cost: wall time, store revisions written (every write of any
  object bumps the revision by one), and the requests the server served, split into the
  background every idle cluster pays (node leases and node status heartbeats) and the rest.

Nothing here asserts on time; the scripts print one JSON document and
`docs/benchmarks.md` records the numbers with the command lines.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_KUBECTL = ROOT / ".venv" / "bin" / "kubectl"
KUBECTL = str(VENV_KUBECTL) if VENV_KUBECTL.exists() else (shutil.which("kubectl") or "kubectl")
READY_LINE = re.compile(r"kroll is up at (https://\S+) .*kubeconfig: (\S+);")
COUNTER = re.compile(r'^kroll_requests_total\{source="([^"]*)",verb="([^"]*)",resource="([^"]*)"\} (\d+)$')
BACKGROUND = ("leases.coordination.k8s.io", "nodes", "nodes/status")  # heartbeats of every node
WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


@dataclass
class Cluster:
    nodes: int
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kroll-bench-workload-")))
    proc: subprocess.Popen | None = None
    kubeconfig: Path = field(default_factory=Path)
    host: str = "127.0.0.1"
    port: int = 0
    token: str = ""
    _conn: http.client.HTTPSConnection | None = None
    _ctx: ssl.SSLContext | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "kroll", "up", "--data-dir", str(self.data_dir / "state"), "--port", "0",
                "--nodes", str(self.nodes)]

    def start(self, timeout: float = 120.0) -> Cluster:
        out = self.data_dir / "kroll.out"
        err = self.data_dir / "kroll.err"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(out, "w") as o, open(err, "w") as e:
            self.proc = subprocess.Popen(self.command(), stdout=o, stderr=e, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = READY_LINE.search(out.read_text())
            if m:
                url, self.kubeconfig = m.group(1), Path(m.group(2))
                self.port = int(url.rsplit(":", 1)[1])
                cfg = yaml.safe_load(self.kubeconfig.read_text())
                self.token = cfg["users"][0]["user"]["token"]
                ca = self.data_dir / "ca.crt"
                ca.write_bytes(base64.b64decode(cfg["clusters"][0]["cluster"]["certificate-authority-data"]))
                self._ctx = ssl.create_default_context(cafile=str(ca))
                self._ctx.check_hostname = False
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"kroll up exited with {self.proc.returncode}: {err.read_text()[-2000:]}")
            time.sleep(0.01)
        raise TimeoutError("kroll up did not print its ready line")

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ clients
    def kubectl(self, *args: str, input: str | None = None, timeout: float = 600.0,
                check: bool = True) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.data_dir / "kubectl-cache"),
               *args]
        res = subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=timeout)
        if check and res.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed ({res.returncode}): {res.stderr}")
        return res

    def get(self, path: str) -> bytes:
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPSConnection(self.host, self.port, context=self._ctx, timeout=60)
            try:
                self._conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}",
                                                         "Accept": "application/json"})
                resp = self._conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"GET {path}: {resp.status} {body[:300]!r}")
                return body
            except (http.client.HTTPException, ConnectionError, ssl.SSLError):
                self._conn.close()
                self._conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get_json(self, path: str) -> Any:
        return orjson.loads(self.get(path))

    def revision(self) -> int:
        """The store's current revision: the resourceVersion of a fresh (limit 1) LIST."""
        return int(self.get_json("/api/v1/namespaces/default/configmaps?limit=1")["metadata"]["resourceVersion"])

    def counters(self) -> dict[tuple[str, str, str], int]:
        out: dict[tuple[str, str, str], int] = {}
        for line in self.get("/metrics").decode().splitlines():
            m = COUNTER.match(line)
            if m:
                out[(m.group(1), m.group(2), m.group(3))] = int(m.group(4))
        return out

    def wait_until(self, predicate: Any, *, timeout: float, what: str, interval: float = 0.05) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(interval)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Meter:
    """`with Meter(cluster) as m: ...` then `m.result()`."""

    cluster: Cluster
    t0: float = 0.0
    wall_s: float = 0.0
    rv0: int = 0
    rv1: int = 0
    c0: dict[tuple[str, str, str], int] = field(default_factory=dict)
    c1: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def __enter__(self) -> Meter:
        self.rv0 = self.cluster.revision()
        self.c0 = self.cluster.counters()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self.t0
        self.rv1 = self.cluster.revision()
        self.c1 = self.cluster.counters()

    def result(self) -> dict[str, Any]:
        delta = {k: v - self.c0.get(k, 0) for k, v in self.c1.items() if v - self.c0.get(k, 0)}
        # the scrapes and revision LISTs of the meter itself are not part of the operation
        delta[("http", "get", "nonresource")] = delta.get(("http", "get", "nonresource"), 0) - 1
        delta[("http", "list", "configmaps")] = delta.get(("http", "list", "configmaps"), 0) - 1
        delta = {k: v for k, v in delta.items() if v > 0}
        background = sum(v for (_, _, r), v in delta.items() if r in BACKGROUND)
        background_writes = sum(v for (_, verb, r), v in delta.items() if r in BACKGROUND and verb in WRITE_VERBS)
        by_resource: dict[str, int] = {}
        by_verb: dict[str, int] = {}
        writes = 0
        for (_, verb, resource), v in delta.items():
            if resource in BACKGROUND:
                continue
            by_resource[resource] = by_resource.get(resource, 0) + v
            by_verb[verb] = by_verb.get(verb, 0) + v
            if verb in WRITE_VERBS:
                writes += v
        return {
            "wall_s": round(self.wall_s, 3),
            "store_revisions": self.rv1 - self.rv0,
            # the same without the lease renewals / node status writes that fell in the window
            "workload_revisions": self.rv1 - self.rv0 - background_writes,
            "requests": sum(delta.values()) - background,
            "write_requests": writes,
            "http_requests": sum(v for (s, _, _), v in delta.items() if s == "http"),
            "heartbeat_requests": background,
            "requests_by_verb": dict(sorted(by_verb.items())),
            "requests_by_resource": dict(sorted(by_resource.items())),
        }


def quiet(cluster: Cluster, *, settle_s: float = 1.0, timeout: float = 60.0) -> None:
    """Wait until no non-heartbeat request was served for `settle_s` (controllers idle)."""
    def busy_count() -> int:
        return sum(v for (src, _, r), v in cluster.counters().items()
                   if src == "local" and r not in BACKGROUND)

    deadline = time.monotonic() + timeout
    last = busy_count()
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = busy_count()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle_s:
            return
    raise TimeoutError("the cluster did not settle")


def rollout_lines(out: str) -> dict[str, Any]:
    lines = out.splitlines()
    return {"status_lines": len(lines), "last_status_line": lines[-1] if lines else ""}


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                            "loadavg_1m_at_start": round(os.getloadavg()[0], 2)}
    with contextlib.suppress(OSError):
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        if model:
            info["cpu_model"] = model.group(1)
    return info
