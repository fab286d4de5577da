"""Rollout arithmetic shared by the Deployment controller's phases (pure, no IO).

Upstream: pkg/controller/deployment/util/deployment_util.go, the ReplicaSet orderings of
pkg/controller/controller_utils.go and intstr.GetScaledValueFromIntOrPercent. Everything is
re-derived from the behaviour described in shared/reference/deployment-controller.md.

Conventions:

* Objects are wire-shaped dicts. Nothing here mutates an argument: helpers that "set"
  something return a fresh copy and a changed flag.
* apps/v1 defaulting always fills `spec.replicas` (1), the RollingUpdate fenceposts
  (25%/25%), `revisionHistoryLimit` (10) and `progressDeadlineSeconds` (600). Readers here
  apply the same defaults when a key is absent, so an object that skipped defaulting behaves
  like a defaulted one.
* Timestamps are RFC 3339 strings; an absent one is Go's zero time, earlier than any other.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kroll.api.meta import annotations_of, format_time, is_being_deleted, name_of, parse_time, uid_of
from kroll.api.types import Obj

# --- names --------------------------------------------------------------------------------

POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# Deployment annotations that are never copied onto (or back from) a ReplicaSet.
ANNOTATIONS_TO_SKIP = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO})

# revision-history is capped at this many characters (about 100 revisions)
MAX_REV_HISTORY_CHARS = 2000
MAX_INT32 = 2**31 - 1
_MAX_INT64 = 2**63 - 1

# condition types
AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"

# condition reasons
REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"

# rollback event reasons
ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"
ROLLBACK_DONE = "DeploymentRollback"

ROLLING_UPDATE = "RollingUpdate"
RECREATE = "Recreate"

ZERO_TIME = dt.datetime.min.replace(tzinfo=dt.UTC)
_SIGNED_INT = re.compile(r"[+-]?[0-9]+")
_UNSIGNED_INT = re.compile(r"[0-9]+")


# --- small readers --------------------------------------------------------------------------

def spec_of(obj: Obj) -> dict[str, Any]:
    return obj.get("spec") or {}


def status_of(obj: Obj) -> dict[str, Any]:
    return obj.get("status") or {}


def replicas(obj: Obj) -> int:
    """spec.replicas of a Deployment or ReplicaSet (apps/v1 default 1)."""
    value = spec_of(obj).get("replicas")
    return 1 if value is None else int(value)


def min_ready_seconds(obj: Obj) -> int:
    return int(spec_of(obj).get("minReadySeconds") or 0)


def generation_of(obj: Obj) -> int:
    return int(obj.get("metadata", {}).get("generation") or 0)


def creation_time(obj: Obj) -> dt.datetime:
    return parse_time(obj.get("metadata", {}).get("creationTimestamp")) or ZERO_TIME


def creation_key(obj: Obj) -> tuple[dt.datetime, str]:
    """ReplicaSetsByCreationTimestamp: oldest first, name breaks ties."""
    return creation_time(obj), name_of(obj)


def _status_int(obj: Obj, key: str) -> int:
    return int(status_of(obj).get(key) or 0)


def _parse_int(value: str, *, signed: bool, bits: int) -> int:
    """strconv.ParseInt / ParseUint semantics: ASCII digits, optional sign, range-checked."""
    if not (_SIGNED_INT if signed else _UNSIGNED_INT).fullmatch(value):
        raise ValueError(f"strconv.ParseInt: parsing {value!r}: invalid syntax")
    number = int(value)
    limit = 2 ** (bits - 1) if signed else 2**bits
    if not (-limit if signed else 0) <= number < limit:
        raise ValueError(f"strconv.ParseInt: parsing {value!r}: value out of range")
    return number


# --- label selectors ------------------------------------------------------------------------
# A minimal metav1.LabelSelector matcher (matchLabels + matchExpressions) so the reconcile
# functions do not depend on kroll.api.selectors. A missing selector matches nothing, an
# empty one everything; an invalid one matches nothing (upstream refuses to sync with it).

def _selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for req in selector.get("matchExpressions") or ():
        key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
        if op == "In":
            if not values or labels.get(key) not in values:
                return False
        elif op == "NotIn":
            if not values or (key in labels and labels[key] in values):
                return False
        elif op == "Exists":
            if values or key not in labels:
                return False
        elif op == "DoesNotExist":
            if values or key in labels:
                return False
        else:
            return False
    return True


def _selector_is_empty(selector: Mapping[str, Any] | None) -> bool:
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")


# --- maxSurge / maxUnavailable -------------------------------------------------------------

class FencepostError(ValueError):
    """A maxSurge/maxUnavailable value that is neither an integer nor "<int>%"."""


def scaled_value(value: int | str | None, total: int, *, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: ints as-is, "N%" scaled against total.

    Percentages round up for surge and down for unavailability: 39% of 10 is 3.9, so
    surge 4 (ceil) and unavailable 3 (floor).
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        raise FencepostError(f"invalid value for IntOrString: invalid type: {value!r}")
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or not value.endswith("%"):
        raise FencepostError("invalid value for IntOrString: invalid type: string is not a percentage")
    try:
        percent = _parse_int(value[:-1], signed=True, bits=64)
    except ValueError as exc:
        raise FencepostError(f"invalid value for IntOrString: invalid value {value!r}: {exc}") from None
    product = percent * total
    # exact integer ceil/floor of product / 100
    return -(-product // 100) if round_up else product // 100


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None, *, desired: int) -> tuple[int, int]:
    """(surge, unavailable) for `desired` replicas; both zero resolves to unavailable 1.

    Worked example (upstream's table): 10 replicas at 39%/39% -> (4, 3); 1 replica at 25%/25%
    -> (1, 0): 0.25 rounds up to 1 surge pod and down to 0 unavailable; desired 0 at 0%/0%
    -> (0, 1), since a rollout must be able to make progress somehow.
    """
    surge = scaled_value(max_surge, desired, round_up=True)
    unavailable = scaled_value(max_unavailable, desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def strategy_type(d: Obj) -> str:
    return (spec_of(d).get("strategy") or {}).get("type") or ROLLING_UPDATE


def is_rolling_update(d: Obj) -> bool:
    return strategy_type(d) == ROLLING_UPDATE


def _raw_fenceposts(d: Obj) -> tuple[Any, Any]:
    rolling = (spec_of(d).get("strategy") or {}).get("rollingUpdate") or {}
    surge = rolling.get("maxSurge")
    unavailable = rolling.get("maxUnavailable")
    return ("25%" if surge is None else surge), ("25%" if unavailable is None else unavailable)


def max_surge(d: Obj) -> int:
    """Surge pods a rolling Deployment may run; 0 for Recreate (and for invalid values)."""
    if not is_rolling_update(d):
        return 0
    try:
        return resolve_fenceposts(*_raw_fenceposts(d), desired=replicas(d))[0]
    except FencepostError:
        return 0


def max_unavailable(d: Obj) -> int:
    """Unavailable pods a rolling Deployment tolerates, capped at spec.replicas."""
    if not is_rolling_update(d) or replicas(d) == 0:
        return 0
    try:
        unavailable = resolve_fenceposts(*_raw_fenceposts(d), desired=replicas(d))[1]
    except FencepostError:
        return 0
    return min(unavailable, replicas(d))


def min_available(d: Obj) -> int:
    if not is_rolling_update(d):
        return 0
    return replicas(d) - max_unavailable(d)


def new_rs_new_replicas(d: Obj, all_rss: Iterable[Obj | None], new_rs: Obj) -> int:
    """The size the new ReplicaSet may grow to in this step.

    Worked example: 10 replicas, maxSurge 3, old RS at 10 and a fresh new RS at 0: the total
    may reach 13, so the new RS gets min(13 - 10, 10 - 0) = 3. Once old pods are scaled down
    to 8 the total is 11 and the new RS may grow by 2 more, to 5.
    """
    stype = strategy_type(d)
    if stype == RECREATE:
        return replicas(d)
    if stype != ROLLING_UPDATE:
        raise FencepostError(f"deployment type {stype} isn't supported")
    surge = scaled_value(_raw_fenceposts(d)[0], replicas(d), round_up=True)
    current = replica_count(all_rss)
    max_total = replicas(d) + surge
    if current >= max_total:
        return replicas(new_rs)
    scale_up = min(max_total - current, replicas(d) - replicas(new_rs))
    return replicas(new_rs) + scale_up


# --- counts over ReplicaSets ----------------------------------------------------------------

def present(rss: Iterable[Obj | None]) -> list[Obj]:
    return [rs for rs in rss if rs is not None]


def replica_count(rss: Iterable[Obj | None]) -> int:
    """Σ spec.replicas."""
    return sum(replicas(rs) for rs in present(rss))


def actual_replica_count(rss: Iterable[Obj | None]) -> int:
    """Σ status.replicas."""
    return sum(_status_int(rs, "replicas") for rs in present(rss))


def ready_replica_count(rss: Iterable[Obj | None]) -> int:
    return sum(_status_int(rs, "readyReplicas") for rs in present(rss))


def available_replica_count(rss: Iterable[Obj | None]) -> int:
    return sum(_status_int(rs, "availableReplicas") for rs in present(rss))


def terminating_replica_count(rss: Iterable[Obj | None]) -> int | None:
    """Σ status.terminatingReplicas, or None when any observed ReplicaSet does not report it.

    A ReplicaSet its controller has never observed (observedGeneration 0, field absent) is
    skipped; an observed one without the field makes the total unknown.
    """
    total = 0
    for rs in present(rss):
        status = status_of(rs)
        if not status.get("observedGeneration") and status.get("terminatingReplicas") is None:
            continue
        if status.get("terminatingReplicas") is None:
            return None
        total += int(status["terminatingReplicas"])
    return total


def filter_active(rss: Iterable[Obj | None]) -> list[Obj]:
    """ReplicaSets with spec.replicas > 0."""
    return [rs for rs in present(rss) if replicas(rs) > 0]


# --- revisions ----------------------------------------------------------------------------

def revision(obj: Obj) -> int:
    """The revision annotation; 0 when absent, ValueError when it does not parse."""
    value = annotations_of(obj).get(REVISION)
    if value is None:
        return 0
    return _parse_int(value, signed=True, bits=64)


def revision_or_none(obj: Obj) -> int | None:
    try:
        return revision(obj)
    except ValueError:
        return None


def max_revision(rss: Iterable[Obj | None]) -> int:
    """Highest revision among the ReplicaSets (unparsable ones are skipped)."""
    best = 0
    for rs in present(rss):
        value = revision_or_none(rs)
        if value is not None and value > best:
            best = value
    return best


def last_revision(rss: Iterable[Obj | None]) -> int:
    """Second highest revision: what `rollback to revision 0` means."""
    best = second = 0
    for rs in present(rss):
        value = revision_or_none(rs)
        if value is None:
            continue
        if value >= best:
            second, best = best, value
        elif value > second:
            second = value
    return second


# --- annotations --------------------------------------------------------------------------

def skip_copy_annotation(key: str) -> bool:
    return key in ANNOTATIONS_TO_SKIP


def _annotations(obj: Obj) -> dict[str, str]:
    """The (created if needed) annotations dict of an object this module owns."""
    md = obj.setdefault("metadata", {})
    if md.get("annotations") is None:
        md["annotations"] = {}
    return md["annotations"]


def copy_deployment_annotations(d: Obj, rs: Obj) -> tuple[Obj, bool]:
    """Copy every Deployment annotation outside the skip list onto a copy of the RS.

    Never removes annotations the Deployment no longer has.
    """
    rs = copy.deepcopy(rs)
    ann = _annotations(rs)
    changed = False
    for key, value in annotations_of(d).items():
        if skip_copy_annotation(key) or ann.get(key) == value:
            continue
        ann[key] = value
        changed = True
    return rs, changed


def _append_revision_history(history: str, old_revision: str, limit: int) -> str | None:
    """The new revision-history value, or None when old_revision does not fit in `limit`.

    Oldest entries are dropped until the result fits. Worked example with limit 5: history
    "11,12" plus "13" would be 8 characters; dropping "11" leaves "12,13" (5).
    """
    parts = history.split(",")
    if not parts[0]:
        return old_revision
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > limit and start < len(parts):
        total -= len(parts[start]) + 1
        start += 1
    if total > limit:
        return None
    return ",".join([*parts[start:], old_revision])


def set_new_replica_set_annotations(
    d: Obj, rs: Obj, *, new_revision: str, exists: bool, history_limit: int = MAX_REV_HISTORY_CHARS,
) -> tuple[Obj, bool]:
    """Bring the new RS's annotations in line with its Deployment (returns a copy).

    Copies the Deployment's annotations, raises the revision to `new_revision` if it is
    lower (a reused RS keeps its older numbers in revision-history: RS-A rev 1, RS-B rev 2,
    undo to A -> A gets rev 3 and revision-history "1"), and for an RS about to be created
    adds the desired/max replicas annotations.
    """
    rs, changed = copy_deployment_annotations(d, rs)
    ann = _annotations(rs)
    had_revision = REVISION in ann
    old_revision = ann.get(REVISION, "")
    try:
        old_value = _parse_int(old_revision, signed=True, bits=64)
    except ValueError:
        if old_revision != "":
            # upstream gives up (and reports no change) on a garbled revision
            return rs, False
        old_value = 0
    try:
        new_value = _parse_int(new_revision, signed=True, bits=64)
    except ValueError:
        return rs, False
    if old_value < new_value:
        ann[REVISION] = new_revision
        changed = True
        if had_revision:
            history = _append_revision_history(ann.get(REVISION_HISTORY, ""), old_revision, history_limit)
            if history is not None:
                ann[REVISION_HISTORY] = history
    if not exists:
        rs, replicas_changed = set_replicas_annotations(
            rs, desired=replicas(d), max_replicas=replicas(d) + max_surge(d))
        changed = changed or replicas_changed
    return rs, changed


def set_deployment_annotations_to(d: Obj, rs: Obj) -> Obj:
    """Rollback: the Deployment takes the RS's annotations, keeping its own skip-list keys."""
    d = copy.deepcopy(d)
    kept = {k: v for k, v in annotations_of(d).items() if skip_copy_annotation(k)}
    for key, value in annotations_of(rs).items():
        if not skip_copy_annotation(key):
            kept[key] = value
    d.setdefault("metadata", {})["annotations"] = kept
    return d


def _non_negative_int32_annotation(obj: Obj, key: str) -> int | None:
    value = annotations_of(obj).get(key)
    if value is None:
        return None
    try:
        number = _parse_int(value, signed=False, bits=32)
    except ValueError:
        return None
    return number if number <= MAX_INT32 else None


def desired_replicas_annotation(rs: Obj) -> int | None:
    return _non_negative_int32_annotation(rs, DESIRED_REPLICAS)


def max_replicas_annotation(rs: Obj) -> int | None:
    return _non_negative_int32_annotation(rs, MAX_REPLICAS)


def replicas_annotations_need_update(rs: Obj, *, desired: int, max_replicas: int) -> bool:
    ann = annotations_of(rs)
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(max_replicas)


def set_replicas_annotations(rs: Obj, *, desired: int, max_replicas: int) -> tuple[Obj, bool]:
    rs = copy.deepcopy(rs)
    ann = _annotations(rs)
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(max_replicas))):
        if ann.get(key) != value:
            ann[key] = value
            changed = True
    return rs, changed


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    """The RS runs all desired replicas, believes it should, and all of them are available."""
    if rs is None:
        return False
    try:
        desired = _parse_int(annotations_of(rs).get(DESIRED_REPLICAS, ""), signed=True, bits=32)
    except ValueError:
        return False
    want = replicas(d)
    return replicas(rs) == want and desired == want and _status_int(rs, "availableReplicas") == want


