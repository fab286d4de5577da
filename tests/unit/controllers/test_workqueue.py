"""WorkQueue: a key that rests after its sync is queued once when the rest ends if it was
added meanwhile (during the sync or the rest), and not at all otherwise."""

from __future__ import annotations

import asyncio

from kroll.controllers.runtime.workqueue import WorkQueue


async def _take(queue: WorkQueue, wait: float = 0.2) -> str | None:
    try:
        return await asyncio.wait_for(queue.get(), wait)
    except TimeoutError:
        return None


def test_adds_during_sync_and_rest_are_held_then_queued_once():
    async def scenario():
        queue = WorkQueue("t")
        queue.add("a")
        assert await _take(queue) == "a"
        queue.add("a")  # while processing: dirty
        queue.done("a", rest=0.05)
        queue.add("a")  # while resting: held
        queue.add("a")
        assert len(queue) == 0
        assert await _take(queue, 0.01) is None
        assert await _take(queue) == "a"
        queue.done("a")
        assert await _take(queue, 0.1) is None

    asyncio.run(scenario())


def test_a_rest_without_adds_queues_nothing():
    async def scenario():
        queue = WorkQueue("t")
        queue.add("a")
        assert await _take(queue) == "a"
        queue.done("a", rest=0.01)
        assert await _take(queue, 0.1) is None
        queue.add("a")  # rest over: queued at once
        assert await _take(queue, 0.01) == "a"

    asyncio.run(scenario())


def test_without_rest_a_dirty_key_is_queued_at_once():
    async def scenario():
        queue = WorkQueue("t")
        queue.add("a")
        assert await _take(queue) == "a"
        queue.add("a")
        queue.done("a")
        assert await _take(queue, 0.01) == "a"

    asyncio.run(scenario())
