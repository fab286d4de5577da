"""Bad input gets a clear Kubernetes `Status` (code, reason, message, details) and changes nothing.

Every case is sent over real HTTPS (raw bytes where a client would refuse to send them) and,
where a user would meet it, through the real kubectl, whose output must be what it prints
against a real cluster. After each rejection the stored state is read back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.integration.harness import Kroll, wait_until
from tests.integration.kubehttp import KubeHttp, drop_namespace, fresh_namespace

STATUS_KEYS = {"kind", "apiVersion", "metadata", "status", "message", "reason", "code"}


@pytest.fixture(scope="module")
def api(kroll: Kroll) -> KubeHttp:
    return KubeHttp(kroll.kubeconfig)


@pytest.fixture
def ns(api: KubeHttp):
    name = fresh_namespace(api)
    yield name
    drop_namespace(api, name)


def deployment(name: str, *, labels: dict[str, str] | None = None, replicas: int = 1,
               template_labels: dict[str, str] | None = None) -> dict:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": template_labels or labels},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}},
    }


def deploys(ns: str, name: str = "") -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments" + (f"/{name}" if name else "")


def configmaps(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/configmaps" + (f"/{name}" if name else "")


def assert_status(resp, code: int, reason: str, message: str | None = None) -> dict:
    assert resp.status == code, resp.body
    assert resp.headers.get("Content-Type") == "application/json"
    status = resp.json
    assert set(status) >= STATUS_KEYS, status
    assert (status["kind"], status["apiVersion"], status["status"], status["code"], status["reason"]) == \
        ("Status", "v1", "Failure", code, reason), status
    if message is not None:
        assert status["message"] == message
    return status


def names(api: KubeHttp, path: str) -> list[str]:
    resp = api.get(path)
    assert resp.status == 200, resp.body
    return [item["metadata"]["name"] for item in resp.json["items"]]


def user_view(obj: dict) -> dict:
    """What a write by the user could change: metadata (less resourceVersion) and spec. Status
    and the resourceVersion move on their own while the controllers work."""
    md = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
    return {"metadata": md, "spec": obj.get("spec"), "data": obj.get("data")}


def settled(api: KubeHttp, ns: str, name: str) -> dict:
    """The Deployment once its controller has stamped the revision annotation (its only metadata write)."""
    def ready():
        obj = api.get(deploys(ns, name)).json
        return obj if "deployment.kubernetes.io/revision" in obj["metadata"].get("annotations", {}) else None
    return wait_until(ready, message=f"deployment {name} to get its revision")


def write_manifest(tmp_path: Path, obj: dict, name: str = "manifest.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(obj))
    return path


# --------------------------------------------------------------------------- 422 Invalid


def test_selector_not_matching_template_is_invalid(kroll: Kroll, api: KubeHttp, ns: str, tmp_path: Path):
    bad = deployment("mismatch", labels={"app": "web"}, template_labels={"app": "other"})
    status = assert_status(api.request("POST", deploys(ns), bad), 422, "Invalid")
    assert status["message"] == ('Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: '
                                 'map[string]string{"app":"other"}: `selector` does not match template `labels`')
    assert status["details"] == {"name": "mismatch", "group": "apps", "kind": "Deployment", "causes": [
        {"reason": "FieldValueInvalid", "field": "spec.template.metadata.labels",
         "message": 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'}]}
    result = kroll.kubectl("-n", ns, "create", "-f", str(write_manifest(tmp_path, bad)), check=False)
    assert result.returncode == 1
    assert result.stderr == ('The Deployment "mismatch" is invalid: spec.template.metadata.labels: Invalid value: '
                             'map[string]string{"app":"other"}: `selector` does not match template `labels`\n')
    assert names(api, deploys(ns)) == []


def test_negative_replicas_and_bad_name_list_every_cause(kroll: Kroll, api: KubeHttp, ns: str, tmp_path: Path):
    bad = deployment("Bad_Name", replicas=-1)
    status = assert_status(api.request("POST", deploys(ns), bad), 422, "Invalid")
    fields = [(c["field"], c["reason"]) for c in status["details"]["causes"]]
    assert fields == [("metadata.name", "FieldValueInvalid"), ("spec.replicas", "FieldValueInvalid")]
    assert status["message"].startswith('Deployment.apps "Bad_Name" is invalid: [metadata.name: Invalid value: '
                                        '"Bad_Name": a lowercase RFC 1123 subdomain must consist of')
    assert status["message"].endswith(", spec.replicas: Invalid value: -1: must be greater than or equal to 0]")
    result = kroll.kubectl("-n", ns, "create", "-f", str(write_manifest(tmp_path, bad)), check=False)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == 'The Deployment "Bad_Name" is invalid: '
    assert lines[1].startswith('* metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain')
    assert lines[2] == "* spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    assert names(api, deploys(ns)) == []


def test_changing_the_selector_is_immutable(kroll: Kroll, api: KubeHttp, ns: str, tmp_path: Path):
    created = api.request("POST", deploys(ns), deployment("web"))
    assert created.status == 201, created.body
    stored = created.json
    changed = json.loads(json.dumps(stored))
    changed["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "x"}}
    changed["spec"]["template"]["metadata"]["labels"] = {"app": "web", "tier": "x"}
    del changed["metadata"]["resourceVersion"]  # unconditional: the controller may have written status since
    status = assert_status(api.request("PUT", deploys(ns, "web"), changed), 422, "Invalid")
    go_value = ('v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}, '
                'MatchExpressions:[]v1.LabelSelectorRequirement(nil)}')
    assert status["message"] == f'Deployment.apps "web" is invalid: spec.selector: Invalid value: {go_value}: field is immutable'
    assert status["details"]["causes"] == [{"reason": "FieldValueInvalid", "field": "spec.selector",
                                            "message": f"Invalid value: {go_value}: field is immutable"}]
    # kubectl replace sends the same PUT and prints the Status as a real cluster's kubectl does
    result = kroll.kubectl("-n", ns, "replace", "-f", str(write_manifest(tmp_path, changed)), check=False)
    assert result.returncode == 1
    assert result.stderr == f'The Deployment "web" is invalid: spec.selector: Invalid value: {go_value}: field is immutable\n'
    now = api.get(deploys(ns, "web")).json  # the controllers only wrote status since
    assert now["spec"] == stored["spec"] and now["metadata"]["generation"] == 1


# --------------------------------------------------------------------------- 409, 404, 401, 413


def test_stale_resource_version_is_a_conflict(kroll: Kroll, api: KubeHttp, ns: str, tmp_path: Path):
    first = api.request("POST", configmaps(ns), {"metadata": {"name": "cfg"}, "data": {"a": "1"}}).json
    second = json.loads(json.dumps(first))
    second["data"]["a"] = "2"
    assert api.request("PUT", configmaps(ns, "cfg"), second).status == 200
    stale = json.loads(json.dumps(first))
    stale["data"]["a"] = "3"
    status = assert_status(api.request("PUT", configmaps(ns, "cfg"), stale), 409, "Conflict",
                           'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; '
                           "please apply your changes to the latest version and try again")
    assert status["details"] == {"name": "cfg", "kind": "configmaps"}
    # kubectl replace with the stale resourceVersion in the file
    stale["apiVersion"], stale["kind"] = "v1", "ConfigMap"
    result = kroll.kubectl("-n", ns, "replace", "-f", str(write_manifest(tmp_path, stale, "cfg.yaml")), check=False)
    assert result.returncode == 1
    assert result.stderr == (f'Error from server (Conflict): error when replacing "{tmp_path / "cfg.yaml"}": '
                             'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; '
                             "please apply your changes to the latest version and try again\n")
    assert api.get(configmaps(ns, "cfg")).json["data"] == {"a": "2"}


@pytest.mark.parametrize("path", [
    "/apis/apps/v1/namespaces/default/foos",
    "/apis/apps/v1/foos",
    "/api/v1/namespaces/default/foos/x",
    "/apis/nope.example.com/v1/things",
    "/api/v2/pods",
])
def test_unknown_resources_are_not_found(api: KubeHttp, path: str):
    status = assert_status(api.get(path), 404, "NotFound", "the server could not find the requested resource")
    assert status["details"] == {}


def test_kubectl_on_unknown_resources(kroll: Kroll):
    result = kroll.kubectl("get", "foos", check=False)
    assert (result.returncode, result.stderr) == (1, 'error: the server doesn\'t have a resource type "foos"\n')
    result = kroll.kubectl("get", "--raw", "/apis/apps/v1/namespaces/default/foos", check=False)
    assert (result.returncode, result.stderr) == (1, "Error from server (NotFound): the server could not find the "
                                                     "requested resource\n")


def test_missing_objects_are_not_found(kroll: Kroll, api: KubeHttp, ns: str):
    message = 'deployments.apps "ghost" not found'
    details = {"name": "ghost", "group": "apps", "kind": "deployments"}
    for method, body in (("GET", None), ("DELETE", None), ("PUT", deployment("ghost")),
                         ("PATCH", b'{"spec":{"replicas":2}}')):
        ctype = "application/merge-patch+json" if method == "PATCH" else None
        status = assert_status(api.request(method, deploys(ns, "ghost"), body, content_type=ctype), 404, "NotFound",
                               message)
        assert status["details"] == details
    # core group: no group in the message or the details
    status = assert_status(api.request("DELETE", configmaps(ns, "ghost")), 404, "NotFound", 'configmaps "ghost" not found')
    assert status["details"] == {"name": "ghost", "kind": "configmaps"}
    result = kroll.kubectl("-n", ns, "delete", "deployment", "ghost", check=False)
    assert (result.returncode, result.stderr) == (1, f"Error from server (NotFound): {message}\n")
    result = kroll.kubectl("-n", ns, "get", "deploy/ghost", check=False)
    assert (result.returncode, result.stderr) == (1, f"Error from server (NotFound): {message}\n")
    assert names(api, deploys(ns)) == []


@pytest.mark.parametrize("token", ["", "not-the-token"])
def test_missing_or_wrong_token_is_unauthorized(kroll: Kroll, api: KubeHttp, ns: str, token: str):
    for method, path, body in (("GET", "/api/v1/pods", None), ("GET", "/apis", None),
                               ("POST", configmaps(ns), {"metadata": {"name": "sneaky"}})):
        status = assert_status(api.request(method, path, body, token=token), 401, "Unauthorized", "Unauthorized")
        assert "details" not in status
    assert names(api, configmaps(ns)) == []
    result = kroll.kubectl("--token", token or "x", "get", "pods", check=False)
    assert (result.returncode, result.stderr) == (1, "error: You must be logged in to the server (Unauthorized)\n")


def test_oversized_body_is_rejected(api: KubeHttp, ns: str):
    big = {"metadata": {"name": "huge"}, "data": {"blob": "x" * (3 * 1024 * 1024 + 1)}}
    assert_status(api.request("POST", configmaps(ns), big), 413, "RequestEntityTooLarge",
                  "Request entity too large: limit is 3145728")
    assert names(api, configmaps(ns)) == []


# --------------------------------------------------------------------------- 400 BadRequest, 415


@pytest.mark.parametrize("body, content_type", [
    (b'{"metadata": {"name": "broken"', "application/json"),
    (b'{"metadata": {"name": "broken"}} trailing', "application/json"),
    (b"metadata:\n  name: [broken\n", "application/yaml"),
    (b"metadata: {name: a}\n---\nmetadata: {name: b}\n", "application/yaml"),
    (b"[1, 2]", "application/json"),
    (b"", "application/json"),
])
def test_malformed_bodies_are_bad_requests(api: KubeHttp, ns: str, body: bytes, content_type: str):
    status = assert_status(api.request("POST", configmaps(ns), body, content_type=content_type), 400, "BadRequest")
    assert status["message"]
    assert names(api, configmaps(ns)) == []


def test_yaml_bodies_are_accepted(api: KubeHttp, ns: str):
    resp = api.request("POST", configmaps(ns), b"metadata:\n  name: from-yaml\ndata:\n  a: '1'\n",
                       content_type="application/yaml")
    assert resp.status == 201, resp.body
    assert api.get(configmaps(ns, "from-yaml")).json["data"] == {"a": "1"}


def test_strict_field_validation_rejects_unknown_and_duplicate_fields(kroll: Kroll, api: KubeHttp, ns: str,
                                                                      tmp_path: Path):
    body = deployment("strict")
    body["spec"]["foo"] = 1
    body["spec"]["template"]["spec"]["containers"][0]["imagee"] = "typo"
    assert_status(api.request("POST", deploys(ns) + "?fieldValidation=Strict", body), 400, "BadRequest",
                  'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
                  'unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.foo"')
    dup = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1","a":"2"}}'
    assert_status(api.request("POST", configmaps(ns) + "?fieldValidation=Strict", dup, content_type="application/json"),
                  400, "BadRequest",
                  'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
                  'duplicate field "data.a"')
    assert names(api, deploys(ns)) == [] and names(api, configmaps(ns)) == []
    # kubectl validates strictly by default, on the server
    body["spec"]["template"]["spec"]["containers"][0].pop("imagee")
    manifest = write_manifest(tmp_path, body)
    result = kroll.kubectl("-n", ns, "create", "-f", str(manifest), check=False)
    assert result.returncode == 1
    assert result.stderr == (f'Error from server (BadRequest): error when creating "{manifest}": Deployment in version '
                             '"v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"\n')
    assert names(api, deploys(ns)) == []


def test_warn_and_ignore_accept_but_drop_unknown_fields(kroll: Kroll, api: KubeHttp, ns: str, tmp_path: Path):
    body = deployment("warned")
    body["spec"]["foo"] = 1
    body["metadata"]["bar"] = "x"
    resp = api.request("POST", deploys(ns) + "?fieldValidation=Warn", body)
    assert resp.status == 201, resp.body
    assert resp.header_values("Warning") == ['299 - "unknown field \\"metadata.bar\\""',
                                             '299 - "unknown field \\"spec.foo\\""']
    assert "foo" not in resp.json["spec"] and "bar" not in resp.json["metadata"]
    # no fieldValidation parameter means Warn
    body["metadata"]["name"] = "defaulted"
    resp = api.request("POST", deploys(ns), body)
    assert resp.status == 201 and len(resp.header_values("Warning")) == 2
    body["metadata"]["name"] = "ignored"
    resp = api.request("POST", deploys(ns) + "?fieldValidation=Ignore", body)
    assert resp.status == 201 and resp.header_values("Warning") == []
    resp = api.request("POST", deploys(ns) + "?fieldValidation=Ignore", yaml.safe_dump(
        {**body, "metadata": {"name": "ignored-yaml", "bar": "x"}}).encode(), content_type="application/yaml")
    assert resp.status == 201 and resp.header_values("Warning") == []
    for name in ("warned", "defaulted", "ignored", "ignored-yaml"):
        stored = api.get(deploys(ns, name)).json
        assert "foo" not in stored["spec"] and "bar" not in stored["metadata"], stored
    # an unknown field in a patch is dropped too; the patch changes nothing else
    before = settled(api, ns, "warned")
    resp = api.request("PATCH", deploys(ns, "warned"), b'{"spec":{"foo":2}}',
                       content_type="application/strategic-merge-patch+json")
    assert resp.status == 200 and resp.header_values("Warning") == ['299 - "unknown field \\"spec.foo\\""']
    assert user_view(api.get(deploys(ns, "warned")).json) == user_view(before)
    resp = api.request("PATCH", deploys(ns, "warned") + "?fieldValidation=Ignore", b'{"spec":{"foo":3}}',
                       content_type="application/merge-patch+json")
    assert resp.status == 200 and resp.header_values("Warning") == []
    assert user_view(api.get(deploys(ns, "warned")).json) == user_view(before)
    # kubectl --validate=warn prints the warning and stores no unknown field
    body["metadata"] = {"name": "kubectl-warned"}
    result = kroll.kubectl("-n", ns, "create", "--validate=warn", "-f", str(write_manifest(tmp_path, body)))
    assert result.stdout == "deployment.apps/kubectl-warned created\n"
    assert result.stderr == 'Warning: unknown field "spec.foo"\n'
    assert "foo" not in api.get(deploys(ns, "kubectl-warned")).json["spec"]
    # kubectl patch (no fieldValidation: Warn) of only an unknown field is a no-op
    result = kroll.kubectl("-n", ns, "patch", "deploy", "kubectl-warned", "-p", '{"spec":{"foo":1}}')
    assert result.stdout == "deployment.apps/kubectl-warned patched (no change)\n"


def test_strict_patch_with_unknown_field_is_invalid(kroll: Kroll, api: KubeHttp, ns: str, tmp_path: Path):
    manifest = deployment("patched")
    path = write_manifest(tmp_path, manifest)
    kroll.kubectl("-n", ns, "apply", "-f", str(path))
    before = settled(api, ns, "patched")
    status = assert_status(api.request("PATCH", deploys(ns, "patched") + "?fieldValidation=Strict",
                                       b'{"spec":{"foo":1,"replicas":3}}',
                                       content_type="application/strategic-merge-patch+json"), 422, "Invalid")
    assert status["message"] == (' "" is invalid: patch: Invalid value: "map[spec:map[foo:1 replicas:3]]": '
                                 'strict decoding error: unknown field "spec.foo"')
    assert status["details"] == {"causes": [{
        "reason": "FieldValueInvalid", "field": "patch",
        "message": 'Invalid value: "map[spec:map[foo:1 replicas:3]]": strict decoding error: unknown field "spec.foo"'}]}
    status = assert_status(api.request("PATCH", deploys(ns, "patched") + "?fieldValidation=Strict",
                                       b'{"spec":{"foo":1}}', content_type="application/merge-patch+json"),
                           422, "Invalid")
    assert status["message"].endswith('strict decoding error: unknown field "spec.foo"')
    # kubectl apply of a manifest that gained an unknown field: the apply patch is refused
    manifest["spec"]["foo"] = 1
    path.write_text(yaml.safe_dump(manifest))
    result = kroll.kubectl("-n", ns, "apply", "-f", str(path), check=False)
    assert result.returncode == 1
    assert 'strict decoding error: unknown field "spec.foo"' in result.stderr
    assert user_view(api.get(deploys(ns, "patched")).json) == user_view(before)


@pytest.mark.parametrize("body, message", [
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}},
     "the API version in the data (v1) does not match the expected API version (apps/v1)"),
    ({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"}},
     "the kind in the data (ReplicaSet) does not match the expected kind (Deployment)"),
    ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "elsewhere"}},
     "the namespace of the provided object does not match the namespace sent on the request"),
])
def test_wrong_kind_version_or_namespace_in_body(api: KubeHttp, ns: str, body: dict, message: str):
    full = {**deployment("x"), **body}
    assert_status(api.request("POST", deploys(ns), full), 400, "BadRequest", message)
    assert names(api, deploys(ns)) == []


def test_name_mismatch_on_update(api: KubeHttp, ns: str):
    created = api.request("POST", configmaps(ns), {"metadata": {"name": "one"}}).json
    created["metadata"]["name"] = "two"
    assert_status(api.request("PUT", configmaps(ns, "one"), created), 400, "BadRequest",
                  "the name of the object (two) does not match the name on the URL (one)")
    assert names(api, configmaps(ns)) == ["one"]


@pytest.mark.parametrize("query, message", [
    ("labelSelector=app%20in%20(a", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("labelSelector=a%20b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("fieldSelector=spec.foo%3Db", 'field label not supported: spec.foo'),
])
def test_invalid_selectors_are_bad_requests(kroll: Kroll, api: KubeHttp, ns: str, query: str, message: str):
    assert_status(api.get(f"/api/v1/namespaces/{ns}/pods?{query}"), 400, "BadRequest", message)


def test_kubectl_invalid_label_selector(kroll: Kroll, ns: str):
    result = kroll.kubectl("-n", ns, "get", "deploy", "-l", "a b", check=False)
    assert result.returncode == 1
    assert result.stderr == ('Error from server (BadRequest): Unable to find "apps/v1, Resource=deployments" that '
                             'match label selector "a b", field selector "": unable to parse requirement: found '
                             "'b', expected: in, notin, =, ==, !=, gt, lt\n")


def test_unsupported_media_types(api: KubeHttp, ns: str):
    status = assert_status(api.request("POST", configmaps(ns), b"name=x", content_type="text/plain"), 415,
                           "UnsupportedMediaType")
    assert '"text/plain"' in status["message"]
    created = api.request("POST", configmaps(ns), {"metadata": {"name": "cfg"}, "data": {"a": "1"}}).json
    # a PATCH must say which patch it is
    assert_status(api.request("PATCH", configmaps(ns, "cfg"), b'{"data":{"a":"2"}}', content_type="application/json"),
                  415, "UnsupportedMediaType")
    assert api.get(configmaps(ns, "cfg")).json == created


def test_server_side_apply_is_a_clean_415(kroll: Kroll, api: KubeHttp, ns: str, tmp_path: Path):
    created = api.request("POST", configmaps(ns), {"metadata": {"name": "cfg"}, "data": {"a": "1"}}).json
    apply_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: '2'\n"
    status = assert_status(api.request("PATCH", configmaps(ns, "cfg") + "?fieldManager=me", apply_body,
                                       content_type="application/apply-patch+yaml"), 415, "UnsupportedMediaType")
    assert "server-side apply" in status["message"]
    manifest = tmp_path / "cfg.yaml"
    manifest.write_bytes(apply_body)
    result = kroll.kubectl("-n", ns, "apply", "--server-side", "-f", str(manifest), check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: Server-side apply not available on the server: (server-side apply is not "
                                    "supported by kroll yet")
    assert api.get(configmaps(ns, "cfg")).json == created


def test_bad_write_options_are_invalid(api: KubeHttp, ns: str):
    status = assert_status(api.request("POST", configmaps(ns) + "?dryRun=Some", {"metadata": {"name": "cfg"}}), 422,
                           "Invalid", 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: '
                                      '[]string{"Some"}: supported values: "All"')
    assert status["details"] == {"group": "meta.k8s.io", "kind": "CreateOptions", "causes": [
        {"reason": "FieldValueNotSupported", "field": "dryRun",
         "message": 'Unsupported value: []string{"Some"}: supported values: "All"'}]}
    assert_status(api.request("POST", configmaps(ns) + "?fieldValidation=Loose", {"metadata": {"name": "cfg"}}), 422,
                  "Invalid", 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": '
                             'supported values: "", "Ignore", "Strict", "Warn"')
    assert names(api, configmaps(ns)) == []
    created = api.request("POST", configmaps(ns), {"metadata": {"name": "cfg"}}).json
    assert_status(api.request("PUT", configmaps(ns, "cfg") + "?dryRun=x", created), 422, "Invalid",
                  'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: '
                  'supported values: "All"')
    assert_status(api.request("PATCH", configmaps(ns, "cfg") + "?fieldValidation=x", b"{}",
                              content_type="application/merge-patch+json"), 422, "Invalid",
                  'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "x": '
                  'supported values: "", "Ignore", "Strict", "Warn"')
    assert_status(api.request("DELETE", configmaps(ns, "cfg") + "?dryRun=x"), 422, "Invalid",
                  'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: '
                  'supported values: "All"')
    assert api.get(configmaps(ns, "cfg")).json == created
