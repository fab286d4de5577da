"""DaemonSet controller shell: decisions in `kroll.reconcile.daemonset`.

A DaemonSet is resynced when it changes, when one of its pods or ControllerRevisions
changes, and when nodes come, go or change (every DaemonSet may then need a pod there).
"""

from __future__ import annotations

from kroll.api.meta import controller_ref, key_of
from kroll.controllers.runtime.controller import Controller, split_key
from kroll.reconcile.actions import Action
from kroll.reconcile.daemonset import sync_daemonset


class DaemonSetController(Controller):
    name = "daemonset"
    component = "daemonset-controller"
    workers = 2

    def setup(self) -> None:
        self.sets = self.informers("daemonsets.apps")
        self.pods = self.informers("pods")
        self.nodes = self.informers("nodes")
        self.revisions = self.informers("controllerrevisions.apps")
        self.sets.add_handler(lambda old, new: self.queue.add(key_of(new or old)))
        self.pods.add_handler(self._on_owned)
        self.revisions.add_handler(self._on_owned)
        self.nodes.add_handler(self._on_node)

    def _on_owned(self, old, new) -> None:
        obj = new or old
        ref = controller_ref(obj)
        if ref is not None:
            if ref.get("kind") == "DaemonSet":
                self.queue.add(f"{obj['metadata'].get('namespace')}/{ref.get('name')}")
            return
        for ds in self.sets.in_namespace(obj["metadata"].get("namespace", "")):  # orphans may be adopted
            self.queue.add(key_of(ds))

    def _on_node(self, old, new) -> None:
        if old is not None and new is not None and old.get("spec") == new.get("spec") \
                and old["metadata"].get("labels") == new["metadata"].get("labels") \
                and _ready(old) == _ready(new):
            return  # heartbeats do not change where daemon pods belong
        for ds in self.sets.items():
            self.queue.add(key_of(ds))

    def reconcile(self, key: str) -> list[Action]:
        namespace, name = split_key(key)
        ds = self.sets.get(namespace, name)
        if ds is None:
            return []
        return sync_daemonset(ds, self.nodes.items(), self.pods.in_namespace(namespace or ""),
                              self.revisions.in_namespace(namespace or ""), now=self.clock())


def _ready(node) -> str:
    for cond in node.get("status", {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status", "")
    return ""
