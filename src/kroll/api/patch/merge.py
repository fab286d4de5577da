"""JSON merge patch (RFC 7386), `application/merge-patch+json`.

    merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"c": None, "d": [3]}}) == {"a": {"b": 1, "d": [3]}}

Objects merge key by key, `null` deletes a key, anything that is not an object (lists
included) replaces the target whole. The result is a new object sharing nothing with the
inputs.

`apply_merge_patch` is the request-level entry point: a patch body that is not a JSON object
is rejected the way kube-apiserver rejects it (its JSON merge patch library answers "Invalid
JSON Patch" for `null` and scalars, which the patch handler turns into 400; an array ends up
as an object that cannot be decoded, a 422).
"""

from __future__ import annotations

from typing import Any

import orjson

from kroll.api.errors import ApiError, bad_request
from kroll.api.types import Obj

_GENERIC_INVALID = "the server rejected our request due to an error in our request"


def _copy(value: Any) -> Any:
    if isinstance(value, dict | list):
        try:
            return orjson.loads(orjson.dumps(value))
        except TypeError:  # not JSON-shaped (e.g. an int beyond 64 bits): fall back
            import copy

            return copy.deepcopy(value)
    return value


def _apply(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Merge `patch` into `target` (which we own) in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            current = target.get(key)
            if not isinstance(current, dict):
                current = {}
                target[key] = current
            _apply(current, value)
        else:
            target[key] = _copy(value)


def merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386 MergePatch(original, patch) as a new value; never mutates its inputs.

    A non-object patch is the result itself (a copy); an object patch applied to a
    non-object original starts from `{}`.
    """
    if not isinstance(patch, dict):
        return _copy(patch)
    target = _copy(original) if isinstance(original, dict) else {}
    _apply(target, patch)
    return target


def apply_merge_patch(original: Obj, patch: Any) -> Obj:
    """`merge_patch` for a PATCH request body, with kube-apiserver's errors for odd bodies."""
    if isinstance(patch, dict):
        return merge_patch(original, patch)
    if isinstance(patch, list):
        raise ApiError(422, "Invalid", _GENERIC_INVALID, {})
    raise bad_request("Invalid JSON Patch")
