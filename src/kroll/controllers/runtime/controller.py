"""The shell every controller shares: informers feed a work queue of keys; a worker syncs
one key at a time by asking the controller's pure reconcile function what to do,
executing the actions, and waiting until its own writes are visible in its caches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from kroll.api import meta
from kroll.client.interface import Client
from kroll.controllers.runtime.events import EventRecorder
from kroll.controllers.runtime.executor import ActionFailed, Executor
from kroll.controllers.runtime.informer import Informer
from kroll.controllers.runtime.workqueue import WorkQueue, run_workers
from kroll.reconcile.actions import Action

log = logging.getLogger(__name__)
COOLDOWN_MIN = 0.002
COOLDOWN_MAX = 0.25


class Controller:
    name = "controller"
    component = "controller"
    workers = 4
    parallel_pods = False  # pod creates/deletes of one sync go out concurrently (see Executor)
    # A key changed while (or right after) it was synced is synced again only after resting
    # `cooldown` times as long as its reconcile took (at most COOLDOWN_MAX). For controllers
    # whose sync reads many objects (a ReplicaSet reads all its pods, on every pod event),
    # this batches the events of a busy key instead of re-reading everything back to back;
    # cheap syncs (under COOLDOWN_MIN) never rest.
    cooldown = 0.0

    def __init__(self, client: Client, informers: Callable[[str], Informer], recorder: EventRecorder,
                 *, clock: Callable = meta.now) -> None:
        self.client = client
        self.informers = informers
        self.clock = clock
        self.queue = WorkQueue(self.name)
        self.executor = Executor(client, recorder, self.component, parallel_pods=self.parallel_pods)
        self.setup()

    def setup(self) -> None:
        """Register informer handlers that enqueue keys."""

    def reconcile(self, key: str) -> list[Action]:
        raise NotImplementedError

    def rest_after(self, spent: float) -> float | None:
        """The rest of a key whose reconcile just took `spent` seconds (see `cooldown`)."""
        if spent <= COOLDOWN_MIN:
            return None
        return min(spent * self.cooldown, COOLDOWN_MAX)

    def on_failure(self, key: str, failed: ActionFailed) -> list[Action]:
        """Actions that record a failed write (e.g. a ReplicaFailure condition); the key is retried anyway."""
        return []

    async def sync(self, key: str) -> float | None:
        """One sync of `key`; returns how long the key should rest before its next sync (see
        `cooldown`), None for no rest."""
        started = time.perf_counter()
        actions = self.reconcile(key)
        rest = self.rest_after(time.perf_counter() - started) if self.cooldown else None
        if not actions:
            return rest
        try:
            outcome = await self.executor.run(actions)
        except ActionFailed as failed:
            follow_up = self.on_failure(key, failed)
            if follow_up:
                with contextlib.suppress(ActionFailed):
                    await self.executor.run(follow_up)
            raise
        await self.observe(outcome.writes)
        if outcome.requeue_after is not None:
            self.queue.add_after(key, outcome.requeue_after)
        return rest

    async def observe(self, writes: list[tuple[str, int]]) -> None:
        """Wait until each informer has seen our latest write to its resource."""
        latest: dict[str, int] = {}
        for resource, rv in writes:
            latest[resource] = max(rv, latest.get(resource, 0))
        all_informers = getattr(self.informers, "all", {})
        await asyncio.gather(*(all_informers[r].wait_for(rv) for r, rv in latest.items()
                               if r in all_informers and rv))

    async def run(self) -> None:
        await run_workers(self.queue, self.sync, workers=self.workers)

    def stop(self) -> None:
        self.queue.shutdown()


def key_for(obj) -> str:
    return meta.key_of(obj)


def split_key(key: str) -> tuple[str | None, str]:
    if "/" in key:
        ns, name = key.split("/", 1)
        return ns, name
    return None, key
