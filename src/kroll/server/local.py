"""The in-process `Client`: controllers and the node agent call the request pipeline directly.

Same semantics as HTTP (defaulting, validation, admission, optimistic concurrency, watch
resume), none of the TLS, HTTP or JSON-over-socket cost. Objects cross the boundary as
fresh dicts, so callers may keep or mutate what they get, with one opt-in exception:

With `share_watch_objects=True` (what `kroll up` uses), watchers of the same events get
the same decoded dict: an event is decoded once, by the first watcher that reads it, and
shared with the others (the pod informer and the node agent both watch every pod, so a
rollout decoded each pod event twice). Such watch objects are read-only for everyone,
which is already the rule for informer caches and for the node agent's pods.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from kroll.api import registry
from kroll.api.types import MERGE_PATCH, Obj
from kroll.client.interface import WatchEvent
from kroll.server.apiserver import ApiServer, DeleteOptions

SHARED_DECODES = 2048  # recent events whose decoded object is kept for the other watchers


class LocalClient:
    def __init__(self, api: ApiServer, *, share_watch_objects: bool = False) -> None:
        self.api = api
        self.share_watch_objects = share_watch_objects
        # id(raw bytes) -> (those bytes, decoded object); the bytes are kept so the id stays theirs
        self._decoded: dict[int, tuple[bytes, Obj]] = {}

    def _decode_shared(self, raw: bytes) -> Obj:
        """orjson.loads(raw), once per bytes object among recent events (insertion-ordered FIFO)."""
        decoded = self._decoded
        hit = decoded.get(id(raw))
        if hit is not None and hit[0] is raw:
            return hit[1]
        obj = orjson.loads(raw)
        decoded[id(raw)] = (raw, obj)
        if len(decoded) > SHARED_DECODES:
            del decoded[next(iter(decoded))]
        return obj

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
        decode = self._decode_shared if self.share_watch_objects else orjson.loads
        try:
            async for event in stream:
                yield WatchEvent(event.type, decode(event.raw))
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
