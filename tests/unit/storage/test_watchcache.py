"""Watches: replay from a revision, TooOld, selector transitions, slow watchers, close."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from storage_helpers import enc, obj, rv

from kroll.storage import ADDED, DELETED, MODIFIED, SqliteStore, TooOld, TooSlow, WatchClosed, WatchEvent, open_store
from kroll.storage.watchcache import WatchCache


async def _open(path: Path, **kw: object) -> SqliteStore:
    store = await open_store(path, compact_interval=None, **kw)
    assert isinstance(store, SqliteStore)
    return store


def _ev(rev: int, key: str = "/pods/ns/a") -> WatchEvent:
    return WatchEvent(ADDED, key, rev, b"{}", {}, None, None, 0, rev)


async def test_watch_from_revision_in_order_with_prefix(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        for i in range(3):
            await store.create(f"/pods/ns1/p{i}", enc(obj(f"p{i}")))  # 1-3
        await store.create("/nodes/n1", enc(obj("n1")))  # 4
        await store.create("/pods/ns2/q", enc(obj("q")))  # 5
        w = store.watch("/pods/", after_rev=1)
        ns1 = store.watch("/pods/ns1/", after_rev=0)
        assert [(e.type, e.key, e.rev) for e in w.poll()] == [
            (ADDED, "/pods/ns1/p1", 2), (ADDED, "/pods/ns1/p2", 3), (ADDED, "/pods/ns2/q", 5)]
        assert w.progress == 5
        assert [e.rev for e in ns1.poll(max_events=2)] == [1, 2]
        assert ns1.progress == 2
        assert [e.rev for e in ns1.poll()] == [3]
        assert ns1.progress == 5  # scanned past the non-matching events: a bookmark may say 5

        # live events after commit, in revision order
        got: list[WatchEvent] = []

        async def consume() -> None:
            async for ev in w:
                got.append(ev)
                if len(got) == 3:
                    return

        consumer = asyncio.create_task(consume())
        p0 = await store.get("/pods/ns1/p0")
        assert p0 is not None
        await store.update("/pods/ns1/p0", enc(obj("p0", x=1)), expected_rev=p0.rev)  # 6
        await store.create("/nodes/n2", enc(obj("n2")))  # 7: not under /pods/
        await store.delete("/pods/ns2/q")  # 8
        await store.create("/pods/ns2/r", enc(obj("r")))  # 9
        await consumer
        assert [(e.type, e.key, e.rev) for e in got] == [
            (MODIFIED, "/pods/ns1/p0", 6), (DELETED, "/pods/ns2/q", 8), (ADDED, "/pods/ns2/r", 9)]
        assert got[0].prev_value == p0.value and got[0].prev_rev == p0.rev
        assert rv(got[0].value) == "6"


async def test_watch_from_the_future_and_from_now(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        await store.create("/pods/ns/a", enc(obj("a")))
        now = store.watch("/", after_rev=store.current_revision())
        future = store.watch("/", after_rev=3)
        assert now.poll() == [] and now.progress == 1
        for name in "bcd":
            await store.create(f"/pods/ns/{name}", enc(obj(name)))
        assert [e.rev for e in now.poll()] == [2, 3, 4]
        assert [e.rev for e in future.poll()] == [4]


async def test_too_old(tmp_path: Path) -> None:
    async with await _open(tmp_path, history=10) as store:
        with pytest.raises(TooOld):
            store.watch("/", after_rev=-1)
        for i in range(30):
            await store.create(f"/pods/ns/p{i}", enc(obj(f"p{i}")))
        assert store.watch_cache.floor == 20
        with pytest.raises(TooOld) as ei:
            store.watch("/pods/", after_rev=19)
        assert (ei.value.requested, ei.value.oldest) == (19, 20)
        assert str(ei.value) == "too old resource version: 19 (20)"
        assert [e.rev for e in store.watch("/pods/", after_rev=20).poll()] == list(range(21, 31))
        assert store.watch("/pods/", after_rev=30).poll() == []


async def test_selector_transitions(tmp_path: Path) -> None:
    def web(attrs: object) -> bool:
        return attrs.get("labels", {}).get("app") == "web"  # type: ignore[attr-defined]

    async with await _open(tmp_path) as store:
        w = store.watch("/pods/", after_rev=0, predicate=web)
        a = await store.create("/pods/ns/a", enc(obj("a", v=1)), {"labels": {"app": "web"}})  # 1 ADDED
        await store.create("/pods/ns/b", enc(obj("b")), {"labels": {"app": "db"}})  # 2 skipped
        a2 = await store.update("/pods/ns/a", enc(obj("a", v=2)), {"labels": {"app": "db"}},
                                expected_rev=a.rev)  # 3 stops matching: DELETED
        a3 = await store.update("/pods/ns/a", enc(obj("a", v=3)), {"labels": {"app": "db"}},
                                expected_rev=a2.rev)  # 4 skipped
        a4 = await store.update("/pods/ns/a", enc(obj("a", v=4)), {"labels": {"app": "web"}},
                                expected_rev=a3.rev)  # 5 starts matching: ADDED
        a5 = await store.update("/pods/ns/a", enc(obj("a", v=5)), {"labels": {"app": "web"}},
                                expected_rev=a4.rev)  # 6 MODIFIED
        await store.delete("/pods/ns/b")  # 7 skipped: b never matched
        await store.delete("/pods/ns/a", expected_rev=a5.rev)  # 8 DELETED
        events = w.poll()
        assert [(e.type, e.rev) for e in events] == [(ADDED, 1), (DELETED, 3), (ADDED, 5), (MODIFIED, 6),
                                                     (DELETED, 8)]
        gone = events[1]
        # the object as the watcher last saw it; the API layer re-stamps it with the event's revision
        assert (gone.value, gone.value_rev, gone.attrs) == (a.value, 1, {"labels": {"app": "web"}})
        assert events[2].value == a4.value and events[2].value_rev == 5
        assert w.progress == 8


async def test_slow_watcher_is_dropped_and_writers_never_wait(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        slow = store.watch("/", after_rev=0, max_lag=5)
        waiting = store.watch("/", after_rev=0, max_lag=5)
        got: list[int] = []

        async def keep_up() -> None:
            async for ev in waiting:
                got.append(ev.rev)

        consumer = asyncio.create_task(keep_up())
        await asyncio.sleep(0)  # the consumer is now parked in next_batch
        for i in range(20):  # nobody reads `slow`: writes still complete
            await store.create(f"/pods/ns/p{i}", enc(obj(f"p{i}")))
        with pytest.raises(TooSlow):
            slow.poll()
        assert slow.closed
        assert store.watch_cache.watcher_count == 1
        await store.close()
        await consumer  # the live watcher got everything, then its iteration ended
        assert got == list(range(1, 21))


async def test_backlog_is_not_lag(tmp_path: Path) -> None:
    """Only events that arrived after the watch began count against the lag budget, so a
    watcher resuming from far back may replay the whole ring if it reads fast enough."""
    async with await _open(tmp_path, history=100) as store:
        for i in range(50):
            await store.create(f"/pods/ns/p{i}", enc(obj(f"p{i}")))
        reader = store.watch("/", after_rev=0, max_lag=5)
        idle = store.watch("/", after_rev=0, max_lag=5)
        revs: list[int] = []
        for i in range(50, 60):
            # after step k (k <= 5) the reader is at 10k of a backlog of 50, with k new events unread
            revs += [e.rev for e in reader.poll(max_events=10)]
            await store.create(f"/pods/ns/p{i}", enc(obj(f"p{i}")))
        revs += [e.rev for e in reader.poll()]
        assert revs == list(range(1, 61))
        with pytest.raises(TooSlow):  # six new events unread, budget five
            idle.poll()


async def test_store_close_delivers_committed_events_then_ends(tmp_path: Path) -> None:
    store = await _open(tmp_path)
    w = store.watch("/", after_rev=0)
    for i in range(5):
        await store.create(f"/pods/ns/p{i}", enc(obj(f"p{i}")))
    await store.close()
    assert not w.closed
    assert [e.rev async for e in w] == [1, 2, 3, 4, 5]
    assert w.closed
    with pytest.raises(WatchClosed):
        await w.next_batch()
    with pytest.raises(WatchClosed):
        store.watch("/", after_rev=0)


async def test_consumer_close_and_cancellation(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        w = store.watch("/", after_rev=0)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):  # an idle watch: the API sends a BOOKMARK here
                await w.next_batch()
        await store.create("/pods/ns/a", enc(obj("a")))
        assert [e.rev for e in await w.next_batch()] == [1]  # nothing lost to the cancelled wait

        parked = asyncio.create_task(w.next_batch())
        await asyncio.sleep(0)
        w.close()
        with pytest.raises(WatchClosed):
            await parked
        assert w.closed and store.watch_cache.watcher_count == 0
        await store.create("/pods/ns/b", enc(obj("b")))
        with pytest.raises(WatchClosed):  # closed by its consumer: no more events
            w.poll()


def test_ring_eviction_and_trimming() -> None:
    cache = WatchCache(capacity=1500, floor=0, max_lag=10_000)
    w = cache.watch("/", after_rev=0)
    for start in range(1, 5001, 100):
        cache.append([_ev(r) for r in range(start, start + 100)])
        assert [e.rev for e in w.poll(max_events=1000)] == list(range(start, start + 100))
    assert cache.head == 5000 and len(cache) == 1500 and cache.floor == 3500
    assert len(cache._events) <= 1500 + max(1024, 1500 // 4)  # evicted references are released
    assert [e.rev for e in cache.events_after(4990)] == list(range(4991, 5001))
    with pytest.raises(TooOld):
        cache.watch("/", after_rev=3499)
    late = cache.watch("/", after_rev=3500)
    assert [e.rev for e in late.poll(max_events=2000)] == list(range(3501, 5001))


def test_watcher_behind_eviction_is_dropped() -> None:
    cache = WatchCache(capacity=10, floor=0, max_lag=1_000)  # lag budget larger than the ring
    w = cache.watch("/", after_rev=0)
    cache.append([_ev(r) for r in range(1, 21)])
    with pytest.raises(TooSlow):
        w.poll()
