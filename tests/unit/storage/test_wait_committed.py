"""`Store.wait_committed`: how a read-modify-write that lost to a write still being committed
gets to see the winner before it retries."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from storage_helpers import enc, obj

from kroll.storage import Conflict, SqliteStore, StoreClosed, open_store


async def _open(path: Path) -> SqliteStore:
    store = await open_store(path, compact_interval=None)
    assert isinstance(store, SqliteStore)
    return store


async def test_loser_of_a_pending_write_sees_the_winner_after_waiting(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        base = await store.create("/configmaps/default/c", enc(obj("c", data={"n": "0"})))
        winner = asyncio.ensure_future(store.update("/configmaps/default/c", enc(obj("c", data={"n": "1"})),
                                                    expected_rev=base.rev))
        await asyncio.sleep(0)  # let the winner submit; it is not committed yet
        assert (await store.get("/configmaps/default/c")).rev == base.rev
        with pytest.raises(Conflict) as lost:
            await store.update("/configmaps/default/c", enc(obj("c", data={"n": "1"})), expected_rev=base.rev)
        assert lost.value.current_rev == base.rev + 1
        await store.wait_committed(lost.value.current_rev)
        fresh = await store.get("/configmaps/default/c")
        assert fresh.rev == lost.value.current_rev
        assert orjson.loads(fresh.value)["data"] == {"n": "1"}
        assert (await winner).rev == fresh.rev
        again = await store.update("/configmaps/default/c", enc(obj("c", data={"n": "2"})), expected_rev=fresh.rev)
        assert again.rev == fresh.rev + 1


async def test_returns_at_once_for_committed_or_never_assigned_revisions(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        e = await store.create("/configmaps/default/a", enc(obj("a")))
        async with asyncio.timeout(1):
            await store.wait_committed(0)
            await store.wait_committed(e.rev)
            await store.wait_committed(e.rev + 100)  # nobody holds it: nothing to wait for


async def test_a_cancelled_waiter_does_not_disturb_the_others(tmp_path: Path) -> None:
    async with await _open(tmp_path) as store:
        writes = [asyncio.ensure_future(store.create(f"/configmaps/default/k{i}", enc(obj(f"k{i}"))))
                  for i in range(20)]
        await asyncio.sleep(0)
        top = store._next_rev - 1
        cancelled = asyncio.ensure_future(store.wait_committed(top))
        waiter = asyncio.ensure_future(store.wait_committed(top))
        await asyncio.sleep(0)
        cancelled.cancel()
        await waiter
        assert store.current_revision() >= top
        await asyncio.gather(*writes)


async def test_waiting_ends_when_the_store_closes(tmp_path: Path) -> None:
    store = await _open(tmp_path)
    pending = asyncio.ensure_future(store.create("/configmaps/default/x", enc(obj("x"))))
    await asyncio.sleep(0)
    waiter = asyncio.ensure_future(store.wait_committed(store._next_rev - 1))
    await store.close()
    await waiter  # close commits what was submitted first
    await pending
    with pytest.raises(StoreClosed):
        await store.create("/configmaps/default/y", enc(obj("y")))
