"""ControllerRevisions: the history of DaemonSets and StatefulSets.

Upstream: pkg/controller/history/controller_history.go (naming, hashing, sorting,
equality), pkg/controller/daemon/update.go and pkg/controller/statefulset/
stateful_set_utils.go (what a revision stores).

A revision stores one thing: a strategic merge patch that replaces the pod template,

    {"spec":{"template":{"$patch":"replace","metadata":{...},"spec":{...}}}}

serialized the way Go's encoding/json writes a generic map: keys sorted at every level,
no whitespace, and `<`, `>`, `&`, U+2028, U+2029 escaped as `\\u003c`, `\\u003e`, `\\u0026`,
`\\u2028`, `\\u2029`. Revisions are *matched by these bytes* (the DaemonSet controller, the
StatefulSet controller and kubectl's "skipped rollback" check all compare bytes), so every
producer goes through `revision_data` and every stored revision is read back through
`data_bytes`, which re-serializes the stored JSON object canonically.

The template inside is the stored (defaulted) one. Since Kubernetes 1.33 (kubernetes PR
130989) a zero `metadata.creationTimestamp` is omitted instead of written as `null`, so the
template carries no `creationTimestamp` unless it has a real one. A typed Go round trip also
drops JSON nulls (they decode to zero values that `omitempty` leaves out), so nulls inside
the template are dropped too; `metadata` and `spec` are always present (Go writes struct
fields even when empty).

Applying a revision (`kubectl rollout undo`, or the StatefulSet controller building the pod
of an older revision) replaces the template wholesale, so the template of a revision is
simply `data.spec.template` without the `$patch` key (`template_of`).

Naming (checklist item 1 of the reference):

* DaemonSet: `<ds>-<template_hash(template, status.collisionCount)>`, label
  `controller-revision-hash: <hash>`; the same hash labels the DaemonSet's pods.
* StatefulSet: `<sts>-<controller_revision_hash(data bytes, collisionCount or 0)>` (the
  count is always mixed in, "0" normally), label `controller.kubernetes.io/hash`; pods carry
  `controller-revision-hash: <revision NAME>`.

Both copy all of the parent's annotations onto the revision when it is first written
(that is where `rollout history` finds `kubernetes.io/change-cause`); rolling back later
only raises `.revision` of the old object ("roll forward": revisions 1 and 2, roll back to
the template of 1 -> that object becomes revision 3; `rollout history` shows 2 and 3).

This module also hosts a minimal label-selector matcher (matchLabels + matchExpressions)
used by both controllers to list their revisions and pods.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from kroll.api.meta import controller_ref, labels_of, name_of, namespace_of, parse_time
from kroll.api.types import Obj
from kroll.reconcile.hashing import controller_revision_hash, template_hash

# apps.DefaultDaemonSetUniqueLabelKey == apps.ControllerRevisionHashLabelKey ==
# apps.StatefulSetRevisionLabel: one key, two meanings (DS: the hash; STS: the revision name).
REVISION_HASH_LABEL = "controller-revision-hash"
# history.ControllerRevisionHashLabel: set on StatefulSet revisions (and any made by
# NewControllerRevision), never on DaemonSet revisions.
CONTROLLER_HASH_LABEL = "controller.kubernetes.io/hash"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
DEFAULT_REVISION_HISTORY_LIMIT = 10
# history.ControllerRevisionName truncates the prefix so the name stays a valid object name
_NAME_PREFIX_LIMIT = 223

_GO_HTML_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


# --------------------------------------------------------------------------- serialization

def _normalize_numbers(value: Any) -> Any:
    """Integral floats become ints, as Go prints float64(30) as `30`."""
    if isinstance(value, dict):
        return {k: _normalize_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def canonical_json(value: Any) -> bytes:
    """Serialize like Go's json.Marshal of a generic map (sorted keys, compact, HTML-escaped).

    The standard library's encoder already writes the short escapes Go uses (`\\n`, `\\t`,
    `\\b`, `\\f`, ...) and lowercase `\\u00xx` for other control characters; Go additionally
    escapes `<`, `>`, `&` and the two JavaScript line separators. Those characters only ever
    occur inside JSON strings, so replacing them in the output is safe.
    """
    text = json.dumps(_normalize_numbers(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)
    for raw, escaped in _GO_HTML_ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return text.encode("utf-8", "replace")


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def revision_data(obj: Obj) -> bytes:
    """The canonical `{"spec":{"template":{"$patch":"replace",...}}}` patch of a DS or STS."""
    template = _drop_nulls(copy.deepcopy(obj.get("spec", {}).get("template") or {}))
    template.setdefault("metadata", {})
    template.setdefault("spec", {})
    template["$patch"] = "replace"
    return canonical_json({"spec": {"template": template}})


def data_bytes(cr: Obj) -> bytes:
    """Canonical bytes of a stored revision's `data` (a JSON object, or raw bytes/str)."""
    data = cr.get("data")
    if isinstance(data, bytes | bytearray | str):
        data = orjson.loads(data)
    if data is None:
        return b""
    return canonical_json(data)


