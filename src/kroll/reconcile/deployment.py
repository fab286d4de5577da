"""The Deployment controller's decisions: one sync of one Deployment, as actions.

Upstream: pkg/controller/deployment/{deployment_controller,sync,rolling,recreate,progress,
rollback}.go. The sections below follow those files; the arithmetic lives in
`kroll.reconcile.rollout`.

`sync_deployment(deployment, replica_sets, pods, now=...)` reads like upstream's
syncDeployment, a decision table checked top to bottom:

    selector is {}                    -> Warning SelectingAll, bump observedGeneration, stop
    claim RSes (adopt / release)      -> adoption patches end the sync (see below)
    deletionTimestamp set             -> status only
    (always) paused conditions        -> Progressing Unknown DeploymentPaused / DeploymentResumed
    spec.paused                       -> sync: proportional scaling, history cleanup, status
    rollback annotation               -> server-side rollback (deprecated path)
    desired-replicas annotation stale -> sync: proportional scaling, status
    strategy Recreate                 -> rolloutRecreate
    otherwise                         -> rolloutRolling

Decisions that differ from upstream because a pure function cannot see its own writes:

* **One write per object per sync.** Upstream may PUT the same Deployment twice in one sync
  (paused condition, revision annotation, status), the later writes failing on a stale
  resourceVersion and being retried. Here every change to the Deployment accumulates on a
  working copy and goes out as a single `UpdateStatus` (deployments.apps /status accepts
  annotations, which is how the revision annotation is written). Two scalings of the same
  ReplicaSet in one sync (cleanupUnhealthyReplicas then scaleDownOldReplicaSetsForRollingUpdate)
  are merged into one `Update`; each still gets its ScalingReplicaSet event.
* **Revision roll-forward** of a reused new RS (its annotations or minReadySeconds change)
  emits that RS `Update` and ends the sync; the RS update event re-enqueues the Deployment
  and the next pass copies the revision onto the Deployment.
* **Adoption** of orphan RSes ends the sync after the patches, so no later write in the same
  sync carries the pre-adoption resourceVersion.
* **Hash collisions** are detected in the snapshot: an RS named `<deploy>-<hash>` that is not
  this Deployment's (or has another template) bumps `status.collisionCount` and ends the sync.
* **RS create failures** (other than AlreadyExists) are only known to the shell, which calls
  `replica_set_create_failed(...)` for the ReplicaSetCreateError condition and event.
* **Stuck-rollout timer**: `RequeueAfter(lastUpdateTime + progressDeadlineSeconds - now + 1s)`;
  upstream re-adds immediately (rate limited) when less than a second remains, here that is
  `RequeueAfter(1.0)`.
* The deployment shell must enqueue a Deployment on RS add/update/delete (`deployment_for_rs`)
  and, for Recreate, when the last pod of the Deployment is deleted.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from kroll.api.meta import (
    controller_ref,
    is_being_deleted,
    labels_of,
    name_of,
    namespace_of,
    parse_time,
    uid_of,
)
from kroll.api.types import Obj
from kroll.reconcile import rollout as ro
from kroll.reconcile.actions import Action, Create, Delete, Event, RequeueAfter, Update, UpdateStatus
from kroll.reconcile.hashing import template_hash
from kroll.reconcile.ownership import claim
from kroll.reconcile.rollout import _selector_is_empty, _selector_matches

COMPONENT = "deployment-controller"
DEPLOYMENTS = "deployments.apps"
REPLICASETS = "replicasets.apps"
SCALING_REPLICA_SET = "ScalingReplicaSet"
SELECTING_ALL = "SelectingAll"

# Deployment status fields Go omits when zero (the pointer ones, terminatingReplicas and
# collisionCount, are kept even when 0)
_OMIT_WHEN_ZERO = ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                   "unavailableReplicas")


class _Stop(Exception):
    """Ends the sync after a write that the next pass builds on."""


class _ScaleError(Exception):
    """An impossible scale-down was computed from stale counts (upstream logs and moves on)."""


def sync_deployment(deployment: Obj, replica_sets: list[Obj], pods: list[Obj], *, now: dt.datetime) -> list[Action]:
    """Decide one sync of `deployment`.

    replica_sets: every ReplicaSet in the Deployment's namespace (claimed here by selector);
    pods: the pods in that namespace. Inputs are never mutated.
    """
    return _DeploymentSync(deployment, replica_sets, now=now).run(pods)


def replica_set_create_failed(deployment: Obj, rs_name: str, error: str, *, now: dt.datetime) -> list[Action]:
    """What to do when creating the new RS failed with anything but AlreadyExists (or a
    terminating namespace, which is silent): Progressing=False ReplicaSetCreateError when a
    progress deadline is set, and a Warning event with the same reason."""
    msg = f"Failed to create new replica set {_q(rs_name)}: {error}"
    actions: list[Action] = []
    if ro.has_progress_deadline(deployment):
        d = copy.deepcopy(deployment)
        cond = ro.new_condition(ro.PROGRESSING, "False", ro.FAILED_RS_CREATE, msg, now=now)
        d["status"] = ro.set_condition(ro.status_of(d), cond)
        actions.append(UpdateStatus(DEPLOYMENTS, namespace_of(d), d))
    actions.append(Event(_involved(deployment), "Warning", ro.FAILED_RS_CREATE, msg, COMPONENT))
    return actions


def deployment_for_rs(rs: Obj, deployments: list[Obj]) -> list[Obj]:
    """The Deployments a ReplicaSet event concerns: its controller, or for an orphan every
    Deployment in its namespace whose (non-empty) selector matches its labels."""
    ns = namespace_of(rs)
    ref = controller_ref(rs)
    if ref is not None:
        if ref.get("kind") != "Deployment":
            return []
        return [d for d in deployments
                if namespace_of(d) == ns and name_of(d) == ref.get("name") and uid_of(d) == ref.get("uid")]
    labels = labels_of(rs)
    if not labels:
        return []
    out = []
    for d in deployments:
        selector = ro.spec_of(d).get("selector")
        if namespace_of(d) != ns or selector is None or _selector_is_empty(selector):
            continue
        if _selector_matches(selector, labels):
            out.append(d)
    return out


def deployment_for_pod(pod: Obj, replica_sets: list[Obj], deployments: list[Obj]) -> Obj | None:
    """The Deployment controlling the ReplicaSet that controls `pod` (for the Recreate
    "last old pod deleted" wake-up)."""
    ref = controller_ref(pod)
    if ref is None or ref.get("kind") != "ReplicaSet":
        return None
    ns = namespace_of(pod)
    for rs in replica_sets:
        if namespace_of(rs) == ns and name_of(rs) == ref.get("name") and uid_of(rs) == ref.get("uid"):
            owners = deployment_for_rs(rs, deployments) if controller_ref(rs) is not None else []
            return owners[0] if owners else None
    return None


def calculate_status(all_rss: list[Obj | None], new_rs: Obj | None, d: Obj, *, now: dt.datetime) -> dict[str, Any]:
    """The Deployment status the ReplicaSets imply (upstream calculateStatus).

    unavailableReplicas is Σ RS spec.replicas − availableReplicas (not d.spec.replicas):
    mid-rollout, 10 desired with old RS 8 + new RS 5 and 9 available gives 13 − 9 = 4.
    """
    available = ro.available_replica_count(all_rss)
    unavailable = max(0, ro.replica_count(all_rss) - available)
    status: dict[str, Any] = {
        "observedGeneration": ro.generation_of(d),
        "replicas": ro.actual_replica_count(all_rss),
        "updatedReplicas": ro.actual_replica_count([new_rs]),
        "readyReplicas": ro.ready_replica_count(all_rss),
        "availableReplicas": available,
        "unavailableReplicas": unavailable,
        "terminatingReplicas": ro.terminating_replica_count(all_rss),
        "conditions": [dict(c) for c in ro.status_of(d).get("conditions") or ()],
        "collisionCount": ro.status_of(d).get("collisionCount"),
    }
    if available >= ro.replicas(d) - ro.max_unavailable(d):
        cond = ro.new_condition(ro.AVAILABLE, "True", ro.MIN_AVAILABLE, "Deployment has minimum availability.",
                                now=now)
    else:
        cond = ro.new_condition(ro.AVAILABLE, "False", ro.MIN_UNAVAILABLE,
                                "Deployment does not have minimum availability.", now=now)
    return _canonical_status(ro.set_condition(status, cond))


def _canonical_status(status: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in status.items():
        if value is None or (key in _OMIT_WHEN_ZERO and value == 0) or (key == "conditions" and not value):
            continue
        out[key] = value
    return out


def _q(s: str) -> str:
    """Go's %q for the simple names Kubernetes allows."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _involved(d: Obj) -> Obj:
    md = d.get("metadata", {})
    ref_md = {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion") if k in md}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": ref_md}


