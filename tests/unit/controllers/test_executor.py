"""Executor: with parallel_pods, pod creates go out in slow-start batches that stop after a
failed batch, pod deletes all at once with each "Deleted pod" event recorded only after its
delete succeeded; other actions keep running one at a time, in order."""

from __future__ import annotations

import asyncio

import pytest

from kroll.api.errors import ApiError
from kroll.controllers.runtime.executor import ActionFailed, Executor
from kroll.reconcile.actions import Create, Delete, Event, UpdateStatus


class FakeClient:
    def __init__(self, fail_creates_at: set[int] = frozenset(), fail_deletes: set[str] = frozenset()) -> None:
        self.calls: list[tuple[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.creates = 0
        self.rv = 0
        self.fail_creates_at = fail_creates_at
        self.fail_deletes = fail_deletes

    async def _enter(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.in_flight -= 1

    def _stamp(self, obj: dict) -> dict:
        self.rv += 1
        return {**obj, "metadata": {**obj.get("metadata", {}), "resourceVersion": str(self.rv)}}

    async def create(self, resource, namespace, obj, *, subresource=None, name=None):
        index = self.creates
        self.creates += 1
        self.calls.append(("create", str(index)))
        await self._enter()
        if index in self.fail_creates_at:
            raise ApiError(500, "InternalError", "boom")
        return self._stamp({**obj, "metadata": {**obj["metadata"], "name": f"p{index}"}})

    async def delete(self, resource, namespace, name, **kw):
        self.calls.append(("delete", name))
        await self._enter()
        if name in self.fail_deletes:
            raise ApiError(500, "InternalError", "boom")
        return self._stamp({"metadata": {"name": name}})

    async def update(self, resource, namespace, obj, *, subresource=None):
        self.calls.append(("update", subresource or ""))
        return self._stamp(obj)


class FakeRecorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def record(self, involved, type_, reason, message, component) -> None:
        self.events.append(message)


def pod_create() -> Create:
    return Create("pods", "default", {"metadata": {"generateName": "rs-", "namespace": "default"}})


def delete_pair(name: str) -> list:
    return [Delete("pods", "default", name), Event({"metadata": {"name": "rs"}}, "Normal", "SuccessfulDelete",
                                                    f"Deleted pod: {name}")]


def run(executor: Executor, actions: list):
    return asyncio.run(executor.run(actions))


def test_creates_go_out_in_slow_start_batches_and_stop_after_a_failed_batch():
    client = FakeClient(fail_creates_at={4})
    executor = Executor(client, FakeRecorder(), "replicaset-controller", parallel_pods=True)
    with pytest.raises(ActionFailed):
        run(executor, [pod_create() for _ in range(20)])
    # batches 1, 2, 4: the third batch (creates 3-6) holds the failure; nothing after it is tried
    assert client.creates == 7
    assert client.max_in_flight == 4


def test_all_creates_succeed_and_report_their_writes():
    client = FakeClient()
    executor = Executor(client, FakeRecorder(), "replicaset-controller", parallel_pods=True)
    status = UpdateStatus("replicasets.apps", "default", {"metadata": {"name": "rs"}})
    outcome = run(executor, [*[pod_create() for _ in range(10)], status])
    assert client.creates == 10
    assert client.calls[-1] == ("update", "status")  # after every create
    assert len(outcome.writes) == 11
    assert max(rv for _, rv in outcome.writes) == 11


def test_deletes_run_together_and_events_follow_only_successful_deletes():
    client = FakeClient(fail_deletes={"b"})
    recorder = FakeRecorder()
    executor = Executor(client, recorder, "replicaset-controller", parallel_pods=True)
    status = UpdateStatus("replicasets.apps", "default", {"metadata": {"name": "rs"}})
    with pytest.raises(ActionFailed) as failed:
        run(executor, [*delete_pair("a"), *delete_pair("b"), *delete_pair("c"), status])
    assert failed.value.action == Delete("pods", "default", "b")
    assert sorted(name for verb, name in client.calls if verb == "delete") == ["a", "b", "c"]
    assert client.max_in_flight == 3
    assert recorder.events == ["Deleted pod: a", "Deleted pod: c"]
    assert ("update", "status") not in client.calls  # the run stops at the failure


def test_without_parallel_pods_actions_run_one_at_a_time():
    client = FakeClient(fail_creates_at={2})
    executor = Executor(client, FakeRecorder(), "deployment-controller")
    with pytest.raises(ActionFailed):
        run(executor, [pod_create() for _ in range(5)])
    assert client.creates == 3
    assert client.max_in_flight == 1
