"""events.k8s.io/v1 Event: strict validation of new-style events.

Upstream: pkg/apis/core/validation/events.go (ValidateEventCreate for events.k8s.io/v1,
ValidateEventUpdate, validateV1EventSeries). Field selectors accept the events.k8s.io names
(`regarding.name`) and, because upstream stores both APIs as one resource, the core names
(`involvedObject.name`, `source`, `reportingComponent`) too.
"""

from __future__ import annotations

from typing import Any

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.kinds.event import fill_written_fields, legacy_event_errors
from kroll.api.types import Obj
from kroll.api.validation import as_dict, immutable, is_int

IMMUTABLE_FIELDS = ("regarding", "reason", "note", "deprecatedSource", "deprecatedFirstTimestamp",
                    "deprecatedLastTimestamp", "deprecatedCount", "type", "eventTime", "action", "related",
                    "reportingController", "reportingInstance")


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _regarding(key: str):
    return lambda o: _s(as_dict(o.get("regarding")).get(key))


FIELD_GETTERS = {}
for _key in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
    FIELD_GETTERS[f"regarding.{_key}"] = _regarding(_key)
    FIELD_GETTERS[f"involvedObject.{_key}"] = _regarding(_key)
FIELD_GETTERS.update({
    "reason": lambda o: _s(o.get("reason")),
    "reportingController": lambda o: _s(o.get("reportingController")),
    "reportingComponent": lambda o: _s(o.get("reportingController")),
    "source": lambda o: _s(as_dict(o.get("deprecatedSource")).get("component")),
    "type": lambda o: _s(o.get("type")),
})


def _series_errors(obj: Obj) -> list[FieldError]:
    series = obj.get("series")
    if series is None:
        return []
    errs: list[FieldError] = []
    series = as_dict(series)
    count = series.get("count")
    if not is_int(count) or count < 2:
        errs.append(errors.invalid("series.count", "", "should be at least 2"))
    if not series.get("lastObservedTime"):
        errs.append(errors.required("series.lastObservedTime"))
    return errs


# always written by Go: the required eventTime, the struct-typed regarding/deprecatedSource and
# the zero deprecated timestamps
_WRITTEN = (("eventTime", None), ("regarding", dict), ("deprecatedSource", dict),
            ("deprecatedFirstTimestamp", None), ("deprecatedLastTimestamp", None))


class EventsV1Strategy(Strategy):
    field_getters = FIELD_GETTERS

    def default(self, obj: Obj) -> None:
        fill_written_fields(obj, _WRITTEN)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        namespace = _s(as_dict(obj.get("metadata")).get("namespace"))
        errs += legacy_event_errors(
            namespace=namespace,
            involved_namespace=_s(as_dict(obj.get("regarding")).get("namespace")),
            event_time=obj.get("eventTime"),
            reporting_controller=_s(obj.get("reportingController")),
            reporting_field="reportingController",
            reporting_instance=_s(obj.get("reportingInstance")),
            action=_s(obj.get("action")),
            reason=_s(obj.get("reason")),
            note=_s(obj.get("note")),
            note_field="note",
            involved_field="regarding",
        )
        errs += _series_errors(obj)
        if not obj.get("eventTime"):
            errs.append(errors.required("eventTime"))
        etype = obj.get("type")
        if etype not in ("Normal", "Warning"):
            errs.append(errors.invalid("type", "", f"has invalid value: {_s(etype)}"))
        for key in ("deprecatedFirstTimestamp", "deprecatedLastTimestamp"):
            if obj.get(key):
                errs.append(errors.invalid(key, "", "needs to be unset"))
        if obj.get("deprecatedCount"):
            errs.append(errors.invalid("deprecatedCount", "", "needs to be unset"))
        source = as_dict(obj.get("deprecatedSource"))
        if source.get("component") or source.get("host"):
            errs.append(errors.invalid("deprecatedSource", "", "needs to be unset"))
        if old is not None:
            for key in IMMUTABLE_FIELDS:
                errs += immutable(obj.get(key), old.get(key), key)
        return errs


strategy = EventsV1Strategy()