# --- templates and the new / old ReplicaSets -------------------------------------------------

def _semantic(value: Any) -> Any:
    """Normal form for template comparison: nil and empty are the same (like apimachinery's
    semantic DeepEqual), and an empty string is an absent string (Go's zero value)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _semantic(item)
            if item is None or item == "" or item == {} or item == []:
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_semantic(item) for item in value]
    return value


def _without_hash(template: Obj | None) -> Any:
    template = copy.deepcopy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(POD_TEMPLATE_HASH, None)
    return _semantic(template)


def equal_ignore_hash(template1: Obj | None, template2: Obj | None) -> bool:
    """Pod templates equal once the pod-template-hash label is removed from both."""
    return _without_hash(template1) == _without_hash(template2)


def find_new_replica_set(d: Obj, rss: Iterable[Obj]) -> Obj | None:
    """The oldest RS whose template equals the Deployment's (ignoring pod-template-hash)."""
    template = spec_of(d).get("template")
    for rs in sorted(rss, key=creation_key):
        if equal_ignore_hash(spec_of(rs).get("template"), template):
            return rs
    return None


def find_old_replica_sets(d: Obj, rss: Iterable[Obj]) -> tuple[list[Obj], list[Obj]]:
    """(old RSes with replicas, all old RSes): everything but the new RS."""
    rss = list(rss)
    new_rs = find_new_replica_set(d, rss)
    all_old = [rs for rs in rss if new_rs is None or uid_of(rs) != uid_of(new_rs)]
    required = [rs for rs in all_old if replicas(rs) != 0]
    return required, all_old


