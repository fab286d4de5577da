"""Bootstrap on an existing data dir repairs what a crash between two writes left half done."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from kroll.api import errors, registry
from kroll.server.apiserver import ApiServer, DeleteOptions, resource_key
from kroll.storage import open_store

NS = registry.by_group_resource("namespaces")
SA = registry.by_group_resource("serviceaccounts")


def test_restart_gives_every_live_namespace_its_default_service_account(tmp_path: Path) -> None:
    async def test() -> None:
        api = ApiServer(await open_store(tmp_path, compact_interval=None))
        await api.bootstrap()
        await api.create(NS, None, {"metadata": {"name": "half"}})
        await api.create(NS, None, {"metadata": {"name": "going"}})
        pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
        await api.create(registry.by_group_resource("pods"), "going", pod)
        await api.delete(NS, None, "going", DeleteOptions())  # Terminating: no new content allowed
        # the crash: the namespace is committed, its service account is not
        for ns in ("half", "going"):
            sa = await api.store.get(resource_key(SA, ns, "default"))
            await api.store.delete(resource_key(SA, ns, "default"), expected_rev=sa.rev)
        await api.store.close()

        api = ApiServer(await open_store(tmp_path, compact_interval=None))
        await api.bootstrap()
        assert (await api.get(SA, "half", "default"))["metadata"]["name"] == "default"
        try:
            await api.get(SA, "going", "default")
            raise AssertionError("a terminating namespace got new content")
        except errors.ApiError as exc:
            assert exc.code == 404
        going = orjson.loads((await api.store.get(resource_key(NS, None, "going"))).value)
        assert going["status"]["phase"] == "Terminating"
        await api.store.close()

    asyncio.run(test())
