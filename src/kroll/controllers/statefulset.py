"""StatefulSet controller shell: decisions in `kroll.reconcile.statefulset`."""

from __future__ import annotations

from kroll.api.meta import controller_ref, key_of
from kroll.controllers.runtime.controller import Controller, split_key
from kroll.reconcile.actions import Action
from kroll.reconcile.statefulset import sync_statefulset


class StatefulSetController(Controller):
    name = "statefulset"
    component = "statefulset-controller"
    workers = 2

    def setup(self) -> None:
        self.sets = self.informers("statefulsets.apps")
        self.pods = self.informers("pods")
        self.revisions = self.informers("controllerrevisions.apps")
        self.sets.add_handler(lambda old, new: self.queue.add(key_of(new or old)))
        self.pods.add_handler(self._on_owned)
        self.revisions.add_handler(self._on_owned)

    def _on_owned(self, old, new) -> None:
        obj = new or old
        ref = controller_ref(obj)
        if ref is not None:
            if ref.get("kind") == "StatefulSet":
                self.queue.add(f"{obj['metadata'].get('namespace')}/{ref.get('name')}")
            return
        for sts in self.sets.in_namespace(obj["metadata"].get("namespace", "")):
            self.queue.add(key_of(sts))

    def reconcile(self, key: str) -> list[Action]:
        namespace, name = split_key(key)
        sts = self.sets.get(namespace, name)
        if sts is None:
            return []
        return sync_statefulset(sts, self.pods.in_namespace(namespace or ""),
                                self.revisions.in_namespace(namespace or ""), now=self.clock())
