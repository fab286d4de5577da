"""Deployment controller shell: decisions in `kroll.reconcile.deployment`.

Enqueued by Deployment changes, by changes to ReplicaSets a Deployment owns (or could
adopt), and, for Recreate Deployments, by the deletion of their last old pod.
"""

from __future__ import annotations

from kroll.api.meta import key_of
from kroll.api.types import Obj
from kroll.controllers.runtime.controller import Controller, split_key
from kroll.controllers.runtime.executor import ActionFailed
from kroll.reconcile.actions import Action, Create
from kroll.reconcile.deployment import (
    deployment_for_pod,
    deployment_for_rs,
    replica_set_create_failed,
    sync_deployment,
)


class DeploymentController(Controller):
    name = "deployment"
    component = "deployment-controller"
    workers = 4

    def setup(self) -> None:
        self.deployments = self.informers("deployments.apps")
        self.replica_sets = self.informers("replicasets.apps")
        self.pods = self.informers("pods")
        self.deployments.add_handler(lambda old, new: self.queue.add(key_of(new or old)))
        self.replica_sets.add_handler(self._on_replica_set)
        self.pods.add_handler(self._on_pod)

    def _on_replica_set(self, old: Obj | None, new: Obj | None) -> None:
        for obj in (old, new):
            if obj is None:
                continue
            ns = obj["metadata"].get("namespace", "")
            for d in deployment_for_rs(obj, self.deployments.in_namespace(ns)):
                self.queue.add(key_of(d))

    def _on_pod(self, old: Obj | None, new: Obj | None) -> None:
        if new is not None or old is None:
            return
        ns = old["metadata"].get("namespace", "")
        d = deployment_for_pod(old, self.replica_sets.in_namespace(ns), self.deployments.in_namespace(ns))
        if d is not None and d.get("spec", {}).get("strategy", {}).get("type") == "Recreate":
            self.queue.add(key_of(d))

    def reconcile(self, key: str) -> list[Action]:
        namespace, name = split_key(key)
        d = self.deployments.get(namespace, name)
        if d is None:
            return []
        replica_sets = self.replica_sets.in_namespace(namespace or "")
        uid = d["metadata"]["uid"]
        pods: list[Obj] = []
        for rs in self.replica_sets.owned_by(uid):
            pods.extend(self.pods.owned_by(rs["metadata"]["uid"]))
        return sync_deployment(d, replica_sets, pods, now=self.clock())

    def on_failure(self, key: str, failed: ActionFailed) -> list[Action]:
        action = failed.action
        code = getattr(failed.error, "code", 0)
        if isinstance(action, Create) and action.resource == "replicasets.apps" and code != 409:
            namespace, name = split_key(key)
            d = self.deployments.get(namespace, name)
            if d is not None:
                return replica_set_create_failed(d, action.obj["metadata"]["name"], str(failed.error),
                                                 now=self.clock())
        return []
