"""Shared helpers of the Deployment rollout benchmarks (issue 3): bench/rollout.py,
bench/rollback.py and bench/rollout_crash.py.

* `Kroll`: a `kroll up` subprocess on a data dir (start, kill -9, restart), and the real
  kubectl pointed at it.
* `Api`: a small keep-alive HTTPS client built from the kubeconfig kroll writes (stdlib
  http.client + orjson), for fast LISTs, a raw watch stream and /metrics.
* `Sampler`: a separate process that checks the rollout invariants continuously: a pod
  watch that replays every revision in order (the bounds are checked at every committed
  state), a loop of LISTs of the pods (each a consistent snapshot at one revision), and a
  loop of LISTs of the ReplicaSets' statuses (cheap, every ~20 ms, but only indicative:
  two statuses written at different times may be summed).
* `Steal`, `RssPeak`: CPU steal over a run (from /proc/stat) and the peak RSS of the kroll
  process (psutil polling, and the kernel's own high-water mark VmHWM).

Nothing here asserts on time: the scripts print JSON and `docs/benchmarks.md` reads them.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import http.client
import itertools
import multiprocessing as mp
import os
import re
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
KUBECTL = str(VENV_BIN / "kubectl") if (VENV_BIN / "kubectl").exists() else "kubectl"
READY_LINE = re.compile(r"kroll is up at (https://\S+) .*kubeconfig: (\S+);")
POD_CAPACITY = 110  # status.allocatable.pods of a simulated node


def nodes_for(replicas: int) -> int:
    """Enough simulated nodes for a 25 % surge plus pods still terminating (110 pods each)."""
    return max(1, -(-int(replicas * 1.4) // POD_CAPACITY))


# ---------------------------------------------------------------------------- kroll process

@dataclass
class Kroll:
    data_dir: Path
    nodes: int = 1
    port: int = 0
    proc: subprocess.Popen | None = None
    url: str = ""
    kubeconfig: Path = field(default_factory=Path)
    log_path: Path | None = None

    def start(self, timeout: float = 60.0, on_exec: Callable[[float], None] | None = None) -> float:
        """Start `kroll up`; return seconds from exec to the ready line. `on_exec(t)` is called
        right after the exec (t: its time.perf_counter()), before the ready line is read."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / "kroll-stderr.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        t0 = time.monotonic()
        exec_at = time.perf_counter()
        with open(self.log_path, "ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kroll", "up", "--data-dir", str(self.data_dir), "--port", str(self.port),
                 "--nodes", str(self.nodes)],
                stdout=subprocess.PIPE, stderr=err, text=True, env=env, start_new_session=True)
        if on_exec is not None:
            on_exec(exec_at)
        assert self.proc.stdout is not None
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"kroll up exited with {self.proc.wait()}; see {self.log_path}")
            m = READY_LINE.search(line)
            if m:
                self.url, self.kubeconfig = m.group(1), Path(m.group(2))
                self.port = int(self.url.rsplit(":", 1)[1])
                return time.monotonic() - t0
        raise TimeoutError("kroll up did not become ready")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def kubectl(self, *args: str, check: bool = True, timeout: float = 300.0) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.data_dir / "kubectl-cache"),
               *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def api(self) -> Api:
        return Api.from_kubeconfig(self.kubeconfig)


# ---------------------------------------------------------------------------- HTTPS client

