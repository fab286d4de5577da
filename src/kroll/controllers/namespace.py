"""Namespace controller: empties a terminating namespace, then finalizes it.

Upstream: pkg/controller/namespace. Deleting a namespace marks it Terminating; this
controller deletes every namespaced object in it (pods through graceful deletion), and
once nothing is left removes the `kubernetes` finalizer through `namespaces/<n>/finalize`,
which lets the API server drop the namespace.
"""

from __future__ import annotations

from kroll.api import registry
from kroll.api.errors import ApiError
from kroll.controllers.runtime.controller import Controller

RETRY_SECONDS = 0.5


class NamespaceController(Controller):
    name = "namespace"
    component = "namespace-controller"
    workers = 2

    def setup(self) -> None:
        self.informers("namespaces").add_handler(self._on_namespace)

    def _on_namespace(self, old, new) -> None:
        if new is not None and new["metadata"].get("deletionTimestamp"):
            self.queue.add(new["metadata"]["name"])

    async def sync(self, key: str) -> None:
        ns = self.informers("namespaces").cache.get(key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        remaining = 0
        for info in registry.RESOURCES:
            if not info.namespaced:
                continue
            items, _ = await self.client.list(info.group_resource, key)
            for item in items:
                remaining += 1
                if item["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    await self.client.delete(info.group_resource, key, item["metadata"]["name"],
                                             propagation_policy="Background")
                except ApiError as exc:
                    if exc.code not in (404, 409):
                        raise
        if remaining:
            self.queue.add_after(key, RETRY_SECONDS)
            return
        finalized = dict(ns)
        finalized["spec"] = {**ns.get("spec", {}), "finalizers": []}
        try:
            await self.client.update("namespaces", None, finalized, subresource="finalize")
        except ApiError as exc:
            if exc.code != 404:
                raise
