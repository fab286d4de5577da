"""The SQLite backend: a revision log in one append-only table, group-committed by one thread.

Design (kine's, `k3s-io/kine` pkg/logstructured + pkg/drivers/generic, rebuilt for one
process and an in-memory current state):

* **Table.** `kv(rev INTEGER PRIMARY KEY, key, create_rev, prev_rev, deleted, value, attrs)`:
  every write is a new row; `rev` is the global revision (the resourceVersion). A delete is
  a tombstone row (`deleted=1`) whose `prev_rev` points at the value it removes. The
  current state is the newest row per key, unless it is a tombstone.
* **Revisions are assigned in the event loop**, in submission order, and the compare-and-
  swap checks the newest *submitted* state (`_pending` over `_state`), so two concurrent
  writers to one key cannot both win even before either is committed. The caller's
  `encode(rev)` runs right there, synchronously.
* **Group commit.** Writes submitted during one event-loop iteration travel as one list to
  the writer thread, which drains everything queued (up to `max_batch` rows), runs one
  `BEGIN IMMEDIATE; executemany(INSERT); COMMIT` with `synchronous=FULL`, and reports
  back with one `call_soon_threadsafe`. Only then are the writes applied to the in-memory
  state, appended to the watch cache and acknowledged (their coroutines return), batch by
  batch in revision order. An fsync costs ~0.3-1 ms here (docs: shared performance.md
  B1), so while one batch commits the next one accumulates; durable throughput scales
  with concurrency instead of being capped at ~3k single-row commits/s.
* **Failure.** A failed commit fails every write of the batch, and every later one, with
  `StoreFailed`; the in-memory state never shows them and the store refuses writes until
  reopened (revisions already handed to later writes would otherwise be reused).
* **Reads** (`get`, `list`) come from memory (`_state`: key -> Entry with the value as
  raw bytes; `_KeyIndex`: sorted keys per group-resource) and see committed writes only.
* **Recovery.** On open: the newest row per key via the `(key, rev)` index, as raw bytes
  (no JSON decoding, attrs excepted), and the newest `history` events for the watch
  cache, each joined with the row it superseded. Work is proportional to live keys plus
  history, never to the length of the log. Revisions assigned to writes that were never
  committed (a crash) are reused after restart; nobody saw them, since reads, watches and
  acknowledgements all follow the commit.
* **Compaction** (kine's rule): compacting to revision T deletes every row superseded by
  a row with rev <= T, and every tombstone with rev <= T; every row newer than T keeps
  its predecessor, so watch events after T can still be rebuilt with their previous
  values. It runs in the writer thread in chunks of `_COMPACT_CHUNK` revisions, one
  transaction each, interleaved with write batches so writers never wait for a long
  DELETE. `meta.compact_rev` records T, which also keeps the revision counter from going
  backwards when the newest row was a compacted tombstone.
  Schedule: every `compact_interval` seconds (default 30 s), if more than
  `compact_keep + compact_keep // 10` revisions lie beyond the last compaction, compact
  to `current - compact_keep` (default keep: 10,000 revisions); else run a PASSIVE WAL
  checkpoint. At a sustained 2,000 writes/s the table therefore holds about 70k rows.
* **WAL bounded**: `wal_autocheckpoint` (4,000 pages, 16 MiB) plus the PASSIVE
  checkpoints above, and `journal_size_limit` truncates the file back to 64 MiB; the
  recovery time after a crash grows with the WAL (performance.md B7).
* **Durability modes.** Default `synchronous=FULL`: an acknowledged write survives a
  process crash and a power loss. `fast=True` uses `synchronous=NORMAL`: it survives a
  process crash (`kill -9`) but **may lose the last commits on power loss**.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from kroll.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    Attrs,
    Conflict,
    Encode,
    Entry,
    KeyExists,
    ListResult,
    NotFound,
    Predicate,
    StoreClosed,
    StoreFailed,
    WatchEvent,
)
from kroll.storage.watchcache import CacheWatcher, WatchCache

__all__ = ["SqliteStore"]

log = logging.getLogger("kroll.storage")

DB_FILE = "kroll.db"
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    rev        INTEGER PRIMARY KEY,  -- the global revision: the resourceVersion
    key        TEXT    NOT NULL,
    create_rev INTEGER NOT NULL,
    prev_rev   INTEGER NOT NULL,     -- the live row this one supersedes; 0 for a create
    deleted    INTEGER NOT NULL,     -- 1: tombstone
    value      BLOB,                 -- NULL only for a tombstone that carries its prev row's value
    attrs      BLOB                  -- small JSON; NULL: {} (tombstones: the prev row's attrs)
);
CREATE INDEX IF NOT EXISTS kv_key_rev ON kv (key, rev);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
"""
_INSERT = "INSERT INTO kv (rev, key, create_rev, prev_rev, deleted, value, attrs) VALUES (?, ?, ?, ?, ?, ?, ?)"
_LOAD_STATE = """
SELECT k.key, k.rev, k.create_rev, k.value, k.attrs
FROM (SELECT MAX(rev) AS rev FROM kv GROUP BY key) AS m JOIN kv AS k ON k.rev = m.rev
WHERE k.deleted = 0
"""
_LOAD_HISTORY = """
SELECT k.rev, k.key, k.prev_rev, k.deleted, k.value, k.attrs, p.value, p.attrs
FROM kv AS k LEFT JOIN kv AS p ON p.rev = k.prev_rev AND k.prev_rev > 0
WHERE k.rev > ? ORDER BY k.rev DESC LIMIT ?
"""
_COMPACT_SUPERSEDED = "DELETE FROM kv WHERE rev IN (SELECT prev_rev FROM kv WHERE rev > ? AND rev <= ? AND prev_rev > 0)"
_COMPACT_TOMBSTONES = "DELETE FROM kv WHERE rev > ? AND rev <= ? AND deleted = 1"
_SET_COMPACT_REV = "INSERT OR REPLACE INTO meta (name, value) VALUES ('compact_rev', ?)"
_COMPACT_CHUNK = 5000

