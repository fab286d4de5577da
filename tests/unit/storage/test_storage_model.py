"""A model-based test of the store: random writes, concurrent CAS races, restarts, compactions
and watches, checked against a plain dict and a list of committed events.

Properties: revisions strictly increase (by one per committed write, across restarts);
reads equal the model; a watch from revision R replays exactly the committed events after
R (and TooOld only when R is older than the history the store must keep); a long-lived
watcher sees every event exactly once, in order, up to a restart; a selector watch sees
the ADDED/MODIFIED/DELETED transitions upstream's watch cache would send.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kroll.storage import (
    ADDED,
    DELETED,
    MODIFIED,
    Attrs,
    Conflict,
    Entry,
    KeyExists,
    NotFound,
    SqliteStore,
    TooOld,
    WatchClosed,
    WatchEvent,
    open_store,
)

KEYS = ["/pods/a/x", "/pods/a/y", "/pods/b/x", "/nodes/n1"]
HISTORY = 8  # a small ring, so that TooOld and eviction happen
APPS = st.sampled_from(["web", "db"])

T = TypeVar("T")


@dataclass(frozen=True)
class Ev:
    type: str
    key: str
    rev: int
    value: bytes
    attrs: Attrs
    prev_value: bytes | None
    prev_attrs: Attrs | None


def _web(attrs: Attrs) -> bool:
    return attrs.get("app") == "web"


def _as_seen_by_web_watcher(ev: Ev) -> tuple[str, int, bytes] | None:
    """What a watcher with predicate app=web receives for this event (upstream semantics)."""
    if ev.type == MODIFIED:
        now, before = _web(ev.attrs), ev.prev_attrs is not None and _web(ev.prev_attrs)
        if now and before:
            return (MODIFIED, ev.rev, ev.value)
        if now:
            return (ADDED, ev.rev, ev.value)
        if before:
            assert ev.prev_value is not None
            return (DELETED, ev.rev, ev.prev_value)
        return None
    return (ev.type, ev.rev, ev.value) if _web(ev.attrs) else None


def _seen(events: list[WatchEvent]) -> list[tuple[str, str, int, bytes, bytes | None]]:
    return [(e.type, e.key, e.rev, e.value, e.prev_value) for e in events]


def _expected(events: list[Ev]) -> list[tuple[str, str, int, bytes, bytes | None]]:
    return [(e.type, e.key, e.rev, e.value, e.prev_value) for e in events]


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="kroll-store-model-"))
        self.loop = asyncio.new_event_loop()
        self.model: dict[str, Entry] = {}
        self.log: list[Ev] = []
        self.rev = 0
        self.compact_rev = 0
        self.n = 0
        self.store = self._open()

    # -------------------------------------------------------------- plumbing

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def _open(self) -> SqliteStore:
        store = self.run(open_store(self.dir, history=HISTORY, compact_interval=None))
        assert isinstance(store, SqliteStore)
        assert store.current_revision() == self.rev
        # the history a (re)opened store serves: back to the compaction, within the ring
        self.open_floor = max(self.compact_rev, self.rev - HISTORY)
        try:
            store.watch("/", after_rev=self.open_floor - 1)
            raise AssertionError("a watch from before the window must raise TooOld")
        except TooOld:
            pass
        w = store.watch("/", after_rev=self.open_floor)
        assert _seen(w.poll(max_events=10_000)) == _expected([e for e in self.log if e.rev > self.open_floor])
        w.close()
        self.live_after = self.rev
        self.live = store.watch("/", after_rev=self.rev)
        self.live_seen: list[WatchEvent] = []
        return store

    def _encode(self, key: str) -> Any:
        self.n += 1
        n = self.n

        def encode(rev: int) -> bytes:
            return orjson.dumps({"metadata": {"name": key, "resourceVersion": str(rev)}, "n": n})

        return encode

    def _committed(self, type_: str, entry: Entry) -> None:
        assert entry.rev == self.rev + 1, "revisions increase by one per committed write"
        assert orjson.loads(entry.value)["metadata"]["resourceVersion"] == str(entry.rev) or type_ == DELETED
        prev = self.model.get(entry.key)
        self.rev = entry.rev
        self.log.append(Ev(type_, entry.key, entry.rev, entry.value, entry.attrs,
                           prev.value if prev else None, prev.attrs if prev else None))
        if type_ == DELETED:
            assert prev is not None
            del self.model[entry.key]
        else:
            self.model[entry.key] = entry

    def _drain_live(self) -> None:
        try:
            while batch := self.live.poll():
                self.live_seen += batch
        except WatchClosed:  # the store was closed and every event delivered
            assert self.live.closed

    def _check_live(self) -> None:
        assert _seen(self.live_seen) == _expected([e for e in self.log if e.rev > self.live_after])

    # -------------------------------------------------------------- rules

    @rule(key=st.sampled_from(KEYS), app=APPS)
    def create(self, key: str, app: str) -> None:
        try:
            entry = self.run(self.store.create(key, self._encode(key), {"app": app}))
        except KeyExists:
            assert key in self.model
            return
        assert key not in self.model
        assert entry.create_rev == entry.rev
        self._committed(ADDED, entry)

    @rule(key=st.sampled_from(KEYS), app=APPS, stale=st.booleans())
    def update(self, key: str, app: str, stale: bool) -> None:
        cur = self.model.get(key)
        expected = (cur.rev if cur else self.rev) - (1 if stale else 0)
        try:
            entry = self.run(self.store.update(key, self._encode(key), {"app": app}, expected_rev=expected))
        except NotFound:
            assert cur is None
            return
        except Conflict:
            assert cur is not None and stale
            return
        assert cur is not None and not stale
        assert entry.create_rev == cur.create_rev
        self._committed(MODIFIED, entry)

    @rule(key=st.sampled_from(KEYS), precond=st.sampled_from(["none", "current", "stale"]), reencode=st.booleans())
    def delete(self, key: str, precond: str, reencode: bool) -> None:
        cur = self.model.get(key)
        expected = None if precond == "none" else (cur.rev if cur else 1) - (precond == "stale")
        try:
            entry = self.run(self.store.delete(key, expected_rev=expected,
                                               encode=self._encode(key) if reencode else None))
        except NotFound:
            assert cur is None
            return
        except Conflict:
            assert cur is not None and precond == "stale"
            return
        assert cur is not None and precond != "stale"
        assert (entry.create_rev, entry.attrs) == (cur.create_rev, cur.attrs)
        if reencode:  # the tombstone carries the last object re-stamped at the deletion revision
            assert orjson.loads(entry.value)["metadata"]["resourceVersion"] == str(entry.rev)
        else:
            assert entry.value == cur.value
        self._committed(DELETED, entry)

    @rule(key=st.sampled_from(KEYS), racers=st.integers(2, 5), app=APPS)
    def race(self, key: str, racers: int, app: str) -> None:
        """Concurrent writers with the same precondition: exactly one wins."""
        cur = self.model.get(key)

        async def go() -> list[Any]:
            if cur is None:
                coros = [self.store.create(key, self._encode(key), {"app": app}) for _ in range(racers)]
            else:
                coros = [self.store.update(key, self._encode(key), {"app": app}, expected_rev=cur.rev)
                         for _ in range(racers)]
            return await asyncio.gather(*coros, return_exceptions=True)

        results = self.run(go())
        wins = [r for r in results if isinstance(r, Entry)]
        losses = [r for r in results if isinstance(r, KeyExists | Conflict)]
        assert len(wins) == 1 and len(losses) == racers - 1
        self._committed(ADDED if cur is None else MODIFIED, wins[0])

    @rule(apps=st.lists(APPS, min_size=len(KEYS), max_size=len(KEYS)))
    def batch(self, apps: list[str]) -> None:
        """One write per key, submitted together (they share a commit)."""

        async def go() -> list[Entry]:
            coros = []
            for key, app in zip(KEYS, apps, strict=True):
                cur = self.model.get(key)
                if cur is None:
                    coros.append(self.store.create(key, self._encode(key), {"app": app}))
                else:
                    coros.append(self.store.update(key, self._encode(key), {"app": app}, expected_rev=cur.rev))
            return await asyncio.gather(*coros)

        before = dict(self.model)
        for entry in self.run(go()):  # revisions follow submission order
            self._committed(MODIFIED if entry.key in before else ADDED, entry)

    @rule(keep=st.integers(0, 10))
    def compact(self, keep: int) -> None:
        self.compact_rev = max(self.compact_rev, self.rev - keep)
        assert self.run(self.store.compact(keep)) == self.compact_rev

    @rule(in_flight=st.lists(st.sampled_from(KEYS), max_size=len(KEYS), unique=True))
    def restart(self, in_flight: list[str]) -> None:
        """Close with writes still in flight (close commits them), then reopen."""
        before = dict(self.model)

        async def go() -> list[Entry]:
            tasks = []
            for key in in_flight:
                cur = self.model.get(key)
                if cur is None:
                    coro = self.store.create(key, self._encode(key), {"app": "web"})
                else:
                    coro = self.store.update(key, self._encode(key), {"app": "web"}, expected_rev=cur.rev)
                tasks.append(asyncio.ensure_future(coro))
            await asyncio.sleep(0)  # one loop iteration: every task submits its write
            await self.store.close()
            assert all(t.done() for t in tasks)
            return [t.result() for t in tasks]

        for entry in self.run(go()):
            self._committed(MODIFIED if entry.key in before else ADDED, entry)
        self._drain_live()  # events committed before the close are all delivered, then the watch ends
        assert self.live.closed
        self._check_live()
        self.store = self._open()

    @rule(data=st.data())
    def watch_from(self, data: st.DataObject) -> None:
        edges = [self.rev - HISTORY - 1, self.rev - HISTORY, self.open_floor - 1, self.open_floor,
                 self.compact_rev, self.rev]
        after = data.draw(st.sampled_from([e for e in edges if e >= -1]) | st.integers(-1, self.rev + 2),
                          label="after_rev")
        try:
            w = self.store.watch("/", after_rev=after)
        except TooOld as exc:
            assert after < max(self.open_floor, self.rev - HISTORY), "must serve any revision within the window"
            assert exc.oldest > after
            return
        # the ring holds at most HISTORY events; before the compaction nothing survives a restart
        assert after >= 0 and after >= self.rev - HISTORY
        assert _seen(w.poll(max_events=10_000)) == _expected([e for e in self.log if e.rev > after])
        w.close()

    @precondition(lambda self: self.rev > 0)
    @rule(data=st.data())
    def watch_selector(self, data: st.DataObject) -> None:
        after = data.draw(st.integers(max(self.open_floor, self.rev - HISTORY), self.rev), label="after_rev")
        w = self.store.watch("/pods/", after_rev=after, predicate=_web)
        got = [(e.type, e.rev, e.value) for e in w.poll(max_events=10_000)]
        want = [seen for e in self.log if e.rev > after and e.key.startswith("/pods/")
                if (seen := _as_seen_by_web_watcher(e)) is not None]
        assert got == want
        w.close()

    # -------------------------------------------------------------- invariants

    @invariant()
    def reads_match_the_model(self) -> None:
        assert self.store.current_revision() == self.rev
        listed = self.run(self.store.list("/")).entries
        assert listed == [self.model[k] for k in sorted(self.model)]
        for key in KEYS:
            assert self.run(self.store.get(key)) == self.model.get(key)

    @invariant()
    def live_watcher_sees_every_event_once_in_order(self) -> None:
        self._drain_live()
        self._check_live()

    def teardown(self) -> None:
        try:
            self.run(self.store.close())
            self._drain_live()
            self._check_live()
        finally:
            self.loop.close()
            shutil.rmtree(self.dir, ignore_errors=True)


StoreMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TestStoreMachine = StoreMachine.TestCase
