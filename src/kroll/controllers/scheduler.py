"""Scheduler shell: binds pending pods to nodes (decisions in `kroll.reconcile.scheduler`).

Pod counts per node are kept incrementally, and a pod is "assumed" on its node as soon
as the scheduler picks it (before the binding is acknowledged), as kube-scheduler's cache
does, so that concurrent workers spread pods instead of piling them on one node.
"""

from __future__ import annotations

from collections import Counter

from kroll.api.meta import key_of
from kroll.api.types import Obj
from kroll.controllers.runtime.controller import Controller, split_key
from kroll.reconcile.actions import Action, Create
from kroll.reconcile.scheduler import needs_scheduling, schedule


def _placed_on(pod: Obj | None) -> str:
    if pod is None or pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
        return ""
    return pod.get("spec", {}).get("nodeName", "")


class Scheduler(Controller):
    name = "scheduler"
    component = "default-scheduler"
    # Each sync is one binding, and most of it is waiting for that write to commit; upstream
    # binds asynchronously too (a goroutine per binding cycle). 32 bindings in flight let a
    # burst of new pods share group commits instead of queueing behind 4 at a time.
    workers = 32

    def setup(self) -> None:
        self.pods = self.informers("pods")
        self.nodes = self.informers("nodes")
        self.assigned: dict[str, str] = {}  # pod uid -> node
        self.counts: Counter[str] = Counter()
        self.pods.add_handler(self._on_pod)
        self.nodes.add_handler(self._on_node)

    def _assign(self, uid: str, node: str) -> None:
        previous = self.assigned.pop(uid, "")
        if previous:
            self.counts[previous] -= 1
        if node:
            self.assigned[uid] = node
            self.counts[node] += 1

    def _on_pod(self, old: Obj | None, new: Obj | None) -> None:
        obj = new if new is not None else old
        assert obj is not None
        uid = obj["metadata"].get("uid", "")
        node = _placed_on(new)
        if node or new is None or self.assigned.get(uid) is None:
            self._assign(uid, node)
        if new is not None and needs_scheduling(new):
            if old is None or needs_scheduling(old) is False or old.get("spec") != new.get("spec") \
                    or old["metadata"].get("labels") != new["metadata"].get("labels"):
                self.queue.add(key_of(new))

    def _on_node(self, old: Obj | None, new: Obj | None) -> None:
        if old is not None and new is not None and old.get("spec") == new.get("spec") \
                and old["metadata"].get("labels") == new["metadata"].get("labels") \
                and _ready(old) == _ready(new):
            return
        for pod in self.pods.items():
            if needs_scheduling(pod):
                self.queue.add(key_of(pod))

    def reconcile(self, key: str) -> list[Action]:
        namespace, name = split_key(key)
        pod = self.pods.get(namespace, name)
        if pod is None or not needs_scheduling(pod) or pod["metadata"]["uid"] in self.assigned:
            return []
        actions = schedule(pod, self.nodes.items(), dict(self.counts), now=self.clock())
        for action in actions:
            if isinstance(action, Create) and action.subresource == "binding":
                self._assign(pod["metadata"]["uid"], action.obj["target"]["name"])
        return actions

    async def sync(self, key: str) -> None:
        try:
            await super().sync(key)
        except Exception:
            namespace, name = split_key(key)
            pod = self.pods.get(namespace, name)
            if pod is not None and not _placed_on(pod):
                self._assign(pod["metadata"]["uid"], "")  # the binding failed: un-assume
            raise


def _ready(node: Obj) -> str:
    for cond in node.get("status", {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status", "")
    return ""
