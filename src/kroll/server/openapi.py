"""OpenAPI v3 documents for `/openapi/v3` (a pure builder: no IO besides reading the schema
data through `kroll.api.schema`).

kubectl reads them for three things (client-go `openapi3`, cli-runtime
`query_param_verifier_v3.go`, kubectl `cmd/apply/patcher.go`, `explain`):

1. Server-side field validation: for the object's group-version it looks for a path whose
   PATCH operation carries `x-kubernetes-group-version-kind` (a single object) equal to the
   kind and a parameter named `fieldValidation` *inline* in the operation (a `$ref`'d
   parameter has no name to match). Found: it sends `fieldValidation=Strict` and skips its own
   validation; not found or no document: `kubectl apply` fails to validate.
2. `kubectl apply`'s three-way strategic merge patch: the PATCH operation must list
   `application/strategic-merge-patch+json` in its request body, and the component schema
   whose `x-kubernetes-group-version-kind` (a list) names the kind supplies the patch
   strategies and merge keys, following `$ref`s (bare or wrapped in a one-element `allOf`)
   into `#/components/schemas/`.
3. `kubectl explain`: the schemas and their descriptions.

Documents follow the shape kube-apiserver serves: one document per group-version with the
resource paths (collection, item, `status` and `scale` subresources, the all-namespaces list),
operations carrying `x-kubernetes-action` and `x-kubernetes-group-version-kind`, and
`components.schemas` holding every definition reachable from the kinds served there, converted
from the JSON Schema of `kubernetes-validate` (`#/$defs/X` -> `#/components/schemas/X`,
`["string", "null"]` -> `"string"`, references with siblings wrapped in `allOf`).

The index (`openapi_index`) names each document with `?hash=<sha512 of its bytes>`: kubectl
caches documents by that URL, so the hash changes exactly when the document does.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import orjson

from kroll.api import registry, schema
from kroll.api.registry import ResourceInfo

OPENAPI_VERSION = "3.0.0"
KUBERNETES_VERSION = "v1.37.0"

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
STATUS = _META + "Status"
DELETE_OPTIONS = _META + "DeleteOptions"
PATCH = _META + "Patch"
WATCH_EVENT = _META + "WatchEvent"
SCALE_KIND = ("autoscaling/v1", "Scale")

PATCH_CONTENT_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
_OBJECT_CONTENT_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
_LIST_CONTENT_TYPES = (
    *_OBJECT_CONTENT_TYPES,
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
)


# ---------------------------------------------------------------------------
# Public API


def gv_path(group: str, version: str) -> str:
    """The index key (and URL path, after `/openapi/v3/`) of a group-version: `api/v1`, `apis/apps/v1`."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


@functools.cache
def openapi_document(group: str, version: str) -> bytes:
    """The JSON bytes of the OpenAPI v3 document of one group-version (cached).
    KeyError when kroll serves nothing in that group-version."""
    if (group, version) not in registry.GROUP_VERSIONS:
        raise KeyError(f"no resources served in {gv_path(group, version)}")
    return orjson.dumps(_build_document(group, version))


def document_hash(group: str, version: str) -> str:
    """Upper-case hex SHA-512 of the document bytes (what kube-apiserver puts in `?hash=`)."""
    return _hash(group, version)


@functools.cache
def _hash(group: str, version: str) -> str:
    return hashlib.sha512(openapi_document(group, version)).hexdigest().upper()


def openapi_index() -> dict[str, Any]:
    """`GET /openapi/v3`: `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=H"}, ...}}`."""
    return {
        "paths": {
            gv_path(g, v): {"serverRelativeURL": f"/openapi/v3/{gv_path(g, v)}?hash={_hash(g, v)}"}
            for g, v in registry.GROUP_VERSIONS
        }
    }


def document_for_path(path: str) -> bytes | None:
    """The document for an index key such as `apis/apps/v1` (leading `/openapi/v3/` allowed),
    or None when there is no such group-version."""
    path = path.removeprefix("/").removeprefix("openapi/v3/").strip("/")
    for g, v in registry.GROUP_VERSIONS:
        if gv_path(g, v) == path:
            return openapi_document(g, v)
    return None


# ---------------------------------------------------------------------------
# Document


