"""DaemonSet controller decisions: one pod per eligible node, rolled by ControllerRevisions.

Upstream: pkg/controller/daemon/daemon_controller.go (syncDaemonSet, manage,
podsShouldBeOnNode, syncNodes, updateDaemonSetStatus, NodeShouldRunDaemonPod),
pkg/controller/daemon/update.go (constructHistory, snapshot, dedupCurHistories,
cleanupHistory, rollingUpdate, updatedDesiredNodeCounts) and
pkg/controller/daemon/util/daemonset_util.go.

`sync_daemonset(ds, nodes, pods, revisions, *, now)` is a decision table:

    DS being deleted                    -> nothing
    selector {}                         -> Warning SelectingAll, nothing else
    history (every sync)                -> claim CRs, fix legacy labels, snapshot the current
                                           template or roll an old CR forward, dedup
    hash collision on the snapshot name -> status.collisionCount + 1, stop
    manage                              -> create missing pods, delete failed/extra/misplaced
    nothing created or deleted, and
      strategy RollingUpdate            -> rolling update (surge or not, section 3.4)
    always                              -> cleanup history, status if changed, requeue

`pods` and `revisions` are everything in the DaemonSet's namespace (others are ignored);
ownership is decided here with `kroll.reconcile.ownership.claim`. The shell waits until its
caches have seen its own writes, so upstream's create/delete "expectations" reduce to one
rule: a sync that creates or deletes pods in `manage` does not also roll (upstream skips
the rolling update while those writes are outstanding).

Pods are created with `generateName: <ds>-` and a required node affinity on
`metadata.name In [node]`; the scheduler binds them (upstream since 1.12). The
"Created pod" event is recorded by the shell after the create, because only then is the
name known; deletions get their `SuccessfulDelete` event from here.

Eligibility of a node (NodeShouldRunDaemonPod): template `nodeName` if set, the template's
nodeSelector and required node affinity (matchExpressions on labels, matchFields on
`metadata.name`), and taints: every NoSchedule/NoExecute taint must be tolerated by the
template's tolerations plus the ones the controller adds (not-ready and unreachable
NoExecute; disk-, memory-, pid-pressure and unschedulable NoSchedule; network-unavailable for
hostNetwork). So a cordoned node still runs its daemon pods. A node whose only untolerated
taints are NoSchedule keeps the pods it already has (shouldContinueRunning) but gets no new
one.

Failed pods are deleted (and recreated on the next sync) only once they have been Failed for
FAILED_POD_BACKOFF_SECONDS: upstream keeps an in-memory exponential backoff per node for this;
a pure function has no memory, so kroll uses a fixed delay measured from the pod's own
failure time, which is enough to stop a kubelet-rejects/controller-recreates hot loop.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kroll.api.meta import (
    annotations_of,
    is_being_deleted,
    labels_of,
    name_of,
    namespace_of,
    parse_time,
)
from kroll.api.types import MERGE_PATCH, Obj
from kroll.reconcile import podutil
from kroll.reconcile.actions import Action, Create, Delete, Event, Patch, RequeueAfter, Update, UpdateStatus
from kroll.reconcile.hashing import template_hash
from kroll.reconcile.history import (
    REVISION_HASH_LABEL,
    availability_delay,
    daemonset_revisions_to_delete,
    data_bytes,
    history_limit,
    match_label_selector,
    max_revision,
    new_controller_revision,
    revision_data,
    revision_name,
    revision_of,
    selector_is_empty,
)
from kroll.reconcile.nodeselection import requirement_matches
from kroll.reconcile.ownership import claim

COMPONENT = "daemonset-controller"
RESOURCE = "daemonsets.apps"
REVISIONS = "controllerrevisions.apps"
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
# kube-controller-manager's DaemonSet burstReplicas: creates/deletes per sync
BURST_REPLICAS = 250
FAILED_POD_BACKOFF_SECONDS = 5.0

_NO_SCHEDULE = "NoSchedule"
_NO_EXECUTE = "NoExecute"


# --------------------------------------------------------------------------- small readers

def _spec(ds: Obj) -> dict[str, Any]:
    return ds.get("spec") or {}


def _template(ds: Obj) -> dict[str, Any]:
    return _spec(ds).get("template") or {}


def _min_ready(ds: Obj) -> int:
    return int(_spec(ds).get("minReadySeconds") or 0)


def _strategy_type(ds: Obj) -> str:
    return (_spec(ds).get("updateStrategy") or {}).get("type") or "RollingUpdate"


def _rolling(ds: Obj) -> dict[str, Any] | None:
    return (_spec(ds).get("updateStrategy") or {}).get("rollingUpdate")


def template_generation(ds: Obj) -> int | None:
    """The `deprecated.daemonset.template.generation` annotation, None if absent or unparsable."""
    value = annotations_of(ds).get(TEMPLATE_GENERATION_ANNOTATION)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def scaled_value(value: int | str | None, total: int, *, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: 1 -> 1, "25%" of 10 -> 3 rounding up, 2 down."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.endswith("%"):
        try:
            percent = int(text[:-1])
        except ValueError:
            return 0
        return math.ceil(percent * total / 100) if round_up else (percent * total) // 100
    try:
        return int(text)
    except ValueError:
        return 0


def surge_count(ds: Obj, number_to_schedule: int) -> int:
    """util.SurgeCount: 0 unless RollingUpdate with maxSurge set; percentages round up."""
    if _strategy_type(ds) != "RollingUpdate":
        return 0
    rolling = _rolling(ds)
    if rolling is None or rolling.get("maxSurge") is None:
        return 0
    return scaled_value(rolling["maxSurge"], number_to_schedule, round_up=True)


def unavailable_count(ds: Obj, number_to_schedule: int) -> int:
    """util.UnavailableCount: 0 unless RollingUpdate; percentages round up; missing -> default 1."""
    if _strategy_type(ds) != "RollingUpdate":
        return 0
    rolling = _rolling(ds)
    if rolling is None:
        return 0
    return scaled_value(rolling.get("maxUnavailable", 1), number_to_schedule, round_up=True)


def allows_surge(ds: Obj) -> bool:
    return surge_count(ds, 1) > 0


def is_pod_updated(pod: Obj, hash_: str, generation: int | None) -> bool:
    """Carries the current revision's hash, or (legacy) the current template generation."""
    labels = labels_of(pod)
    if hash_ and labels.get(REVISION_HASH_LABEL) == hash_:
        return True
    return generation is not None and labels.get(TEMPLATE_GENERATION_LABEL) == str(generation)


