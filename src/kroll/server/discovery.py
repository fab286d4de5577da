"""Discovery documents: /version, /api, /apis and the per-group-version resource lists.

Everything kubectl knows about the server's resources (plural and short names, categories
such as `all`, scope, kind, verbs, the `scale` subresource's `autoscaling/v1 Scale` kind) comes
from here, built from `kroll.api.registry`. Two formats are served, and they must agree:

* **aggregated** (`apidiscovery.k8s.io/v2 APIGroupDiscoveryList`): one document for `/api`
  (the core group only) and one for `/apis` (every named group), each resource carrying its
  subresources. client-go asks for it first and uses it only if both `/api` and `/apis`
  answer with the aggregated Content-Type.
* **legacy**: `/api` -> APIVersions, `/apis` -> APIGroupList, then one APIResourceList per
  group-version in which subresources are separate entries (`deployments/scale`).

Shapes follow kube-apiserver 1.37 (apiserver `endpoints/installer.go` for the resource list,
`endpoints/discovery/aggregated` for the aggregated document and its ETag, kube-aggregator's
built-in group priorities for the group order). Notable details copied on purpose:

* resources are listed in byte order of their path (`deployments`, `deployments/scale`,
  `deployments/status`, `pods`, ...), verbs alphabetically;
* a top-level resource's aggregated `responseKind` has empty group and version (the installer
  only fills them for subresources whose kind lives elsewhere, like Scale and Eviction);
* `/api` and `/api/v1` carry no `apiVersion`; `/apis`, `/apis/<g>` and `/apis/<g>/<v>` say `v1`;
* group metadata carries only the name (no `creationTimestamp: null` since 1.34).

All builders are pure and cached (treat the returned dicts as read-only); the `*_bytes`
variants return the serialized document, built once.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import platform
import sys
from typing import Any

import orjson

from kroll.api import registry
from kroll.api.registry import ResourceInfo

KUBERNETES_VERSION = "v1.37.0"
_MAJOR, _MINOR = "1", "37"

# Content types the HTTP layer needs.
JSON = "application/json"
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
AGGREGATED_CONTENT_TYPES = {"v2": AGGREGATED_V2, "v2beta1": AGGREGATED_V2BETA1}


# ---------------------------------------------------------------------------------------------
# /version
# ---------------------------------------------------------------------------------------------

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@functools.cache
def version_info() -> dict[str, str]:
    """GET /version. kubectl prints `Server Version: v1.37.0` and warns on >1 minor skew."""
    machine = platform.machine().lower()
    return {
        "major": _MAJOR,
        "minor": _MINOR,
        "emulationMajor": _MAJOR,
        "emulationMinor": _MINOR,
        "minCompatibilityMajor": _MAJOR,
        "minCompatibilityMinor": str(int(_MINOR) - 1),
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-08-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": f"{sys.platform}/{_ARCH.get(machine, machine)}",
    }


@functools.cache
def version_bytes() -> bytes:
    return orjson.dumps(version_info())


# ---------------------------------------------------------------------------------------------
# What each subresource advertises
# ---------------------------------------------------------------------------------------------

# subresource -> (group, version, kind, verbs); a kind of None means "the parent's kind".
# group/version are only set where the kind lives in another group (installer behaviour).
_SUBRESOURCES: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    "status": ("", "", None, ("get", "patch", "update")),
    "scale": ("autoscaling", "v1", "Scale", ("get", "patch", "update")),
    "log": ("", "", None, ("get",)),  # LogREST.New() is a Pod, so discovery says kind Pod
    "binding": ("", "", "Binding", ("create",)),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "finalize": ("", "", None, ("update",)),
    "ephemeralcontainers": ("", "", None, ("get", "patch", "update")),
    "resize": ("", "", None, ("get", "patch", "update")),
}

# Where a resource is stored when that differs from the group-version it is served at
# (events.k8s.io events live in core v1 storage). Drives storageVersionHash.
_STORAGE_GV: dict[str, tuple[str, str]] = {"events.events.k8s.io": ("", "v1")}

# kube-aggregator's built-in group priorities: /apis lists higher numbers first, ties by name.
_GROUP_PRIORITY = {
    "apiregistration.k8s.io": 18000,
    "apps": 17800,
    "events.k8s.io": 17750,
    "authentication.k8s.io": 17700,
    "authorization.k8s.io": 17600,
    "autoscaling": 17500,
    "batch": 17400,
    "certificates.k8s.io": 17300,
    "networking.k8s.io": 17200,
    "policy": 17100,
    "rbac.authorization.k8s.io": 17000,
    "storage.k8s.io": 16800,
    "admissionregistration.k8s.io": 16700,
    "scheduling.k8s.io": 16600,
    "coordination.k8s.io": 16500,
    "apiextensions.k8s.io": 16400,
    "node.k8s.io": 16300,
    "discovery.k8s.io": 16200,
    "flowcontrol.apiserver.k8s.io": 16100,
}
_DEFAULT_GROUP_PRIORITY = 1000


def storage_version_hash(info: ResourceInfo) -> str:
    """base64 of the first 8 bytes of sha256("<group>/<version>/<Kind>") of the storage version.

    Worked example: pods -> sha256("/v1/Pod")[:8] -> `xPOwRZ+Yhw8=`, the value real clusters show.
    """
    group, version = _STORAGE_GV.get(info.group_resource, (info.group, info.version))
    digest = hashlib.sha256(f"{group}/{version}/{info.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _named_groups() -> list[str]:
    groups = dict.fromkeys(g for g, _ in registry.GROUP_VERSIONS if g)
    return sorted(groups, key=lambda g: (-_GROUP_PRIORITY.get(g, _DEFAULT_GROUP_PRIORITY), g))


def _versions_of(group: str) -> list[str]:
    """Versions of a group, preferred first (registry order)."""
    return [v for g, v in registry.GROUP_VERSIONS if g == group]


def _group_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


# ---------------------------------------------------------------------------------------------
# Legacy discovery
# ---------------------------------------------------------------------------------------------


DEFAULT_SERVER_ADDRESS = "127.0.0.1:6443"


@functools.cache
def api_versions(server_address: str = DEFAULT_SERVER_ADDRESS) -> dict[str, Any]:
    """GET /api (legacy): the core group's versions and the address clients should use.

    client-go ignores `serverAddressByClientCIDRs`; pass the advertised host:port anyway.
    """
    return {
        "kind": "APIVersions",
        "versions": _versions_of(""),
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


@functools.cache
def api_versions_bytes(server_address: str = DEFAULT_SERVER_ADDRESS) -> bytes:
    return orjson.dumps(api_versions(server_address))


def _api_group_entry(group: str) -> dict[str, Any]:
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in _versions_of(group)]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


@functools.cache
def api_group_list() -> dict[str, Any]:
    """GET /apis (legacy): every named group with its versions and preferred version."""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_api_group_entry(g) for g in _named_groups()]}


@functools.cache
def api_group_list_bytes() -> bytes:
    return orjson.dumps(api_group_list())


@functools.cache
def api_group(group: str) -> dict[str, Any] | None:
    """GET /apis/<group>: one APIGroup, or None (-> 404) for a group kroll does not serve."""
    if not group or group not in _named_groups():
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group_entry(group)}


@functools.cache
def api_group_bytes(group: str) -> bytes | None:
    doc = api_group(group)
    return None if doc is None else orjson.dumps(doc)


def _resource_entries(info: ResourceInfo) -> list[tuple[str, dict[str, Any]]]:
    """(path, APIResource) for a resource and each of its subresources."""
    main: dict[str, Any] = {
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": sorted(info.verbs),
    }
    if info.short_names:
        main["shortNames"] = list(info.short_names)
    if info.categories:
        main["categories"] = list(info.categories)
    main["storageVersionHash"] = storage_version_hash(info)
    entries = [(info.plural, main)]
    for sub in info.subresources:
        group, version, kind, verbs = _SUBRESOURCES[sub]
        entry: dict[str, Any] = {"name": f"{info.plural}/{sub}", "singularName": "", "namespaced": info.namespaced}
        if group:
            entry["group"] = group
        if version:
            entry["version"] = version
        entry["kind"] = kind or info.kind
        entry["verbs"] = list(verbs)
        entries.append((entry["name"], entry))
    return entries


def _sorted_entries(group: str, version: str) -> list[dict[str, Any]]:
    entries = [e for info in registry.resources_in(group, version) for e in _resource_entries(info)]
    entries.sort(key=lambda pe: pe[0].encode())  # Go sort.Strings: byte order
    return [e for _, e in entries]


@functools.cache
def api_resource_list(group: str, version: str) -> dict[str, Any] | None:
    """GET /api/v1 or /apis/<group>/<version>: an APIResourceList, or None (-> 404)."""
    if (group, version) not in registry.GROUP_VERSIONS:
        return None
    doc: dict[str, Any] = {"kind": "APIResourceList"}
    if group:
        doc["apiVersion"] = "v1"
    doc["groupVersion"] = _group_version(group, version)
    doc["resources"] = _sorted_entries(group, version)
    return doc


@functools.cache
def api_resource_list_bytes(group: str, version: str) -> bytes | None:
    doc = api_resource_list(group, version)
    return None if doc is None else orjson.dumps(doc)


# ---------------------------------------------------------------------------------------------
# Aggregated discovery
# ---------------------------------------------------------------------------------------------


def _gvk(entry: dict[str, Any]) -> dict[str, str]:
    return {"group": entry.get("group", ""), "version": entry.get("version", ""), "kind": entry["kind"]}


def _aggregated_resources(group: str, version: str) -> list[dict[str, Any]]:
    """The legacy entries folded into APIResourceDiscovery, subresources under their parent."""
    entries = _sorted_entries(group, version)
    out: list[dict[str, Any]] = []
    parents: dict[str, dict[str, Any]] = {}
    for e in entries:
        if "/" in e["name"]:
            continue
        r: dict[str, Any] = {
            "resource": e["name"],
            "responseKind": _gvk(e),
            "scope": "Namespaced" if e["namespaced"] else "Cluster",
            "singularResource": e["singularName"],
            "verbs": e["verbs"],
        }
        if e.get("shortNames"):
            r["shortNames"] = e["shortNames"]
        if e.get("categories"):
            r["categories"] = e["categories"]
        out.append(r)
        parents[e["name"]] = r
    for e in entries:
        if "/" not in e["name"]:
            continue
        parent, sub = e["name"].split("/", 1)
        parents[parent].setdefault("subresources", []).append(
            {"subresource": sub, "responseKind": _gvk(e), "verbs": e["verbs"]}
        )
    return out


def _aggregated_group(group: str) -> dict[str, Any]:
    return {
        "metadata": {"name": group} if group else {},
        "versions": [
            {"version": v, "resources": _aggregated_resources(group, v), "freshness": "Current"}
            for v in _versions_of(group)
        ],
    }


@functools.cache
def aggregated_discovery(core: bool, version: str = "v2") -> dict[str, Any]:
    """The APIGroupDiscoveryList for `/api` (core=True) or `/apis` (core=False).

    `version` is the apidiscovery version the client negotiated (`v2`, or `v2beta1` for old
    clients); both have the same shape.
    """
    groups = [""] if core else _named_groups()
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": [_aggregated_group(g) for g in groups],
    }


@functools.cache
def aggregated_discovery_bytes(core: bool, version: str = "v2") -> bytes:
    return orjson.dumps(aggregated_discovery(core, version))


@functools.cache
def aggregated_discovery_etag(core: bool) -> str:
    """The ETag header value (quoted), as upstream: uppercase hex SHA-512 of the v2 document.

    The HTTP layer sets `ETag`, `Vary: Accept`, `Cache-Control: public`, and answers 304 when
    the request's `If-None-Match` equals this value.
    """
    return '"' + hashlib.sha512(aggregated_discovery_bytes(core, "v2")).hexdigest().upper() + '"'


def negotiate_discovery(accept: str | None) -> str | None:
    """Which aggregated version to serve for /api or /apis, or None for the legacy format.

    Media ranges are considered in the order given, skipping `q=0`; the first one that is
    either an aggregated discovery type (`application/json` with `g=apidiscovery.k8s.io`,
    `as=APIGroupDiscoveryList`, `v=v2|v2beta1`; a `profile=nopeer` parameter is fine) or a
    plain JSON/wildcard type decides. Parameter order does not matter.
    """
    for media_range in (accept or "").split(","):
        parts = [p.strip() for p in media_range.split(";")]
        base = parts[0].lower()
        params: dict[str, str] = {}
        for p in parts[1:]:
            if "=" in p:
                k, v = p.split("=", 1)
                params[k.strip().lower()] = v.strip()
        if params.get("q") in ("0", "0.0", "0.00", "0.000"):
            continue
        if base not in ("application/json", "application/*", "*/*"):
            continue
        if params.get("as") == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io":
            if params.get("v") in AGGREGATED_CONTENT_TYPES:
                return params["v"]
            continue
        if "as" in params or "g" in params or "v" in params:
            continue  # some other conversion (e.g. as=Table) we do not offer for discovery
        return None
    return None
