"""ReplicaSet controller shell: decisions in `kroll.reconcile.replicaset`.

A pod event enqueues the ReplicaSet that controls it, or, for an orphan, every
ReplicaSet in its namespace that could adopt it. A sync sees the ReplicaSet's own pods,
the orphans of its namespace, and the pods of its sibling ReplicaSets (same Deployment),
which is what upstream's deletion ranking compares against.
"""

from __future__ import annotations

from kroll.api.meta import controller_ref, key_of
from kroll.api.types import Obj
from kroll.controllers.runtime.controller import Controller, split_key
from kroll.controllers.runtime.executor import ActionFailed
from kroll.reconcile.actions import Action, Create, Delete
from kroll.reconcile.replicaset import SyncMemo, sync_replicaset

REST_PER_POD = 5e-6  # what a sync without the memo costs per pod, about


class ReplicaSetController(Controller):
    name = "replicaset"
    component = "replicaset-controller"
    workers = 4
    cooldown = 1.0
    parallel_pods = True  # upstream's manageReplicas: slow-start batches of creates, deletes all at once

    def setup(self) -> None:
        self.replica_sets = self.informers("replicasets.apps")
        self.pods = self.informers("pods")
        self.replica_sets.add_handler(self._on_replica_set)
        self.pods.add_handler(self._on_pod)
        self.memos: dict[str, SyncMemo] = {}  # ReplicaSet uid -> what its last sync learned about its pods
        self._pods_read = 0

    def rest_after(self, spent: float) -> float | None:
        # At least REST_PER_POD per pod the sync read: with the memo a sync of an unchanged
        # ReplicaSet is cheap, and resting only as long as it took would let a big, busy
        # ReplicaSet be re-read back to back again.
        return super().rest_after(max(spent, self._pods_read * REST_PER_POD))

    def _on_replica_set(self, old: Obj | None, new: Obj | None) -> None:
        if new is None and old is not None:
            self.memos.pop(old["metadata"].get("uid", ""), None)
        self.queue.add(key_of(new or old))

    def _on_pod(self, old: Obj | None, new: Obj | None) -> None:
        obj = new if new is not None else old
        assert obj is not None
        ns = obj["metadata"].get("namespace", "")
        owners = {controller_ref(o).get("uid") for o in (old, new) if o is not None and controller_ref(o)}
        if owners:
            for uid in owners:
                rs = self.replica_sets.by_uid.get(uid)
                if rs is not None:
                    self.queue.add(key_of(rs))
            return
        for rs in self.replica_sets.in_namespace(ns):
            self.queue.add(key_of(rs))

    def _snapshot(self, rs: Obj) -> tuple[list[Obj], list[Obj], dict[str, str]]:
        """(the ReplicaSet's pods and the namespace's orphans, the sibling ReplicaSets' pods,
        {sibling uid: its controller's uid})."""
        ns = rs["metadata"].get("namespace", "")
        uid = rs["metadata"]["uid"]
        ref = controller_ref(rs)
        siblings = [rs]
        if ref is not None:
            siblings = self.replica_sets.owned_by(ref.get("uid", ""))
        owner_of = {}
        sibling_pods: list[Obj] = []
        for sibling in siblings:
            sib_ref = controller_ref(sibling)
            sib_uid = sibling["metadata"]["uid"]
            owner_of[sib_uid] = sib_ref.get("uid", "") if sib_ref else ""
            if sib_uid != uid:
                sibling_pods.extend(self.pods.owned_by(sib_uid))
        pods = self.pods.owned_by(uid)
        pods.extend(p for p in self.pods.owned_by("") if p["metadata"].get("namespace", "") == ns)
        return pods, sibling_pods, owner_of

    def reconcile(self, key: str, error: str | None = None) -> list[Action]:
        namespace, name = split_key(key)
        rs = self.replica_sets.get(namespace, name)
        if rs is None:
            return []
        pods, sibling_pods, owner_of = self._snapshot(rs)
        self._pods_read = len(pods)
        memo = self.memos.setdefault(rs["metadata"]["uid"], SyncMemo())
        return sync_replicaset(rs, pods, now=self.clock(), owner_of_rs_pods=owner_of,
                               manage_replicas_error=error, sibling_pods=sibling_pods, memo=memo)

    def on_failure(self, key: str, failed: ActionFailed) -> list[Action]:
        if isinstance(failed.action, Create | Delete) and failed.action.resource == "pods":
            return self.reconcile(key, error=str(failed.error))
        return []
