"""The scheduler's decision for one pending pod: bind it to a node, or say why it cannot.

Upstream: pkg/scheduler (schedule_one.go, framework/types.go FitError, the NodeUnschedulable,
TaintToleration and NodeAffinity filter plugins, the pod-count part of NodeResourcesFit and
DefaultPreemption's PostFilter message).

Filtering follows the default profile's order, each node reporting the first filter it
fails:

1. NodeUnschedulable  `spec.unschedulable` without a toleration for
   node.kubernetes.io/unschedulable:NoSchedule  -> "node(s) were unschedulable"
2. TaintToleration    the first NoSchedule/NoExecute taint not tolerated
   -> "node(s) had untolerated taint {key: value}". A node whose Ready condition is not
   True counts as tainted node.kubernetes.io/not-ready (Ready False or absent) or
   node.kubernetes.io/unreachable (Ready Unknown), NoSchedule, as the node lifecycle
   controller would taint it.
3. NodeAffinity       `nodeSelector` and required node affinity (matchExpressions on labels,
   matchFields on metadata.name) -> "node(s) didn't match Pod's node affinity/selector"
4. NodeResourcesFit   only the pod count against `status.allocatable.pods` -> "Too many pods"

Among the feasible nodes the least loaded (fewest pods) wins, ties by name: upstream scores
resources and spreads, then picks randomly among the best; this is the deterministic
stand-in. A fit is a POST of a Binding to pods/<name>/binding plus a Normal "Scheduled"
event; no fit is a Warning FailedScheduling event and PodScheduled=False (Unschedulable) on
the pod's status, with upstream's message:

    0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.
    preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.

(one line). Nothing is preempted: nodes failing only on the pod count report "No preemption
victims found for incoming pod".

`schedule` returns a list of actions (empty when the pod is not ours to schedule), like
every other reconcile function: the failure case needs two.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from kroll.api.meta import format_time, is_being_deleted, labels_of, name_of, namespace_of, uid_of
from kroll.api.types import Obj
from kroll.reconcile.actions import Action, Create, Event, UpdateStatus
from kroll.reconcile.nodeselection import requirement_matches

COMPONENT = "default-scheduler"
DEFAULT_SCHEDULER = "default-scheduler"

TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"

ERR_UNSCHEDULABLE = "node(s) were unschedulable"
ERR_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
ERR_TOO_MANY_PODS = "Too many pods"
NO_NODES = "no nodes available to schedule pods"
PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
MAX_MESSAGE = 1024

# failures preemption cannot fix (UnschedulableAndUnresolvable upstream)
_UNRESOLVABLE = (ERR_UNSCHEDULABLE, ERR_AFFINITY)


def schedule(pod: Obj, nodes: list[Obj], pods_on_nodes_count: Mapping[str, int], *, now: dt.datetime) -> list[Action]:
    """Bind `pod` to the least loaded feasible node, or report it unschedulable.

    pods_on_nodes_count: node name -> pods currently bound there (non-terminal ones).
    """
    if not needs_scheduling(pod):
        return []
    if (pod.get("spec") or {}).get("schedulingGates"):
        return _set_unschedulable(pod, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates",
                                  now=now)
    if not nodes:
        return _fail(pod, NO_NODES, now=now)
    # The least loaded feasible node wins: try nodes from least to most loaded and bind to the
    # first that fits, which is the same node as filtering them all and taking the minimum, at
    # the cost of one filter run instead of one per node (the nodes grow with the pods).
    reasons: dict[str, str] = {}
    for node in sorted(nodes, key=lambda n: (pods_on_nodes_count.get(name_of(n), 0), name_of(n))):
        reason = node_fit_failure(pod, node, pods_on_nodes_count.get(name_of(node), 0))
        if reason is None:
            return _bind(pod, name_of(node))
        reasons[name_of(node)] = reason
    return _fail(pod, fit_error_message(pod, len(nodes), list(reasons.values())), now=now)


def needs_scheduling(pod: Obj) -> bool:
    spec = pod.get("spec") or {}
    phase = (pod.get("status") or {}).get("phase")
    return (not spec.get("nodeName") and (spec.get("schedulerName") or DEFAULT_SCHEDULER) == DEFAULT_SCHEDULER
            and not is_being_deleted(pod) and phase not in ("Succeeded", "Failed"))


# --- filters --------------------------------------------------------------------------------

def node_fit_failure(pod: Obj, node: Obj, pods_on_node: int) -> str | None:
    """Why pod cannot run on node (the first failing filter), or None when it fits."""
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    node_spec = node.get("spec") or {}
    if node_spec.get("unschedulable") and not _tolerated(
            tolerations, {"key": TAINT_UNSCHEDULABLE, "effect": "NoSchedule"}):
        return ERR_UNSCHEDULABLE
    for taint in node_taints(node):
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not _tolerated(tolerations, taint):
            return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"
    if not matches_node_affinity(pod, node):
        return ERR_AFFINITY
    capacity = ((node.get("status") or {}).get("allocatable") or {}).get("pods")
    if capacity is not None and pods_on_node + 1 > _quantity_int(capacity):
        return ERR_TOO_MANY_PODS
    return None


def node_taints(node: Obj) -> list[dict[str, Any]]:
    """The node's taints plus the one its Ready condition implies."""
    taints = list((node.get("spec") or {}).get("taints") or [])
    ready = next((c for c in (node.get("status") or {}).get("conditions") or () if c.get("type") == "Ready"), None)
    status = ready.get("status") if ready else None
    implied = None if status == "True" else (TAINT_UNREACHABLE if status == "Unknown" else TAINT_NOT_READY)
    if implied and not any(t.get("key") == implied for t in taints):
        taints.append({"key": implied, "effect": "NoSchedule"})
    return taints


