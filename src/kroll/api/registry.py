"""The resource table: every kind kroll serves, with what discovery advertises about it.

One `ResourceInfo` per resource. Lookup is by group-resource (`deployments.apps`), by
(group, version, plural) from a URL, or by (apiVersion, kind) from a body.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceInfo:
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()  # status, scale, log, binding, eviction
    verbs: tuple[str, ...] = ALL_VERBS
    # metadata.generation is kept (bumped on spec changes) for kinds with a spec/status split
    has_generation: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def url_prefix(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


_R = ResourceInfo
RESOURCES: tuple[ResourceInfo, ...] = (
    _R("", "v1", "Namespace", "namespaces", "namespace", False, ("ns",), (), ("status",),
       ("create", "delete", "get", "list", "patch", "update", "watch")),
    _R("", "v1", "Pod", "pods", "pod", True, ("po",), ("all",), ("status", "log", "binding", "eviction")),
    _R("", "v1", "Node", "nodes", "node", False, ("no",), (), ("status",)),
    _R("", "v1", "Service", "services", "service", True, ("svc",), ("all",), ("status",),
       ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    _R("", "v1", "Endpoints", "endpoints", "endpoints", True, ("ep",)),
    _R("", "v1", "ConfigMap", "configmaps", "configmap", True, ("cm",)),
    _R("", "v1", "Secret", "secrets", "secret", True),
    _R("", "v1", "Event", "events", "event", True, ("ev",)),
    _R("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, ("sa",)),
    _R("apps", "v1", "Deployment", "deployments", "deployment", True, ("deploy",), ("all",),
       ("status", "scale"), has_generation=True),
    _R("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, ("rs",), ("all",),
       ("status", "scale"), has_generation=True),
    _R("apps", "v1", "StatefulSet", "statefulsets", "statefulset", True, ("sts",), ("all",),
       ("status", "scale"), has_generation=True),
    _R("apps", "v1", "DaemonSet", "daemonsets", "daemonset", True, ("ds",), ("all",), ("status",),
       has_generation=True),
    _R("apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", True),
    _R("coordination.k8s.io", "v1", "Lease", "leases", "lease", True),
    _R("events.k8s.io", "v1", "Event", "events", "event", True, ("ev",)),
)

GROUP_VERSIONS: tuple[tuple[str, str], ...] = tuple(dict.fromkeys((r.group, r.version) for r in RESOURCES))

_BY_GR = {r.group_resource: r for r in RESOURCES}
_BY_URL = {(r.group, r.version, r.plural): r for r in RESOURCES}
_BY_GVK = {(r.api_version, r.kind): r for r in RESOURCES}


def by_group_resource(gr: str) -> ResourceInfo:
    return _BY_GR[gr]


def lookup_url(group: str, version: str, plural: str) -> ResourceInfo | None:
    return _BY_URL.get((group, version, plural))


def lookup_kind(api_version: str, kind: str) -> ResourceInfo | None:
    return _BY_GVK.get((api_version, kind))


def resources_in(group: str, version: str) -> list[ResourceInfo]:
    return [r for r in RESOURCES if r.group == group and r.version == version]


# Core-group kinds whose payload is not under spec/status (no generation, no status reset)
SCALE_GROUP_VERSION = "autoscaling/v1"
