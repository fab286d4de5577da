"""core/v1 ServiceAccount: metadata plus well-formed secret and pull-secret references.

Upstream: pkg/apis/core/validation/validation.go (ValidateServiceAccount).
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import check_bool, check_list


class ServiceAccountStrategy(Strategy):
    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        for key in ("secrets", "imagePullSecrets"):
            for i, ref in enumerate(check_list(obj, key, key, errs)):
                if not isinstance(ref, dict):
                    errs.append(errors.invalid(f"{key}[{i}]", ref, "must be of type object"))
        check_bool(obj, "automountServiceAccountToken", "automountServiceAccountToken", errs)
        return errs


strategy = ServiceAccountStrategy()
