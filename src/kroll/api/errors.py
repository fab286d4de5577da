"""Kubernetes `Status` errors.

Every failure the API server returns is an `ApiError`, rendered as a `metav1.Status`
body with the code, reason and details kubectl prints. Field-level validation errors
are `FieldError`s; their messages follow apimachinery's `field.Error` format, e.g.

    spec.replicas: Invalid value: -1: must be greater than or equal to 0
    spec.selector: Required value
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

# field.ErrorType -> (cause reason, human prefix)
_FIELD_TYPES = {
    "Invalid": ("FieldValueInvalid", "Invalid value"),
    "Required": ("FieldValueRequired", "Required value"),
    "NotSupported": ("FieldValueNotSupported", "Unsupported value"),
    "Forbidden": ("FieldValueForbidden", "Forbidden"),
    "Duplicate": ("FieldValueDuplicate", "Duplicate value"),
    "TooLong": ("FieldValueTooLong", "Too long"),
    "TooMany": ("FieldValueTooMany", "Too many"),
    "NotFound": ("FieldValueNotFound", "Not found"),
    "Internal": ("InternalError", "Internal error"),
}
_OMIT_VALUE = {"Required", "Forbidden", "TooLong", "TooMany", "Internal"}
_NO_VALUE = object()


class GoRepr(str):
    """A bad value already rendered as Go's `%#v` would print it (see `string_map`)."""


def string_map(value: Any) -> GoRepr:
    """A map[string]string as Go prints it in field errors: `map[string]string{"app":"web"}`,
    or `map[string]string(nil)` when absent (keys sorted, as fmt does)."""
    if not isinstance(value, dict):
        return GoRepr("map[string]string(nil)") if value is None else GoRepr(_render_value(value))
    items = ", ".join(f"{orjson.dumps(str(k)).decode()}:{orjson.dumps(str(v)).decode()}"
                      for k, v in sorted(value.items()))
    return GoRepr("map[string]string{" + items + "}")


def _go_string(value: Any) -> str:
    return orjson.dumps(str(value)).decode()


def label_selector(value: Any) -> GoRepr:
    """A metav1.LabelSelector as Go's `%#v` prints it in field errors (`field is immutable`):
    `v1.LabelSelector{MatchLabels:map[string]string{"app":"web"},
    MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`."""
    if not isinstance(value, dict):
        return GoRepr(_render_value(value))
    exprs = value.get("matchExpressions")
    if isinstance(exprs, list):
        rendered = []
        for e in exprs:
            e = e if isinstance(e, dict) else {}
            values = e.get("values")
            vals = ("[]string{" + ", ".join(_go_string(v) for v in values) + "}"
                    if isinstance(values, list) else "[]string(nil)")
            rendered.append(f"v1.LabelSelectorRequirement{{Key:{_go_string(e.get('key', ''))}, "
                            f"Operator:{_go_string(e.get('operator', ''))}, Values:{vals}}}")
        expr_text = "[]v1.LabelSelectorRequirement{" + ", ".join(rendered) + "}"
    else:
        expr_text = "[]v1.LabelSelectorRequirement(nil)"
    return GoRepr(f"v1.LabelSelector{{MatchLabels:{string_map(value.get('matchLabels'))}, "
                  f"MatchExpressions:{expr_text}}}")


def _render_value(value: Any) -> str:
    """Render a bad value the way Go's field errors do (strings quoted, ints bare)."""
    if isinstance(value, GoRepr):
        return str(value)
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True)
class FieldError:
    type: str  # a key of _FIELD_TYPES: Invalid, Required, NotSupported, Forbidden, Duplicate, TooLong
    field: str  # dotted path with indexes: spec.template.spec.containers[0].image
    detail: str = ""
    value: Any = _NO_VALUE
    supported: tuple[str, ...] = ()

    def body(self) -> str:
        """The message without the field path (what goes in `causes[].message`)."""
        prefix = _FIELD_TYPES[self.type][1]
        parts = [prefix]
        if self.type not in _OMIT_VALUE and self.value is not _NO_VALUE:
            parts.append(_render_value(self.value))
        detail = self.detail
        if self.type == "NotSupported" and self.supported:
            detail = "supported values: " + ", ".join(f'"{s}"' for s in self.supported)
        if detail:
            parts.append(detail)
        return ": ".join(parts)

    def message(self) -> str:
        return f"{self.field}: {self.body()}" if self.field else self.body()

    def cause(self) -> dict[str, str]:
        return {"reason": _FIELD_TYPES[self.type][0], "message": self.body(), "field": self.field}


# Convenience constructors, named after apimachinery's field.Invalid & co.
def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("Invalid", path, detail, value)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError("Required", path, detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError("Forbidden", path, detail)


def not_supported(path: str, value: Any, supported: list[str] | tuple[str, ...]) -> FieldError:
    return FieldError("NotSupported", path, "", value, tuple(supported))


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError("Duplicate", path, "", value)


def too_long(path: str, limit: int) -> FieldError:
    return FieldError("TooLong", path, f"must have at most {limit} bytes")


@dataclass
class ApiError(Exception):
    code: int
    reason: str
    message: str
    details: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(name: str | None, group: str, kind: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = kind
    return d


def _qualified(plural: str, group: str) -> str:
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{_qualified(plural, group)} "{name}" not found',
                    _details(name, group, plural))


def already_exists(plural: str, group: str, name: str) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{_qualified(plural, group)} "{name}" already exists',
                    _details(name, group, plural))


def conflict(plural: str, group: str, name: str, why: str | None = None) -> ApiError:
    why = why or "the object has been modified; please apply your changes to the latest version and try again"
    return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {_qualified(plural, group)} "{name}": {why}',
                    _details(name, group, plural))


def invalid_object(kind: str, group: str, name: str, errors: list[FieldError]) -> ApiError:
    """422 Invalid, formatted as apimachinery's NewInvalid."""
    qualified_kind = f"{kind}.{group}" if group else kind
    msgs = [e.message() for e in errors]
    # apimachinery de-duplicates messages and brackets several of them
    uniq = list(dict.fromkeys(msgs))
    joined = uniq[0] if len(uniq) == 1 else "[" + ", ".join(uniq) + "]"
    details = _details(name, group, kind)
    details["causes"] = [e.cause() for e in errors]
    return ApiError(422, "Invalid", f'{qualified_kind} "{name}" is invalid: {joined}', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden_request(message: str) -> ApiError:
    return ApiError(403, "Forbidden", message)


def method_not_supported(plural: str, group: str, verb: str) -> ApiError:
    return ApiError(405, "MethodNotAllowed", f"{verb} is not supported on resources of kind {_qualified(plural, group)!r}",
                    _details(None, group, plural))


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got "{content_type}")')


def not_acceptable(accept: str) -> ApiError:
    return ApiError(406, "NotAcceptable", f'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf (got "{accept}")')


def internal(message: str) -> ApiError:
    return ApiError(500, "InternalError", f"Internal error occurred: {message}")


def unprocessable(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)
