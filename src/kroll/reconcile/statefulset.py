"""StatefulSet controller decisions: ordered, named pods rolled by ControllerRevisions.

Upstream: pkg/controller/statefulset/stateful_set.go (sync, adoptOrphanRevisions,
getPodsForStatefulSet), stateful_set_control.go (UpdateStatefulSet, getStatefulSetRevisions,
updateStatefulSet, processReplica, processCondemned, updateStatefulSetAfterInvariantEstablished,
truncateHistory), stateful_set_utils.go (identity, newVersionedStatefulSetPod, newRevision,
completeRollingUpdate, inconsistentStatus) and stateful_pod_control.go (event texts).

`sync_statefulset(sts, pods, revisions, *, now)`; `pods` and `revisions` are everything in
the set's namespace. One sync, as a decision table:

    revisions      adopt orphan CRs matching the selector; the update revision is the newest
                   CR if its data equals the set's template patch, else an older equal CR rolled
                   forward to max+1 (Update of `.revision`), else a new CR
                   `<set>-<hash(data, collisionCount)>` (collisions bump collisionCount locally)
    pods           claim pods named `<set>-<n>`; for n in [start, start+replicas) in order:
                     Failed/Succeeded            -> delete (recreated next sync)
                     missing                     -> create from the current revision when
                                                    n < partition, else the update revision
                     kroll rule (below)          -> delete
                     OrderedReady and the pod is terminating, not Running+Ready, or not
                     available                   -> stop here for this sync
    condemned      pods with n outside the range, highest first (one at a time when ordered)
    OnDelete       nothing more: pods change revision only when someone deletes them
    RollingUpdate  while fewer than maxUnavailable (default 1) pods are unavailable, delete the
                   highest-ordinal pods >= partition whose revision is not the update revision
    status         written only when it changed; currentRevision catches up with
                   updateRevision once updated == ready == replicas == spec.replicas
    history        non-live revisions beyond revisionHistoryLimit are deleted, lowest first

Pods are named `<set>-<ordinal>` (`spec.ordinals.start`, default 0) and carry the template
labels plus `controller-revision-hash: <revision NAME>`, `statefulset.kubernetes.io/pod-name`
and `apps.kubernetes.io/pod-index`; `spec.hostname` is the pod name and `spec.subdomain` the
`serviceName`. PVC volumes `<claim>-<set>-<ordinal>` are referenced for volumeClaimTemplates
(kroll does not create the claims). Creation events are recorded by the shell after the
create ("create Pod web-0 in StatefulSet web successful"); deletions and identity updates get
theirs here ("delete Pod web-2 in StatefulSet web successful").

kroll rule: an outdated pod that is not Ready never blocks a rollout (kubernetes issue 67250)
----------------------------------------------------------------------------------------------
Upstream, with OrderedReady and RollingUpdate, a pod that never becomes Ready blocks every
later step, *including the rollback that would fix it*: the user has to delete the stuck pod
by hand. kroll: with strategy RollingUpdate, when a pod's ordinal is one the controller would
(re)create at the update revision (>= partition), its `controller-revision-hash` is not the
update revision, it is not terminating, and it is not Running+Ready (or a container is in
CrashLoopBackOff / image pull back-off), the pod is deleted at once and recreated at the
update revision on the next sync, without waiting for it to become Ready first. It is
already unavailable, so replacing it costs no availability.

Example, 3 replicas web-0..2 at revision A (the CR `web-<a>`):

1. `kubectl set image` to a broken image -> revision B. web-2 is deleted and recreated at B;
   it never becomes Ready. Both upstream and kroll stop here (the rollout is waiting on a
   pod of the update revision, as it should).
2. `kubectl rollout undo` -> the template equals A again; CR `web-<a>` is rolled forward to
   revision 3 and is the update revision. web-2 (at B, not Ready) is now outdated.
   Upstream: processReplica waits for web-2 to become Ready, forever. kroll: web-2 is
   deleted in this very sync, recreated at `web-<a>` in the next one, becomes Ready, and
   status.currentRevision returns to `web-<a>`.

Pods below the partition (built from the current revision) are left alone, as upstream does,
and OnDelete keeps its meaning: nothing is deleted for an update.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from kroll.api.meta import controller_ref, is_being_deleted, labels_of, name_of, namespace_of
from kroll.api.types import STRATEGIC_MERGE_PATCH, Obj
from kroll.reconcile import podutil
from kroll.reconcile.actions import Action, Create, Delete, Event, Patch, RequeueAfter, Update, UpdateStatus
from kroll.reconcile.history import (
    REVISION_HASH_LABEL,
    availability_delay,
    equal_revision,
    find_equal_revisions,
    history_limit,
    match_label_selector,
    new_controller_revision,
    next_revision,
    revision_data,
    revision_of,
    sort_revisions,
    statefulset_revisions_to_delete,
    template_of,
    with_revision,
)
from kroll.reconcile.ownership import adopt_patch, claim

COMPONENT = "statefulset-controller"
RESOURCE = "statefulsets.apps"
REVISIONS = "controllerrevisions.apps"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"

_ORDINAL = re.compile(r"^(.*)-([0-9]+)$")
# waiting reasons that mean "this container is not coming up on its own"
_STUCK_REASONS = frozenset({"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                            "CreateContainerConfigError", "CreateContainerError", "RunContainerError"})


# --------------------------------------------------------------------------- identity

def parent_and_ordinal(pod: Obj) -> tuple[str, int]:
    """("web", 2) for web-2; ("", -1) when the name has no ordinal."""
    m = _ORDINAL.match(name_of(pod))
    if not m:
        return "", -1
    ordinal = int(m.group(2))
    return m.group(1), ordinal if ordinal < 2**31 else -1


def pod_ordinal(pod: Obj) -> int:
    return parent_and_ordinal(pod)[1]


def pod_revision(pod: Obj) -> str:
    return labels_of(pod).get(REVISION_HASH_LABEL, "")


def start_ordinal(sts: Obj) -> int:
    return int(((sts.get("spec") or {}).get("ordinals") or {}).get("start") or 0)


def spec_replicas(sts: Obj) -> int:
    value = (sts.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def _claim_name(claim_template: Obj, sts: Obj, ordinal: int) -> str:
    return f"{name_of(claim_template)}-{name_of(sts)}-{ordinal}"


def _storage_volumes(sts: Obj, ordinal: int, volumes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """updateStorage: one PVC volume per claim template, then the other volumes."""
    claims = (sts.get("spec") or {}).get("volumeClaimTemplates") or []
    names = {name_of(c) for c in claims}
    out = [{"name": name_of(c), "persistentVolumeClaim": {"claimName": _claim_name(c, sts, ordinal)}} for c in claims]
    out.extend(copy.deepcopy(v) for v in volumes if v.get("name") not in names)
    return out


def identity_matches(sts: Obj, pod: Obj) -> bool:
    parent, ordinal = parent_and_ordinal(pod)
    return (ordinal >= 0 and parent == name_of(sts) and namespace_of(pod) == namespace_of(sts)
            and labels_of(pod).get(POD_NAME_LABEL) == name_of(pod))


def storage_matches(sts: Obj, pod: Obj) -> bool:
    ordinal = pod_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or ()}
    for claim_template in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
        volume = volumes.get(name_of(claim_template))
        pvc = (volume or {}).get("persistentVolumeClaim")
        if not pvc or pvc.get("claimName") != _claim_name(claim_template, sts, ordinal):
            return False
    return True


def _owner(sts: Obj) -> Obj:
    """The set with apiVersion/kind filled in, for owner references."""
    return {**sts, "apiVersion": sts.get("apiVersion") or "apps/v1", "kind": sts.get("kind") or "StatefulSet"}


def new_statefulset_pod(sts: Obj, template: Obj, revision_name: str, ordinal: int) -> Obj:
    """newStatefulSetPod at a revision: the revision's template plus the ordinal's identity."""
    tmeta = template.get("metadata") or {}
    spec = copy.deepcopy(template.get("spec") or {})
    name = f"{name_of(sts)}-{ordinal}"
    labels = dict(tmeta.get("labels") or {})
    labels[POD_NAME_LABEL] = name
    labels[POD_INDEX_LABEL] = str(ordinal)
    labels[REVISION_HASH_LABEL] = revision_name
    meta: dict[str, Any] = {"name": name, "generateName": f"{name_of(sts)}-", "namespace": namespace_of(sts),
                            "labels": labels}
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": name_of(sts),
                                "uid": sts["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    spec["hostname"] = name
    service = (sts.get("spec") or {}).get("serviceName")
    if service:
        spec["subdomain"] = service
    if (sts.get("spec") or {}).get("volumeClaimTemplates"):
        spec["volumes"] = _storage_volumes(sts, ordinal, spec.get("volumes") or [])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def built_from_current(sts: Obj, ordinal: int) -> bool:
    """newVersionedStatefulSetPod's choice: is `ordinal` (re)created at the current revision?

    RollingUpdate with a rollingUpdate block: ordinals below start + partition. RollingUpdate
    without one: ordinals below start + status.currentReplicas. (Upstream's condition is
    `type == RollingUpdate && block == nil && ... || block != nil && ...`; Go's precedence
    makes the second half independent of the type, which validation keeps harmless.)
    """
    spec = sts.get("spec") or {}
    strategy = spec.get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    start = start_ordinal(sts)
    if (strategy.get("type") or "RollingUpdate") == "RollingUpdate" and rolling is None:
        return ordinal < start + int((sts.get("status") or {}).get("currentReplicas") or 0)
    if rolling is not None:
        return ordinal < start + int(rolling.get("partition") or 0)
    return False


# --------------------------------------------------------------------------- pod health

def is_running_and_ready(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and podutil.is_pod_ready(pod)


def _is_stuck(pod: Obj) -> bool:
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for cs in status.get(key) or ():
            if ((cs.get("state") or {}).get("waiting") or {}).get("reason") in _STUCK_REASONS:
                return True
    return False


def _max_unavailable(value: int | str | None, replicas: int) -> int:
    """getStatefulSetMaxUnavailable: default 1, percentages round down, never below 1."""
    if value is None:
        number = 1
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        try:
            number = int(text[:-1]) * replicas // 100 if text.endswith("%") else int(text)
        except ValueError:
            number = 1
    return max(number, 1)


# --------------------------------------------------------------------------- the sync

@dataclass
class _Sync:
    sts: Obj
    now: dt.datetime
    actions: list[Action] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)  # pods this sync deletes (terminating from now on)

    @property
    def ns(self) -> str:
        return namespace_of(self.sts)

    @property
    def min_ready(self) -> int:
        return int((self.sts.get("spec") or {}).get("minReadySeconds") or 0)

    def terminating(self, pod: Obj) -> bool:
        return is_being_deleted(pod) or name_of(pod) in self.deleted

    def available(self, pod: Obj) -> bool:
        return podutil.is_pod_available(pod, self.min_ready, self.now)

    def unavailable(self, pod: Obj | None) -> bool:
        return pod is None or not self.available(pod) or self.terminating(pod)

    def delete_pod(self, pod: Obj) -> None:
        self.deleted.add(name_of(pod))
        self.actions.append(Delete("pods", self.ns, name_of(pod), uid=pod["metadata"].get("uid")))
        self.event("Normal", "SuccessfulDelete",
                   f"delete Pod {name_of(pod)} in StatefulSet {name_of(self.sts)} successful")

    def event(self, type_: str, reason: str, message: str) -> None:
        self.actions.append(Event(_owner(self.sts), type_, reason, message, COMPONENT))


def sync_statefulset(sts: Obj, pods: list[Obj], revisions: list[Obj], *, now: dt.datetime) -> list[Action]:
    """Everything one sync of `sts` should do, in order. Never mutates its inputs."""
    sync = _Sync(sts, now)
    ns = sync.ns
    uid = sts["metadata"]["uid"]
    owner = _owner(sts)
    selector = (sts.get("spec") or {}).get("selector")

    def selected(obj: Obj) -> bool:
        return match_label_selector(selector, labels_of(obj))

    ns_revisions = [r for r in revisions if namespace_of(r) == ns]
    listed = []
    for cr in ns_revisions:
        ref = controller_ref(cr)
        if selected(cr) and (ref is None or ref.get("uid") == uid):
            listed.append(cr)
            if ref is None and not is_being_deleted(sts):
                sync.actions.append(Patch(REVISIONS, ns, name_of(cr), adopt_patch(owner, cr), STRATEGIC_MERGE_PATCH))

    members = [p for p in pods if namespace_of(p) == ns and parent_and_ordinal(p)[0] == name_of(sts)]
    owned_pods, pod_claims = claim(owner, members, selected, resource="pods")
    sync.actions.extend(pod_claims)

    sorted_revisions = sort_revisions(listed)
    current, update, collision_count = _revisions(sync, owner, sorted_revisions, ns_revisions)
    status = _update_statefulset(sync, owned_pods, current, update, collision_count)
    _write_status(sync, status)

    live = {name_of(current), name_of(update)} | {pod_revision(p) for p in owned_pods}
    for cr in statefulset_revisions_to_delete(sorted_revisions, live, history_limit(sts)):
        sync.actions.append(Delete(REVISIONS, ns, name_of(cr), uid=cr["metadata"].get("uid")))

    if sync.min_ready > 0 and status["availableReplicas"] != spec_replicas(sts):
        waiting = availability_delay((p for p in owned_pods if not sync.terminating(p)), sync.min_ready, now)
        sync.actions.append(RequeueAfter(waiting if waiting is not None else float(sync.min_ready)))
    return sync.actions


def _revisions(sync: _Sync, owner: Obj, sorted_revisions: list[Obj],
               ns_revisions: list[Obj]) -> tuple[Obj, Obj, int]:
    """getStatefulSetRevisions: (current, update, collisionCount)."""
    sts = sync.sts
    collision_count = int((sts.get("status") or {}).get("collisionCount") or 0)
    data = revision_data(sts)
    labels = ((sts.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels")
    revision = next_revision(sorted_revisions)

    def candidate() -> Obj:
        return new_controller_revision(owner, kind="StatefulSet", template_labels=labels, data=data,
                                       revision=revision, collision_count=collision_count)

    update = candidate()
    equal = find_equal_revisions(sorted_revisions, update)
    if equal and equal_revision(sorted_revisions[-1], equal[-1]):
        update = sorted_revisions[-1]  # the template did not change
    elif equal:
        # roll forward: an older revision's template is back, it becomes the newest
        update = with_revision(equal[-1], revision)
        if revision_of(equal[-1]) != revision:
            sync.actions.append(Update(REVISIONS, sync.ns, update))
    else:
        # CreateControllerRevision: a name taken by different data bumps the collision count
        by_name = {name_of(cr): cr for cr in ns_revisions}
        while True:
            existing = by_name.get(name_of(update))
            if existing is None:
                sync.actions.append(Create(REVISIONS, sync.ns, update))
                break
            if equal_revision(existing, update):
                update = existing
                break
            collision_count += 1
            update = candidate()

    current_name = (sts.get("status") or {}).get("currentRevision")
    current = next((cr for cr in sorted_revisions if name_of(cr) == current_name), None) or update
    return current, update, collision_count


def _replica_status(sync: _Sync, pods: list[Obj], current: Obj, update: Obj) -> dict[str, int]:
    counts = {"replicas": 0, "readyReplicas": 0, "availableReplicas": 0, "currentReplicas": 0, "updatedReplicas": 0}
    for pod in pods:
        counts["replicas"] += 1  # in the snapshot means created (upstream: phase != "")
        if is_running_and_ready(pod):
            counts["readyReplicas"] += 1
            if sync.available(pod):
                counts["availableReplicas"] += 1
        if not is_being_deleted(pod):
            if pod_revision(pod) == name_of(current):
                counts["currentReplicas"] += 1
            if pod_revision(pod) == name_of(update):
                counts["updatedReplicas"] += 1
    return counts


def _update_statefulset(sync: _Sync, owned_pods: list[Obj], current: Obj, update: Obj,
                        collision_count: int) -> dict[str, Any]:
    sts = sync.sts
    spec = sts.get("spec") or {}
    status: dict[str, Any] = {
        "observedGeneration": int(sts.get("metadata", {}).get("generation") or 0),
        "currentRevision": name_of(current),
        "updateRevision": name_of(update),
        "collisionCount": collision_count,
    }
    current_template = template_of(current)
    update_template = template_of(update)
    replica_count = spec_replicas(sts)
    start = start_ordinal(sts)
    end = start + replica_count - 1
    slots: list[Obj | None] = [None] * max(replica_count, 0)
    condemned: list[Obj] = []
    for pod in owned_pods:
        ordinal = pod_ordinal(pod)
        if start <= ordinal <= end:
            slots[ordinal - start] = pod
        elif ordinal >= 0:
            condemned.append(pod)
    condemned.sort(key=pod_ordinal, reverse=True)

    def existing() -> list[Obj]:
        return [p for p in slots if p is not None] + condemned

    def finish() -> dict[str, Any]:
        # counted from the snapshot: pods deleted by this sync still count (as upstream,
        # whose cache has not seen the deletions yet)
        status.update(_replica_status(sync, existing(), current, update))
        return status

    # the first unavailable pod: lowest replica ordinal, else lowest condemned ordinal
    first_unavailable: str | None = None
    for i, pod in enumerate(slots):
        if sync.unavailable(pod):
            first_unavailable = f"{name_of(sts)}-{start + i}" if pod is None else name_of(pod)
            break
    if first_unavailable is None:
        for pod in reversed(condemned):
            if sync.unavailable(pod):
                first_unavailable = name_of(pod)
                break

    if is_being_deleted(sts):
        return finish()

    monotonic = spec.get("podManagementPolicy") != "Parallel"
    strategy = spec.get("updateStrategy") or {}
    rolling_update = (strategy.get("type") or "RollingUpdate") == "RollingUpdate"

    def process_replica(i: int) -> bool:
        """processReplica; True means "stop here" (only honoured in OrderedReady mode)."""
        ordinal = start + i
        pod = slots[i]
        if pod is not None and (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
            if not sync.terminating(pod):
                sync.delete_pod(pod)
            return True  # recreated on the next sync, once it is gone
        if pod is None:
            if built_from_current(sts, ordinal):
                new = new_statefulset_pod(sts, current_template, name_of(current), ordinal)
            else:
                new = new_statefulset_pod(sts, update_template, name_of(update), ordinal)
            sync.actions.append(Create("pods", sync.ns, new))
            return monotonic
        if (rolling_update and not built_from_current(sts, ordinal) and pod_revision(pod) != name_of(update)
                and not sync.terminating(pod) and (not is_running_and_ready(pod) or _is_stuck(pod))):
            sync.delete_pod(pod)  # kroll rule (issue 67250): see the module docstring
            return True
        if monotonic and (sync.terminating(pod) or not is_running_and_ready(pod) or not sync.available(pod)):
            return True
        if not identity_matches(sts, pod) or not storage_matches(sts, pod):
            _fix_identity(sync, pod)
        return False

    for i in range(len(slots)):
        if process_replica(i) and monotonic:
            return finish()

    def process_condemned(pod: Obj) -> bool:
        if sync.terminating(pod):
            return monotonic
        if monotonic and name_of(pod) != first_unavailable and (
                not is_running_and_ready(pod) or not sync.available(pod)):
            return True
        sync.delete_pod(pod)
        return True

    for pod in condemned:
        if process_condemned(pod) and monotonic:
            return finish()

    if not rolling_update:
        return finish()  # OnDelete: pods pick up the update revision when someone deletes them

    # updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet, on since 1.35).
    # Example: 5 replicas, maxUnavailable 2, partition 1, web-3 unavailable -> one more pod
    # may go: the highest outdated of web-4..web-1 is deleted this sync.
    rolling = strategy.get("rollingUpdate")
    update_min = int((rolling or {}).get("partition") or 0)
    max_unavailable = _max_unavailable((rolling or {}).get("maxUnavailable"), replica_count) if rolling else 1
    unavailable = sum(1 for pod in slots if sync.unavailable(pod))
    if unavailable >= max_unavailable:
        return finish()
    budget = max_unavailable - unavailable
    retired = 0
    for target in range(len(slots) - 1, update_min - 1, -1):
        if retired >= budget:
            break
        pod = slots[target]
        if pod is None:
            continue  # created this sync
        if pod_revision(pod) != name_of(update) and not sync.terminating(pod):
            sync.delete_pod(pod)
            retired += 1
    finish()
    # as upstream: the counts come from the snapshot, then one current replica less per pod
    # retired for the update (never below zero, which the API would refuse)
    status["currentReplicas"] = max(0, status["currentReplicas"] - retired)
    return status


def _fix_identity(sync: _Sync, pod: Obj) -> None:
    """UpdateStatefulPod: restore the pod-name/pod-index labels and the claim volumes."""
    sts = sync.sts
    fixed = copy.deepcopy(pod)
    ordinal = pod_ordinal(pod)
    labels = fixed["metadata"].get("labels") or {}
    labels[POD_NAME_LABEL] = name_of(pod)
    labels[POD_INDEX_LABEL] = str(ordinal)
    fixed["metadata"]["labels"] = labels
    if (sts.get("spec") or {}).get("volumeClaimTemplates"):
        fixed.setdefault("spec", {})["volumes"] = _storage_volumes(sts, ordinal, fixed["spec"].get("volumes") or [])
    sync.actions.append(Update("pods", sync.ns, fixed))
    sync.event("Normal", "SuccessfulUpdate", f"update Pod {name_of(pod)} in StatefulSet {name_of(sts)} successful")


# --------------------------------------------------------------------------- status

_COUNTS = ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas")
# StatefulSetStatus fields Go omits when zero/empty (replicas and availableReplicas are always written)
_OMITEMPTY = ("observedGeneration", "readyReplicas", "currentReplicas", "updatedReplicas",
              "currentRevision", "updateRevision")


def _write_status(sync: _Sync, status: dict[str, Any]) -> None:
    """completeRollingUpdate, then UpdateStatus only if inconsistentStatus says it changed."""
    sts = sync.sts
    spec = sts.get("spec") or {}
    replicas = spec_replicas(sts)
    strategy_type = (spec.get("updateStrategy") or {}).get("type") or "RollingUpdate"
    if (strategy_type == "RollingUpdate" and status["updatedReplicas"] == replicas
            and status["readyReplicas"] == replicas and status["replicas"] == replicas):
        status["currentReplicas"] = status["updatedReplicas"]
        status["currentRevision"] = status["updateRevision"]
    old = sts.get("status") or {}
    changed = (status["observedGeneration"] > int(old.get("observedGeneration") or 0)
               or any(status[k] != int(old.get(k) or 0) for k in _COUNTS)
               or status["currentRevision"] != (old.get("currentRevision") or "")
               or status["updateRevision"] != (old.get("updateRevision") or ""))
    if not changed:
        return
    body = {k: status[k] for k in ("observedGeneration", "replicas", "readyReplicas", "currentReplicas",
                                   "updatedReplicas", "currentRevision", "updateRevision", "collisionCount",
                                   "availableReplicas")}
    for key in _OMITEMPTY:
        if not body.get(key):
            body.pop(key, None)
    new = copy.deepcopy(sts)
    new["status"] = body
    sync.actions.append(UpdateStatus(RESOURCE, sync.ns, new))