class Api:
    """Keep-alive HTTPS client for one kroll (not thread-safe: one per thread)."""

    def __init__(self, host: str, port: int, ca_pem: bytes, token: str, *, timeout: float = 30.0) -> None:
        self.host, self.port, self.token, self.timeout = host, port, token, timeout
        self.ctx = ssl.create_default_context(cadata=ca_pem.decode())
        self.ctx.check_hostname = False
        self._conn: http.client.HTTPSConnection | None = None

    @classmethod
    def from_kubeconfig(cls, path: Path, *, timeout: float = 30.0) -> Api:
        cfg = yaml.safe_load(Path(path).read_text())
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        server = cluster["server"].removeprefix("https://")
        host, port = server.rsplit(":", 1)
        if "certificate-authority-data" in cluster:
            ca = base64.b64decode(cluster["certificate-authority-data"])
        else:
            ca = Path(cluster["certificate-authority"]).read_bytes()
        return cls(host, int(port), ca, user["token"], timeout=timeout)

    def _connection(self) -> http.client.HTTPSConnection:
        if self._conn is None:
            self._conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: Any = None, *,
                content_type: str = "application/json") -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else orjson.dumps(body)
            headers["Content-Type"] = content_type
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError, ssl.SSLError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get_json(self, path: str) -> Any:
        code, raw = self.request("GET", path)
        if code != 200:
            raise RuntimeError(f"GET {path}: {code} {raw[:300]!r}")
        return orjson.loads(raw)

    def list_rv(self, path: str = "/api/v1/namespaces/default/configmaps?limit=1") -> int:
        """The store's current revision (a LIST's resourceVersion)."""
        return int(self.get_json(path)["metadata"]["resourceVersion"])

    def metrics(self) -> dict[str, float]:
        """Counters from /metrics (Prometheus text), `name{labels}` -> value; {} if not served."""
        code, raw = self.request("GET", "/metrics")
        if code != 200:
            return {}
        out: dict[str, float] = {}
        for line in raw.decode().splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    out[key] = float(value)
        return out


HEARTBEATS = ("leases.coordination.k8s.io", "nodes", "nodes/status")  # node agent heartbeats, every node
WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")
_LABELS = re.compile(r'(\w+)="([^"]*)"')


def counters(metrics: dict[str, float]) -> dict[tuple[str, str, str], int]:
    """kroll_requests_total samples as {(source, verb, resource): count}."""
    out: dict[tuple[str, str, str], int] = {}
    for key, value in metrics.items():
        if key.startswith("kroll_requests_total{"):
            labels = dict(_LABELS.findall(key))
            out[(labels.get("source", ""), labels.get("verb", ""), labels.get("resource", ""))] = int(value)
    return out


def request_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """Requests served between two /metrics scrapes, node heartbeats reported apart."""
    c0, c1 = counters(before), counters(after)
    delta = {k: v - c0.get(k, 0) for k, v in c1.items() if v - c0.get(k, 0) > 0}
    work = {k: v for k, v in delta.items() if k[2] not in HEARTBEATS}
    by_verb_resource: dict[str, int] = {}
    for (source, verb, resource), v in sorted(work.items()):
        key = f"{source} {verb} {resource}"
        by_verb_resource[key] = by_verb_resource.get(key, 0) + v
    return {
        # made by the controllers and the node agent (in-process): the control plane's own cost
        "requests": sum(v for (src, _, _), v in work.items() if src == "local"),
        "write_requests": sum(v for (src, verb, _), v in work.items() if src == "local" and verb in WRITE_VERBS),
        # kubectl, and this benchmark's own probes and invariant sampler
        "http_requests": sum(v for (src, _, _), v in work.items() if src == "http"),
        "heartbeat_requests": sum(v for k, v in delta.items() if k[2] in HEARTBEATS),
        "heartbeat_writes": sum(v for (_, verb, r), v in delta.items() if r in HEARTBEATS and verb in WRITE_VERBS),
        "by_source_verb_resource": by_verb_resource,
    }


def wait_quiet(api: Api, *, settle_s: float = 1.0, timeout: float = 120.0) -> float:
    """Wait until the controllers and the agent made no request but heartbeats for `settle_s`
    (e.g. the event recorder's backlog is written); return the seconds waited."""
    def busy() -> int:
        return sum(v for (src, _, r), v in counters(api.metrics()).items() if src == "local" and r not in HEARTBEATS)

    t0 = time.monotonic()
    last, since = busy(), time.monotonic()
    while time.monotonic() - t0 < timeout:
        time.sleep(0.1)
        now = busy()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle_s:
            return round(time.monotonic() - t0 - settle_s, 2)
    raise TimeoutError("kroll did not settle")


# ---------------------------------------------------------------------------- pods

def pod_available(pod: dict[str, Any]) -> bool:
    """Available with minReadySeconds 0: Ready=True and not terminating."""
    md = pod.get("metadata") or {}
    if md.get("deletionTimestamp"):
        return False
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pods_path(namespace: str, selector: str | None = None) -> str:
    path = f"/api/v1/namespaces/{namespace}/pods"
    return path + (f"?labelSelector={selector}" if selector else "")