def find_active_or_latest(new_rs: Obj | None, old_rss: Iterable[Obj]) -> Obj | None:
    """The only RS with replicas, or the newest RS when none has any; None when several do."""
    olds = sorted(old_rss, key=creation_key, reverse=True)
    if new_rs is None and not olds:
        return None
    active = filter_active([*olds, new_rs])
    if not active:
        return new_rs if new_rs is not None else olds[0]
    if len(active) == 1:
        return active[0]
    return None


# --- orderings ----------------------------------------------------------------------------

def sort_by_size_newer(rss: Iterable[Obj]) -> list[Obj]:
    """Largest first; among equals the newest first (scaling up favours new RSes)."""
    return sorted(sorted(rss, key=creation_key, reverse=True), key=lambda rs: -replicas(rs))


def sort_by_size_older(rss: Iterable[Obj]) -> list[Obj]:
    """Largest first; among equals the oldest first (scaling down hits old RSes first)."""
    return sorted(sorted(rss, key=creation_key), key=lambda rs: -replicas(rs))


def _compare_creation(a: Obj, b: Obj) -> int:
    ka, kb = creation_key(a), creation_key(b)
    return -1 if ka < kb else (1 if ka > kb else 0)


def _compare_revision(a: Obj, b: Obj) -> int:
    ra, rb = revision_or_none(a), revision_or_none(b)
    if ra is None or rb is None or ra == rb:
        return _compare_creation(a, b)
    return -1 if ra < rb else 1


