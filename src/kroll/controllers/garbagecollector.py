"""Garbage collector shell: a graph of ownerReferences over every monitored resource.

Keys are `<resource>|<namespace/name>`. An object is (re)checked when it appears with
owners, when one of its owners goes away, when it is marked for deletion with the
`orphan`/`foregroundDeletion` finalizer, and when a dependent of a foreground-deleting
owner disappears. Owner absence is confirmed with a live GET before anything is deleted,
so a dependent created a moment before its owner reaches our caches is safe.
"""

from __future__ import annotations

from kroll.api import registry
from kroll.api.errors import ApiError
from kroll.api.meta import key_of
from kroll.api.types import Obj
from kroll.controllers.runtime.controller import Controller
from kroll.reconcile import garbagecollector
from kroll.reconcile.actions import Action

MONITORED = (
    "pods", "replicasets.apps", "controllerrevisions.apps", "deployments.apps", "daemonsets.apps",
    "statefulsets.apps", "services", "endpoints", "configmaps", "secrets", "serviceaccounts",
    "leases.coordination.k8s.io", "nodes", "namespaces",
)


class GarbageCollector(Controller):
    name = "garbagecollector"
    component = "garbage-collector-controller"
    workers = 4

    def setup(self) -> None:
        self.dependents: dict[str, set[str]] = {}  # owner uid -> queue keys of dependents
        for resource in MONITORED:
            informer = self.informers(resource)
            informer.add_handler(lambda old, new, r=resource: self._on_change(r, old, new))

    def _on_change(self, resource: str, old: Obj | None, new: Obj | None) -> None:
        obj = new if new is not None else old
        assert obj is not None
        key = f"{resource}|{key_of(obj)}"
        old_owners = {r.get("uid") for r in (old or {}).get("metadata", {}).get("ownerReferences") or []}
        new_owners = {r.get("uid") for r in (new or {}).get("metadata", {}).get("ownerReferences") or []}
        for uid in old_owners - new_owners:
            self.dependents.get(uid, set()).discard(key)
        for uid in new_owners:
            self.dependents.setdefault(uid, set()).add(key)
        if new is None:
            uid = old["metadata"].get("uid", "")  # type: ignore[index]
            for dep_key in self.dependents.pop(uid, set()):
                self.queue.add(dep_key)
            for owner_uid in old_owners:  # a foreground-deleting owner may be waiting for us
                owner_key = self._key_by_uid(owner_uid)
                if owner_key:
                    self.queue.add(owner_key)
            return
        md = new["metadata"]
        if md.get("deletionTimestamp") and set(md.get("finalizers") or []) & {"orphan", "foregroundDeletion"}:
            self.queue.add(key)
        if new_owners and any(self._find(uid) is None or self._find(uid)["metadata"].get("deletionTimestamp")
                              for uid in new_owners):
            self.queue.add(key)

    def _find(self, uid: str) -> Obj | None:
        for resource in MONITORED:
            obj = self.informers(resource).by_uid.get(uid)
            if obj is not None:
                return obj
        return None

    def _key_by_uid(self, uid: str) -> str | None:
        for resource in MONITORED:
            obj = self.informers(resource).by_uid.get(uid)
            if obj is not None:
                return f"{resource}|{key_of(obj)}"
        return None

    async def sync(self, key: str) -> None:
        resource, obj_key = key.split("|", 1)
        informer = self.informers(resource)
        obj = informer.cache.get(obj_key)
        if obj is None:
            return
        owners_present: dict[str, bool] = {}
        namespace = obj["metadata"].get("namespace")
        for ref in obj["metadata"].get("ownerReferences") or []:
            owners_present[ref.get("uid")] = await self._owner_exists(ref, namespace)
        dependents = []
        # `decide` reads the dependents only for an object being deleted with the orphan or
        # foregroundDeletion finalizer. Gathering them for every sync made each pod deletion
        # (which re-checks the pod's ReplicaSet) cost O(pods of that ReplicaSet).
        md = obj["metadata"]
        needs_dependents = bool(md.get("deletionTimestamp")) and bool(
            set(md.get("finalizers") or ()) & {garbagecollector.ORPHAN, garbagecollector.FOREGROUND})
        for dep_key in self.dependents.get(md.get("uid", ""), set()) if needs_dependents else ():
            dep_resource, dep_obj_key = dep_key.split("|", 1)
            dep = self.informers(dep_resource).cache.get(dep_obj_key)
            if dep is not None:
                dependents.append((dep_resource, dep))
        actions: list[Action] = garbagecollector.decide(obj, resource=resource, owners_present=owners_present,
                                                        dependents=dependents)
        if actions:
            outcome = await self.executor.run(actions)
            await self.observe(outcome.writes)

    async def _owner_exists(self, ref: dict, namespace: str | None) -> bool:
        info = registry.lookup_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if info is None:
            return True  # a kind we do not serve: never collect on a guess
        cached = self._find(ref.get("uid", ""))
        if cached is not None:
            return True
        try:
            live = await self.client.get(info.group_resource, namespace if info.namespaced else None,
                                         ref.get("name", ""))
        except ApiError as exc:
            if exc.code == 404:
                return False
            raise
        return live["metadata"].get("uid") == ref.get("uid")
