"""apps/v1 DaemonSet: defaults, validation, template generation.

Upstream: pkg/apis/apps/v1/defaults.go (SetDefaults_DaemonSet),
pkg/apis/apps/validation/validation.go (ValidateDaemonSetSpec, ValidateRollingUpdateDaemonSet),
pkg/registry/apps/daemonset/strategy.go, and the v1 conversion that carries
`spec.templateGeneration` in the `deprecated.daemonset.template.generation` annotation.

The annotation is server-owned: 1 on create (a value ≥ 1 sent on create is kept, as the
conversion reads it), on update it is the stored value, plus one when `spec.template`
changed (generation then moves too). /status writes cannot change it.
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.defaults import default_pod_template
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.selectors import selector_from_object, validate_label_selector
from kroll.api.types import Obj
from kroll.api.validation import (
    as_dict,
    check_int,
    immutable_selector,
    int_or_percent_errors,
    int_or_percent_value,
    nonnegative,
    not_more_than_100_percent,
    semantic_equal,
    validate_pod_template_spec,
)

TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
STATUS_FIELDS = ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady",
                 "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable")
REQUIRED_STATUS = ("currentNumberScheduled", "desiredNumberScheduled", "numberMisscheduled", "numberReady")


def default_daemonset(obj: Obj) -> None:
    spec = c.spec_of(obj)
    if spec is None:
        return
    us = spec.get("updateStrategy")
    if us is None:
        spec["updateStrategy"] = us = {}
    if isinstance(us, dict):
        if not us.get("type"):
            us["type"] = "RollingUpdate"
        if us["type"] == "RollingUpdate":
            ru = us.get("rollingUpdate")
            if ru is None:
                us["rollingUpdate"] = ru = {}
            if isinstance(ru, dict):
                if ru.get("maxUnavailable") is None:
                    ru["maxUnavailable"] = 1
                if ru.get("maxSurge") is None:
                    ru["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("template") is None:
        spec["template"] = {}
    default_pod_template(spec["template"])


def template_generation(obj: Obj) -> int:
    """The DaemonSet's templateGeneration (0 when absent or unparsable)."""
    value = as_dict(as_dict(obj.get("metadata")).get("annotations")).get(TEMPLATE_GENERATION)
    try:
        return int(value) if isinstance(value, str) else 0
    except ValueError:
        return 0


def _set_template_generation(obj: Obj, value: int) -> None:
    md = obj.setdefault("metadata", {})
    annotations = md.get("annotations")
    if not isinstance(annotations, dict):
        md["annotations"] = annotations = {}
    annotations[TEMPLATE_GENERATION] = str(value)


def validate_daemonset_spec(spec: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    selector = spec.get("selector")
    errs += validate_label_selector(selector, "spec.selector")
    try:
        compiled = selector_from_object(selector)
    except errors.ApiError:
        compiled = None
    labels = c.template_labels(spec)
    if compiled is not None and not compiled.matches(labels if isinstance(labels, dict) else {}):
        errs.append(errors.invalid("spec.template.metadata.labels", errors.string_map(labels),
                                   "`selector` does not match template `labels`"))
    if isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions"):
        errs.append(errors.invalid("spec.selector", selector, "empty selector is invalid for daemonset"))
    errs += validate_pod_template_spec(spec.get("template"), "spec.template")
    c.template_restart_errors(spec, errs, owner="DaemonSet")
    errs += nonnegative(check_int(spec, "minReadySeconds", "spec.minReadySeconds", errs), "spec.minReadySeconds")
    _update_strategy_errors(spec.get("updateStrategy"), errs)
    c.revision_history_limit_errors(spec, errs)
    return errs


def _update_strategy_errors(strategy: object, errs: list[FieldError]) -> None:
    path = "spec.updateStrategy"
    us = as_dict(strategy)
    utype = us.get("type")
    ru = us.get("rollingUpdate")
    if utype == "OnDelete":
        return
    if utype != "RollingUpdate":
        errs.append(errors.not_supported(path, c.go_struct(Type=utype or "", RollingUpdate=ru),
                                         ("RollingUpdate", "OnDelete")))
        return
    if ru is None:
        errs.append(errors.required(f"{path}.rollingUpdate"))
        return
    if not isinstance(ru, dict):
        errs.append(errors.invalid(f"{path}.rollingUpdate", ru, "must be of type object"))
        return
    p = f"{path}.rollingUpdate"
    mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
    errs += int_or_percent_errors(mu, f"{p}.maxUnavailable")
    errs += int_or_percent_errors(ms, f"{p}.maxSurge")
    errs += not_more_than_100_percent(mu, f"{p}.maxUnavailable")
    errs += not_more_than_100_percent(ms, f"{p}.maxSurge")
    has_unavailable = int_or_percent_value(mu) != 0
    has_surge = int_or_percent_value(ms) != 0
    if has_unavailable and has_surge:
        errs.append(errors.invalid(f"{p}.maxSurge", ms, "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errs.append(errors.required(f"{p}.maxUnavailable", "cannot be 0 when maxSurge is 0"))


def validate_daemonset_status(status: object, old_status: object) -> list[FieldError]:
    errs: list[FieldError] = []
    c.nonnegative_fields(status, STATUS_FIELDS, "status", errs)
    errs += nonnegative(check_int(status, "collisionCount", "status.collisionCount", errs), "status.collisionCount")
    errs += c.collision_count_decrement(status, old_status, "status")
    return errs


class DaemonSetStrategy(Strategy):
    has_status_subresource = True

    def default(self, obj: Obj) -> None:
        default_daemonset(obj)

    def prepare_create(self, obj: Obj) -> None:
        obj["status"] = {}
        c.fill_status(obj, REQUIRED_STATUS)
        _set_template_generation(obj, max(template_generation(obj), 1))

    def prepare_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_update(obj, old)
        c.fill_status(obj, REQUIRED_STATUS)
        generation = template_generation(old)
        if not semantic_equal(as_dict(obj.get("spec")).get("template"), as_dict(old.get("spec")).get("template")):
            generation += 1
        if generation:
            _set_template_generation(obj, generation)
        else:
            annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
            annotations.pop(TEMPLATE_GENERATION, None)

    def prepare_status_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_status_update(obj, old)
        c.fill_status(obj, REQUIRED_STATUS)
        generation = template_generation(old)
        if generation:
            _set_template_generation(obj, generation)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        errs += validate_daemonset_spec(spec)
        if old is not None:
            errs += immutable_selector(spec.get("selector"), as_dict(old.get("spec")).get("selector"), "spec.selector")
        return errs

    def generation_changed(self, obj: Obj, old: Obj) -> bool:
        return not semantic_equal(obj.get("spec"), old.get("spec"))

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        return c.meta_errors(obj, old, namespaced=True) + validate_daemonset_status(obj.get("status"),
                                                                                   old.get("status"))


strategy = DaemonSetStrategy()
