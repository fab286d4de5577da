"""Hashes that name ReplicaSets and ControllerRevisions.

Upstream hashes a Go struct dump of the pod template with FNV-1a (ComputeHash) and the raw
ControllerRevision data with FNV-1 (HashControllerRevision), then maps the decimal digits of
the 32-bit result through `SafeEncodeString`'s alphabet. kubectl never recomputes the
template hash, so ours hashes the canonical JSON of the template instead of a Go dump: any
stable function of (template, collisionCount) is compatible. The ControllerRevision hash only
hashes bytes and is reproduced exactly.
"""

from __future__ import annotations

import orjson

from kroll.api.types import Obj

_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv1a_32(data: bytes, h: int = _FNV_OFFSET) -> int:
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def fnv1_32(data: bytes, h: int = _FNV_OFFSET) -> int:
    for byte in data:
        h = ((h * _FNV_PRIME) & 0xFFFFFFFF) ^ byte
    return h


def safe_encode(s: str) -> str:
    """Map each character onto a vowel-free alphabet, e.g. "1234" -> "5678"."""
    return "".join(_ALPHABET[ord(c) % len(_ALPHABET)] for c in s)


def template_hash(template: Obj, collision_count: int | None = None) -> str:
    """The `pod-template-hash` of a pod template (also names DaemonSet revisions)."""
    h = fnv1a_32(orjson.dumps(template, option=orjson.OPT_SORT_KEYS))
    if collision_count is not None:
        # upstream feeds the count as 8 little-endian bytes (uint32 then 4 zero bytes)
        h = fnv1a_32((collision_count & 0xFFFFFFFF).to_bytes(4, "little") + b"\0\0\0\0", h)
    return safe_encode(str(h))


def controller_revision_hash(data: bytes, collision_count: int | None = None) -> str:
    """HashControllerRevision: FNV-1 over the data bytes, then the decimal collision count."""
    h = fnv1_32(data)
    if collision_count is not None:
        h = fnv1_32(str(collision_count).encode(), h)
    return safe_encode(str(h))
