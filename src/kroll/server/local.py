"""The in-process `Client`: controllers and the node agent call the request pipeline directly.

Same semantics as HTTP (defaulting, validation, admission, optimistic concurrency, watch
resume), none of the TLS, HTTP or JSON-over-socket cost. Objects cross the boundary as
fresh dicts, so callers may keep or mutate what they get.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from kroll.api import registry
from kroll.api.types import MERGE_PATCH, Obj
from kroll.client.interface import WatchEvent
from kroll.server.apiserver import ApiServer, DeleteOptions


class LocalClient:
    def __init__(self, api: ApiServer) -> None:
        self.api = api

    async def get(self, resource: str, namespace: str | None, name: str) -> Obj:
        self.api.requests.add("local", "get", resource)
        return await self.api.get(registry.by_group_resource(resource), namespace, name)

    async def list(self, resource: str, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None) -> tuple[list[Obj], str]:
        self.api.requests.add("local", "list", resource)
        listed = await self.api.list(registry.by_group_resource(resource), namespace, label_selector=label_selector,
                               field_selector=field_selector)
        return listed.objects(), listed.resource_version

    async def watch(self, resource: str, namespace: str | None = None, *, resource_version: str,
                    label_selector: str | None = None, field_selector: str | None = None,
                    allow_bookmarks: bool = True) -> AsyncIterator[WatchEvent]:
        self.api.requests.add("local", "watch", resource)
        stream = await self.api.watch(registry.by_group_resource(resource), namespace,
                                      resource_version=resource_version, label_selector=label_selector,
                                      field_selector=field_selector, allow_bookmarks=allow_bookmarks)
        try:
            async for event in stream:
                yield WatchEvent(event.type, orjson.loads(event.raw))
        finally:
            await stream.aclose()

    async def create(self, resource: str, namespace: str | None, obj: Obj, *, subresource: str | None = None,
                     name: str | None = None) -> Obj:
        self.api.requests.add("local", "create", resource, subresource)
        info = registry.by_group_resource(resource)
        body = orjson.loads(orjson.dumps(obj))
        if subresource == "binding":
            return (await self.api.bind(namespace or "", name or "", body)).obj
        if subresource == "eviction":
            return (await self.api.evict(namespace or "", name or "", body)).obj
        return (await self.api.create(info, namespace, body, field_validation="Ignore")).obj

    async def update(self, resource: str, namespace: str | None, obj: Obj, *, subresource: str | None = None) -> Obj:
        self.api.requests.add("local", "update", resource, subresource)
        info = registry.by_group_resource(resource)
        body = orjson.loads(orjson.dumps(obj))
        return (await self.api.update(info, namespace, body["metadata"]["name"], body, subresource=subresource,
                                      field_validation="Ignore")).obj

    async def patch(self, resource: str, namespace: str | None, name: str, patch: Any, *,
                    patch_type: str = MERGE_PATCH, subresource: str | None = None) -> Obj:
        self.api.requests.add("local", "patch", resource, subresource)
        info = registry.by_group_resource(resource)
        body = orjson.loads(orjson.dumps(patch))
        return (await self.api.patch(info, namespace, name, body, patch_type=patch_type, subresource=subresource,
                                     field_validation="Ignore")).obj

    async def delete(self, resource: str, namespace: str | None, name: str, *,
                     propagation_policy: str | None = None, grace_period_seconds: int | None = None,
                     preconditions: dict[str, str] | None = None) -> Obj | None:
        self.api.requests.add("local", "delete", resource)
        info = registry.by_group_resource(resource)
        options = DeleteOptions(propagation_policy=propagation_policy, grace_period_seconds=grace_period_seconds,
                                preconditions=preconditions)
        return (await self.api.delete(info, namespace, name, options)).obj
