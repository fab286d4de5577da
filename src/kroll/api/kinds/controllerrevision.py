"""apps/v1 ControllerRevision: `data` is required and immutable, `revision` non-negative.

Upstream: pkg/apis/apps/validation/validation.go (ValidateControllerRevision,
ValidateControllerRevisionUpdate). Controllers bump `revision` when they roll back to an
old revision, so only `data` is frozen.
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import check_int, immutable, nonnegative, validate_object_meta


class ControllerRevisionStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        if obj.get("revision") is None:
            obj["revision"] = 0  # required int64 in Go: always written

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        if old is not None:
            # upstream re-runs the create validation on update (name included)
            errs += validate_object_meta(obj, namespaced=True)
        if obj.get("data") is None:
            errs.append(errors.required("data", "data is mandatory"))
        errs += nonnegative(check_int(obj, "revision", "revision", errs), "revision")
        if old is not None:
            errs += immutable(obj.get("data"), old.get("data"), "data")
        return errs


strategy = ControllerRevisionStrategy()
