"""core/v1 Node: taints, status defaults, the `spec.unschedulable` field selector.

Upstream: pkg/registry/core/node/strategy.go, pkg/apis/core/validation/validation.go
(ValidateNode, validateNodeTaints), pkg/apis/core/v1/defaults.go (SetDefaults_NodeStatus).

Unlike most kinds with a status subresource, a Node keeps the status sent on create (the
kubelet registers itself with its capacity and conditions).
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import (
    TAINT_EFFECTS,
    as_dict,
    canonical_quantity,
    check_bool,
    check_list,
    check_str,
    label_key_errors,
    label_value_errors,
)

NODE_INFO_FIELDS = ("machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
                    "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture")


def _unschedulable(obj: Obj) -> str:
    return "true" if as_dict(obj.get("spec")).get("unschedulable") is True else "false"


def _canonical_list(resources: object) -> None:
    if isinstance(resources, dict):
        for key in list(resources):
            resources[key] = canonical_quantity(resources[key], round_milli=True)


def taint_errors(taints: list, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        p = f"{path}[{i}]"
        if not isinstance(taint, dict):
            errs.append(errors.invalid(p, taint, "must be of type object"))
            continue
        key = check_str(taint, "key", f"{p}.key", errs)
        value = check_str(taint, "value", f"{p}.value", errs)
        effect = check_str(taint, "effect", f"{p}.effect", errs)
        errs += [errors.invalid(f"{p}.key", key, m) for m in label_key_errors(key)]
        msgs = label_value_errors(value)
        if msgs:
            errs.append(errors.invalid(f"{p}.value", value, ";".join(msgs)))
        if not effect:
            errs.append(errors.required(f"{p}.effect"))
        elif effect not in TAINT_EFFECTS:
            errs.append(errors.not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
        if (key, effect) in seen:
            errs.append(FieldError("Duplicate", p, "taints must be unique by key and effect pair", taint))
            continue
        seen.add((key, effect))
    return errs


class NodeStrategy(Strategy):
    has_status_subresource = True
    field_getters = {"spec.unschedulable": _unschedulable}

    def default(self, obj: Obj) -> None:
        status = obj.get("status")
        if isinstance(status, dict):
            info = status.get("nodeInfo")
            if isinstance(info, dict):
                # NodeSystemInfo's fields have no omitempty: Go always writes them, "" when unset
                # (kubeProxyVersion, which kubelets stopped reporting); clients require them
                for key in NODE_INFO_FIELDS:
                    info.setdefault(key, "")
            _canonical_list(status.get("capacity"))
            _canonical_list(status.get("allocatable"))
            if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
                status["allocatable"] = dict(status["capacity"])

    def prepare_create(self, obj: Obj) -> None:
        """The kubelet registers with its status: keep it."""

    def prepare_status_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_status_update(obj, old)
        self.default(obj)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=False)
        spec = obj.get("spec")
        if spec is not None and not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        errs += taint_errors(check_list(spec, "taints", "spec.taints", errs), "spec.taints")
        check_bool(spec, "unschedulable", "spec.unschedulable", errs)
        if old is not None:
            old_spec = as_dict(old.get("spec"))
            for key in ("podCIDR", "providerID"):
                if old_spec.get(key) and as_dict(spec).get(key) != old_spec.get(key):
                    errs.append(errors.forbidden(f"spec.{key}", f"node updates may not change {key} except from \"\" "
                                                 "to valid"))
        return errs

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        return c.meta_errors(obj, old, namespaced=False)


strategy = NodeStrategy()