def _tolerated(tolerations: list[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """core/v1 Toleration.ToleratesTaint: empty effect/key match any; Exists ignores the value."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def matches_node_affinity(pod: Obj, node: Obj) -> bool:
    """nodeSelector (every pair) and requiredDuringSchedulingIgnoredDuringExecution (any term)."""
    spec = pod.get("spec") or {}
    labels = labels_of(node)
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is None:
        return True
    return any(_term_matches(term, labels, node) for term in required.get("nodeSelectorTerms") or ())


def _term_matches(term: Mapping[str, Any], labels: Mapping[str, str], node: Obj) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False  # an empty term matches nothing
    if not all(requirement_matches(req, labels) for req in expressions):
        return False
    node_fields = {"metadata.name": name_of(node)}
    for req in fields:
        if req.get("key") not in node_fields or req.get("operator") not in ("In", "NotIn"):
            return False
        if not requirement_matches(req, node_fields):
            return False
    return True


def _quantity_int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 110  # the kubelet default for unusual quantity spellings


# --- outcomes ---------------------------------------------------------------------------------

def fit_error_message(pod: Obj, node_count: int, reasons: list[str]) -> str:
    """FitError text: a sorted histogram of reasons, then the preemption outcome."""
    message = f"0/{node_count} nodes are available: {_histogram(reasons)}."
    if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return f"{message} preemption: not eligible due to preemptionPolicy=Never."
    preemption = [PREEMPTION_NOT_HELPFUL if _unresolvable(r) else NO_VICTIMS for r in reasons]
    return f"{message} preemption: 0/{node_count} nodes are available: {_histogram(preemption)}."


def _unresolvable(reason: str) -> bool:
    return reason in _UNRESOLVABLE or reason.startswith("node(s) had untolerated taint")


def _histogram(reasons: list[str]) -> str:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items()))


def _bind(pod: Obj, node_name: str) -> list[Action]:
    ns, name = namespace_of(pod), name_of(pod)
    metadata: dict[str, Any] = {"name": name, "namespace": ns}
    if uid_of(pod):
        metadata["uid"] = uid_of(pod)  # the server refuses the binding if the pod was replaced
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": metadata,
               "target": {"apiVersion": "v1", "kind": "Node", "name": node_name}}
    return [
        Create("pods", ns, binding, subresource="binding", name=name),
        Event(_involved(pod), "Normal", "Scheduled", f"Successfully assigned {ns}/{name} to {node_name}", COMPONENT),
    ]


def _fail(pod: Obj, message: str, *, now: dt.datetime) -> list[Action]:
    message = _truncate(message)
    event = Event(_involved(pod), "Warning", "FailedScheduling", message, COMPONENT)
    return [event, *_set_unschedulable(pod, "Unschedulable", message, now=now)]


def _set_unschedulable(pod: Obj, reason: str, message: str, *, now: dt.datetime) -> list[Action]:
    """PodScheduled=False with reason/message, unless the pod already says exactly that."""
    status = (pod.get("status") or {})
    conditions = list(status.get("conditions") or ())
    current = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
    if current is not None and current.get("status") == "False" and current.get("reason") == reason \
            and current.get("message") == message:
        return []
    transition = current["lastTransitionTime"] if current is not None and current.get("status") == "False" \
        and current.get("lastTransitionTime") else format_time(now)
    cond = {"type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": transition,
            "reason": reason, "message": message}
    updated = copy.deepcopy(pod)
    new_conditions = [c for c in conditions if c.get("type") != "PodScheduled"]
    if current is not None:
        new_conditions.insert(conditions.index(current), cond)
    else:
        new_conditions.append(cond)
    updated.setdefault("status", {})["conditions"] = copy.deepcopy(new_conditions)
    if not updated["status"].get("phase"):
        updated["status"]["phase"] = "Pending"
    return [UpdateStatus("pods", namespace_of(pod), updated)]


def _truncate(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    suffix = " ..."
    return message[: MAX_MESSAGE - len(suffix)] + suffix


def _involved(pod: Obj) -> Obj:
    md = pod.get("metadata", {})
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion") if k in md}}
