"""`kubectl rollout history / undo / status / restart / pause / resume`, change-cause and
`describe deployment`, replayed from the learnk8s rollback article (seeds 002 and 003) with
the real kubectl, command for command, checking what kubectl prints.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.integration.harness import Kroll, wait_until
from tests.integration.rollout_support import (
    CHANGE_CAUSE,
    HASH,
    REVISION,
    REVISION_HISTORY,
    Reader,
    Shell,
    deployment,
    image_of,
    revision_of,
    rs_by_revision,
)

APP = "learnk8s/app"


@pytest.fixture
def sh(kroll: Kroll, ns: str, tmp_path: Path) -> Shell:
    return Shell(kroll, ns, tmp_path)


@pytest.fixture(scope="module")
def reader(kroll: Kroll) -> Reader:
    r = Reader(kroll.kubeconfig)
    yield r
    r.close()


def history(*rows: tuple[int, str], name: str = "app") -> str:
    """`kubectl rollout history` output: the name line keeps a trailing space, columns are
    tab-aligned with two spaces of padding, and a blank line ends it."""
    lines = [f"deployment.apps/{name} ", "REVISION  CHANGE-CAUSE"]
    lines += [f"{rev:<8}  {cause}" for rev, cause in rows]
    return "\n".join(lines) + "\n\n"


def rolled_out(sh: Shell, name: str = "app", timeout: str = "30s") -> str:
    out = sh(f"kubectl rollout status deployment/{name} --timeout={timeout}").stdout
    assert out.endswith(f'deployment "{name}" successfully rolled out\n'), out
    return out


def release(sh: Shell, version: str, **kw) -> None:
    """Edit deployment.yaml to a new image and apply it, as the article does."""
    sh.write("deployment.yaml", deployment("app", f"{APP}:{version}", **kw))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)


def wait_settled(reader: Reader, ns: str, name: str = "app", *, timeout: float = 20.0) -> dict:
    """The Deployment observed, complete, and with only its current pods left."""
    def settled():
        d = reader.deployment(ns, name)
        st = d.get("status", {})
        want = d["spec"]["replicas"]
        if st.get("observedGeneration") != d["metadata"]["generation"]:
            return None
        if not (st.get("updatedReplicas", 0) == st.get("replicas", 0) == st.get("availableReplicas", 0) == want):
            return None
        pods = reader.pods(ns, ",".join(f"{k}={v}" for k, v in d["spec"]["selector"]["matchLabels"].items()))
        return d if len(pods) == want else None
    return wait_until(settled, timeout=timeout, message=f"deployment {name} settled")


# --- history and undo ----------------------------------------------------------------------

def test_undo_to_revision_2_leaves_revisions_1_3_and_4(sh: Shell, reader: Reader, ns: str) -> None:
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0"))
    assert sh("kubectl apply -f deployment.yaml").stdout == "deployment.apps/app created\n"
    rolled_out(sh)
    assert sh("kubectl set image deployment/app app=learnk8s/app:1.1.0").stdout == "deployment.apps/app image updated\n"
    rolled_out(sh)
    assert sh("kubectl set image deployment/app app=learnk8s/app:1.2.0").stdout == "deployment.apps/app image updated\n"
    rolled_out(sh)
    assert sh("kubectl rollout history deployment/app").stdout == history((1, "<none>"), (2, "<none>"), (3, "<none>"))
    revision_2 = rs_by_revision(reader, ns, "app=app")[2]
    assert image_of(revision_2) == f"{APP}:1.1.0"

    assert sh("kubectl rollout undo deployment/app --to-revision=2").stdout == "deployment.apps/app rolled back\n"
    rolled_out(sh)
    assert sh("kubectl rollout history deployment/app").stdout == history((1, "<none>"), (3, "<none>"), (4, "<none>"))

    # the ReplicaSet of revision 2 was promoted to revision 4; no ReplicaSet was created
    by_rev = rs_by_revision(reader, ns, "app=app")
    assert sorted(by_rev) == [1, 3, 4]
    promoted = by_rev[4]
    assert promoted["metadata"]["name"] == revision_2["metadata"]["name"]
    assert promoted["metadata"]["uid"] == revision_2["metadata"]["uid"]
    assert promoted["metadata"]["annotations"][REVISION_HISTORY] == "2"
    assert promoted["spec"]["replicas"] == 3
    assert by_rev[1]["spec"]["replicas"] == by_rev[3]["spec"]["replicas"] == 0
    d = wait_settled(reader, ns)
    assert d["metadata"]["annotations"][REVISION] == "4"
    assert image_of(d) == f"{APP}:1.1.0"
    pods = reader.pods(ns, "app=app")
    assert {p["metadata"]["labels"][HASH] for p in pods} == {promoted["metadata"]["labels"][HASH]}

    # plain undo goes back to the previous revision (3), which becomes 5
    sh("kubectl rollout undo deployment/app")
    rolled_out(sh)
    assert sh("kubectl rollout history deployment/app").stdout == history((1, "<none>"), (4, "<none>"), (5, "<none>"))
    by_rev = rs_by_revision(reader, ns, "app=app")
    assert image_of(by_rev[5]) == f"{APP}:1.2.0"
    assert by_rev[5]["metadata"]["annotations"][REVISION_HISTORY] == "3"

    # Deployments hold no references to their ReplicaSets; ReplicaSets point back
    d_doc = sh.json("kubectl get deployment app")
    for rs in by_rev.values():  # (only the Progressing condition's message names the new one)
        assert rs["metadata"]["name"] not in json.dumps([d_doc["metadata"], d_doc["spec"]])
    rs_doc = sh.json(f"kubectl get replicaset {by_rev[5]['metadata']['name']}")
    assert rs_doc["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "app", "uid": d["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}]
    assert rs_doc["metadata"]["annotations"][REVISION] == "5"
    # the ReplicaSet name is the Deployment name plus the template hash
    assert rs_doc["metadata"]["name"] == f"app-{rs_doc['metadata']['labels'][HASH]}"
    assert re.fullmatch(r"[4-9bcdf]{1,10}", rs_doc["metadata"]["labels"][HASH])


def test_reapplying_an_earlier_yaml_reuses_its_replica_set(sh: Shell, reader: Reader, ns: str) -> None:
    release(sh, "1.0.0")
    first = rs_by_revision(reader, ns, "app=app")[1]
    release(sh, "1.1.0")
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0"))
    assert sh("kubectl apply -f deployment.yaml").stdout == "deployment.apps/app configured\n"
    rolled_out(sh)
    rss = reader.replica_sets(ns, "app=app")
    assert len(rss) == 2
    by_rev = {revision_of(rs): rs for rs in rss}
    assert sorted(by_rev) == [2, 3]
    assert by_rev[3]["metadata"]["uid"] == first["metadata"]["uid"]
    assert by_rev[3]["metadata"]["annotations"][REVISION_HISTORY] == "1"
    assert sh("kubectl rollout history deployment/app").stdout == history((2, "<none>"), (3, "<none>"))
    # applying it once more changes nothing
    assert sh("kubectl apply -f deployment.yaml").stdout == "deployment.apps/app unchanged\n"
    assert len(reader.replica_sets(ns, "app=app")) == 2


def test_revision_history_limit_zero_keeps_only_the_current_replica_set(sh: Shell, reader: Reader, ns: str) -> None:
    # the article's deployment.yaml with revisionHistoryLimit: 0
    manifest = deployment("example-deployment", f"{APP}:1.0.0", labels={"name": "app"},
                          spec={"revisionHistoryLimit": 0})
    sh.write("deployment.yaml", manifest)
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh, "example-deployment")
    for version in ("1.1.0", "1.2.0"):
        sh(f"kubectl set image deployment/example-deployment app={APP}:{version}")
        rolled_out(sh, "example-deployment")
    rss = wait_until(lambda: (r := reader.replica_sets(ns, "name=app")) and len(r) == 1 and r,
                     timeout=10, message="old ReplicaSets deleted")
    assert image_of(rss[0]) == f"{APP}:1.2.0"
    assert revision_of(rss[0]) == 3
    assert sh("kubectl rollout history deployment/example-deployment").stdout == history(
        (3, "<none>"), name="example-deployment")
    out = sh("kubectl rollout undo deployment/example-deployment", check=False)
    assert out.returncode == 1
    assert out.stderr.splitlines()[-1] == 'error: no rollout history found for deployment "example-deployment"'
    # (kubectl also warns that undoing an applied Deployment bypasses last-applied-configuration)
    assert out.stderr.startswith("Warning: resource deployments/example-deployment was previously managed with "
                                 "'kubectl apply'.")
    wait_until(lambda: len(reader.pods(ns, "name=app")) == 3, timeout=10, message="old pods gone")


def test_history_of_a_specific_revision_prints_its_pod_template(sh: Shell, reader: Reader, ns: str) -> None:
    release(sh, "1.0.0")
    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    rolled_out(sh)
    sh('kubectl annotate deployment/app kubernetes.io/change-cause="Upgraded to version 1.1.0"')
    wait_until(lambda: "Upgraded" in sh("kubectl rollout history deployment/app").stdout, timeout=10,
               message="change-cause copied to the current ReplicaSet")
    by_rev = rs_by_revision(reader, ns, "app=app")
    h1, h2 = by_rev[1]["metadata"]["labels"][HASH], by_rev[2]["metadata"]["labels"][HASH]
    out = sh("kubectl rollout history deployment/app --revision=2").stdout
    assert out == (
        "deployment.apps/app with revision #2\n"
        "Pod Template:\n"
        f"  Labels:\tapp=app\n\tpod-template-hash={h2}\n"
        "  Annotations:\tkubernetes.io/change-cause: Upgraded to version 1.1.0\n"
        "  Containers:\n"
        "   app:\n"
        f"    Image:\t{APP}:1.1.0\n"
        "    Port:\t<none>\n"
        "    Host Port:\t<none>\n"
        "    Environment:\t<none>\n"
        "    Mounts:\t<none>\n"
        "  Volumes:\t<none>\n"
        "  Node-Selectors:\t<none>\n"
        "  Tolerations:\t<none>\n"
        "\n")
    # the annotation went onto the ReplicaSet that was current then: change-cause is per revision
    out = sh("kubectl rollout history deployment/app --revision=1").stdout
    assert f"pod-template-hash={h1}\n" in out and f"Image:\t{APP}:1.0.0\n" in out
    assert "change-cause" not in out
    missing = sh("kubectl rollout history deployment/app --revision=9", check=False)
    assert missing.returncode == 1
    assert missing.stderr == "error: unable to find the specified revision\n"
    # -o yaml with --revision prints the ReplicaSet itself
    rs_doc = sh.json("kubectl rollout history deployment/app --revision=2")
    assert rs_doc["kind"] == "ReplicaSet" and rs_doc["metadata"]["name"] == f"app-{h2}"


# --- change-cause ------------------------------------------------------------------------

def test_change_cause_annotation_shows_in_history(sh: Shell, ns: str) -> None:
    release(sh, "1.0.0")
    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    rolled_out(sh)
    assert sh("kubectl rollout history deployment/app").stdout == history((1, "<none>"), (2, "<none>"))
    out = sh('kubectl annotate deployment/app kubernetes.io/change-cause="Upgraded to version 1.1.0"')
    assert out.stdout == "deployment.apps/app annotated\n"
    # the controller copies the annotation onto the current ReplicaSet
    wait_until(lambda: sh("kubectl rollout history deployment/app").stdout
               == history((1, "<none>"), (2, "Upgraded to version 1.1.0")), timeout=10,
               message="change-cause in history")
    # kubectl lets change-cause (unlike other keys) be overwritten without --overwrite
    sh('kubectl annotate deployment/app kubernetes.io/change-cause="Hotfix"')
    wait_until(lambda: sh("kubectl rollout history deployment/app").stdout
               == history((1, "<none>"), (2, "Hotfix")), timeout=10, message="change-cause overwritten")
    other = sh("kubectl annotate deployment/app team=a")
    other = sh("kubectl annotate deployment/app team=b", check=False)
    assert other.returncode == 1 and "--overwrite is false" in other.stderr
    # the next revision inherits the Deployment's annotation until it is changed
    sh("kubectl set image deployment/app app=learnk8s/app:1.2.0")
    rolled_out(sh)
    assert sh("kubectl rollout history deployment/app").stdout == history(
        (1, "<none>"), (2, "Hotfix"), (3, "Hotfix"))


def test_record_flag_writes_the_command_as_change_cause(sh: Shell, reader: Reader, ns: str) -> None:
    """kubectl 1.37 still accepts the deprecated --record and records its own command line."""
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0"))
    out = sh("kubectl create -f deployment.yaml --record")
    assert out.stdout == "deployment.apps/app created\n"
    assert "Flag --record has been deprecated" in out.stderr
    rolled_out(sh)
    assert sh("kubectl rollout history deployment/app").stdout == history(
        (1, "kubectl create --filename=deployment.yaml --record=true"))
    # the article's `kubectl rollout history app` names no resource type
    wrong = sh("kubectl rollout history app", check=False)
    assert wrong.returncode == 1
    assert wrong.stderr == 'error: the server doesn\'t have a resource type "app"\n'

    sh.write("deployment.yaml", deployment("app", f"{APP}:1.1.0"))
    sh("kubectl apply -f deployment.yaml --record")
    rolled_out(sh)
    assert sh("kubectl rollout history deployment/app").stdout == history(
        (1, "kubectl create --filename=deployment.yaml --record=true"),
        (2, "kubectl apply --filename=deployment.yaml --record=true"))
    # only the last command is kept: a scale replaces it on the Deployment and on the current
    # ReplicaSet, without a new revision
    sh("kubectl scale --replicas=4 deploy/app --record")
    wait_until(lambda: sh("kubectl rollout history deployment/app").stdout == history(
        (1, "kubectl create --filename=deployment.yaml --record=true"),
        (2, "kubectl scale deploy/app --replicas=4 --record=true")), timeout=10, message="scale recorded")
    d = reader.deployment(ns, "app")
    assert d["metadata"]["annotations"][CHANGE_CAUSE] == "kubectl scale deploy/app --replicas=4 --record=true"


# --- undo errors and dry runs ------------------------------------------------------------

def test_undo_errors_and_dry_runs(sh: Shell, reader: Reader, ns: str) -> None:
    # created, not applied: undo of an applied Deployment adds a warning about
    # last-applied-configuration to stderr
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0"))
    sh("kubectl create -f deployment.yaml")
    rolled_out(sh)
    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    rolled_out(sh)

    unknown = sh("kubectl rollout undo deployment/app --to-revision=9", check=False)
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert unknown.stderr == "error: unable to find specified revision 9 in history\n"

    same = sh("kubectl rollout undo deployment/app --to-revision=2")
    assert same.stdout == "deployment.apps/app skipped rollback (current template already matches revision 2)\n"

    before = reader.deployment(ns, "app")
    dry = sh("kubectl rollout undo deployment/app --dry-run=server")
    assert dry.stdout == "deployment.apps/app rolled back (server dry run)\n"
    client = sh("kubectl rollout undo deployment/app --dry-run=client")
    assert client.stdout.startswith("deployment.apps/app Pod Template:\n")
    assert f"Image:\t{APP}:1.0.0\n" in client.stdout
    after = reader.deployment(ns, "app")
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert image_of(after) == f"{APP}:1.1.0"
    assert len(reader.replica_sets(ns, "app=app")) == 2

    assert sh("kubectl rollout pause deployment/app").stdout == "deployment.apps/app paused\n"
    paused = sh("kubectl rollout undo deployment/app", check=False)
    assert paused.returncode == 1
    assert paused.stderr == ("error: you cannot rollback a paused deployment; resume it first with "
                             "'kubectl rollout resume' and try again\n")
    sh("kubectl rollout resume deployment/app")
    assert sh("kubectl rollout undo deployment/app").stdout == "deployment.apps/app rolled back\n"
    rolled_out(sh)
    assert image_of(reader.deployment(ns, "app")) == f"{APP}:1.0.0"
    assert sh("kubectl rollout history deployment/app").stdout == history((2, "<none>"), (3, "<none>"))


# --- status ------------------------------------------------------------------------------

def test_rollout_status_progress_watch_false_timeout_and_revision(sh: Shell, reader: Reader, ns: str) -> None:
    slow = {"sim.kroll.dev/ready-after": "600ms"}
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", template_annotations=slow))
    sh("kubectl apply -f deployment.yaml")
    out = rolled_out(sh)
    # every line before the last is a progress line kubectl derived from the status
    progress = re.compile(r'Waiting for deployment "app" rollout to finish: (\d+ out of 3 new replicas have been '
                          r'updated|\d+ old replicas are pending termination|\d+ of 3 updated replicas are '
                          r'available)\.\.\.|Waiting for deployment spec update to be observed\.\.\.')
    lines = out.splitlines()
    assert lines[:-1], "the rollout was too fast to show progress"
    assert all(progress.fullmatch(line) for line in lines[:-1]), out

    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    once = sh("kubectl rollout status deployment/app --watch=false")
    assert once.returncode == 0
    assert len(once.stdout.splitlines()) == 1
    assert progress.fullmatch(once.stdout.strip()) or once.stdout == 'deployment "app" successfully rolled out\n'
    wrong = sh("kubectl rollout status deployment/app --revision=1", check=False)
    assert wrong.returncode == 1
    assert wrong.stderr == "error: desired revision (1) is different from the running revision (2)\n"
    out = rolled_out(sh)
    assert "1 old replicas are pending termination" in out or "of 3 updated replicas are available" in out \
        or "out of 3 new replicas have been updated" in out
    assert sh("kubectl rollout status deployment/app --revision=2").stdout == \
        'deployment "app" successfully rolled out\n'
    assert sh("kubectl rollout status deployment/app --watch=false").stdout == \
        'deployment "app" successfully rolled out\n'

    # a release that never becomes ready, with the default 600s deadline: --timeout gives up
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.2.0",
                                           template_annotations={"sim.kroll.dev/behavior": "never-ready"}))
    sh("kubectl apply -f deployment.yaml")
    timed_out = sh("kubectl rollout status deployment/app --timeout=1s", check=False)
    assert timed_out.returncode == 1
    assert timed_out.stderr == "error: timed out waiting for the condition\n"
    assert timed_out.stdout.splitlines()[-1].startswith('Waiting for deployment "app" rollout to finish')
    missing = sh("kubectl rollout status deployment/nope --timeout=1s", check=False)
    assert missing.returncode == 1
    assert missing.stderr == 'Error from server (NotFound): deployments.apps "nope" not found\n'


# --- restart, pause, resume ----------------------------------------------------------------

def test_rollout_restart_makes_a_new_revision(sh: Shell, reader: Reader, ns: str) -> None:
    release(sh, "1.0.0")
    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    rolled_out(sh)
    old_pods = {p["metadata"]["name"] for p in reader.pods(ns, "app=app")}
    assert sh("kubectl rollout restart deployment/app").stdout == "deployment.apps/app restarted\n"
    rolled_out(sh)
    d = wait_settled(reader, ns)
    restarted_at = d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", restarted_at)
    assert image_of(d) == f"{APP}:1.1.0"
    assert sh("kubectl rollout history deployment/app").stdout == history((1, "<none>"), (2, "<none>"),
                                                                           (3, "<none>"))
    new_pods = {p["metadata"]["name"] for p in reader.pods(ns, "app=app")}
    assert len(new_pods) == 3 and not new_pods & old_pods
    rs3 = rs_by_revision(reader, ns, "app=app")[3]
    assert rs3["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] == restarted_at


def test_pause_holds_template_changes_and_resume_rolls_them_out(sh: Shell, reader: Reader, ns: str) -> None:
    release(sh, "1.0.0")
    assert sh("kubectl rollout pause deployment/app").stdout == "deployment.apps/app paused\n"
    again = sh("kubectl rollout pause deployment/app", check=False)
    assert again.returncode == 1 and again.stderr == 'error: deployments.apps "app" is already paused\n'
    restart = sh("kubectl rollout restart deployment/app", check=False)
    assert restart.returncode == 1
    assert restart.stderr == ('error: deployments.apps "app" can\'t restart paused deployment '
                              '(run rollout resume first)\n')

    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    sh("kubectl set env deployment/app GREETING=hello")

    def observed_paused():
        d = reader.deployment(ns, "app")
        cond = {c["type"]: c for c in d["status"].get("conditions", [])}.get("Progressing", {})
        return d["status"].get("observedGeneration") == d["metadata"]["generation"] and cond.get("reason") == \
            "DeploymentPaused" and cond
    cond = wait_until(observed_paused, timeout=10, message="paused template change observed")
    assert (cond["status"], cond["message"]) == ("Unknown", "Deployment is paused")
    rss = reader.replica_sets(ns, "app=app")
    assert len(rss) == 1 and image_of(rss[0]) == f"{APP}:1.0.0"
    assert {p["spec"]["containers"][0]["image"] for p in reader.pods(ns, "app=app")} == {f"{APP}:1.0.0"}
    # scaling still works while paused
    sh("kubectl scale deployment/app --replicas=4")
    wait_until(lambda: len(reader.pods(ns, "app=app")) == 4, timeout=10, message="scaled while paused")
    assert len(reader.replica_sets(ns, "app=app")) == 1
    status = sh("kubectl rollout status deployment/app --watch=false").stdout
    assert status == 'Waiting for deployment "app" rollout to finish: 0 out of 4 new replicas have been updated...\n'

    assert sh("kubectl rollout resume deployment/app").stdout == "deployment.apps/app resumed\n"
    not_paused = sh("kubectl rollout resume deployment/app", check=False)
    assert not_paused.returncode == 1 and not_paused.stderr == 'error: deployments.apps "app" is not paused\n'
    rolled_out(sh)
    d = wait_settled(reader, ns)
    # both edits made while paused went out as a single revision
    by_rev = rs_by_revision(reader, ns, "app=app")
    assert sorted(by_rev) == [1, 2]
    assert image_of(by_rev[2]) == f"{APP}:1.1.0"
    assert by_rev[2]["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "GREETING", "value": "hello"}]
    assert by_rev[2]["spec"]["replicas"] == 4 and by_rev[1]["spec"]["replicas"] == 0
    cond = {c["type"]: c for c in d["status"]["conditions"]}["Progressing"]
    assert (cond["status"], cond["reason"]) == ("True", "NewReplicaSetAvailable")


# --- describe ------------------------------------------------------------------------------

def test_describe_deployment_shows_replica_sets_conditions_and_events(sh: Shell, reader: Reader, ns: str) -> None:
    release(sh, "1.0.0")
    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    rolled_out(sh)
    wait_settled(reader, ns)
    by_rev = rs_by_revision(reader, ns, "app=app")
    old, new = by_rev[1]["metadata"]["name"], by_rev[2]["metadata"]["name"]
    out = sh("kubectl describe deployment app").stdout
    fields = dict(re.findall(r"^([A-Za-z]+):\s+(.*)$", out, re.M))
    assert fields["Name"] == "app" and fields["Namespace"] == ns
    assert fields["Annotations"] == "deployment.kubernetes.io/revision: 2"
    assert fields["Selector"] == "app=app"
    assert fields["Replicas"] == "3 desired | 3 updated | 3 total | 3 available | 0 unavailable"
    assert fields["StrategyType"] == "RollingUpdate"
    assert fields["MinReadySeconds"] == "0"
    assert fields["RollingUpdateStrategy"] == "25% max unavailable, 25% max surge"
    assert fields["OldReplicaSets"] == f"{old} (0/0 replicas created)"
    assert fields["NewReplicaSet"] == f"{new} (3/3 replicas created)"
    conditions = re.search(r"Conditions:\n  Type +Status +Reason\n  -+ +-+ +-+\n((?:  .*\n)+)", out)
    assert conditions, out
    rows = [line.split() for line in conditions.group(1).splitlines()]
    assert rows == [["Available", "True", "MinimumReplicasAvailable"],
                    ["Progressing", "True", "NewReplicaSetAvailable"]]
    events = out[out.index("Events:"):]
    assert re.search(r"Type +Reason +Age +From +Message", events)
    messages = [m.strip() for m in re.findall(r"ScalingReplicaSet .*?deployment-controller  (.*)", events)]
    assert f"Scaled up replica set {old} to 3" in messages
    assert f"Scaled up replica set {new} to 1" in messages
    assert f"Scaled down replica set {old} to 2 from 3" in messages
    assert f"Scaled up replica set {new} to 3 from 2" in messages
    assert f"Scaled down replica set {old} to 0 from 1" in messages
    # the events are core/v1 Events about the Deployment
    ev = [e for e in reader.events(ns) if e["reason"] == "ScalingReplicaSet"]
    assert all(e["involvedObject"]["kind"] == "Deployment" and e["involvedObject"]["name"] == "app"
               and e["source"]["component"] == "deployment-controller" and e["type"] == "Normal" for e in ev)


# --- the article's other manifests ---------------------------------------------------------

REPLICASET_YAML = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: example-replicaset
spec:
  replicas: 3
  selector:
    matchLabels:
      name: app
  template:
    metadata:
      labels:
        name: app
    spec:
      containers:
      - name: app
        image: learnk8s/app:1.0.0
"""

