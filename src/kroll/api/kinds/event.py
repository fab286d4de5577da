"""core/v1 Event: namespace agreement, the "new style" required fields, field selectors.

Upstream: pkg/apis/core/validation/events.go (ValidateEventCreate, legacyValidateEvent),
pkg/registry/core/event/strategy.go (ToSelectableFields). Events written through the core
API may be updated freely (recorders bump count, lastTimestamp and message).
"""

from __future__ import annotations

from typing import Any

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import as_dict, dns1123_subdomain_errors, label_key_errors

REPORTING_INSTANCE_LIMIT = 128
ACTION_LIMIT = 128
REASON_LIMIT = 128
NOTE_LIMIT = 1024


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _involved(key: str):
    return lambda o: _s(as_dict(o.get("involvedObject")).get(key))


FIELD_GETTERS = {
    "involvedObject.kind": _involved("kind"),
    "involvedObject.namespace": _involved("namespace"),
    "involvedObject.name": _involved("name"),
    "involvedObject.uid": _involved("uid"),
    "involvedObject.apiVersion": _involved("apiVersion"),
    "involvedObject.resourceVersion": _involved("resourceVersion"),
    "involvedObject.fieldPath": _involved("fieldPath"),
    "reason": lambda o: _s(o.get("reason")),
    "reportingComponent": lambda o: _s(o.get("reportingComponent")),
    "source": lambda o: _s(as_dict(o.get("source")).get("component")),
    "type": lambda o: _s(o.get("type")),
}


def legacy_event_errors(*, namespace: str, involved_namespace: str, event_time: Any, reporting_controller: str,
                        reporting_field: str, reporting_instance: str, action: str, reason: str, note: str,
                        note_field: str, involved_field: str) -> list[FieldError]:
    """legacyValidateEvent, shared by both Event APIs (field names differ per API)."""
    errs: list[FieldError] = []
    if not event_time:
        if not involved_namespace:
            if namespace not in ("", "default"):
                errs.append(errors.invalid(f"{involved_field}.namespace", involved_namespace,
                                           "does not match event.namespace"))
        elif namespace != involved_namespace:
            errs.append(errors.invalid(f"{involved_field}.namespace", involved_namespace,
                                       "does not match event.namespace"))
    else:
        if not involved_namespace and namespace not in ("default", "kube-system"):
            errs.append(errors.invalid(f"{involved_field}.namespace", involved_namespace,
                                       "does not match event.namespace"))
        if not reporting_controller:
            errs.append(errors.required(reporting_field))
        errs += [errors.invalid(reporting_field, reporting_controller, m) for m in label_key_errors(reporting_controller)]
        if not reporting_instance:
            errs.append(errors.required("reportingInstance"))
        if len(reporting_instance) > REPORTING_INSTANCE_LIMIT:
            errs.append(errors.invalid("reportingInstance", "", f"can have at most {REPORTING_INSTANCE_LIMIT} "
                                       "characters"))
        if not action:
            errs.append(errors.required("action"))
        if len(action) > ACTION_LIMIT:
            errs.append(errors.invalid("action", "", f"can have at most {ACTION_LIMIT} characters"))
        if not reason:
            errs.append(errors.required("reason"))
        if len(reason) > REASON_LIMIT:
            errs.append(errors.invalid("reason", "", f"can have at most {REASON_LIMIT} characters"))
        if len(note) > NOTE_LIMIT:
            errs.append(errors.invalid(note_field, "", f"can have at most {NOTE_LIMIT} characters"))
    errs += [errors.invalid("namespace", namespace, m) for m in dns1123_subdomain_errors(namespace)]
    return errs


# Fields Go always writes for a core/v1 Event: non-omitempty strings, structs, zero timestamps
# (`kubectl get events -o yaml` shows `eventTime: null`, `reportingInstance: ""`, `source: {}`).
_WRITTEN = (("involvedObject", dict), ("source", dict), ("reportingComponent", str), ("reportingInstance", str),
            ("eventTime", None), ("firstTimestamp", None), ("lastTimestamp", None))


def fill_written_fields(obj: Obj, fields: tuple[tuple[str, Any], ...]) -> None:
    for key, factory in fields:
        if key not in obj:
            obj[key] = factory() if factory is not None else None


class EventStrategy(Strategy):
    field_getters = FIELD_GETTERS

    def default(self, obj: Obj) -> None:
        fill_written_fields(obj, _WRITTEN)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        namespace = _s(as_dict(obj.get("metadata")).get("namespace"))
        errs += legacy_event_errors(
            namespace=namespace,
            involved_namespace=_s(as_dict(obj.get("involvedObject")).get("namespace")),
            event_time=obj.get("eventTime"),
            reporting_controller=_s(obj.get("reportingComponent")),
            reporting_field="reportingComponent",
            reporting_instance=_s(obj.get("reportingInstance")),
            action=_s(obj.get("action")),
            reason=_s(obj.get("reason")),
            note=_s(obj.get("message")),
            note_field="message",
            involved_field="involvedObject",
        )
        return errs


strategy = EventStrategy()
