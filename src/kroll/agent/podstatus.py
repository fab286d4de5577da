"""Pure pod-status arithmetic for the node agent: no IO, no clock reads (`now` is an argument).

What is here, and the upstream code each piece follows (read, not copied):

* Go-style durations (`1m30s`) for the simulated runtime's annotations and back-off messages
  (Go's `time.ParseDuration` / `Duration.String`).
* Container restart back-off (pkg/kubelet/kuberuntime `doBackOff` over client-go's
  `flowcontrol.Backoff`): 10 s, doubling, capped at 300 s, forgotten after 600 s without a
  restart.
* The pod phase from container statuses (pkg/kubelet/kubelet_pods.go `getPhase`).
* The kubelet-owned conditions (pkg/kubelet/status/generate.go) and their lastTransitionTime
  bookkeeping (pkg/kubelet/status/status_manager.go).
* The QoS class (pkg/apis/core/v1/helper/qos `GetPodQOS`).

Container statuses and conditions are plain dicts shaped like the wire JSON.

Back-off, worked through for a container that exits as soon as it starts (restartPolicy
Always); "entry" is the per-container back-off remembered between restarts:

    t=0    start, exit      no entry: restart at once; entry := 10 s      restartCount 1
    t=0    exit again       0 s since exit < 10 s: CrashLoopBackOff "back-off 10s …"
    t=10   restart          entry := 20 s                                  restartCount 2
    t=10   exit             CrashLoopBackOff "back-off 20s …" until t=30
    t=30   restart (3), t=70 (4), t=150 (5), t=310 (6, entry 300 s = cap), t=610 (7), …
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from typing import Any

from kroll.api.meta import format_time
from kroll.api.types import Obj

# -- durations ---------------------------------------------------------------------------------

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string: `500ms`, `2s`, `1m30s`, `1.5h`, `0`. No negatives.

    Raises ValueError on anything else (a bare number other than 0 has no unit in Go).
    """
    s = text.strip()
    if s.startswith("+"):
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f"invalid duration {text!r}")
    total = 0.0
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m:
            raise ValueError(f"invalid duration {text!r}")
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total


def format_duration(seconds: float) -> str:
    """Go's `Duration.String()`: 10s, 1m20s, 5m0s, 1h0m0s, 1.5s, 500ms, 0s."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _trim(ns, size) + unit
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return out + _trim(rest, 10**9) + "s"


def _trim(value: int, size: int) -> str:
    whole, frac = divmod(value, size)
    if not frac:
        return str(whole)
    digits = len(str(size)) - 1
    return f"{whole}.{frac:0{digits}d}".rstrip("0")


# -- restart back-off --------------------------------------------------------------------------

BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
# An entry untouched for longer than twice the cap is forgotten (flowcontrol's hasExpired).
BACKOFF_FORGET_AFTER = 2 * BACKOFF_MAX


def next_backoff(current: float | None, since_update: float | None) -> float:
    """The back-off to remember when restarting now: initial for a new or forgotten entry,
    else double the current one, up to the cap. `since_update`: seconds since the entry was
    last set."""
    if current is None or since_update is None or since_update > BACKOFF_FORGET_AFTER:
        return BACKOFF_INITIAL
    return min(current * 2, BACKOFF_MAX)


def backoff_remaining(current: float | None, since_update: float | None, since_exit: float) -> float:
    """Seconds still to wait before restarting a container that exited `since_exit` seconds
    ago; 0 when it may restart now."""
    if current is None or since_update is None or since_update > BACKOFF_FORGET_AFTER:
        return 0.0
    return max(0.0, current - since_exit)


def pod_ref(pod: Obj) -> str:
    """`name_namespace(uid)`, how kubelet names a pod in messages (pkg/kubelet/util/format)."""
    m = pod.get("metadata", {})
    return f"{m.get('name', '')}_{m.get('namespace', '')}({m.get('uid', '')})"


def backoff_message(backoff: float, container_name: str, pod: Obj) -> str:
    return f"back-off {format_duration(backoff)} restarting failed container={container_name} pod={pod_ref(pod)}"


def should_restart(restart_policy: str, exit_code: int | None) -> bool:
    if restart_policy == "Never":
        return False
    if restart_policy == "OnFailure":
        return exit_code != 0
    return True


# -- container statuses ------------------------------------------------------------------------


def waiting_state(reason: str, message: str = "") -> Obj:
    w: Obj = {"reason": reason}
    if message:
        w["message"] = message
    return {"waiting": w}


def running_state(started_at: dt.datetime) -> Obj:
    return {"running": {"startedAt": format_time(started_at)}}


def terminated_state(
    *,
    exit_code: int,
    reason: str,
    started_at: dt.datetime | None,
    finished_at: dt.datetime | None,
    container_id: str,
    message: str = "",
) -> Obj:
    t: Obj = {"exitCode": exit_code, "reason": reason or ("Completed" if exit_code == 0 else "Error")}
    if message:
        t["message"] = message
    if started_at is not None:
        t["startedAt"] = format_time(started_at)
    if finished_at is not None:
        t["finishedAt"] = format_time(finished_at)
    if container_id:
        t["containerID"] = container_id
    return {"terminated": t}


def container_status(
    *,
    name: str,
    state: Obj,
    last_state: Obj | None,
    ready: bool,
    restart_count: int,
    image: str,
    image_id: str,
    container_id: str,
    started: bool,
) -> Obj:
    """One containerStatuses entry, keys in the order kubelet's JSON has them."""
    cs: Obj = {
        "name": name,
        "state": state,
        "lastState": last_state or {},
        "ready": ready,
        "restartCount": restart_count,
        "image": image,
        "imageID": image_id,
    }
    if container_id:
        cs["containerID"] = container_id
    cs["started"] = started
    return cs


