"""core/v1 Secret: `type` default, `stringData` folded into `data`, per-type requirements.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Secret), the v1 conversion that merges
`stringData` into `data` (stringData wins) and never stores stringData,
pkg/apis/core/validation/validation.go (ValidateSecret, ValidateSecretUpdate).

`data` values travel as base64; one that does not decode is a body decoding failure in Go,
so it is answered here with the same 400:
`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4`.
"""

from __future__ import annotations

import base64
import binascii

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds._common import base64_error_offset
from kroll.api.kinds.base import Strategy
from kroll.api.kinds.configmap import immutable_errors
from kroll.api.types import Obj
from kroll.api.validation import MAX_SECRET_SIZE, as_dict, check_bool, config_map_key_errors

_DECODE_PREFIX = 'Secret in version "v1" cannot be handled as a Secret: '
_REQUIRED_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.key", "tls.crt"),
}


def _decode(key: str, value: object) -> bytes:
    if not isinstance(value, str):
        raise errors.bad_request(_DECODE_PREFIX + "json: cannot unmarshal into Go struct field Secret.data of type "
                                 "[]uint8")
    offset = base64_error_offset(value)
    if offset is not None:
        raise errors.bad_request(_DECODE_PREFIX + f"illegal base64 data at input byte {offset}")
    try:
        return base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError):
        raise errors.bad_request(_DECODE_PREFIX + "illegal base64 data at input byte 0")


def default_secret(obj: Obj) -> None:
    if not obj.get("type"):
        obj["type"] = "Opaque"
    data = obj.get("data")
    if isinstance(data, dict):
        for key, value in data.items():
            _decode(key, value)
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        if not isinstance(data, dict):
            obj["data"] = data = {}
        for key, value in string_data.items():
            text = value if isinstance(value, str) else str(value)
            data[key] = base64.b64encode(text.encode()).decode()


class SecretStrategy(Strategy):
    field_getters = {"type": lambda o: o.get("type") if isinstance(o.get("type"), str) else ""}

    def default(self, obj: Obj) -> None:
        default_secret(obj)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        data = obj.get("data")
        if data is not None and not isinstance(data, dict):
            return [*errs, errors.invalid("data", data, "must be of type object")]
        data = data or {}
        total = 0
        for key, value in data.items():
            errs += [errors.invalid(f"data[{key}]", key, m) for m in config_map_key_errors(key)]
            if isinstance(value, str):
                total += len(value) * 3 // 4
        if total > MAX_SECRET_SIZE:
            errs.append(errors.too_long("data", MAX_SECRET_SIZE))
        stype = obj.get("type") if isinstance(obj.get("type"), str) else ""
        if stype == "kubernetes.io/service-account-token":
            annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
            if not annotations.get("kubernetes.io/service-account.name"):
                errs.append(errors.required("metadata.annotations[kubernetes.io/service-account.name]"))
        elif stype == "kubernetes.io/basic-auth":
            if "username" not in data and "password" not in data:
                errs.append(errors.required("data[username]"))
                errs.append(errors.required("data[password]"))
        for key in _REQUIRED_KEYS.get(stype, ()):
            if key not in data:
                errs.append(errors.required(f"data[{key}]"))
        check_bool(obj, "immutable", "immutable", errs)
        if old is not None:
            if obj.get("type") != old.get("type"):
                errs.append(errors.invalid("type", obj.get("type") or "", "field is immutable"))
            errs += immutable_errors(obj, old, ("data",))
        return errs


strategy = SecretStrategy()