# ---------------------------------------------------------------------------- invariant sampler

LIST_LOAD_FACTOR = 10  # pod LIST loop: pause >= 10x the last LIST's round trip


def _sampler_main(kubeconfig: str, namespace: str, selector: str, stop: Any, out: Any, ready: Any,
                  reconnect: bool, list_pause: float, rs_pause: float) -> None:
    """Child process, three threads: a LIST loop of the pods (`list_pause` seconds between
    LISTs), a LIST loop of the ReplicaSets' statuses (`rs_pause`), and a pod watch replaying
    every revision."""
    gc.disable()  # parsing multi-MB LISTs with the collector on costs 5-10x the parse itself
    lists: list[tuple[float, int, int, int]] = []  # (t, rv, exist, available)
    rs_lists: list[tuple[float, int, int, int]] = []  # (t, rv, Σ replicas + terminating, Σ available)
    per_rev = {"min_available": None, "max_exist": None, "events": 0, "first_rv": 0, "last_rv": 0,
               "min_available_rv": 0, "max_exist_rv": 0, "error": None}
    done = threading.Event()
    open_conns: list[http.client.HTTPSConnection] = []

    def list_loop() -> None:
        # A LIST of all the pods costs the server time in proportion to the pods (about 10 ms
        # per 1,000 here): pausing LIST_LOAD_FACTOR times as long as the last one took keeps
        # this sampler's share of the server small and the same at every size.
        api = Api.from_kubeconfig(Path(kubeconfig))
        while not done.is_set():
            try:
                t = time.time()
                t0 = time.perf_counter()
                code, raw = api.request("GET", pods_path(namespace, selector))
                took = time.perf_counter() - t0
                if code != 200:
                    continue
                body = orjson.loads(raw)
                items = body["items"]
                lists.append((t, int(body["metadata"]["resourceVersion"]), len(items),
                              sum(1 for p in items if pod_available(p))))
                del body, items
                done.wait(max(list_pause, LIST_LOAD_FACTOR * took))
            except Exception:  # the server was killed (crash bench): retry until told to stop
                api.close()
                time.sleep(0.05)

    def rs_loop() -> None:
        api = Api.from_kubeconfig(Path(kubeconfig))
        path = f"/apis/apps/v1/namespaces/{namespace}/replicasets" + (f"?labelSelector={selector}" if selector else "")
        while not done.is_set():
            try:
                t = time.time()
                code, raw = api.request("GET", path)
                if code != 200:
                    continue
                body = orjson.loads(raw)
                statuses = [rs.get("status") or {} for rs in body["items"]]
                rs_lists.append((t, int(body["metadata"]["resourceVersion"]),
                                 sum(st.get("replicas", 0) + (st.get("terminatingReplicas") or 0) for st in statuses),
                                 sum(st.get("availableReplicas", 0) for st in statuses)))
                done.wait(rs_pause)
            except Exception:
                api.close()
                time.sleep(0.05)

    def watch_loop() -> None:
        # LIST, then replay every event: the state after each one is the state at its revision.
        api = Api.from_kubeconfig(Path(kubeconfig))
        state: dict[str, bool] = {}  # pod name -> available
        terminating: set[str] = set()
        avail = 0

        def record(at_rv: int) -> None:
            exist = len(state)
            if per_rev["min_available"] is None or avail < per_rev["min_available"]:
                per_rev["min_available"], per_rev["min_available_rv"] = avail, at_rv
            if per_rev["max_exist"] is None or exist > per_rev["max_exist"]:
                per_rev["max_exist"], per_rev["max_exist_rv"] = exist, at_rv
            active = exist - len(terminating)
            if per_rev.get("max_not_terminating") is None or active > per_rev["max_not_terminating"]:
                per_rev["max_not_terminating"] = active

        try:
            body = api.get_json(pods_path(namespace, selector))
            for p in body["items"]:
                state[p["metadata"]["name"]] = pod_available(p)
                if p["metadata"].get("deletionTimestamp"):
                    terminating.add(p["metadata"]["name"])
            avail = sum(state.values())
            rv = body["metadata"]["resourceVersion"]
            per_rev["first_rv"] = int(rv)
            record(int(rv))
            ready.set()
            sep = "&" if selector else "?"
            while not done.is_set():
                conn = http.client.HTTPSConnection(api.host, api.port, context=api.ctx, timeout=10)
                open_conns.append(conn)
                try:
                    conn.request("GET", pods_path(namespace, selector) + f"{sep}watch=true&resourceVersion={rv}"
                                 "&allowWatchBookmarks=true", headers={"Authorization": f"Bearer {api.token}"})
                    resp = conn.getresponse()
                    if resp.status != 200:
                        raise RuntimeError(f"watch: {resp.status} {resp.read()[:200]!r}")
                    conn.sock.settimeout(None)  # stop() shuts the socket down to end the read
                    while not done.is_set():
                        line = resp.readline()
                        if not line:
                            break
                        ev = orjson.loads(line)
                        obj = ev["object"]
                        if ev["type"] == "ERROR":
                            raise RuntimeError(f"watch error: {obj}")
                        rv = obj["metadata"]["resourceVersion"]
                        if ev["type"] == "BOOKMARK":
                            continue
                        name = obj["metadata"]["name"]
                        was = state.get(name, False)
                        if ev["type"] == "DELETED":
                            state.pop(name, None)
                            terminating.discard(name)
                            avail -= int(was)
                        else:
                            now = pod_available(obj)
                            state[name] = now
                            if obj["metadata"].get("deletionTimestamp"):
                                terminating.add(name)
                            avail += int(now) - int(was)
                        per_rev["events"] += 1
                        per_rev["last_rv"] = int(rv)
                        record(int(rv))
                except (OSError, http.client.HTTPException, ValueError):
                    if done.is_set():
                        break
                    if not reconnect:
                        raise
                    time.sleep(0.05)  # the server went away (crash bench): resume from rv
                finally:
                    conn.close()
        except Exception as exc:
            per_rev["error"] = repr(exc)
            ready.set()

    threads = [threading.Thread(target=watch_loop, daemon=True), threading.Thread(target=list_loop, daemon=True),
               threading.Thread(target=rs_loop, daemon=True)]
    threads[0].start()
    ready.wait(30)
    threads[1].start()
    threads[2].start()
    stop.wait()
    done.set()
    for conn in open_conns:
        with contextlib.suppress(Exception):
            conn.sock.shutdown(socket.SHUT_RDWR)
    for t in threads:
        t.join(10)
    out.send({"lists": lists, "rs_lists": rs_lists, "per_revision": per_rev})
    out.close()