def _build_document(group: str, version: str) -> dict[str, Any]:
    resources = registry.resources_in(group, version)
    roots: list[str] = []
    paths: dict[str, Any] = {}
    for r in resources:
        kind_def = schema.definition_for_kind(r.api_version, r.kind)
        if kind_def is None:
            continue
        roots.append(kind_def)
        list_def = schema.definition_for_kind(r.api_version, r.list_kind)
        if list_def is not None:
            roots.append(list_def)
        scale_def = None
        if "scale" in r.subresources:
            scale_def = schema.definition_for_kind(*SCALE_KIND)
            if scale_def is not None:
                roots.append(scale_def)
        paths.update(_resource_paths(r, kind_def, list_def, scale_def))
    roots += [STATUS, DELETE_OPTIONS, PATCH, WATCH_EVENT]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {
            "schemas": {name: _convert_definition(name) for name in _closure(roots)},
            "securitySchemes": {
                "BearerToken": {
                    "type": "apiKey",
                    "description": "Bearer token authentication",
                    "name": "authorization",
                    "in": "header",
                }
            },
        },
        "security": [{"BearerToken": []}],
    }


def _closure(roots: list[str]) -> list[str]:
    """Every definition reachable from `roots` through `$ref`s, in a stable order."""
    defs = schema.definitions()
    seen: dict[str, None] = {}
    stack = list(reversed(roots))
    while stack:
        name = stack.pop()
        if name in seen or name not in defs:
            continue
        seen[name] = None
        stack.extend(reversed(_refs(defs[name])))
    return sorted(seen)


