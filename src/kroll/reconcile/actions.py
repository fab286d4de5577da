"""What a reconcile decides, as data.

Each controller's decision logic is a pure function from a snapshot of objects to a
list of these actions; the controller shell in `kroll.controllers` executes them in
order through the client, stops at the first failure and requeues the key with backoff.
Objects inside actions are fresh copies the shell may send as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kroll.api.types import Obj


@dataclass(frozen=True)
class Create:
    """POST of obj; with `subresource`, a POST to `<resource>/<name>/<subresource>` instead.

    The scheduler binds a pod with `Create("pods", ns, binding, subresource="binding",
    name=pod_name)`.
    """

    resource: str  # group-resource, e.g. "pods", "replicasets.apps"
    namespace: str | None
    obj: Obj
    subresource: str | None = None
    name: str | None = None  # the parent object's name, only with subresource


@dataclass(frozen=True)
class Update:
    """Full PUT of obj (its resourceVersion is the precondition)."""

    resource: str
    namespace: str | None
    obj: Obj


@dataclass(frozen=True)
class UpdateStatus:
    """PUT to the status subresource."""

    resource: str
    namespace: str | None
    obj: Obj


@dataclass(frozen=True)
class Patch:
    resource: str
    namespace: str | None
    name: str
    patch: Any
    patch_type: str  # a content type from kroll.api.types (MERGE_PATCH, ...)
    subresource: str | None = None


@dataclass(frozen=True)
class Delete:
    resource: str
    namespace: str | None
    name: str
    uid: str | None = None  # precondition: only delete this incarnation
    propagation_policy: str | None = None
    grace_period_seconds: int | None = None


@dataclass(frozen=True)
class Event:
    """A core/v1 Event about `involved` (kind/name/namespace/uid/apiVersion are read from it)."""

    involved: Obj
    type: str  # Normal | Warning
    reason: str
    message: str
    component: str = ""  # source.component; the shell fills in its own name when empty


@dataclass(frozen=True)
class RequeueAfter:
    seconds: float


Action = Create | Update | UpdateStatus | Patch | Delete | Event | RequeueAfter


@dataclass
class Plan:
    """Accumulates actions while a reconcile function decides."""

    actions: list[Action] = field(default_factory=list)

    def add(self, action: Action) -> None:
        self.actions.append(action)
