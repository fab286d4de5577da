"""Watches on the wire: the streaming list (`sendInitialEvents=true`) that client-go >= 1.35
uses by default, its option checks, selectors, timeouts, the legacy /watch/ paths and the
periodic BOOKMARKs of an idle watch.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from kroll.api import registry
from kroll.server import apiserver
from kroll.server.apiserver import ApiServer
from kroll.storage import open_store
from tests.integration.harness import Kroll
from tests.integration.kubehttp import KubeHttp, drop_namespace, fresh_namespace

END_MARK = {"k8s.io/initial-events-end": "true"}
WATCH_LIST = "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"


@pytest.fixture(scope="module")
def api(kroll: Kroll) -> KubeHttp:
    return KubeHttp(kroll.kubeconfig)


@pytest.fixture
def ns(api: KubeHttp):
    name = fresh_namespace(api)
    yield name
    drop_namespace(api, name)


def configmaps(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/configmaps" + (f"/{name}" if name else "")


def make(api: KubeHttp, ns: str, name: str, labels: dict[str, str] | None = None) -> dict:
    resp = api.request("POST", configmaps(ns), {"metadata": {"name": name, "labels": labels or {}}})
    assert resp.status == 201, resp.body
    return resp.json


class ClientStream:
    """A watch opened through the official client's own HTTP machinery (param_serialize and
    call_api with its bearer token and CA), read line by line."""

    def __init__(self, api_client: Any, path: str, query: list[tuple[str, str]]) -> None:
        method, url, headers, _, _ = api_client.param_serialize("GET", path, query_params=query,
                                                                auth_settings=["BearerToken"])
        self.resp = api_client.call_api(method, url, header_params=headers, _request_timeout=30)
        self.status = self.resp.status
        self._lines = self.resp.response.stream(amt=None, decode_content=True)
        self._buffer = b""

    def next_event(self) -> dict:
        while b"\n" not in self._buffer:
            self._buffer += next(self._lines)
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        self.resp.response.release_conn()


def test_watch_list_sends_every_object_then_the_end_bookmark(api_client, api: KubeHttp, ns: str):
    for name in ("a", "b", "c"):
        make(api, ns, name)
    listed_rv = int(api.get(configmaps(ns)).json["metadata"]["resourceVersion"])
    query = [("watch", "true"), ("sendInitialEvents", "true"), ("resourceVersionMatch", "NotOlderThan"),
             ("allowWatchBookmarks", "true"), ("resourceVersion", ""), ("timeoutSeconds", "30")]
    stream = ClientStream(api_client, configmaps(ns), query)
    try:
        assert stream.status == 200
        initial = [stream.next_event() for _ in range(3)]
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in initial] == [
            ("ADDED", "a"), ("ADDED", "b"), ("ADDED", "c")]
        assert all(e["object"]["kind"] == "ConfigMap" for e in initial)  # events carry kind and apiVersion
        mark = stream.next_event()
        assert mark["type"] == "BOOKMARK"
        assert (mark["object"]["kind"], mark["object"]["apiVersion"]) == ("ConfigMap", "v1")
        assert mark["object"]["metadata"]["annotations"] == END_MARK
        snapshot = int(mark["object"]["metadata"]["resourceVersion"])
        assert snapshot >= listed_rv
        # the same stream goes on with the changes after the snapshot
        api.request("PATCH", configmaps(ns, "b"), b'{"data":{"x":"1"}}', content_type="application/merge-patch+json")
        api.request("DELETE", configmaps(ns, "c"))
        changes = [stream.next_event() for _ in range(2)]
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in changes] == [("MODIFIED", "b"), ("DELETED", "c")]
        assert all(int(e["object"]["metadata"]["resourceVersion"]) > snapshot for e in changes)
    finally:
        stream.close()


def test_watch_list_of_nothing_and_with_selectors(api: KubeHttp, ns: str):
    with api.stream(f"{configmaps(ns)}?{WATCH_LIST}&resourceVersion=") as stream:
        first = stream.next_event()  # empty namespace: the bookmark alone
        assert first["type"] == "BOOKMARK" and first["object"]["metadata"]["annotations"] == END_MARK
    make(api, ns, "front-1", {"tier": "front"})
    make(api, ns, "back-1", {"tier": "back"})
    make(api, ns, "front-2", {"tier": "front"})
    with api.stream(f"{configmaps(ns)}?{WATCH_LIST}&resourceVersion=&labelSelector=tier%3Dfront") as stream:
        events = [stream.next_event() for _ in range(3)]
        assert [(e["type"], e["object"]["metadata"].get("name")) for e in events] == [
            ("ADDED", "front-1"), ("ADDED", "front-2"), ("BOOKMARK", None)]
        make(api, ns, "back-2", {"tier": "back"})
        make(api, ns, "front-3", {"tier": "front"})
        event = stream.next_event()
        assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "front-3")
    # all namespaces, narrowed by a field selector
    path = f"/api/v1/configmaps?{WATCH_LIST}&resourceVersion=&fieldSelector=metadata.namespace%3D{ns}"
    with api.stream(path) as stream:
        names = [stream.next_event()["object"]["metadata"].get("name") for _ in range(6)]
    assert names == ["back-1", "back-2", "front-1", "front-2", "front-3", None]


@pytest.mark.parametrize("query, message", [
    ("watch=true&sendInitialEvents=true&allowWatchBookmarks=true",
     "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
    ("watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
     "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true"),
])
def test_watch_list_option_checks(api: KubeHttp, ns: str, query: str, message: str):
    resp = api.get(f"{configmaps(ns)}?{query}")
    assert resp.status == 422
    status = resp.json
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "Invalid", 422)
    assert status["message"] == f'ListOptions.meta.k8s.io "" is invalid: {message}'


def test_send_initial_events_false_watches_from_the_resource_version(api: KubeHttp, ns: str):
    make(api, ns, "old")
    rv = api.get(configmaps(ns)).json["metadata"]["resourceVersion"]
    path = (f"{configmaps(ns)}?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan"
            f"&allowWatchBookmarks=true&resourceVersion={rv}")
    with api.stream(path) as stream:
        make(api, ns, "new")
        event = stream.next_event()
        assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "new")


def test_watch_timeout_and_legacy_paths(api: KubeHttp, ns: str):
    make(api, ns, "one")
    rv = api.get(configmaps(ns)).json["metadata"]["resourceVersion"]
    started = time.monotonic()
    with api.stream(f"{configmaps(ns)}?watch=true&resourceVersion={rv}&timeoutSeconds=1") as stream:
        assert stream.status == 200
        assert stream.resp.headers["Content-Type"] == "application/json"
        assert stream.resp.headers["Transfer-Encoding"] == "chunked"
        assert list(stream.events()) == []  # nothing happened; the server ends the stream on time
    assert 0.9 < time.monotonic() - started < 10
    # /watch/ paths: a collection, and one object by name
    with api.stream(f"/api/v1/watch/namespaces/{ns}/configmaps/one?resourceVersion={rv}") as by_name, \
            api.stream(f"/api/v1/watch/namespaces/{ns}/configmaps?resourceVersion={rv}") as everything:
        make(api, ns, "two")
        api.request("PATCH", configmaps(ns, "one"), b'{"data":{"a":"1"}}', content_type="application/merge-patch+json")
        event = by_name.next_event()
        assert (event["type"], event["object"]["metadata"]["name"]) == ("MODIFIED", "one")
        seen = [everything.next_event() for _ in range(2)]
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in seen] == [("ADDED", "two"), ("MODIFIED", "one")]


def test_watch_with_an_invalid_resource_version(api: KubeHttp, ns: str):
    resp = api.get(f"{configmaps(ns)}?watch=true&resourceVersion=abc")
    assert resp.status == 400 and resp.json["reason"] == "BadRequest"


def test_idle_watch_gets_periodic_bookmarks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An idle watch with allowWatchBookmarks gets a BOOKMARK every BOOKMARK_INTERVAL (60 s in
    kroll up, shortened here on an in-process API server) carrying the progress made."""
    monkeypatch.setattr(apiserver, "BOOKMARK_INTERVAL", 0.05)
    info = registry.by_group_resource("configmaps")

    async def scenario() -> list[tuple[str, dict]]:
        api = ApiServer(await open_store(tmp_path, compact_interval=None))
        await api.bootstrap()
        created = await api.create(info, "default", {"metadata": {"name": f"c-{uuid.uuid4().hex[:6]}"}})
        rv = created.obj["metadata"]["resourceVersion"]
        stream = await api.watch(info, "default", resource_version=rv, allow_bookmarks=True)
        out = []
        async with asyncio.timeout(10):
            async for event in stream:
                out.append((event.type, json.loads(event.raw)))
                if len(out) == 1:
                    await api.create(info, "kube-system", {"metadata": {"name": "elsewhere"}})
                if len(out) == 2:
                    break
        await stream.aclose()
        await api.store.close()
        return out

    (first_type, first), (second_type, second) = asyncio.run(scenario())
    assert (first_type, second_type) == ("BOOKMARK", "BOOKMARK")
    assert first["kind"] == "ConfigMap" and "annotations" not in first["metadata"]
    # the write in another namespace does not reach this watch, but its progress does
    assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