def sort_by_revision(rss: Iterable[Obj]) -> list[Obj]:
    """Lowest revision first; unparsable or equal revisions fall back to creation order."""
    return sorted(rss, key=functools.cmp_to_key(_compare_revision))


# --- proportional scaling -----------------------------------------------------------------

def go_round(x: float) -> int:
    """Go's math.Round: halves away from zero (2.5 -> 3, -2.5 -> -3), unlike Python's round."""
    whole = math.trunc(x)
    if abs(x - whole) >= 0.5:  # x - trunc(x) is exact for floats
        whole += 1 if x > 0 else -1
    return int(whole)


def replica_set_fraction(rs: Obj, d: Obj) -> int:
    """How many replicas `rs` should gain (or lose) for the Deployment's new size.

    The RS keeps its share of the size it was last scaled for (its max-replicas annotation).
    Worked example: an RS with 50 replicas, annotated max 110, Deployment now 120 replicas
    with maxSurge 10: 50 * 130 / 110 = 59.09 -> 59, a fraction of +9.
    """
    if replicas(d) == 0:
        return -replicas(rs)
    target_total = replicas(d) + max_surge(d)
    annotated = max_replicas_annotation(rs)
    if not annotated:
        # no (or a zero) annotation: fall back to the Deployment's observed size, and do not
        # scale at all when that is unknown too
        annotated = _status_int(d, "replicas")
        if annotated == 0:
            return 0
    return go_round(replicas(rs) * target_total / annotated) - replicas(rs)


