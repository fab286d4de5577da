"""The ReplicaSet controller's decisions: one sync of one ReplicaSet, as actions.

Upstream: pkg/controller/replicaset/replica_set.go (syncReplicaSet, manageReplicas,
getPodsToDelete), replica_set_utils.go (calculateStatus) and the pod ordering of
pkg/controller/controller_utils.go (ActivePodsWithRanks).

One sync: claim the active pods the selector matches (adopting orphans, releasing pods that
stopped matching), create or delete pods towards spec.replicas (at most 500 per sync), then
write the status if it changed, and come back after minReadySeconds when ready pods are not
yet available.

Decisions:

* **Pod names come from the server** (`generateName: <rs>-`), so the SuccessfulCreate event
  "Created pod: <name>" cannot be an action here. The Create actions carry the pod's
  controller ownerReference; the executor records the event itself after each successful
  pod create (it does, see kroll.controllers.runtime.executor). Deletions are followed by an
  `Event` action "Deleted pod: <name>" that only runs if the delete succeeded. Upstream's
  slow-start batches (1, 2, 4, ...) collapse into "stop at the first failed create", which
  the executor does.
* **No expectations**: the shell waits until its caches reflect its own writes.
* **ReplicaFailure**: when a create/delete fails, the shell calls `sync_replicaset(...,
  manage_replicas_error=str(err))`, which skips pod management and returns the status write
  with ReplicaFailure=True (FailedCreate / FailedDelete). A normal sync (its writes assumed
  to succeed) removes the condition.
* **Related pods** for the co-location rank are the active pods controlled by any
  ReplicaSet with the same controller as this one. The shell passes `owner_of_rs_pods`,
  `{replicaset uid: uid of that ReplicaSet's controller}` for the namespace; without it only
  this ReplicaSet's own pods count (a ReplicaSet without a controller ranks every pod 0,
  like upstream).
"""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from kroll.api.meta import (
    annotations_of,
    controller_ref,
    format_time,
    is_being_deleted,
    labels_of,
    name_of,
    namespace_of,
    parse_time,
    uid_of,
)
from kroll.api.types import Obj
from kroll.reconcile.actions import Action, Create, Delete, Event, RequeueAfter, UpdateStatus
from kroll.reconcile.ownership import claim
from kroll.reconcile.podutil import is_pod_active, is_pod_available, is_pod_ready, ready_condition
from kroll.reconcile.rollout import _selector_matches, replicas

COMPONENT = "replicaset-controller"
REPLICASETS = "replicasets.apps"
BURST_REPLICAS = 500
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
REPLICA_FAILURE = "ReplicaFailure"

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
_DELETION_COST = re.compile(r"-?[1-9][0-9]*")


class SyncMemo:
    """What one sync of a ReplicaSet worked out about each pod, for its next sync to reuse.

    Pods are immutable snapshots (a changed pod is a new object), so facts about a pod
    object (whose it is, whether it is active, ready, fully labeled) hold until it is
    replaced; a sync then only works out the pods that changed since the previous one,
    instead of every pod of the ReplicaSet on every pod event. Opaque: the shell keeps one
    per ReplicaSet and passes it back each time. Facts depend on the ReplicaSet's
    namespace, uid, selector and template labels; a memo made under others is ignored.
    """

    __slots__ = ("key", "pods", "rank_bases")

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.pods: dict[int, tuple[Obj, tuple]] = {}  # id(pod) -> (pod, facts)
        self.rank_bases: dict[int, tuple[Obj, tuple]] = {}  # id(pod) -> (pod, its _rank_base)


# what a pod is to the ReplicaSet being synced
_OTHER_NS, _SKIP, _TERMINATING, _OWNED, _CLAIM = range(5)


def _pod_facts(pod: Obj, ns: str, rs_uid: str, matches: Callable[[Obj], bool],
               template_items: tuple) -> tuple[int, bool, bool, str | None]:
    """(kind, fully labeled, Ready, Ready's lastTransitionTime) of a pod for one ReplicaSet.

    kind: another namespace; skipped (another controller's, or terminal, or terminating and
    not ours); ours and terminating; ours, active and matching (owned); active and either an
    orphan or ours but no longer matching (claim decides: adopt or release).
    """
    md = pod.get("metadata", {})
    if md.get("namespace", "") != ns:
        return (_OTHER_NS, False, False, None)
    ref = controller_ref(pod)
    if (ref is not None and ref.get("uid") != rs_uid) or pod.get("status", {}).get("phase") in _TERMINAL:
        kind = _SKIP
    elif md.get("deletionTimestamp"):
        kind = _TERMINATING if ref is not None and matches(pod) else _SKIP
    elif ref is not None and matches(pod):
        kind = _OWNED
    else:
        kind = _CLAIM
    labels = md.get("labels") or {}
    fully_labeled = all(labels.get(key) == value for key, value in template_items)
    cond = ready_condition(pod)
    ready = bool(cond and cond.get("status") == "True")
    return (kind, fully_labeled, ready, cond.get("lastTransitionTime") if cond and ready else None)


