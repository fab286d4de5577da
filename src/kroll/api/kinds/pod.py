"""core/v1 Pod: defaults, the admission steps a real cluster applies, validation.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Pod, SetDefaults_PodSpec),
pkg/registry/core/pod/strategy.go (PrepareForCreate, ToSelectableFields),
pkg/apis/core/validation/validation.go (ValidatePodCreate, ValidatePodUpdate), and the
admission plugins that `kubectl get pod -o yaml` shows the effect of:

- ServiceAccount: `serviceAccountName: default` (and the mirrored `serviceAccount`); the
  projected `kube-api-access-*` token volume is *not* added (kroll issues no tokens);
- DefaultTolerationSeconds: NoExecute tolerations for `node.kubernetes.io/not-ready` and
  `node.kubernetes.io/unreachable` with `tolerationSeconds: 300`, unless already tolerated;
- Priority: `priority: 0` and `preemptionPolicy: PreemptLowerPriority` without a class, the
  built-in system classes' values with one, 403 for an unknown class.

A created pod's status is `{phase: Pending, qosClass: ...}`. Spec updates are limited to
container images, activeDeadlineSeconds, added tolerations and the negative grace period fix.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from kroll.api import errors
from kroll.api.defaults import default_pod
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import (
    as_dict,
    as_list,
    check_str,
    ip_errors,
    name_is_dns_subdomain,
    quantity_value,
    validate_pod_spec,
    validate_pod_spec_update,
)

DEFAULT_TOLERATION_SECONDS = 300
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
SCHEDULING_GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates"


def _spec(obj: Obj) -> dict:
    return as_dict(obj.get("spec"))


def _status(obj: Obj) -> dict:
    return as_dict(obj.get("status"))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _pod_ip(obj: Obj) -> str:
    status = _status(obj)
    ips = as_list(status.get("podIPs"))
    if ips and isinstance(ips[0], dict):
        return _str(ips[0].get("ip"))
    return _str(status.get("podIP"))


FIELD_GETTERS = {
    "spec.nodeName": lambda o: _str(_spec(o).get("nodeName")),
    "spec.restartPolicy": lambda o: _str(_spec(o).get("restartPolicy")),
    "spec.schedulerName": lambda o: _str(_spec(o).get("schedulerName")),
    "spec.serviceAccountName": lambda o: _str(_spec(o).get("serviceAccountName")),
    "spec.hostNetwork": lambda o: "true" if _spec(o).get("hostNetwork") is True else "false",
    "status.phase": lambda o: _str(_status(o).get("phase")),
    "status.podIP": _pod_ip,
    "status.nominatedNodeName": lambda o: _str(_status(o).get("nominatedNodeName")),
}


def qos_class(pod: Obj) -> str:
    """GetPodQOS: BestEffort without cpu/memory requests or limits, Guaranteed when every
    container limits cpu and memory and requests equal limits, Burstable otherwise."""
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    spec = _spec(pod)
    for container in as_list(spec.get("initContainers")) + as_list(spec.get("containers")):
        res = as_dict(as_dict(container).get("resources"))
        for name, q in as_dict(res.get("requests")).items():
            value = quantity_value(q)
            if name in ("cpu", "memory") and value is not None and value > 0:
                requests[name] = requests.get(name, Fraction(0)) + value
        found = set()
        for name, q in as_dict(res.get("limits")).items():
            value = quantity_value(q)
            if name in ("cpu", "memory") and value is not None and value > 0:
                found.add(name)
                limits[name] = limits.get(name, Fraction(0)) + value
        if found != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(k) == v for k, v in requests.items()) and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _tolerates(tolerations: list, key: str) -> bool:
    for t in tolerations:
        t = as_dict(t)
        if t.get("key") in (key, "", None) and t.get("effect") in ("NoExecute", "", None):
            return True
    return False


def admit_pod(pod: Obj) -> None:
    """ServiceAccount, DefaultTolerationSeconds and Priority admission (create only)."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    name = as_dict(pod.get("metadata")).get("name") or ""
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = "default"
    spec["serviceAccount"] = spec["serviceAccountName"]
    tolerations = spec.get("tolerations")
    if tolerations is None:
        tolerations = []
    if isinstance(tolerations, list):
        for taint in (NOT_READY_TAINT, UNREACHABLE_TAINT):
            if not _tolerates(tolerations, taint):
                tolerations.append({"key": taint, "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
        spec["tolerations"] = tolerations
    class_name = spec.get("priorityClassName")
    if class_name:
        if class_name not in SYSTEM_PRIORITY_CLASSES:
            raise errors.forbidden_request(f'pods "{name}" is forbidden: no PriorityClass with name {class_name} '
                                           "was found")
        priority = SYSTEM_PRIORITY_CLASSES[class_name]
    else:
        priority = 0
    given = spec.get("priority")
    if given is not None and given != priority:
        raise errors.forbidden_request(
            f'pods "{name}" is forbidden: the integer value of priority ({given}) must not be provided in pod spec; '
            f"priority admission controller computed {priority} from the given PriorityClass name")
    spec["priority"] = priority
    if spec.get("preemptionPolicy") is None:
        spec["preemptionPolicy"] = "PreemptLowerPriority"


class PodStrategy(Strategy):
    has_status_subresource = True
    field_getters = FIELD_GETTERS

    def default(self, obj: Obj) -> None:
        default_pod(obj)

    def prepare_create(self, obj: Obj) -> None:
        admit_pod(obj)
        status: dict[str, Any] = {"phase": "Pending", "qosClass": qos_class(obj)}
        if as_list(_spec(obj).get("schedulingGates")):
            status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated",
                                     "message": SCHEDULING_GATED_MESSAGE, "lastProbeTime": None,
                                     "lastTransitionTime": None}]
        obj["status"] = status

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True, name_fn=name_is_dns_subdomain)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        if old is None:
            errs += validate_pod_spec(spec, "spec")
        else:
            for key in ("containers", "initContainers"):
                for i, container in enumerate(as_list(spec.get(key))):
                    if isinstance(container, dict) and not container.get("image"):
                        errs.append(errors.required(f"spec.{key}[{i}].image"))
            errs += validate_pod_spec_update(spec, old.get("spec"))
        return errs

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        status = obj.get("status")
        if status is None:
            return errs
        if not isinstance(status, dict):
            return [*errs, errors.invalid("status", status, "must be of type object")]
        nominated = check_str(status, "nominatedNodeName", "status.nominatedNodeName", errs)
        if nominated:
            errs += [errors.invalid("status.nominatedNodeName", nominated, m) for m in name_is_dns_subdomain(nominated)]
        for key in ("podIPs", "hostIPs"):
            for i, entry in enumerate(as_list(status.get(key))):
                ip = as_dict(entry).get("ip")
                if isinstance(ip, str):
                    errs += [errors.invalid(f"status.{key}[{i}].ip", ip, m) for m in ip_errors(ip)]
        return errs


strategy = PodStrategy()