# seed 002 prints this Deployment with `name: app` one level too far out, so the template has
# no labels at all and the API server rejects it
MISINDENTED_DEPLOYMENT_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: example-deployment
spec:
  replicas: 3
  selector:
    matchLabels:
      name: app
  template:
    metadata:
      labels:
      name: app
    spec:
      containers:
      - name: app
        image: learnk8s/app:1.0.0
"""


def test_standalone_replica_set_from_the_article(sh: Shell, reader: Reader, ns: str) -> None:
    sh.write("replicaset.yaml", REPLICASET_YAML)
    assert sh("kubectl create -f replicaset.yaml").stdout == "replicaset.apps/example-replicaset created\n"
    pods = wait_until(lambda: (p := reader.pods(ns, "name=app")) and len(p) == 3 and all(
        x.get("status", {}).get("phase") == "Running" for x in p) and p, timeout=15, message="3 pods")
    assert all(re.fullmatch(r"example-replicaset-[bcdfghjklmnpqrstvwxz2456789]{5}", p["metadata"]["name"])
               for p in pods)
    # a deleted pod is replaced
    sh(f"kubectl delete pod {pods[0]['metadata']['name']} --wait=false")
    wait_until(lambda: len([p for p in reader.pods(ns, "name=app") if not p["metadata"].get("deletionTimestamp")
                            and p["metadata"]["name"] != pods[0]["metadata"]["name"]]) == 3,
               timeout=15, message="replacement pod")
    sh("kubectl delete -f replicaset.yaml")

    sh.write("deployment.yaml", MISINDENTED_DEPLOYMENT_YAML)
    bad = sh("kubectl create -f deployment.yaml", check=False)
    assert bad.returncode == 1
    assert bad.stderr.startswith('The Deployment "example-deployment" is invalid: spec.template.metadata.labels: '
                                 "Invalid value: ")
    assert "`selector` does not match template `labels`" in bad.stderr
