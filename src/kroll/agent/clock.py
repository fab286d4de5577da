"""The node agent's clock: wall time for timestamps, monotonic time for deadlines.

Everything in `kroll.agent` that reads the time or waits goes through a `Clock`, so tests
can drive the agent with `FakeClock` and jump minutes (CrashLoopBackOff, readiness probes,
heartbeats) without waiting for them.

Two kinds of time, never mixed:

* `now()`: a tz-aware UTC `datetime`, for what ends up in objects (`startedAt`,
  `lastTransitionTime`, lease `renewTime`).
* `monotonic()`: seconds as a float, for deadlines (`call_at`, `sleep_until`).

Waiting is either a coroutine (`sleep`, `sleep_until`) or a callback timer (`call_at`). The
agent keeps its own heap of per-pod due times and arms a single timer for the earliest one,
so a thousand pods cost one pending timer, not a thousand sleeping tasks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Protocol


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Wall time, tz-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; only differences mean anything."""
        ...

    def call_at(self, deadline: float, callback: Callable[[], None]) -> Timer:
        """Run `callback` (from the event loop) once `monotonic()` reaches `deadline`."""
        ...

    async def sleep_until(self, deadline: float) -> None: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    """The system clocks and the running event loop's timers."""

    # asyncio may run a timer up to its clock resolution early (uvloop: a millisecond);
    # firing a hair late instead means a woken sync always sees its deadline as passed.
    _SLACK = 0.002

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def call_at(self, deadline: float, callback: Callable[[], None]) -> Timer:
        delay = max(0.0, deadline - time.monotonic()) + self._SLACK
        return asyncio.get_running_loop().call_later(delay, callback)

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.monotonic()) + self._SLACK)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


_MAX_STEPS = 100_000
_STUCK = "FakeClock: timers keep rescheduling themselves without time moving on"


class _FakeTimer:
    __slots__ = ("callback", "cancelled", "deadline")

    def __init__(self, deadline: float, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """A clock that only moves when told to.

    `advance_to(t)` fires every timer due by `t` in deadline order, setting the time to each
    deadline as it fires it, so callbacks see the time they were scheduled for. Tasks woken by
    those timers only run once the caller yields to the event loop; `run_for` interleaves the
    two: it stops at each deadline and awaits `settle()` (typically "until the agent is idle")
    before going on, which is what makes multi-step scenarios (crash, back-off 10 s, restart,
    back-off 20 s, ...) come out exactly as they would in real time.
    """

    def __init__(self, start: dt.datetime | None = None, *, monotonic_start: float = 1000.0) -> None:
        self._wall0 = start or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self._mono0 = monotonic_start
        self._mono = monotonic_start
        self._heap: list[tuple[float, int, _FakeTimer]] = []
        self._seq = itertools.count()

    def now(self) -> dt.datetime:
        return self._wall0 + dt.timedelta(seconds=self._mono - self._mono0)

    def monotonic(self) -> float:
        return self._mono

    def call_at(self, deadline: float, callback: Callable[[], None]) -> Timer:
        timer = _FakeTimer(deadline, callback)
        heapq.heappush(self._heap, (deadline, next(self._seq), timer))
        return timer

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._mono:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not fut.done():
                fut.set_result(None)

        timer = self.call_at(deadline, wake)
        try:
            await fut
        finally:
            timer.cancel()

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._mono + max(0.0, seconds))

    # -- test controls ---------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """The earliest pending (not cancelled) timer's deadline."""
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def advance_to(self, t: float) -> None:
        for _ in range(_MAX_STEPS):
            d = self.next_deadline()
            if d is None or d > t:
                break
            _, _, timer = heapq.heappop(self._heap)
            self._mono = max(self._mono, d)
            timer.cancelled = True
            timer.callback()
        else:
            raise RuntimeError(_STUCK)
        self._mono = max(self._mono, t)

    def advance(self, seconds: float) -> None:
        self.advance_to(self._mono + seconds)

    async def run_for(self, seconds: float, *, settle: Callable[[], Awaitable[None]]) -> None:
        """Advance `seconds`, stopping at every timer deadline on the way to `await settle()`."""
        target = self._mono + seconds
        await settle()
        for _ in range(_MAX_STEPS):
            d = self.next_deadline()
            if d is None or d > target:
                break
            self.advance_to(d)
            await settle()
        else:
            raise RuntimeError(_STUCK)
        self.advance_to(target)
        await settle()
