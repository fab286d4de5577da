"""The storage seam: a revisioned key-value store with compare-and-swap and watches.

The API layer talks to storage only through `Store` (and the `Watcher`s it hands out),
so a second backend (etcd) can be added without touching the API layer. The semantics
are etcd's, as the Kubernetes apiserver uses them (`k8s.io/apiserver/pkg/storage/etcd3`):

* One global, strictly increasing **revision** counter; every write (create, update,
  delete) gets the next revision, and that revision is the object's `resourceVersion`.
* Values are opaque `bytes` (the serialized object). Because the object carries its own
  `metadata.resourceVersion`, a write takes an `Encode` callable instead of bytes: the
  store calls `encode(rev)` synchronously, once, at the moment the revision is assigned,
  and stores what it returns. The API layer's encoder stamps `str(rev)` and serializes.
* Each entry also carries small `attrs` (labels and field-selector values, supplied by
  the caller at write time). The store never looks inside them; it keeps them in memory
  and persists them so that selectors can be evaluated (`Predicate`) on lists and watches
  without decoding objects, also right after a restart.
* Reads (`get`, `list`) see committed state only. A write's coroutine returns only once
  the write is durable.
* `watch(prefix, after_rev=R)` delivers every committed event with revision > R in
  revision order, or raises `TooOld` when R is older than the history kept.

Keys look like `/pods/default/web-1`, `/deployments.apps/default/web`, `/nodes/n1`:
`/<group-resource>/<namespace>/<name>` or `/<group-resource>/<name>`; prefixes are
`/<group-resource>/` or `/<group-resource>/<namespace>/`. Listing is ordered by key (as
etcd orders keys).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, Protocol

__all__ = [
    "ADDED",
    "DELETED",
    "MODIFIED",
    "Attrs",
    "Conflict",
    "Encode",
    "Entry",
    "KeyExists",
    "ListResult",
    "NotFound",
    "Predicate",
    "Store",
    "StoreClosed",
    "StoreError",
    "StoreFailed",
    "TooOld",
    "TooSlow",
    "WatchClosed",
    "WatchEvent",
    "Watcher",
]

Attrs = Mapping[str, Any]
"""Labels and field-selector values of an entry; JSON-serializable; never mutated once written."""

Encode = Callable[[int], bytes]
"""`encode(rev) -> bytes`: serialize the object with `metadata.resourceVersion = str(rev)`."""

Predicate = Callable[[Attrs], bool]
"""Selector test over an entry's attrs (label and field selectors, compiled by the API layer)."""

ADDED: Final = "ADDED"
MODIFIED: Final = "MODIFIED"
DELETED: Final = "DELETED"


@dataclass(frozen=True, slots=True)
class Entry:
    """One key's value at one revision.

    `rev` is the revision of the write that produced this value (the object's
    resourceVersion, etcd's mod_revision); `create_rev` is the revision that created the
    key (etcd's create_revision). For the entry a `delete` returns, `rev` is the
    deletion revision and `value` the tombstone's value (see `Store.delete`).
    """

    key: str
    rev: int
    create_rev: int
    value: bytes
    attrs: Attrs


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """A committed change, as a watcher sees it.

    `value` is the object to send. Its embedded resourceVersion is `value_rev`, which
    equals `rev` except for DELETED events whose value was not re-encoded at the deletion
    revision (a delete without `encode`, or a DELETED synthesized because the object
    stopped matching the watcher's predicate). Upstream's watch cache sends such objects
    re-stamped with the event's revision (`cacher/cache_watcher.go`, convertToWatchEvent);
    the API layer does that when `value_rev != rev`.

    `prev_value`/`prev_attrs`/`prev_rev` describe the key's previous live value (None /
    0 for ADDED events of new keys).
    """

    type: str  # ADDED, MODIFIED or DELETED
    key: str
    rev: int
    value: bytes
    attrs: Attrs
    prev_value: bytes | None
    prev_attrs: Attrs | None
    prev_rev: int
    value_rev: int


class ListResult(NamedTuple):
    rev: int  # the revision the listing reflects (the store's committed revision)
    entries: list[Entry]  # sorted by key
    more: bool  # another matching entry follows the last one returned (continue from its key)


# ---------------------------------------------------------------------------- errors


class StoreError(Exception):
    """Base of every storage error."""


class KeyExists(StoreError):
    def __init__(self, key: str, current_rev: int) -> None:
        super().__init__(f"key exists: {key} (rev {current_rev})")
        self.key = key
        self.current_rev = current_rev