def get_proportion(rs: Obj | None, d: Obj, *, to_add: int, added: int) -> int:
    """The share of `to_add` that `rs` takes, never overshooting what is left to distribute."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


# --- Deployment conditions ----------------------------------------------------------------

def new_condition(type_: str, status: str, reason: str, message: str, *, now: dt.datetime) -> dict[str, str]:
    stamp = format_time(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def get_condition(status: Mapping[str, Any] | None, type_: str) -> dict[str, Any] | None:
    for cond in (status or {}).get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def set_condition(status: Mapping[str, Any], cond: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of status with cond set, following upstream's bookkeeping.

    Same status and reason as the existing condition: nothing changes (not even the
    message). Same status, new reason: lastTransitionTime is kept. The old entry is removed
    and the new one appended, so conditions reorder as they change.
    """
    status = dict(status)
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond.get("status") \
            and current.get("reason", "") == cond.get("reason", ""):
        return status
    cond = dict(cond)
    if current is not None and current.get("status") == cond.get("status") and "lastTransitionTime" in current:
        cond["lastTransitionTime"] = current["lastTransitionTime"]
    others = [dict(c) for c in status.get("conditions") or () if c.get("type") != cond["type"]]
    status["conditions"] = [*others, cond]
    return status


def remove_condition(status: Mapping[str, Any], type_: str) -> dict[str, Any]:
    status = dict(status)
    kept = [dict(c) for c in status.get("conditions") or () if c.get("type") != type_]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)
    return status