def sync_replicaset(
    rs: Obj,
    pods: list[Obj],
    *,
    now: dt.datetime,
    owner_of_rs_pods: Mapping[str, str | None] | None = None,
    manage_replicas_error: str | None = None,
    sibling_pods: list[Obj] | None = None,
    memo: SyncMemo | None = None,
) -> list[Action]:
    """Decide one sync of `rs`; `pods` are all pods of its namespace. Inputs are never mutated
    (`memo`, the shell's scratch space for this ReplicaSet, is updated).

    `sibling_pods` may carry the pods other controllers own (those of the sibling
    ReplicaSets) apart from `pods`: they only count for the co-location rank when scaling
    down, so they are not looked at on every sync.
    """
    ns = namespace_of(rs)
    rs_uid = uid_of(rs)
    spec = rs.get("spec") or {}
    selector = spec.get("selector")
    matches = _pod_matcher(selector)
    owner = {**rs, "apiVersion": "apps/v1", "kind": "ReplicaSet"}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    template_items = tuple(template_labels.items())
    min_ready = int(spec.get("minReadySeconds") or 0)

    # One pass over the pods (a sync sees every pod of the ReplicaSet on every pod event,
    # so this loop is the controller's hot path), reusing the facts of the pod objects the
    # previous sync saw. Active pods go through claim in order, except the common case claim
    # would just keep (ours, still matching), kept here; our terminating pods are counted;
    # status counts are taken on the way.
    memo_key = (ns, rs_uid, orjson.dumps(selector), template_items)
    known = memo.pods if memo is not None and memo.key == memo_key else {}
    seen: dict[int, tuple[Obj, tuple]] = {}
    in_namespace: list[Obj] = []
    owned: list[Obj] = []
    actions: list[Action] = []
    terminating: list[Obj] = []
    fully_labeled = ready = available = 0
    for pod in pods:
        hit = known.get(id(pod))
        if hit is not None and hit[0] is pod:
            facts = hit[1]
        else:
            facts = _pod_facts(pod, ns, rs_uid, matches, template_items)
        seen[id(pod)] = (pod, facts)
        kind = facts[0]
        if kind == _OTHER_NS:
            continue
        in_namespace.append(pod)
        if kind == _OWNED:
            kept = [pod]
        elif kind == _TERMINATING:
            terminating.append(pod)
            continue
        elif kind == _CLAIM:  # an orphan to adopt, or ours to release
            kept, patches = claim(owner, [pod], matches, resource="pods")
            actions.extend(patches)
            if not kept:
                continue
        else:
            continue
        owned.append(pod)
        fully_labeled += facts[1]
        if facts[2]:
            ready += 1
            if min_ready <= 0 or _available(facts[3], min_ready, now):
                available += 1
    if memo is not None:
        memo.key, memo.pods = memo_key, seen
    pods = in_namespace

    if manage_replicas_error is None and not is_being_deleted(rs):
        actions.extend(manage_replicas(rs, owned, pods, now=now, owner_of_rs_pods=owner_of_rs_pods,
                                       sibling_pods=sibling_pods,
                                       rank_bases=memo.rank_bases if memo is not None else None))

    status = calculate_status(rs, owned, terminating, manage_replicas_error=manage_replicas_error, now=now,
                              counts=(fully_labeled, ready, available))
    if _status_needs_update(rs, status):
        updated = copy.deepcopy(rs)
        status = dict(status)
        generation = int(rs.get("metadata", {}).get("generation") or 0)
        if generation:
            status["observedGeneration"] = generation
        else:
            status.pop("observedGeneration", None)
        updated["status"] = _canonical_status(status)
        actions.append(UpdateStatus(REPLICASETS, ns, updated))

    min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
    if min_ready > 0 and status.get("readyReplicas", 0) != status.get("availableReplicas", 0):
        next_check = next_availability_check(owned, min_ready, now=now)
        actions.append(RequeueAfter(next_check if next_check is not None else float(min_ready)))
    return actions


