"""Storage: a revisioned key-value log on SQLite and the in-memory watch cache fed from it.

The API layer uses only `Store` (see `interface` for the semantics) and gets one from
`open_store`. `sqlite` holds the backend (schema, group-commit writer thread, recovery,
compaction), `watchcache` the event ring and watcher fan-out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    Store,
    StoreClosed,
    StoreError,
    StoreFailed,
    TooOld,
    TooSlow,
    WatchClosed,
    Watcher,
    WatchEvent,
)
from kroll.storage.sqlite import DB_FILE, SqliteStore

__all__ = [
    "ADDED",
    "DB_FILE",
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
    "SqliteStore",
    "Store",
    "StoreClosed",
    "StoreError",
    "StoreFailed",
    "TooOld",
    "TooSlow",
    "WatchClosed",
    "WatchEvent",
    "Watcher",
    "open_store",
]


async def open_store(data_dir: str | Path, **options: Any) -> Store:
    """Open the store kept in `data_dir` (created if missing): `<data_dir>/kroll.db`.

    Options are `SqliteStore.open`'s: `fast` (synchronous=NORMAL: may lose the last
    commits on power loss), `history`, `max_lag`, `compact_keep`, `compact_interval`,
    `max_batch`.
    """
    return await SqliteStore.open(Path(data_dir) / DB_FILE, **options)
