"""JSON patch (RFC 6902), `application/json-patch+json`, applied with the `jsonpatch` library.

kubectl sends these for `rollout undo deployment` (replace `/spec/template` and
`/metadata/annotations`) and for `kubectl patch --type=json`.

Errors follow kube-apiserver's patch handler (apiserver `endpoints/handlers/patch.go`,
`applyJSPatch`):

* a body that does not decode as a list of operation objects is a 400 BadRequest carrying
  the decoder's message (`json: cannot unmarshal object into Go value of type jsonpatch.Patch`);
* more than 10 000 operations is a 413;
* every failure while applying (unknown op, missing `path`, a `replace`/`remove` of a path
  that does not exist, a failed `test`, a bad pointer) is a 422 Invalid whose message is the
  generic "the server rejected our request due to an error in our request" and empty
  details: upstream builds the error with `NewGenericServerResponse(422, ...)`, which drops
  the library's text (kubectl prints "The request is invalid: the server rejected our
  request ..."). The library's exception stays chained (`__cause__`) for logs.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer
import orjson

from kroll.api.errors import ApiError, bad_request
from kroll.api.types import Obj

MAX_OPERATIONS = 10000
GENERIC_INVALID = "the server rejected our request due to an error in our request"

_GO_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number"}


def _go_type(value: Any) -> str:
    return _GO_JSON_TYPE.get(type(value), "value")


def _invalid() -> ApiError:
    return ApiError(422, "Invalid", GENERIC_INVALID, {})


def _copy(doc: Obj) -> Obj:
    try:
        return orjson.loads(orjson.dumps(doc))
    except TypeError:
        import copy

        return copy.deepcopy(doc)


def apply_json_patch(original: Obj, ops: Any) -> Obj:
    """Apply the decoded JSON patch body `ops` to a copy of `original`; `original` is untouched."""
    if ops is None:
        # Go decodes `null` into an empty patch: nothing to do.
        return _copy(original)
    if not isinstance(ops, list):
        raise bad_request(f"json: cannot unmarshal {_go_type(ops)} into Go value of type jsonpatch.Patch")
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise bad_request(f"json: cannot unmarshal {_go_type(op)} into Go value of type jsonpatch.Operation")
    if len(ops) > MAX_OPERATIONS:
        raise ApiError(
            413,
            "RequestEntityTooLarge",
            f"Request entity too large: The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {len(ops)}",
        )
    doc: Any = _copy(original)
    try:
        if any(op is None for op in ops):
            raise jsonpatch.InvalidJsonPatch("an operation is null")
        doc = jsonpatch.JsonPatch(ops).apply(doc, in_place=True)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as e:
        raise _invalid() from e
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        # the library lets a few of these through for malformed operations or paths into scalars
        raise _invalid() from e
    if not isinstance(doc, dict):
        # upstream: the patched JSON no longer decodes into the kind (also a 422 Invalid)
        raise _invalid()
    return doc