def template_of(cr_or_data: Obj | bytes) -> Obj:
    """The pod template a revision restores (a fresh copy, without the `$patch` directive)."""
    data: Any = cr_or_data
    if isinstance(data, dict) and "spec" not in data and "data" in data:
        data = data["data"]  # a ControllerRevision, not its data
    if isinstance(data, bytes | bytearray | str):
        data = orjson.loads(data)
    template = copy.deepcopy(((data or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


# --------------------------------------------------------------------------- objects

def revision_name(prefix: str, hash_: str) -> str:
    return f"{prefix[:_NAME_PREFIX_LIMIT]}-{hash_}"


def revision_of(cr: Obj) -> int:
    try:
        return int(cr.get("revision") or 0)
    except (TypeError, ValueError):
        return 0


def new_controller_revision(
    parent: Obj,
    *,
    kind: str,
    template_labels: Mapping[str, str] | None,
    data: bytes,
    revision: int,
    collision_count: int | None = None,
    name_hash: str | None = None,
) -> Obj:
    """A ControllerRevision of `parent` (kind "DaemonSet" or "StatefulSet"), ready to create.

    DaemonSet: the hash is `name_hash` or `template_hash(parent template, collision_count)`,
    stored under label `controller-revision-hash`. StatefulSet: the hash is `name_hash` or
    `controller_revision_hash(data, collision_count or 0)`, under `controller.kubernetes.io/hash`.
    Labels start from the template labels (kubectl finds revisions with the workload's
    selector); annotations are a copy of all of the parent's annotations.
    """
    if kind == "DaemonSet":
        hash_ = name_hash or template_hash(parent.get("spec", {}).get("template") or {}, collision_count)
        label_key = REVISION_HASH_LABEL
    else:
        hash_ = name_hash or controller_revision_hash(data, collision_count or 0)
        label_key = CONTROLLER_HASH_LABEL
    labels = dict(template_labels or {})
    labels[label_key] = hash_
    meta: dict[str, Any] = {
        "name": revision_name(name_of(parent), hash_),
        "namespace": namespace_of(parent),
        "labels": labels,
    }
    annotations = parent.get("metadata", {}).get("annotations")
    if annotations:
        meta["annotations"] = dict(annotations)
    meta["ownerReferences"] = [{
        "apiVersion": "apps/v1",
        "kind": kind,
        "name": name_of(parent),
        "uid": parent["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }]
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": meta,
        "data": orjson.loads(data),
        "revision": int(revision),
    }


def with_revision(cr: Obj, revision: int) -> Obj:
    """A copy of `cr` with `.revision` raised (the roll-forward Update body)."""
    out = copy.deepcopy(cr)
    out["revision"] = int(revision)
    return out


# --------------------------------------------------------------------------- ordering, equality

_ZERO_TIME = dt.datetime.min.replace(tzinfo=dt.UTC)
_DECIMAL = re.compile(r"[+-]?[0-9]+")


def _creation_time(obj: Obj) -> dt.datetime:
    return parse_time(obj.get("metadata", {}).get("creationTimestamp")) or _ZERO_TIME


def sort_revisions(revisions: Iterable[Obj]) -> list[Obj]:
    """Ascending `.revision`; ties by creationTimestamp, then name (history.SortControllerRevisions)."""
    return sorted(revisions, key=lambda cr: (revision_of(cr), _creation_time(cr), name_of(cr)))


def _int32_label(cr: Obj) -> int | None:
    value = labels_of(cr).get(CONTROLLER_HASH_LABEL)
    if value is None:
        return None
    if not _DECIMAL.fullmatch(value):
        return None
    number = int(value)
    return number if -(2**31) <= number < 2**31 else None


def equal_revision(lhs: Obj | None, rhs: Obj | None) -> bool:
    """history.EqualRevision: the data bytes decide.

    Upstream first compares the hash labels, but only when both parse as int32 decimals,
    which safe-encoded hashes almost never do; that quirk is kept.
    """
    if lhs is None or rhs is None:
        return lhs is rhs
    lh, rh = _int32_label(lhs), _int32_label(rhs)
    if lh is not None and rh is not None and lh != rh:
        return False
    return data_bytes(lhs) == data_bytes(rhs)


def find_equal_revisions(revisions: Iterable[Obj], needle: Obj) -> list[Obj]:
    return [cr for cr in revisions if equal_revision(cr, needle)]


def max_revision(revisions: Iterable[Obj]) -> int:
    return max((revision_of(cr) for cr in revisions), default=0)


def next_revision(sorted_revisions: list[Obj]) -> int:
    """1 for an empty history, else the last (highest) revision + 1."""
    return revision_of(sorted_revisions[-1]) + 1 if sorted_revisions else 1


def history_limit(obj: Obj) -> int:
    value = obj.get("spec", {}).get("revisionHistoryLimit")
    return DEFAULT_REVISION_HISTORY_LIMIT if value is None else int(value)


# --------------------------------------------------------------------------- truncation

def daemonset_revisions_to_delete(old: list[Obj], live_hashes: set[str], limit: int) -> list[Obj]:
    """DaemonSet cleanupHistory: of the old (non-current) revisions, oldest first, delete
    until `limit` remain, never deleting one whose hash a pod still carries.

    Example: limit 1, old = r1, r2, r3 with a pod still labelled r1's hash -> to kill = 2;
    r1 is skipped, r2 and r3 are deleted.
    """
    to_kill = len(old) - limit
    doomed: list[Obj] = []
    for cr in sort_revisions(old):
        if to_kill <= 0:
            break
        if labels_of(cr).get(REVISION_HASH_LABEL) in live_hashes:
            continue
        doomed.append(cr)
        to_kill -= 1
    return doomed


def statefulset_revisions_to_delete(sorted_revisions: list[Obj], live_names: set[str], limit: int) -> list[Obj]:
    """StatefulSet truncateHistory: revisions that are neither current, update, nor named by a
    pod's revision label are history; delete the lowest until at most `limit` remain
    (a negative limit keeps everything)."""
    history = [cr for cr in sorted_revisions if name_of(cr) not in live_names]
    if limit < 0 or len(history) <= limit:
        return []
    return history[: len(history) - limit]


# --------------------------------------------------------------------------- selectors

def match_label_selector(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector semantics: None selects nothing, {} selects everything.

    Operators: In, NotIn (also true when the key is absent), Exists, DoesNotExist.
    An unknown operator makes the selector select nothing (upstream: a parse error).
    """
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or ():
        key = expr.get("key", "")
        op = expr.get("operator")
        values = expr.get("values") or ()
        present = key in labels
        if op == "In":
            if not present or labels[key] not in values:
                return False
        elif op == "NotIn":
            if present and labels[key] in values:
                return False
        elif op == "Exists":
            if not present:
                return False
        elif op == "DoesNotExist":
            if present:
                return False
        else:
            return False
    return True


def selector_is_empty(selector: Mapping[str, Any] | None) -> bool:
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")


def controlled_by(obj: Obj, owner: Obj) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == owner.get("metadata", {}).get("uid")


# --------------------------------------------------------------------------- availability clock

# Availability flips strictly after readySince + minReadySeconds (podutil.is_pod_available);
# waking up this much later makes sure the pod has crossed the line when we look again.
_AVAILABILITY_SLACK_SECONDS = 0.5


def availability_delay(pods: Iterable[Obj], min_ready_seconds: int, now: dt.datetime) -> float | None:
    """Seconds until the next of these Ready-but-not-yet-available pods becomes available.

    Both controllers requeue with this instead of upstream's flat `minReadySeconds`, so a
    pod Ready since 12:00:00 with minReadySeconds 10, looked at 12:00:04, is re-examined at
    about 12:00:10.5. Ready pods without a usable Ready transition time fall back to the
    full minReadySeconds. None when nothing is waiting.
    """
    if min_ready_seconds <= 0:
        return None
    best: float | None = None
    for pod in pods:
        cond = next((c for c in pod.get("status", {}).get("conditions") or () if c.get("type") == "Ready"), None)
        if not cond or cond.get("status") != "True":
            continue
        since = parse_time(cond.get("lastTransitionTime"))
        if since is None:
            delay = float(min_ready_seconds)
        else:
            remaining = (since + dt.timedelta(seconds=min_ready_seconds) - now).total_seconds()
            if remaining < 0:
                continue  # already available
            delay = remaining + _AVAILABILITY_SLACK_SECONDS
        if best is None or delay < best:
            best = delay
    return best
