"""Records core/v1 Events for controllers, as client-go's event recorder does.

Writes happen in the background (a controller never waits on its events). Repeats of the
same (object, type, reason, message, source) bump `count` and `lastTimestamp` on the
existing Event. A spam filter per (source, object) allows a burst of 25 events, then one
per 5 minutes, like client-go's EventSourceObjectSpamFilter, which keeps a 1,000-replica
rollout from writing 1,000 "Created pod" events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from kroll.api import meta
from kroll.api.errors import ApiError
from kroll.api.types import MERGE_PATCH, Obj
from kroll.client.interface import Client

log = logging.getLogger(__name__)
SPAM_BURST = 25
SPAM_REFILL_SECONDS = 300.0
MAX_CACHED = 4096


class EventRecorder:
    def __init__(self, client: Client, *, monotonic: Callable[[], float] = time.monotonic,
                 clock: Callable = meta.now) -> None:
        self.client = client
        self.monotonic = monotonic
        self.clock = clock
        self._queue: asyncio.Queue[tuple[Obj, str, str, str, str]] = asyncio.Queue(maxsize=10000)
        self._seen: dict[tuple, tuple[str, str, int]] = {}  # key -> (namespace, event name, count)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # -> (tokens, last refill)
        self._task: asyncio.Task | None = None

    def record(self, involved: Obj, type_: str, reason: str, message: str, component: str) -> None:
        if not self._allow(component, involved):
            return
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait((involved, type_, reason, message, component))

    def _allow(self, component: str, involved: Obj) -> bool:
        key = (component, involved.get("metadata", {}).get("uid", ""))
        now = self.monotonic()
        tokens, last = self._buckets.get(key, (float(SPAM_BURST), now))
        tokens = min(float(SPAM_BURST), tokens + (now - last) / SPAM_REFILL_SECONDS)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-recorder")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._write(*item)
            except asyncio.CancelledError:
                raise
            except ApiError as exc:
                log.debug("event not recorded: %s", exc)
            except Exception:
                log.exception("event not recorded")

    async def _write(self, involved: Obj, type_: str, reason: str, message: str, component: str) -> None:
        md = involved.get("metadata", {})
        namespace = md.get("namespace") or "default"
        key = (md.get("uid", ""), type_, reason, message, component)
        now = meta.format_time(self.clock())
        seen = self._seen.get(key)
        if seen is not None:
            ns, name, count = seen
            try:
                await self.client.patch("events", ns, name, {"count": count + 1, "lastTimestamp": now},
                                        patch_type=MERGE_PATCH)
                self._seen[key] = (ns, name, count + 1)
                return
            except ApiError as exc:
                if exc.code != 404:
                    raise
        name = f"{md.get('name', '')}.{time.time_ns():x}"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {
                "apiVersion": involved.get("apiVersion", ""),
                "kind": involved.get("kind", ""),
                "name": md.get("name", ""),
                "namespace": md.get("namespace", ""),
                "uid": md.get("uid", ""),
                "resourceVersion": md.get("resourceVersion", ""),
            },
            "reason": reason,
            "message": message,
            "source": {"component": component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": "",
        }
        if not event["involvedObject"]["namespace"]:
            del event["involvedObject"]["namespace"]
        await self.client.create("events", namespace, event)
        if len(self._seen) > MAX_CACHED:
            self._seen.clear()
        self._seen[key] = (namespace, name, 1)