def _pod_order_key(pod: Obj) -> tuple:
    """podByCreationTimestampAndPhase: scheduled first, then oldest, then by name."""
    created = parse_time(pod.get("metadata", {}).get("creationTimestamp")) or dt.datetime.min.replace(tzinfo=dt.UTC)
    return (0 if pod.get("spec", {}).get("nodeName") else 1, created, name_of(pod))


# --------------------------------------------------------------------------- tolerations, taints, affinity

def _default_tolerations(pod_spec: Mapping[str, Any]) -> list[dict[str, str]]:
    pairs = [
        ("node.kubernetes.io/not-ready", _NO_EXECUTE),
        ("node.kubernetes.io/unreachable", _NO_EXECUTE),
        ("node.kubernetes.io/disk-pressure", _NO_SCHEDULE),
        ("node.kubernetes.io/memory-pressure", _NO_SCHEDULE),
        ("node.kubernetes.io/pid-pressure", _NO_SCHEDULE),
        ("node.kubernetes.io/unschedulable", _NO_SCHEDULE),
    ]
    if pod_spec.get("hostNetwork"):
        pairs.append(("node.kubernetes.io/network-unavailable", _NO_SCHEDULE))
    return [{"key": key, "operator": "Exists", "effect": effect} for key, effect in pairs]