_EMPTY: Attrs = MappingProxyType({})
_MISSING: Any = object()


def _dump_attrs(attrs: Attrs) -> bytes | None:
    return orjson.dumps(attrs) if attrs else None


def _load_attrs(raw: bytes | None) -> Attrs:
    return orjson.loads(raw) if raw else _EMPTY


class _KeyIndex:
    """Live keys in sorted order, one sorted list per group-resource (`/pods/`).

    Partitioning keeps `bisect.insort` cheap (it moves the tail of one resource's list,
    not of every key in the store), and a listing of `/pods/default/` bisects straight to
    its first key. Keys of different partitions compare like their partition names, which
    are prefixes of them, so concatenating partitions in name order yields global order.
    """

    def __init__(self) -> None:
        self._parts: dict[str, list[str]] = {}

    @staticmethod
    def _part(key: str) -> str:
        i = key.find("/", 1)
        return key[: i + 1] if i > 0 else ""

    def add(self, key: str) -> None:
        part = self._parts.get(self._part(key))
        if part is None:
            self._parts[self._part(key)] = [key]
        else:
            bisect.insort(part, key)

    def add_sorted(self, keys: list[str]) -> None:
        """Bulk load (keys sorted, none present yet)."""
        for key in keys:
            name = self._part(key)
            part = self._parts.get(name)
            if part is None:
                self._parts[name] = [key]
            else:
                part.append(key)

    def remove(self, key: str) -> None:
        name = self._part(key)
        part = self._parts[name]
        del part[bisect.bisect_left(part, key)]
        if not part:
            del self._parts[name]

    def range(self, prefix: str, start_after: str | None) -> Iterator[str]:
        """Keys starting with prefix, greater than start_after, in order."""
        name = self._part(prefix)
        if name:
            part = self._parts.get(name)
            return self._scan(part, prefix, start_after) if part else iter(())
        # A prefix shorter than one group-resource ("/", "/po"): merge the partitions.
        parts = [self._scan(p, prefix, start_after) for n, p in sorted(self._parts.items())
                 if n.startswith(prefix) or not n]
        return heapq.merge(*parts)

    @staticmethod
    def _scan(part: list[str], prefix: str, start_after: str | None) -> Iterator[str]:
        lo = bisect.bisect_left(part, prefix)
        if start_after is not None and start_after >= prefix:
            lo = max(lo, bisect.bisect_right(part, start_after))
        for i in range(lo, len(part)):
            key = part[i]
            if not key.startswith(prefix):
                return
            yield key


