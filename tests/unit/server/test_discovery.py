"""Discovery documents: /version, legacy /api, /apis, APIResourceLists, aggregated discovery."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest

from kroll.api import registry
from kroll.server import discovery


def test_version_info() -> None:
    v = discovery.version_info()
    assert list(v) == [
        "major",
        "minor",
        "emulationMajor",
        "emulationMinor",
        "minCompatibilityMajor",
        "minCompatibilityMinor",
        "gitVersion",
        "gitCommit",
        "gitTreeState",
        "buildDate",
        "goVersion",
        "compiler",
        "platform",
    ]
    assert (v["major"], v["minor"], v["gitVersion"]) == ("1", "37", "v1.37.0")
    assert (v["emulationMinor"], v["minCompatibilityMinor"]) == ("37", "36")
    assert v["compiler"] == "gc" and "/" in v["platform"]
    assert orjson.loads(discovery.version_bytes()) == v


def test_legacy_api_versions() -> None:
    assert discovery.api_versions("10.0.0.1:6443") == {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}],
    }


def test_legacy_api_group_list_in_priority_order() -> None:
    doc = discovery.api_group_list()
    assert doc["kind"] == "APIGroupList" and doc["apiVersion"] == "v1"
    assert [g["name"] for g in doc["groups"]] == ["apps", "events.k8s.io", "coordination.k8s.io"]
    assert doc["groups"][0] == {
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    }


def test_api_group() -> None:
    assert discovery.api_group("apps") == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        **discovery.api_group_list()["groups"][0],
    }
    assert discovery.api_group("batch") is None
    assert discovery.api_group("") is None
    assert discovery.api_group_bytes("batch") is None


def entries(group: str, version: str) -> dict[str, dict[str, Any]]:
    doc = discovery.api_resource_list(group, version)
    assert doc is not None
    return {r["name"]: r for r in doc["resources"]}


def test_core_resource_list() -> None:
    doc = discovery.api_resource_list("", "v1")
    assert doc is not None
    assert list(doc)[:2] == ["kind", "groupVersion"]  # /api/v1 carries no apiVersion
    assert doc["groupVersion"] == "v1"
    names = [r["name"] for r in doc["resources"]]
    assert names == sorted(names)
    assert names == [
        "configmaps",
        "endpoints",
        "events",
        "namespaces",
        "namespaces/status",
        "nodes",
        "nodes/status",
        "pods",
        "pods/binding",
        "pods/eviction",
        "pods/log",
        "pods/status",
        "secrets",
        "serviceaccounts",
        "services",
        "services/status",
    ]


@pytest.mark.parametrize(
    ("group", "version", "name", "expected"),
    [
        (
            "",
            "v1",
            "pods",
            {
                "name": "pods",
                "singularName": "pod",
                "namespaced": True,
                "kind": "Pod",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "shortNames": ["po"],
                "categories": ["all"],
                "storageVersionHash": "xPOwRZ+Yhw8=",
            },
        ),
        (
            "",
            "v1",
            "pods/log",
            {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
        ),
        (
            "",
            "v1",
            "pods/binding",
            {"name": "pods/binding", "singularName": "", "namespaced": True, "kind": "Binding", "verbs": ["create"]},
        ),
        (
            "",
            "v1",
            "pods/eviction",
            {
                "name": "pods/eviction",
                "singularName": "",
                "namespaced": True,
                "group": "policy",
                "version": "v1",
                "kind": "Eviction",
                "verbs": ["create"],
            },
        ),
        (
            "",
            "v1",
            "pods/status",
            {
                "name": "pods/status",
                "singularName": "",
                "namespaced": True,
                "kind": "Pod",
                "verbs": ["get", "patch", "update"],
            },
        ),
        (
            "",
            "v1",
            "namespaces",
            {
                "name": "namespaces",
                "singularName": "namespace",
                "namespaced": False,
                "kind": "Namespace",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["ns"],
                "storageVersionHash": "Q3oi5N2YM8M=",
            },
        ),
        (
            "",
            "v1",
            "namespaces/status",
            {
                "name": "namespaces/status",
                "singularName": "",
                "namespaced": False,
                "kind": "Namespace",
                "verbs": ["get", "patch", "update"],
            },
        ),
        (
            "",
            "v1",
            "secrets",
            {
                "name": "secrets",
                "singularName": "secret",
                "namespaced": True,
                "kind": "Secret",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "storageVersionHash": "S6u1pOWzb84=",
            },
        ),
        (
            "apps",
            "v1",
            "deployments",
            {
                "name": "deployments",
                "singularName": "deployment",
                "namespaced": True,
                "kind": "Deployment",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "shortNames": ["deploy"],
                "categories": ["all"],
                "storageVersionHash": "8aSe+NMegvE=",
            },
        ),
        (
            "apps",
            "v1",
            "deployments/scale",
            {
                "name": "deployments/scale",
                "singularName": "",
                "namespaced": True,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": ["get", "patch", "update"],
            },
        ),
        (
            "apps",
            "v1",
            "deployments/status",
            {
                "name": "deployments/status",
                "singularName": "",
                "namespaced": True,
                "kind": "Deployment",
                "verbs": ["get", "patch", "update"],
            },
        ),
        (
            "events.k8s.io",
            "v1",
            "events",
            {
                "name": "events",
                "singularName": "event",
                "namespaced": True,
                "kind": "Event",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "shortNames": ["ev"],
                "storageVersionHash": "r2yiGXH7wu8=",
            },
        ),
    ],
)
def test_resource_entries(group: str, version: str, name: str, expected: dict[str, Any]) -> None:
    entry = entries(group, version)[name]
    assert entry == expected
    assert list(entry) == list(expected)  # field order as upstream serializes it


def test_apps_resource_list() -> None:
    doc = discovery.api_resource_list("apps", "v1")
    assert doc is not None
    assert (doc["kind"], doc["apiVersion"], doc["groupVersion"]) == ("APIResourceList", "v1", "apps/v1")
    assert [r["name"] for r in doc["resources"]] == [
        "controllerrevisions",
        "daemonsets",
        "daemonsets/status",
        "deployments",
        "deployments/scale",
        "deployments/status",
        "replicasets",
        "replicasets/scale",
        "replicasets/status",
        "statefulsets",
        "statefulsets/scale",
        "statefulsets/status",
    ]


def test_unknown_group_version() -> None:
    assert discovery.api_resource_list("apps", "v1beta1") is None
    assert discovery.api_resource_list("batch", "v1") is None
    assert discovery.api_resource_list_bytes("batch", "v1") is None


def test_aggregated_core() -> None:
    doc = discovery.aggregated_discovery(True)
    assert list(doc) == ["kind", "apiVersion", "metadata", "items"]
    assert (doc["kind"], doc["apiVersion"], doc["metadata"]) == ("APIGroupDiscoveryList", "apidiscovery.k8s.io/v2", {})
    [core] = doc["items"]
    assert core["metadata"] == {}
    [v1] = core["versions"]
    assert list(v1) == ["version", "resources", "freshness"]
    assert (v1["version"], v1["freshness"]) == ("v1", "Current")
    pods = next(r for r in v1["resources"] if r["resource"] == "pods")
    assert pods == {
        "resource": "pods",
        "responseKind": {"group": "", "version": "", "kind": "Pod"},
        "scope": "Namespaced",
        "singularResource": "pod",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["po"],
        "categories": ["all"],
        "subresources": [
            {
                "subresource": "binding",
                "responseKind": {"group": "", "version": "", "kind": "Binding"},
                "verbs": ["create"],
            },
            {
                "subresource": "eviction",
                "responseKind": {"group": "policy", "version": "v1", "kind": "Eviction"},
                "verbs": ["create"],
            },
            {"subresource": "log", "responseKind": {"group": "", "version": "", "kind": "Pod"}, "verbs": ["get"]},
            {
                "subresource": "status",
                "responseKind": {"group": "", "version": "", "kind": "Pod"},
                "verbs": ["get", "patch", "update"],
            },
        ],
    }
    nodes = next(r for r in v1["resources"] if r["resource"] == "nodes")
    assert nodes["scope"] == "Cluster"
    secrets = next(r for r in v1["resources"] if r["resource"] == "secrets")
    assert "shortNames" not in secrets and "categories" not in secrets and "subresources" not in secrets


def test_aggregated_named_groups() -> None:
    doc = discovery.aggregated_discovery(False)
    assert [g["metadata"] for g in doc["items"]] == [
        {"name": "apps"},
        {"name": "events.k8s.io"},
        {"name": "coordination.k8s.io"},
    ]
    apps = doc["items"][0]["versions"][0]["resources"]
    deploy = next(r for r in apps if r["resource"] == "deployments")
    assert deploy["responseKind"] == {"group": "", "version": "", "kind": "Deployment"}
    assert deploy["subresources"] == [
        {
            "subresource": "scale",
            "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "verbs": ["get", "patch", "update"],
        },
        {
            "subresource": "status",
            "responseKind": {"group": "", "version": "", "kind": "Deployment"},
            "verbs": ["get", "patch", "update"],
        },
    ]
    beta = discovery.aggregated_discovery(False, "v2beta1")
    assert beta["apiVersion"] == "apidiscovery.k8s.io/v2beta1" and beta["items"] == doc["items"]


def test_aggregated_and_legacy_agree() -> None:
    """client-go may use either format; every resource must read the same through both."""
    seen = set()
    for core in (True, False):
        for group_doc in discovery.aggregated_discovery(core)["items"]:
            group = group_doc["metadata"].get("name", "")
            for version_doc in group_doc["versions"]:
                legacy = entries(group, version_doc["version"])
                for r in version_doc["resources"]:
                    e = legacy[r["resource"]]
                    assert (e["kind"], e["singularName"], e["namespaced"], e["verbs"]) == (
                        r["responseKind"]["kind"],
                        r["singularResource"],
                        r["scope"] == "Namespaced",
                        r["verbs"],
                    )
                    assert e.get("shortNames") == r.get("shortNames")
                    assert e.get("categories") == r.get("categories")
                    seen.add((group, r["resource"]))
                    for sub in r.get("subresources", ()):
                        se = legacy[f"{r['resource']}/{sub['subresource']}"]
                        assert sub["responseKind"] == {
                            "group": se.get("group", ""),
                            "version": se.get("version", ""),
                            "kind": se["kind"],
                        }
                        assert sub["verbs"] == se["verbs"]
                        seen.add((group, f"{r['resource']}/{sub['subresource']}"))
                assert set(legacy) == {name for g, name in seen if g == group}
    assert {(r.group, r.plural) for r in registry.RESOURCES} <= seen


def test_serialized_documents_and_etag() -> None:
    assert orjson.loads(discovery.aggregated_discovery_bytes(True)) == discovery.aggregated_discovery(True)
    assert discovery.aggregated_discovery_bytes(False) is discovery.aggregated_discovery_bytes(False)  # cached
    assert orjson.loads(discovery.api_group_list_bytes()) == discovery.api_group_list()
    assert orjson.loads(discovery.api_resource_list_bytes("apps", "v1")) == discovery.api_resource_list("apps", "v1")
    assert orjson.loads(discovery.api_versions_bytes("a:1")) == discovery.api_versions("a:1")
    etag = discovery.aggregated_discovery_etag(False)
    assert etag == '"' + hashlib.sha512(discovery.aggregated_discovery_bytes(False)).hexdigest().upper() + '"'
    assert etag != discovery.aggregated_discovery_etag(True)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # kubectl 1.37
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", "v2"),
        # older client-go: v2 then v2beta1 then legacy
        (
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
            "v2",
        ),
        ("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2beta1"),
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer,application/json", "v2"),
        ("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io", "v2"),
        ("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json", None),
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/json", None),
        ("application/json, */*", None),
        ("*/*", None),
        ("", None),
        (None, None),
        # legacy listed first wins
        ("application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", None),
    ],
)
def test_negotiate_discovery(accept: str | None, expected: str | None) -> None:
    assert discovery.negotiate_discovery(accept) == expected


def test_content_types() -> None:
    assert discovery.AGGREGATED_CONTENT_TYPES["v2"] == (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    )
