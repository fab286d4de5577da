"""core/v1 ConfigMap: key syntax, the 1 MiB size limit, `immutable`.

Upstream: pkg/apis/core/validation/validation.go (ValidateConfigMap, ValidateConfigMapUpdate).
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds._common import base64_error_offset
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import MAX_SECRET_SIZE, check_bool, check_dict, config_map_key_errors, semantic_equal

IMMUTABLE_SET_MSG = "field is immutable when `immutable` is set"


def immutable_errors(obj: Obj, old: Obj, fields: tuple[str, ...]) -> list[FieldError]:
    """Once `immutable: true` is stored, the payload and the flag itself are frozen."""
    if old.get("immutable") is not True:
        return []
    errs: list[FieldError] = []
    if obj.get("immutable") is not True:
        errs.append(errors.forbidden("immutable", IMMUTABLE_SET_MSG))
    for key in fields:
        if not semantic_equal(obj.get(key), old.get(key)):
            errs.append(errors.forbidden(key, IMMUTABLE_SET_MSG))
    return errs


class ConfigMapStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        """binaryData must decode as base64: in Go a bad value fails decoding the body (400)."""
        binary = obj.get("binaryData")
        if isinstance(binary, dict):
            for value in binary.values():
                offset = base64_error_offset(value) if isinstance(value, str) else 0
                if offset is not None:
                    raise errors.bad_request('ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal '
                                             f"base64 data at input byte {offset}")

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        data = check_dict(obj, "data", "data", errs) or {}
        binary = check_dict(obj, "binaryData", "binaryData", errs) or {}
        total = 0
        for key, value in data.items():
            errs += [errors.invalid(f"data[{key}]", key, m) for m in config_map_key_errors(key)]
            if key in binary:
                errs.append(errors.invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
            if not isinstance(value, str):
                errs.append(errors.invalid(f"data[{key}]", value, "must be of type string"))
                continue
            total += len(value.encode())
        for key, value in binary.items():
            errs += [errors.invalid(f"binaryData[{key}]", key, m) for m in config_map_key_errors(key)]
            if isinstance(value, str):
                total += len(value) * 3 // 4
        if total > MAX_SECRET_SIZE:
            errs.append(errors.too_long("", MAX_SECRET_SIZE))
        check_bool(obj, "immutable", "immutable", errs)
        if old is not None:
            errs += immutable_errors(obj, old, ("data", "binaryData"))
        return errs


strategy = ConfigMapStrategy()