def rs_condition_to_deployment(cond: Mapping[str, Any]) -> dict[str, Any]:
    """A ReplicaSet condition as a Deployment condition (its transition time for both times)."""
    out: dict[str, Any] = {"type": cond.get("type"), "status": cond.get("status")}
    if cond.get("lastTransitionTime"):
        out["lastUpdateTime"] = cond["lastTransitionTime"]
        out["lastTransitionTime"] = cond["lastTransitionTime"]
    if cond.get("reason"):
        out["reason"] = cond["reason"]
    if cond.get("message"):
        out["message"] = cond["message"]
    return out


# --- progress -----------------------------------------------------------------------------

def progress_deadline_seconds(d: Obj) -> int:
    value = spec_of(d).get("progressDeadlineSeconds")
    return 600 if value is None else int(value)


def has_progress_deadline(d: Obj) -> bool:
    return progress_deadline_seconds(d) != MAX_INT32


def revision_history_limit(d: Obj) -> int:
    value = spec_of(d).get("revisionHistoryLimit")
    return 10 if value is None else int(value)


def has_revision_history_limit(d: Obj) -> bool:
    return revision_history_limit(d) != MAX_INT32


def _int(status: Mapping[str, Any], key: str) -> int:
    return int(status.get(key) or 0)


def deployment_complete(d: Obj, status: Mapping[str, Any]) -> bool:
    """All desired replicas updated and available, no old pods, latest generation observed."""
    want = replicas(d)
    return (_int(status, "updatedReplicas") == want and _int(status, "replicas") == want
            and _int(status, "availableReplicas") == want
            and _int(status, "observedGeneration") >= generation_of(d))


def deployment_progressing(d: Obj, status: Mapping[str, Any]) -> bool:
    """New status shows progress over the stored one: more updated/ready/available pods, or
    fewer old ones."""
    old = status_of(d)
    old_old = _int(old, "replicas") - _int(old, "updatedReplicas")
    new_old = _int(status, "replicas") - _int(status, "updatedReplicas")
    return (_int(status, "updatedReplicas") > _int(old, "updatedReplicas") or new_old < old_old
            or _int(status, "readyReplicas") > _int(old, "readyReplicas")
            or _int(status, "availableReplicas") > _int(old, "availableReplicas"))


def deployment_timed_out(d: Obj, status: Mapping[str, Any], *, now: dt.datetime) -> bool:
    """No progress reported for progressDeadlineSeconds (judged on the new status' condition).

    Worked example: deadline 10s, last progress at 00:01:09, now 00:01:20 -> 11s -> timed
    out; last progress at 00:01:11 -> 9s -> not yet.
    """
    if not has_progress_deadline(d):
        return False
    cond = get_condition(status, PROGRESSING)
    if cond is None:
        return False
    if cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = parse_time(cond.get("lastUpdateTime")) or ZERO_TIME
    return since + dt.timedelta(seconds=progress_deadline_seconds(d)) < now


def paused(d: Obj) -> bool:
    return bool(spec_of(d).get("paused"))


def rollback_to(d: Obj) -> int | None:
    """The revision asked for by the deprecated rollback annotation (None when absent/invalid)."""
    value = annotations_of(d).get(ROLLBACK_TO, "")
    if not value:
        return None
    try:
        return _parse_int(value, signed=True, bits=64)
    except ValueError:
        return None


def not_being_deleted(objs: Iterable[Obj]) -> list[Obj]:
    return [o for o in objs if not is_being_deleted(o)]

