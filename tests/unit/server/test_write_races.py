"""Requests without a resourceVersion precondition never fail because of a write race.

Reads see committed state while the store's compare-and-swap also sees writes still being
committed, so a read-modify-write that lost a race must wait for the winner before it
retries (upstream's GuaranteedUpdate). Requests that carry a resourceVersion still get 409.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kroll.api import errors, registry
from kroll.api.types import MERGE_PATCH, STRATEGIC_MERGE_PATCH
from kroll.server.apiserver import ApiServer, DeleteOptions
from kroll.storage import open_store

CM = registry.by_group_resource("configmaps")
PODS = registry.by_group_resource("pods")
DEPLOYMENTS = registry.by_group_resource("deployments.apps")


def _run(test) -> None:
    async def main() -> None:
        async with asyncio.timeout(30):
            await test()

    asyncio.run(main())


async def _api(path: Path) -> ApiServer:
    api = ApiServer(await open_store(path, compact_interval=None))
    await api.bootstrap()
    return api


def test_concurrent_patches_without_resource_version_all_land(tmp_path: Path) -> None:
    async def test() -> None:
        api = await _api(tmp_path)
        await api.create(CM, "default", {"metadata": {"name": "c"}, "data": {}})
        await asyncio.gather(*(
            api.patch(CM, "default", "c", {"data": {f"k{i}": str(i)}},
                      patch_type=MERGE_PATCH if i % 2 else STRATEGIC_MERGE_PATCH)
            for i in range(40)))
        assert (await api.get(CM, "default", "c"))["data"] == {f"k{i}": str(i) for i in range(40)}
        await api.store.close()

    _run(test)


def test_unconditional_updates_retry_but_stale_ones_conflict(tmp_path: Path) -> None:
    async def test() -> None:
        api = await _api(tmp_path)
        created = (await api.create(CM, "default", {"metadata": {"name": "c"}, "data": {"v": "0"}})).obj
        stale_rv = created["metadata"]["resourceVersion"]

        async def put(i: int, rv: str | None) -> object:
            md = {"name": "c", **({"resourceVersion": rv} if rv else {})}
            try:
                return (await api.update(CM, "default", "c", {"metadata": md, "data": {"v": str(i)}})).obj
            except errors.ApiError as exc:
                return exc

        results = await asyncio.gather(*(put(i, None if i % 2 else stale_rv) for i in range(1, 21)))
        unconditional = [r for i, r in enumerate(results, 1) if i % 2]
        conditional = [r for i, r in enumerate(results, 1) if not i % 2]
        assert all(isinstance(r, dict) for r in unconditional), unconditional
        # one of the conditional ones may win the first race; the rest are stale
        lost = [r for r in conditional if isinstance(r, errors.ApiError)]
        assert len(lost) >= len(conditional) - 1
        assert all(r.code == 409 and r.reason == "Conflict" for r in lost)
        await api.store.close()

    _run(test)


def test_delete_and_bind_race_with_updates(tmp_path: Path) -> None:
    async def test() -> None:
        api = await _api(tmp_path)
        pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
        await api.create(PODS, "default", pod)
        labels = [api.patch(PODS, "default", "p", {"metadata": {"labels": {f"l{i}": "x"}}},
                            patch_type=MERGE_PATCH) for i in range(10)]
        await asyncio.gather(api.bind("default", "p", {"target": {"name": "n1"}}), *labels)
        bound = await api.get(PODS, "default", "p")
        assert bound["spec"]["nodeName"] == "n1"
        assert len(bound["metadata"]["labels"]) == 10

        await api.create(CM, "default", {"metadata": {"name": "gone"}, "data": {}})
        touches = [api.patch(CM, "default", "gone", {"data": {f"k{i}": "x"}}, patch_type=MERGE_PATCH)
                   for i in range(5)]
        results = await asyncio.gather(*touches, api.delete(CM, "default", "gone", DeleteOptions()),
                                       return_exceptions=True)
        assert not isinstance(results[-1], BaseException), results[-1]
        with pytest.raises(errors.ApiError) as missing:
            await api.get(CM, "default", "gone")
        assert missing.value.code == 404
        await api.store.close()

    _run(test)
