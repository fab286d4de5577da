"""Executes the actions a reconcile function returned, in order, through the client.

Returns the resourceVersions of the writes so that the controller can wait until its
informers have observed them before the next sync of the same key. A failure stops the
run and propagates (the work queue retries the key with backoff); deleting something
already gone is not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kroll.api.errors import ApiError
from kroll.api.meta import controller_ref
from kroll.client.interface import Client
from kroll.controllers.runtime.events import EventRecorder
from kroll.reconcile.actions import Action, Create, Delete, Event, Patch, RequeueAfter, Update, UpdateStatus


class ActionFailed(Exception):
    """An action the API refused; `error` is the ApiError (or other exception) it raised."""

    def __init__(self, action: Action, error: Exception) -> None:
        super().__init__(f"{type(action).__name__} failed: {error}")
        self.action = action
        self.error = error


@dataclass
class Outcome:
    writes: list[tuple[str, int]] = field(default_factory=list)  # (resource, resourceVersion)
    requeue_after: float | None = None


def _rv(obj) -> int:
    try:
        return int((obj or {}).get("metadata", {}).get("resourceVersion") or 0)
    except (TypeError, ValueError):
        return 0


class Executor:
    def __init__(self, client: Client, recorder: EventRecorder, component: str) -> None:
        self.client = client
        self.recorder = recorder
        self.component = component

    async def run(self, actions: list[Action]) -> Outcome:
        out = Outcome()
        for action in actions:
            try:
                await self._run_one(action, out)
            except ActionFailed:
                raise
            except Exception as exc:
                raise ActionFailed(action, exc) from exc
        return out

    async def _run_one(self, action: Action, out: Outcome) -> None:
        if isinstance(action, Create):
            sub = getattr(action, "subresource", None)
            name = getattr(action, "name", None)
            created = await self.client.create(action.resource, action.namespace, action.obj,
                                               subresource=sub, name=name)
            if sub is None:
                out.writes.append((action.resource, _rv(created)))
                self._created_event(action, created)
            else:
                out.writes.append((action.resource, 0))
        elif isinstance(action, Update):
            updated = await self.client.update(action.resource, action.namespace, action.obj)
            out.writes.append((action.resource, _rv(updated)))
        elif isinstance(action, UpdateStatus):
            updated = await self.client.update(action.resource, action.namespace, action.obj,
                                               subresource="status")
            out.writes.append((action.resource, _rv(updated)))
        elif isinstance(action, Patch):
            try:
                patched = await self.client.patch(action.resource, action.namespace, action.name, action.patch,
                                                  patch_type=action.patch_type, subresource=action.subresource)
            except ApiError as exc:
                if exc.code in (404, 422):  # gone or no longer ours: nothing to adopt/release
                    return
                raise
            out.writes.append((action.resource, _rv(patched)))
        elif isinstance(action, Delete):
            try:
                deleted = await self.client.delete(
                    action.resource, action.namespace, action.name,
                    propagation_policy=action.propagation_policy,
                    grace_period_seconds=action.grace_period_seconds,
                    preconditions={"uid": action.uid} if action.uid else None)
            except ApiError as exc:
                if exc.code == 404:
                    return
                raise
            out.writes.append((action.resource, _rv(deleted)))
        elif isinstance(action, Event):
            self.recorder.record(action.involved, action.type, action.reason, action.message,
                                 action.component or self.component)
        elif isinstance(action, RequeueAfter):
            if out.requeue_after is None or action.seconds < out.requeue_after:
                out.requeue_after = action.seconds

    def _created_event(self, action: Create, created) -> None:
        """Pods get server-generated names: the "Created pod" event is recorded here, after the create."""
        if action.resource != "pods":
            return
        ref = controller_ref(created)
        if ref is None:
            return
        owner = {"apiVersion": ref.get("apiVersion"), "kind": ref.get("kind"),
                 "metadata": {"name": ref.get("name"), "namespace": created["metadata"].get("namespace"),
                              "uid": ref.get("uid")}}
        name = created["metadata"]["name"]
        if ref.get("kind") == "StatefulSet":
            message = f"create Pod {name} in StatefulSet {ref.get('name')} successful"
        else:
            message = f"Created pod: {name}"
        self.recorder.record(owner, "Normal", "SuccessfulCreate", message, self.component)
