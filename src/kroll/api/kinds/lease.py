"""coordination.k8s.io/v1 Lease: durations positive, transitions non-negative.

Upstream: pkg/apis/coordination/validation/validation.go (ValidateLease, ValidateLeaseSpec).
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import check_int, check_str

_STRATEGIES = ("OldestEmulationVersion",)


class LeaseStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        if obj.get("spec") is None:
            obj["spec"] = {}  # a non-pointer struct in Go: always written

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        spec = obj.get("spec")
        if spec is None:
            return errs
        if not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        duration = check_int(spec, "leaseDurationSeconds", "spec.leaseDurationSeconds", errs)
        if duration is not None and duration <= 0:
            errs.append(errors.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        transitions = check_int(spec, "leaseTransitions", "spec.leaseTransitions", errs)
        if transitions is not None and transitions < 0:
            errs.append(errors.invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
        for key in ("holderIdentity", "acquireTime", "renewTime"):
            check_str(spec, key, f"spec.{key}", errs)
        strategy_name = spec.get("strategy")
        if strategy_name is not None and strategy_name not in _STRATEGIES:
            errs.append(errors.not_supported("spec.strategy", strategy_name, _STRATEGIES))
        return errs


strategy = LeaseStrategy()
