"""Garbage collection decisions over ownerReferences (upstream: pkg/controller/garbagecollector).

Given one object, what its owners look like now, and its dependents, decide:
- an object being deleted with the `foregroundDeletion` finalizer deletes its dependents
  first and drops the finalizer once no blocking dependent (blockOwnerDeletion) is left;
- an object being deleted with the `orphan` finalizer removes itself from its dependents'
  ownerReferences, then drops the finalizer;
- an object whose owners are all gone is deleted (background); one that lost only some
  owners just forgets those references.
"""

from __future__ import annotations

from kroll.api.types import JSON_PATCH, STRATEGIC_MERGE_PATCH, Obj
from kroll.reconcile.actions import Action, Delete, Patch

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


def _remove_finalizer(obj: Obj, resource: str, finalizer: str) -> Patch:
    md = obj["metadata"]
    remaining = [f for f in md.get("finalizers") or [] if f != finalizer]
    # test-then-replace: only drop the finalizer from the version we looked at
    ops = [{"op": "test", "path": "/metadata/resourceVersion", "value": md["resourceVersion"]},
           {"op": "replace", "path": "/metadata/finalizers", "value": remaining}]
    return Patch(resource, md.get("namespace"), md["name"], ops, JSON_PATCH)


def _drop_refs(dep: Obj, resource: str, owner_uids: set[str]) -> Patch:
    md = dep["metadata"]
    patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": uid} for uid in sorted(owner_uids)],
                          "uid": md["uid"]}}
    return Patch(resource, md.get("namespace"), md["name"], patch, STRATEGIC_MERGE_PATCH)


def decide(
    obj: Obj,
    *,
    resource: str,
    owners_present: dict[str, bool],
    dependents: list[tuple[str, Obj]],
) -> list[Action]:
    """`owners_present` maps each owner uid of `obj` to whether that owner (same uid) exists;
    `dependents` are (resource, object) pairs whose ownerReferences name `obj`."""
    md = obj["metadata"]
    uid = md["uid"]
    finalizers = md.get("finalizers") or []
    actions: list[Action] = []
    if md.get("deletionTimestamp"):
        if FOREGROUND in finalizers:
            blocking = 0
            for dep_resource, dep in dependents:
                ref = next((r for r in dep["metadata"].get("ownerReferences") or [] if r.get("uid") == uid), {})
                if ref.get("blockOwnerDeletion"):
                    blocking += 1
                if not dep["metadata"].get("deletionTimestamp"):
                    actions.append(Delete(dep_resource, dep["metadata"].get("namespace"), dep["metadata"]["name"],
                                          uid=dep["metadata"]["uid"], propagation_policy="Foreground"))
            if blocking == 0:
                actions.append(_remove_finalizer(obj, resource, FOREGROUND))
            return actions
        if ORPHAN in finalizers:
            for dep_resource, dep in dependents:
                actions.append(_drop_refs(dep, dep_resource, {uid}))
            actions.append(_remove_finalizer(obj, resource, ORPHAN))
            return actions
    if not owners_present:
        return actions
    absent = {u for u, present in owners_present.items() if not present}
    if not absent:
        return actions
    if absent == set(owners_present):
        if not md.get("deletionTimestamp"):
            actions.append(Delete(resource, md.get("namespace"), md["name"], uid=uid))
        return actions
    actions.append(_drop_refs(obj, resource, absent))
    return actions
