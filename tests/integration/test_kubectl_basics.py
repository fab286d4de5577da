"""The everyday kubectl commands against a real `kroll up`, compared with what kubectl prints
against a real cluster: version, api-resources, get in every output format, get -w, create
(from YAML and with the generators, whose bodies are protobuf), describe, annotate, label,
scale, set, wait, logs, delete with each cascade, namespace deletion, server dry runs,
selectors and chunked lists.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from tests.integration.harness import KUBECTL, Kroll, wait_until
from tests.integration.kubehttp import KubeHttp, drop_namespace, fresh_namespace

APP_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: s3cr3t
"""


@pytest.fixture(scope="module")
def api(kroll: Kroll) -> KubeHttp:
    return KubeHttp(kroll.kubeconfig)


@pytest.fixture
def ns(api: KubeHttp):
    name = fresh_namespace(api)
    yield name
    drop_namespace(api, name)


def rows(text: str) -> list[list[str]]:
    """A kubectl table as lists of cells (cells are separated by 2+ spaces)."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def ok(kroll: Kroll, ns: str, *args: str) -> str:
    return kroll.kubectl("-n", ns, *args).stdout


def get_json(kroll: Kroll, ns: str, *args: str) -> dict:
    return json.loads(ok(kroll, ns, "get", *args, "-o", "json"))


def create_app(kroll: Kroll, ns: str, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP_YAML)
    assert ok(kroll, ns, "create", "-f", str(manifest)) == (
        "deployment.apps/web created\nservice/web created\nconfigmap/settings created\nsecret/creds created\n")
    assert ok(kroll, ns, "wait", "--for=condition=Available", "deployment/web", "--timeout=30s") == \
        "deployment.apps/web condition met\n"


class LineReader:
    """Lines of a long-running subprocess (kubectl get -w, logs -f), read in a thread."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 20.0) -> str:
        def match():
            while not self.lines.empty():
                self.seen.append(self.lines.get())
            return next((line for line in self.seen if re.search(pattern, line)), None)
        found = wait_until(match, timeout=timeout, message=f"a line matching {pattern!r}")
        self.seen.remove(found)
        return found

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


# --------------------------------------------------------------------------- discovery