# -- phase ---------------------------------------------------------------------------------------


def is_restartable_init(container: Obj) -> bool:
    """A sidecar: an init container with restartPolicy Always."""
    return container.get("restartPolicy") == "Always"


def _by_name(statuses: list[Obj]) -> dict[str, Obj]:
    return {s.get("name", ""): s for s in statuses}


def pod_phase(pod: Obj, container_statuses: list[Obj], init_container_statuses: list[Obj]) -> str:
    """The phase kubelet derives from container statuses (kubelet_pods.go getPhase).

    Running once every container has started and one runs; with all containers stopped:
    Running under restartPolicy Always (they will be restarted), Succeeded if all exited 0,
    Failed under Never, Running under OnFailure (the failed ones will be restarted).
    A container waiting to restart after an exit (CrashLoopBackOff) counts as stopped.
    """
    spec = pod.get("spec", {})
    policy = spec.get("restartPolicy") or "Always"
    init_by_name = _by_name(init_container_statuses)
    by_name = _by_name(container_statuses)
    pending_init = failed_init = 0
    unknown = running = waiting = stopped = succeeded = 0
    for c in spec.get("initContainers") or ():
        cs = init_by_name.get(c.get("name", ""))
        state = (cs or {}).get("state") or {}
        if is_restartable_init(c):
            if cs is None:
                unknown += 1
            elif "running" in state:
                if not cs.get("started"):
                    pending_init += 1
                running += 1
            elif "terminated" in state:
                pass
            elif "waiting" in state:
                if "terminated" not in (cs.get("lastState") or {}):
                    pending_init += 1
                    waiting += 1
            else:
                pending_init += 1
                unknown += 1
            continue
        if cs is None or "running" in state:
            pending_init += 1
        elif "terminated" in state:
            if state["terminated"].get("exitCode") != 0:
                failed_init += 1
        elif "waiting" in state:
            last = (cs.get("lastState") or {}).get("terminated")
            if last is not None:
                if last.get("exitCode") != 0:
                    failed_init += 1
            else:
                pending_init += 1
        else:
            pending_init += 1
    any_regular_started = False
    for c in spec.get("containers") or ():
        cs = by_name.get(c.get("name", ""))
        if cs is None:
            unknown += 1
            continue
        state = cs.get("state") or {}
        if "running" in state or "terminated" in state or (cs.get("lastState") or {}).get("terminated"):
            any_regular_started = True
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"].get("exitCode") == 0:
                succeeded += 1
        elif "waiting" in state:
            if "terminated" in (cs.get("lastState") or {}):
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1

    if failed_init > 0 and policy == "Never":
        return "Failed"
    if (pending_init > 0 and not any_regular_started) or waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


# -- conditions ----------------------------------------------------------------------------------

KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
TERMINAL_PHASES = ("Succeeded", "Failed")


def _go_list(names: list[str]) -> str:
    """Go's %s of a []string: [a b c]."""
    return "[" + " ".join(names) + "]"


def _cond(type_: str, ok: bool, reason: str = "", message: str = "") -> Obj:
    c: Obj = {"type": type_, "status": "True" if ok else "False"}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def _containers_ready(pod: Obj, statuses: dict[str, Obj], phase: str) -> Obj:
    spec = pod.get("spec", {})
    if phase == "Succeeded":
        return _cond("ContainersReady", False, "PodCompleted")
    if phase == "Failed":
        return _cond("ContainersReady", False, "PodFailed")
    unknown: list[str] = []
    unready: list[str] = []
    considered = [c for c in spec.get("initContainers") or () if is_restartable_init(c)]
    considered += list(spec.get("containers") or ())
    for c in considered:
        cs = statuses.get(c.get("name", ""))
        if cs is None:
            unknown.append(c.get("name", ""))
        elif not cs.get("ready"):
            unready.append(c.get("name", ""))
    parts = []
    if unknown:
        parts.append(f"containers with unknown status: {_go_list(unknown)}")
    if unready:
        parts.append(f"containers with unready status: {_go_list(unready)}")
    if parts:
        return _cond("ContainersReady", False, "ContainersNotReady", ", ".join(parts))
    return _cond("ContainersReady", True)


def _ready(pod: Obj, containers_ready: Obj, other_conditions: list[Obj]) -> Obj:
    if containers_ready["status"] != "True":
        return {**containers_ready, "type": "Ready"}
    present = {c.get("type"): c for c in other_conditions}
    msgs = []
    for gate in pod.get("spec", {}).get("readinessGates") or ():
        t = gate.get("conditionType", "")
        c = present.get(t)
        if c is None:
            msgs.append(f'corresponding condition of pod readiness gate "{t}" does not exist.')
        elif c.get("status") != "True":
            msgs.append(f'the status of pod readiness gate "{t}" is not "True", but {c.get("status")}')
    if msgs:
        return _cond("Ready", False, "ReadinessGatesNotReady", ", ".join(msgs))
    return _cond("Ready", True)


def _initialized(pod: Obj, init_statuses: dict[str, Obj], regular: dict[str, Obj], phase: str) -> Obj:
    spec = pod.get("spec", {})
    inits = list(spec.get("initContainers") or ())
    if not inits:
        return _cond("Initialized", True)
    unknown: list[str] = []
    incomplete: list[str] = []
    for c in inits:
        cs = init_statuses.get(c.get("name", ""))
        if cs is None:
            unknown.append(c.get("name", ""))
        elif not (cs.get("started") if is_restartable_init(c) else cs.get("ready")):
            incomplete.append(c.get("name", ""))
    if phase == "Succeeded" and not unknown:
        return _cond("Initialized", True, "PodCompleted")
    for cs in regular.values():
        state = cs.get("state") or {}
        if "running" in state or "terminated" in state or (cs.get("lastState") or {}).get("terminated"):
            return _cond("Initialized", True)
    parts = []
    if unknown:
        parts.append(f"containers with unknown status: {_go_list(unknown)}")
    if incomplete:
        parts.append(f"containers with incomplete status: {_go_list(incomplete)}")
    if parts:
        return _cond("Initialized", False, "ContainersNotInitialized", ", ".join(parts))
    return _cond("Initialized", True)


def pod_conditions(
    pod: Obj,
    *,
    phase: str,
    container_statuses: list[Obj],
    init_container_statuses: list[Obj],
    now: dt.datetime,
) -> list[Obj]:
    """Kubelet-owned conditions, then the others found on the pod (readiness gates,
    DisruptionTarget, ...) unchanged.

    lastTransitionTime moves only when a condition's status changes: a pod Ready since 12:00
    and still Ready at 12:05 keeps 12:00, which is what minReadySeconds/availability count
    from. PodScheduled keeps the scheduler's time.
    """
    old = list(pod.get("status", {}).get("conditions") or ())
    old_by_type = {c.get("type"): c for c in old}
    others = [c for c in old if c.get("type") not in KUBELET_CONDITIONS]
    regular = _by_name(container_statuses)
    init = _by_name(init_container_statuses)
    all_statuses = {**init, **regular}
    containers_ready = _containers_ready(pod, all_statuses, phase)
    generated = [
        _cond("PodReadyToStartContainers", phase not in TERMINAL_PHASES),
        _initialized(pod, init, regular, phase),
        _ready(pod, containers_ready, others),
        containers_ready,
        _cond("PodScheduled", True),
    ]
    stamp = format_time(now)
    for c in generated:
        prev = old_by_type.get(c["type"])
        if prev is not None and prev.get("status") == c["status"] and prev.get("lastTransitionTime"):
            c["lastTransitionTime"] = prev["lastTransitionTime"]
        else:
            c["lastTransitionTime"] = stamp
    return generated + others


