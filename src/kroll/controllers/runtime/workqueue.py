"""A rate-limited work queue of keys, as client-go's workqueue.

Keys (never objects) are queued; a key is processed by at most one worker at a time; a
key added while it is being processed is processed once more afterwards; failures are
retried with per-key exponential backoff (5 ms doubling up to 1000 s, like client-go's
default item rate limiter); `add_after` schedules a key for later. A key may rest after
it is done (`done(key, rest=...)`): adds during the rest are held and the key is queued
once when the rest ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
BASE_DELAY = 0.005
MAX_DELAY = 1000.0


class WorkQueue:
    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._dirty: set[str] = set()
        self._failures: dict[str, int] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._resting: dict[str, bool] = {}  # key -> added while resting
        self._wakeup = asyncio.Event()
        self._shutdown = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: str) -> None:
        if self._shutdown:
            return
        if key in self._processing:
            self._dirty.add(key)
            return
        if key in self._resting:
            self._resting[key] = True
            return
        if key in self._queued:
            return
        self._queued.add(key)
        self._queue.append(key)
        self._wakeup.set()

    def add_after(self, key: str, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        existing = self._timers.get(key)
        due = loop.time() + delay
        if existing is not None and existing.when() <= due:
            return
        if existing is not None:
            existing.cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            self.add(key)

        self._timers[key] = loop.call_at(due, fire)

    def add_rate_limited(self, key: str) -> None:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.add_after(key, min(MAX_DELAY, BASE_DELAY * (2 ** failures)))

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    async def get(self) -> str | None:
        while not self._queue:
            if self._shutdown:
                return None
            self._wakeup.clear()
            await self._wakeup.wait()
        key = self._queue.popleft()
        self._queued.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: str, *, rest: float | None = None) -> None:
        self._processing.discard(key)
        if rest and not self._shutdown:
            self._resting[key] = key in self._dirty
            self._dirty.discard(key)
            asyncio.get_running_loop().call_later(rest, self._rested, key)
            return
        if key in self._dirty:
            self._dirty.discard(key)
            self.add(key)

    def _rested(self, key: str) -> None:
        if self._resting.pop(key, False):
            self.add(key)

    def shutdown(self) -> None:
        self._shutdown = True
        for timer in self._timers.values():
            timer.cancel()
        self._wakeup.set()


async def run_workers(queue: WorkQueue, sync: Callable[[str], Awaitable[float | None]], *, workers: int) -> None:
    """Run `workers` coroutines pulling keys; a sync that raises is retried with backoff; a
    sync may return a rest time for its key (see WorkQueue.done)."""

    async def worker() -> None:
        while True:
            key = await queue.get()
            if key is None:
                return
            rest = None
            try:
                rest = await sync(key)
                queue.forget(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("%s: sync %s failed: %s", queue.name, key, exc)
                queue.add_rate_limited(key)
            finally:
                queue.done(key, rest=rest)

    tasks = [asyncio.create_task(worker(), name=f"{queue.name}-worker-{i}") for i in range(workers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(BaseException):
                await t
