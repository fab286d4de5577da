"""Adoption and release of dependents by a controller (ControllerRefManager).

Upstream: pkg/controller/controller_ref_manager.go. A controller claims the objects its
selector matches: it keeps its own, adopts orphans (strategic merge patch adding a
controller ownerReference, with the child's uid as precondition) and releases its own
objects that no longer match (patch deleting the reference by uid).
"""

from __future__ import annotations

from collections.abc import Callable

from kroll.api.meta import controller_ref, is_being_deleted, new_controller_ref
from kroll.api.types import STRATEGIC_MERGE_PATCH, Obj
from kroll.reconcile.actions import Action, Patch


def adopt_patch(owner: Obj, child: Obj) -> dict:
    return {"metadata": {"ownerReferences": [new_controller_ref(owner)], "uid": child["metadata"]["uid"]}}


def release_patch(owner: Obj, child: Obj) -> dict:
    return {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": owner["metadata"]["uid"]}],
                         "uid": child["metadata"]["uid"]}}


def claim(
    owner: Obj,
    candidates: list[Obj],
    matches: Callable[[Obj], bool],
    *,
    resource: str,
) -> tuple[list[Obj], list[Action]]:
    """Return (objects owned after claiming, patches to send).

    Adopted objects are returned as owned right away (the patch will make it so);
    released ones are not.
    """
    owner_uid = owner["metadata"]["uid"]
    owner_deleting = is_being_deleted(owner)
    owner_ns = owner["metadata"].get("namespace")
    owned: list[Obj] = []
    actions: list[Action] = []
    for obj in candidates:
        ref = controller_ref(obj)
        ns = obj["metadata"].get("namespace")
        name = obj["metadata"]["name"]
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue
            if matches(obj):
                owned.append(obj)
            elif not owner_deleting:
                actions.append(Patch(resource, ns, name, release_patch(owner, obj), STRATEGIC_MERGE_PATCH))
            # an owner being deleted neither keeps nor releases what no longer matches
            continue
        if owner_deleting or is_being_deleted(obj) or not matches(obj):
            continue
        if owner_ns and ns != owner_ns:
            continue
        actions.append(Patch(resource, ns, name, adopt_patch(owner, obj), STRATEGIC_MERGE_PATCH))
        owned.append(obj)
    return owned, actions
