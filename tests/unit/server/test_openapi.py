"""The OpenAPI v3 documents, checked the way kubectl reads them.

The helpers below re-state, in Python, what kubectl's consumers look for: cli-runtime's
query-param verifier (a PATCH operation with the kind's GVK and an inline `fieldValidation`
parameter), apply's patcher (a PATCH accepting strategic merge patch, a component schema
carrying the GVK) and apimachinery's OpenAPI v3 patch-meta lookup (extensions on the
property, `$ref` possibly wrapped in a one-element `allOf`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson
import pytest

from kroll.api import registry
from kroll.server import openapi

GVS = list(registry.GROUP_VERSIONS)


def doc(group: str, version: str) -> dict[str, Any]:
    return orjson.loads(openapi.openapi_document(group, version))


def gvk_of(r: registry.ResourceInfo) -> dict[str, str]:
    return {"group": r.group, "version": r.version, "kind": r.kind}


# --- what kubectl does -----------------------------------------------------


def supports_query_param(document: dict[str, Any], gvk: dict[str, str], param: str) -> bool:
    for path_item in document["paths"].values():
        op = path_item.get("patch")
        if op is None or op.get("x-kubernetes-group-version-kind") != gvk:
            continue
        return any(p.get("name") == param for p in op.get("parameters", []))
    return False


def supports_strategic_patch(document: dict[str, Any], gvk: dict[str, str]) -> bool:
    for path_item in document["paths"].values():
        op = path_item.get("patch")
        if op is not None and op.get("x-kubernetes-group-version-kind") == gvk:
            return "application/strategic-merge-patch+json" in op.get("requestBody", {}).get("content", {})
    return False


def schema_for_gvk(document: dict[str, Any], gvk: dict[str, str]) -> dict[str, Any] | None:
    for s in document["components"]["schemas"].values():
        if gvk in s.get("x-kubernetes-group-version-kind", []):
            return s
    return None


def resolve(document: dict[str, Any], s: dict[str, Any]) -> dict[str, Any]:
    if s.get("allOf"):
        s = s["allOf"][0]
    ref = s.get("$ref")
    if ref:
        assert ref.startswith("#/components/schemas/")
        return document["components"]["schemas"][ref.removeprefix("#/components/schemas/")]
    return s


def patch_meta(document: dict[str, Any], root: dict[str, Any], path: list[str]) -> tuple[str, str]:
    """(strategy, merge key) of the field at `path`, walking like PatchMetaFromOpenAPIV3."""
    current = root
    prop: dict[str, Any] = {}
    for key in path:
        prop = current["properties"][key]
        target = prop.get("items", prop)
        current = resolve(document, target)
    return prop.get("x-kubernetes-patch-strategy", ""), prop.get("x-kubernetes-patch-merge-key", "")


# --- tests ------------------------------------------------------------------


def test_index_lists_every_group_version_with_a_content_hash():
    index = openapi.openapi_index()
    assert set(index) == {"paths"}
    assert set(index["paths"]) == {openapi.gv_path(g, v) for g, v in GVS}
    assert "api/v1" in index["paths"] and "apis/apps/v1" in index["paths"]
    for g, v in GVS:
        url = index["paths"][openapi.gv_path(g, v)]["serverRelativeURL"]
        m = re.fullmatch(r"/openapi/v3/(.+)\?hash=([0-9A-F]{128})", url)
        assert m is not None, url
        assert m.group(1) == openapi.gv_path(g, v)
        assert m.group(2) == hashlib.sha512(openapi.openapi_document(g, v)).hexdigest().upper()
        assert openapi.document_hash(g, v) == m.group(2)


def test_documents_are_cached_and_deterministic():
    assert openapi.openapi_document("apps", "v1") is openapi.openapi_document("apps", "v1")
    assert openapi.openapi_index() == openapi.openapi_index()
    assert openapi._build_document("apps", "v1") == doc("apps", "v1")


def test_unknown_group_version():
    with pytest.raises(KeyError):
        openapi.openapi_document("example.com", "v1")
    assert openapi.document_for_path("apis/example.com/v1") is None
    assert openapi.document_for_path("/openapi/v3/apis/apps/v1") is openapi.openapi_document("apps", "v1")
    assert openapi.document_for_path("api/v1") is openapi.openapi_document("", "v1")


@pytest.mark.parametrize(("group", "version"), GVS)
def test_document_shape(group, version):
    d = doc(group, version)
    assert d["openapi"].startswith("3.")
    assert d["info"]["title"] == "Kubernetes"
    assert d["paths"]
    raw = openapi.openapi_document(group, version).decode()
    assert "#/$defs/" not in raw
    # every reference resolves inside the document
    schemas = d["components"]["schemas"]
    for ref in set(re.findall(r'"\$ref":"([^"]+)"', raw)):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref

    def no_type_lists(node: Any) -> None:
        if isinstance(node, dict):
            assert not isinstance(node.get("type"), list), node
            for v in node.values():
                no_type_lists(v)
        elif isinstance(node, list):
            for v in node:
                no_type_lists(v)

    no_type_lists(schemas)


@pytest.mark.parametrize("r", registry.RESOURCES, ids=lambda r: f"{r.group_resource}")
def test_kubectl_finds_field_validation_and_strategic_patch(r):
    d = doc(r.group, r.version)
    gvk = gvk_of(r)
    assert supports_query_param(d, gvk, "fieldValidation")
    assert supports_query_param(d, gvk, "dryRun")
    assert supports_query_param(d, gvk, "fieldManager")
    assert supports_strategic_patch(d, gvk)
    s = schema_for_gvk(d, gvk)
    assert s is not None and "properties" in s
    # kubernetes-validate's apiVersion/kind enums are not served
    assert "enum" not in s["properties"]["apiVersion"]


@pytest.mark.parametrize("r", registry.RESOURCES, ids=lambda r: f"{r.group_resource}")
def test_resource_paths_and_operations(r):
    d = doc(r.group, r.version)
    prefix = f"/apis/{r.group}/{r.version}" if r.group else f"/api/{r.version}"
    collection = f"{prefix}/namespaces/{{namespace}}/{r.plural}" if r.namespaced else f"{prefix}/{r.plural}"
    item = d["paths"][collection + "/{name}"]
    gvk = gvk_of(r)
    expected_item_ops = {"get": "get", "put": "update", "patch": "patch", "delete": "delete"}
    for method, verb in expected_item_ops.items():
        if verb in r.verbs:
            op = item[method]
            assert op["x-kubernetes-group-version-kind"] == gvk
            assert op["x-kubernetes-action"] == method
            assert "200" in op["responses"]
    patch = item["patch"]
    assert set(patch["requestBody"]["content"]) == set(openapi.PATCH_CONTENT_TYPES)
    assert {p["name"] for p in patch["parameters"]} >= {"fieldValidation", "dryRun", "fieldManager"}
    assert all(p["in"] == "query" for p in patch["parameters"])
    path_params = {p["name"] for p in item["parameters"] if p["in"] == "path"}
    assert path_params == ({"name", "namespace"} if r.namespaced else {"name"})
    coll = d["paths"][collection]
    if "list" in r.verbs:
        assert coll["get"]["x-kubernetes-action"] == "list"
        assert {p["name"] for p in coll["get"]["parameters"]} >= {"labelSelector", "fieldSelector", "watch", "limit"}
        list_ref = coll["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert list_ref.endswith(f".{r.kind}List")
    if "create" in r.verbs:
        assert coll["post"]["x-kubernetes-action"] == "post"
        assert {p["name"] for p in coll["post"]["parameters"]} >= {"fieldValidation"}
    if "deletecollection" in r.verbs:
        assert coll["delete"]["x-kubernetes-action"] == "deletecollection"
    else:
        assert "delete" not in coll
    if r.namespaced and "list" in r.verbs:
        assert d["paths"][f"{prefix}/{r.plural}"]["get"]["x-kubernetes-action"] == "list"
    if "status" in r.subresources:
        status = d["paths"][collection + "/{name}/status"]
        assert status["patch"]["x-kubernetes-group-version-kind"] == gvk


def test_scale_subresource_paths_use_autoscaling_scale():
    d = doc("apps", "v1")
    scale = d["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    scale_gvk = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    for method in ("get", "put", "patch"):
        assert scale[method]["x-kubernetes-group-version-kind"] == scale_gvk
    ref = scale["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"
    assert schema_for_gvk(d, scale_gvk) is not None
    assert "/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}/scale" not in d["paths"]


def test_common_meta_schemas_present():
    for g, v in GVS:
        schemas = doc(g, v)["components"]["schemas"]
        for name in ("Status", "DeleteOptions", "Patch", "ObjectMeta", "WatchEvent"):
            assert f"io.k8s.apimachinery.pkg.apis.meta.v1.{name}" in schemas


@pytest.mark.parametrize(
    ("path", "strategy", "merge_key"),
    [
        (["spec", "template", "spec", "containers"], "merge", "name"),
        (["spec", "template", "spec", "containers", "env"], "merge", "name"),
        (["spec", "template", "spec", "containers", "ports"], "merge", "containerPort"),
        (["spec", "template", "spec", "volumes"], "merge,retainKeys", "name"),
        (["spec", "strategy"], "retainKeys", ""),
        (["metadata", "ownerReferences"], "merge", "uid"),
        (["metadata", "finalizers"], "merge", ""),
        (["status", "conditions"], "merge", "type"),
        (["spec", "template", "spec", "tolerations"], "", ""),
        (["spec", "template", "spec", "containers", "args"], "", ""),
    ],
)
def test_patch_metadata_reachable_like_kubectl_apply(path, strategy, merge_key):
    d = doc("apps", "v1")
    root = schema_for_gvk(d, {"group": "apps", "version": "v1", "kind": "Deployment"})
    assert root is not None
    assert patch_meta(d, root, path) == (strategy, merge_key)


def test_references_with_siblings_are_wrapped_in_all_of():
    schemas = doc("apps", "v1")["components"]["schemas"]
    strategy = schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}]
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    assert "description" in strategy and "$ref" not in strategy
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["type"] == "array"
    assert resolve({"components": {"schemas": schemas}}, containers["items"]) is schemas["io.k8s.api.core.v1.Container"]
    int_or_string = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert sorted(t["type"] for t in int_or_string["oneOf"]) == ["integer", "string"]


def test_core_and_events_groups_are_separate():
    core = doc("", "v1")
    events = doc("events.k8s.io", "v1")
    assert schema_for_gvk(core, {"group": "", "version": "v1", "kind": "Event"}) is not None
    assert schema_for_gvk(events, {"group": "events.k8s.io", "version": "v1", "kind": "Event"}) is not None
    assert all(p.startswith("/api/v1/") for p in core["paths"])
    assert all(p.startswith("/apis/events.k8s.io/v1/") for p in events["paths"])
    assert "/api/v1/namespaces" in core["paths"]
    assert "delete" not in core["paths"]["/api/v1/namespaces"]  # namespaces have no deletecollection
