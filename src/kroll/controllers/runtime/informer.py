"""List + watch one resource into a local cache, with event handlers and indexes.

Like client-go's shared informer: list, then watch from the list's resourceVersion; on a
410 (the watch fell behind compaction) or a dropped stream, relist and synthesize the
deletes and updates the cache missed. The cache holds dicts that handlers and controllers
must treat as read-only. `wait_for(rv)` lets a controller wait until its own writes are
visible in the cache (the read-your-writes barrier that replaces upstream's expectations).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from kroll.api.errors import ApiError
from kroll.api.meta import controller_ref, key_of
from kroll.api.types import Obj
from kroll.client.interface import Client

log = logging.getLogger(__name__)
BARRIER_TIMEOUT = 5.0
Handler = Callable[[Obj | None, Obj | None], None]  # (old, new): add = (None, new), delete = (old, None)


class Informer:
    def __init__(self, client: Client, resource: str, *, namespace: str | None = None) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.cache: dict[str, Obj] = {}
        self.by_namespace: dict[str, dict[str, Obj]] = {}
        self.by_owner: dict[str, dict[str, Obj]] = {}  # controller uid -> key -> obj
        self.by_uid: dict[str, Obj] = {}
        self.handlers: list[Handler] = []
        self.synced = asyncio.Event()
        self.last_rv = 0
        self._rv_waiters: list[tuple[int, asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    def add_handler(self, handler: Handler) -> None:
        self.handlers.append(handler)

    # ------------------------------------------------------------------ reads
    def get(self, namespace: str | None, name: str) -> Obj | None:
        return self.cache.get(f"{namespace}/{name}" if namespace else name)

    def in_namespace(self, namespace: str) -> list[Obj]:
        return list(self.by_namespace.get(namespace, {}).values())

    def owned_by(self, uid: str) -> list[Obj]:
        return list(self.by_owner.get(uid, {}).values())

    def items(self) -> list[Obj]:
        return list(self.cache.values())

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"informer:{self.resource}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait_for(self, rv: int) -> None:
        """Return once the cache has seen resourceVersion `rv` of this resource (or later).

        Bounded by BARRIER_TIMEOUT: a watch that restarts may skip straight past `rv`.
        """
        if self.last_rv >= rv:
            return
        fut = asyncio.get_running_loop().create_future()
        self._rv_waiters.append((rv, fut))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(BARRIER_TIMEOUT):
                await fut

    async def _run(self) -> None:
        while True:
            try:
                rv = await self._relist()
                self.synced.set()
                async for event in self.client.watch(self.resource, self.namespace, resource_version=rv):
                    obj = event.object
                    event_rv = int(obj.get("metadata", {}).get("resourceVersion") or 0)
                    if event.type == "BOOKMARK":
                        self._advance(event_rv)
                        continue
                    if event.type == "DELETED":
                        self._delete(obj)
                    elif event.type in ("ADDED", "MODIFIED"):
                        self._upsert(obj)
                    self._advance(event_rv)
            except asyncio.CancelledError:
                raise
            except ApiError as exc:
                if exc.code != 410:
                    log.warning("watch of %s failed: %s", self.resource, exc)
                    await asyncio.sleep(0.5)
            except Exception:
                log.exception("informer for %s crashed; relisting", self.resource)
                await asyncio.sleep(0.5)

    async def _relist(self) -> str:
        items, rv = await self.client.list(self.resource, self.namespace)
        seen = set()
        for obj in items:
            seen.add(key_of(obj))
            self._upsert(obj)
        for key in [k for k in self.cache if k not in seen]:
            self._delete(self.cache[key])
        self._advance(int(rv or 0))
        return rv

    def _advance(self, rv: int) -> None:
        if rv <= self.last_rv:
            return
        self.last_rv = rv
        if self._rv_waiters:
            remaining = []
            for want, fut in self._rv_waiters:
                if want <= rv:
                    if not fut.done():
                        fut.set_result(None)
                else:
                    remaining.append((want, fut))
            self._rv_waiters = remaining

    def _index(self, obj: Obj, *, add: bool) -> None:
        key = key_of(obj)
        md = obj.get("metadata", {})
        ns = md.get("namespace", "")
        ref = controller_ref(obj)
        owner = ref.get("uid") if ref else ""
        if add:
            self.by_namespace.setdefault(ns, {})[key] = obj
            self.by_owner.setdefault(owner, {})[key] = obj
            if md.get("uid"):
                self.by_uid[md["uid"]] = obj
        else:
            self.by_namespace.get(ns, {}).pop(key, None)
            self.by_owner.get(owner, {}).pop(key, None)
            if md.get("uid") and self.by_uid.get(md["uid"]) is obj:
                del self.by_uid[md["uid"]]

    def _upsert(self, obj: Obj) -> None:
        key = key_of(obj)
        old = self.cache.get(key)
        if old is not None:
            if old.get("metadata", {}).get("resourceVersion") == obj.get("metadata", {}).get("resourceVersion"):
                return
            self._index(old, add=False)
        self.cache[key] = obj
        self._index(obj, add=True)
        self._notify(old, obj)

    def _delete(self, obj: Obj) -> None:
        key = key_of(obj)
        old = self.cache.pop(key, None)
        if old is None:
            return
        self._index(old, add=False)
        self._notify(old, None)

    def _notify(self, old: Obj | None, new: Obj | None) -> None:
        for handler in self.handlers:
            try:
                handler(old, new)
            except Exception:
                log.exception("handler for %s failed", self.resource)


def informer_factory(client: Client) -> Callable[[str], Informer]:
    """One shared informer per resource, as client-go's SharedInformerFactory."""
    informers: dict[str, Informer] = {}

    def get(resource: str) -> Informer:
        if resource not in informers:
            informers[resource] = Informer(client, resource)
        return informers[resource]

    get.all = informers  # type: ignore[attr-defined]
    return get


def noop(*_: Any) -> None:
    return None