# -- QoS -----------------------------------------------------------------------------------------

_SUFFIXES: dict[str, Fraction] = {
    "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18),
    "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
    "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$")


def parse_quantity(value: Any) -> Fraction:
    """A resource quantity's value ("100m" → 1/10, "1Gi" → 2**30). Raises ValueError."""
    if isinstance(value, int | float):
        return Fraction(value)
    m = _QUANTITY.match(str(value).strip())
    if not m:
        raise ValueError(f"invalid quantity {value!r}")
    number = Fraction(m.group(1))
    if m.group(2):
        return number * Fraction(10) ** int(m.group(2)[1:])
    return number * _SUFFIXES[m.group(3) or ""]


_QOS_RESOURCES = ("cpu", "memory")


def _qos_quantities(values: dict[str, Any] | None) -> dict[str, Fraction]:
    out = {}
    for k, v in (values or {}).items():
        if k in _QOS_RESOURCES:
            try:
                out[k] = parse_quantity(v)
            except ValueError:  # validation rejects these; never fail a status write over one
                continue
    return out


def qos_class(pod: Obj) -> str:
    """Guaranteed: every container limits cpu and memory and requests equal limits (summed
    over containers). BestEffort: no cpu/memory requests or limits anywhere. Else Burstable.
    A missing request counts as equal to its limit, as API defaulting would have made it."""
    spec = pod.get("spec", {})
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        res = c.get("resources") or {}
        lim = _qos_quantities(res.get("limits"))
        req = _qos_quantities(res.get("requests"))
        for k, v in lim.items():
            req.setdefault(k, v)
        for k, v in req.items():
            if v > 0:
                requests[k] = requests.get(k, Fraction(0)) + v
        found = set()
        for k, v in lim.items():
            if v > 0:
                found.add(k)
                limits[k] = limits.get(k, Fraction(0)) + v
        if found != set(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests.keys() == limits.keys() and all(limits[k] == v for k, v in requests.items()):
        return "Guaranteed"
    return "Burstable"


# -- the whole status --------------------------------------------------------------------------


def generate_pod_status(
    pod: Obj,
    *,
    container_statuses: list[Obj],
    init_container_statuses: list[Obj],
    host_ip: str,
    pod_ip: str | None,
    start_time: str | None,
    now: dt.datetime,
) -> Obj:
    """The status kubelet would write for `pod` given its container statuses.

    The pod's current status supplies what must survive: a terminal phase never changes
    (pods do not come back from Succeeded/Failed), reason/message stay while the phase does,
    condition transition times stay while their status does, and conditions, fields and
    nominatedNodeName that others own are kept.
    """
    old = pod.get("status") or {}
    phase = pod_phase(pod, container_statuses, init_container_statuses)
    if old.get("phase") in TERMINAL_PHASES:
        phase = old["phase"]
    status: Obj = {"phase": phase}
    status["conditions"] = pod_conditions(
        pod, phase=phase, container_statuses=container_statuses,
        init_container_statuses=init_container_statuses, now=now,
    )
    if old.get("phase") == phase:
        for k in ("message", "reason"):
            if old.get(k):
                status[k] = old[k]
    if old.get("nominatedNodeName"):
        status["nominatedNodeName"] = old["nominatedNodeName"]
    status["hostIP"] = host_ip
    status["hostIPs"] = [{"ip": host_ip}]
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    if start_time:
        status["startTime"] = start_time
    if init_container_statuses:
        status["initContainerStatuses"] = init_container_statuses
    status["containerStatuses"] = container_statuses
    status["qosClass"] = qos_class(pod)
    return status