class Sampler:
    """Runs `_sampler_main` in a child process between `start()` and `stop()`."""

    def __init__(self, kubeconfig: Path, namespace: str, selector: str, *, reconnect: bool = False,
                 list_pause: float = 0.1, rs_pause: float = 0.02) -> None:
        ctx = mp.get_context("fork")
        self._stop = ctx.Event()
        self._ready = ctx.Event()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_sampler_main,
                                 args=(str(kubeconfig), namespace, selector, self._stop, send, self._ready, reconnect,
                                       list_pause, rs_pause),
                                 daemon=True)

    def start(self) -> Sampler:
        self._proc.start()
        self._ready.wait(30)
        return self

    def stop(self, *, window: tuple[float, float] | None = None, min_available: int, max_exist: int) -> dict[str, Any]:
        """Stop and summarize; `window` (wall-clock) restricts the LIST samples counted."""
        self._stop.set()
        data = self._recv.recv() if self._recv.poll(60) else {"lists": [], "per_revision": {}}
        self._proc.join(10)
        lists, rs_lists = data["lists"], data.get("rs_lists", [])
        if window is not None:
            lists = [s for s in lists if window[0] <= s[0] <= window[1]]
            rs_lists = [s for s in rs_lists if window[0] <= s[0] <= window[1]]
        per_rev = data["per_revision"]

        def interval(samples: list) -> float | None:
            if len(samples) < 3:
                return None
            return round(statistics.median(b[0] - a[0] for a, b in itertools.pairwise(samples)) * 1000, 1)

        out: dict[str, Any] = {
            "pod_list_samples": len(lists),
            "pod_list_interval_ms_median": interval(lists),
            "pod_list_min_available": min((s[3] for s in lists), default=None),
            "pod_list_max_exist": max((s[2] for s in lists), default=None),
            "rs_status_samples": len(rs_lists),
            "rs_status_interval_ms_median": interval(rs_lists),
            "rs_status_min_available": min((s[3] for s in rs_lists), default=None),
            "rs_status_max_exist": max((s[2] for s in rs_lists), default=None),
            "watch_revisions_replayed": per_rev.get("events"),
            "watch_min_available": per_rev.get("min_available"),
            "watch_max_exist": per_rev.get("max_exist"),
            "watch_max_exist_not_terminating": per_rev.get("max_not_terminating"),
            "watch_min_available_rv": per_rev.get("min_available_rv"),
            "watch_max_exist_rv": per_rev.get("max_exist_rv"),
            "watch_error": per_rev.get("error"),
        }
        def within(kind: str) -> bool:
            low, high = out[f"{kind}_min_available"], out[f"{kind}_max_exist"]
            return low is not None and low >= min_available and high is not None and high <= max_exist

        # The pod LISTs (each a snapshot at one revision) and the watch replay (every revision)
        # see the pods themselves: they decide. The ReplicaSet statuses are sampled far more
        # often but are written by separate syncs at different times, so their sums can mix a
        # fresh status with a stale one: reported, not judged.
        out["rs_status_within_bounds"] = within("rs_status")
        out["ok"] = bool(lists) and per_rev.get("error") is None and within("pod_list") and within("watch")
        return out


