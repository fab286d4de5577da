"""Test doubles for the node agent's unit tests: an in-memory API behind the Client protocol.

`FakeClient` is deliberately small: objects in a dict, one integer resourceVersion, optimistic
concurrency on update, the status subresource split, graceful pod deletion, and watches that
replay history after a resourceVersion. It records every call so tests can count writes. The
lead's integration tests run the agent against the real server.

Waiting is always on a condition (`wait_for`, `settle`), with a real-time timeout only as a
safety net; time inside the agent is a FakeClock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest

from kroll.agent.agent import NodeAgent
from kroll.agent.clock import FakeClock
from kroll.agent.runtimes.simulated import SimulatedRuntime
from kroll.api import errors
from kroll.api.errors import ApiError
from kroll.api.meta import format_time
from kroll.api.types import Obj
from kroll.client.interface import WatchEvent

SAFETY_TIMEOUT = 10.0


def _copy(obj: Any) -> Any:
    return orjson.loads(orjson.dumps(obj))


_GROUPS = {"pods": "", "nodes": "", "namespaces": "", "leases.coordination.k8s.io": "coordination.k8s.io"}
_KINDS = {"pods": ("v1", "Pod"), "nodes": ("v1", "Node"), "namespaces": ("v1", "Namespace"),
          "leases.coordination.k8s.io": ("coordination.k8s.io/v1", "Lease")}
_CLUSTER_SCOPED = {"nodes", "namespaces"}


class FakeClient:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.objects: dict[tuple[str, str | None, str], Obj] = {}
        self.rv = 0
        self.calls: list[tuple[str, str, str | None, str, dict[str, Any]]] = []
        self.history: list[tuple[int, str, WatchEvent]] = []
        self._watchers: list[tuple[str, asyncio.Queue[WatchEvent | ApiError | None]]] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._uids = itertools.count(1)
        self.expire_next_watch = False
        self.objects[("namespaces", None, "default")] = self._stamp("namespaces", {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})

    # -- bookkeeping ----------------------------------------------------------------------

    def _stamp(self, resource: str, obj: Obj) -> Obj:
        self.rv += 1
        m = obj.setdefault("metadata", {})
        m["resourceVersion"] = str(self.rv)
        m.setdefault("uid", f"uid-{next(self._uids):04d}")
        m.setdefault("creationTimestamp", format_time(self.clock.now()))
        api_version, kind = _KINDS[resource]
        obj.setdefault("apiVersion", api_version)
        obj.setdefault("kind", kind)
        return obj

    def _emit(self, resource: str, type_: str, obj: Obj) -> None:
        ev = WatchEvent(type_, _copy(obj))
        self.history.append((self.rv, resource, ev))
        for res, q in self._watchers:
            if res == resource:
                q.put_nowait(WatchEvent(type_, _copy(obj)))
        self._changed()

    def _changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for f in waiters:
            if not f.done():
                f.set_result(None)

    def _key(self, resource: str, namespace: str | None, name: str) -> tuple[str, str | None, str]:
        return (resource, None if resource in _CLUSTER_SCOPED else namespace, name)

    def _not_found(self, resource: str, name: str) -> ApiError:
        plural, _, group = resource.partition(".")
        return errors.not_found(plural, group, name)

    # -- Client protocol ------------------------------------------------------------------

    async def get(self, resource: str, namespace: str | None, name: str) -> Obj:
        self.calls.append(("get", resource, namespace, name, {}))
        obj = self.objects.get(self._key(resource, namespace, name))
        if obj is None:
            raise self._not_found(resource, name)
        return _copy(obj)

    async def list(self, resource: str, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None) -> tuple[list[Obj], str]:
        self.calls.append(("list", resource, namespace, "", {}))
        items = [_copy(o) for (r, ns, _), o in self.objects.items()
                 if r == resource and (namespace is None or ns == namespace)]
        return items, str(self.rv)

    def watch(self, resource: str, namespace: str | None = None, *, resource_version: str,
              label_selector: str | None = None, field_selector: str | None = None,
              allow_bookmarks: bool = True) -> AsyncIterator[WatchEvent]:
        return self._watch(resource, int(resource_version or 0))

    async def _watch(self, resource: str, rv: int) -> AsyncIterator[WatchEvent]:
        self.calls.append(("watch", resource, None, "", {"resource_version": rv}))
        if self.expire_next_watch:
            self.expire_next_watch = False
            raise errors.gone("too old resource version")
        q: asyncio.Queue[WatchEvent | ApiError | None] = asyncio.Queue()
        for erv, res, ev in self.history:
            if res == resource and erv > rv:
                q.put_nowait(WatchEvent(ev.type, _copy(ev.object)))
        entry = (resource, q)
        self._watchers.append(entry)
        try:
            while True:
                item = await q.get()
                self._changed()
                if item is None:
                    return
                if isinstance(item, ApiError):
                    raise item
                yield item
        finally:
            self._watchers.remove(entry)

    async def create(self, resource: str, namespace: str | None, obj: Obj, *, subresource: str | None = None,
                     name: str | None = None) -> Obj:
        obj = _copy(obj)
        name = obj.get("metadata", {}).get("name", "")
        self.calls.append(("create", resource, namespace, name, {}))
        key = self._key(resource, namespace, name)
        if resource not in _CLUSTER_SCOPED and ("namespaces", None, namespace) not in self.objects:
            raise errors.not_found("namespaces", "", namespace or "")
        if key in self.objects:
            plural, _, group = resource.partition(".")
            raise errors.already_exists(plural, group, name)
        if resource not in _CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace
        self.objects[key] = self._stamp(resource, obj)
        self._emit(resource, "ADDED", obj)
        return _copy(obj)

    async def update(self, resource: str, namespace: str | None, obj: Obj, *,
                     subresource: str | None = None) -> Obj:
        obj = _copy(obj)
        name = obj.get("metadata", {}).get("name", "")
        self.calls.append(("update", resource, namespace, name, {"subresource": subresource, "body": obj}))
        key = self._key(resource, namespace, name)
        current = self.objects.get(key)
        if current is None:
            raise self._not_found(resource, name)
        m = obj.get("metadata", {})
        plural, _, group = resource.partition(".")
        if m.get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise errors.conflict(plural, group, name)
        if m.get("uid") and m["uid"] != current["metadata"]["uid"]:
            raise errors.conflict(plural, group, name, "Precondition failed: UID mismatch")
        new = _copy(current)
        if subresource == "status":
            new["status"] = obj.get("status", {})
        elif resource in ("pods", "nodes"):
            new["metadata"] = {**m, "uid": current["metadata"]["uid"]}
            new["spec"] = obj.get("spec", {})
        else:
            new = {**obj, "metadata": {**m, "uid": current["metadata"]["uid"]}}
        self.objects[key] = self._stamp(resource, new)
        self._emit(resource, "MODIFIED", new)
        return _copy(new)

    async def patch(self, resource: str, namespace: str | None, name: str, patch: Any, *,
                    patch_type: str = "", subresource: str | None = None) -> Obj:
        raise NotImplementedError("the agent does not patch")

    async def delete(self, resource: str, namespace: str | None, name: str, *,
                     propagation_policy: str | None = None, grace_period_seconds: int | None = None,
                     preconditions: dict[str, str] | None = None) -> Obj | None:
        self.calls.append(("delete", resource, namespace, name,
                           {"grace_period_seconds": grace_period_seconds, "preconditions": preconditions}))
        key = self._key(resource, namespace, name)
        current = self.objects.get(key)
        if current is None:
            raise self._not_found(resource, name)
        if preconditions and preconditions.get("uid") not in (None, current["metadata"]["uid"]):
            plural, _, group = resource.partition(".")
            raise errors.conflict(plural, group, name, "Precondition failed: UID mismatch")
        if resource == "pods" and grace_period_seconds != 0:
            grace = 30 if grace_period_seconds is None else grace_period_seconds
            new = _copy(current)
            new["metadata"]["deletionTimestamp"] = format_time(self.clock.now() + dt.timedelta(seconds=grace))
            new["metadata"]["deletionGracePeriodSeconds"] = grace
            self.objects[key] = self._stamp(resource, new)
            self._emit(resource, "MODIFIED", new)
            return _copy(new)
        del self.objects[key]
        self.rv += 1
        gone = _copy(current)
        gone["metadata"]["resourceVersion"] = str(self.rv)
        self._emit(resource, "DELETED", gone)
        return gone

    # -- test helpers ---------------------------------------------------------------------

    def obj(self, resource: str, namespace: str | None, name: str) -> Obj | None:
        return self.objects.get(self._key(resource, namespace, name))

    def pod(self, name: str, namespace: str = "default") -> Obj:
        pod = self.obj("pods", namespace, name)
        assert pod is not None, f"pod {name} is gone"
        return pod

    def writes(self, verb: str, resource: str, *, subresource: str | None = None, name: str | None = None) -> list:
        return [c for c in self.calls if c[0] == verb and c[1] == resource
                and (subresource is None or c[4].get("subresource") == subresource)
                and (name is None or c[3] == name)]

    def status_writes(self, name: str) -> list[Obj]:
        return [c[4]["body"]["status"] for c in self.writes("update", "pods", subresource="status", name=name)]

    def pending_events(self) -> int:
        return sum(q.qsize() for _, q in self._watchers)

    def expire_watches(self) -> None:
        """Make every open watch fail with 410 Gone, and the next one too."""
        for _, q in self._watchers:
            q.put_nowait(errors.gone("too old resource version"))
        self._changed()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(SAFETY_TIMEOUT):
            while not predicate():
                fut = asyncio.get_running_loop().create_future()
                self._waiters.append(fut)
                await fut

    async def add_pod(self, name: str, *, node: str | None = "node-1", namespace: str = "default",
                      annotations: dict[str, str] | None = None, containers: list[Obj] | None = None,
                      **spec: Any) -> Obj:
        body: Obj = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
            "spec": {"containers": containers or [{"name": "app", "image": "nginx:1.25"}],
                     "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, **spec},
        }
        if node:
            body["spec"]["nodeName"] = node
        return await self.create("pods", namespace, body)

    async def delete_gracefully(self, name: str, grace: int = 30, namespace: str = "default") -> None:
        await self.delete("pods", namespace, name, grace_period_seconds=grace)


class Harness:
    """An agent on a fake clock and fake API, plus the ways to drive them."""

    def __init__(self, nodes: list[str] | None = None, *, client: FakeClient | None = None,
                 clock: FakeClock | None = None, **kwargs: Any) -> None:
        self.clock = clock or FakeClock()
        self.client = client or FakeClient(self.clock)
        self.runtime = SimulatedRuntime(self.clock)
        self.agent = NodeAgent(self.client, nodes or ["node-1"], self.runtime, self.clock, **kwargs)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> Harness:
        self.task = asyncio.create_task(self.agent.run())
        await self.settle()
        return self

    async def stop(self) -> None:
        await self.agent.stop()
        if self.task is not None:
            await self.task

    async def settle(self) -> None:
        """Until the agent has nothing to do and has seen every event the API sent it."""
        async with asyncio.timeout(SAFETY_TIMEOUT):
            while True:
                await self.agent.wait_idle()
                if self.client.pending_events() == 0 and self.agent.is_idle():
                    return
                await self.client.wait_for(lambda: self.client.pending_events() == 0)

    async def run_for(self, seconds: float) -> None:
        await self.clock.run_for(seconds, settle=self.settle)

    def elapsed(self, since: dt.datetime) -> float:
        return (self.clock.now() - since).total_seconds()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests here in a fresh event loop (no pytest-asyncio needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True


@pytest.fixture
def make_harness() -> type[Harness]:
    return Harness


@pytest.fixture
def fake_client() -> type[FakeClient]:
    return FakeClient
