"""Server-side `Table` output: the rows `kubectl get` prints.

kubectl asks for human-readable output with
`Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...` and prints whatever the server
sends back: the column headers, the cells, and (unless `-o wide`) only the columns with
priority 0. So everything a user sees in `kubectl get` is computed here, on the server,
exactly as kube-apiserver's printers compute it (`pkg/printers/internalversion/printers.go`
for the per-kind rows, `apimachinery/pkg/util/duration` for ages,
`apiserver/pkg/endpoints/handlers/response.go` for the `includeObject` handling).

The apiserver always renders the wide form (priority-1 columns included); kubectl hides
the wide columns itself. Column names are written in upstream's mixed case (`Up-to-date`,
`Nominated Node`); kubectl upper-cases them when it prints the header.

Cells keep upstream's Go types: counts are JSON integers even where the column is declared
`string` (deployment UP-TO-DATE, event COUNT, controller revision REVISION), because that is
what the real server sends.

Everything is pure: the caller passes `now` (tz-aware), objects are plain wire-shaped dicts.
The returned Table shares sub-dicts (metadata, whole objects) with the input: serialize it,
don't mutate it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

from kroll.api import errors
from kroll.api.registry import ResourceInfo
from kroll.api.types import Obj

TABLE_API_VERSION = "meta.k8s.io/v1"

Cell = str | int | bool | None

# ---------------------------------------------------------------------------------------------
# Human durations (apimachinery util/duration.HumanDuration)
# ---------------------------------------------------------------------------------------------

_US_PER_S = 1_000_000
_US_PER_MIN = 60 * _US_PER_S
_US_PER_H = 60 * _US_PER_MIN


def human_duration(delta: _dt.timedelta) -> str:
    """Render an elapsed time with 2-3 significant figures, the way `kubectl get` shows ages.

    Worked examples: 5s -> `5s`; 119s -> `119s`; 2m3s -> `2m3s`; 9m0s -> `9m`; 10m59s -> `10m`;
    2h59m -> `179m`; 3h5m -> `3h5m`; 8h -> `8h`; 47h59m -> `47h`; 2d3h -> `2d3h`; 8d -> `8d`;
    729d -> `729d`; 2y30d -> `2y30d`; 8y -> `8y`. Clock skew of up to (but excluding) two
    seconds into the future reads `0s`; anything further ahead is `<invalid>`.
    """
    us = (delta.days * 86_400 + delta.seconds) * _US_PER_S + delta.microseconds
    # Go truncates the float seconds toward zero: -1.9s -> -1 -> "0s", -2.0s -> "<invalid>".
    seconds = us // _US_PER_S if us >= 0 else -((-us) // _US_PER_S)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = us // _US_PER_MIN
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = us // _US_PER_H
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def _parse_ts(value: Any) -> _dt.datetime | None:
    """Parse an RFC 3339 (micro)time; a missing or Go-zero timestamp is None."""
    if not value or not isinstance(value, str):
        return None
    try:
        t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.UTC)
    if t.year <= 1:  # 0001-01-01T00:00:00Z is Go's zero time
        return None
    return t


def _since(value: Any, now: _dt.datetime) -> str:
    t = value if isinstance(value, _dt.datetime) else _parse_ts(value)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def _age(obj: Obj, now: _dt.datetime) -> str:
    return _since((obj.get("metadata") or {}).get("creationTimestamp"), now)


# ---------------------------------------------------------------------------------------------
# Label formatting (labels.FormatLabels, metav1.FormatLabelSelector, Selector.String)
# ---------------------------------------------------------------------------------------------
# kroll.api.selectors owns parsing and matching; these few lines only render, so printers
# does not depend on it.


def _format_labels(labels: dict[str, str] | None) -> str:
    """`k1=v1,k2=v2` sorted by key, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def _selector_string(selector: dict[str, Any] | None) -> str | None:
    """Render a LabelSelector as `Selector.String()` does; None if it would not convert.

    matchLabels become `k=v`, expressions `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; the
    requirements are sorted by key and values inside a set are sorted. A nil or empty selector
    renders as "" (upstream's Nothing/Everything selectors both print empty).
    """
    if not selector:
        return ""
    reqs: list[tuple[str, str]] = []
    for k, v in (selector.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for expr in selector.get("matchExpressions") or ():
        key = expr.get("key", "")
        op = expr.get("operator", "")
        values = list(expr.get("values") or ())
        if op in ("In", "NotIn"):
            if not values:
                return None
            rendered = values[0] if len(values) == 1 else ",".join(sorted(values))
            reqs.append((key, f"{key} {'in' if op == 'In' else 'notin'} ({rendered})"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                return None
            reqs.append((key, key if op == "Exists" else f"!{key}"))
        else:
            return None
    reqs.sort(key=lambda r: r[0])
    return ",".join(r for _, r in reqs)


def _format_label_selector(selector: dict[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` for a bad one."""
    s = _selector_string(selector)
    if s is None:
        return "<error>"
    return s or "<none>"


# ---------------------------------------------------------------------------------------------
# Column definitions
# ---------------------------------------------------------------------------------------------


def _col(name: str, description: str, *, type_: str = "string", fmt: str = "", priority: int = 0) -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}


_D_NAME = "Unique name of the object within its namespace (or the cluster, for cluster-scoped kinds)."
_D_AGE = "Time since the server created the object (metadata.creationTimestamp)."
_D_CONTAINERS = "Container names in the pod template."
_D_IMAGES = "Container images in the pod template."

_NAME_COL = _col("Name", _D_NAME, fmt="name")
_AGE_COL = _col("Age", _D_AGE)


def _template_cols(*, selector: str | None) -> list[dict[str, Any]]:
    cols = [
        _col("Containers", _D_CONTAINERS, priority=1),
        _col("Images", _D_IMAGES, priority=1),
    ]
    if selector is not None:
        cols.append(_col("Selector", selector, priority=1))
    return cols


_EVENT_COLS = (
    _col("Last Seen", "When the event was most recently observed."),
    _col("Type", "Kind of event: Normal or Warning."),
    _col("Reason", "Short, machine-readable reason for the transition."),
    _col("Object", "The object this event is about, as kind/name."),
    _col("Subobject", "Field path inside the object (such as a container) the event refers to.", priority=1),
    _col("Source", "The component (and host) that reported the event.", priority=1),
    _col("Message", "Human-readable description of what happened."),
    _col("First Seen", "When the event was first observed.", priority=1),
    _col("Count", "How many times the event has occurred.", priority=1),
    _col("Name", _D_NAME, fmt="name", priority=1),
)

_COLUMNS: dict[str, tuple[dict[str, Any], ...]] = {
    "namespaces": (
        _NAME_COL,
        _col("Status", "The lifecycle phase of the namespace."),
        _AGE_COL,
    ),
    "pods": (
        _NAME_COL,
        _col("Ready", "Ready containers out of all containers in the pod."),
        _col("Status", "The aggregate status of the pod, derived from its containers."),
        _col("Restarts", "Container restarts in the pod, and how long ago the latest happened."),
        _AGE_COL,
        _col("IP", "The first IP address allocated to the pod.", priority=1),
        _col("Node", "The node the pod is bound to.", priority=1),
        _col("Nominated Node", "The node the scheduler preempted victims on for this pod.", priority=1),
        _col("Readiness Gates", "Extra conditions that must hold before the pod counts as ready.", priority=1),
    ),
    "nodes": (
        _NAME_COL,
        _col("Status", "Whether the node is Ready, and whether it accepts new pods."),
        _col("Roles", "Roles taken from the node-role.kubernetes.io/* labels."),
        _AGE_COL,
        _col("Version", "Kubelet version reported by the node."),
        _col("Internal-IP", "Addresses reachable at the node.", priority=1),
        _col("External-IP", "Addresses reachable at the node.", priority=1),
        _col("OS-Image", "Operating system image reported by the node.", priority=1),
        _col("Kernel-Version", "Kernel version reported by the node.", priority=1),
        _col("Container-Runtime", "Container runtime and version reported by the node.", priority=1),
    ),
    "services": (
        _NAME_COL,
        _col("Type", "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."),
        _col("Cluster-IP", "The virtual IP the service is reachable at inside the cluster."),
        _col("External-IP", "Addresses the service is reachable at from outside the cluster."),
        _col("Port(s)", "Ports the service exposes."),
        _AGE_COL,
        _col("Selector", "Label selector picking the pods that back the service.", priority=1),
    ),
    "endpoints": (
        _NAME_COL,
        _col("Endpoints", "Addresses and ports currently backing the service."),
        _AGE_COL,
    ),
    "configmaps": (
        _NAME_COL,
        _col("Data", "Number of keys in the config map."),
        _AGE_COL,
    ),
    "secrets": (
        _NAME_COL,
        _col("Type", "The type of the secret, used for programmatic handling of its data."),
        _col("Data", "Number of keys in the secret."),
        _AGE_COL,
    ),
    "events": _EVENT_COLS,
    "events.events.k8s.io": _EVENT_COLS,
    "serviceaccounts": (
        _NAME_COL,
        _col("Secrets", "Number of secrets listed on the service account."),
        _AGE_COL,
    ),
    "deployments.apps": (
        _NAME_COL,
        _col("Ready", "Ready pods out of the desired replicas."),
        _col("Up-to-date", "Pods running the deployment's current template."),
        _col("Available", "Pods that have been ready for at least minReadySeconds."),
        _AGE_COL,
        *_template_cols(selector="Label selector for the pods the deployment manages."),
    ),
    "replicasets.apps": (
        _NAME_COL,
        _col("Desired", "Number of replicas the replica set asks for.", type_="integer"),
        _col("Current", "Number of pods the replica set currently has.", type_="integer"),
        _col("Ready", "Number of the replica set's pods that are ready.", type_="integer"),
        _AGE_COL,
        *_template_cols(selector="Label selector for the pods the replica set manages."),
    ),
    "statefulsets.apps": (
        _NAME_COL,
        _col("Ready", "Ready pods out of the desired replicas."),
        _AGE_COL,
        *_template_cols(selector=None),
    ),
    "daemonsets.apps": (
        _NAME_COL,
        _col("Desired", "Number of nodes that should run the daemon pod.", type_="integer"),
        _col("Current", "Number of nodes running at least one daemon pod.", type_="integer"),
        _col("Ready", "Number of nodes whose daemon pod is ready.", type_="integer"),
        _col("Up-to-date", "Number of nodes running the current daemon pod template.", type_="integer"),
        _col("Available", "Number of nodes whose daemon pod is available.", type_="integer"),
        _col("Node Selector", "Node labels a node must carry to run the daemon pod."),
        _AGE_COL,
        *_template_cols(selector="Label selector for the pods the daemon set manages."),
    ),
    "controllerrevisions.apps": (
        _NAME_COL,
        _col("Controller", "The object that owns and manages this revision."),
        _col("Revision", "The revision number this snapshot represents."),
        _AGE_COL,
    ),
    "leases.coordination.k8s.io": (
        _NAME_COL,
        _col("Holder", "Identity of the current holder of the lease."),
        _AGE_COL,
    ),
}

# Kinds without a printer get the generic columns (rest.NewDefaultTableConvertor).
_DEFAULT_COLUMNS = (
    _NAME_COL,
    _col("Created At", "Time at which the server created the object.", type_="date"),
)


def column_definitions(info: ResourceInfo) -> list[dict[str, Any]]:
    """The columnDefinitions of a Table for this resource (all of them, wide ones included)."""
    return [dict(c) for c in _COLUMNS.get(info.group_resource, _DEFAULT_COLUMNS)]


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def _layout_containers(template: dict[str, Any] | None) -> tuple[str, str]:
    containers = ((template or {}).get("spec") or {}).get("containers") or ()
    names = ",".join(c.get("name", "") for c in containers)
    images = ",".join(c.get("image", "") for c in containers)
    return names, images


def _namespace_row(obj: Obj, now: _dt.datetime) -> list[Cell]:
    phase = (obj.get("status") or {}).get("phase", "")
    return [_name(obj), phase, _age(obj, now)]


def _name(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("name", "")


# --- pods ---------------------------------------------------------------------------------

_NODE_UNREACHABLE_REASON = "NodeLost"
_POD_CONDITIONS = {
    "Succeeded": [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ],
    "Failed": [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}],
}


def _is_restartable_init(container: dict[str, Any] | None) -> bool:
    """A sidecar: an init container with restartPolicy Always keeps running next to the app."""
    return bool(container) and container.get("restartPolicy") == "Always"


def _condition_true(conditions: Iterable[dict[str, Any]], ctype: str) -> bool:
    """True if the first condition of this type has status True."""
    for c in conditions:
        if c.get("type") == ctype:
            return c.get("status") == "True"
    return False


def _any_condition_true(conditions: Iterable[dict[str, Any]], ctype: str) -> bool:
    return any(c.get("type") == ctype and c.get("status") == "True" for c in conditions)


def _terminated_text(term: dict[str, Any], prefix: str) -> str:
    """Reason of a terminated container, or `Signal:N` / `ExitCode:N` when it gave none."""
    if term.get("reason"):
        return prefix + term["reason"]
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


def _later(current: _dt.datetime | None, cs: dict[str, Any]) -> _dt.datetime | None:
    """Advance the last-restart time with this container's previous termination, if later."""
    finished = _parse_ts(((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt"))
    if finished is not None and (current is None or current < finished):
        return finished
    return current


def _pod_status(pod: Obj) -> tuple[str, int, int, int, _dt.datetime | None]:
    """(status, ready, total, restarts, last restart time) of a pod, as upstream printPod.

    The decision order:
    1. start from status.reason, else the phase; a SchedulingGated PodScheduled condition wins;
    2. walk init containers in order: finished ones (exit 0) and started sidecars are skipped;
       the first other one decides `Init:<reason>`, `Init:ExitCode:N`, or `Init:<i>/<n>`;
    3. unless still initializing (and not already Initialized), walk app containers from last
       to first: a waiting or terminated reason overrides, so the first container's state wins;
       `Completed` with a container still running turns back into Running or NotReady;
    4. a deletionTimestamp makes it `Terminating` (`Unknown` when the node was lost).

    Restarts: init containers count while the pod initializes; afterwards only sidecars and app
    containers do. The latest `lastState.terminated.finishedAt` among those is "last restart".
    """
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    conditions = status.get("conditions") or ()
    init_specs_list = spec.get("initContainers") or ()
    init_specs = {c.get("name"): c for c in init_specs_list}

    total = len(spec.get("containers") or ()) + sum(1 for c in init_specs_list if _is_restartable_init(c))
    ready = 0
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    for c in conditions:
        if c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    restarts = 0
    sidecar_restarts = 0
    last_restart: _dt.datetime | None = None
    last_sidecar_restart: _dt.datetime | None = None

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        restarts += cs.get("restartCount", 0)
        last_restart = _later(last_restart, cs)
        sidecar = _is_restartable_init(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            last_sidecar_restart = _later(last_sidecar_restart, cs)
        state = cs.get("state") or {}
        term = state.get("terminated")
        waiting = state.get("waiting")
        if term is not None and term.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if term is not None:
            reason = _terminated_text(term, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs_list)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        # Only sidecar restarts carry over once the pod is past initialization.
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            restarts += cs.get("restartCount", 0)
            last_restart = _later(last_restart, cs)
            state = cs.get("state") or {}
            waiting = state.get("waiting")
            term = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None:
                reason = _terminated_text(term, "")
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _any_condition_true(conditions, "Ready") else "NotReady"

    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        if status.get("reason") == _NODE_UNREACHABLE_REASON:
            reason = "Unknown"
        elif phase not in ("Failed", "Succeeded"):
            reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def _pod_row(pod: Obj, now: _dt.datetime) -> list[Cell]:
    reason, ready, total, restarts, last_restart = _pod_status(pod)
    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        restarts_text = f"{restarts} ({_since(last_restart, now)} ago)"

    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    # v1 -> internal conversion treats status.podIP as authoritative over podIPs[0].
    pod_ips = status.get("podIPs") or ()
    ip = status.get("podIP") or (pod_ips[0].get("ip", "") if pod_ips else "")
    gates = spec.get("readinessGates") or ()
    gates_text = "<none>"
    if gates:
        conditions = status.get("conditions") or ()
        true_count = sum(1 for g in gates if _condition_true(conditions, g.get("conditionType", "")))
        gates_text = f"{true_count}/{len(gates)}"
    return [
        _name(pod),
        f"{ready}/{total}",
        reason,
        restarts_text,
        _age(pod, now),
        ip or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_text,
    ]


def pod_status(pod: Obj) -> str:
    """The STATUS column of `kubectl get pods` (Running, CrashLoopBackOff, Init:0/1, ...)."""
    return _pod_status(pod)[0]


# --- nodes --------------------------------------------------------------------------------

_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
_NODE_ROLE_LABEL = "kubernetes.io/role"


def _node_row(node: Obj, now: _dt.datetime) -> list[Cell]:
    status = node.get("status") or {}
    # The last Ready condition wins, as upstream indexes conditions by type.
    ready_cond = None
    for c in status.get("conditions") or ():
        if c.get("type") == "Ready":
            ready_cond = c
    states = []
    if ready_cond is None:
        states.append("Unknown")
    else:
        states.append("Ready" if ready_cond.get("status") == "True" else "NotReady")
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")

    roles = set()
    for k, v in ((node.get("metadata") or {}).get("labels") or {}).items():
        if k.startswith(_NODE_ROLE_PREFIX):
            role = k[len(_NODE_ROLE_PREFIX) :]
            if role:
                roles.add(role)
        elif k == _NODE_ROLE_LABEL and v:
            roles.add(v)

    info = status.get("nodeInfo") or {}

    def address(kind: str) -> str:
        for a in status.get("addresses") or ():
            if a.get("type") == kind:
                return a.get("address", "")
        return "<none>"

    return [
        _name(node),
        ",".join(states),
        ",".join(sorted(roles)) or "<none>",
        _age(node, now),
        info.get("kubeletVersion", ""),
        address("InternalIP"),
        address("ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


# --- services and endpoints ---------------------------------------------------------------


def _service_external_ip(spec: dict[str, Any], status: dict[str, Any]) -> str:
    svc_type = spec.get("type", "ClusterIP")
    external = spec.get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        # The server renders wide output, so the load balancer list is never clipped.
        seen = set()
        for ing in ((status.get("loadBalancer") or {}).get("ingress")) or ():
            if ing.get("ip"):
                seen.add(ing["ip"])
            elif ing.get("hostname"):
                seen.add(ing["hostname"])
        lb = sorted(seen)
        if external:
            return ",".join(lb + external)
        return ",".join(lb) if lb else "<pending>"
    if svc_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _service_row(svc: Obj, now: _dt.datetime) -> list[Cell]:
    spec = svc.get("spec") or {}
    status = svc.get("status") or {}
    # v1 -> internal conversion: clusterIP is authoritative over clusterIPs[0].
    cluster_ips = spec.get("clusterIPs") or ()
    cluster_ip = spec.get("clusterIP") or (cluster_ips[0] if cluster_ips else "") or "<none>"
    ports = []
    for p in spec.get("ports") or ():
        proto = p.get("protocol", "TCP")
        if p.get("nodePort"):
            ports.append(f"{p.get('port', 0)}:{p['nodePort']}/{proto}")
        else:
            ports.append(f"{p.get('port', 0)}/{proto}")
    return [
        _name(svc),
        spec.get("type", "ClusterIP"),
        cluster_ip,
        _service_external_ip(spec, status),
        ",".join(ports) or "<none>",
        _age(svc, now),
        _format_labels(spec.get("selector")),
    ]


def _host_port(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _format_endpoints(ep: Obj) -> str:
    """Up to three `ip:port` entries, then ` + N more...`; `<none>` without subsets."""
    subsets = ep.get("subsets") or ()
    if not subsets:
        return "<none>"
    shown: list[str] = []
    limit = 3
    more = False
    count = 0
    for ss in subsets:
        addresses = ss.get("addresses") or ()
        ports = ss.get("ports") or ()
        if not ports:
            # headless services may have no ports
            count += len(addresses)
            for a in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(a.get("ip", ""))
            continue
        for p in ports:
            count += len(addresses)
            for a in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_host_port(a.get("ip", ""), p.get("port", 0)))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def _endpoints_row(ep: Obj, now: _dt.datetime) -> list[Cell]:
    return [_name(ep), _format_endpoints(ep), _age(ep, now)]


# --- config -------------------------------------------------------------------------------


def _configmap_row(cm: Obj, now: _dt.datetime) -> list[Cell]:
    return [_name(cm), len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), _age(cm, now)]


def _secret_row(secret: Obj, now: _dt.datetime) -> list[Cell]:
    return [_name(secret), secret.get("type", ""), len(secret.get("data") or {}), _age(secret, now)]


def _serviceaccount_row(sa: Obj, now: _dt.datetime) -> list[Cell]:
    return [_name(sa), len(sa.get("secrets") or ()), _age(sa, now)]


def _lease_row(lease: Obj, now: _dt.datetime) -> list[Cell]:
    return [_name(lease), (lease.get("spec") or {}).get("holderIdentity") or "", _age(lease, now)]


# --- events -------------------------------------------------------------------------------

# events.k8s.io/v1 field -> core/v1 field; both groups share one storage and one printer.
_EVENTS_V1_RENAMES = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}


def _as_core_event(ev: Obj) -> Obj:
    if not ev.get("apiVersion", "").startswith("events.k8s.io/"):
        return ev
    return {_EVENTS_V1_RENAMES.get(k, k): v for k, v in ev.items()}


def _event_row(ev: Obj, now: _dt.datetime) -> list[Cell]:
    ev = _as_core_event(ev)
    first = _since(ev.get("firstTimestamp"), now)
    if _parse_ts(ev.get("firstTimestamp")) is None:
        first = _since(ev.get("eventTime"), now)
    last = _since(ev.get("lastTimestamp"), now)
    if _parse_ts(ev.get("lastTimestamp")) is None:
        last = first
    count = ev.get("count", 0)
    series = ev.get("series")
    if series is not None:
        last = _since(series.get("lastObservedTime"), now)
        count = series.get("count", 0)
    elif count == 0:
        count = 1  # singleton events from the new API carry no count

    involved = ev.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind

    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingController") or ""
    host = source.get("host") or ev.get("reportingInstance") or ""
    source_text = f"{component}, {host}" if host else component

    return [
        last,
        ev.get("type", ""),
        ev.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        source_text,
        (ev.get("message") or "").strip(),
        first,
        count,
        _name(ev),
    ]


# --- apps ---------------------------------------------------------------------------------


def _deployment_row(d: Obj, now: _dt.datetime) -> list[Cell]:
    spec = d.get("spec") or {}
    status = d.get("status") or {}
    names, images = _layout_containers(spec.get("template"))
    selector = _selector_string(spec.get("selector"))
    return [
        _name(d),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        _age(d, now),
        names,
        images,
        "<invalid>" if selector is None else selector,
    ]


def _replicaset_row(rs: Obj, now: _dt.datetime) -> list[Cell]:
    spec = rs.get("spec") or {}
    status = rs.get("status") or {}
    names, images = _layout_containers(spec.get("template"))
    return [
        _name(rs),
        spec.get("replicas", 1),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        _age(rs, now),
        names,
        images,
        _format_label_selector(spec.get("selector")),
    ]


def _statefulset_row(sts: Obj, now: _dt.datetime) -> list[Cell]:
    spec = sts.get("spec") or {}
    status = sts.get("status") or {}
    names, images = _layout_containers(spec.get("template"))
    return [
        _name(sts),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        _age(sts, now),
        names,
        images,
    ]


def _daemonset_row(ds: Obj, now: _dt.datetime) -> list[Cell]:
    spec = ds.get("spec") or {}
    status = ds.get("status") or {}
    template = spec.get("template") or {}
    names, images = _layout_containers(template)
    return [
        _name(ds),
        status.get("desiredNumberScheduled", 0),
        status.get("currentNumberScheduled", 0),
        status.get("numberReady", 0),
        status.get("updatedNumberScheduled", 0),
        status.get("numberAvailable", 0),
        _format_labels((template.get("spec") or {}).get("nodeSelector")),
        _age(ds, now),
        names,
        images,
        _format_label_selector(spec.get("selector")),
    ]


def _controllerrevision_row(cr: Obj, now: _dt.datetime) -> list[Cell]:
    controller = "<none>"
    for ref in (cr.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            api_version = ref.get("apiVersion", "")
            group = api_version.split("/", 1)[0] if "/" in api_version else ""
            kind = ref.get("kind", "")
            group_kind = f"{kind}.{group}" if group else kind
            name = ref.get("name", "")
            controller = f"{group_kind.lower()}/{name}" if group_kind else name
            break
    return [_name(cr), controller, cr.get("revision", 0), _age(cr, now)]


def _default_row(obj: Obj, now: _dt.datetime) -> list[Cell]:
    return [_name(obj), (obj.get("metadata") or {}).get("creationTimestamp")]


_ROWS: dict[str, Callable[[Obj, _dt.datetime], list[Cell]]] = {
    "namespaces": _namespace_row,
    "pods": _pod_row,
    "nodes": _node_row,
    "services": _service_row,
    "endpoints": _endpoints_row,
    "configmaps": _configmap_row,
    "secrets": _secret_row,
    "events": _event_row,
    "events.events.k8s.io": _event_row,
    "serviceaccounts": _serviceaccount_row,
    "deployments.apps": _deployment_row,
    "replicasets.apps": _replicaset_row,
    "statefulsets.apps": _statefulset_row,
    "daemonsets.apps": _daemonset_row,
    "controllerrevisions.apps": _controllerrevision_row,
    "leases.coordination.k8s.io": _lease_row,
}


def row_cells(info: ResourceInfo, obj: Obj, now: _dt.datetime) -> list[Cell]:
    """The cells of one Table row, one per column of `column_definitions(info)`."""
    return _ROWS.get(info.group_resource, _default_row)(obj, now)


def row_conditions(info: ResourceInfo, obj: Obj) -> list[dict[str, str]] | None:
    """Row conditions: pods that finished are marked `Completed` (kubectl may hide them)."""
    if info.group_resource == "pods":
        return _POD_CONDITIONS.get((obj.get("status") or {}).get("phase", ""))
    return None


# ---------------------------------------------------------------------------------------------
# The Table
# ---------------------------------------------------------------------------------------------

INCLUDE_OBJECT_VALUES = ("", "Metadata", "None", "Object")


def table(
    info: ResourceInfo,
    objects: Iterable[Obj],
    *,
    now: _dt.datetime,
    resource_version: str | None = None,
    continue_token: str = "",
    remaining_item_count: int | None = None,
    include_object: str = "Metadata",
    list_kind: bool = True,
    no_headers: bool = False,
    api_version: str = TABLE_API_VERSION,
) -> dict[str, Any]:
    """A `meta.k8s.io/v1` Table for a list response, a single object, or one watch event.

    - `list_kind`: True for a list (metadata carries resourceVersion, continue and
      remainingItemCount from the list); False for a single-object get or a watch event, where
      the Table's resourceVersion is the object's own unless `resource_version` is given.
    - `include_object` is the `includeObject` query parameter: `Metadata` (default, also for
      ""), a PartialObjectMetadata per row; `Object`, the whole object; `None`, `null`.
      Anything else raises a 400 BadRequest.
    - `no_headers`: watch streams send the column definitions only with the first event;
      later events carry `"columnDefinitions": null`.
    - `api_version`: `meta.k8s.io/v1` (or `meta.k8s.io/v1beta1` if that is what the client
      negotiated); it is also the apiVersion of each PartialObjectMetadata.
    """
    if include_object not in INCLUDE_OBJECT_VALUES:
        raise errors.bad_request(f'unrecognized includeObject value: "{include_object}"')
    objects = list(objects)

    metadata: dict[str, Any] = {}
    rv = resource_version
    if rv is None and not list_kind and objects:
        rv = (objects[0].get("metadata") or {}).get("resourceVersion")
    if rv:
        metadata["resourceVersion"] = rv
    if list_kind:
        if continue_token:
            metadata["continue"] = continue_token
        if remaining_item_count is not None:
            metadata["remainingItemCount"] = remaining_item_count

    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": row_cells(info, obj, now)}
        conditions = row_conditions(info, obj)
        if conditions:
            row["conditions"] = conditions
        row["object"] = _row_object(info, obj, include_object, api_version)
        rows.append(row)

    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": metadata,
        "columnDefinitions": None if no_headers else column_definitions(info),
        "rows": rows,
    }


def _row_object(info: ResourceInfo, obj: Obj, include_object: str, api_version: str) -> Obj | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        if obj.get("kind") and obj.get("apiVersion"):
            return obj
        return {"kind": info.kind, "apiVersion": info.api_version, **obj}
    return {"kind": "PartialObjectMetadata", "apiVersion": api_version, "metadata": obj.get("metadata") or {}}