# ---------------------------------------------------------------------------- machine noise, memory

class Steal:
    """CPU steal (and busy) share of all CPUs between start and stop, from /proc/stat."""

    @staticmethod
    def _read() -> list[int]:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:]]

    def __init__(self) -> None:
        self._start = self._read()

    def stop(self) -> dict[str, float]:
        end = self._read()
        delta = [b - a for a, b in zip(self._start, end, strict=False)]
        total = sum(delta[:8]) or 1  # user nice system idle iowait irq softirq steal
        steal = delta[7] if len(delta) > 7 else 0
        idle = delta[3] + delta[4]
        return {"steal_pct": round(100 * steal / total, 1), "busy_pct": round(100 * (total - idle) / total, 1)}


class RssPeak:
    """Peak RSS of a process: psutil polled every `interval` seconds, and the kernel's VmHWM."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.peak = 0
        self._proc = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(interval)

    def hwm(self) -> int | None:
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def stop(self) -> dict[str, float | None]:
        hwm = self.hwm()
        self._stop.set()
        self._thread.join(5)
        return {"rss_peak_mib_psutil": round(self.peak / 2**20, 1),
                "rss_peak_mib_vmhwm": round(hwm / 2**20, 1) if hwm else None}


# ---------------------------------------------------------------------------- deployment helpers

def deployment_manifest(name: str, replicas: int, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "app", "image": image}]}},
        },
    }


def create_deployment(k: Kroll, name: str, replicas: int, image: str) -> None:
    path = Path(tempfile.mkstemp(suffix=".json", dir=k.data_dir)[1])
    path.write_bytes(orjson.dumps(deployment_manifest(name, replicas, image)))
    k.kubectl("apply", "-f", str(path))


def deployment_settled(api: Api, name: str, replicas: int) -> bool:
    """Rollout complete and every pod of the Deployment Ready, none terminating, count exact."""
    d = api.get_json(f"/apis/apps/v1/namespaces/default/deployments/{name}")
    st = d.get("status") or {}
    if not (st.get("observedGeneration", 0) >= d["metadata"]["generation"] and st.get("replicas") == replicas
            and st.get("updatedReplicas") == replicas and st.get("availableReplicas") == replicas):
        return False
    pods = api.get_json(pods_path("default", f"app={name}"))["items"]
    return len(pods) == replicas and all(pod_available(p) for p in pods)


def wait_settled(api: Api, name: str, replicas: int, timeout: float = 600.0) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if deployment_settled(api, name, replicas):
            return time.monotonic() - t0
        time.sleep(0.2)
    raise TimeoutError(f"deployment {name} did not settle at {replicas} replicas in {timeout}s")


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def dump(result: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()
