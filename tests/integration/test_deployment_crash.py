"""Issue 3's crash test: kill -9 `kroll up` at three random moments of a 200-replica rolling
update and restart it on the same data dir each time.

After every restart the API answers, and the rollout resumes where the stored state says it
was; at the end it completes with exactly 200 pods of the new ReplicaSet, no duplicate pod
or ReplicaSet, consistent revisions, and no sample (before, between or after the crashes)
ever saw more than replicas + maxSurge pods or fewer than replicas - maxUnavailable
available ones.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from tests.integration.harness import Kroll, wait_until
from tests.integration.rollout_support import (
    HASH,
    REVISION,
    REVISION_HISTORY,
    Reader,
    Sampler,
    deployment,
    image_of,
    is_ready,
    is_terminating,
    revision_of,
)

REPLICAS = 200
# 20 new pods at a time, never an old one removed before a new one is available: about ten
# waves, each at least `ready-after` long, so three kills at random moments within the first
# ~2s after each (re)start all land mid-rollout
MAX_SURGE = 20
MAX_UNAVAILABLE = 0
STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "10%", "maxUnavailable": 0}}
SLOW = {"sim.kroll.dev/ready-after": "1s"}


def manifest(image: str) -> str:
    return deployment("big", image, replicas=REPLICAS, template_annotations=SLOW, spec={"strategy": STRATEGY})


def complete(d: dict) -> bool:
    st = d.get("status", {})
    return (st.get("observedGeneration") == d["metadata"]["generation"]
            and st.get("updatedReplicas") == st.get("replicas") == st.get("availableReplicas") == REPLICAS)


def check_consistent(reader: Reader, ns: str) -> tuple[list[dict], list[dict]]:
    """No duplicates anywhere: pod names unique and prefixed by their ReplicaSet, every pod owned
    by one of the two ReplicaSets, one ReplicaSet per revision."""
    rss = reader.replica_sets(ns, "app=big")
    pods = reader.pods(ns, "app=big")
    names = [p["metadata"]["name"] for p in pods]
    assert len(names) == len(set(names))
    assert len(rss) <= 2, [rs["metadata"]["name"] for rs in rss]
    revisions = sorted(revision_of(rs) for rs in rss)
    assert revisions in ([1], [1, 2]), revisions
    by_uid = {rs["metadata"]["uid"]: rs for rs in rss}
    for p in pods:
        refs = [r for r in p["metadata"].get("ownerReferences", []) if r.get("controller")]
        assert len(refs) == 1 and refs[0]["uid"] in by_uid, p["metadata"]
        rs = by_uid[refs[0]["uid"]]
        assert p["metadata"]["name"].startswith(rs["metadata"]["name"] + "-")
        assert p["metadata"]["labels"][HASH] == rs["metadata"]["labels"][HASH]
    return rss, pods


def test_kill9_during_a_200_replica_rolling_update(tmp_path: Path) -> None:
    seed = int(os.environ.get("KROLL_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    kroll = Kroll(tmp_path / "data", nodes=3).start()
    reader = Reader(kroll.kubeconfig)
    try:
        kroll.kubectl("create", "namespace", "crash")
        ns = "crash"
        kroll.kubectl("-n", ns, "apply", "-f", "-", input=manifest("learnk8s/app:1.0.0"))
        kroll.kubectl("-n", ns, "rollout", "status", "deployment/big", "--timeout=60s")
        first = reader.replica_sets(ns, "app=big")
        assert len(first) == 1

        with Sampler(reader, ns, "app=big") as sampler:
            out = kroll.kubectl("-n", ns, "apply", "-f", "-", input=manifest("learnk8s/app:1.1.0"))
            assert out.stdout == "deployment.apps/big configured\n"
            for crash in range(3):
                time.sleep(rng.uniform(0.0, 2.0))  # the random moment (not a wait for a condition)
                d = reader.deployment(ns, "big")
                assert not complete(d), f"seed {seed}: the rollout finished before crash {crash + 1}"
                kroll.kill9()
                kroll.start()
                # the API is usable at once after the restart, and kubectl works
                assert kroll.kubectl("-n", ns, "get", "deployment", "big", "-o", "name").stdout == \
                    "deployment.apps/big\n"
                check_consistent(reader, ns)
            status = kroll.kubectl("-n", ns, "rollout", "status", "deployment/big", "--timeout=90s")
            assert status.stdout.endswith('deployment "big" successfully rolled out\n')

            def only_new_pods():
                rss, pods = check_consistent(reader, ns)
                new = [rs for rs in rss if revision_of(rs) == 2]
                return (new and len(pods) == REPLICAS
                        and all(p["metadata"]["labels"][HASH] == new[0]["metadata"]["labels"][HASH]
                                and is_ready(p) and not is_terminating(p) for p in pods))
            wait_until(only_new_pods, timeout=30, message="200 pods of the new ReplicaSet")
            sampler.take()

        assert sampler.gaps, "the sampler never saw the server down: the kills did not happen mid-rollout"
        assert sampler.max_active() <= REPLICAS + MAX_SURGE, f"seed {seed}"
        assert sampler.max_rs_spec_sum() <= REPLICAS + MAX_SURGE, f"seed {seed}"
        assert sampler.min_available() >= REPLICAS - MAX_UNAVAILABLE, f"seed {seed}"
        assert sampler.mixed()

        rss, _ = check_consistent(reader, ns)
        by_rev = {revision_of(rs): rs for rs in rss}
        assert sorted(by_rev) == [1, 2]
        assert by_rev[1]["metadata"]["uid"] == first[0]["metadata"]["uid"]
        assert by_rev[1]["spec"]["replicas"] == 0 and by_rev[2]["spec"]["replicas"] == REPLICAS
        assert image_of(by_rev[2]) == "learnk8s/app:1.1.0"
        assert all(REVISION_HISTORY not in rs["metadata"]["annotations"] for rs in rss)
        d = reader.deployment(ns, "big")
        assert d["metadata"]["annotations"][REVISION] == "2"
        assert complete(d)
        history = kroll.kubectl("-n", ns, "rollout", "history", "deployment/big").stdout
        assert history == "deployment.apps/big \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
        nodes = kroll.kubectl("get", "nodes", "--no-headers").stdout.splitlines()
        assert len(nodes) == 3 and all(line.split()[1] == "Ready" for line in nodes)
    finally:
        reader.close()
        kroll.stop()


def test_kill9_while_a_recreate_rollout_waits_for_old_pods(tmp_path: Path) -> None:
    """Recreate never runs old and new pods side by side, even when kroll dies while the old
    pods are shutting down; after the restart their shutdown carries on where it was."""
    kroll = Kroll(tmp_path / "data", nodes=3).start()
    reader = Reader(kroll.kubeconfig)
    spec = {"strategy": {"type": "Recreate"}}
    slow_stop = {"sim.kroll.dev/terminate-after": "2s"}
    try:
        kroll.kubectl("apply", "-f", "-", input=deployment("app", "learnk8s/app:1.0.0", replicas=6, spec=spec,
                                                          template_annotations=slow_stop))
        kroll.kubectl("rollout", "status", "deployment/app", "--timeout=30s")
        with Sampler(reader, "default", "app=app") as sampler:
            kroll.kubectl("apply", "-f", "-", input=deployment("app", "learnk8s/app:1.1.0", replicas=6, spec=spec,
                                                              template_annotations=slow_stop))
            wait_until(lambda: (pods := reader.pods("default", "app=app")) and all(map(is_terminating, pods)),
                       timeout=10, message="old pods shutting down")
            kroll.kill9()
            kroll.start()
            kroll.kubectl("rollout", "status", "deployment/app", "--timeout=30s")
            wait_until(lambda: len(reader.pods("default", "app=app")) == 6, timeout=10, message="6 new pods")
            sampler.take()
        assert sampler.gaps
        assert not sampler.mixed()
        new_hashes = {h for s in sampler.samples for h in s.by_hash} - {
            next(iter(sampler.samples[0].by_hash))}
        assert len(new_hashes) == 1
        new_hash = new_hashes.pop()
        # no new pod while any old one was still shutting down
        assert not [s for s in sampler.samples if s.by_hash.get(new_hash) and s.terminating]
        pods = reader.pods("default", "app=app")
        assert {p["metadata"]["labels"][HASH] for p in pods} == {new_hash}
        assert all(is_ready(p) for p in pods)
        rss = reader.replica_sets("default", "app=app")
        assert sorted(revision_of(rs) for rs in rss) == [1, 2]
    finally:
        reader.close()
        kroll.stop()
