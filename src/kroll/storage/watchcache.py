"""The in-memory watch cache: a ring of recent committed events and pull-based fan-out.

The store appends each committed batch of events, in revision order, with `append`. The
ring keeps the newest `capacity` events; everything older than `floor` has been evicted,
so a watch may start after any revision >= `floor` (older ones raise `TooOld`, which the
API answers with 410 Expired, as upstream's `cacher/watch_cache.go` does).

When the store closes, watchers first deliver every event committed before the close,
then end; a dropped watcher (and one its consumer closed) stops at once.

Fan-out is *pull*, not push: a watcher is a cursor into the ring plus its prefix and
predicate. `append` only wakes the watchers that are waiting (one future each), so its
cost is one pass over the watchers per committed batch, whatever the batch size, and it
never blocks; each consumer filters and copies its own events in its own task, which also
keeps a slow predicate or a failing one out of the write path. Nothing is re-read from
SQLite.

A watcher's lag budget (`max_lag`) plays the role of a bounded per-watcher queue: it
counts the events appended since the watcher was created that it has not yet read past.
When `append` finds a watcher over budget (or about to lose events to eviction), it drops
the watcher: its next read raises `TooSlow`, and the client re-watches from its last
revision. Worked example: `max_lag=5000` at 1,000 events/s lets a consumer stall for 5 s;
the backlog a watcher starts with (resuming from an old revision) is not counted, so a
watcher may replay up to the whole ring without being dropped as long as it reads faster
than events arrive.

Selector transitions are resolved here, per watcher, from the previous attrs each event
carries (upstream `cacher/cache_watcher.go`, convertToWatchEvent): with a predicate, a
MODIFIED event whose object starts matching is delivered as ADDED, and one whose object
stops matching as DELETED carrying the previous value (`value_rev` tells the API layer to
re-stamp it with the event's revision).
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import AsyncIterator

from kroll.storage.interface import ADDED, DELETED, MODIFIED, Predicate, TooOld, TooSlow, WatchClosed, WatchEvent

__all__ = ["CacheWatcher", "WatchCache"]

def _rev_of(ev: WatchEvent) -> int:
    return ev.rev


def _for_predicate(ev: WatchEvent, predicate: Predicate) -> WatchEvent | None:
    """The event as a watcher with this predicate sees it, or None to skip it."""
    if ev.type == MODIFIED:
        now = predicate(ev.attrs)
        before = ev.prev_attrs is not None and predicate(ev.prev_attrs)
        if now and before:
            return ev
        if now:  # started matching: the watcher never saw this object, so it is new to it
            return WatchEvent(ADDED, ev.key, ev.rev, ev.value, ev.attrs, ev.prev_value, ev.prev_attrs, ev.prev_rev,
                              ev.value_rev)
        if before and ev.prev_value is not None:  # stopped matching: gone, as far as the watcher knows
            return WatchEvent(DELETED, ev.key, ev.rev, ev.prev_value, ev.prev_attrs, ev.prev_value, ev.prev_attrs,
                              ev.prev_rev, ev.prev_rev)
        return None
    # ADDED carries the new attrs, DELETED the attrs of the value it removes
    return ev if predicate(ev.attrs) else None


class WatchCache:
    def __init__(self, *, capacity: int, floor: int, events: list[WatchEvent] | None = None,
                 max_lag: int = 5000) -> None:
        """`events` are the newest committed events (revisions > `floor`, ascending), e.g.
        reloaded from disk on startup; `floor` is the revision before the oldest of them."""
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self._capacity = capacity
        self._max_lag = max_lag
        self._events: list[WatchEvent] = []
        self._base = 0  # absolute sequence number of self._events[0]
        self._start = 0  # index in self._events of the oldest retained event (earlier ones are evicted)
        self._floor = floor
        self._watchers: set[CacheWatcher] = set()
        self._closed = False
        if events:
            self.append(events)

    @property
    def floor(self) -> int:
        """Watches may start after any revision >= floor."""
        return self._floor

    @property
    def head(self) -> int:
        """The newest revision in the ring (the floor when it is empty)."""
        return self._events[-1].rev if len(self._events) > self._start else self._floor

    def __len__(self) -> int:
        return len(self._events) - self._start

    @property
    def watcher_count(self) -> int:
        return len(self._watchers)

    def events_after(self, rev: int) -> list[WatchEvent]:
        """The retained events with revision > rev (for tests and debugging)."""
        i = bisect.bisect_right(self._events, rev, lo=self._start, key=_rev_of)
        return self._events[i:]

    def append(self, batch: list[WatchEvent]) -> None:
        """Add committed events (ascending revisions, all newer than `head`) and wake watchers."""
        events = self._events
        events.extend(batch)
        excess = len(events) - self._start - self._capacity
        if excess > 0:
            self._start += excess
            self._floor = events[self._start - 1].rev
            # Drop evicted references in chunks, so that trimming the list front stays
            # amortized O(1) per event.
            if self._start >= max(1024, self._capacity // 4):
                del events[: self._start]
                self._base += self._start
                self._start = 0
        head = self._base + len(events)
        oldest = self._base + self._start
        dropped: list[CacheWatcher] = []
        for w in self._watchers:
            fut = w._fut
            if fut is not None:  # waiting, hence caught up: just wake it
                w._fut = None
                if not fut.done():
                    fut.set_result(None)
            elif w._cursor < oldest or head - max(w._cursor, w._start_head) > w._max_lag:
                dropped.append(w)
        for w in dropped:
            lag = head - w._cursor
            w._stop(TooSlow(f"watcher of {w._prefix!r} fell {lag} events behind (limit {w._max_lag}); dropped"))

    def watch(self, prefix: str, *, after_rev: int, predicate: Predicate | None = None,
              max_lag: int | None = None) -> CacheWatcher:
        if self._closed:
            raise WatchClosed("store closed")
        if after_rev < self._floor:
            raise TooOld(after_rev, self._floor)
        i = bisect.bisect_right(self._events, after_rev, lo=self._start, key=_rev_of)
        w = CacheWatcher(self, prefix, predicate, cursor=self._base + i, progress=after_rev,
                         max_lag=self._max_lag if max_lag is None else max_lag)
        self._watchers.add(w)
        return w

    def close(self) -> None:
        """Close every watcher: their iteration ends."""
        self._closed = True
        for w in list(self._watchers):
            w._stop(WatchClosed("store closed"), drain=True)


class CacheWatcher:
    """A cursor into a `WatchCache`; see `kroll.storage.interface.Watcher`."""

    __slots__ = ("_cache", "_cursor", "_drain_first", "_error", "_fut", "_max_lag", "_predicate", "_prefix",
                 "_progress", "_start_head")

    def __init__(self, cache: WatchCache, prefix: str, predicate: Predicate | None, *, cursor: int,
                 progress: int, max_lag: int) -> None:
        self._cache = cache
        self._prefix = prefix
        self._predicate = predicate
        self._cursor = cursor  # absolute sequence number of the next event to look at
        self._start_head = cache._base + len(cache._events)  # events before this are backlog, not lag
        self._progress = progress
        self._max_lag = max_lag
        self._error: WatchClosed | None = None
        self._drain_first = False  # deliver the events already committed before raising _error
        self._fut: asyncio.Future[None] | None = None

    @property
    def progress(self) -> int:
        return self._progress

    @property
    def closed(self) -> bool:
        """True once the watcher is closed or dropped and has nothing left to deliver."""
        if self._error is None:
            return False
        cache = self._cache
        return not self._drain_first or self._cursor >= cache._base + len(cache._events)

    def __aiter__(self) -> AsyncIterator[WatchEvent]:
        return self

    async def __anext__(self) -> WatchEvent:
        try:
            batch = await self.next_batch(max_events=1)
        except TooSlow:
            raise
        except WatchClosed:
            raise StopAsyncIteration from None
        return batch[0]

    def poll(self, max_events: int = 1000) -> list[WatchEvent]:
        if max_events < 1:
            raise ValueError("max_events must be >= 1")
        error = self._error
        if error is not None and not self._drain_first:
            raise error
        out = self._drain(max_events)
        if not out and error is not None:  # closed by the store, and every committed event delivered
            raise error
        return out

    async def next_batch(self, max_events: int = 1000) -> list[WatchEvent]:
        loop = asyncio.get_running_loop()
        while True:
            out = self.poll(max_events)
            if out:
                return out
            fut: asyncio.Future[None] = loop.create_future()
            self._fut = fut
            try:
                await fut  # resolved by WatchCache.append or _stop; cancelling leaves the cursor as it was
            finally:
                if self._fut is fut:
                    self._fut = None

    def _drain(self, max_events: int) -> list[WatchEvent]:
        cache = self._cache
        events = cache._events
        i = self._cursor - cache._base
        if i < cache._start:  # cannot happen unless append() missed a drop; never skip events silently
            self._stop(TooSlow(f"watcher of {self._prefix!r} lost events to eviction; dropped"))
            raise self._error  # type: ignore[misc]
        n = len(events)
        # A watch that started after a future revision skips the events up to it.
        while i < n and events[i].rev <= self._progress:
            i += 1
        if i >= n:
            self._cursor = cache._base + i
            return []
        prefix = self._prefix
        predicate = self._predicate
        out: list[WatchEvent] = []
        if predicate is None and prefix in ("", "/"):
            out = events[i : i + max_events]
            i += len(out)
        else:
            while i < n:
                ev = events[i]
                i += 1
                if not ev.key.startswith(prefix):
                    continue
                if predicate is not None:
                    ev = _for_predicate(ev, predicate)  # type: ignore[assignment]
                    if ev is None:
                        continue
                out.append(ev)
                if len(out) >= max_events:
                    break
        self._cursor = cache._base + i
        self._progress = max(self._progress, events[i - 1].rev)
        return out

    def _stop(self, error: WatchClosed, *, drain: bool = False) -> None:
        if self._error is None:
            self._error = error
            self._drain_first = drain
        self._cache._watchers.discard(self)
        fut, self._fut = self._fut, None
        if fut is not None and not fut.done():
            fut.set_result(None)

    def close(self) -> None:
        self._stop(WatchClosed("watcher closed"))
