"""apps/v1 ReplicaSet: defaults, validation, generation.

Upstream: pkg/apis/apps/v1/defaults.go (SetDefaults_ReplicaSet),
pkg/apis/apps/validation/validation.go (ValidateReplicaSetSpec, ValidateReplicaSetStatus),
pkg/registry/apps/replicaset/strategy.go.

`status.replicas` is a required field in Go (no omitempty), so a stored ReplicaSet always
shows it, `0` right after create.
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.defaults import default_pod_template
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import as_dict, check_int, immutable_selector, nonnegative, semantic_equal

STATUS_FIELDS = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration",
                 "terminatingReplicas")
REQUIRED_STATUS = ("replicas",)


def default_replicaset(obj: Obj) -> None:
    spec = c.spec_of(obj)
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("template") is None:
        spec["template"] = {}
    default_pod_template(spec["template"])


def validate_replicaset_spec(spec: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    errs += nonnegative(check_int(spec, "replicas", "spec.replicas", errs), "spec.replicas")
    errs += nonnegative(check_int(spec, "minReadySeconds", "spec.minReadySeconds", errs), "spec.minReadySeconds")
    # sic: upstream reuses the Deployment wording for ReplicaSets
    compiled = c.selector_errors(spec, errs, kind="deployment")
    if compiled is not None:
        c.replica_set_template_errors(spec, compiled, errs, owner="ReplicaSet")
    return errs


def validate_replicaset_status(status: object) -> list[FieldError]:
    errs: list[FieldError] = []
    counts = c.nonnegative_fields(status, STATUS_FIELDS, "status", errs)
    msg = "cannot be greater than status.replicas"
    for key in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        if counts[key] > counts["replicas"]:
            errs.append(errors.invalid(f"status.{key}", counts[key], msg))
    if counts["availableReplicas"] > counts["readyReplicas"]:
        errs.append(errors.invalid("status.availableReplicas", counts["availableReplicas"],
                                   "cannot be greater than readyReplicas"))
    return errs


def _status_replicas(obj: Obj) -> str:
    replicas = as_dict(obj.get("status")).get("replicas")
    return str(replicas) if isinstance(replicas, int) and not isinstance(replicas, bool) else "0"


class ReplicaSetStrategy(Strategy):
    has_status_subresource = True
    field_getters = {"status.replicas": _status_replicas}

    def default(self, obj: Obj) -> None:
        default_replicaset(obj)

    def prepare_create(self, obj: Obj) -> None:
        obj["status"] = {}
        c.fill_status(obj, REQUIRED_STATUS)

    def prepare_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_update(obj, old)
        c.fill_status(obj, REQUIRED_STATUS)

    def prepare_status_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_status_update(obj, old)
        c.fill_status(obj, REQUIRED_STATUS)

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=True)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        errs += validate_replicaset_spec(spec)
        if old is not None:
            errs += immutable_selector(spec.get("selector"), as_dict(old.get("spec")).get("selector"), "spec.selector")
        return errs

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        return c.meta_errors(obj, old, namespaced=True) + validate_replicaset_status(obj.get("status"))

    def generation_changed(self, obj: Obj, old: Obj) -> bool:
        return not semantic_equal(obj.get("spec"), old.get("spec"))


strategy = ReplicaSetStrategy()