# --- manageReplicas -------------------------------------------------------------------------

_TERMINAL = ("Succeeded", "Failed")


def _pod_matcher(selector: Mapping[str, Any] | None) -> Callable[[Obj], bool]:
    """`_selector_matches(selector, labels_of(pod))` as a function of the pod, with a fast
    path for the usual selector of plain matchLabels."""
    if selector is not None and not selector.get("matchExpressions"):
        wanted = tuple((selector.get("matchLabels") or {}).items())

        def match_labels(pod: Obj) -> bool:
            labels = pod.get("metadata", {}).get("labels") or {}
            for key, value in wanted:  # noqa: SIM110 (a loop is faster than all() over a generator)
                if labels.get(key) != value:
                    return False
            return True

        return match_labels
    return lambda pod: _selector_matches(selector, labels_of(pod))


def manage_replicas(
    rs: Obj,
    owned: list[Obj],
    all_pods: list[Obj],
    *,
    now: dt.datetime,
    owner_of_rs_pods: Mapping[str, str | None] | None = None,
    sibling_pods: list[Obj] | None = None,
    rank_bases: dict[int, tuple[Obj, tuple]] | None = None,
) -> list[Action]:
    """Create or delete pods to reach spec.replicas, at most BURST_REPLICAS per sync."""
    diff = len(owned) - replicas(rs)
    ns = namespace_of(rs)
    if diff < 0:
        return [Create("pods", ns, pod_from_template(rs)) for _ in range(min(-diff, BURST_REPLICAS))]
    if diff == 0:
        return []
    count = min(diff, BURST_REPLICAS)
    related: list[Obj] = []
    if count < len(owned):  # otherwise every pod goes and no ranking is needed
        if sibling_pods:
            all_pods = [*all_pods, *(p for p in sibling_pods if namespace_of(p) == ns)]
        related = _related_pods(rs, owned, all_pods, owner_of_rs_pods)
    involved = _involved(rs)
    actions: list[Action] = []
    for pod in pods_to_delete(owned, related, count, now=now, rank_bases=rank_bases):
        actions.append(Delete("pods", ns, name_of(pod), uid=uid_of(pod) or None))
        actions.append(Event(involved, "Normal", "SuccessfulDelete", f"Deleted pod: {name_of(pod)}", COMPONENT))
    return actions


def pod_from_template(rs: Obj) -> Obj:
    """A pod for rs (upstream GetPodFromTemplate): template labels, annotations, finalizers and
    spec, `generateName: <rs>-` and a controller reference to the ReplicaSet."""
    template = (rs.get("spec") or {}).get("template") or {}
    tmeta = template.get("metadata") or {}
    metadata: dict[str, Any] = {"generateName": f"{name_of(rs)}-", "namespace": namespace_of(rs)}
    for key in ("labels", "annotations"):
        if tmeta.get(key):
            metadata[key] = dict(tmeta[key])
    if tmeta.get("finalizers"):
        metadata["finalizers"] = list(tmeta["finalizers"])
    metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name_of(rs),
                                    "uid": uid_of(rs), "controller": True, "blockOwnerDeletion": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": orjson.loads(orjson.dumps(template.get("spec") or {}))}  # a deep copy, several times faster


def _involved(rs: Obj) -> Obj:
    md = rs.get("metadata", {})
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion") if k in md}}


def _related_pods(rs: Obj, owned: list[Obj], all_pods: list[Obj],
                  owner_of_rs_pods: Mapping[str, str | None] | None) -> list[Obj]:
    ref = controller_ref(rs)
    if ref is None:
        return []
    if owner_of_rs_pods is None:
        return list(owned)
    siblings = {rs_uid for rs_uid, owner_uid in owner_of_rs_pods.items() if owner_uid == ref.get("uid")}
    siblings.add(uid_of(rs))
    return [p for p in all_pods if (r := controller_ref(p)) is not None and r.get("uid") in siblings]


# --- which pods go first --------------------------------------------------------------------