class _Op:
    """One submitted write on its way through the writer thread."""

    __slots__ = ("deleted", "entry", "event", "future", "row")

    def __init__(self, row: tuple[Any, ...], entry: Entry, event: WatchEvent, deleted: bool,
                 future: asyncio.Future[Entry]) -> None:
        self.row = row
        self.entry = entry
        self.event = event
        self.deleted = deleted
        self.future = future


class _Job:
    """Maintenance for the writer thread: compact to `target`, or checkpoint the WAL."""

    __slots__ = ("future", "kind", "target")

    def __init__(self, kind: str, target: int, future: asyncio.Future[int]) -> None:
        self.kind = kind
        self.target = target
        self.future = future


_STOP = object()


class _Loaded:
    __slots__ = ("compact_rev", "conn", "entries", "events", "floor", "rev")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def _connect(path: Path, *, fast: bool) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; the writer issues BEGIN/COMMIT itself.
    # check_same_thread=False: opened (and recovered) in a helper thread, then owned by the writer.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise StoreFailed(f"cannot put {path} in WAL mode (got {mode!r})")
    conn.execute(f"PRAGMA synchronous={'NORMAL' if fast else 'FULL'}")
    conn.execute("PRAGMA wal_autocheckpoint=4000")
    conn.execute(f"PRAGMA journal_size_limit={64 << 20}")
    conn.execute("PRAGMA cache_size=-32000")  # 32 MB of page cache (default 2 MB)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, _SCHEMA_VERSION):
        raise StoreFailed(f"{path}: unknown schema version {version}")
    conn.executescript(_SCHEMA)
    conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
    return conn


