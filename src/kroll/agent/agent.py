"""The node agent: kubelet for N virtual nodes, in one asyncio component.

What it does, in upstream's terms:

* **Registers the nodes** (create, or update the existing Node after a restart) with
  capacity, conditions, addresses and nodeInfo (pkg/kubelet/nodestatus/setters.go), then
  **heartbeats**: renews each node's Lease in `kube-node-lease` every `heartbeat_seconds`
  and rewrites node status (lastHeartbeatTime) every `node_status_seconds`, as kubelet does
  with its lease-based heartbeat (pkg/kubelet/nodelease, kubelet_node_status.go).
* **Runs the pods bound to its nodes**: one list + watch of all pods (relist on 410), filtered
  by spec.nodeName. For each pod it starts init containers in order, then the containers,
  through the `Runtime`; applies restartPolicy with kubelet's CrashLoopBackOff back-off; kills
  containers whose liveness probe fails; and writes the status kubelet would (`podstatus`)
  through the `pods/status` subresource.
* **Graceful deletion**: a pod with deletionTimestamp gets its containers stopped with the
  deletion grace period, then is deleted with grace 0 and a uid precondition, as kubelet's
  status manager does once a pod's containers are gone.

Shape (why it scales to hundreds of pods per second):

* One watch task turns events into *dirty* pod uids. One worker task syncs dirty pods: a sync
  is one pure-ish step ("given the pod and what the runtime reports now, start/stop what
  should be, compute the status") that never waits. Time-driven follow-ups (a back-off that
  ends, a probe that flips readiness) go into **one heap of due times** with a single timer
  armed for the earliest; there are no per-pod tasks.
* API writes are queued to a fixed pool of writer tasks (`max_concurrent_writes`); a pod has
  at most one write in flight, and is re-synced afterwards if it changed meanwhile.
* A status is written only when it differs from the last one written (compared with what
  we generated, so server-side normalisation cannot cause write loops). A pod that is ready
  at once goes from bound to Running+Ready in **one** write. Condition lastTransitionTimes
  are carried over while their status is unchanged (availability counts from Ready's).
* **Restart**: after a control-plane restart the first list sees pods with status. Their
  containers are *adopted* (`Runtime.adopt_container`): running ones keep running with the
  same id and startedAt, restart counts and lastState are kept, and the recomputed status
  equals the stored one, so nothing is written. A pod that was already terminating keeps
  shutting down from the SIGTERM the previous incarnation sent (deletionTimestamp minus the
  grace period), as its process would have.

Every read of the time goes through the injected `Clock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import heapq
import itertools
import logging
import platform
import uuid
from dataclasses import dataclass, field
from typing import Any

from kroll.agent import podstatus
from kroll.agent.clock import Clock, Timer
from kroll.agent.runtimes.base import ContainerPhase, ContainerState, Runtime
from kroll.api import errors
from kroll.api.errors import ApiError
from kroll.api.meta import format_micro_time, format_time, is_being_deleted, parse_time
from kroll.api.types import Obj
from kroll.client.interface import Client

log = logging.getLogger("kroll.agent")

KUBELET_VERSION = "v1.37.0"
LEASE_NAMESPACE = "kube-node-lease"
LEASE_RESOURCE = "leases.coordination.k8s.io"
LEASE_DURATION_SECONDS = 40
HOST_IP = "127.0.0.1"
KUBELET_PORT = 10250
DEFAULT_GRACE_SECONDS = 30
NODE_CAPACITY = {
    "cpu": "4",
    "ephemeral-storage": "100Gi",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    "memory": "16Gi",
    "pods": "110",
}
# (type, status, reason, message), in kubelet's order (nodestatus/setters.go)
NODE_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
_TERMINAL = podstatus.TERMINAL_PHASES
_RETRY_SECONDS = 1.0


def _arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine or "amd64")


def _os_image() -> str:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", "Linux")
    except OSError:
        return "Linux"


def _rv(obj: Obj) -> int | None:
    try:
        return int(obj.get("metadata", {}).get("resourceVersion", ""))
    except ValueError:
        return None


def _sigterm_time(pod: Obj) -> dt.datetime | None:
    """When the API server asked for the pod's shutdown: deletionTimestamp is that moment plus
    the grace period (to the second, so this may be up to a second early)."""
    m = pod.get("metadata", {})
    deleted = parse_time(m.get("deletionTimestamp"))
    if deleted is None:
        return None
    return deleted - dt.timedelta(seconds=float(m.get("deletionGracePeriodSeconds") or 0))


def _newer(a: Obj, b: Obj) -> bool:
    """Is `a` a later version of the object than `b`? (kroll's resourceVersions are integers.)"""
    ra, rb = _rv(a), _rv(b)
    if ra is None or rb is None:
        return a.get("metadata", {}).get("resourceVersion") != b.get("metadata", {}).get("resourceVersion")
    return ra > rb


class _IPs:
    """Unique fake pod IPs: node i hands out 10.244.i.2-254 (its podCIDR 10.244.i.0/24), and
    past that (or past node 250) addresses from 10.245.0.0-10.255.255.255, shared by all nodes."""

    def __init__(self, node_names: list[str]) -> None:
        self._index = {n: i for i, n in enumerate(node_names)}
        self._used: set[str] = set()
        self._cursor: dict[str, int] = {}
        self._overflow_cursor = 0

    def cidr(self, node: str) -> str | None:
        i = self._index[node]
        return f"10.244.{i}.0/24" if i < 250 else None

    def reserve(self, ip: str) -> None:
        self._used.add(ip)

    def release(self, ip: str | None) -> None:
        if ip:
            self._used.discard(ip)

    def allocate(self, node: str) -> str:
        i = self._index[node]
        if i < 250:
            # next-fit from a cursor, so a freed address is not handed out again at once
            start = self._cursor.get(node, 0)
            for step in range(253):
                host = 2 + (start + step) % 253
                ip = f"10.244.{i}.{host}"
                if ip not in self._used:
                    self._cursor[node] = (start + step + 1) % 253
                    self._used.add(ip)
                    return ip
        size = 11 * 65536
        for _ in range(size):
            n = self._overflow_cursor
            self._overflow_cursor = (n + 1) % size
            ip = f"10.{245 + n // 65536}.{(n // 256) % 256}.{n % 256}"
            if n % 256 not in (0, 255) and ip not in self._used:
                self._used.add(ip)
                return ip
        raise RuntimeError("out of fake pod IPs")


@dataclass
class _ContainerRec:
    restart_count: int = 0
    last_state: Obj | None = None  # lastState while the current instance is the newest
    backoff: float | None = None  # seconds, kubelet's per-container back-off entry
    backoff_set: float | None = None  # monotonic time the entry was last set
    waiting: tuple[str, str] | None = None  # (reason, message) decided by the last sync


@dataclass
class _PodRec:
    uid: str
    namespace: str
    name: str
    node: str
    pod: Obj  # newest version seen (watch or write response); never mutated
    containers: dict[str, _ContainerRec] = field(default_factory=dict)
    start_time: str | None = None
    pod_ip: str | None = None
    adopt: bool = False
    stop_since: dt.datetime | None = None  # SIGTERM time of a pod found terminating at adoption
    terminal: bool = False  # Succeeded/Failed: nothing runs or restarts any more
    final: Obj | None = None  # the terminal status we decided on (None if found terminal)
    generated: Obj | None = None  # the status we last generated and wrote (or found in place)
    observed: Obj | None = None  # that status as the server stored it
    next_due: float | None = None
    in_flight: bool = False
    pending: tuple[str, Any] | None = None  # ("status", status) | ("delete", None)
    delete_sent: bool = False
    sidecars_stopped: bool = False
    gone: bool = False


class NodeAgent:
    """Kubelet for `node_names`, talking to the API only through `client`.

    `run()` registers the nodes and runs until `stop()`. `read_logs` serves pods/log.
    """

    def __init__(
        self,
        client: Client,
        node_names: list[str],
        runtime: Runtime,
        clock: Clock,
        *,
        heartbeat_seconds: float = 10.0,
        node_status_seconds: float = 60.0,
        max_concurrent_writes: int = 64,
    ) -> None:
        if not node_names:
            raise ValueError("NodeAgent needs at least one node name")
        self._client = client
        self._nodes = list(node_names)
        self._node_set = frozenset(node_names)
        self._runtime = runtime
        self._clock = clock
        self._heartbeat_seconds = heartbeat_seconds
        self._node_status_seconds = node_status_seconds
        self._writers = max(1, max_concurrent_writes)
        self._ips = _IPs(self._nodes)
        self._os_image = _os_image()
        self._arch = _arch()
        self._kernel = platform.release()

        self._pods: dict[str, _PodRec] = {}
        self._by_name: dict[tuple[str, str], str] = {}
        self._dirty: dict[str, None] = {}  # an ordered set
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._write_q: asyncio.Queue[_PodRec] = asyncio.Queue()
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._parked = False
        self._listed = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._done = asyncio.Event()
        self._running = False
        self.registered = asyncio.Event()  # set once every Node object exists

        self._node_objs: dict[str, Obj] = {}
        self._leases: dict[str, Obj] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Register the nodes, then heartbeat and run pods until `stop()` is called."""
        self._running = True
        self._runtime.set_listener(self._on_runtime_change)
        main = asyncio.create_task(self._main(), name="kroll-agent")
        stopper = asyncio.create_task(self._stop_requested.wait())
        try:
            done, _ = await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if main in done:
                main.result()  # surfaces a crash
        finally:
            for t in (main, stopper):
                t.cancel()
            await asyncio.gather(main, stopper, return_exceptions=True)
            self._done.set()

    async def stop(self) -> None:
        self._stop_requested.set()
        if self._running:
            await self._done.wait()

    async def _main(self) -> None:
        await asyncio.gather(*(self._register_node(n) for n in self._nodes))
        self.registered.set()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._heartbeats(), name="kroll-agent-heartbeats")
            tg.create_task(self._watch_pods(), name="kroll-agent-watch")
            tg.create_task(self._worker(), name="kroll-agent-worker")
            for i in range(self._writers):
                tg.create_task(self._writer(), name=f"kroll-agent-writer-{i}")

    def is_idle(self) -> bool:
        """Pods listed, nothing dirty, no API write queued or in flight."""
        return (self._listed.is_set() and self._parked and not self._wake.is_set() and not self._dirty
                and self._in_flight == 0)

    async def wait_idle(self) -> None:
        """Wait until `is_idle()` (for tests and start-up checks; does not cover heartbeats)."""
        await self._listed.wait()
        while not self.is_idle():
            await self._idle.wait()

    # -- nodes and leases --------------------------------------------------------------------

    def _node_labels(self, name: str) -> dict[str, str]:
        return {
            "beta.kubernetes.io/arch": self._arch,
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": self._arch,
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": self._runtime.runtime_version.split("://", 1)[0],
        }

    def _node_status(self, name: str, old: Obj | None) -> Obj:
        now = format_time(self._clock.now())
        old = old or {}
        old_conds = {c.get("type"): c for c in old.get("conditions") or ()}
        conditions = []
        for type_, status, reason, message in NODE_CONDITIONS:
            prev = old_conds.get(type_)
            since = prev.get("lastTransitionTime") if prev and prev.get("status") == status else None
            conditions.append({
                "type": type_, "status": status, "lastHeartbeatTime": now,
                "lastTransitionTime": since or now, "reason": reason, "message": message,
            })
        ident = hashlib.sha256(name.encode()).hexdigest()
        status = dict(old)
        status.update({
            "capacity": dict(NODE_CAPACITY),
            "allocatable": dict(NODE_CAPACITY),
            "conditions": conditions,
            "addresses": [{"type": "InternalIP", "address": HOST_IP}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
            "nodeInfo": {
                "machineID": ident[:32],
                "systemUUID": str(uuid.UUID(ident[32:64])),
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_OID, f"kroll-boot/{name}")),
                "kernelVersion": self._kernel,
                "osImage": self._os_image,
                "containerRuntimeVersion": self._runtime.runtime_version,
                "kubeletVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": self._arch,
            },
        })
        return status

    async def _register_node(self, name: str) -> None:
        delay = 0.5
        while True:
            try:
                await self._ensure_node(name)
                await self._renew_lease(name)
                return
            except Exception as e:
                log.warning("registering node %s: %s; retrying in %.1fs", name, e, delay)
            await self._clock.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _ensure_node(self, name: str) -> None:
        labels = self._node_labels(name)
        try:
            node = await self._client.get("nodes", None, name)
        except ApiError as e:
            if e.code != 404:
                raise
            cidr = self._ips.cidr(name)
            body: Obj = {
                "apiVersion": "v1", "kind": "Node",
                "metadata": {
                    "name": name, "labels": labels,
                    "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach": "true"},
                },
                "spec": {"podCIDR": cidr, "podCIDRs": [cidr]} if cidr else {},
                "status": self._node_status(name, None),
            }
            try:
                node = await self._client.create("nodes", None, body)
            except ApiError as e2:
                if e2.code != 409:
                    raise
                node = await self._client.get("nodes", None, name)
        current = node.get("metadata", {}).get("labels") or {}
        if any(current.get(k) != v for k, v in labels.items()):
            meta = dict(node["metadata"])
            meta["labels"] = {**current, **labels}
            node = await self._client.update("nodes", None, {**node, "metadata": meta})
        self._node_objs[name] = node
        await self._update_node_status(name)

    async def _update_node_status(self, name: str) -> None:
        for _ in range(5):
            node = self._node_objs.get(name) or await self._client.get("nodes", None, name)
            body = {**node, "status": self._node_status(name, node.get("status"))}
            try:
                self._node_objs[name] = await self._client.update("nodes", None, body, subresource="status")
                return
            except ApiError as e:
                if e.code != 409:
                    raise
                self._node_objs.pop(name, None)
        raise errors.conflict("nodes", "", name, "kept conflicting while updating node status")

    def _lease_body(self, name: str, old: Obj | None) -> Obj:
        spec = dict((old or {}).get("spec") or {})
        spec.update({
            "holderIdentity": name,
            "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": format_micro_time(self._clock.now()),
        })
        if old is not None:
            return {**old, "spec": spec}
        meta: Obj = {"name": name, "namespace": LEASE_NAMESPACE}
        node_uid = self._node_objs.get(name, {}).get("metadata", {}).get("uid")
        if node_uid:
            meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": name, "uid": node_uid}]
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta, "spec": spec}

    async def _renew_lease(self, name: str) -> None:
        for _ in range(4):
            lease = self._leases.get(name)
            try:
                if lease is None:
                    try:
                        lease = await self._client.get(LEASE_RESOURCE, LEASE_NAMESPACE, name)
                    except ApiError as e:
                        if e.code != 404:
                            raise
                        self._leases[name] = await self._create_lease(name)
                        return
                self._leases[name] = await self._client.update(
                    LEASE_RESOURCE, LEASE_NAMESPACE, self._lease_body(name, lease))
                return
            except ApiError as e:
                if e.code not in (404, 409):
                    raise
                self._leases.pop(name, None)

    async def _create_lease(self, name: str) -> Obj:
        body = self._lease_body(name, None)
        try:
            return await self._client.create(LEASE_RESOURCE, LEASE_NAMESPACE, body)
        except ApiError as e:
            if e.code == 409:
                return await self._client.get(LEASE_RESOURCE, LEASE_NAMESPACE, name)
            if e.code != 404:
                raise
        # the namespace is missing: create it, then the lease
        with contextlib.suppress(ApiError):
            await self._client.create("namespaces", None, {
                "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LEASE_NAMESPACE}})
        return await self._client.create(LEASE_RESOURCE, LEASE_NAMESPACE, body)

    async def _heartbeat_node(self, name: str) -> None:
        try:
            await self._update_node_status(name)
        except ApiError as e:
            if e.code != 404:
                raise
            log.warning("node %s was deleted; registering it again", name)
            self._node_objs.pop(name, None)
            await self._ensure_node(name)

    async def _heartbeats(self) -> None:
        next_lease = self._clock.monotonic() + self._heartbeat_seconds
        next_status = self._clock.monotonic() + self._node_status_seconds
        while True:
            await self._clock.sleep_until(min(next_lease, next_status))
            now = self._clock.monotonic()
            jobs = []
            if now >= next_lease:
                next_lease = now + self._heartbeat_seconds
                jobs += [self._renew_lease(n) for n in self._nodes]
            if now >= next_status:
                next_status = now + self._node_status_seconds
                jobs += [self._heartbeat_node(n) for n in self._nodes]
            for result in await asyncio.gather(*jobs, return_exceptions=True):
                if isinstance(result, Exception):
                    log.warning("node heartbeat failed: %s", result)

    # -- pod events --------------------------------------------------------------------------

    async def _watch_pods(self) -> None:
        delay = 0.5
        while True:
            try:
                items, rv = await self._client.list("pods")
                self._relisted(items)
                self._listed.set()
                delay = 0.5
                while True:
                    events = 0
                    async for ev in self._client.watch("pods", resource_version=rv):
                        events += 1
                        if ev.type == "ERROR":
                            st = ev.object
                            raise ApiError(int(st.get("code") or 500), st.get("reason", ""), st.get("message", ""))
                        rv = ev.object.get("metadata", {}).get("resourceVersion") or rv
                        if ev.type == "BOOKMARK":
                            continue
                        self._on_pod_event(ev.type, ev.object)
                    if not events:  # closed without a word: do not spin
                        await self._clock.sleep(1.0)
            except ApiError as e:
                if e.code == 410:
                    log.info("pod watch expired; relisting")
                    continue
                log.warning("pod watch failed: %s; relisting in %.1fs", e, delay)
            except Exception:
                log.exception("pod watch failed; relisting in %.1fs", delay)
            await self._clock.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _relisted(self, items: list[Obj]) -> None:
        seen = set()
        # Pods already being deleted go first (sorted is stable): after a restart, finishing
        # their shutdown frees their place, while the controllers are already replacing them.
        for pod in sorted(items, key=lambda p: not is_being_deleted(p)):
            if pod.get("spec", {}).get("nodeName") in self._node_set:
                seen.add(pod.get("metadata", {}).get("uid"))
                self._upsert(pod)
        for uid in [u for u in self._pods if u not in seen]:
            self._forget(uid)

    def _on_pod_event(self, type_: str, pod: Obj) -> None:
        if type_ == "DELETED":
            self._forget(pod.get("metadata", {}).get("uid", ""))
        elif pod.get("spec", {}).get("nodeName") in self._node_set:
            self._upsert(pod)

    def _upsert(self, pod: Obj) -> None:
        m = pod.get("metadata", {})
        uid = m.get("uid", "")
        rec = self._pods.get(uid)
        if rec is None:
            status = pod.get("status") or {}
            rec = _PodRec(uid=uid, namespace=m.get("namespace", ""), name=m.get("name", ""),
                          node=pod["spec"]["nodeName"], pod=pod)
            rec.adopt = bool(status.get("containerStatuses") or status.get("initContainerStatuses"))
            rec.start_time = status.get("startTime")
            rec.terminal = status.get("phase") in _TERMINAL
            if status.get("podIP") and not pod["spec"].get("hostNetwork"):
                rec.pod_ip = status["podIP"]
                self._ips.reserve(rec.pod_ip)
            self._pods[uid] = rec
            self._by_name[(rec.namespace, rec.name)] = uid
            self._mark_dirty(uid)
            return
        if not _newer(pod, rec.pod):
            return  # the echo of our own write, or an older event
        old, rec.pod = rec.pod, pod
        if (
            m.get("deletionTimestamp") != old.get("metadata", {}).get("deletionTimestamp")
            or pod.get("spec") != old.get("spec")
            or pod.get("status") != rec.observed
        ):
            self._mark_dirty(uid)

    def _forget(self, uid: str) -> None:
        rec = self._pods.pop(uid, None)
        if rec is None:
            return
        rec.gone = True
        self._dirty.pop(uid, None)
        if self._by_name.get((rec.namespace, rec.name)) == uid:
            del self._by_name[(rec.namespace, rec.name)]
        if rec.pod_ip and rec.pod_ip != HOST_IP:
            self._ips.release(rec.pod_ip)
        self._runtime.remove_pod(uid)

    def _on_runtime_change(self, uid: str) -> None:
        if uid in self._pods:
            self._mark_dirty(uid)

    # -- scheduling --------------------------------------------------------------------------

    def _poke(self) -> None:
        self._idle.clear()
        self._wake.set()

    def _mark_dirty(self, uid: str) -> None:
        self._dirty[uid] = None
        self._poke()

    def _schedule(self, rec: _PodRec, deadline: float) -> None:
        now = self._clock.monotonic()
        if rec.next_due is not None and now < rec.next_due <= deadline:
            return  # an earlier wake-up is already due; that sync reschedules
        rec.next_due = deadline
        heapq.heappush(self._heap, (deadline, next(self._seq), rec.uid))

    async def _worker(self) -> None:
        while True:
            now = self._clock.monotonic()
            while self._heap and self._heap[0][0] <= now:
                deadline, _, uid = heapq.heappop(self._heap)
                rec = self._pods.get(uid)
                if rec is not None and rec.next_due == deadline:
                    rec.next_due = None
                    self._dirty[uid] = None
            batch = [uid for uid in self._dirty if uid in self._pods and not self._pods[uid].in_flight]
            if not batch:
                timer: Timer | None = None
                if self._heap:
                    timer = self._clock.call_at(self._heap[0][0], self._poke)
                self._parked = True
                if not self._dirty and self._in_flight == 0:
                    self._idle.set()
                try:
                    await self._wake.wait()
                finally:
                    self._parked = False
                    self._idle.clear()
                    self._wake.clear()
                    if timer is not None:
                        timer.cancel()
                continue
            for n, uid in enumerate(batch):
                self._dirty.pop(uid, None)
                rec = self._pods.get(uid)
                if rec is None:
                    continue
                try:
                    await self._sync(rec)
                except Exception:
                    log.exception("syncing pod %s/%s", rec.namespace, rec.name)
                    self._schedule(rec, self._clock.monotonic() + _RETRY_SECONDS)
                if n % 256 == 255:
                    await asyncio.sleep(0)  # let writers and the watch run during big batches

    def _enqueue(self, rec: _PodRec, kind: str, payload: Any = None) -> None:
        rec.pending = (kind, payload)
        rec.in_flight = True
        self._in_flight += 1
        self._idle.clear()
        self._write_q.put_nowait(rec)

    async def _writer(self) -> None:
        while True:
            rec = await self._write_q.get()
            job, rec.pending = rec.pending, None
            try:
                if job is not None and job[0] == "status":
                    await self._write_status(rec, job[1])
                elif job is not None and job[0] == "delete":
                    await self._delete_pod(rec)
            except Exception as e:
                log.warning("writing pod %s/%s: %s; retrying", rec.namespace, rec.name, e)
                if job is not None and job[0] == "delete":
                    rec.delete_sent = False
                if not rec.gone:
                    self._schedule(rec, self._clock.monotonic() + _RETRY_SECONDS)
            finally:
                rec.in_flight = False
                self._in_flight -= 1
                self._poke()

    async def _write_status(self, rec: _PodRec, status: Obj) -> None:
        body = {**rec.pod, "status": status}
        try:
            resp = await self._client.update("pods", rec.namespace, body, subresource="status")
        except ApiError as e:
            if e.code == 404:
                return  # deleted: the watch will say so
            if e.code != 409:
                raise
            try:
                fresh = await self._client.get("pods", rec.namespace, rec.name)
            except ApiError as e2:
                if e2.code == 404:
                    return
                raise
            if fresh.get("metadata", {}).get("uid") == rec.uid and not rec.gone:
                if _newer(fresh, rec.pod):
                    rec.pod = fresh
                    self._dirty[rec.uid] = None
                else:  # a read that lags our own view: give the watch a moment to catch up
                    self._schedule(rec, self._clock.monotonic() + _RETRY_SECONDS)
            return
        rec.generated = status
        rec.observed = resp.get("status")
        if _newer(resp, rec.pod):
            rec.pod = resp

    async def _delete_pod(self, rec: _PodRec) -> None:
        try:
            await self._client.delete("pods", rec.namespace, rec.name, grace_period_seconds=0,
                                      preconditions={"uid": rec.uid})
        except ApiError as e:
            if e.code not in (404, 409):
                raise

    # -- one pod -----------------------------------------------------------------------------

    async def _sync(self, rec: _PodRec) -> None:
        if rec.delete_sent:
            return
        if rec.adopt:
            rec.adopt = False
            if is_being_deleted(rec.pod):
                rec.stop_since = _sigterm_time(rec.pod)
            await self._adopt(rec)
        if is_being_deleted(rec.pod):
            await self._sync_terminating(rec)
            return
        if rec.terminal:
            if rec.final is not None:  # until the terminal status is written
                self._offer_status(rec, rec.final)
            return
        pod = rec.pod
        spec = pod.get("spec", {})
        if rec.start_time is None:
            rec.start_time = format_time(self._clock.now())
        if rec.pod_ip is None:
            rec.pod_ip = HOST_IP if spec.get("hostNetwork") else self._ips.allocate(rec.node)
        policy = spec.get("restartPolicy") or "Always"
        due: list[float] = []
        initialized = True
        for c in spec.get("initContainers") or ():
            if podstatus.is_restartable_init(c):
                if rec.sidecars_stopped:
                    continue  # the main containers are done: sidecars are not restarted
                st = await self._sync_container(rec, c, "Always", due)
                probes = self._runtime.probe_results(rec.uid, c["name"])
                if st is None or st.phase is not ContainerPhase.RUNNING or probes is None or not probes.started:
                    initialized = False
                    break
            else:
                st = await self._sync_container(rec, c, "Never" if policy == "Never" else "OnFailure", due)
                if st is None or st.phase is not ContainerPhase.EXITED or st.exit_code != 0:
                    initialized = False
                    break
        if initialized:
            finished = True
            for c in spec.get("containers") or ():
                st = await self._sync_container(rec, c, policy, due)
                if st is None or st.phase is not ContainerPhase.EXITED or podstatus.should_restart(policy, st.exit_code):
                    finished = False
            if finished:  # sidecars stop once the main containers are done for good
                rec.sidecars_stopped = True
                for c in spec.get("initContainers") or ():
                    if podstatus.is_restartable_init(c):
                        await self._runtime.stop_container(rec.uid, c["name"], self._grace(pod))
        status = self._status(rec)
        if status["phase"] in _TERMINAL:
            rec.terminal, rec.final = True, status
        self._offer_status(rec, status)
        if not rec.terminal:
            nc = self._runtime.next_change(rec.uid)
            if nc is not None:
                due.append(nc)
            if due:
                self._schedule(rec, min(due))

    @staticmethod
    def _grace(pod: Obj, probe: Obj | None = None) -> float:
        if probe and probe.get("terminationGracePeriodSeconds") is not None:
            return float(probe["terminationGracePeriodSeconds"])
        g = pod.get("spec", {}).get("terminationGracePeriodSeconds")
        return float(DEFAULT_GRACE_SECONDS if g is None else g)

    async def _sync_container(self, rec: _PodRec, c: Obj, policy: str, due: list[float]) -> ContainerState | None:
        """Start, restart or kill one container as kubelet would; return its state after."""
        name = c["name"]
        uid = rec.uid
        cr = rec.containers.setdefault(name, _ContainerRec())
        cr.waiting = None
        rt = self._runtime
        # Bounded: a container that fails at once goes start → exit → restart → exit → back-off.
        for _ in range(5):
            st = rt.container_state(uid, name)
            if st is None:
                await rt.start_container(rec.pod, c)
                continue
            if st.phase is ContainerPhase.CREATING:
                return st
            if st.phase is ContainerPhase.RUNNING:
                probes = rt.probe_results(uid, name)
                image_changed = st.image != c.get("image", "")
                if not image_changed and (probes is None or probes.live):
                    return st
                # the definition changed, or the liveness/startup probe gave up: kill it
                grace = self._grace(rec.pod, None if image_changed else (c.get("livenessProbe") or c.get("startupProbe")))
                await rt.stop_container(uid, name, grace)
                after = rt.container_state(uid, name)
                if after is None or after.phase is not ContainerPhase.EXITED:
                    return after
                if image_changed:  # restarted with the new definition, no back-off
                    cr.last_state = self._terminated(after)
                    cr.restart_count += 1
                    await rt.start_container(rec.pod, c)
                continue
            # EXITED
            if not podstatus.should_restart(policy, st.exit_code):
                return st
            now_m = self._clock.monotonic()
            since_exit = (self._clock.now() - st.finished_at).total_seconds() if st.finished_at else 0.0
            since_set = None if cr.backoff_set is None else now_m - cr.backoff_set
            wait = podstatus.backoff_remaining(cr.backoff, since_set, since_exit)
            if wait > 0:
                assert cr.backoff is not None
                cr.waiting = ("CrashLoopBackOff", podstatus.backoff_message(cr.backoff, name, rec.pod))
                due.append(now_m + wait)
                return st
            cr.backoff = podstatus.next_backoff(cr.backoff, since_set)
            cr.backoff_set = now_m
            cr.last_state = self._terminated(st)
            cr.restart_count += 1
            await rt.start_container(rec.pod, c)
        return rt.container_state(uid, name)

    @staticmethod
    def _terminated(st: ContainerState) -> Obj:
        return podstatus.terminated_state(
            exit_code=st.exit_code or 0, reason=st.reason, started_at=st.started_at,
            finished_at=st.finished_at, container_id=st.container_id, message=st.message)

    def _container_status(self, rec: _PodRec, c: Obj, *, init: bool) -> Obj:
        name = c["name"]
        cr = rec.containers.get(name) or _ContainerRec()
        st = self._runtime.container_state(rec.uid, name)
        image = c.get("image", "")
        common = {"name": name, "restart_count": cr.restart_count}
        if st is None or st.phase is ContainerPhase.CREATING:
            reason = "ContainerCreating" if st is not None or not rec.pod["spec"].get("initContainers") else "PodInitializing"
            return podstatus.container_status(
                **common, state=podstatus.waiting_state(reason), last_state=cr.last_state, ready=False,
                image=image, image_id="", container_id="", started=False)
        if st.phase is ContainerPhase.RUNNING:
            probes = self._runtime.probe_results(rec.uid, name)
            sidecar = init and podstatus.is_restartable_init(c)
            ready = bool(probes and probes.ready) and (sidecar or not init)
            started = bool(probes and probes.started)
            return podstatus.container_status(
                **common, state=podstatus.running_state(st.started_at or self._clock.now()),
                last_state=cr.last_state, ready=ready, image=st.image, image_id=st.image_id,
                container_id=st.container_id, started=started)
        terminated = self._terminated(st)
        if cr.waiting is not None:
            state, last = podstatus.waiting_state(*cr.waiting), terminated
        else:
            state, last = terminated, cr.last_state
        ready = init and not podstatus.is_restartable_init(c) and st.exit_code == 0
        return podstatus.container_status(
            **common, state=state, last_state=last, ready=ready, image=st.image, image_id=st.image_id,
            container_id=st.container_id, started=False)

    def _status(self, rec: _PodRec) -> Obj:
        spec = rec.pod.get("spec", {})
        return podstatus.generate_pod_status(
            rec.pod,
            container_statuses=[self._container_status(rec, c, init=False) for c in spec.get("containers") or ()],
            init_container_statuses=[self._container_status(rec, c, init=True)
                                     for c in spec.get("initContainers") or ()],
            host_ip=HOST_IP,
            pod_ip=rec.pod_ip,
            start_time=rec.start_time,
            now=self._clock.now(),
        )

    def _offer_status(self, rec: _PodRec, status: Obj) -> None:
        current = rec.pod.get("status")
        if rec.generated is not None:
            if status == rec.generated and current == rec.observed:
                return
        elif status == current:
            rec.generated, rec.observed = status, current  # adopted as it stands
            return
        self._enqueue(rec, "status", status)

    async def _sync_terminating(self, rec: _PodRec) -> None:
        meta = rec.pod.get("metadata", {})
        grace = meta.get("deletionGracePeriodSeconds")
        grace = self._grace(rec.pod) if grace is None else float(grace)
        running = False
        for name in rec.containers:
            st = self._runtime.container_state(rec.uid, name)
            if st is None or st.phase is ContainerPhase.EXITED:
                continue
            await self._runtime.stop_container(rec.uid, name, grace, since=rec.stop_since)
            st = self._runtime.container_state(rec.uid, name)
            if st is not None and st.phase is not ContainerPhase.EXITED:
                running = True
        if not running:
            rec.delete_sent = True
            self._enqueue(rec, "delete")
            return
        nc = self._runtime.next_change(rec.uid)
        if nc is not None:
            self._schedule(rec, nc)

    async def _adopt(self, rec: _PodRec) -> None:
        """Take over the containers a previous incarnation of the agent started."""
        status = rec.pod.get("status") or {}
        spec = rec.pod.get("spec", {})
        known = {cs.get("name"): cs for cs in (status.get("initContainerStatuses") or [])
                 + (status.get("containerStatuses") or [])}
        for c in list(spec.get("initContainers") or ()) + list(spec.get("containers") or ()):
            cs = known.get(c.get("name"))
            if cs is None:
                continue
            cr = rec.containers.setdefault(c["name"], _ContainerRec())
            cr.restart_count = int(cs.get("restartCount") or 0)
            last = cs.get("lastState") or {}
            cr.last_state = last if last.get("terminated") else None
            adopted = await self._runtime.adopt_container(rec.pod, c, cs)
            if adopted is not None and "waiting" in (cs.get("state") or {}):
                cr.last_state = None  # that exited instance is now the current one

    # -- logs --------------------------------------------------------------------------------

    async def read_logs(
        self,
        namespace: str,
        pod_name: str,
        container: str | None,
        *,
        previous: bool = False,
        tail_lines: int | None = None,
        timestamps: bool = False,
    ) -> bytes:
        """What `GET pods/<name>/log` returns, or ApiError as the API server + kubelet would."""
        uid = self._by_name.get((namespace, pod_name))
        rec = self._pods.get(uid) if uid else None
        if rec is None:
            raise errors.not_found("pods", "", pod_name)
        spec = rec.pod.get("spec", {})
        names = [c.get("name", "") for c in spec.get("containers") or ()]
        init_names = [c.get("name", "") for c in spec.get("initContainers") or ()]
        if not container:
            if len(names) == 1:
                container = names[0]
            elif not names:
                raise errors.bad_request(f"a container name must be specified for pod {pod_name}")
            else:
                msg = f"a container name must be specified for pod {pod_name}, choose one of: [{' '.join(names)}]"
                if init_names:
                    msg += f" or one of the init containers: [{' '.join(init_names)}]"
                raise errors.bad_request(msg)
        elif container not in names and container not in init_names:
            raise errors.bad_request(f"container {container} is not valid for pod {pod_name}")
        status = rec.generated or rec.pod.get("status") or {}
        cs = next((s for s in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
                   if s.get("name") == container), None)
        state = (cs or {}).get("state") or {}
        last_terminated = ((cs or {}).get("lastState") or {}).get("terminated")
        # In back-off the newest instance is the exited one lastState describes: kubelet
        # serves it both as the current and as the previous container.
        in_backoff = "waiting" in state and last_terminated is not None
        if previous:
            if last_terminated is None:
                raise errors.bad_request(f'previous terminated container "{container}" in pod "{pod_name}" not found')
            want_previous = not in_backoff
        elif cs is None or ("waiting" in state and last_terminated is None):
            reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
            raise errors.bad_request(f'container "{container}" in pod "{pod_name}" is waiting to start: {reason}')
        else:
            want_previous = False
        data = await self._runtime.logs(rec.uid, container, previous=want_previous, tail_lines=tail_lines,
                                        timestamps=timestamps)
        return data or b""
