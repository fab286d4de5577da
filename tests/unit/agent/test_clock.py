"""The agent's clocks."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from kroll.agent.clock import FakeClock, RealClock


def test_fake_clock_fires_timers_in_order_at_their_time():
    clock = FakeClock(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), monotonic_start=50.0)
    fired = []
    clock.call_at(60.0, lambda: fired.append(("b", clock.monotonic())))
    clock.call_at(55.0, lambda: fired.append(("a", clock.monotonic())))
    cancelled = clock.call_at(56.0, lambda: fired.append(("x", clock.monotonic())))
    cancelled.cancel()
    assert clock.next_deadline() == 55.0
    clock.advance(7)
    assert fired == [("a", 55.0)]
    assert clock.monotonic() == 57.0
    assert clock.now() == dt.datetime(2026, 5, 1, 0, 0, 7, tzinfo=dt.UTC)
    clock.advance_to(100)
    assert fired == [("a", 55.0), ("b", 60.0)]
    assert clock.next_deadline() is None


async def test_fake_clock_sleepers_wake_when_time_is_advanced():
    clock = FakeClock()
    woke = []

    async def sleeper(name, seconds):
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic() - 1000.0))

    tasks = [asyncio.create_task(sleeper("long", 20)), asyncio.create_task(sleeper("short", 5))]
    await asyncio.sleep(0)  # let them register their timers

    async def settle():
        await asyncio.sleep(0)

    await clock.run_for(30, settle=settle)
    await asyncio.gather(*tasks)
    assert woke == [("short", 5.0), ("long", 20.0)]


async def test_fake_clock_run_for_refuses_timers_that_never_move_on():
    clock = FakeClock()

    def again():
        clock.call_at(clock.monotonic(), again)

    clock.call_at(1001.0, again)

    async def settle():
        return None

    with pytest.raises(RuntimeError):
        await clock.run_for(5, settle=settle)


async def test_real_clock_timer_and_sleep():
    clock = RealClock()
    assert clock.now().tzinfo is not None
    fired = asyncio.Event()
    start = clock.monotonic()
    clock.call_at(start + 0.01, fired.set)
    async with asyncio.timeout(5):
        await fired.wait()
    assert clock.monotonic() >= start + 0.01
    cancelled = asyncio.Event()
    clock.call_at(clock.monotonic() + 0.01, cancelled.set).cancel()
    await clock.sleep_until(clock.monotonic() + 0.02)
    assert not cancelled.is_set()
