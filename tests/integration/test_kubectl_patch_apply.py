"""Client-side `kubectl apply` (the three-way strategic merge patch), `kubectl patch` with each
patch type, `kubectl diff` and `kubectl replace`, against a real `kroll up`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from tests.integration.harness import Kroll
from tests.integration.kubehttp import KubeHttp, drop_namespace, fresh_namespace

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

MANIFEST = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web", "team": "a"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{
                "name": "nginx", "image": "nginx:1.25",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}],
                "ports": [{"containerPort": 80}],
            }]},
        },
    },
}


@pytest.fixture(scope="module")
def api(kroll: Kroll) -> KubeHttp:
    return KubeHttp(kroll.kubeconfig)


@pytest.fixture
def ns(api: KubeHttp):
    name = fresh_namespace(api)
    yield name
    drop_namespace(api, name)


def ok(kroll: Kroll, ns: str, *args: str) -> str:
    return kroll.kubectl("-n", ns, *args).stdout


def get(kroll: Kroll, ns: str, *args: str) -> dict:
    return json.loads(ok(kroll, ns, "get", *args, "-o", "json"))


def write(path: Path, obj: dict) -> str:
    path.write_text(yaml.safe_dump(obj))
    return str(path)


def env_of(deploy: dict) -> list[dict]:
    return deploy["spec"]["template"]["spec"]["containers"][0].get("env", [])


def test_apply_create_unchanged_configured(kroll: Kroll, ns: str, tmp_path: Path):
    manifest = copy.deepcopy(MANIFEST)
    path = write(tmp_path / "web.yaml", manifest)
    assert ok(kroll, ns, "apply", "-f", path) == "deployment.apps/web created\n"
    live = get(kroll, ns, "deploy", "web")
    applied = json.loads(live["metadata"]["annotations"][LAST_APPLIED])
    assert applied == {**manifest, "metadata": {**manifest["metadata"], "namespace": ns, "annotations": {}}}
    assert live["metadata"]["annotations"][LAST_APPLIED].endswith("}\n")
    assert ok(kroll, ns, "apply", "-f", path) == "deployment.apps/web unchanged\n"
    # the controller's own writes (status, revision annotation) do not make the next apply "configured"
    ok(kroll, ns, "rollout", "status", "deploy/web", "--timeout=60s")
    assert ok(kroll, ns, "apply", "-f", path) == "deployment.apps/web unchanged\n"
    generation = get(kroll, ns, "deploy", "web")["metadata"]["generation"]

    # remove env B and label team, change C and the replicas, add D: the three-way patch
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "A", "value": "1"}, {"name": "C", "value": "30"}, {"name": "D", "value": "4"}]
    del manifest["metadata"]["labels"]["team"]
    manifest["spec"]["replicas"] = 3
    write(tmp_path / "web.yaml", manifest)
    assert ok(kroll, ns, "apply", "-f", path) == "deployment.apps/web configured\n"
    live = get(kroll, ns, "deploy", "web")
    assert env_of(live) == [{"name": "A", "value": "1"}, {"name": "C", "value": "30"}, {"name": "D", "value": "4"}]
    assert live["metadata"]["labels"] == {"app": "web"}
    assert live["spec"]["replicas"] == 3
    assert live["metadata"]["generation"] == generation + 1
    assert json.loads(live["metadata"]["annotations"][LAST_APPLIED])["spec"]["replicas"] == 3

    # fields set by others (not in the manifest, not in last-applied) survive an apply
    ok(kroll, ns, "annotate", "deploy/web", "owner=someone-else")
    ok(kroll, ns, "set", "env", "deploy/web", "EXTRA=x")
    manifest["spec"]["replicas"] = 1
    write(tmp_path / "web.yaml", manifest)
    assert ok(kroll, ns, "apply", "-f", path) == "deployment.apps/web configured\n"
    live = get(kroll, ns, "deploy", "web")
    assert live["metadata"]["annotations"]["owner"] == "someone-else"
    assert [e["name"] for e in env_of(live)] == ["A", "C", "D", "EXTRA"]
    assert live["spec"]["replicas"] == 1

    # dropping the env list from the manifest deletes the field (`"env": null`), others' entries too
    del container["env"]
    write(tmp_path / "web.yaml", manifest)
    assert ok(kroll, ns, "apply", "-f", path) == "deployment.apps/web configured\n"
    assert "env" not in get(kroll, ns, "deploy", "web")["spec"]["template"]["spec"]["containers"][0]


def test_apply_strategy_switch_uses_retain_keys(kroll: Kroll, ns: str, tmp_path: Path):
    manifest = copy.deepcopy(MANIFEST)
    manifest["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    path = write(tmp_path / "web.yaml", manifest)
    ok(kroll, ns, "apply", "-f", path)
    manifest["spec"]["strategy"] = {"type": "Recreate"}
    write(tmp_path / "web.yaml", manifest)
    assert ok(kroll, ns, "apply", "-f", path) == "deployment.apps/web configured\n"
    assert get(kroll, ns, "deploy", "web")["spec"]["strategy"] == {"type": "Recreate"}


def test_apply_several_kinds_and_prune_keys(kroll: Kroll, ns: str, tmp_path: Path):
    docs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1", "b": "2"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}},
    ]
    path = tmp_path / "all.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    assert ok(kroll, ns, "apply", "-f", str(path)) == "configmap/settings created\nservice/web created\n"
    cluster_ip = get(kroll, ns, "svc", "web")["spec"]["clusterIP"]
    del docs[0]["data"]["b"]
    docs[1]["spec"]["ports"].append({"name": "https", "port": 443, "targetPort": 8443})
    path.write_text(yaml.safe_dump_all(docs))
    assert ok(kroll, ns, "apply", "-f", str(path)) == "configmap/settings configured\nservice/web configured\n"
    assert get(kroll, ns, "cm", "settings")["data"] == {"a": "1"}
    svc = get(kroll, ns, "svc", "web")
    assert [(p["name"], p["port"]) for p in svc["spec"]["ports"]] == [("http", 80), ("https", 443)]
    assert svc["spec"]["clusterIP"] == cluster_ip  # allocated by the server, kept by apply


def test_apply_server_dry_run(kroll: Kroll, ns: str, tmp_path: Path):
    manifest = copy.deepcopy(MANIFEST)
    path = write(tmp_path / "web.yaml", manifest)
    ok(kroll, ns, "apply", "-f", path)
    before = get(kroll, ns, "deploy", "web")
    manifest["spec"]["replicas"] = 7
    write(tmp_path / "web.yaml", manifest)
    assert ok(kroll, ns, "apply", "-f", path, "--dry-run=server") == "deployment.apps/web configured (server dry run)\n"
    after = get(kroll, ns, "deploy", "web")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["annotations"][LAST_APPLIED] == before["metadata"]["annotations"][LAST_APPLIED]
    out = yaml.safe_load(ok(kroll, ns, "apply", "-f", path, "--dry-run=server", "-o", "yaml"))
    assert out["spec"]["replicas"] == 7


def test_diff(kroll: Kroll, ns: str, tmp_path: Path):
    manifest = copy.deepcopy(MANIFEST)
    path = write(tmp_path / "web.yaml", manifest)
    result = kroll.kubectl("-n", ns, "diff", "-f", path, check=False)  # not there yet: all lines are new
    assert result.returncode == 1 and "+  name: web" in result.stdout
    ok(kroll, ns, "apply", "-f", path)
    result = kroll.kubectl("-n", ns, "diff", "-f", path, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    manifest["spec"]["replicas"] = 4
    manifest["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    write(tmp_path / "web.yaml", manifest)
    before = get(kroll, ns, "deploy", "web")
    result = kroll.kubectl("-n", ns, "diff", "-f", path, check=False)
    assert result.returncode == 1, result.stderr
    changed = [line for line in result.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert "-  replicas: 2" in changed and "+  replicas: 4" in changed
    assert "-        image: nginx:1.25" in changed and "+        image: nginx:1.26" in changed
    assert "-  generation: 1" in changed and "+  generation: 2" in changed  # what the server would do
    after = get(kroll, ns, "deploy", "web")  # diff runs a server dry run: nothing changed
    assert after["spec"] == before["spec"] and after["metadata"]["generation"] == before["metadata"]["generation"]


def test_patch_types(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25")
    ok(kroll, ns, "set", "env", "deploy/web", "A=1", "B=2")
    # strategic: lists of containers and env merge by name
    assert ok(kroll, ns, "patch", "deploy", "web", "-p",
              '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"C","value":"3"}]}]}}}}') == \
        "deployment.apps/web patched\n"
    live = get(kroll, ns, "deploy", "web")
    assert [e["name"] for e in env_of(live)] == ["C", "A", "B"]
    # strategic $patch: delete removes one element
    ok(kroll, ns, "patch", "deploy", "web", "--type=strategic", "-p",
       '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"A","$patch":"delete"}]}]}}}}')
    assert [e["name"] for e in env_of(get(kroll, ns, "deploy", "web"))] == ["C", "B"]
    # merge: maps merge, null deletes, lists are replaced whole
    assert ok(kroll, ns, "patch", "deploy", "web", "--type=merge", "-p",
              '{"metadata":{"labels":{"tier":"front","app":null}},"spec":{"replicas":2}}') == \
        "deployment.apps/web patched\n"
    live = get(kroll, ns, "deploy", "web")
    assert live["metadata"]["labels"] == {"tier": "front"} and live["spec"]["replicas"] == 2
    ok(kroll, ns, "patch", "deploy", "web", "--type=merge", "-p",
       '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}')
    container = get(kroll, ns, "deploy", "web")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.26" and "env" not in container  # the list was replaced
    # json: test, add, replace, remove
    assert ok(kroll, ns, "patch", "deploy", "web", "--type=json", "-p", json.dumps([
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/metadata/annotations/note", "value": "hi"},
        {"op": "remove", "path": "/metadata/labels/tier"},
    ])) == "deployment.apps/web patched\n"
    live = get(kroll, ns, "deploy", "web")
    assert live["spec"]["replicas"] == 3 and live["metadata"]["annotations"]["note"] == "hi"
    assert "tier" not in live["metadata"].get("labels", {})
    # a failed test or a missing path rejects the whole patch
    for ops in ([{"op": "test", "path": "/spec/replicas", "value": 9}, {"op": "replace", "path": "/spec/replicas",
                                                                         "value": 5}],
                [{"op": "replace", "path": "/spec/nothing/here", "value": 1}]):
        result = kroll.kubectl("-n", ns, "patch", "deploy", "web", "--type=json", "-p", json.dumps(ops), check=False)
        assert (result.returncode, result.stderr) == (
            1, "The request is invalid: the server rejected our request due to an error in our request\n")
    assert get(kroll, ns, "deploy", "web")["spec"]["replicas"] == 3
    # patching to an invalid object is refused with the validation error
    result = kroll.kubectl("-n", ns, "patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":-2}}',
                           check=False)
    assert (result.returncode, result.stderr) == (
        1, 'The Deployment "web" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0\n')
    # a no-op patch says so
    assert ok(kroll, ns, "patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":3}}') == \
        "deployment.apps/web patched (no change)\n"


def test_patch_scale_subresource(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25")
    assert ok(kroll, ns, "patch", "deploy", "web", "--subresource=scale", "--type=merge", "-p",
              '{"spec":{"replicas":4}}') == "scale.autoscaling/web patched\n"  # the answer is a Scale
    scale = json.loads(ok(kroll, ns, "get", "deploy", "web", "--subresource=scale", "-o", "json"))
    assert (scale["kind"], scale["apiVersion"], scale["spec"]) == ("Scale", "autoscaling/v1", {"replicas": 4})
    assert get(kroll, ns, "deploy", "web")["spec"]["replicas"] == 4


def test_replace(kroll: Kroll, ns: str, tmp_path: Path):
    ok(kroll, ns, "create", "configmap", "settings", "--from-literal=a=1")
    live = get(kroll, ns, "cm", "settings")
    live["data"] = {"b": "2"}
    path = write(tmp_path / "cm.yaml", live)
    assert ok(kroll, ns, "replace", "-f", path) == "configmap/settings replaced\n"
    assert get(kroll, ns, "cm", "settings")["data"] == {"b": "2"}
    # --force deletes and re-creates: a new uid
    assert ok(kroll, ns, "replace", "--force", "-f", path) == \
        f'configmap "settings" deleted from {ns} namespace\nconfigmap/settings replaced\n'
    assert get(kroll, ns, "cm", "settings")["metadata"]["uid"] != live["metadata"]["uid"]
