"""Small helpers over object metadata: keys, timestamps, owner references, labels.

Timestamps are RFC 3339 strings with a `Z` suffix and second precision, as the API
server writes them (`2026-11-22T05:01:01Z`).
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

from kroll.api.types import Obj


def format_time(t: _dt.datetime) -> str:
    return t.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(t: _dt.datetime) -> str:
    return t.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str | None) -> _dt.datetime | None:
    if not s:
        return None
    return _parse_time(s)


@functools.lru_cache(maxsize=4096)
def _parse_time(s: str) -> _dt.datetime:
    # Second-precision stamps repeat a lot (every pod of a rollout, every condition): a
    # small cache spares the controllers most of the parsing. datetimes are immutable.
    return _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def now_str() -> str:
    return format_time(now())


def meta(obj: Obj) -> dict[str, Any]:
    return obj.setdefault("metadata", {})


def name_of(obj: Obj) -> str:
    return obj.get("metadata", {}).get("name", "")


def namespace_of(obj: Obj) -> str:
    return obj.get("metadata", {}).get("namespace", "")


def uid_of(obj: Obj) -> str:
    return obj.get("metadata", {}).get("uid", "")


def labels_of(obj: Obj) -> dict[str, str]:
    return obj.get("metadata", {}).get("labels") or {}


def annotations_of(obj: Obj) -> dict[str, str]:
    return obj.get("metadata", {}).get("annotations") or {}


def key_of(obj: Obj) -> str:
    """Cache key: `namespace/name`, or `name` for cluster-scoped objects."""
    m = obj.get("metadata", {})
    ns = m.get("namespace")
    return f"{ns}/{m.get('name', '')}" if ns else m.get("name", "")


def controller_ref(obj: Obj) -> dict[str, Any] | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def new_controller_ref(owner: Obj) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def is_being_deleted(obj: Obj) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))
