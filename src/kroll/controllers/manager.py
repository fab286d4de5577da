"""Runs every controller of `kroll up` in one event loop, sharing informers and one event recorder.

Informers start first and must sync (list done) before any controller works, as in
kube-controller-manager; controllers then run their workers until stopped.
"""

from __future__ import annotations

import asyncio
import contextlib

from kroll.client.interface import Client
from kroll.controllers.runtime.controller import Controller
from kroll.controllers.runtime.events import EventRecorder
from kroll.controllers.runtime.informer import informer_factory


def controller_classes() -> list[type[Controller]]:
    from kroll.controllers.daemonset import DaemonSetController
    from kroll.controllers.deployment import DeploymentController
    from kroll.controllers.garbagecollector import GarbageCollector
    from kroll.controllers.namespace import NamespaceController
    from kroll.controllers.replicaset import ReplicaSetController
    from kroll.controllers.scheduler import Scheduler
    from kroll.controllers.statefulset import StatefulSetController

    return [DeploymentController, ReplicaSetController, Scheduler, DaemonSetController, StatefulSetController,
            GarbageCollector, NamespaceController]


class ControllerManager:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.informers = informer_factory(client)
        self.recorder = EventRecorder(client)
        self.controllers = [cls(client, self.informers, self.recorder) for cls in controller_classes()]
        self._tasks: list[asyncio.Task] = []

    async def run(self) -> None:
        self.recorder.start()
        informers = list(self.informers.all.values())  # type: ignore[attr-defined]
        for informer in informers:
            informer.start()
        await asyncio.gather(*(i.synced.wait() for i in informers))
        self._tasks = [asyncio.create_task(c.run(), name=f"controller:{c.name}") for c in self.controllers]
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        for c in self.controllers:
            c.stop()
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(BaseException):
                await t
        for informer in list(self.informers.all.values()):  # type: ignore[attr-defined]
            await informer.stop()
        await self.recorder.stop()
