"""core/v1 Namespace: the metadata.name label, the `kubernetes` finalizer, phase rules.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Namespace),
pkg/registry/core/namespace/strategy.go (PrepareForCreate/Update, Canonicalize),
pkg/apis/core/validation/validation.go (ValidateNamespace, ValidateNamespaceStatusUpdate).

Namespaces are created Active with `spec.finalizers: [kubernetes]`; a plain update cannot
change spec.finalizers (only the `finalize` subresource can) nor status.
"""

from __future__ import annotations

from kroll.api import errors
from kroll.api.errors import FieldError
from kroll.api.kinds import _common as c
from kroll.api.kinds.base import Strategy
from kroll.api.types import Obj
from kroll.api.validation import as_dict, check_list, label_key_errors, name_is_dns_label

NAME_LABEL = "kubernetes.io/metadata.name"
STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})


def _phase(obj: Obj) -> str:
    phase = as_dict(obj.get("status")).get("phase")
    return phase if isinstance(phase, str) else ""


def finalizer_errors(finalizers: list, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, f in enumerate(finalizers):
        p = f"{path}[{i}]"
        if not isinstance(f, str):
            errs.append(errors.invalid(p, f, "must be of type string"))
            continue
        errs += [errors.invalid(p, f, m) for m in label_key_errors(f)]
        if "/" not in f and f not in STANDARD_FINALIZERS:
            errs.append(errors.invalid(p, f, "name is neither a standard finalizer name nor is it fully qualified"))
    return errs


class NamespaceStrategy(Strategy):
    has_status_subresource = True
    field_getters = {"status.phase": _phase}

    def default(self, obj: Obj) -> None:
        md = obj.get("metadata")
        if isinstance(md, dict) and isinstance(md.get("name"), str) and md["name"]:
            labels = md.get("labels")
            if not isinstance(labels, dict):
                md["labels"] = labels = {}
            labels[NAME_LABEL] = md["name"]

    def prepare_create(self, obj: Obj) -> None:
        obj["status"] = {"phase": "Active"}
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            obj["spec"] = spec = {}
        finalizers = spec.get("finalizers")
        if not isinstance(finalizers, list):
            spec["finalizers"] = finalizers = []
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")

    def prepare_update(self, obj: Obj, old: Obj) -> None:
        super().prepare_update(obj, old)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            obj["spec"] = spec = {}
        old_finalizers = as_dict(old.get("spec")).get("finalizers")
        if old_finalizers is None:
            spec.pop("finalizers", None)
        else:
            spec["finalizers"] = old_finalizers

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=False, name_fn=name_is_dns_label)
        spec = obj.get("spec")
        if spec is not None and not isinstance(spec, dict):
            return [*errs, errors.invalid("spec", spec, "must be of type object")]
        errs += finalizer_errors(check_list(spec, "finalizers", "spec.finalizers", errs), "spec.finalizers")
        return errs

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        errs = c.meta_errors(obj, old, namespaced=False)
        phase = _phase(obj)
        if not as_dict(old.get("metadata")).get("deletionTimestamp"):
            if phase != "Active":
                errs.append(errors.invalid("status.phase", phase, "may only be 'Active' if `deletionTimestamp` is "
                                           "empty"))
        elif phase != "Terminating":
            errs.append(errors.invalid("status.phase", phase, "may only be in terminating phase if "
                                       "`deletionTimestamp` is set"))
        return errs


strategy = NamespaceStrategy()