def pods_to_delete(owned: list[Obj], related: list[Obj], count: int, *, now: dt.datetime,
                   rank_bases: dict[int, tuple[Obj, tuple]] | None = None) -> list[Obj]:
    """The `count` pods to delete: all of them, or the first by `deletion_rank_key`.

    Each pod is ranked by how many active related pods share its node, so scaling down
    spreads the survivors across nodes. `rank_bases` (id(pod) -> (pod, base)) keeps the
    per-pod part of the keys from one call to the next; it is refreshed with `owned`.
    """
    if count >= len(owned):
        return list(owned[:count])
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            node = _node_name(pod)
            on_node[node] = on_node.get(node, 0) + 1
    buckets: dict[str, int] = {}  # timestamp -> its log bucket: pods share second-precision stamps
    known = rank_bases if rank_bases is not None else {}
    fresh: dict[int, tuple[Obj, tuple]] = {}

    def key(pod: Obj) -> tuple:
        hit = known.get(id(pod))
        base = hit[1] if hit is not None and hit[0] is pod else _rank_base(pod)
        fresh[id(pod)] = (pod, base)
        return _rank_key(base, on_node.get(base[8], 0), now, buckets)

    # nsmallest is sorted(...)[:count] (stable too) without sorting the pods that stay
    chosen = heapq.nsmallest(count, owned, key=key)
    if rank_bases is not None:
        rank_bases.clear()
        rank_bases.update(fresh)
    return chosen


def deletion_rank_key(pod: Obj, *, rank: int, now: dt.datetime, buckets: dict[str, int] | None = None) -> tuple:
    """Sort key putting the pods to delete first (upstream ActivePodsWithRanks.Less).

    1. unscheduled before scheduled
    2. phase Pending < Unknown < Running (other phases count as Pending)
    3. not ready before ready
    4. lower controller.kubernetes.io/pod-deletion-cost first
    5. more co-located related pods (`rank`) first
    6. ready pods: the one ready most recently first, on a log2 scale of the time since
       (a missing time is the most recent)
    7. more container restarts first
    8. newer creationTimestamp first, on the same log2 scale; then uid

    Log scale (LogarithmicScaleDown, on by default): pods ready for 70s and 100s share the
    bucket floor(log2(t in ns)) = 36, so neither is preferred by age. Upstream then orders
    such a pair by uid at once when the two times differ (and falls through to rule 7 when
    they are identical); a key function cannot express that, so here rules 7, 8 and the uid
    decide inside a bucket.
    """
    return _rank_key(_rank_base(pod), rank, now, {} if buckets is None else buckets)


def _rank_base(pod: Obj) -> tuple:
    """What deletion_rank_key reads from the pod alone: (scheduled, phase ordinal, ready,
    deletion cost, Ready's lastTransitionTime if ready, -restarts, creationTimestamp, uid,
    node name)."""
    cond = ready_condition(pod)
    ready = bool(cond and cond.get("status") == "True")  # is_pod_ready
    status = pod.get("status") or {}
    restarts = max((int(c.get("restartCount") or 0) for c in status.get("containerStatuses") or ()), default=0)
    node = _node_name(pod)
    return (
        1 if node else 0,
        _PHASE_ORDINAL.get(status.get("phase") or "", 0),
        1 if ready else 0,
        deletion_cost(pod),
        cond.get("lastTransitionTime") if cond and ready else None,
        -restarts,
        pod.get("metadata", {}).get("creationTimestamp"),
        uid_of(pod),
        node,
    )


def _rank_key(base: tuple, rank: int, now: dt.datetime, buckets: dict[str, int]) -> tuple:
    return (
        base[0],
        base[1],
        base[2],
        base[3],
        -rank,
        _log_bucket_of(base[4], now, buckets) if base[2] else 0,
        base[5],
        _log_bucket_of(base[6], now, buckets),
        base[7],
    )


def _log_bucket_of(stamp: str | None, now: dt.datetime, buckets: dict[str, int]) -> int:
    """`_log_bucket(parse_time(stamp), now)`, remembered per stamp in `buckets` (one `now`)."""
    if not stamp:
        return _log_bucket(None, now)
    bucket = buckets.get(stamp)
    if bucket is None:
        bucket = buckets[stamp] = _log_bucket(parse_time(stamp), now)
    return bucket


def deletion_cost(pod: Obj) -> int:
    """The pod-deletion-cost annotation: an int32 without '+' or leading zeros, else 0."""
    value = annotations_of(pod).get(POD_DELETION_COST, "")
    if not value or not (value == "0" or _DELETION_COST.fullmatch(value)):
        return 0
    cost = int(value)
    return cost if -(2**31) <= cost < 2**31 else 0


