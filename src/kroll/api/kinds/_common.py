"""Pieces the per-kind strategies share: metadata checks, status shapes, workload rules.

Workload validation follows pkg/apis/apps/validation/validation.go: selector required and
non-empty, template labels matched by the selector, restartPolicy Always, no
activeDeadlineSeconds, and the rolling-update knobs (ints or percents).
"""

from __future__ import annotations

from typing import Any

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.selectors import selector_from_object, validate_label_selector
from kroll.api.types import Obj
from kroll.api.validation import (
    NameFn,
    as_dict,
    check_dict,
    check_int,
    int_or_percent_errors,
    int_or_percent_value,
    name_is_dns_subdomain,
    nonnegative,
    not_more_than_100_percent,
    validate_annotations,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
    validate_pod_template_spec,
)

_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_error_offset(value: str) -> int | None:
    """Where Go's base64.StdEncoding would fail on `value` (newlines ignored), or None."""
    raw = value.encode("utf-8", "surrogatepass")
    chars = [(i, b) for i, b in enumerate(raw) if b not in (10, 13)]
    n = len(chars)
    for q in range(0, n, 4):
        quantum = chars[q:q + 4]
        pad = 0
        for k, (i, b) in enumerate(quantum):
            if b == 61:  # '='
                if k < 2:
                    return i
                pad += 1
            elif pad or b not in _B64:
                return i
        if len(quantum) < 4:
            return quantum[0][0]
        if pad and q + 4 < n:
            return chars[q + 4][0]
    return None


def meta_errors(obj: Obj, old: Obj | None, *, namespaced: bool,
                name_fn: NameFn = name_is_dns_subdomain) -> list[FieldError]:
    """ValidateObjectMeta on create, ValidateObjectMetaUpdate on update."""
    if old is None:
        return validate_object_meta(obj, namespaced=namespaced, name_fn=name_fn)
    return validate_object_meta_update(obj, old)


def spec_of(obj: Obj, *, create: bool = True) -> dict | None:
    """The object's spec dict; a missing spec becomes {} (Go's non-pointer struct)."""
    spec = obj.get("spec")
    if spec is None and create:
        obj["spec"] = spec = {}
    return spec if isinstance(spec, dict) else None


def fill_status(obj: Obj, zero_fields: tuple[str, ...]) -> None:
    """Write the status the way Go serializes it: required (non-omitempty) counters as 0."""
    status = obj.get("status")
    if status is None:
        obj["status"] = status = {}
    if isinstance(status, dict):
        for key in zero_fields:
            if status.get(key) is None:
                status[key] = 0


def nonnegative_fields(container: Any, keys: tuple[str, ...], path: str, errs: list[FieldError]) -> dict[str, int]:
    values: dict[str, int] = {}
    for key in keys:
        value = check_int(container, key, f"{path}.{key}", errs)
        errs += nonnegative(value, f"{path}.{key}")
        values[key] = value or 0
    return values


def collision_count_decrement(status: Any, old_status: Any, path: str) -> list[FieldError]:
    new = as_dict(status).get("collisionCount")
    old = as_dict(old_status).get("collisionCount")
    if isinstance(old, int) and not isinstance(old, bool) and (new is None or (isinstance(new, int) and new < old)):
        return [errors.invalid(f"{path}.collisionCount", new if new is not None else 0, "cannot be decremented")]
    return []


def template_labels(spec: dict) -> Any:
    return as_dict(as_dict(spec.get("template")).get("metadata")).get("labels")


def selector_errors(spec: dict, errs: list[FieldError], *, kind: str, required: bool = True,
                    invalid_detail: str = "invalid label selector") -> Any:
    """Selector checks; returns the compiled selector (or None when it does not convert)."""
    selector = spec.get("selector")
    if selector is None:
        if required:
            errs.append(errors.required("spec.selector"))
    else:
        errs += validate_label_selector(selector, "spec.selector")
        if isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions"):
            errs.append(errors.invalid("spec.selector", selector, f"empty selector is invalid for {kind}"))
    try:
        return selector_from_object(selector)
    except errors.ApiError:
        if required or selector is not None:
            errs.append(errors.invalid("spec.selector", selector, invalid_detail))
        return None


def template_match_errors(spec: dict, compiled: Any, errs: list[FieldError]) -> None:
    """`selector` does not match template `labels` (a nil selector never matches)."""
    labels = template_labels(spec)
    if compiled is None:
        return
    if not compiled.empty() and not compiled.matches(labels if isinstance(labels, dict) else {}):
        errs.append(errors.invalid("spec.template.metadata.labels", errors.string_map(labels),
                                   "`selector` does not match template `labels`"))


def replica_set_template_errors(spec: dict, compiled: Any, errs: list[FieldError], *, owner: str) -> None:
    """ValidatePodTemplateSpecForReplicaSet (also used for DaemonSets, with their own order)."""
    template_match_errors(spec, compiled, errs)
    template = spec.get("template")
    errs += validate_pod_template_spec(template, "spec.template")
    template_restart_errors(spec, errs, owner=owner)


def template_restart_errors(spec: dict, errs: list[FieldError], *, owner: str) -> None:
    tspec = as_dict(as_dict(spec.get("template")).get("spec"))
    restart = tspec.get("restartPolicy")
    if restart != "Always":
        errs.append(errors.not_supported("spec.template.spec.restartPolicy", restart if restart is not None else "",
                                         ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(errors.forbidden("spec.template.spec.activeDeadlineSeconds",
                                     f"activeDeadlineSeconds in {owner} is not Supported"))


def template_meta_only_errors(spec: dict, errs: list[FieldError]) -> None:
    """What StatefulSets check of their template: labels and annotations only."""
    template = spec.get("template")
    md = as_dict(as_dict(template).get("metadata"))
    errs += validate_labels(md.get("labels"), "spec.template.labels")
    errs += validate_annotations(md.get("annotations"), "spec.template.annotations")
    if template is not None and not isinstance(template, dict):
        errs.append(errors.invalid("spec.template", template, "must be of type object"))
    else:
        check_dict(as_dict(template), "spec", "spec.template.spec", errs)


def rolling_update_int_or_percent(ru: dict, errs: list[FieldError], path: str) -> tuple[int, int]:
    mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
    errs += int_or_percent_errors(mu, f"{path}.maxUnavailable")
    errs += int_or_percent_errors(ms, f"{path}.maxSurge")
    return int_or_percent_value(mu), int_or_percent_value(ms)


def go_struct(**fields: Any) -> dict[str, Any]:
    """An internal Go struct as upstream's JSON error rendering shows it (Go field names)."""
    return dict(fields)


def revision_history_limit_errors(spec: dict, errs: list[FieldError]) -> None:
    rhl = check_int(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errs)
    errs += nonnegative(rhl, "spec.revisionHistoryLimit")


def surge_not_more_than_100(ru: dict, errs: list[FieldError], path: str, *, surge: bool) -> None:
    errs += not_more_than_100_percent(ru.get("maxUnavailable"), f"{path}.maxUnavailable")
    if surge:
        errs += not_more_than_100_percent(ru.get("maxSurge"), f"{path}.maxSurge")
