"""The one seam between API consumers (controllers, node agent, CLI) and an API server.

`Client` is implemented twice: in-process by the server (`kroll.server.local`, which runs
the very same request pipeline as HTTP requests do: defaulting, validation, admission,
optimistic concurrency) and over HTTPS for real clusters. Consumers import only this
module, so they work unchanged against either.

Resources are named by group-resource (`pods`, `deployments.apps`). Errors are raised as
`kroll.api.errors.ApiError` with the HTTP code and reason the server answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from kroll.api.types import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, Obj

__all__ = ["JSON_PATCH", "MERGE_PATCH", "STRATEGIC_MERGE_PATCH", "Client", "WatchEvent"]


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
    object: Obj


class Client(Protocol):
    async def get(self, resource: str, namespace: str | None, name: str) -> Obj: ...

    async def list(
        self,
        resource: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Obj], str]:
        """Return (items, list resourceVersion). Items carry kind and apiVersion."""
        ...

    def watch(
        self,
        resource: str,
        namespace: str | None = None,
        *,
        resource_version: str,
        label_selector: str | None = None,
        field_selector: str | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncIterator[WatchEvent]:
        """Events after `resource_version`; raises ApiError(410) when it is too old."""
        ...

    async def create(self, resource: str, namespace: str | None, obj: Obj, *, subresource: str | None = None,
                     name: str | None = None) -> Obj: ...

    async def update(self, resource: str, namespace: str | None, obj: Obj, *,
                     subresource: str | None = None) -> Obj:
        """PUT; the object's metadata.resourceVersion is the optimistic-concurrency precondition."""
        ...

    async def patch(
        self,
        resource: str,
        namespace: str | None,
        name: str,
        patch: Any,
        *,
        patch_type: str = MERGE_PATCH,
        subresource: str | None = None,
    ) -> Obj: ...

    async def delete(
        self,
        resource: str,
        namespace: str | None,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
    ) -> Obj | None:
        """Returns the object as deleted or as marked for deletion; None if it was already gone."""
        ...
