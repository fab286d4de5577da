"""LocalClient watches: with share_watch_objects, every watcher of an event gets the one
object decoded for it; without, each watcher gets its own copy."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kroll.server.apiserver import ApiServer
from kroll.server.local import LocalClient
from kroll.storage import open_store

POD = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def _events(tmp_path: Path, *, share: bool) -> list[tuple[object, object]]:
    async def test() -> list[tuple[object, object]]:
        api = ApiServer(await open_store(tmp_path, compact_interval=None))
        await api.bootstrap()
        client = LocalClient(api, share_watch_objects=share)
        _, rv = await client.list("pods", "default")
        first = client.watch("pods", resource_version=rv)
        second = client.watch("pods", "default", resource_version=rv)
        await client.create("pods", "default", POD)
        a = await anext(first)
        b = await anext(second)
        await first.aclose()
        await second.aclose()
        await api.store.close()
        return [(a, b)]

    return asyncio.run(test())


def test_shared_watch_objects_are_decoded_once(tmp_path: Path) -> None:
    (a, b), = _events(tmp_path, share=True)
    assert a.type == b.type == "ADDED"
    assert a.object is b.object
    assert a.object["metadata"]["name"] == "p"


def test_watch_objects_are_fresh_copies_by_default(tmp_path: Path) -> None:
    (a, b), = _events(tmp_path, share=False)
    assert a.object == b.object
    assert a.object is not b.object