def _node_name(pod: Obj) -> str:
    return (pod.get("spec") or {}).get("nodeName") or ""


def _available(ready_since: str | None, min_ready_seconds: int, now: dt.datetime) -> bool:
    """is_pod_available for a Ready pod, from its Ready condition's lastTransitionTime."""
    since = parse_time(ready_since)
    return since is not None and since + dt.timedelta(seconds=min_ready_seconds) < now


def _ready_time(pod: Obj) -> dt.datetime | None:
    cond = ready_condition(pod)
    return parse_time(cond.get("lastTransitionTime")) if cond else None


def _log_bucket(t: dt.datetime | None, now: dt.datetime) -> int:
    """floor(log2(now - t in ns)); -1 for a time not in the past, -2 for no time at all."""
    if t is None:
        return -2
    delta = now - t
    ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    if ns <= 0:
        return -1
    return int(math.log2(float(ns)))


# --- status -----------------------------------------------------------------------------------

def calculate_status(
    rs: Obj, owned: list[Obj], terminating: list[Obj], *, manage_replicas_error: str | None, now: dt.datetime,
    counts: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    """replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, terminatingReplicas and
    the ReplicaFailure condition (observedGeneration is stamped when the status is written).
    `counts` are (fully labeled, ready, available) among `owned` when already known."""
    if counts is None:
        spec = rs.get("spec") or {}
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        fully_labeled = ready = available = 0
        for pod in owned:
            labels = labels_of(pod)
            if all(labels.get(k) == v for k, v in template_labels.items()):
                fully_labeled += 1
            if is_pod_ready(pod):
                ready += 1
                if is_pod_available(pod, min_ready, now):
                    available += 1
    else:
        fully_labeled, ready, available = counts
    status = copy.deepcopy(rs.get("status") or {})
    conditions = list(status.get("conditions") or ())
    failure = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
    if manage_replicas_error is not None and failure is None:
        diff = len(owned) - replicas(rs)
        reason = "FailedCreate" if diff < 0 else ("FailedDelete" if diff > 0 else "")
        conditions.append({"type": REPLICA_FAILURE, "status": "True", "lastTransitionTime": format_time(now),
                           "reason": reason, "message": manage_replicas_error})
    elif manage_replicas_error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != REPLICA_FAILURE]
    status["conditions"] = conditions
    status["replicas"] = len(owned)
    status["fullyLabeledReplicas"] = fully_labeled
    status["readyReplicas"] = ready
    status["availableReplicas"] = available
    status["terminatingReplicas"] = len(terminating)
    return status


_COUNTS = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")


def _status_needs_update(rs: Obj, new: Mapping[str, Any]) -> bool:
    old = rs.get("status") or {}
    if any(int(old.get(k) or 0) != int(new.get(k) or 0) for k in _COUNTS):
        return True
    if old.get("terminatingReplicas") != new.get("terminatingReplicas"):
        return True
    if int(rs.get("metadata", {}).get("generation") or 0) != int(old.get("observedGeneration") or 0):
        return True
    return list(old.get("conditions") or ()) != list(new.get("conditions") or ())


def _canonical_status(status: Mapping[str, Any]) -> dict[str, Any]:
    """Field order and omissions of apps/v1 ReplicaSetStatus (replicas is always present)."""
    out: dict[str, Any] = {"replicas": int(status.get("replicas") or 0)}
    for key in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        if status.get(key):
            out[key] = status[key]
    if status.get("terminatingReplicas") is not None:
        out["terminatingReplicas"] = status["terminatingReplicas"]
    if status.get("observedGeneration"):
        out["observedGeneration"] = status["observedGeneration"]
    if status.get("conditions"):
        out["conditions"] = status["conditions"]
    return out


def next_availability_check(pods: list[Obj], min_ready_seconds: int, *, now: dt.datetime) -> float | None:
    """Seconds until the next ready pod becomes available (None when no pod is waiting).

    Worked example: minReadySeconds 10, pods ready for 2s and 4s -> 6s.
    """
    best: float | None = None
    for pod in pods:
        if not is_pod_ready(pod) or min_ready_seconds <= 0:
            continue
        since = _ready_time(pod)
        if since is None:
            continue
        left = (since + dt.timedelta(seconds=min_ready_seconds) - now).total_seconds()
        if left > 0 and (best is None or left < best):
            best = left
    return best
