"""The per-kind strategy: what the API server does to an object of a kind beyond storing it.

Mirrors apiserver's `rest.RESTCreateStrategy` / `RESTUpdateStrategy`: defaulting,
validation, preparing an object for create/update (status reset, generation), and the
field-selector attributes of the kind. The generic request pipeline
(`kroll.server.apiserver`) calls these hooks in this order:

create:         default(obj) -> prepare_create(obj) -> validate(obj, None)
update / patch: default(obj) -> prepare_update(obj, old) -> validate(obj, old)
status update:  prepare_status_update(obj, old) -> validate_status(obj, old)

Generation: for kinds with `ResourceInfo.has_generation`, the pipeline sets generation 1
on create and adds 1 on update when `generation_changed(obj, old)` is true.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kroll.api.errors import FieldError
from kroll.api.types import Obj


class Strategy:
    # extra field-selector attributes beyond metadata.name / metadata.namespace
    field_getters: dict[str, Callable[[Obj], str]] = {}
    # kinds whose main resource ignores status writes (status only through /status)
    has_status_subresource: bool = False

    def default(self, obj: Obj) -> None:
        """Apply API defaults in place (called on create and on every update/patch)."""

    def prepare_create(self, obj: Obj) -> None:
        """E.g. drop status for kinds with a status subresource."""
        if self.has_status_subresource:
            obj.pop("status", None)

    def prepare_update(self, obj: Obj, old: Obj) -> None:
        """Main-resource update: status comes from the stored object."""
        if self.has_status_subresource:
            if "status" in old:
                obj["status"] = old["status"]
            else:
                obj.pop("status", None)

    def prepare_status_update(self, obj: Obj, old: Obj) -> None:
        """Status update: everything but status (and annotations) comes from the stored object."""
        for key in list(obj):
            if key not in ("status", "metadata", "apiVersion", "kind"):
                del obj[key]
        for key, value in old.items():
            if key not in ("status", "metadata", "apiVersion", "kind"):
                obj[key] = value
        labels = old.get("metadata", {}).get("labels")
        if labels is None:
            obj["metadata"].pop("labels", None)
        else:
            obj["metadata"]["labels"] = labels

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        return []

    def validate_status(self, obj: Obj, old: Obj) -> list[FieldError]:
        return []

    def generation_changed(self, obj: Obj, old: Obj) -> bool:
        return obj.get("spec") != old.get("spec")

    def field_values(self, obj: Obj) -> dict[str, Any]:
        """Values for field selectors: metadata.name, metadata.namespace plus field_getters."""
        m = obj.get("metadata", {})
        values = {"metadata.name": m.get("name", ""), "metadata.namespace": m.get("namespace", "")}
        for path, getter in self.field_getters.items():
            values[path] = getter(obj)
        return values