def _same_toleration(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Toleration.MatchToleration: same key, operator, value and effect."""
    return all((a.get(k) or "") == (b.get(k) or "") for k in ("key", "operator", "value", "effect"))


def daemon_pod_tolerations(pod_spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pod's tolerations after AddOrUpdateDaemonPodTolerations (a new list).

    A user toleration matching one of ours is replaced by ours in place (so e.g. a
    tolerationSeconds on it is dropped); the others are appended in upstream's order.
    """
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or ()]
    for ours in _default_tolerations(pod_spec):
        for i, existing in enumerate(tolerations):
            if _same_toleration(existing, ours):
                tolerations[i] = dict(ours)
                break
        else:
            tolerations.append(dict(ours))
    return tolerations


def tolerates_taint(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def _untolerated(taints: list[Mapping[str, Any]], tolerations: list[Mapping[str, Any]], effects: tuple[str, ...]) -> bool:
    return any(
        taint.get("effect") in effects and not any(tolerates_taint(t, taint) for t in tolerations)
        for taint in taints
    )


def _term_matches(term: Mapping[str, Any], node: Obj) -> bool:
    """A NodeSelectorTerm: all its label expressions and field expressions hold; empty matches nothing."""
    expressions = term.get("matchExpressions") or ()
    fields_ = term.get("matchFields") or ()
    if not expressions and not fields_:
        return False
    labels = labels_of(node)
    if not all(requirement_matches(e, labels) for e in expressions):
        return False
    node_fields = {"metadata.name": name_of(node)}
    for req in fields_:
        if req.get("key") != "metadata.name" or req.get("operator") not in ("In", "NotIn"):
            return False
        if not requirement_matches(req, node_fields):
            return False
    return True


def node_matches_pod_affinity(pod_spec: Mapping[str, Any], node: Obj) -> bool:
    """nodeSelector and required node affinity (nodeaffinity.GetRequiredNodeAffinity(pod).Match)."""
    labels = labels_of(node)
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is None:
        return True
    return any(_term_matches(term, node) for term in required.get("nodeSelectorTerms") or ())


def node_should_run_daemon_pod(node: Obj, ds: Obj) -> tuple[bool, bool]:
    """(shouldRun, shouldContinueRunning) for `ds` on `node`.

    shouldRun: a new daemon pod belongs here. shouldContinueRunning: an existing one may stay
    (true also when the only untolerated taints are NoSchedule ones).
    """
    pod_spec = _template(ds).get("spec") or {}
    wanted_node = pod_spec.get("nodeName")
    if wanted_node and wanted_node != name_of(node):
        return False, False
    if not node_matches_pod_affinity(pod_spec, node):
        return False, False
    taints = (node.get("spec") or {}).get("taints")
    if not taints:
        return True, True  # most nodes: no tolerations to work out
    tolerations = daemon_pod_tolerations(pod_spec)
    if _untolerated(taints, tolerations, (_NO_SCHEDULE, _NO_EXECUTE)):
        return False, not _untolerated(taints, tolerations, (_NO_EXECUTE,))
    return True, True


def target_node_name(pod: Obj) -> str | None:
    """util.GetTargetNodeName: spec.nodeName, else the node named by the metadata.name affinity."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or ():
        for req in term.get("matchFields") or ():
            if req.get("key") == "metadata.name" and req.get("operator") == "In":
                values = req.get("values") or []
                return values[0] if len(values) == 1 else None
    return None


def node_name_affinity(affinity: Mapping[str, Any] | None, node_name: str) -> dict[str, Any]:
    """util.ReplaceDaemonSetPodNodeNameNodeAffinity on a copy: the required node affinity
    becomes exactly `metadata.name In [node]`; preferred terms and pod (anti-)affinity stay."""
    selector_term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    result = copy.deepcopy(dict(affinity)) if affinity else {}
    node_affinity = result.get("nodeAffinity")
    if node_affinity is None:
        result["nodeAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [selector_term]}}
        return result
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [selector_term]}
    else:
        required["nodeSelectorTerms"] = [selector_term]
    return result


def new_daemon_pod(ds: Obj, node_name: str, hash_: str) -> Obj:
    """The pod `ds` creates for `node_name` (CreatePodTemplate + GetPodFromTemplate)."""
    template = copy.deepcopy(_template(ds))
    tmeta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    spec["tolerations"] = daemon_pod_tolerations(spec)
    spec["affinity"] = node_name_affinity(spec.get("affinity"), node_name)
    labels = dict(tmeta.get("labels") or {})
    generation = template_generation(ds)
    if generation is not None:
        labels[TEMPLATE_GENERATION_LABEL] = str(generation)
    if hash_:
        labels[REVISION_HASH_LABEL] = hash_
    meta: dict[str, Any] = {"generateName": f"{name_of(ds)}-", "namespace": namespace_of(ds), "labels": labels}
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    meta["ownerReferences"] = [_controller_ref(ds)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def _controller_ref(ds: Obj) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": name_of(ds), "uid": ds["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}


# --------------------------------------------------------------------------- the sync

@dataclass
class _Sync:
    ds: Obj
    now: dt.datetime
    actions: list[Action] = field(default_factory=list)
    requeue: list[float] = field(default_factory=list)
    # node name -> (shouldRun, shouldContinueRunning), worked out once per sync: manage, the
    # rolling update and the status all ask, and at 100 nodes asking 4x per node was most of
    # a sync's time
    eligible: dict[str, tuple[bool, bool]] = field(default_factory=dict)

    @property
    def ns(self) -> str:
        return namespace_of(self.ds)

    @property
    def owner(self) -> Obj:
        """The DaemonSet with apiVersion/kind filled in (owner references, events)."""
        return {**self.ds, "apiVersion": self.ds.get("apiVersion") or "apps/v1",
                "kind": self.ds.get("kind") or "DaemonSet"}

    def event(self, type_: str, reason: str, message: str) -> None:
        self.actions.append(Event(self.owner, type_, reason, message, COMPONENT))

    def available(self, pod: Obj) -> bool:
        return podutil.is_pod_available(pod, _min_ready(self.ds), self.now)


def sync_daemonset(ds: Obj, nodes: list[Obj], pods: list[Obj], revisions: list[Obj], *,
                   now: dt.datetime) -> list[Action]:
    """Everything one sync of `ds` should do, in order. Never mutates its inputs."""
    sync = _Sync(ds, now)
    selector = _spec(ds).get("selector")
    if selector_is_empty(selector):
        sync.event("Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")
        return sync.actions
    if is_being_deleted(ds):
        # upstream: history objects may be half gone, so not even status is trustworthy
        return []
    ns = sync.ns
    nodes = sorted(nodes, key=name_of)
    sync.eligible = {name_of(n): node_should_run_daemon_pod(n, ds) for n in nodes}
    ns_pods = [p for p in pods if namespace_of(p) == ns]
    ns_revisions = [r for r in revisions if namespace_of(r) == ns]

    def selected(obj: Obj) -> bool:
        return match_label_selector(selector, labels_of(obj))

    owned_pods, pod_claims = claim(sync.owner, ns_pods, selected, resource="pods")

    history = _construct_history(sync, ns_revisions, owned_pods, selected)
    if history is None:
        return sync.actions
    hash_, old = history

    sync.actions.extend(pod_claims)
    node_to_pods = _nodes_to_daemon_pods(owned_pods, include_deleted_terminal=False)
    creates, deletes = _manage(sync, nodes, node_to_pods, hash_)
    if not creates and not deletes and _strategy_type(ds) == "RollingUpdate":
        creates, deletes = _rolling_update(sync, nodes, node_to_pods, hash_)
    _sync_nodes(sync, creates, deletes, owned_pods, hash_)

    _cleanup_history(sync, old, owned_pods)
    _update_status(sync, nodes, node_to_pods, hash_)

    waiting = availability_delay(
        (p for p in owned_pods if not is_being_deleted(p)), _min_ready(ds), now)
    if waiting is not None:
        sync.requeue.append(waiting)
    if sync.requeue:
        sync.actions.append(RequeueAfter(min(sync.requeue)))
    return sync.actions


# --------------------------------------------------------------------------- history

def _construct_history(sync: _Sync, ns_revisions: list[Obj], owned_pods: list[Obj],
                       selected: Callable[[Obj], bool]) -> tuple[str, list[Obj]] | None:
    """constructHistory + snapshot + dedupCurHistories. Returns (hash, old revisions), or
    None when the sync must stop (hash collision: collisionCount was bumped)."""
    ds = sync.ds
    owned, claims = claim(sync.owner, ns_revisions, selected, resource=REVISIONS)
    sync.actions.extend(claims)

    patch = revision_data(ds)
    updates: dict[str, Obj] = {}  # one Update per revision, whatever changed on it
    current: list[Obj] = []
    old: list[Obj] = []
    for cr in owned:
        if REVISION_HASH_LABEL not in labels_of(cr):
            # legacy revisions get their own name as the hash label (never collides)
            fixed = copy.deepcopy(cr)
            fixed["metadata"].setdefault("labels", {})
            if fixed["metadata"]["labels"] is None:
                fixed["metadata"]["labels"] = {}
            fixed["metadata"]["labels"][REVISION_HASH_LABEL] = name_of(cr)
            updates[name_of(cr)] = fixed
            cr = fixed
        (current if data_bytes(cr) == patch else old).append(cr)

    curr_revision = max_revision(old) + 1
    create: Obj | None = None
    dedup_actions: list[Action] = []
    if not current:
        collision_count = (ds.get("status") or {}).get("collisionCount")
        hash_ = template_hash(_template(ds), collision_count)
        name = revision_name(name_of(ds), hash_)
        existing = next((r for r in ns_revisions if name_of(r) == name), None)
        if existing is not None and data_bytes(existing) != patch:
            # snapshot: the name is taken by a different template; bump the count and retry
            bumped = copy.deepcopy(ds)
            bumped.setdefault("status", {})["collisionCount"] = int(collision_count or 0) + 1
            sync.actions.extend(Update(REVISIONS, sync.ns, u) for u in updates.values())
            sync.actions.append(UpdateStatus(RESOURCE, sync.ns, bumped))
            return None
        if existing is None:
            create = new_controller_revision(ds, kind="DaemonSet", template_labels=_template(ds).get("metadata", {}).get("labels"),
                                             data=patch, revision=curr_revision, name_hash=hash_)
        cur_hash = labels_of(existing).get(REVISION_HASH_LABEL, hash_) if existing is not None else hash_
    else:
        keep = current[0]
        for cr in current:
            if revision_of(cr) >= revision_of(keep):
                keep = cr
        cur_hash = labels_of(keep)[REVISION_HASH_LABEL]
        if len(current) > 1:
            for pod in owned_pods:
                if labels_of(pod).get(REVISION_HASH_LABEL) != cur_hash:
                    dedup_actions.append(Patch("pods", sync.ns, name_of(pod),
                                               {"metadata": {"labels": {REVISION_HASH_LABEL: cur_hash}}}, MERGE_PATCH))
            for cr in current:
                if name_of(cr) != name_of(keep):
                    dedup_actions.append(Delete(REVISIONS, sync.ns, name_of(cr), uid=cr["metadata"].get("uid")))
                    updates.pop(name_of(cr), None)
        if revision_of(keep) < curr_revision:
            # roll forward: the template came back, so its old revision becomes the newest
            rolled = updates.get(name_of(keep)) or copy.deepcopy(keep)
            rolled["revision"] = curr_revision
            updates[name_of(keep)] = rolled

    sync.actions.extend(dedup_actions)
    sync.actions.extend(Update(REVISIONS, sync.ns, u) for u in updates.values())
    if create is not None:
        sync.actions.append(Create(REVISIONS, sync.ns, create))
    return cur_hash, old


def _cleanup_history(sync: _Sync, old: list[Obj], owned_pods: list[Obj]) -> None:
    live_hashes: set[str] = set()
    for pods in _nodes_to_daemon_pods(owned_pods, include_deleted_terminal=True).values():
        for pod in pods:
            if labels_of(pod).get(REVISION_HASH_LABEL):
                live_hashes.add(labels_of(pod)[REVISION_HASH_LABEL])
    for cr in daemonset_revisions_to_delete(old, live_hashes, history_limit(sync.ds)):
        sync.actions.append(Delete(REVISIONS, sync.ns, name_of(cr), uid=cr["metadata"].get("uid")))


# --------------------------------------------------------------------------- pods per node

def _nodes_to_daemon_pods(owned_pods: list[Obj], *, include_deleted_terminal: bool) -> dict[str, list[Obj]]:
    out: dict[str, list[Obj]] = {}
    for pod in owned_pods:
        terminal = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        if not include_deleted_terminal and terminal and is_being_deleted(pod):
            continue  # terminal and on its way out: nothing left to do with it
        node = target_node_name(pod)
        if node is None:
            continue
        out.setdefault(node, []).append(pod)
    return out


def _failed_since(pod: Obj) -> dt.datetime | None:
    """Best known moment the pod failed: the latest container finish or condition change."""
    times: list[dt.datetime] = []
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for cs in status.get(key) or ():
            finished = ((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
            if parse_time(finished):
                times.append(parse_time(finished))  # type: ignore[arg-type]
    for cond in status.get("conditions") or ():
        if parse_time(cond.get("lastTransitionTime")):
            times.append(parse_time(cond.get("lastTransitionTime")))  # type: ignore[arg-type]
    if times:
        return max(times)
    return parse_time(pod.get("metadata", {}).get("creationTimestamp"))


def _manage(sync: _Sync, nodes: list[Obj], node_to_pods: dict[str, list[Obj]], hash_: str) -> tuple[list[str], list[Obj]]:
    """manage + podsShouldBeOnNode: (nodes needing a pod, pods to delete)."""
    ds = sync.ds
    creates: list[str] = []
    deletes: list[Obj] = []
    surge = allows_surge(ds)
    for node in nodes:
        node_name = name_of(node)
        should_run, should_continue = sync.eligible[node_name]
        exists = node_name in node_to_pods
        daemon_pods = node_to_pods.get(node_name, [])
        if should_run and not exists:
            creates.append(node_name)
        elif should_continue:
            running: list[Obj] = []
            for pod in daemon_pods:
                if is_being_deleted(pod):
                    continue
                phase = pod.get("status", {}).get("phase")
                if phase == "Failed":
                    since = _failed_since(pod)
                    if since is not None:
                        wait = (since + dt.timedelta(seconds=FAILED_POD_BACKOFF_SECONDS) - sync.now).total_seconds()
                        if wait > 0:
                            sync.requeue.append(wait)
                            continue
                    sync.event("Warning", "FailedDaemonPod",
                               f"Found failed daemon pod {sync.ns}/{name_of(pod)} on node {node_name}, will try to kill it")
                    deletes.append(pod)
                elif phase == "Succeeded":
                    sync.event("Normal", "SucceededDaemonPod",
                               f"Found succeeded daemon pod {sync.ns}/{name_of(pod)} on node {node_name}, will try to delete it")
                    deletes.append(pod)
                else:
                    running.append(pod)
            running.sort(key=_pod_order_key)
            if not surge:
                # one pod per node: keep the oldest (scheduled first)
                deletes.extend(running[1:])
            elif len(running) <= 1:
                if not running and should_run:
                    creates.append(node_name)
            else:
                # surging: keep the oldest new and the oldest old pod; the old one goes once
                # it is not ready or the new one is available
                oldest_new = oldest_old = None
                for pod in running:
                    is_new = labels_of(pod).get(REVISION_HASH_LABEL) == hash_
                    if is_new and oldest_new is None:
                        oldest_new = pod
                    elif not is_new and oldest_old is None:
                        oldest_old = pod
                    else:
                        deletes.append(pod)
                if oldest_new is not None and oldest_old is not None:
                    if not podutil.is_pod_ready(oldest_old) or sync.available(oldest_new):
                        deletes.append(oldest_old)
        elif exists:
            deletes.extend(p for p in daemon_pods if not is_being_deleted(p))
    # pods pinned to nodes that no longer exist never get scheduled, and PodGC ignores them
    known = {name_of(n) for n in nodes}
    for node_name in sorted(node_to_pods):
        if node_name not in known:
            deletes.extend(p for p in node_to_pods[node_name] if not (p.get("spec") or {}).get("nodeName"))
    return creates, deletes


def _sync_nodes(sync: _Sync, creates: list[str], deletes: list[Obj], owned_pods: list[Obj], hash_: str) -> None:
    """syncNodes: creates first, then deletes, each capped at BURST_REPLICAS."""
    for node_name in creates[:BURST_REPLICAS]:
        sync.actions.append(Create("pods", sync.ns, new_daemon_pod(sync.ds, node_name, hash_)))
    seen: set[str] = set()
    for pod in deletes[:BURST_REPLICAS]:
        if name_of(pod) in seen:
            continue
        seen.add(name_of(pod))
        sync.actions.append(Delete("pods", sync.ns, name_of(pod), uid=pod["metadata"].get("uid")))
        sync.event("Normal", "SuccessfulDelete", f"Deleted pod: {name_of(pod)}")


# --------------------------------------------------------------------------- rolling update

def _find_updated_pods_on_node(pods: list[Obj], hash_: str, generation: int | None) -> tuple[Obj | None, Obj | None, bool]:
    """(new pod, old pod, ok): ok is False when a node has two new or two old live pods."""
    new = old = None
    for pod in pods:
        if is_being_deleted(pod):
            continue
        if is_pod_updated(pod, hash_, generation):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


def desired_node_counts(ds: Obj, nodes: list[Obj],
                        eligible: Mapping[str, tuple[bool, bool]] | None = None) -> tuple[int, int, int]:
    """(maxSurge, maxUnavailable, desiredNumberScheduled) as updatedDesiredNodeCounts.

    Both percentages round up against desiredNumberScheduled; if both come out 0 with
    something to schedule, maxUnavailable is 1. Example: 5 nodes, maxUnavailable "30%",
    maxSurge unset -> (0, 2, 5).
    """
    if eligible is None:
        eligible = {name_of(n): node_should_run_daemon_pod(n, ds) for n in nodes}
    desired = sum(1 for n in nodes if eligible[name_of(n)][0])
    max_unavailable = unavailable_count(ds, desired)
    max_surge = surge_count(ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def _rolling_update(sync: _Sync, nodes: list[Obj], node_to_pods: dict[str, list[Obj]], hash_: str) -> tuple[list[str], list[Obj]]:
    ds = sync.ds
    generation = template_generation(ds)
    max_surge, max_unavailable, desired = desired_node_counts(ds, nodes, sync.eligible)
    by_node = {k: list(v) for k, v in node_to_pods.items()}
    nodes_by_name = {name_of(n): n for n in nodes}
    for node in nodes:
        if sync.eligible[name_of(node)][0]:
            by_node.setdefault(name_of(node), [])

    if max_surge == 0:
        # Delete-then-create. Worked example: 5 nodes, maxUnavailable 2, one node already
        # running an unavailable new pod -> numUnavailable 1, so one more old available pod
        # may go this round; an old pod that is itself unavailable always goes (and counts).
        num_unavailable = 0
        allowed: list[Obj] = []
        candidates: list[Obj] = []
        for node_name in sorted(by_node):
            new, old, ok = _find_updated_pods_on_node(by_node[node_name], hash_, generation)
            if not ok:
                num_unavailable += 1  # the manage loop will prune the extra pods first
                continue
            if (new is None) == (old is None):
                num_unavailable += 1  # nothing here yet, or mid-replacement
            elif new is not None:
                if not sync.available(new):
                    num_unavailable += 1
            elif not sync.available(old):
                allowed.append(old)
                num_unavailable += 1
            elif num_unavailable < max_unavailable:
                candidates.append(old)
        room = max(0, min(max_unavailable - num_unavailable, len(candidates)))
        return [], allowed + candidates[:room]

    # Create-then-delete (maxSurge > 0).
    to_delete: list[Obj] = []
    should_not_run: list[Obj] = []
    candidate_nodes: list[str] = []
    allowed_nodes: list[str] = []
    num_surge = 0
    num_available = 0
    for node_name in sorted(by_node):
        new, old, ok = _find_updated_pods_on_node(by_node[node_name], hash_, generation)
        if not ok:
            num_surge += 1
            continue
        if old is not None:
            num_available += int(sync.available(old))
        elif new is not None:
            num_available += int(sync.available(new))
        if old is None:
            continue
        node = nodes_by_name.get(node_name)
        should_run = node is not None and sync.eligible[node_name][0]
        if new is None:
            if not sync.available(old):
                if not should_run:
                    to_delete.append(old)
                    continue
                allowed_nodes.append(node_name)
            else:
                if not should_run:
                    should_not_run.append(old)
                    continue
                if num_surge >= max_surge:
                    continue
                candidate_nodes.append(node_name)
        elif not sync.available(new):
            num_surge += 1
        else:
            to_delete.append(old)
    # with surge the owner expects full availability: pods on nodes that no longer qualify
    # go only as enough pods elsewhere are available
    deletable = min(num_available - desired, len(should_not_run))
    if deletable > 0:
        to_delete.extend(should_not_run[:deletable])
    room = max(0, min(max_surge - num_surge, len(candidate_nodes)))
    return allowed_nodes + candidate_nodes[:room], to_delete


# --------------------------------------------------------------------------- status

_OMITEMPTY = ("observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable")


def _update_status(sync: _Sync, nodes: list[Obj], node_to_pods: dict[str, list[Obj]], hash_: str) -> None:
    ds = sync.ds
    generation = template_generation(ds)
    desired = current = misscheduled = ready = updated = available = 0
    for node in nodes:
        should_run, _ = sync.eligible[name_of(node)]
        pods = node_to_pods.get(name_of(node)) or []
        if should_run:
            desired += 1
            if not pods:
                continue
            current += 1
            pod = min(pods, key=_pod_order_key)
            if podutil.is_pod_ready(pod):
                ready += 1
                if sync.available(pod):
                    available += 1
            if is_pod_updated(pod, hash_, generation):
                updated += 1
        elif pods:
            misscheduled += 1
    counts = {
        "desiredNumberScheduled": desired,
        "currentNumberScheduled": current,
        "numberMisscheduled": misscheduled,
        "numberReady": ready,
        "updatedNumberScheduled": updated,
        "numberAvailable": available,
        "numberUnavailable": desired - available,
    }
    status = ds.get("status") or {}
    metadata_generation = int(ds.get("metadata", {}).get("generation") or 0)
    if all(int(status.get(k) or 0) == v for k, v in counts.items()) and \
            int(status.get("observedGeneration") or 0) >= metadata_generation:
        return
    new = copy.deepcopy(ds)
    new_status = new.setdefault("status", {})
    if new_status is None:
        new_status = new["status"] = {}
    new_status["observedGeneration"] = metadata_generation
    new_status.update(counts)
    for key in _OMITEMPTY:
        if not new_status.get(key):
            new_status.pop(key, None)
    sync.actions.append(UpdateStatus(RESOURCE, sync.ns, new))