def test_version(kroll: Kroll):
    out = kroll.kubectl("version").stdout
    assert re.fullmatch(r"Client Version: v1\.37\.\d+\nKustomize Version: v\S+\nServer Version: v1\.37\.0\n", out)
    server = json.loads(kroll.kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert (server["major"], server["minor"], server["gitVersion"], server["platform"]) == \
        ("1", "37", "v1.37.0", "linux/amd64")


def test_api_resources(kroll: Kroll):
    table = rows(kroll.kubectl("api-resources").stdout)
    assert table[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    by_name = {(r[0], r[-3]): r for r in table[1:]}  # (name, apiVersion); SHORTNAMES may be empty
    assert by_name[("deployments", "apps/v1")] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert by_name[("pods", "v1")] == ["pods", "po", "v1", "true", "Pod"]
    assert by_name[("nodes", "v1")] == ["nodes", "no", "v1", "false", "Node"]
    assert by_name[("secrets", "v1")] == ["secrets", "v1", "true", "Secret"]  # no short name
    assert by_name[("replicasets", "apps/v1")] == ["replicasets", "rs", "apps/v1", "true", "ReplicaSet"]
    names = kroll.kubectl("api-resources", "--namespaced=false", "-o", "name").stdout.split()
    assert "namespaces" in names and "nodes" in names and "pods" not in names
    assert kroll.kubectl("api-resources", "--api-group=apps", "-o", "name").stdout.split() == [
        "controllerrevisions.apps", "daemonsets.apps", "deployments.apps", "replicasets.apps", "statefulsets.apps"]


# --------------------------------------------------------------------------- get


def test_create_from_yaml_and_get_in_every_format(kroll: Kroll, ns: str, tmp_path: Path):
    create_app(kroll, ns, tmp_path)
    table = rows(ok(kroll, ns, "get", "deployment", "web"))
    assert table[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1][:4] == ["web", "2/2", "2", "2"] and re.fullmatch(r"\d+s", table[1][4])
    wide = rows(ok(kroll, ns, "get", "deploy/web", "-o", "wide"))
    assert wide[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1][5:] == ["nginx", "nginx:1.25", "app=web"]
    as_yaml = yaml.safe_load(ok(kroll, ns, "get", "deploy", "web", "-o", "yaml"))
    assert (as_yaml["kind"], as_yaml["apiVersion"], as_yaml["metadata"]["namespace"]) == ("Deployment", "apps/v1", ns)
    assert as_yaml["spec"]["strategy"] == {"type": "RollingUpdate",
                                           "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    listed = get_json(kroll, ns, "deploy,svc,cm,secret")
    assert listed["kind"] == "List"
    assert [(i["kind"], i["metadata"]["name"]) for i in listed["items"]] == [
        ("Deployment", "web"), ("Service", "web"), ("ConfigMap", "settings"), ("Secret", "creds")]
    assert ok(kroll, ns, "get", "deploy,svc,cm,secret", "-o", "name") == (
        "deployment.apps/web\nservice/web\nconfigmap/settings\nsecret/creds\n")
    assert ok(kroll, ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}/{.status.readyReplicas}") == "2/2"
    assert ok(kroll, ns, "get", "secret", "creds", "-o", "jsonpath={.data.password}") == \
        base64.b64encode(b"s3cr3t").decode()
    assert ok(kroll, ns, "get", "cm", "-o", "jsonpath={range .items[*]}{.metadata.name}={.data}{'\\n'}{end}") == \
        'settings={"mode":"fast"}\n'
    custom = rows(ok(kroll, ns, "get", "deploy", "-o",
                     "custom-columns=NAME:.metadata.name,IMAGE:.spec.template.spec.containers[0].image,"
                     "MISSING:.spec.nothing"))
    assert custom == [["NAME", "IMAGE", "MISSING"], ["web", "nginx:1.25", "<none>"]]
    svc = rows(ok(kroll, ns, "get", "svc", "web"))
    assert svc[0] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert svc[1][:2] == ["web", "ClusterIP"] and svc[1][3:5] == ["<none>", "80/TCP"]
    assert re.fullmatch(r"10\.\d+\.\d+\.\d+", svc[1][2])
    pods = rows(ok(kroll, ns, "get", "pods", "--show-labels"))
    assert pods[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"]
    assert len(pods) == 3 and all(r[1:4] == ["1/1", "Running", "0"] for r in pods[1:])
    assert all(re.fullmatch(r"app=web,pod-template-hash=[a-z0-9]+", r[5]) for r in pods[1:])
    labelled = rows(ok(kroll, ns, "get", "deploy", "-L", "tier,missing"))
    assert labelled[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "TIER", "MISSING"]
    assert labelled[1][5:] == ["front"]  # an absent label leaves its cell empty
    assert rows(ok(kroll, ns, "get", "deploy", "--no-headers"))[0][0] == "web"


def test_sort_by(kroll: Kroll, ns: str):
    for name, rank in (("c-a", "3"), ("c-b", "1"), ("c-c", "2")):
        ok(kroll, ns, "create", "configmap", name, f"--from-literal=rank={rank}")
    by_rank = rows(ok(kroll, ns, "get", "cm", "-l", "!x", "--sort-by=.data.rank"))
    assert [r[0] for r in by_rank[1:]] == ["c-b", "c-c", "c-a"]
    by_name = ok(kroll, ns, "get", "cm", "--sort-by=.metadata.name", "-o", "name")
    assert by_name == "configmap/c-a\nconfigmap/c-b\nconfigmap/c-c\n"


def test_get_watch_prints_new_lines(kroll: Kroll, ns: str):
    ok(kroll, ns, "run", "first", "--image=nginx:1.25")
    watcher = LineReader([KUBECTL, "--kubeconfig", str(kroll.kubeconfig), "--cache-dir", str(kroll.cache_dir),
                          "-n", ns, "get", "pods", "-w", "--output-watch-events"])
    try:
        assert watcher.wait_for(r"^EVENT").split() == ["EVENT", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        assert re.fullmatch(r"ADDED\s+first\s+\d/1\s+\w+\s+0\s+\d+s", watcher.wait_for(r"^ADDED\s+first"))
        ok(kroll, ns, "run", "second", "--image=nginx:1.25")
        assert re.fullmatch(r"ADDED\s+second\s+0/1\s+Pending\s+0\s+\d+s", watcher.wait_for(r"^ADDED\s+second"))
        assert re.fullmatch(r"MODIFIED\s+second\s+1/1\s+Running\s+0\s+\d+s",
                            watcher.wait_for(r"^MODIFIED\s+second\s+1/1\s+Running"))
        ok(kroll, ns, "label", "pod", "second", "seen=yes")
        watcher.wait_for(r"^MODIFIED\s+second\s+1/1\s+Running")
        ok(kroll, ns, "delete", "pod", "second", "--wait=false")
        assert re.fullmatch(r"MODIFIED\s+second\s+1/1\s+Terminating\s+0\s+\d+s",
                            watcher.wait_for(r"^MODIFIED\s+second\s+\S+\s+Terminating"))
        watcher.wait_for(r"^DELETED\s+second\s")
        assert not any(line.startswith("EVENT") for line in watcher.seen)  # one header only
    finally:
        watcher.stop()


def test_plain_get_watch(kroll: Kroll, ns: str):
    watcher = LineReader([KUBECTL, "--kubeconfig", str(kroll.kubeconfig), "--cache-dir", str(kroll.cache_dir),
                          "-n", ns, "get", "configmaps", "-w"])
    try:
        ok(kroll, ns, "create", "configmap", "later", "--from-literal=a=1")
        assert watcher.wait_for(r"^NAME\s").split() == ["NAME", "DATA", "AGE"]
        assert re.fullmatch(r"later\s+1\s+\d+s", watcher.wait_for(r"^later"))
        ok(kroll, ns, "create", "configmap", "another")
        assert re.fullmatch(r"another\s+0\s+\d+s", watcher.wait_for(r"^another"))
        assert not any(line.startswith("NAME") for line in watcher.seen)  # one header only
    finally:
        watcher.stop()


# --------------------------------------------------------------------------- create generators (protobuf)


def test_create_generators(kroll: Kroll, ns: str):
    assert ok(kroll, ns, "create", "deployment", "gen", "--image=nginx:1.25", "--replicas=3", "--port=80") == \
        "deployment.apps/gen created\n"
    assert ok(kroll, ns, "create", "service", "clusterip", "gen", "--tcp=80:8080") == "service/gen created\n"
    assert ok(kroll, ns, "create", "configmap", "gen", "--from-literal=a=1", "--from-literal=b=two") == \
        "configmap/gen created\n"
    assert ok(kroll, ns, "create", "secret", "generic", "gen", "--from-literal=password=pw") == "secret/gen created\n"
    assert ok(kroll, ns, "create", "serviceaccount", "robot") == "serviceaccount/robot created\n"
    other = f"{ns}-extra"
    assert kroll.kubectl("create", "namespace", other).stdout == f"namespace/{other} created\n"
    try:
        deploy = get_json(kroll, ns, "deploy", "gen")
        assert deploy["metadata"]["labels"] == {"app": "gen"} and deploy["metadata"]["generation"] == 1
        assert deploy["spec"]["replicas"] == 3 and deploy["spec"]["selector"] == {"matchLabels": {"app": "gen"}}
        container = deploy["spec"]["template"]["spec"]["containers"][0]
        assert (container["name"], container["image"], container["ports"]) == \
            ("nginx", "nginx:1.25", [{"containerPort": 80, "protocol": "TCP"}])
        assert "status" not in deploy["spec"]["template"]["metadata"] and "creationTimestamp" not in \
            deploy["spec"]["template"]["metadata"]
        svc = get_json(kroll, ns, "svc", "gen")
        assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["selector"] == {"app": "gen"}
        assert svc["spec"]["ports"] == [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}]
        assert get_json(kroll, ns, "cm", "gen")["data"] == {"a": "1", "b": "two"}
        secret = get_json(kroll, ns, "secret", "gen")
        assert (secret["type"], secret["data"]) == ("Opaque", {"password": base64.b64encode(b"pw").decode()})
        assert get_json(kroll, ns, "sa", "robot")["metadata"]["name"] == "robot"
        assert json.loads(kroll.kubectl("get", "ns", other, "-o", "json").stdout)["status"] == {"phase": "Active"}
        assert ok(kroll, ns, "get", "sa", "-o", "name") == "serviceaccount/default\nserviceaccount/robot\n"
    finally:
        kroll.kubectl("delete", "namespace", other, "--wait=false")


# --------------------------------------------------------------------------- describe


def test_describe_deployment_pod_and_node(kroll: Kroll, ns: str, tmp_path: Path):
    create_app(kroll, ns, tmp_path)
    out = ok(kroll, ns, "describe", "deployment", "web")
    lines = out.splitlines()
    assert lines[0] == "Name:                   web"
    assert f"Namespace:              {ns}" in lines
    assert "Labels:                 app=web" in lines and "                        tier=front" in lines
    assert "Selector:               app=web" in lines
    assert "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in lines
    assert "StrategyType:           RollingUpdate" in lines
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in lines
    assert "    Image:         nginx:1.25" in lines and "    Port:          80/TCP" in lines
    assert re.search(r"^  Available\s+True\s+MinimumReplicasAvailable$", out, re.M)
    assert re.search(r"^  Progressing\s+True\s+NewReplicaSetAvailable$", out, re.M)
    assert re.search(r"^NewReplicaSet:\s+web-[a-z0-9]+ \(2/2 replicas created\)$", out, re.M)
    assert re.search(r"^  Normal  ScalingReplicaSet  \d+s\s+deployment-controller  Scaled up replica set web-[a-z0-9]+ "
                     r"to 2$", out, re.M)

    pod = ok(kroll, ns, "get", "pods", "-o", "jsonpath={.items[0].metadata.name}")
    out = ok(kroll, ns, "describe", "pod", pod)
    assert out.startswith(f"Name:             {pod}\nNamespace:        {ns}\n")
    assert re.search(r"^Node:\s+kroll-node-\d/127\.0\.0\.1$", out, re.M)
    assert re.search(r"^Status:\s+Running$", out, re.M)
    assert re.search(r"^Controlled By:\s+ReplicaSet/web-[a-z0-9]+$", out, re.M)
    assert re.search(r"^    State:\s+Running$", out, re.M) and re.search(r"^    Ready:\s+True$", out, re.M)
    assert re.search(r"^  Normal  Scheduled  \d+s\s+default-scheduler  Successfully assigned "
                     rf"{ns}/{pod} to kroll-node-\d$", out, re.M)

    node = ok(kroll, ns, "get", "pod", pod, "-o", "jsonpath={.spec.nodeName}")
    out = kroll.kubectl("describe", "node", node).stdout
    assert out.startswith(f"Name:               {node}\nRoles:              <none>\n")
    assert re.search(r"^  Ready\s+True\s.*KubeletReady\s+kubelet is posting ready status$", out, re.M)
    assert re.search(rf"^  {ns}\s+{pod}\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+\d+s$", out, re.M)


# --------------------------------------------------------------------------- annotate, label, scale, set


def test_annotate_and_label(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25")

    def meta() -> dict:
        return get_json(kroll, ns, "deploy", "web")["metadata"]

    generation = meta()["generation"]
    assert ok(kroll, ns, "annotate", "deploy/web", "note=one") == "deployment.apps/web annotated\n"
    result = kroll.kubectl("-n", ns, "annotate", "deploy/web", "note=two", check=False)
    assert (result.returncode, result.stderr) == (
        1, "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value "
           "(one)\n")
    ok(kroll, ns, "annotate", "deploy/web", "note=two", "--overwrite")
    md = meta()
    assert md["annotations"]["note"] == "two"
    # annotations are part of what a Deployment's generation tracks (upstream's strategy)
    assert md["generation"] == generation + 2
    assert ok(kroll, ns, "label", "deploy/web", "team=a") == "deployment.apps/web labeled\n"
    result = kroll.kubectl("-n", ns, "label", "deploy/web", "team=b", check=False)
    assert (result.returncode, result.stderr) == (1, "error: 'team' already has a value (a), and --overwrite is "
                                                     "false\n")
    ok(kroll, ns, "label", "deploy/web", "team=b", "--overwrite")
    assert meta()["labels"] == {"app": "web", "team": "b"}
    assert ok(kroll, ns, "label", "deploy/web", "team-") == "deployment.apps/web unlabeled\n"
    assert ok(kroll, ns, "annotate", "deploy/web", "note-") == "deployment.apps/web annotated\n"
    md = meta()
    assert md["labels"] == {"app": "web"} and "note" not in md.get("annotations", {})
    assert md["generation"] == generation + 3  # labels never bump it; the annotation removal did
    # label a set of objects by selector
    ok(kroll, ns, "create", "configmap", "a")
    ok(kroll, ns, "create", "configmap", "b")
    assert ok(kroll, ns, "label", "cm", "--all", "batch=1") == "configmap/a labeled\nconfigmap/b labeled\n"
    assert ok(kroll, ns, "get", "cm", "-l", "batch=1", "-o", "name") == "configmap/a\nconfigmap/b\n"


def test_scale_set_image_and_set_env(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=1")
    assert ok(kroll, ns, "scale", "deploy/web", "--replicas=3") == "deployment.apps/web scaled\n"
    ok(kroll, ns, "wait", "--for=jsonpath={.status.readyReplicas}=3", "deploy/web", "--timeout=30s")
    result = kroll.kubectl("-n", ns, "scale", "deploy/web", "--replicas=1", "--current-replicas=2", check=False)
    assert (result.returncode, result.stderr) == (1, "error: Expected replicas to be 2, was 3\n")
    assert ok(kroll, ns, "set", "image", "deploy/web", "nginx=nginx:1.26") == "deployment.apps/web image updated\n"
    result = kroll.kubectl("-n", ns, "set", "image", "deploy/web", "nope=nginx:1.26", check=False)
    assert (result.returncode, result.stderr) == (1, 'error: unable to find container named "nope"\n')
    assert ok(kroll, ns, "set", "env", "deploy/web", "MODE=fast", "LEVEL=3") == "deployment.apps/web env updated\n"
    assert ok(kroll, ns, "set", "env", "deploy/web", "LEVEL-") == "deployment.apps/web env updated\n"
    spec = get_json(kroll, ns, "deploy", "web")["spec"]
    assert spec["replicas"] == 3
    container = spec["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.26" and container["env"] == [{"name": "MODE", "value": "fast"}]
    assert ok(kroll, ns, "set", "env", "deploy/web", "--list") == "# Deployment web, container nginx\nMODE=fast\n"
    ok(kroll, ns, "rollout", "status", "deploy/web", "--timeout=60s")
    images = ok(kroll, ns, "get", "pods", "-o", "jsonpath={.items[*].spec.containers[0].image}").split()
    assert images == ["nginx:1.26"] * 3


# --------------------------------------------------------------------------- wait, logs


def test_wait_for_delete(kroll: Kroll, ns: str, tmp_path: Path):
    manifest = tmp_path / "held.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\n")
    ok(kroll, ns, "create", "-f", str(manifest))
    ok(kroll, ns, "delete", "cm", "held", "--wait=false")
    waiter = subprocess.Popen([KUBECTL, "--kubeconfig", str(kroll.kubeconfig), "--cache-dir", str(kroll.cache_dir),
                               "-n", ns, "wait", "--for=delete", "cm/held", "--timeout=30s"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        result = kroll.kubectl("-n", ns, "wait", "--for=delete", "cm/held", "--timeout=1s", check=False)
        # (client-go may also log that its watch was cut short by the deadline)
        assert (result.returncode, result.stderr.splitlines()[-1]) == (
            1, "error: timed out waiting for the condition on configmaps/held")
        assert waiter.poll() is None
        ok(kroll, ns, "patch", "cm", "held", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
        out, err = waiter.communicate(timeout=30)
        assert (waiter.returncode, out, err) == (0, "configmap/held condition met\n", "")
    finally:
        if waiter.poll() is None:
            waiter.kill()
    # waiting for something already gone succeeds quietly
    assert kroll.kubectl("-n", ns, "wait", "--for=delete", "cm/held", "--timeout=5s").stdout == ""


def test_logs(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=2")
    ok(kroll, ns, "wait", "--for=condition=Available", "deploy/web", "--timeout=30s")
    pods = ok(kroll, ns, "get", "pods", "-o", "name").split()
    assert len(pods) == 2
    log = ok(kroll, ns, "logs", pods[0])
    assert log.endswith("\n") and "nginx:1.25" in log
    assert ok(kroll, ns, "logs", pods[0], "--tail=1") == log.splitlines(keepends=True)[-1]
    stamped = ok(kroll, ns, "logs", pods[0], "--timestamps").splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line) for line in stamped)
    result = kroll.kubectl("-n", ns, "logs", "deploy/web")
    assert result.stdout in {ok(kroll, ns, "logs", p) for p in pods}
    assert re.fullmatch(r"Found 2 pods, using pod/web-[a-z0-9]+-[a-z0-9]+\n", result.stderr)
    result = kroll.kubectl("-n", ns, "logs", pods[0], "-c", "nope", check=False)
    assert result.returncode == 1
    assert result.stderr == f"error: container nope is not valid for pod {pods[0].split('/')[1]} out of: nginx\n"
    result = kroll.kubectl("-n", ns, "logs", "pod/ghost", check=False)
    assert (result.returncode, result.stderr) == (
        1, f'error: error from server (NotFound): pods "ghost" not found in namespace "{ns}"\n')


# --------------------------------------------------------------------------- delete


def owned(kroll: Kroll, ns: str) -> tuple[list[str], list[str]]:
    rs = ok(kroll, ns, "get", "rs", "-o", "name").split()
    pods = ok(kroll, ns, "get", "pods", "-o", "name").split()
    return rs, pods


def test_delete_cascade_background(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=2")
    ok(kroll, ns, "wait", "--for=condition=Available", "deploy/web", "--timeout=30s")
    assert ok(kroll, ns, "delete", "deploy", "web") == f'deployment.apps "web" deleted from {ns} namespace\n'
    wait_until(lambda: owned(kroll, ns) == ([], []), message="the ReplicaSet and pods to be collected")


def test_delete_cascade_orphan_keeps_dependents(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=2")
    ok(kroll, ns, "wait", "--for=condition=Available", "deploy/web", "--timeout=30s")
    rs_before, pods_before = owned(kroll, ns)
    assert ok(kroll, ns, "delete", "deploy", "web", "--cascade=orphan") == \
        f'deployment.apps "web" deleted from {ns} namespace\n'
    assert ok(kroll, ns, "get", "deploy", "-o", "name") == ""
    assert owned(kroll, ns) == (rs_before, pods_before)
    rs = get_json(kroll, ns, "rs")["items"][0]
    assert "ownerReferences" not in rs["metadata"]  # released, not left as an empty list
    assert rs["status"]["readyReplicas"] == 2


def test_delete_cascade_foreground_removes_dependents_first(kroll: Kroll, api: KubeHttp, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=2")
    ok(kroll, ns, "wait", "--for=condition=Available", "deploy/web", "--timeout=30s")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments?watch=true&fieldSelector=metadata.name%3Dweb&resourceVersion="
    path += get_json(kroll, ns, "deploy", "web")["metadata"]["resourceVersion"]
    with api.stream(path) as stream:
        assert ok(kroll, ns, "delete", "deploy", "web", "--cascade=foreground") == \
            f'deployment.apps "web" deleted from {ns} namespace\n'  # waits until the Deployment is gone
        assert owned(kroll, ns) == ([], [])
        # the Deployment was marked with the foregroundDeletion finalizer first and went last
        marked = None
        for event in stream.events():
            md = event["object"]["metadata"]
            if event["type"] == "MODIFIED" and md.get("deletionTimestamp") and marked is None:
                marked = md
            if event["type"] == "DELETED":
                break
        assert marked is not None and marked["finalizers"] == ["foregroundDeletion"]


def test_delete_namespace_removes_its_contents(kroll: Kroll, api: KubeHttp):
    doomed = fresh_namespace(api)
    ok(kroll, doomed, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=2")
    ok(kroll, doomed, "create", "configmap", "settings")
    ok(kroll, doomed, "wait", "--for=condition=Available", "deploy/web", "--timeout=30s")
    assert kroll.kubectl("delete", "namespace", doomed, "--timeout=60s").stdout == f'namespace "{doomed}" deleted\n'
    result = kroll.kubectl("get", "namespace", doomed, check=False)
    assert result.stderr == f'Error from server (NotFound): namespaces "{doomed}" not found\n'
    for resource in ("deployments.apps", "replicasets.apps", "pods", "configmaps", "serviceaccounts"):
        assert kroll.kubectl("get", resource, "-A", "--field-selector", f"metadata.namespace={doomed}",
                             "-o", "name").stdout == "", resource


def test_server_dry_run_changes_nothing(kroll: Kroll, ns: str, tmp_path: Path):
    assert ok(kroll, ns, "create", "deployment", "dry", "--image=nginx:1.25", "--dry-run=server") == \
        "deployment.apps/dry created (server dry run)\n"
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  a: '1'\n")
    assert ok(kroll, ns, "apply", "-f", str(manifest), "--dry-run=server") == \
        "configmap/dry created (server dry run)\n"
    assert ok(kroll, ns, "get", "deploy,cm", "-o", "name") == ""
    ok(kroll, ns, "create", "deployment", "real", "--image=nginx:1.25")
    before = get_json(kroll, ns, "deploy", "real")
    assert ok(kroll, ns, "scale", "deploy/real", "--replicas=5", "--dry-run=server") == \
        "deployment.apps/real scaled (server dry run)\n"
    assert ok(kroll, ns, "label", "deploy/real", "x=y", "--dry-run=server") == \
        "deployment.apps/real labeled (server dry run)\n"
    assert ok(kroll, ns, "set", "image", "deploy/real", "nginx=nginx:2", "--dry-run=server") == \
        "deployment.apps/real image updated (server dry run)\n"
    assert ok(kroll, ns, "delete", "deploy/real", "--dry-run=server") == \
        f'deployment.apps "real" deleted from {ns} namespace (server dry run)\n'
    after = get_json(kroll, ns, "deploy", "real")
    assert after["spec"] == before["spec"] and after["metadata"].get("labels") == before["metadata"].get("labels")
    assert after["metadata"]["generation"] == before["metadata"]["generation"]


# --------------------------------------------------------------------------- selectors, chunks


def test_label_and_field_selectors(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=3")
    ok(kroll, ns, "create", "deployment", "api", "--image=nginx:1.25", "--replicas=1")
    ok(kroll, ns, "wait", "--for=condition=Available", "deploy/web", "deploy/api", "--timeout=30s")
    assert len(ok(kroll, ns, "get", "pods", "-l", "app=web", "-o", "name").split()) == 3
    assert len(ok(kroll, ns, "get", "pods", "-l", "app in (web,api)", "-o", "name").split()) == 4
    assert len(ok(kroll, ns, "get", "pods", "-l", "app!=web", "-o", "name").split()) == 1
    assert ok(kroll, ns, "get", "pods", "-l", "app=nothing", "-o", "name") == ""
    result = kroll.kubectl("-n", ns, "get", "pods", "-l", "app=nothing")
    assert (result.stdout, result.stderr) == ("", f"No resources found in {ns} namespace.\n")
    running = ok(kroll, ns, "get", "pods", "--field-selector", "status.phase=Running", "-o", "name").split()
    assert len(running) == 4
    assert ok(kroll, ns, "get", "pods", "--field-selector", "status.phase=Pending", "-o", "name") == ""
    nodes = json.loads(ok(kroll, ns, "get", "pods", "-o", "json"))["items"]
    by_node: dict[str, set[str]] = {}
    for pod in nodes:
        by_node.setdefault(pod["spec"]["nodeName"], set()).add(f"pod/{pod['metadata']['name']}")
    for node, expected in by_node.items():
        got = ok(kroll, ns, "get", "pods", "--field-selector", f"spec.nodeName={node}", "-o", "name").split()
        assert set(got) == expected
    combined = ok(kroll, ns, "get", "pods", "-l", "app=api", "--field-selector",
                  "status.phase=Running,metadata.namespace=" + ns, "-o", "name").split()
    assert len(combined) == 1
    result = kroll.kubectl("-n", ns, "get", "pods", "--field-selector", "spec.image=x", check=False)
    assert result.returncode == 1 and 'field label not supported: spec.image' in result.stderr


def test_chunked_list(kroll: Kroll, ns: str):
    for i in range(5):
        ok(kroll, ns, "create", "configmap", f"cm-{i}")
    result = kroll.kubectl("-n", ns, "get", "configmaps", "--chunk-size=2", "-v=6")
    requests = re.findall(r'"Response" verb="GET" url="([^"]*/configmaps\?[^"]*)" status="200 OK"', result.stderr)
    assert len(requests) == 3, result.stderr
    assert requests[0].endswith("/configmaps?limit=2")
    assert all("continue=" in url and url.endswith("&limit=2") for url in requests[1:])
    table = rows(result.stdout)
    assert table[0] == ["NAME", "DATA", "AGE"]  # one header for all the chunks
    assert [r[0] for r in table[1:]] == [f"cm-{i}" for i in range(5)]
    assert ok(kroll, ns, "get", "configmaps", "--chunk-size=2", "-o", "name").split() == \
        [f"configmap/cm-{i}" for i in range(5)]


def test_get_all_events_explain_cluster_info_and_force_delete(kroll: Kroll, ns: str):
    ok(kroll, ns, "create", "deployment", "web", "--image=nginx:1.25")
    ok(kroll, ns, "wait", "--for=condition=Available", "deploy/web", "--timeout=30s")
    names = ok(kroll, ns, "get", "all", "-o", "name").split()
    assert [n.split("/")[0] for n in names] == ["pod", "deployment.apps", "replicaset.apps"]
    events = rows(ok(kroll, ns, "events"))
    assert events[0] == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert {(e[2], e[3].split("/")[0]) for e in events[1:]} >= {
        ("Scheduled", "Pod"), ("SuccessfulCreate", "ReplicaSet"), ("ScalingReplicaSet", "Deployment")}
    only = rows(ok(kroll, ns, "get", "events", "--field-selector", "involvedObject.kind=Deployment"))
    assert [(e[2], e[3]) for e in only[1:]] == [("ScalingReplicaSet", "deployment/web")]
    explained = kroll.kubectl("explain", "deployment.spec.replicas").stdout
    assert explained.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>")
    assert kroll.kubectl("cluster-info").stdout.startswith(f"Kubernetes control plane is running at {kroll.url}\n")
    pod = ok(kroll, ns, "get", "pods", "-o", "name").strip()
    result = kroll.kubectl("-n", ns, "delete", pod, "--grace-period=0", "--force")
    kind, name = pod.split("/")
    assert result.stdout == f'{kind} "{name}" force deleted from {ns} namespace\n'
    assert result.stderr.startswith("Warning: Immediate deletion does not wait for confirmation")
    gone = kroll.kubectl("-n", ns, "get", pod, check=False)
    assert gone.stderr == f'Error from server (NotFound): pods "{name}" not found\n'
