"""Record every pod watch event of a namespace, so tests can check invariants on each state
the cluster went through (ordering, availability budgets) instead of sampling.

The official Python client watches from the resourceVersion of a fresh list, in a daemon
thread; `states()` replays the events into successive {name: pod} snapshots.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kubernetes import client, watch

from tests.integration.harness import wait_until

Pod = dict[str, Any]


def is_ready(pod: Pod) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def is_terminating(pod: Pod) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def revision_label(pod: Pod) -> str:
    return (pod["metadata"].get("labels") or {}).get("controller-revision-hash", "")


class PodWatch:
    def __init__(self, api_client: Any, namespace: str) -> None:
        self.v1 = client.CoreV1Api(api_client)
        self.namespace = namespace
        self.events: list[tuple[str, Pod]] = []
        self._lock = threading.Lock()
        self._watch = watch.Watch()
        initial = self.v1.list_namespaced_pod(namespace, _preload_content=False)
        listed = json.loads(initial.data)
        self.initial: dict[str, Pod] = {p["metadata"]["name"]: p for p in listed.get("items") or ()}
        self._rv = listed["metadata"]["resourceVersion"]
        self.error: Exception | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for event in self._watch.stream(self.v1.list_namespaced_pod, self.namespace,
                                            resource_version=self._rv, timeout_seconds=600):
                with self._lock:
                    self.events.append((event["type"], event["raw_object"]))
        except Exception as exc:  # the server went away (end of session) or the stream broke
            if not self._stopped:
                self.error = exc

    def stop(self) -> None:
        self._stopped = True
        self._watch.stop()

    def __enter__(self) -> PodWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def snapshot(self) -> list[tuple[str, Pod]]:
        if self.error is not None:
            raise AssertionError(f"the pod watch broke: {self.error!r}")
        with self._lock:
            return list(self.events)

    def states(self) -> Iterator[tuple[str, Pod, dict[str, Pod]]]:
        """(event type, pod, the namespace's pods right after the event), in order."""
        pods = dict(self.initial)
        for type_, pod in self.snapshot():
            name = pod["metadata"]["name"]
            if type_ == "DELETED":
                pods.pop(name, None)
            else:
                pods[name] = pod
            yield type_, pod, dict(pods)

    def current(self) -> dict[str, Pod]:
        pods = dict(self.initial)
        for _, _, state in self.states():
            pods = state
        return pods

    def wait_for(self, predicate: Callable[[dict[str, Pod]], object], *, timeout: float = 30.0,
                 message: str = "pods") -> object:
        """Poll the recorded state until `predicate(current pods)` is truthy."""
        return wait_until(lambda: predicate(self.current()), timeout=timeout, message=message)
