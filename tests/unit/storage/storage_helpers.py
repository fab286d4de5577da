"""Helpers shared by the storage tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson


def obj(name: str, **fields: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, **fields}


def enc(o: dict[str, Any]) -> Callable[[int], bytes]:
    """An encoder as the API layer writes it: stamp resourceVersion, serialize."""

    def encode(rev: int) -> bytes:
        return orjson.dumps({**o, "metadata": {**o["metadata"], "resourceVersion": str(rev)}})

    return encode


def rv(value: bytes) -> str:
    return orjson.loads(value)["metadata"]["resourceVersion"]