def _load(path: Path, *, fast: bool, history: int) -> _Loaded:
    """Open the database and recover the current state and the recent events (runs in a thread)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = _connect(path, fast=fast)
    try:
        row = conn.execute("SELECT value FROM meta WHERE name = 'compact_rev'").fetchone()
        compact_rev = row[0] if row else 0
        max_rev = conn.execute("SELECT MAX(rev) FROM kv").fetchone()[0] or 0
        rev = max(max_rev, compact_rev)

        entries: dict[str, Entry] = {}
        for key, erev, create_rev, value, attrs in conn.execute(_LOAD_STATE):
            entries[key] = Entry(key, erev, create_rev, value, _load_attrs(attrs))

        rows = conn.execute(_LOAD_HISTORY, (compact_rev, history)).fetchall()
        rows.reverse()
        # All rows newer than compact_rev are on disk; with the LIMIT we may have the newest
        # `history` of them only: the ring then starts right before the oldest one loaded.
        floor = rows[0][0] - 1 if len(rows) == history else compact_rev
        if not rows:
            floor = rev
        # Share value bytes (and attrs) between the events and the current entries.
        by_rev: dict[int, tuple[bytes, Attrs]] = {e.rev: (e.value, e.attrs) for e in entries.values()
                                                  if e.rev > floor}
        events: list[WatchEvent] = []
        for erev, key, prev_rev, deleted, value, attrs, pvalue, pattrs in rows:
            prev: tuple[bytes, Attrs] | None = None
            if prev_rev:
                prev = by_rev.get(prev_rev)
                if prev is None and pvalue is not None:
                    prev = (pvalue, _load_attrs(pattrs))
            if deleted:
                if prev is None:  # only if the file was damaged: skip rather than invent a value
                    log.warning("tombstone %s at rev %d lacks its previous row %d", key, erev, prev_rev)
                    continue
                value_rev = erev if value is not None else prev_rev
                events.append(WatchEvent(DELETED, key, erev, value if value is not None else prev[0], prev[1],
                                         prev[0], prev[1], prev_rev, value_rev))
                continue
            cur = by_rev.get(erev)
            if cur is None:
                cur = (value, _load_attrs(attrs))
                by_rev[erev] = cur
            if prev is None:
                events.append(WatchEvent(ADDED, key, erev, cur[0], cur[1], None, None, 0, erev))
            else:
                events.append(WatchEvent(MODIFIED, key, erev, cur[0], cur[1], prev[0], prev[1], prev_rev, erev))
    except BaseException:
        conn.close()
        raise
    return _Loaded(conn=conn, rev=rev, compact_rev=compact_rev, entries=entries, events=events, floor=floor)


class SqliteStore:
    """`kroll.storage.interface.Store` on SQLite. Create with `await SqliteStore.open(...)`;
    use from the event loop that opened it."""

    def __init__(self, loaded: _Loaded, *, loop: asyncio.AbstractEventLoop, history: int, max_lag: int,
                 compact_keep: int, compact_interval: float | None, max_batch: int) -> None:
        self._loop = loop
        self._conn: sqlite3.Connection = loaded.conn
        self._state: dict[str, Entry] = loaded.entries
        self._index = _KeyIndex()
        self._index.add_sorted(sorted(self._state))
        self._rev: int = loaded.rev  # newest committed revision
        self._next_rev: int = loaded.rev + 1  # next revision to hand out
        self._compact_rev: int = loaded.compact_rev
        self._pending: dict[str, tuple[Entry | None, int]] = {}  # key -> (newest submitted entry or None if deleted, its rev)
        self._outbox: list[_Op] = []
        self._flush_scheduled = False
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._failed: BaseException | None = None
        self._closing = False
        self._closed: asyncio.Future[None] | None = None
        self._max_batch = max_batch
        self._compact_keep = compact_keep
        self._cache = WatchCache(capacity=history, floor=loaded.floor, events=loaded.events, max_lag=max_lag)
        self._writer_done: asyncio.Future[None] = loop.create_future()
        self._commit_tick: asyncio.Future[None] | None = None  # resolved (and dropped) by every commit report
        self._writer = threading.Thread(target=self._writer_main, name="kroll-storage-writer", daemon=True)
        self._writer.start()
        self._maintenance: asyncio.Task[None] | None = None
        if compact_interval:
            self._maintenance = loop.create_task(self._maintain(compact_interval), name="kroll-storage-maintenance")

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        fast: bool = False,
        history: int = 10_000,
        max_lag: int = 5_000,
        compact_keep: int = 10_000,
        compact_interval: float | None = 30.0,
        max_batch: int = 1_000,
    ) -> SqliteStore:
        """Open (creating it and its directory if needed) the database file at `path`.

        fast: synchronous=NORMAL instead of FULL; may lose the last commits on power loss.
        history: events kept in memory for watches (older revisions raise TooOld).
        max_lag: default lag budget of a watcher, in events (see watchcache).
        compact_keep, compact_interval: compaction schedule (None: never automatically).
        max_batch: rows per transaction, at most (roughly).
        """
        loop = asyncio.get_running_loop()
        loaded = await asyncio.to_thread(_load, Path(path), fast=fast, history=history)
        return cls(loaded, loop=loop, history=history, max_lag=max_lag, compact_keep=compact_keep,
                   compact_interval=compact_interval, max_batch=max_batch)

    async def __aenter__(self) -> SqliteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ reads

    def current_revision(self) -> int:
        return self._rev

    @property
    def compacted_revision(self) -> int:
        return self._compact_rev

    @property
    def watch_cache(self) -> WatchCache:
        return self._cache

    async def get(self, key: str) -> Entry | None:
        return self._state.get(key)

    async def list(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int | None = None,
        predicate: Predicate | None = None,
    ) -> ListResult:
        state = self._state
        out: list[Entry] = []
        more = False
        unlimited = limit is None or limit <= 0
        for key in self._index.range(prefix, start_after):
            entry = state[key]
            if predicate is not None and not predicate(entry.attrs):
                continue
            if not unlimited and len(out) >= limit:  # type: ignore[operator]
                more = True
                break
            out.append(entry)
        return ListResult(self._rev, out, more)

    def watch(self, prefix: str, *, after_rev: int, predicate: Predicate | None = None,
              max_lag: int | None = None) -> CacheWatcher:
        return self._cache.watch(prefix, after_rev=after_rev, predicate=predicate, max_lag=max_lag)

    async def wait_committed(self, rev: int) -> None:
        # Waiters share one future per commit report and re-check the revision: a commit, a
        # failure and the writer's exit all resolve it. Shielded: a cancelled waiter must not
        # cancel the others' future.
        rev = min(rev, self._next_rev - 1)  # a revision never handed out would wait for unrelated writes
        while self._rev < rev:
            if self._failed is not None:
                raise StoreFailed(f"store failed before rev {rev} was committed: {self._failed!r}") from self._failed
            if self._writer_done.done():
                raise StoreClosed(f"store closed before rev {rev} was committed")
            if self._commit_tick is None:
                self._commit_tick = self._loop.create_future()
            await asyncio.shield(self._commit_tick)

    def _tick(self) -> None:
        tick, self._commit_tick = self._commit_tick, None
        if tick is not None and not tick.done():
            tick.set_result(None)

    # ------------------------------------------------------------------ writes

    def _check_writable(self) -> None:
        if self._failed is not None:
            raise StoreFailed(f"store failed earlier: {self._failed!r}") from self._failed
        if self._closing:
            raise StoreClosed("store is closed")

    def _latest(self, key: str) -> Entry | None:
        pending = self._pending.get(key, _MISSING)
        if pending is not _MISSING:
            return pending[0]
        return self._state.get(key)

    def _encode(self, encode: Encode) -> tuple[int, bytes]:
        rev = self._next_rev
        value = encode(rev)
        if type(value) is not bytes:
            raise TypeError(f"encode() must return bytes, not {type(value).__name__}")
        # Only now is the revision taken: a failing encoder leaves no gap.
        self._next_rev = rev + 1
        return rev, value

    def _submit(self, row: tuple[Any, ...], entry: Entry, event: WatchEvent, *, deleted: bool) -> asyncio.Future[Entry]:
        fut: asyncio.Future[Entry] = self._loop.create_future()
        self._pending[entry.key] = (None if deleted else entry, entry.rev)
        self._outbox.append(_Op(row, entry, event, deleted, fut))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)
        return fut

    def _flush(self) -> None:
        """Hand everything submitted in this loop iteration to the writer in one queue item."""
        self._flush_scheduled = False
        if self._outbox:
            ops, self._outbox = self._outbox, []
            self._queue.put(ops)

    async def create(self, key: str, encode: Encode, attrs: Attrs | None = None) -> Entry:
        self._check_writable()
        if not key.startswith("/"):
            raise ValueError(f"keys start with '/': {key!r}")
        cur = self._latest(key)
        if cur is not None:
            raise KeyExists(key, cur.rev)
        attrs = attrs or _EMPTY
        attrs_json = _dump_attrs(attrs)
        rev, value = self._encode(encode)
        entry = Entry(key, rev, rev, value, attrs)
        event = WatchEvent(ADDED, key, rev, value, attrs, None, None, 0, rev)
        return await self._submit((rev, key, rev, 0, 0, value, attrs_json), entry, event, deleted=False)

    async def update(self, key: str, encode: Encode, attrs: Attrs | None = None, *, expected_rev: int) -> Entry:
        self._check_writable()
        cur = self._latest(key)
        if cur is None:
            raise NotFound(key)
        if cur.rev != expected_rev:
            raise Conflict(key, expected_rev, cur.rev)
        attrs = attrs or _EMPTY
        attrs_json = _dump_attrs(attrs)
        rev, value = self._encode(encode)
        entry = Entry(key, rev, cur.create_rev, value, attrs)
        event = WatchEvent(MODIFIED, key, rev, value, attrs, cur.value, cur.attrs, cur.rev, rev)
        return await self._submit((rev, key, cur.create_rev, cur.rev, 0, value, attrs_json), entry, event,
                                  deleted=False)

    async def delete(self, key: str, *, expected_rev: int | None = None, encode: Encode | None = None) -> Entry:
        self._check_writable()
        cur = self._latest(key)
        if cur is None:
            raise NotFound(key)
        if expected_rev is not None and cur.rev != expected_rev:
            raise Conflict(key, expected_rev, cur.rev)
        if encode is not None:
            rev, value = self._encode(encode)
            stored: bytes | None = value
            value_rev = rev
        else:
            rev = self._next_rev
            self._next_rev = rev + 1
            value, stored, value_rev = cur.value, None, cur.rev
        entry = Entry(key, rev, cur.create_rev, value, cur.attrs)
        event = WatchEvent(DELETED, key, rev, value, cur.attrs, cur.value, cur.attrs, cur.rev, value_rev)
        return await self._submit((rev, key, cur.create_rev, cur.rev, 1, stored, None), entry, event, deleted=True)

    # ------------------------------------------------------------------ writer thread -> loop

    def _on_committed(self, ops: list[_Op]) -> None:
        state, index, pending = self._state, self._index, self._pending
        for op in ops:
            entry = op.entry
            key = entry.key
            if op.deleted:
                del state[key]
                index.remove(key)
            else:
                if key not in state:
                    index.add(key)
                state[key] = entry
            p = pending.get(key)
            if p is not None and p[1] == entry.rev:
                del pending[key]
        self._rev = ops[-1].entry.rev
        self._cache.append([op.event for op in ops])
        for op in ops:
            if not op.future.done():
                op.future.set_result(op.entry)
        self._tick()

    def _on_failed(self, ops: list[_Op], exc: BaseException) -> None:
        if self._failed is None:
            log.error("storage commit failed; refusing further writes: %r", exc)
            self._failed = exc
            self._pending.clear()
        for op in ops:
            if not op.future.done():
                err = StoreFailed(f"commit failed, write of {op.entry.key} at rev {op.entry.rev} not applied: {exc!r}")
                err.__cause__ = exc
                op.future.set_exception(err)
        self._tick()

    def _on_job_done(self, job: _Job, result: int | BaseException) -> None:
        if isinstance(result, BaseException):
            if not job.future.done():
                job.future.set_exception(result)
            return
        if job.kind == "compact":
            self._compact_rev = max(self._compact_rev, result)
        if not job.future.done():
            job.future.set_result(result)

    def _report(self, callback: Any, *args: Any) -> bool:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            return False
        return True

    # ------------------------------------------------------------------ writer thread

    def _write_batch(self, conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_INSERT, rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise

    def _compact_chunk(self, conn: sqlite3.Connection, lo: int, hi: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_COMPACT_SUPERSEDED, (lo, hi))
            conn.execute(_COMPACT_TOMBSTONES, (lo, hi))
            conn.execute(_SET_COMPACT_REV, (hi,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _writer_main(self) -> None:
        conn = self._conn
        q = self._queue
        failed: BaseException | None = None
        compact_floor = self._compact_rev  # as far as the table is compacted
        jobs: list[_Job] = []
        stop = False
        try:
            while not stop:
                # Block for work unless maintenance is waiting to be interleaved.
                if jobs:
                    try:
                        items = [q.get_nowait()]
                    except queue.Empty:
                        items = []
                else:
                    items = [q.get()]
                ops: list[_Op] = []
                for item in self._drain(q, items):
                    if item is _STOP:
                        stop = True
                    elif isinstance(item, _Job):
                        jobs.append(item)
                    else:
                        ops.extend(item)
                if ops:
                    if failed is None:
                        try:
                            self._write_batch(conn, [op.row for op in ops])
                        except BaseException as exc:  # every failure must reach the waiters
                            failed = exc
                    if failed is None:
                        if not self._report(self._on_committed, ops):
                            return
                    elif not self._report(self._on_failed, ops, failed):
                        return
                if jobs:
                    job = jobs[0]
                    try:
                        if job.kind == "checkpoint":
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                            done: int | None = 0
                        elif compact_floor < job.target:
                            hi = min(job.target, compact_floor + _COMPACT_CHUNK)
                            self._compact_chunk(conn, compact_floor, hi)
                            compact_floor = hi
                            done = None if hi < job.target else hi
                            if done is not None:
                                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                        else:
                            done = compact_floor
                    except sqlite3.Error as exc:
                        log.warning("storage maintenance (%s) failed: %r", job.kind, exc)
                        jobs.pop(0)
                        self._report(self._on_job_done, job, exc)
                    else:
                        if done is not None:
                            jobs.pop(0)
                            self._report(self._on_job_done, job, done)
            for job in jobs:
                self._report(self._on_job_done, job, StoreClosed("store closed before maintenance ran"))
        finally:
            try:
                conn.close()
            finally:
                self._report(self._on_writer_exit)

    def _drain(self, q: queue.SimpleQueue[Any], items: list[Any]) -> list[Any]:
        """Add whatever else is queued, up to about max_batch rows (group commit)."""
        n = sum(len(i) for i in items if type(i) is list)
        while n < self._max_batch:
            try:
                item = q.get_nowait()
            except queue.Empty:
                break
            items.append(item)
            if type(item) is list:
                n += len(item)
            elif item is _STOP:
                break
        return items

    def _on_writer_exit(self) -> None:
        if not self._writer_done.done():
            self._writer_done.set_result(None)
        self._tick()

    # ------------------------------------------------------------------ maintenance

    async def _job(self, kind: str, target: int) -> int:
        self._check_writable()
        fut: asyncio.Future[int] = self._loop.create_future()
        self._flush()  # keep the job behind every write already submitted
        self._queue.put(_Job(kind, target, fut))
        return await fut

    async def compact(self, keep: int) -> int:
        if keep < 0:
            raise ValueError("keep must be >= 0")
        target = self._rev - keep
        if target <= self._compact_rev:
            return self._compact_rev
        return await self._job("compact", target)

    async def checkpoint(self) -> None:
        """A PASSIVE WAL checkpoint, in the writer thread."""
        await self._job("checkpoint", 0)

    async def _maintain(self, interval: float) -> None:
        # A periodic schedule, not a wait for a condition.
        while True:
            await asyncio.sleep(interval)
            try:
                if self._rev - self._compact_rev > self._compact_keep + self._compact_keep // 10:
                    await self.compact(self._compact_keep)
                else:
                    await self.checkpoint()
            except (StoreClosed, StoreFailed):
                return
            except sqlite3.Error as exc:
                log.warning("storage maintenance failed: %r", exc)

    # ------------------------------------------------------------------ close

    async def close(self) -> None:
        if self._closed is not None:
            await asyncio.shield(self._closed)
            return
        self._closed = self._loop.create_future()
        self._closing = True
        try:
            if self._maintenance is not None:
                self._maintenance.cancel()
                try:
                    await self._maintenance
                except asyncio.CancelledError:
                    pass
            self._flush()
            self._queue.put(_STOP)
            # Every batch queued before _STOP is committed (or failed) and reported first.
            await self._writer_done
            self._cache.close()
        finally:
            self._closed.set_result(None)
