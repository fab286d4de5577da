"""The SQLite store: CAS semantics, tombstones, listing, durability plumbing, recovery, compaction."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import orjson
import pytest
from storage_helpers import enc, obj, rv

from kroll.storage import (
    ADDED,
    DELETED,
    MODIFIED,
    Conflict,
    KeyExists,
    NotFound,
    SqliteStore,
    StoreClosed,
    StoreFailed,
    TooOld,
    open_store,
)
from kroll.storage.sqlite import DB_FILE, _connect


async def _open(path: Path, **kw: object) -> SqliteStore:
    kw.setdefault("compact_interval", None)
    store = await open_store(path, **kw)
    assert isinstance(store, SqliteStore)
    return store


def _rows(path: Path) -> list[tuple[int, str, int, int, int]]:
    with sqlite3.connect(path / DB_FILE) as conn:
        return conn.execute("SELECT rev, key, create_rev, prev_rev, deleted FROM kv ORDER BY rev").fetchall()


# ------------------------------------------------------------------ create / update / delete


async def test_create_stamps_revision_and_rejects_live_key(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        assert store.current_revision() == 0
        e = await store.create("/pods/default/a", enc(obj("a")), {"labels": {"app": "web"}})
        assert (e.key, e.rev, e.create_rev) == ("/pods/default/a", 1, 1)
        assert rv(e.value) == "1"
        assert e.attrs == {"labels": {"app": "web"}}
        assert await store.get("/pods/default/a") == e
        assert store.current_revision() == 1
        with pytest.raises(KeyExists) as ei:
            await store.create("/pods/default/a", enc(obj("a")))
        assert ei.value.current_rev == 1
        assert store.current_revision() == 1  # a refused write takes no revision
        with pytest.raises(ValueError):
            await store.create("pods/default/b", enc(obj("b")))


async def test_concurrent_creates_of_one_key_one_wins(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        results = await asyncio.gather(*(store.create("/pods/default/a", enc(obj("a", n=i))) for i in range(8)),
                                       return_exceptions=True)
        wins = [r for r in results if not isinstance(r, BaseException)]
        assert len(wins) == 1
        assert all(isinstance(r, KeyExists) for r in results if isinstance(r, BaseException))
        assert (await store.get("/pods/default/a")) == wins[0]


async def test_update_compare_and_swap(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        a1 = await store.create("/pods/default/a", enc(obj("a", v=1)))
        await store.create("/pods/default/b", enc(obj("b")))  # moves the global revision on
        a2 = await store.update("/pods/default/a", enc(obj("a", v=2)), {"labels": {"x": "y"}}, expected_rev=a1.rev)
        assert (a2.rev, a2.create_rev, rv(a2.value)) == (3, 1, "3")
        assert orjson.loads(a2.value)["v"] == 2
        with pytest.raises(Conflict) as ei:
            await store.update("/pods/default/a", enc(obj("a", v=3)), expected_rev=a1.rev)
        assert (ei.value.expected_rev, ei.value.current_rev) == (1, 3)
        with pytest.raises(NotFound):
            await store.update("/pods/default/zzz", enc(obj("zzz")), expected_rev=1)
        assert await store.get("/pods/default/a") == a2


async def test_concurrent_updates_same_expected_rev_exactly_one_wins(tmp_path: Path) -> None:
    """The CAS compares against submitted-but-uncommitted writes too: no lost updates."""
    async with await _open(tmp_path) as store:
        base = await store.create("/pods/default/a", enc(obj("a", n=0)))
        results = await asyncio.gather(
            *(store.update("/pods/default/a", enc(obj("a", n=i)), expected_rev=base.rev) for i in range(1, 33)),
            return_exceptions=True)
        wins = [r for r in results if not isinstance(r, BaseException)]
        assert len(wins) == 1
        assert sum(isinstance(r, Conflict) for r in results) == 31
        assert (await store.get("/pods/default/a")) == wins[0]


async def test_reads_see_committed_state_only_but_cas_sees_submitted(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        task = asyncio.create_task(store.create("/pods/default/a", enc(obj("a"))))
        await asyncio.sleep(0)  # let the task submit its write (it is then waiting for the commit)
        assert not task.done()
        assert await store.get("/pods/default/a") is None
        assert (await store.list("/pods/")).entries == []
        assert store.current_revision() == 0
        with pytest.raises(KeyExists):  # the pending create already owns the key
            await store.create("/pods/default/a", enc(obj("a")))
        e = await task
        assert await store.get("/pods/default/a") == e
        assert store.current_revision() == e.rev


async def test_encode_failure_takes_no_revision(tmp_path: Path) -> None:
    def boom(rev: int) -> bytes:
        raise RuntimeError("cannot encode")

    async with await _open(tmp_path) as store:
        with pytest.raises(RuntimeError):
            await store.create("/pods/default/a", boom)
        with pytest.raises(TypeError):
            await store.create("/pods/default/a", lambda rev: "not bytes")  # type: ignore[arg-type,return-value]
        e = await store.create("/pods/default/a", enc(obj("a")))
        assert e.rev == 1


async def test_delete_writes_tombstone_and_key_can_be_recreated(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        a = await store.create("/pods/default/a", enc(obj("a")), {"labels": {"app": "web"}})
        with pytest.raises(Conflict):
            await store.delete("/pods/default/a", expected_rev=a.rev + 5)
        d = await store.delete("/pods/default/a", expected_rev=a.rev)
        assert (d.rev, d.create_rev, d.value, d.attrs) == (2, 1, a.value, a.attrs)  # last value, as it was
        assert await store.get("/pods/default/a") is None
        with pytest.raises(NotFound):
            await store.delete("/pods/default/a")
        with pytest.raises(NotFound):
            await store.update("/pods/default/a", enc(obj("a")), expected_rev=d.rev)
        b = await store.create("/pods/default/a", enc(obj("a", again=True)))
        assert (b.rev, b.create_rev) == (3, 3)
        # delete with an encoder: the tombstone carries the last object re-stamped at the deletion revision
        d2 = await store.delete("/pods/default/a", encode=enc(obj("a", again=True, gone=True)))
        assert rv(d2.value) == str(d2.rev) == "4"
    assert _rows(tmp_path) == [
        (1, "/pods/default/a", 1, 0, 0),
        (2, "/pods/default/a", 1, 1, 1),
        (3, "/pods/default/a", 3, 0, 0),
        (4, "/pods/default/a", 3, 3, 1),
    ]


async def test_deleted_watch_events_carry_the_last_value(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        a = await store.create("/pods/default/a", enc(obj("a")))
        b = await store.create("/pods/default/b", enc(obj("b")))
        w = store.watch("/pods/", after_rev=store.current_revision())
        await store.delete("/pods/default/a")
        await store.delete("/pods/default/b", encode=enc(obj("b", bye=1)))
        ev_a, ev_b = w.poll()
        assert (ev_a.type, ev_a.rev, ev_a.value, ev_a.value_rev, ev_a.prev_rev) == (DELETED, 3, a.value, 1, 1)
        assert (ev_b.type, ev_b.rev, rv(ev_b.value), ev_b.value_rev, ev_b.prev_value) == (DELETED, 4, "4", 4, b.value)


# ------------------------------------------------------------------ list


async def test_list_is_sorted_by_key_with_limit_and_continue(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        keys = ["/pods/ns2/b", "/pods/ns1/c", "/nodes/n1", "/pods/ns1/a", "/deployments.apps/ns1/d",
                "/pods/ns1/b", "/podsx/ns1/a", "/pods.metrics.k8s.io/ns1/a", "/pods/ns10/a", "/health"]
        for k in keys:
            await store.create(k, enc(obj(k.rsplit("/", 1)[1])), {"n": k.endswith("a")})
        rev, entries, more = await store.list("/pods/")
        assert rev == store.current_revision() == len(keys)
        assert [e.key for e in entries] == ["/pods/ns1/a", "/pods/ns1/b", "/pods/ns1/c", "/pods/ns10/a", "/pods/ns2/b"]
        assert not more
        assert [e.key for e in (await store.list("/pods/ns1/")).entries] == ["/pods/ns1/a", "/pods/ns1/b",
                                                                            "/pods/ns1/c"]
        # across group-resources, etcd (byte) order
        assert [e.key for e in (await store.list("/")).entries] == sorted(keys)
        assert [e.key for e in (await store.list("/pod")).entries] == sorted(k for k in keys if k.startswith("/pod"))
        assert [e.key for e in (await store.list("/h")).entries] == ["/health"]
        assert (await store.list("/services/")).entries == []

        # pages of two
        seen: list[str] = []
        start: str | None = None
        while True:
            _, page, more = await store.list("/pods/", start_after=start, limit=2)
            seen += [e.key for e in page]
            if not more:
                break
            start = page[-1].key
        assert seen == [e.key for e in entries]
        _, page, more = await store.list("/pods/", limit=5)
        assert len(page) == 5 and not more  # exactly the remaining count: no continue

        # a continue key that was deleted in between still works (it is only a position)
        await store.delete("/pods/ns1/b")
        _, page, _ = await store.list("/pods/", start_after="/pods/ns1/b", limit=1)
        assert [e.key for e in page] == ["/pods/ns1/c"]

        # a predicate filters before the limit counts
        _, page, more = await store.list("/", predicate=lambda attrs: attrs["n"], limit=2)
        assert [e.key for e in page] == ["/pods.metrics.k8s.io/ns1/a", "/pods/ns1/a"]
        assert more
        _, page, more = await store.list("/", predicate=lambda attrs: attrs["n"], start_after=page[-1].key)
        assert [e.key for e in page] == ["/pods/ns10/a", "/podsx/ns1/a"]
        assert not more


# ------------------------------------------------------------------ durability plumbing


def test_connection_modes(tmp_path: Path) -> None:
    full = _connect(tmp_path / "a.db", fast=False)
    fast = _connect(tmp_path / "b.db", fast=True)
    try:
        assert full.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert full.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert fast.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert full.execute("PRAGMA wal_autocheckpoint").fetchone()[0] > 0
    finally:
        full.close()
        fast.close()


async def test_close_drains_submitted_writes(tmp_path: Path) -> None:
    store = await _open(tmp_path)
    tasks = [asyncio.create_task(store.create(f"/pods/default/p{i:03}", enc(obj(f"p{i:03}")))) for i in range(300)]
    await asyncio.sleep(0)  # every task submits its write
    await store.close()
    assert [t.result().rev for t in tasks] == list(range(1, 301))
    with pytest.raises(StoreClosed):
        await store.create("/pods/default/late", enc(obj("late")))
    await store.close()  # idempotent
    async with await _open(tmp_path) as store:
        _, entries, _ = await store.list("/pods/")
        assert [e.key for e in entries] == [f"/pods/default/p{i:03}" for i in range(300)]
        assert store.current_revision() == 300


async def test_failed_commit_fails_the_batch_and_later_writes(tmp_path: Path) -> None:
    store = await _open(tmp_path)
    ok = await store.create("/pods/default/ok", enc(obj("ok")))
    w = store.watch("/", after_rev=0)

    def failing_write(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    store._write_batch = failing_write  # type: ignore[method-assign]
    results = await asyncio.gather(*(store.create(f"/pods/default/x{i}", enc(obj(f"x{i}"))) for i in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, StoreFailed) for r in results)
    assert isinstance(results[0].__cause__, sqlite3.OperationalError)  # type: ignore[union-attr]
    with pytest.raises(StoreFailed):
        await store.update("/pods/default/ok", enc(obj("ok")), expected_rev=ok.rev)
    # nothing of the failed batch is visible
    assert store.current_revision() == ok.rev
    assert [e.key for e in (await store.list("/")).entries] == ["/pods/default/ok"]
    assert [e.rev for e in w.poll()] == [ok.rev]
    await store.close()
    async with await _open(tmp_path) as store:
        assert [e.key for e in (await store.list("/")).entries] == ["/pods/default/ok"]
        e = await store.create("/pods/default/x0", enc(obj("x0")))
        assert e.rev == ok.rev + 1


# ------------------------------------------------------------------ restart recovery


async def test_restart_recovers_state_history_and_revision(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        a = await store.create("/pods/default/a", enc(obj("a", v=1)), {"labels": {"app": "web"}})
        a = await store.update("/pods/default/a", enc(obj("a", v=2)), {"labels": {"app": "db"}}, expected_rev=a.rev)
        b = await store.create("/nodes/n1", enc(obj("n1")))
        c = await store.create("/pods/default/c", enc(obj("c")))
        await store.delete("/pods/default/c", expected_rev=c.rev)
        live_events = store.watch("/", after_rev=0).poll()
    async with await _open(tmp_path) as store:
        assert store.current_revision() == 5
        assert await store.get("/pods/default/a") == a
        assert await store.get("/nodes/n1") == b
        assert await store.get("/pods/default/c") is None
        assert [e.key for e in (await store.list("/")).entries] == ["/nodes/n1", "/pods/default/a"]
        # a watch resumed across the restart replays the same events, previous values included
        assert store.watch("/", after_rev=0).poll() == live_events
        assert [(e.type, e.rev) for e in live_events] == [(ADDED, 1), (MODIFIED, 2), (ADDED, 3), (ADDED, 4),
                                                          (DELETED, 5)]
        d = await store.create("/pods/default/d", enc(obj("d")))
        assert d.rev == 6


async def test_restart_keeps_only_the_newest_history(tmp_path: Path) -> None:
    async with await _open(tmp_path, history=5) as store:
        e = await store.create("/pods/default/a", enc(obj("a", n=0)))
        for n in range(1, 12):
            e = await store.update("/pods/default/a", enc(obj("a", n=n)), expected_rev=e.rev)
    async with await _open(tmp_path, history=5) as store:
        assert store.current_revision() == 12
        with pytest.raises(TooOld) as ei:
            store.watch("/", after_rev=6)
        assert str(ei.value) == "too old resource version: 6 (7)"
        events = store.watch("/", after_rev=7).poll()
        assert [ev.rev for ev in events] == [8, 9, 10, 11, 12]
        assert orjson.loads(events[0].prev_value or b"")["n"] == 6  # joined from a row outside the ring


# ------------------------------------------------------------------ compaction


async def test_compaction_drops_superseded_rows_and_tombstones(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        a = await store.create("/pods/default/a", enc(obj("a")))  # 1
        for _ in range(3):
            a = await store.update("/pods/default/a", enc(obj("a")), expected_rev=a.rev)  # 2, 3, 4
        b = await store.create("/pods/default/b", enc(obj("b")))  # 5
        await store.delete("/pods/default/b", expected_rev=b.rev)  # 6
        c = await store.create("/pods/default/c", enc(obj("c")))  # 7
        c = await store.update("/pods/default/c", enc(obj("c")), expected_rev=c.rev)  # 8
        assert await store.compact(keep=100) == 0  # nothing old enough
        assert await store.compact(keep=1) == 7
        assert store.compacted_revision == 7
        # rev 8's predecessor (7) stays: events after the compacted revision keep their previous values
        assert [r[0] for r in _rows(tmp_path)] == [4, 7, 8]
        assert await store.compact(keep=0) == 8
        assert [r[0] for r in _rows(tmp_path)] == [4, 8]
        state = (await store.list("/")).entries
        assert [e.rev for e in state] == [4, 8]
        # the running store still serves its in-memory history
        assert [ev.rev for ev in store.watch("/", after_rev=2).poll()] == [3, 4, 5, 6, 7, 8]
    async with await _open(tmp_path) as store:
        assert (await store.list("/")).entries == state
        assert store.current_revision() == 8
        with pytest.raises(TooOld):
            store.watch("/", after_rev=7)
        assert store.watch("/", after_rev=8).poll() == []


async def test_revision_never_goes_back_when_the_newest_row_is_compacted(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        a = await store.create("/pods/default/a", enc(obj("a")))
        await store.delete("/pods/default/a", expected_rev=a.rev)
        assert await store.compact(keep=0) == 2
        assert _rows(tmp_path) == []
    async with await _open(tmp_path) as store:
        assert store.current_revision() == 2
        assert (await store.create("/pods/default/a", enc(obj("a")))).rev == 3


async def test_compaction_in_chunks_interleaves_with_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kroll.storage.sqlite as sqlite_mod

    monkeypatch.setattr(sqlite_mod, "_COMPACT_CHUNK", 7)
    async with await _open(tmp_path) as store:
        e = await store.create("/pods/default/a", enc(obj("a")))
        for _ in range(99):
            e = await store.update("/pods/default/a", enc(obj("a")), expected_rev=e.rev)
        compaction = asyncio.create_task(store.compact(keep=10))
        writes = [await store.create(f"/pods/default/n{i}", enc(obj(f"n{i}"))) for i in range(20)]
        assert await compaction == 90
        assert [w.rev for w in writes] == list(range(101, 121))
        assert [r[0] for r in _rows(tmp_path)][:11] == list(range(90, 101))


async def test_maintenance_compacts_on_schedule(tmp_path: Path) -> None:
    async with await _open(tmp_path, compact_interval=0.01, compact_keep=5) as store:
        e = await store.create("/pods/default/a", enc(obj("a")))
        # Each durable write yields to the loop for about a millisecond, so the 10 ms schedule
        # fires while we keep writing; stop as soon as its compaction has landed.
        while store.compacted_revision == 0:
            e = await store.update("/pods/default/a", enc(obj("a")), expected_rev=e.rev)
        assert store.current_revision() - 10 <= store.compacted_revision <= store.current_revision() - 5
