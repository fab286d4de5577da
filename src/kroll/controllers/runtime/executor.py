"""Executes the actions a reconcile function returned, in order, through the client.

Returns the resourceVersions of the writes so that the controller can wait until its
informers have observed them before the next sync of the same key. A failure stops the
run and propagates (the work queue retries the key with backoff); deleting something
already gone is not a failure.

With `parallel_pods` (the ReplicaSet controller), runs of pod creates and pod deletes go
out concurrently, as upstream's replica set controller issues them (controller_utils.go
and replica_set.go, manageReplicas): creates in slow-start batches of 1, 2, 4, ... that
stop after the first batch with a failure; deletes (each followed by its "Deleted pod"
event, recorded only if that delete succeeded) all at once. Everything else still runs
one action at a time, in order.
"""

from __future__ import annotations

import asyncio
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


def _is_pod_create(action: Action) -> bool:
    return isinstance(action, Create) and action.resource == "pods" and action.subresource is None


def _is_pod_delete(action: Action) -> bool:
    return isinstance(action, Delete) and action.resource == "pods"


class Executor:
    def __init__(self, client: Client, recorder: EventRecorder, component: str, *,
                 parallel_pods: bool = False) -> None:
        self.client = client
        self.recorder = recorder
        self.component = component
        self.parallel_pods = parallel_pods

    async def run(self, actions: list[Action]) -> Outcome:
        out = Outcome()
        i, n = 0, len(actions)
        while i < n:
            action = actions[i]
            if self.parallel_pods and _is_pod_create(action):
                j = i
                while j < n and _is_pod_create(actions[j]):
                    j += 1
                await self._create_slow_start(actions[i:j], out)
                i = j
                continue
            if self.parallel_pods and _is_pod_delete(action):
                # (Delete, its Event) pairs, or lone Deletes
                group: list[tuple[Action, Action | None]] = []
                j = i
                while j < n and _is_pod_delete(actions[j]):
                    follow = actions[j + 1] if j + 1 < n and isinstance(actions[j + 1], Event) else None
                    group.append((actions[j], follow))
                    j += 2 if follow is not None else 1
                await self._delete_all(group, out)
                i = j
                continue
            await self._run_checked(action, out)
            i += 1
        return out

    async def _run_checked(self, action: Action, out: Outcome) -> None:
        try:
            await self._run_one(action, out)
        except ActionFailed:
            raise
        except Exception as exc:
            raise ActionFailed(action, exc) from exc

    async def _create_slow_start(self, creates: list[Action], out: Outcome) -> None:
        """Batches of 1, 2, 4, ...; a batch with a failure ends the run (upstream slowStartBatch)."""
        done, size = 0, 1
        while done < len(creates):
            batch = creates[done:done + size]
            results = await asyncio.gather(*(self._run_checked(a, out) for a in batch), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            done += len(batch)
            size *= 2

    async def _delete_all(self, group: list[tuple[Action, Action | None]], out: Outcome) -> None:
        results = await asyncio.gather(*(self._run_checked(d, out) for d, _ in group), return_exceptions=True)
        failure: BaseException | None = None
        for (_, event), result in zip(group, results, strict=True):
            if isinstance(result, BaseException):
                failure = failure or result
            elif event is not None:
                await self._run_checked(event, out)
        if failure is not None:
            raise failure

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
