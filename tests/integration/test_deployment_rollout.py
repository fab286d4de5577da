"""Deployments roll out as on a real cluster, proven with the real kubectl and by sampling
pods and ReplicaSets from the test process while the rollout runs.

The seeds' scenario: 3 replicas of learnk8s/app:1.0.0 rolled to 1.1.0. New pods are slowed
down with `sim.kroll.dev/ready-after` so that the sampler sees the intermediate states, and
every sample must respect the strategy: never fewer than `replicas - maxUnavailable`
available pods, never more than `replicas + maxSurge` pods.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.integration.harness import Kroll, wait_until
from tests.integration.rollout_support import (
    HASH,
    REVISION,
    Reader,
    Sampler,
    Shell,
    deployment,
    image_of,
    is_ready,
    is_terminating,
    pod_hash,
    revision_of,
    rs_by_revision,
)

APP = "learnk8s/app"
SLOW = {"sim.kroll.dev/ready-after": "300ms"}


@pytest.fixture
def sh(kroll: Kroll, ns: str, tmp_path: Path) -> Shell:
    return Shell(kroll, ns, tmp_path)


@pytest.fixture(scope="module")
def reader(kroll: Kroll) -> Reader:
    r = Reader(kroll.kubeconfig)
    yield r
    r.close()


def rolled_out(sh: Shell, name: str = "app", timeout: str = "30s") -> str:
    out = sh(f"kubectl rollout status deployment/{name} --timeout={timeout}").stdout
    assert out.endswith(f'deployment "{name}" successfully rolled out\n'), out
    return out


def only_pods_of(reader: Reader, ns: str, selector: str, rs: dict, replicas: int) -> None:
    """Wait until exactly `replicas` pods exist, all of `rs`, Ready, none terminating."""
    want = rs["metadata"]["labels"][HASH]

    def done():
        pods = reader.pods(ns, selector)
        return len(pods) == replicas and all(pod_hash(p) == want and is_ready(p) and not is_terminating(p)
                                             for p in pods)
    wait_until(done, timeout=15, message=f"only the {replicas} pods of {rs['metadata']['name']} left")


def conditions(d: dict) -> dict[str, dict]:
    return {c["type"]: c for c in d.get("status", {}).get("conditions", [])}


# --- rolling update bounds -------------------------------------------------------------------

@pytest.mark.parametrize("how", ["set-image", "apply"])
def test_rolling_update_1_0_0_to_1_1_0_keeps_availability(sh: Shell, reader: Reader, ns: str, how: str) -> None:
    """3 replicas, default strategy (25%/25% -> maxSurge 1, maxUnavailable 0): at most 4 pods,
    never fewer than 3 available, and the old ReplicaSet stays at 0."""
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", template_annotations=SLOW))
    assert sh("kubectl apply -f deployment.yaml").stdout == "deployment.apps/app created\n"
    rolled_out(sh)
    old = rs_by_revision(reader, ns, "app=app")[1]

    with Sampler(reader, ns, "app=app") as sampler:
        if how == "set-image":
            out = sh("kubectl set image deployment/app app=learnk8s/app:1.1.0").stdout
            assert out == "deployment.apps/app image updated\n"
        else:
            sh.write("deployment.yaml", deployment("app", f"{APP}:1.1.0", template_annotations=SLOW))
            assert sh("kubectl apply -f deployment.yaml").stdout == "deployment.apps/app configured\n"
        status = rolled_out(sh)
        new = rs_by_revision(reader, ns, "app=app")[2]
        only_pods_of(reader, ns, "app=app", new, 3)
    assert 'Waiting for deployment "app" rollout to finish' in status

    assert len(sampler.samples) > 20
    assert sampler.max_active() <= 4, sampler.samples
    assert sampler.min_available() >= 3, sampler.samples
    assert sampler.max_rs_spec_sum() <= 4
    # the sampler saw the rollout in flight: old and new pods side by side, 4 at a time
    assert sampler.mixed() and sampler.max_active() == 4

    rss = reader.replica_sets(ns, "app=app")
    assert len(rss) == 2
    by_name = {rs["metadata"]["name"]: rs for rs in rss}
    kept = by_name[old["metadata"]["name"]]
    assert kept["spec"]["replicas"] == 0 and kept["status"]["replicas"] == 0
    assert kept["metadata"]["annotations"][REVISION] == "1"
    assert image_of(new) == f"{APP}:1.1.0" and new["spec"]["replicas"] == 3
    d = reader.deployment(ns, "app")
    assert d["metadata"]["annotations"][REVISION] == "2"
    got = sh("kubectl get rs -o custom-columns=NAME:.metadata.name,DESIRED:.spec.replicas --sort-by=.metadata.name")
    assert sorted(got.stdout.split()[2:]) == sorted([old["metadata"]["name"], "0", new["metadata"]["name"], "3"])


@pytest.mark.parametrize(("replicas", "strategy", "surge", "unavailable"), [
    (8, {"maxSurge": "25%", "maxUnavailable": "25%"}, 2, 2),
    (5, {"maxSurge": 0, "maxUnavailable": 2}, 0, 2),
    (4, {"maxSurge": 2, "maxUnavailable": 0}, 2, 0),
])
def test_rolling_update_respects_max_surge_and_max_unavailable(sh: Shell, reader: Reader, ns: str, replicas: int,
                                                               strategy: dict, surge: int, unavailable: int) -> None:
    spec = {"strategy": {"type": "RollingUpdate", "rollingUpdate": strategy}}
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", replicas=replicas, spec=spec,
                                           template_annotations=SLOW))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    with Sampler(reader, ns, "app=app") as sampler:
        sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
        rolled_out(sh)
        only_pods_of(reader, ns, "app=app", rs_by_revision(reader, ns, "app=app")[2], replicas)
    assert sampler.max_active() <= replicas + surge, sampler.samples
    assert sampler.min_available() >= replicas - unavailable, sampler.samples
    assert sampler.max_rs_spec_sum() <= replicas + surge
    assert sampler.mixed()
    # the rollout used its budget: it surged, or it went below full availability
    if surge:
        assert sampler.max_active() > replicas
    else:
        assert sampler.min_available() < replicas


# --- a release that never becomes ready --------------------------------------------------------

def test_never_ready_release_exceeds_its_progress_deadline_and_undo_recovers(sh: Shell, reader: Reader,
                                                                              ns: str) -> None:
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", spec={"progressDeadlineSeconds": 3}))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    good = {p["metadata"]["name"] for p in reader.pods(ns, "app=app")}

    broken = {"sim.kroll.dev/behavior": "never-ready"}
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.1.0", spec={"progressDeadlineSeconds": 3},
                                           template_annotations=broken))
    sh("kubectl apply -f deployment.yaml")
    with Sampler(reader, ns, "app=app") as sampler:
        status = sh("kubectl rollout status deployment/app --timeout=30s", check=False)
    assert status.returncode == 1
    assert status.stderr == 'error: deployment "app" exceeded its progress deadline\n'
    assert status.stdout.splitlines()[-1].startswith('Waiting for deployment "app" rollout to finish')

    d = reader.deployment(ns, "app")
    new = rs_by_revision(reader, ns, "app=app")[2]
    progressing = conditions(d)["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"] == f'ReplicaSet "{new["metadata"]["name"]}" has timed out progressing.'
    available = conditions(d)["Available"]
    assert (available["status"], available["reason"]) == ("True", "MinimumReplicasAvailable")
    # the old pods kept serving: all 3 available throughout, the broken one surged beside them
    assert sampler.min_available() >= 3 and sampler.max_active() <= 4
    pods = reader.pods(ns, "app=app")
    serving = {p["metadata"]["name"] for p in pods if is_ready(p)}
    assert serving == good
    assert next(p for p in pods if not is_ready(p))["metadata"]["labels"][HASH] == new["metadata"]["labels"][HASH]
    assert (d["status"]["availableReplicas"], d["status"]["updatedReplicas"], d["status"]["replicas"]) == (3, 1, 4)
    # it stays failed: kubectl keeps reporting it, and the controller does not roll back by itself
    again = sh("kubectl rollout status deployment/app --timeout=10s", check=False)
    assert again.returncode == 1
    assert again.stderr == 'error: deployment "app" exceeded its progress deadline\n'
    assert image_of(reader.deployment(ns, "app")) == f"{APP}:1.1.0"

    out = sh("kubectl rollout undo deployment/app")
    assert out.stdout == "deployment.apps/app rolled back\n"
    rolled_out(sh)
    only_pods_of(reader, ns, "app=app", rs_by_revision(reader, ns, "app=app")[3], 3)
    d = reader.deployment(ns, "app")
    progressing = conditions(d)["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetAvailable")
    assert {p["metadata"]["name"] for p in reader.pods(ns, "app=app")} == good


def test_paused_deployment_never_times_out(sh: Shell, reader: Reader, ns: str) -> None:
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", replicas=1, spec={"progressDeadlineSeconds": 1}))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    sh("kubectl rollout pause deployment/app")
    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    paused_since = wait_until(lambda: conditions(reader.deployment(ns, "app")).get("Progressing", {}).get("reason")
                              == "DeploymentPaused", timeout=10, message="paused condition")
    assert paused_since
    # well past the 1s deadline (kubectl itself takes about that long): still paused, not failed
    out = sh("kubectl rollout status deployment/app --timeout=2s", check=False)
    assert out.stderr == "error: timed out waiting for the condition\n"
    assert conditions(reader.deployment(ns, "app"))["Progressing"]["reason"] == "DeploymentPaused"
    sh("kubectl rollout resume deployment/app")
    rolled_out(sh)


# --- Recreate ----------------------------------------------------------------------------------

def test_recreate_strategy_removes_every_old_pod_before_creating_new_ones(sh: Shell, reader: Reader,
                                                                          ns: str) -> None:
    # old pods take a while to shut down, so "all old pods gone" is a real wait
    slow_stop = {"sim.kroll.dev/terminate-after": "500ms"}
    spec = {"strategy": {"type": "Recreate"}}
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", spec=spec, template_annotations=slow_stop))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    old_hash = rs_by_revision(reader, ns, "app=app")[1]["metadata"]["labels"][HASH]
    with Sampler(reader, ns, "app=app") as sampler:
        sh.write("deployment.yaml", deployment("app", f"{APP}:1.1.0", spec=spec, template_annotations=slow_stop))
        sh("kubectl apply -f deployment.yaml")
        rolled_out(sh)
        new = rs_by_revision(reader, ns, "app=app")[2]
        only_pods_of(reader, ns, "app=app", new, 3)

    assert sampler.max_active() <= 3
    # never old and new pods at the same time, counting old pods still shutting down
    pods_seen = [s for s in sampler.samples if s.active or s.terminating]
    assert not sampler.mixed()
    new_hash = new["metadata"]["labels"][HASH]
    first_new = next(i for i, s in enumerate(sampler.samples) if s.by_hash.get(new_hash))
    assert all(not s.by_hash.get(old_hash) and not s.terminating for s in sampler.samples[first_new:]
               if s.by_hash.get(new_hash)), pods_seen
    # there was a moment with no serving pod at all (the price of Recreate)
    assert sampler.min_available() == 0
    d = reader.deployment(ns, "app")
    assert d["spec"]["strategy"] == {"type": "Recreate"}
    describe = sh("kubectl describe deployment app").stdout
    assert "StrategyType:       Recreate\n" in describe
    assert "RollingUpdateStrategy" not in describe
    old = rs_by_revision(reader, ns, "app=app")[1]
    events = sh("kubectl get events --field-selector involvedObject.kind=Deployment -o json")
    assert f"Scaled down replica set {old['metadata']['name']} to 0 from 3" in events.stdout
    assert f"Scaled up replica set {new['metadata']['name']} to 3" in events.stdout


# --- proportional scaling ----------------------------------------------------------------------

def test_scaling_mid_rollout_is_proportional(sh: Shell, reader: Reader, ns: str) -> None:
    """Upstream's documented example: 10 replicas, maxSurge 3, maxUnavailable 2, a rollout
    stuck on a broken image (old 8, new 5), then scaled to 15: the 5 extra replicas are
    split 3 to the old ReplicaSet and 2 to the new one (old 11, new 7)."""
    spec = {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}}
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", replicas=10, spec=spec))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.1.0", replicas=10, spec=spec,
                                           template_annotations={"sim.kroll.dev/behavior": "never-ready"}))
    sh("kubectl apply -f deployment.yaml")

    def sizes() -> tuple[int, int] | None:
        by_rev = rs_by_revision(reader, ns, "app=app")
        if sorted(by_rev) != [1, 2]:
            return None
        return by_rev[1]["spec"]["replicas"], by_rev[2]["spec"]["replicas"]

    def stuck_at(old: int, new: int) -> bool:
        d = reader.deployment(ns, "app")
        st = d["status"]
        return sizes() == (old, new) and st.get("observedGeneration") == d["metadata"]["generation"] and \
            st.get("replicas") == old + new and len(reader.pods(ns, "app=app")) == old + new

    wait_until(lambda: stuck_at(8, 5), timeout=15, message="rollout stuck at old 8 / new 5")
    assert sh("kubectl scale deployment/app --replicas=15").stdout == "deployment.apps/app scaled\n"
    wait_until(lambda: stuck_at(11, 7), timeout=15, message="old 11 / new 7")
    rss = rs_by_revision(reader, ns, "app=app")
    for rs in rss.values():
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "15"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "18"
    # scaling down mid-rollout shrinks both in proportion: 18 -> 8 is 11 -> 5 and 7 -> 3; the
    # rollout then goes on within the new bounds (minAvailable 3) and gets stuck at old 3 / new 5
    old_name, new_name = (rss[r]["metadata"]["name"] for r in (1, 2))
    sh("kubectl scale deployment/app --replicas=5")
    wait_until(lambda: stuck_at(3, 5), timeout=15, message="old 3 / new 5")
    messages = [e["message"] for e in reader.events(ns) if e["reason"] == "ScalingReplicaSet"]
    assert f"Scaled down replica set {old_name} to 5 from 11" in messages
    assert f"Scaled down replica set {new_name} to 3 from 7" in messages
    assert f"Scaled up replica set {old_name} to 11 from 8" in messages
    assert f"Scaled up replica set {new_name} to 7 from 5" in messages
    # fixing the release completes the rollout at the new size
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.2.0", replicas=5, spec=spec))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    only_pods_of(reader, ns, "app=app", rs_by_revision(reader, ns, "app=app")[3], 5)


# --- minReadySeconds ---------------------------------------------------------------------------

def test_min_ready_seconds_delays_availability(sh: Shell, reader: Reader, ns: str) -> None:
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", replicas=2, spec={"minReadySeconds": 2}))
    sh("kubectl apply -f deployment.yaml")

    def ready_not_available():
        d = reader.deployment(ns, "app")
        st = d.get("status", {})
        return st.get("readyReplicas") == 2 and st.get("availableReplicas", 0) == 0 and d
    d = wait_until(ready_not_available, timeout=10, message="ready but not yet available")
    assert conditions(d)["Available"]["status"] == "False"
    rs = reader.replica_sets(ns, "app=app")[0]
    assert rs["spec"]["minReadySeconds"] == 2
    out = sh("kubectl rollout status deployment/app --timeout=20s").stdout
    assert 'Waiting for deployment "app" rollout to finish: 0 of 2 updated replicas are available...' in out
    d = reader.deployment(ns, "app")
    assert d["status"]["availableReplicas"] == 2
    # availability came at least minReadySeconds after the pods turned Ready, with no other event
    ready_at = max(dt.datetime.fromisoformat(c["lastTransitionTime"].replace("Z", "+00:00"))
                   for p in reader.pods(ns, "app=app") for c in p["status"]["conditions"] if c["type"] == "Ready")
    available_at = dt.datetime.fromisoformat(conditions(d)["Available"]["lastTransitionTime"].replace("Z", "+00:00"))
    assert available_at - ready_at >= dt.timedelta(seconds=1)  # (second precision on both sides)

    # a rollout with minReadySeconds: each new pod must stay ready 2s before an old one goes
    with Sampler(reader, ns, "app=app") as sampler:
        sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
        rolled_out(sh)
        only_pods_of(reader, ns, "app=app", rs_by_revision(reader, ns, "app=app")[2], 2)
    assert sampler.max_active() <= 3
    # old pods are only removed once new ones count as available: at least 1 pod was Ready
    # at every moment (maxUnavailable rounds 25% of 2 down to 0)
    assert sampler.min_available() >= 2
    assert sampler.samples[-1].at - sampler.samples[0].at >= 3.5  # two 2s waits, one per new pod


# --- deleting a Deployment ---------------------------------------------------------------------

def test_orphaning_and_cascading_deletes(sh: Shell, reader: Reader, ns: str) -> None:
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0"))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    sh("kubectl set image deployment/app app=learnk8s/app:1.1.0")
    rolled_out(sh)
    rs_names = {rs["metadata"]["name"] for rs in reader.replica_sets(ns, "app=app")}
    pods = {p["metadata"]["name"] for p in reader.pods(ns, "app=app") if not is_terminating(p)}
    wait_until(lambda: len(pods) == 3 and len(reader.pods(ns, "app=app")) == 3, timeout=10, message="3 pods")

    out = sh("kubectl delete deployment app --cascade=orphan")
    assert out.stdout == f'deployment.apps "app" deleted from {ns} namespace\n'
    wait_until(lambda: reader.deployment(ns, "app") is None, timeout=10, message="deployment gone")

    def released():
        rss = reader.replica_sets(ns, "app=app")
        return all(not rs["metadata"].get("ownerReferences") for rs in rss) and rss
    rss = wait_until(released, timeout=10, message="ReplicaSets orphaned")
    assert {rs["metadata"]["name"] for rs in rss} == rs_names
    assert {p["metadata"]["name"] for p in reader.pods(ns, "app=app")} == pods
    assert all(not is_terminating(p) for p in reader.pods(ns, "app=app"))
    assert all(rs["metadata"].get("finalizers") in (None, []) for rs in rss)

    # the same Deployment again adopts the orphaned ReplicaSets: its template matches the
    # running ReplicaSet, so nothing is created and no pod is replaced
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.1.0"))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)

    def adopted():
        d = reader.deployment(ns, "app")
        rss = reader.replica_sets(ns, "app=app")
        return all([(rs["metadata"].get("ownerReferences") or [{}])[0].get("uid") == d["metadata"]["uid"]
                    for rs in rss]) and rss
    rss = wait_until(adopted, timeout=10, message="ReplicaSets adopted")
    assert {rs["metadata"]["name"] for rs in rss} == rs_names
    assert {p["metadata"]["name"] for p in reader.pods(ns, "app=app")} == pods

    # background (the default): the Deployment goes at once, the garbage collector removes the rest
    out = sh("kubectl delete deployment app")
    assert out.stdout == f'deployment.apps "app" deleted from {ns} namespace\n'
    wait_until(lambda: not reader.replica_sets(ns, "app=app") and not reader.pods(ns, "app=app"), timeout=20,
               message="ReplicaSets and pods collected")
    assert reader.deployment(ns, "app") is None


def test_foreground_delete_waits_for_dependents(sh: Shell, reader: Reader, ns: str) -> None:
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0", template_annotations={
        "sim.kroll.dev/terminate-after": "1s"}))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    sh("kubectl delete deployment app --cascade=foreground --wait=false")
    d = reader.deployment(ns, "app")
    assert d is not None and d["metadata"].get("deletionTimestamp")
    assert "foregroundDeletion" in d["metadata"]["finalizers"]
    sh("kubectl wait --for=delete deployment/app --timeout=20s")
    assert not reader.replica_sets(ns, "app=app")
    assert all(is_terminating(p) for p in reader.pods(ns, "app=app"))
    wait_until(lambda: not reader.pods(ns, "app=app"), timeout=10, message="pods gone")


def test_deployment_revision_annotation_follows_new_replica_set(sh: Shell, reader: Reader, ns: str) -> None:
    """Scaling, annotating and labelling never make a new revision; template edits do."""
    sh.write("deployment.yaml", deployment("app", f"{APP}:1.0.0"))
    sh("kubectl apply -f deployment.yaml")
    rolled_out(sh)
    sh("kubectl scale deployment/app --replicas=2")
    sh("kubectl label deployment/app tier=web")
    sh("kubectl annotate deployment/app note=x")
    wait_until(lambda: len(reader.pods(ns, "app=app")) == 2, timeout=10, message="scaled down")
    assert [revision_of(rs) for rs in reader.replica_sets(ns, "app=app")] == [1]
    sh("kubectl set env deployment/app MODE=fast")
    rolled_out(sh)
    by_rev = rs_by_revision(reader, ns, "app=app")
    assert sorted(by_rev) == [1, 2]
    assert by_rev[2]["metadata"]["annotations"]["note"] == "x"
    assert "note" in by_rev[1]["metadata"]["annotations"]  # copied while it was the new one
    assert reader.deployment(ns, "app")["metadata"]["annotations"][REVISION] == "2"
