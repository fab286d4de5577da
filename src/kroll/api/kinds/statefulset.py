"""apps/v1 StatefulSet: defaults, validation, update restrictions.

Upstream: pkg/apis/apps/v1/defaults.go (SetDefaults_StatefulSet),
pkg/apis/apps/validation/validation.go (ValidateStatefulSetSpec, ValidateStatefulSetUpdate,
ValidateStatefulSetStatus), pkg/registry/apps/statefulset/strategy.go.

Defaulting of the update strategy is subtle:

    updateStrategy absent / type ""      -> {type: RollingUpdate, rollingUpdate: {partition: 0, maxUnavailable: 1}}
    {type: RollingUpdate}                -> unchanged (no rollingUpdate block is created)
    {type: RollingUpdate, rollingUpdate: {}} -> partition 0, maxUnavailable 1
    {type: OnDelete}                     -> unchanged

(`maxUnavailable: 1` comes from the MaxUnavailableStatefulSet gate, beta and on since 1.35.)
Names are DNS labels (pods get `<name>-<ordinal>` hostnames), and only the pod template's
labels and annotations are validated, not its pod spec, as upstream does.
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.defaults import default_pod_template, default_pvc_template
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import (
    as_dict,
    check_int,
    int_or_percent_errors,
    int_or_percent_value,
    name_is_dns_label,
    nonnegative,
    not_more_than_100_percent,
    semantic_equal,
)

STATUS_FIELDS = ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas")
REQUIRED_STATUS = ("availableReplicas", "replicas")
UPDATABLE_SPEC_FIELDS = ("replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                         "persistentVolumeClaimRetentionPolicy", "minReadySeconds")
FORBIDDEN_UPDATE_MSG = ("updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                        "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
                        "'minReadySeconds' are forbidden")


def default_statefulset(obj: Obj) -> None:
    spec = c.spec_of(obj)
    if spec is None:
        return
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    us = spec.get("updateStrategy")
    if us is None:
        spec["updateStrategy"] = us = {}
    if isinstance(us, dict):
        if not us.get("type"):
            us["type"] = "RollingUpdate"
            if us.get("rollingUpdate") is None:
                us["rollingUpdate"] = {}
        ru = us.get("rollingUpdate")
        if us["type"] == "RollingUpdate" and isinstance(ru, dict):
            if ru.get("partition") is None:
                ru["partition"] = 0
            if ru.get("maxUnavailable") is None:
                ru["maxUnavailable"] = 1
    policy = spec.get("persistentVolumeClaimRetentionPolicy")
    if policy is None:
        spec["persistentVolumeClaimRetentionPolicy"] = policy = {}
    if isinstance(policy, dict):
        for key in ("whenDeleted", "whenScaled"):
            if not policy.get(key):
                policy[key] = "Retain"
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("template") is None:
        spec["template"] = {}
    default_pod_template(spec["template"])
    for claim in spec.get("volumeClaimTemplates") or ():
        default_pvc_template(claim)


def validate_statefulset_spec(spec: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    pmp = spec.get("podManagementPolicy")
    if not pmp:
        errs.append(errors.required("spec.podManagementPolicy"))
    elif pmp not in ("OrderedReady", "Parallel"):
        errs.append(errors.invalid("spec.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'"))
    us = as_dict(spec.get("updateStrategy"))
    utype = us.get("type")
    ru = us.get("rollingUpdate")
    if not utype:
        errs.append(errors.required("spec.updateStrategy"))
    elif utype == "OnDelete":
        if ru is not None:
            errs.append(errors.invalid("spec.updateStrategy.rollingUpdate", ru,
                                       "only allowed for updateStrategy 'RollingUpdate'"))
    elif utype == "RollingUpdate":
        if isinstance(ru, dict):
            p = "spec.updateStrategy.rollingUpdate"
            errs += nonnegative(check_int(ru, "partition", f"{p}.partition", errs), f"{p}.partition")
            mu = ru.get("maxUnavailable")
            if mu is not None:
                errs += int_or_percent_errors(mu, f"{p}.maxUnavailable")
                if int_or_percent_value(mu) == 0:
                    errs.append(errors.invalid(f"{p}.maxUnavailable", mu, "cannot be 0"))
                errs += not_more_than_100_percent(mu, f"{p}.maxUnavailable")
        elif ru is not None:
            errs.append(errors.invalid("spec.updateStrategy.rollingUpdate", ru, "must be of type object"))
    else:
        errs.append(errors.invalid("spec.updateStrategy", c.go_struct(Type=utype, RollingUpdate=ru),
                                   "must be 'RollingUpdate' or 'OnDelete'"))
    policy = spec.get("persistentVolumeClaimRetentionPolicy")
    if isinstance(policy, dict):
        for key in ("whenDeleted", "whenScaled"):
            value = policy.get(key)
            if value not in ("Retain", "Delete"):
                errs.append(errors.not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{key}",
                                                 value if value is not None else "", ("Retain", "Delete")))
    errs += nonnegative(check_int(spec, "replicas", "spec.replicas", errs), "spec.replicas")
    errs += nonnegative(check_int(spec, "minReadySeconds", "spec.minReadySeconds", errs), "spec.minReadySeconds")
    ordinals = spec.get("ordinals")
    if isinstance(ordinals, dict):
        errs += nonnegative(check_int(ordinals, "start", "spec.ordinals.start", errs), "spec.ordinals.start")
    compiled = c.selector_errors(spec, errs, kind="statefulset", invalid_detail="")
    if compiled is not None:
        c.template_match_errors(spec, compiled, errs)
        c.template_meta_only_errors(spec, errs)
    c.template_restart_errors(spec, errs, owner="StatefulSet")
    return errs


def validate_statefulset_status(status: object, old_status: object) -> list[FieldError]:
    errs: list[FieldError] = []
    counts = c.nonnegative_fields(status, STATUS_FIELDS, "status", errs)
    for key in ("observedGeneration", "collisionCount"):
        errs += nonnegative(check_int(status, key, f"status.{key}", errs), f"status.{key}")
    msg = "cannot be greater than status.replicas"
    for key in ("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"):
        if counts[key] > counts["replicas"]:
            errs.append(errors.invalid(f"status.{key}", counts[key], msg))
    if counts["availableReplicas"] > counts["readyReplicas"]:
        errs.append(errors.invalid("status.availableReplicas", counts["availableReplicas"],
                                   "cannot be greater than status.readyReplicas"))
    errs += c.collision_count_decrement(status, old_status, "status")
    return errs


class StatefulSetStrategy(Strategy):
    has_status_subresource = True

    def default(self, obj: Obj) -> None:
        default_statefulset(obj)

    def prepare_create(self, obj: Obj) -> None:
        obj["status"] = {}
        c.fill_status(obj, REQUIRED_STATUS)

    def prepare_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_update(obj, old)
        c.fill_status(obj, REQUIRED_STATUS)

    def prepare_status_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_status_update(obj, old)
        c.fill_status(obj, REQUIRED_STATUS)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True, name_fn=name_is_dns_label)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        errs += validate_statefulset_spec(spec)
        if old is not None:
            old_spec = as_dict(old.get("spec"))
            rest = {k: v for k, v in spec.items() if k not in UPDATABLE_SPEC_FIELDS}
            old_rest = {k: v for k, v in old_spec.items() if k not in UPDATABLE_SPEC_FIELDS}
            if not semantic_equal(rest, old_rest):
                errs.append(errors.forbidden("spec", FORBIDDEN_UPDATE_MSG))
        return errs

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        errs = validate_statefulset_status(obj.get("status"), old.get("status"))
        return errs + c.meta_errors(obj, old, namespaced=True)

    def generation_changed(self, obj: Obj, old: Obj) -> bool:
        return not semantic_equal(obj.get("spec"), old.get("spec"))


strategy = StatefulSetStrategy()