def _controller_ref_to(d: Obj) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": name_of(d), "uid": uid_of(d),
            "controller": True, "blockOwnerDeletion": True}


def _pod_map(d: Obj, rs_list: list[Obj], pods: list[Obj]) -> dict[str, list[Obj]]:
    """Pods (inactive ones too) matching the selector, grouped by the uid of the claimed RS
    that controls them."""
    selector = ro.spec_of(d).get("selector")
    groups: dict[str, list[Obj]] = {uid_of(rs): [] for rs in rs_list}
    for pod in pods:
        if namespace_of(pod) != namespace_of(d) or not _selector_matches(selector, labels_of(pod)):
            continue
        ref = controller_ref(pod)
        if ref is not None and ref.get("uid") in groups:
            groups[ref["uid"]].append(pod)
    return groups


class _DeploymentSync:
    """One sync: a working copy of the Deployment plus the actions decided so far."""

    def __init__(self, deployment: Obj, replica_sets: list[Obj], *, now: dt.datetime) -> None:
        self.original = deployment
        self.d = copy.deepcopy(deployment)
        self.now = now
        self.ns = namespace_of(deployment)
        self.ns_rss = [rs for rs in replica_sets if namespace_of(rs) == self.ns]
        self.rs_by_name = {name_of(rs): rs for rs in self.ns_rss}
        self.actions: list[Action] = []
        self.dirty = False  # the working Deployment has changes no action carries yet
        self.involved = _involved(deployment)
        self._rs_write: dict[str, int] = {}  # RS name -> index of its Create/Update action
        self._cached: tuple[Obj | None, list[Obj]] | None = None
        self._new_revision = "1"

    # --- driver ---------------------------------------------------------------------------

    def run(self, pods: list[Obj]) -> list[Action]:
        if _selector_is_empty(ro.spec_of(self.d).get("selector")):
            self.selecting_all()
            return self.actions
        rs_list = self.claim_replica_sets()
        if rs_list is None:
            return self.actions
        try:
            self.dispatch(rs_list, pods)
        except _Stop:
            pass
        except ro.FencepostError:
            # upstream returns the error and retries; validation keeps this from happening
            pass
        return self.actions

    def dispatch(self, rs_list: list[Obj], pods: list[Obj]) -> None:
        d = self.d
        if is_being_deleted(d):
            return self.sync_status_only(rs_list)
        self.check_paused_conditions()
        if ro.paused(d):
            return self.sync(rs_list)
        if ro.rollback_to(d) is not None:
            return self.rollback(rs_list)
        if self.is_scaling_event(rs_list):
            return self.sync(rs_list)
        if ro.strategy_type(d) == ro.RECREATE:
            return self.rollout_recreate(rs_list, _pod_map(d, rs_list, pods))
        if ro.strategy_type(d) == ro.ROLLING_UPDATE:
            return self.rollout_rolling(rs_list)
        return None  # unknown strategy: validation rejects it; upstream errors out

    # --- writes ---------------------------------------------------------------------------

    def event(self, type_: str, reason: str, message: str) -> None:
        self.actions.append(Event(self.involved, type_, reason, message, COMPONENT))

    def write_status(self) -> None:
        self.actions.append(UpdateStatus(DEPLOYMENTS, self.ns, copy.deepcopy(self.d)))
        self.dirty = False

    def stop(self) -> None:
        """End the sync, first writing any pending change to the Deployment."""
        if self.dirty:
            self.write_status()
        raise _Stop

    def set_status(self, status: dict[str, Any]) -> None:
        self.d["status"] = status

    def set_condition(self, cond: dict[str, Any]) -> None:
        self.set_status(ro.set_condition(ro.status_of(self.d), cond))

    def put_rs(self, rs: Obj) -> None:
        """Write rs, folding it into an earlier Create/Update of the same RS in this sync."""
        name = name_of(rs)
        index = self._rs_write.get(name)
        if index is None:
            self._rs_write[name] = len(self.actions)
            self.actions.append(Update(REPLICASETS, self.ns, rs))
            return
        earlier = self.actions[index]
        kind = Create if isinstance(earlier, Create) else Update
        self.actions[index] = kind(REPLICASETS, self.ns, rs)

    def set_deployment_revision(self, revision: str) -> bool:
        annotations = self.d.setdefault("metadata", {}).get("annotations") or {}
        if annotations.get(ro.REVISION, "") == revision:
            return False
        self.d["metadata"]["annotations"] = {**annotations, ro.REVISION: revision}
        return True

    # --- deployment_controller.go ---------------------------------------------------------

    def selecting_all(self) -> None:
        self.event("Warning", SELECTING_ALL, "This deployment is selecting all pods. A non-empty selector is required.")
        status = ro.status_of(self.d)
        if int(status.get("observedGeneration") or 0) < ro.generation_of(self.d):
            self.set_status({**status, "observedGeneration": ro.generation_of(self.d)})
            self.write_status()

    def claim_replica_sets(self) -> list[Obj] | None:
        """The RSes this Deployment controls after adoption/release; None when adoption
        patches were emitted (the sync ends there, the RS update events bring it back)."""
        owner = {**self.original, "apiVersion": "apps/v1", "kind": "Deployment"}
        selector = ro.spec_of(self.d).get("selector")
        owned, patches = claim(owner, self.ns_rss, lambda rs: _selector_matches(selector, labels_of(rs)),
                               resource=REPLICASETS)
        self.actions.extend(patches)
        adopted = [rs for rs in owned if controller_ref(rs) is None]
        return None if adopted else owned

    # --- sync.go --------------------------------------------------------------------------

    def check_paused_conditions(self) -> None:
        """Progressing=Unknown DeploymentPaused / DeploymentResumed, so that time spent paused
        never counts against the progress deadline (a timed-out rollout keeps its reason)."""
        d = self.d
        if not ro.has_progress_deadline(d):
            return
        current = ro.get_condition(ro.status_of(d), ro.PROGRESSING)
        if current is not None and current.get("reason") == ro.TIMED_OUT:
            return
        paused_recorded = current is not None and current.get("reason") == ro.PAUSED
        if ro.paused(d) and not paused_recorded:
            cond = ro.new_condition(ro.PROGRESSING, "Unknown", ro.PAUSED, "Deployment is paused", now=self.now)
        elif not ro.paused(d) and paused_recorded:
            cond = ro.new_condition(ro.PROGRESSING, "Unknown", ro.RESUMED, "Deployment is resumed", now=self.now)
        else:
            return
        self.set_condition(cond)
        self.dirty = True

    def get_all(self, rs_list: list[Obj], *, create: bool) -> tuple[Obj | None, list[Obj]]:
        """(new RS, all old RSes) with the new RS's revision synced (getAllReplicaSetsAndSyncRevision).

        The new revision is max(old revisions) + 1. Computed once per sync; a later call
        with create=True creates the missing new RS.
        """
        if self._cached is None:
            new_rs = ro.find_new_replica_set(self.d, rs_list)
            _, old = ro.find_old_replica_sets(self.d, rs_list)
            self._new_revision = str(ro.max_revision(old) + 1)
            if new_rs is not None:
                new_rs = self.sync_new_rs_revision(new_rs)
            self._cached = (new_rs, old)
        new_rs, old = self._cached
        if new_rs is None and create:
            new_rs = self.create_new_rs(old)
            self._cached = (new_rs, old)
        return new_rs, list(old)

    def sync_new_rs_revision(self, rs: Obj) -> Obj:
        d = self.d
        rs_copy, changed = ro.set_new_replica_set_annotations(d, rs, new_revision=self._new_revision, exists=True)
        if changed or ro.min_ready_seconds(rs_copy) != ro.min_ready_seconds(d):
            _set_min_ready_seconds(rs_copy, ro.min_ready_seconds(d))
            self.put_rs(rs_copy)
            self.stop()
        needs_update = self.set_deployment_revision(ro.annotations_of(rs_copy).get(ro.REVISION, ""))
        if ro.has_progress_deadline(d) and ro.get_condition(ro.status_of(d), ro.PROGRESSING) is None:
            self.set_condition(ro.new_condition(ro.PROGRESSING, "True", ro.FOUND_NEW_RS,
                                                f"Found new replica set {_q(name_of(rs_copy))}", now=self.now))
            needs_update = True
        self.dirty = self.dirty or needs_update
        return rs_copy

    def create_new_rs(self, old: list[Obj]) -> Obj:
        d = self.d
        template = copy.deepcopy(ro.spec_of(d).get("template") or {})
        collision_count = ro.status_of(d).get("collisionCount")
        pod_hash = template_hash(template, collision_count)
        name = f"{name_of(d)}-{pod_hash}"
        existing = self.rs_by_name.get(name)
        if existing is not None:
            ref = controller_ref(existing)
            ours = ref is not None and ref.get("uid") == uid_of(d)
            if not (ours and ro.equal_ignore_hash(template, ro.spec_of(existing).get("template"))):
                # hash collision: retry under the next collisionCount
                self.set_status({**ro.status_of(d), "collisionCount": int(collision_count or 0) + 1})
                self.write_status()
                raise _Stop
            created, already_existed = existing, True
        else:
            created = self.build_new_rs(name, template, pod_hash, old)
            already_existed = False
            self._rs_write[name] = len(self.actions)
            self.actions.append(Create(REPLICASETS, self.ns, created))
            if ro.replicas(created) > 0:
                self.event("Normal", SCALING_REPLICA_SET, f"Scaled up replica set {name} to {ro.replicas(created)}")
        needs_update = self.set_deployment_revision(self._new_revision)
        if not already_existed and ro.has_progress_deadline(d):
            self.set_condition(ro.new_condition(ro.PROGRESSING, "True", ro.NEW_RS_CREATED,
                                                f"Created new replica set {_q(name)}", now=self.now))
            needs_update = True
        self.dirty = self.dirty or needs_update
        return created

    def build_new_rs(self, name: str, template: Obj, pod_hash: str, old: list[Obj]) -> Obj:
        d = self.d
        template.setdefault("metadata", {})
        labels = {**(template["metadata"].get("labels") or {}), ro.POD_TEMPLATE_HASH: pod_hash}
        template["metadata"]["labels"] = labels
        selector = copy.deepcopy(ro.spec_of(d).get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), ro.POD_TEMPLATE_HASH: pod_hash}
        spec: dict[str, Any] = {"replicas": 0}
        if ro.min_ready_seconds(d):
            spec["minReadySeconds"] = ro.min_ready_seconds(d)
        spec["selector"] = selector
        spec["template"] = template
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": self.ns, "labels": dict(labels),
                         "ownerReferences": [_controller_ref_to(d)]},
            "spec": spec,
        }
        rs["spec"]["replicas"] = ro.new_rs_new_replicas(d, [*old, rs], rs)
        rs, _ = ro.set_new_replica_set_annotations(d, rs, new_revision=self._new_revision, exists=False)
        return rs

    def is_scaling_event(self, rs_list: list[Obj]) -> bool:
        """An active RS was last sized for a different spec.replicas than the Deployment's."""
        new_rs, old = self.get_all(rs_list, create=False)
        for rs in ro.filter_active([*old, new_rs]):
            desired = ro.desired_replicas_annotation(rs)
            if desired is not None and desired != ro.replicas(self.d):
                return True
        return False

    def sync(self, rs_list: list[Obj]) -> None:
        """Paused or scaling: resize proportionally, clean up history (paused only), status."""
        new_rs, old = self.get_all(rs_list, create=False)
        self.scale(new_rs, old)
        if ro.paused(self.d) and ro.rollback_to(self.d) is None:
            self.cleanup_deployment(old)
        self.sync_deployment_status([*old, new_rs], new_rs)

    def sync_status_only(self, rs_list: list[Obj]) -> None:
        new_rs, old = self.get_all(rs_list, create=False)
        self.sync_deployment_status([*old, new_rs], new_rs)

    def scale_rs(self, rs: Obj, new_scale: int, *, operation: str) -> tuple[bool, Obj]:
        """Resize rs and refresh its desired/max-replicas annotations (upstream scaleReplicaSet)."""
        d = self.d
        old_scale = ro.replicas(rs)
        size_changes = old_scale != new_scale
        desired, max_total = ro.replicas(d), ro.replicas(d) + ro.max_surge(d)
        if not size_changes and not ro.replicas_annotations_need_update(rs, desired=desired, max_replicas=max_total):
            return False, rs
        updated, _ = ro.set_replicas_annotations(rs, desired=desired, max_replicas=max_total)
        updated["spec"]["replicas"] = new_scale
        self.put_rs(updated)
        if size_changes:
            self.event("Normal", SCALING_REPLICA_SET,
                       f"Scaled {operation} replica set {name_of(rs)} to {new_scale} from {old_scale}")
        return size_changes, updated

    def scale_and_record(self, rs: Obj, new_scale: int) -> tuple[bool, Obj]:
        if ro.replicas(rs) == new_scale:
            return False, rs
        return self.scale_rs(rs, new_scale, operation="up" if ro.replicas(rs) < new_scale else "down")

    def scale(self, new_rs: Obj | None, old: list[Obj]) -> None:
        """Proportional scaling (upstream scale): spread a size change over the active RSes in
        proportion to their size, so a scale event neither speeds up nor slows down a rollout.
        """
        d = self.d
        target = ro.find_active_or_latest(new_rs, old)
        if target is not None:
            if ro.replicas(target) != ro.replicas(d):
                self.scale_and_record(target, ro.replicas(d))
            return
        if ro.is_saturated(d, new_rs):
            for rs in ro.filter_active(old):
                self.scale_and_record(rs, 0)
            return
        if not ro.is_rolling_update(d):
            return  # Recreate with several active RSes waits for its rollout
        # Worked example (upstream TestScale): 10 -> 14 replicas, maxSurge 0, RSes at 7 (newer)
        # and 3, both annotated max-replicas 10. toAdd = 14 - 10 = 4; larger first:
        # round(7 * 14 / 10) - 7 = 3, then round(3 * 14 / 10) - 3 = 1 -> 10 and 4.
        active = ro.filter_active([*sorted(old, key=ro.creation_key, reverse=True), new_rs])
        allowed = ro.replicas(d) + ro.max_surge(d) if ro.replicas(d) > 0 else 0
        to_add = allowed - ro.replica_count(active)
        operation = ""
        if to_add > 0:
            active, operation = ro.sort_by_size_newer(active), "up"
        elif to_add < 0:
            active, operation = ro.sort_by_size_older(active), "down"
        sizes: dict[str, int] = {}
        added = 0
        for rs in active:
            proportion = ro.get_proportion(rs, d, to_add=to_add, added=added) if to_add else 0
            sizes[name_of(rs)] = ro.replicas(rs) + proportion
            added += proportion
        for i, rs in enumerate(active):
            if i == 0 and to_add != 0:
                # leftovers from rounding go to (or come from) the first, largest RS
                sizes[name_of(rs)] = max(0, sizes[name_of(rs)] + to_add - added)
            self.scale_rs(rs, sizes[name_of(rs)], operation=operation)

    def cleanup_deployment(self, old: list[Obj]) -> None:
        """Delete the oldest fully scaled-down RSes beyond revisionHistoryLimit.

        Only the first `count - limit` candidates by revision are looked at; one that still
        has replicas (or an unobserved spec) is skipped, not replaced by a newer one.
        """
        d = self.d
        if not ro.has_revision_history_limit(d):
            return
        cleanable = ro.not_being_deleted(old)
        excess = len(cleanable) - ro.revision_history_limit(d)
        if excess <= 0:
            return
        for rs in ro.sort_by_revision(cleanable)[:excess]:
            status = ro.status_of(rs)
            if (int(status.get("replicas") or 0) != 0 or ro.replicas(rs) != 0
                    or ro.generation_of(rs) > int(status.get("observedGeneration") or 0) or is_being_deleted(rs)):
                continue
            self.actions.append(Delete(REPLICASETS, self.ns, name_of(rs), uid=uid_of(rs) or None))

    def status_unchanged(self, new_status: dict[str, Any]) -> bool:
        return _canonical_status(ro.status_of(self.d)) == new_status

    def sync_deployment_status(self, all_rss: list[Obj | None], new_rs: Obj | None) -> None:
        new_status = calculate_status(all_rss, new_rs, self.d, now=self.now)
        if self.status_unchanged(new_status):
            if self.dirty:
                self.write_status()
            return
        self.set_status(new_status)
        self.write_status()

    # --- progress.go ----------------------------------------------------------------------

    def sync_rollout_status(self, all_rss: list[Obj | None], new_rs: Obj | None) -> None:
        """Status plus the Progressing / ReplicaFailure conditions of a rollout."""
        d = self.d
        new_status = calculate_status(all_rss, new_rs, d, now=self.now)
        if not ro.has_progress_deadline(d):
            new_status = ro.remove_condition(new_status, ro.PROGRESSING)
        current = ro.get_condition(ro.status_of(d), ro.PROGRESSING)
        already_complete = (int(new_status.get("replicas") or 0) == int(new_status.get("updatedReplicas") or 0)
                            and current is not None and current.get("reason") == ro.NEW_RS_AVAILABLE)
        subject = f"ReplicaSet {_q(name_of(new_rs))}" if new_rs is not None else f"Deployment {_q(name_of(d))}"
        if ro.has_progress_deadline(d) and not already_complete:
            if ro.deployment_complete(d, new_status):
                cond = ro.new_condition(ro.PROGRESSING, "True", ro.NEW_RS_AVAILABLE,
                                        f"{subject} has successfully progressed.", now=self.now)
                new_status = ro.set_condition(new_status, cond)
            elif ro.deployment_progressing(d, new_status):
                # same reason, so set_condition alone would not refresh lastUpdateTime
                cond = ro.new_condition(ro.PROGRESSING, "True", ro.REPLICA_SET_UPDATED,
                                        f"{subject} is progressing.", now=self.now)
                if current is not None:
                    if current.get("status") == "True" and "lastTransitionTime" in current:
                        cond["lastTransitionTime"] = current["lastTransitionTime"]
                    new_status = ro.remove_condition(new_status, ro.PROGRESSING)
                new_status = ro.set_condition(new_status, cond)
            elif ro.deployment_timed_out(d, new_status, now=self.now):
                cond = ro.new_condition(ro.PROGRESSING, "False", ro.TIMED_OUT,
                                        f"{subject} has timed out progressing.", now=self.now)
                new_status = ro.set_condition(new_status, cond)
        failure = _replica_failure(all_rss, new_rs)
        if failure is not None:
            new_status = ro.set_condition(new_status, failure)
        else:
            new_status = ro.remove_condition(new_status, ro.REPLICA_FAILURE)
        new_status = _canonical_status(new_status)
        if self.status_unchanged(new_status):
            if self.dirty:
                self.write_status()
            self.requeue_stuck_deployment(new_status)
            return
        self.set_status(new_status)
        self.write_status()

    def requeue_stuck_deployment(self, new_status: dict[str, Any]) -> None:
        """Come back when the progress deadline passes, so ProgressDeadlineExceeded shows up
        without any other event.

        Worked example: Progressing last updated 00:00:00, deadline 600s, now 00:03:00 ->
        requeue after 420s + 1s.
        """
        d = self.d
        current = ro.get_condition(ro.status_of(d), ro.PROGRESSING)
        if not ro.has_progress_deadline(d) or current is None:
            return
        if ro.deployment_complete(d, new_status) or current.get("reason") == ro.TIMED_OUT:
            return
        since = parse_time(current.get("lastUpdateTime")) or ro.ZERO_TIME
        deadline = since + dt.timedelta(seconds=ro.progress_deadline_seconds(d))
        after = (deadline - self.now).total_seconds()
        self.actions.append(RequeueAfter(after + 1.0 if after >= 1.0 else 1.0))

    # --- rolling.go -----------------------------------------------------------------------

    def rollout_rolling(self, rs_list: list[Obj]) -> None:
        new_rs, old = self.get_all(rs_list, create=True)
        assert new_rs is not None
        all_rss: list[Obj | None] = [*old, new_rs]
        if self.reconcile_new_replica_set(all_rss, new_rs):
            return self.sync_rollout_status(all_rss, new_rs)
        if self.reconcile_old_replica_sets(all_rss, ro.filter_active(old), new_rs):
            return self.sync_rollout_status(all_rss, new_rs)
        if ro.deployment_complete(self.d, ro.status_of(self.d)):
            self.cleanup_deployment(old)
        return self.sync_rollout_status(all_rss, new_rs)

    def reconcile_new_replica_set(self, all_rss: list[Obj | None], new_rs: Obj) -> bool:
        want = ro.replicas(self.d)
        if ro.replicas(new_rs) == want:
            return False
        if ro.replicas(new_rs) > want:
            return self.scale_and_record(new_rs, want)[0]
        return self.scale_and_record(new_rs, ro.new_rs_new_replicas(self.d, all_rss, new_rs))[0]

    def reconcile_old_replica_sets(self, all_rss: list[Obj | None], old_active: list[Obj], new_rs: Obj) -> bool:
        """Scale old RSes down as far as availability allows.

        maxScaledDown = Σ spec.replicas − minAvailable − (new RS pods not yet available).
        Worked example (10 replicas, maxSurge 3, maxUnavailable 2): old 10 + new 3 (none
        available) -> 13 − 8 − 3 = 2, so 2 old pods may go. If the new pods crash-loop the
        new RS grows to 5 while old shrinks to 8: 13 − 8 − 5 = 0, so no healthy old pod is
        removed even if one of them fails meanwhile.
        """
        d = self.d
        if ro.replica_count(old_active) == 0:
            return False
        min_available = ro.replicas(d) - ro.max_unavailable(d)
        new_unavailable = ro.replicas(new_rs) - int(ro.status_of(new_rs).get("availableReplicas") or 0)
        max_scaled_down = ro.replica_count(all_rss) - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        try:
            old_active, cleaned = self.cleanup_unhealthy_replicas(old_active, max_scaled_down)
            scaled = self.scale_down_old_replica_sets_for_rolling_update([*old_active, new_rs], old_active)
        except _ScaleError:
            return False
        return cleaned + scaled > 0

    def cleanup_unhealthy_replicas(self, old: list[Obj], max_cleanup: int) -> tuple[list[Obj], int]:
        """Scale old RSes down by their unavailable pods first (oldest RS first): the RS
        controller deletes not-ready pods first, so this costs no availability."""
        old = sorted(old, key=ro.creation_key)
        total = 0
        for i, rs in enumerate(old):
            if total >= max_cleanup:
                break
            available = int(ro.status_of(rs).get("availableReplicas") or 0)
            if ro.replicas(rs) == 0 or ro.replicas(rs) == available:
                continue
            down = min(max_cleanup - total, ro.replicas(rs) - available)
            if down < 0:  # status says more available than wanted: stale counts
                raise _ScaleError
            _, old[i] = self.scale_and_record(rs, ro.replicas(rs) - down)
            total += down
        return old, total

    def scale_down_old_replica_sets_for_rolling_update(self, all_rss: list[Obj | None], old: list[Obj]) -> int:
        """Remove available old pods down to minAvailable, oldest RS first.

        Worked example: minAvailable 8, 10 old + 0 new available -> 2 go.
        """
        d = self.d
        min_available = ro.replicas(d) - ro.max_unavailable(d)
        available = ro.available_replica_count(all_rss)
        if available <= min_available:
            return 0
        budget = available - min_available
        total = 0
        for rs in sorted(old, key=ro.creation_key):
            if total >= budget:
                break
            if ro.replicas(rs) == 0:
                continue
            down = min(ro.replicas(rs), budget - total)
            self.scale_and_record(rs, ro.replicas(rs) - down)
            total += down
        return total

    # --- recreate.go ----------------------------------------------------------------------

    def rollout_recreate(self, rs_list: list[Obj], pod_map: dict[str, list[Obj]]) -> None:
        """All old pods go before the new RS gets any (the new RS is not even created first)."""
        new_rs, old = self.get_all(rs_list, create=False)
        all_rss: list[Obj | None] = [*old, new_rs]
        scaled_down = False
        for rs in ro.filter_active(old):
            scaled_down = self.scale_and_record(rs, 0)[0] or scaled_down
        if scaled_down:
            return self.sync_rollout_status(all_rss, new_rs)
        if _old_pods_running(new_rs, old, pod_map):
            return self.sync_rollout_status(all_rss, new_rs)
        if new_rs is None:
            new_rs, old = self.get_all(rs_list, create=True)
            all_rss = [*old, new_rs]
        assert new_rs is not None
        self.scale_and_record(new_rs, ro.replicas(self.d))
        if ro.deployment_complete(self.d, ro.status_of(self.d)):
            self.cleanup_deployment(old)
        return self.sync_rollout_status(all_rss, new_rs)

    # --- rollback.go (deprecated rollback annotation) -------------------------------------

    def rollback(self, rs_list: list[Obj]) -> None:
        new_rs, old = self.get_all(rs_list, create=True)
        if self.dirty:
            # write the revision bookkeeping first; the rollback itself is a spec Update
            # that would otherwise race it
            self.stop()
        all_rss = [*old, new_rs]
        target = ro.rollback_to(self.d) or 0
        if target == 0:
            target = ro.last_revision(all_rss)
            if target == 0:
                self.event("Warning", ro.ROLLBACK_REVISION_NOT_FOUND, "Unable to find last revision.")
                return self.update_and_clear_rollback_to()
        for rs in ro.present(all_rss):
            if ro.revision_or_none(rs) == target:
                if self.rollback_to_template(rs):
                    self.event("Normal", ro.ROLLBACK_DONE,
                               f"Rolled back deployment {_q(name_of(self.d))} to revision {target}")
                return None
        self.event("Warning", ro.ROLLBACK_REVISION_NOT_FOUND, "Unable to find the revision to rollback to.")
        return self.update_and_clear_rollback_to()

    def rollback_to_template(self, rs: Obj) -> bool:
        template = ro.spec_of(rs).get("template") or {}
        performed = False
        if not ro.equal_ignore_hash(ro.spec_of(self.d).get("template"), template):
            new_template = copy.deepcopy(template)
            labels = (new_template.get("metadata") or {}).get("labels")
            if labels:
                labels.pop(ro.POD_TEMPLATE_HASH, None)
            self.d = ro.set_deployment_annotations_to(self.d, rs)
            self.d.setdefault("spec", {})["template"] = new_template
            performed = True
        else:
            self.event("Warning", ro.ROLLBACK_TEMPLATE_UNCHANGED,
                       f"The rollback revision contains the same template as current deployment {_q(name_of(self.d))}")
        self.update_and_clear_rollback_to()
        return performed

    def update_and_clear_rollback_to(self) -> None:
        annotations = dict(self.d.get("metadata", {}).get("annotations") or {})
        annotations.pop(ro.ROLLBACK_TO, None)
        self.d["metadata"]["annotations"] = annotations
        self.actions.append(Update(DEPLOYMENTS, self.ns, copy.deepcopy(self.d)))


def _set_min_ready_seconds(rs: Obj, value: int) -> None:
    spec = rs.setdefault("spec", {})
    if value:
        spec["minReadySeconds"] = value
    else:
        spec.pop("minReadySeconds", None)


def _old_pods_running(new_rs: Obj | None, old: list[Obj], pod_map: dict[str, list[Obj]]) -> bool:
    """Any old RS still reports pods, or any pod of an old RS is not terminal (Unknown counts)."""
    if ro.actual_replica_count(old) > 0:
        return True
    new_uid = uid_of(new_rs) if new_rs is not None else None
    for rs_uid, pods in pod_map.items():
        if rs_uid == new_uid:
            continue
        for pod in pods:
            if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                return True
    return False


def _replica_failure(all_rss: list[Obj | None], new_rs: Obj | None) -> dict[str, Any] | None:
    """The ReplicaFailure condition to mirror: the new RS's, else the first old one's."""
    for rs in [new_rs, *all_rss]:
        if rs is None:
            continue
        for cond in ro.status_of(rs).get("conditions") or ():
            if cond.get("type") == ro.REPLICA_FAILURE:
                return ro.rs_condition_to_deployment(cond)
    return None
