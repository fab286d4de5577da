"""apps/v1 Deployment: defaults, validation, generation.

Upstream: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment),
pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec, ValidateDeploymentStatus),
pkg/registry/apps/deployment/strategy.go.

Generation moves on spec *or* annotation changes (annotations are copied onto the new
ReplicaSet, so the controller must see them as a new generation); labels alone do not.
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.defaults import default_pod_template
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import (
    as_dict,
    check_int,
    immutable_selector,
    nonnegative,
    semantic_equal,
)

STATUS_FIELDS = ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                 "unavailableReplicas", "terminatingReplicas")


def default_deployment(obj: Obj) -> None:
    spec = c.spec_of(obj)
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.get("strategy")
    if strategy is None:
        spec["strategy"] = strategy = {}
    if isinstance(strategy, dict):
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
        if strategy["type"] == "RollingUpdate":
            ru = strategy.get("rollingUpdate")
            if ru is None:
                strategy["rollingUpdate"] = ru = {}
            if isinstance(ru, dict):
                if ru.get("maxUnavailable") is None:
                    ru["maxUnavailable"] = "25%"
                if ru.get("maxSurge") is None:
                    ru["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    if spec.get("template") is None:
        spec["template"] = {}
    default_pod_template(spec["template"])


def validate_deployment_spec(spec: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    replicas = check_int(spec, "replicas", "spec.replicas", errs)
    errs += nonnegative(replicas, "spec.replicas")
    compiled = c.selector_errors(spec, errs, kind="deployment")
    if compiled is not None:
        c.replica_set_template_errors(spec, compiled, errs, owner="ReplicaSet")
    _strategy_errors(spec.get("strategy"), errs)
    mrs = check_int(spec, "minReadySeconds", "spec.minReadySeconds", errs)
    errs += nonnegative(mrs, "spec.minReadySeconds")
    c.revision_history_limit_errors(spec, errs)
    pds = check_int(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", errs)
    if pds is not None:
        errs += nonnegative(pds, "spec.progressDeadlineSeconds")
        if pds <= (mrs or 0):
            errs.append(errors.invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
    return errs


def _strategy_errors(strategy: object, errs: list[FieldError]) -> None:
    path = "spec.strategy"
    st = as_dict(strategy)
    stype = st.get("type")
    ru = st.get("rollingUpdate")
    if stype == "Recreate":
        if ru is not None:
            errs.append(errors.forbidden(f"{path}.rollingUpdate",
                                         "may not be specified when strategy `type` is 'Recreate'"))
    elif stype == "RollingUpdate":
        if ru is None:
            errs.append(errors.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil"))
        elif not isinstance(ru, dict):
            errs.append(errors.invalid(f"{path}.rollingUpdate", ru, "must be of type object"))
        else:
            p = f"{path}.rollingUpdate"
            unavailable, surge = c.rolling_update_int_or_percent(ru, errs, p)
            if unavailable == 0 and surge == 0:
                errs.append(errors.invalid(f"{p}.maxUnavailable", ru.get("maxUnavailable"),
                                           "may not be 0 when `maxSurge` is 0"))
            c.surge_not_more_than_100(ru, errs, p, surge=False)
    else:
        errs.append(errors.not_supported(path, c.go_struct(Type=stype or "", RollingUpdate=ru),
                                         ("Recreate", "RollingUpdate")))


def validate_deployment_status(status: object, old_status: object) -> list[FieldError]:
    errs: list[FieldError] = []
    counts = c.nonnegative_fields(status, STATUS_FIELDS, "status", errs)
    cc = check_int(status, "collisionCount", "status.collisionCount", errs)
    errs += nonnegative(cc, "status.collisionCount")
    msg = "cannot be greater than status.replicas"
    for key in ("updatedReplicas", "readyReplicas", "availableReplicas"):
        if counts[key] > counts["replicas"]:
            errs.append(errors.invalid(f"status.{key}", counts[key], msg))
    if counts["availableReplicas"] > counts["readyReplicas"]:
        errs.append(errors.invalid("status.availableReplicas", counts["availableReplicas"],
                                   "cannot be greater than readyReplicas"))
    errs += c.collision_count_decrement(status, old_status, "status")
    return errs


class DeploymentStrategy(Strategy):
    has_status_subresource = True

    def default(self, obj: Obj) -> None:
        default_deployment(obj)

    def prepare_create(self, obj: Obj) -> None:
        obj["status"] = {}

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        errs += validate_deployment_spec(spec)
        if old is not None:
            errs += immutable_selector(spec.get("selector"), as_dict(old.get("spec")).get("selector"), "spec.selector")
        return errs

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        return errs + validate_deployment_status(obj.get("status"), old.get("status"))

    def generation_changed(self, obj: Obj, old: Obj) -> bool:
        return not semantic_equal(obj.get("spec"), old.get("spec")) or not semantic_equal(
            as_dict(obj.get("metadata")).get("annotations"), as_dict(old.get("metadata")).get("annotations"))


strategy = DeploymentStrategy()