class NotFound(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class Conflict(StoreError):
    """The compare-and-swap precondition failed: the key is at `current_rev`, not `expected_rev`."""

    def __init__(self, key: str, expected_rev: int, current_rev: int) -> None:
        super().__init__(f"conflict on {key}: expected rev {expected_rev}, current rev {current_rev}")
        self.key = key
        self.expected_rev = expected_rev
        self.current_rev = current_rev


class TooOld(StoreError):
    """A watch asked for history older than the store keeps (the API answers 410 Expired).

    `oldest` is the oldest revision a watch may start after; the message is upstream's
    (`cacher/watch_cache.go`): "too old resource version: 5 (120)".
    """

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


class WatchClosed(StoreError):
    """The watcher was closed (by its consumer or because the store closed)."""


class TooSlow(WatchClosed):
    """The watcher fell too far behind and was dropped; the consumer should re-watch from its
    last revision (or relist on TooOld). Writers never wait for watchers."""


class StoreClosed(StoreError):
    """A write was submitted after `close()` started."""


class StoreFailed(StoreError):
    """A commit failed. The writes of that batch (and every later one) are not durable and
    were not applied; the store refuses further writes until it is reopened."""


# ---------------------------------------------------------------------------- protocols


class Watcher(Protocol):
    """A stream of committed events for one prefix, in revision order.

    Iterate it (`async for ev in watcher`) or pull batches with `next_batch` / `poll`. Iteration
    ends when the watcher is closed, or when the store is closed and every event committed
    before that was delivered; it raises `TooSlow` if the consumer fell more than the
    watcher's lag budget behind the newest event.
    """

    @property
    def progress(self) -> int:
        """Every event with a revision <= this has been delivered or filtered out: the
        revision to put in a BOOKMARK, or to resume from after a disconnect."""
        ...

    @property
    def closed(self) -> bool:
        """Closed or dropped, with nothing left to deliver."""
        ...

    def __aiter__(self) -> AsyncIterator[WatchEvent]: ...

    async def __anext__(self) -> WatchEvent: ...

    def poll(self, max_events: int = 1000) -> list[WatchEvent]:
        """The events available now (up to `max_events`, possibly none), without waiting.
        Raises `WatchClosed` once closed and drained, `TooSlow` when dropped."""
        ...

    async def next_batch(self, max_events: int = 1000) -> list[WatchEvent]:
        """Like `poll`, but waits until at least one event is available. Cancelling it
        loses nothing, so bound it with `asyncio.timeout()` to send BOOKMARKs (`progress`)
        while idle."""
        ...

    def close(self) -> None: ...


class Store(Protocol):
    def current_revision(self) -> int:
        """The newest committed revision."""
        ...

    async def get(self, key: str) -> Entry | None: ...

    async def list(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int | None = None,
        predicate: Predicate | None = None,
    ) -> ListResult:
        """Live entries whose key starts with `prefix`, sorted by key, after `start_after`
        (exclusive: the key of the last entry of the previous page), at most `limit`
        entries that satisfy `predicate`. Every page reflects the current committed state."""
        ...

    async def create(self, key: str, encode: Encode, attrs: Attrs | None = None) -> Entry:
        """Raises `KeyExists` if the key is live."""
        ...

    async def update(self, key: str, encode: Encode, attrs: Attrs | None = None, *, expected_rev: int) -> Entry:
        """Compare-and-swap: raises `NotFound` if absent, `Conflict` if the key's latest
        revision (including writes submitted but not yet committed) is not `expected_rev`.
        `attrs` replace the old ones (None: no attrs, not "unchanged")."""
        ...

    async def delete(self, key: str, *, expected_rev: int | None = None, encode: Encode | None = None) -> Entry:
        """Write a tombstone at a new revision and return it: the last live value (re-encoded
        with `encode(rev)` at the deletion revision when given, else as it was) and attrs.
        Raises `NotFound` / `Conflict` like `update`."""
        ...

    async def wait_committed(self, rev: int) -> None:
        """Return once every write with a revision <= `rev` is committed (at once if it is).

        Reads see committed state only, while compare-and-swap checks the newest *submitted*
        state: a read-modify-write that lost to a write still being committed gets `Conflict`
        with that write's revision in `current_rev`, and an immediate re-read would return the
        same stale value. Waiting for `current_rev` first makes the retry see the winner.
        Raises `StoreFailed` / `StoreClosed` if the store fails or closes before that."""
        ...

    def watch(
        self,
        prefix: str,
        *,
        after_rev: int,
        predicate: Predicate | None = None,
        max_lag: int | None = None,
    ) -> Watcher:
        """Events for keys under `prefix` with revision > `after_rev`. With a predicate,
        a MODIFIED event is delivered as ADDED when the object starts matching and as
        DELETED (carrying the previous value) when it stops matching. Raises `TooOld`."""
        ...

    async def compact(self, keep: int) -> int:
        """Drop the history older than the newest `keep` revisions; returns the compacted
        revision. Current values are never dropped."""
        ...

    async def close(self) -> None:
        """Commit every write already submitted, then release the store. Idempotent."""
        ...