def _refs(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out.append(schema.ref_name(value))
            elif isinstance(value, dict | list):
                out.extend(_refs(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(_refs(value))
    return out


# ---------------------------------------------------------------------------
# Schema conversion: JSON Schema (kubernetes-validate) -> OpenAPI v3 (kube-apiserver style)


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _convert_definition(name: str) -> dict[str, Any]:
    raw = schema.definitions()[name]
    out = _convert(raw)
    if "x-kubernetes-group-version-kind" in raw and isinstance(out.get("properties"), dict):
        # kubernetes-validate pins apiVersion/kind with an enum; kube-apiserver does not (one
        # definition such as DeleteOptions serves many group-versions).
        for key in ("apiVersion", "kind"):
            prop = out["properties"].get(key)
            if isinstance(prop, dict):
                prop.pop("enum", None)
    return out


def _convert(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ref = node.get("$ref")
    for key, value in node.items():
        if key == "$ref":
            continue
        if key == "type":
            if isinstance(value, list):
                types = [t for t in value if t != "null"]
                if not types:
                    continue
                value = types[0]
            out["type"] = value
        elif key == "properties" and isinstance(value, dict):
            out["properties"] = {k: _convert(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = _convert(value)
        elif key in ("oneOf", "anyOf", "allOf") and isinstance(value, list):
            out[key] = [_convert(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    if ref is not None:
        target = {"$ref": _ref(schema.ref_name(ref))}
        if not out:
            return target
        # OpenAPI 3.0 ignores the siblings of a bare $ref; kube-apiserver wraps it instead.
        return {"allOf": [target], **out}
    return out


# ---------------------------------------------------------------------------
# Paths and operations


def _group_camel(group: str) -> str:
    if not group:
        return "Core"
    return "".join(part[:1].upper() + part[1:] for part in group.removesuffix(".k8s.io").split("."))


def _tag(r: ResourceInfo) -> str:
    return f"{(r.group or 'core').removesuffix('.k8s.io').replace('.', '_')}_{r.version}"


def _gvk(api_version: str, kind: str) -> dict[str, str]:
    group, _, version = api_version.rpartition("/")
    return {"group": group, "kind": kind, "version": version}


def _content(types: tuple[str, ...], definition: str) -> dict[str, Any]:
    return {t: {"schema": {"$ref": _ref(definition)}} for t in types}


def _response(description: str, definition: str, types: tuple[str, ...] = _OBJECT_CONTENT_TYPES) -> dict[str, Any]:
    return {"description": description, "content": _content(types, definition)}


_UNAUTHORIZED = {"description": "Unauthorized"}


def _query(name: str, description: str, type_: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": type_, "uniqueItems": True}}


_P_PRETTY = _query("pretty", "If 'true', the output is pretty printed.")
_P_DRY_RUN = _query(
    "dryRun",
    "When present, modifications are not persisted. The only valid value is 'All': "
    "run every stage of the request but do not store the result.",
)
_P_FIELD_MANAGER = _query(
    "fieldManager",
    "Name of the actor making the change; recorded in managedFields. At most 128 printable characters.",
)
_P_FIELD_VALIDATION = _query(
    "fieldValidation",
    "How to treat fields of the request body that the schema does not know, or that appear "
    "twice: 'Ignore' drops them silently, 'Warn' accepts the request and returns one Warning "
    "header per field, 'Strict' rejects the request with 400 BadRequest.",
)
_P_FORCE = _query("force", "Server-side apply only: take ownership of conflicting fields.", "boolean")
_LIST_PARAMS = [
    _query("allowWatchBookmarks", "Watch only: ask for BOOKMARK events.", "boolean"),
    _query("continue", "The continue token of the previous page of a paginated list."),
    _query("fieldSelector", "Only return objects whose fields match this selector (e.g. metadata.name=x)."),
    _query("labelSelector", "Only return objects whose labels match this selector."),
    _query("limit", "Maximum number of objects in one page; the rest is reachable through `continue`.", "integer"),
    _query("resourceVersion", "The resource version the list or watch starts from."),
    _query("resourceVersionMatch", "How resourceVersion applies to a list: Exact or NotOlderThan."),
    _query("sendInitialEvents", "Watch only: start with synthetic ADDED events for the current state.", "boolean"),
    _query("timeoutSeconds", "Ends the list or watch call after this many seconds.", "integer"),
    _query("watch", "Stream changes to the listed objects instead of listing them.", "boolean"),
]
_DELETE_PARAMS = [
    _P_DRY_RUN,
    _query("gracePeriodSeconds", "Seconds the object gets before it is deleted; 0 deletes immediately.", "integer"),
    _query(
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        "Delete objects that cannot be read from storage (dangerous).",
        "boolean",
    ),
    _query("orphanDependents", "Deprecated: use propagationPolicy.", "boolean"),
    _query("propagationPolicy", "Garbage collection of dependents: Orphan, Background or Foreground."),
]


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "description": description,
        "required": True,
        "schema": {"type": "string", "uniqueItems": True},
    }


def _operation(
    r: ResourceInfo,
    *,
    action: str,
    op_id: str,
    description: str,
    gvk: dict[str, str],
    parameters: list[dict[str, Any]],
    responses: dict[str, Any],
    request_body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": [_tag(r)],
        "description": description,
        "operationId": op_id,
    }
    if parameters:
        op["parameters"] = parameters
    if request_body is not None:
        op["requestBody"] = request_body
    op["responses"] = {**responses, "401": _UNAUTHORIZED}
    op["x-kubernetes-action"] = action
    op["x-kubernetes-group-version-kind"] = gvk
    return op


def _resource_paths(r: ResourceInfo, kind_def: str, list_def: str | None, scale_def: str | None) -> dict[str, Any]:
    prefix = f"/apis/{r.group}/{r.version}" if r.group else f"/api/{r.version}"
    gv = _group_camel(r.group) + r.version.capitalize()
    ns = "Namespaced" if r.namespaced else ""
    kind = r.kind
    gvk = _gvk(r.api_version, kind)
    verbs = set(r.verbs)
    collection = f"{prefix}/namespaces/{{namespace}}/{r.plural}" if r.namespaced else f"{prefix}/{r.plural}"
    item = collection + "/{name}"
    scope_params = (
        [_path_param("namespace", "object name and auth scope, such as for teams and projects")] if r.namespaced else []
    )
    name_param = _path_param("name", f"name of the {kind}")
    body = {"content": {"*/*": {"schema": {"$ref": _ref(kind_def)}}}, "required": True}
    patch_body = {"content": {t: {"schema": {"$ref": _ref(PATCH)}} for t in PATCH_CONTENT_TYPES}, "required": True}
    delete_body = {"content": {"*/*": {"schema": {"$ref": _ref(DELETE_OPTIONS)}}}}
    out: dict[str, Any] = {}

    # collection
    coll: dict[str, Any] = {}
    if "list" in verbs and list_def:
        coll["get"] = _operation(
            r,
            action="list",
            op_id=f"list{gv}{ns}{kind}",
            description=f"list or watch objects of kind {kind}",
            gvk=gvk,
            parameters=list(_LIST_PARAMS),
            responses={"200": _response("OK", list_def, _LIST_CONTENT_TYPES)},
        )
    if "create" in verbs:
        coll["post"] = _operation(
            r,
            action="post",
            op_id=f"create{gv}{ns}{kind}",
            description=f"create a {kind}",
            gvk=gvk,
            parameters=[_P_DRY_RUN, _P_FIELD_MANAGER, _P_FIELD_VALIDATION],
            request_body=body,
            responses={
                "200": _response("OK", kind_def),
                "201": _response("Created", kind_def),
                "202": _response("Accepted", kind_def),
            },
        )
    if "deletecollection" in verbs:
        coll["delete"] = _operation(
            r,
            action="deletecollection",
            op_id=f"delete{gv}Collection{ns}{kind}",
            description=f"delete collection of {kind}",
            gvk=gvk,
            parameters=[*_LIST_PARAMS, *_DELETE_PARAMS],
            request_body=delete_body,
            responses={"200": _response("OK", STATUS)},
        )
    if coll:
        coll["parameters"] = [*scope_params, _P_PRETTY]
        out[collection] = coll

    # item
    it: dict[str, Any] = {}
    if "get" in verbs:
        it["get"] = _operation(
            r,
            action="get",
            op_id=f"read{gv}{ns}{kind}",
            description=f"read the specified {kind}",
            gvk=gvk,
            parameters=[],
            responses={"200": _response("OK", kind_def)},
        )
    if "update" in verbs:
        it["put"] = _operation(
            r,
            action="put",
            op_id=f"replace{gv}{ns}{kind}",
            description=f"replace the specified {kind}",
            gvk=gvk,
            parameters=[_P_DRY_RUN, _P_FIELD_MANAGER, _P_FIELD_VALIDATION],
            request_body=body,
            responses={"200": _response("OK", kind_def), "201": _response("Created", kind_def)},
        )
    if "delete" in verbs:
        it["delete"] = _operation(
            r,
            action="delete",
            op_id=f"delete{gv}{ns}{kind}",
            description=f"delete a {kind}",
            gvk=gvk,
            parameters=list(_DELETE_PARAMS),
            request_body=delete_body,
            responses={"200": _response("OK", STATUS), "202": _response("Accepted", STATUS)},
        )
    if "patch" in verbs:
        it["patch"] = _operation(
            r,
            action="patch",
            op_id=f"patch{gv}{ns}{kind}",
            description=f"partially update the specified {kind}",
            gvk=gvk,
            parameters=[_P_DRY_RUN, _P_FIELD_MANAGER, _P_FIELD_VALIDATION, _P_FORCE],
            request_body=patch_body,
            responses={"200": _response("OK", kind_def), "201": _response("Created", kind_def)},
        )
    if it:
        it["parameters"] = [name_param, *scope_params, _P_PRETTY]
        out[item] = it

    # subresources
    for sub in ("status", "scale"):
        if sub not in r.subresources:
            continue
        if sub == "scale":
            if scale_def is None:
                continue
            sub_def, sub_gvk, suffix = scale_def, _gvk(*SCALE_KIND), "Scale"
        else:
            sub_def, sub_gvk, suffix = kind_def, gvk, "Status"
        sub_ops: dict[str, Any] = {}
        if "get" in verbs:
            sub_ops["get"] = _operation(
                r,
                action="get",
                op_id=f"read{gv}{ns}{kind}{suffix}",
                description=f"read {sub} of the specified {kind}",
                gvk=sub_gvk,
                parameters=[],
                responses={"200": _response("OK", sub_def)},
            )
        if "update" in verbs:
            sub_ops["put"] = _operation(
                r,
                action="put",
                op_id=f"replace{gv}{ns}{kind}{suffix}",
                description=f"replace {sub} of the specified {kind}",
                gvk=sub_gvk,
                parameters=[_P_DRY_RUN, _P_FIELD_MANAGER, _P_FIELD_VALIDATION],
                request_body={"content": {"*/*": {"schema": {"$ref": _ref(sub_def)}}}, "required": True},
                responses={"200": _response("OK", sub_def), "201": _response("Created", sub_def)},
            )
        if "patch" in verbs:
            sub_ops["patch"] = _operation(
                r,
                action="patch",
                op_id=f"patch{gv}{ns}{kind}{suffix}",
                description=f"partially update {sub} of the specified {kind}",
                gvk=sub_gvk,
                parameters=[_P_DRY_RUN, _P_FIELD_MANAGER, _P_FIELD_VALIDATION, _P_FORCE],
                request_body=patch_body,
                responses={"200": _response("OK", sub_def), "201": _response("Created", sub_def)},
            )
        if sub_ops:
            sub_ops["parameters"] = [name_param, *scope_params, _P_PRETTY]
            out[f"{item}/{sub}"] = sub_ops

    # list across namespaces
    if r.namespaced and "list" in verbs and list_def:
        out[f"{prefix}/{r.plural}"] = {
            "get": _operation(
                r,
                action="list",
                op_id=f"list{gv}{kind}ForAllNamespaces",
                description=f"list or watch objects of kind {kind}",
                gvk=gvk,
                parameters=list(_LIST_PARAMS),
                responses={"200": _response("OK", list_def, _LIST_CONTENT_TYPES)},
            ),
            "parameters": [_P_PRETTY],
        }
    return out
