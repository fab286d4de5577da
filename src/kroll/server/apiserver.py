"""The request pipeline of the API server, independent of HTTP.

Every verb runs the same steps kube-apiserver's generic registry runs: decode, check the
namespace and preconditions, default, prepare (status reset, generation), validate,
store with compare-and-swap on the resourceVersion, and answer with the stored object.
The HTTP front end (`kroll.server.http`) and the in-process client (`kroll.server.local`)
both call into `ApiServer`, so controllers get exactly the semantics kubectl gets.

Objects are stored as serialized bytes stamped with their resourceVersion (the store's
revision); `attrs` (labels and field-selector values) ride along so that lists and watches
filter without decoding.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime as dt
import ipaddress
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from kroll.api import errors, meta, registry, selectors
from kroll.api.fieldvalidation import drop_unknown_fields, duplicate_fields, unknown_fields
from kroll.api.kinds import strategy_for
from kroll.api.kinds.base import Strategy
from kroll.api.kinds.scale import apply_scale, to_scale
from kroll.api.patch.json_patch import apply_json_patch
from kroll.api.patch.merge import apply_merge_patch
from kroll.api.patch.strategic import strategic_merge_patch
from kroll.api.registry import ResourceInfo
from kroll.api.types import APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, Obj
from kroll.server.metrics import RequestCounter
from kroll.storage import Conflict, KeyExists, NotFound, Store, TooOld, WatchClosed

GENERATE_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATE_NAME_BASE = 58  # 63 - 5 random characters
GENERATE_NAME_ATTEMPTS = 8
# Read-modify-write attempts of one request that keeps losing compare-and-swap races. Each lost
# race means another write committed (we wait for it), so this only bounds a pathological pile-up.
CONFLICT_RETRIES = 64
FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"
# PUT of a missing object creates it for these resources, as upstream's AllowCreateOnUpdate
CREATE_ON_UPDATE = {"events", "events.events.k8s.io", "leases.coordination.k8s.io", "endpoints"}
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
BOOKMARK_INTERVAL = 60.0  # seconds of quiet before a watch with allowWatchBookmarks gets a bookmark
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
WATCH_BATCH = 500  # initial events per chunk of a batched watch stream
_name_rng = random.Random()  # seeded from os.urandom once


def _dumps(obj: Any) -> bytes:
    return orjson.dumps(obj)


def _loads(raw: bytes) -> Any:
    return orjson.loads(raw)


@dataclass
class Result:
    obj: Obj
    raw: bytes
    warnings: list[str] = field(default_factory=list)
    code: int = 200
    deleted: bool = False  # a DELETE removed the object at once (no finalizer or grace period left)


@dataclass
class ListResult:
    info: ResourceInfo
    resource_version: str
    items: list[bytes]
    continue_token: str = ""
    remaining: int | None = None

    def body(self) -> bytes:
        md: dict[str, Any] = {"resourceVersion": self.resource_version}
        if self.continue_token:
            md["continue"] = self.continue_token
        if self.remaining:
            md["remainingItemCount"] = self.remaining
        head = _dumps({"kind": self.info.list_kind, "apiVersion": self.info.api_version, "metadata": md})
        return head[:-1] + b',"items":[' + b",".join(self.items) + b"]}"

    def objects(self) -> list[Obj]:
        return [_loads(raw) for raw in self.items]


class WatchOut(NamedTuple):  # a tuple: built once per event per watcher, ~4x cheaper than a frozen dataclass
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    raw: bytes


@dataclass
class DeleteOptions:
    propagation_policy: str | None = None
    grace_period_seconds: int | None = None
    preconditions: dict[str, str] | None = None
    dry_run: bool = False
    orphan_dependents: bool | None = None

    @classmethod
    def parse(cls, body: Obj | None, query: dict[str, str]) -> DeleteOptions:
        opts = cls()
        body = body or {}
        if not isinstance(body, dict):
            raise errors.bad_request("DeleteOptions must be an object")
        policy = body.get("propagationPolicy", query.get("propagationPolicy"))
        if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
            raise errors.unprocessable(
                f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "{policy}": '
                'supported values: "Foreground", "Background", "Orphan", "nil"')
        opts.propagation_policy = policy
        grace = body.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
        if grace is not None:
            try:
                opts.grace_period_seconds = int(grace)
            except (TypeError, ValueError):
                raise errors.bad_request(f"invalid gracePeriodSeconds: {grace!r}")
        pre = body.get("preconditions")
        if pre is not None and not isinstance(pre, dict):
            raise errors.bad_request("preconditions must be an object")
        opts.preconditions = pre or None
        dry = body.get("dryRun") or ([query["dryRun"]] if "dryRun" in query else [])
        opts.dry_run = _parse_dry_run(dry)
        if "orphanDependents" in body or "orphanDependents" in query:
            value = body.get("orphanDependents", query.get("orphanDependents"))
            opts.orphan_dependents = value in (True, "true")
        return opts


def _parse_dry_run(values: Any) -> bool:
    if isinstance(values, str):
        values = [values]
    if any(v != "All" for v in values or ()):
        shown = errors.GoRepr("[]string{" + ", ".join(_dumps(str(v)).decode() for v in values) + "}")
        raise errors.invalid_object("DeleteOptions", "meta.k8s.io", "",
                                    [errors.not_supported("dryRun", shown, ("All",))])
    return bool(values)


def _go_format(value: Any) -> str:
    """A decoded JSON value as Go's fmt prints it with %+v: `map[spec:map[replicas:3]]`."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_format(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_format(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _omit_empty(md: Obj) -> None:
    """Every ObjectMeta field is `omitempty` in Go: an empty list, map or string written by a
    client (`finalizers: []` once the last finalizer is removed) is not stored or served."""
    for key in [k for k, v in md.items() if v == "" or v == [] or v == {}]:
        del md[key]


def resource_key(info: ResourceInfo, namespace: str | None, name: str = "") -> str:
    if info.namespaced:
        if namespace:
            return f"/{info.group_resource}/{namespace}/{name}"
        return f"/{info.group_resource}/"
    return f"/{info.group_resource}/{name}"


def _generated_name(base: str) -> str:
    # Like upstream (utilrand.String, math/rand): unpredictability is not needed here, a
    # collision only costs a retry. A seeded PRNG avoids a getrandom() syscall per name (which
    # also releases the GIL mid-request, handing it to the storage writer thread).
    return base[:MAX_GENERATE_NAME_BASE] + "".join(_name_rng.choices(GENERATE_NAME_ALPHABET, k=5))


class ApiServer:
    def __init__(self, store: Store, *, clock: Callable[[], dt.datetime] = meta.now) -> None:
        self.store = store
        self.clock = clock
        # pods/log is served by the node agent that runs the pod
        self.log_reader: Callable[..., Any] | None = None
        # requests served, by source/verb/resource (GET /metrics)
        self.requests = RequestCounter()

    # ---------------------------------------------------------------- helpers
    def _now(self) -> str:
        return meta.format_time(self.clock())

    def _strategy(self, info: ResourceInfo) -> Strategy:
        return strategy_for(info.group_resource)

    def _attrs(self, info: ResourceInfo, obj: Obj) -> dict[str, Any]:
        return {
            "labels": obj.get("metadata", {}).get("labels") or {},
            "fields": self._strategy(info).field_values(obj),
        }

    @staticmethod
    def _encoder(obj: Obj) -> Callable[[int], bytes]:
        def encode(rev: int) -> bytes:
            obj["metadata"]["resourceVersion"] = str(rev)
            return _dumps(obj)

        return encode

    async def _get_entry(self, info: ResourceInfo, namespace: str | None, name: str):
        entry = await self.store.get(resource_key(info, namespace, name))
        if entry is None:
            raise errors.not_found(info.plural, info.group, name)
        return entry

    async def _await_winner(self, exc: errors.ApiError) -> bool:
        """After a 409: True if it came from the store's compare-and-swap (raised `from` a storage
        `Conflict`), once the write we lost to is committed, so the caller may retry; False if it
        is a precondition the client set, which no retry can satisfy.

        Reads see committed state only while the compare-and-swap also sees writes still being
        committed: retrying at once would re-read the same stale object and lose again. Upstream's
        GuaranteedUpdate retries such conflicts on the fresh object (`storage/etcd3/store.go`)."""
        cause = exc.__cause__
        if exc.reason != "Conflict" or not isinstance(cause, Conflict):
            return False
        await self.store.wait_committed(cause.current_rev)
        return True

    async def _guaranteed(self, info: ResourceInfo, name: str, attempt: Callable[[], Awaitable[Result]]) -> Result:
        """Run a read-check-write `attempt` until it does not lose a write race. Every attempt
        re-reads the object and re-checks the client's preconditions against it."""
        for _attempt in range(CONFLICT_RETRIES):
            try:
                return await attempt()
            except errors.ApiError as exc:
                if not await self._await_winner(exc):
                    raise
        raise errors.conflict(info.plural, info.group, name)

    async def _check_namespace(self, info: ResourceInfo, namespace: str | None, *, creating: bool) -> None:
        if not info.namespaced:
            return
        if not namespace:
            raise errors.bad_request("the server could not find the requested resource: a namespace is required")
        ns_entry = await self.store.get(f"/namespaces/{namespace}")
        if ns_entry is None:
            raise errors.not_found("namespaces", "", namespace)
        if creating and info.group_resource not in ("events", "events.events.k8s.io"):
            ns = _loads(ns_entry.value)
            if ns.get("metadata", {}).get("deletionTimestamp"):
                raise errors.ApiError(
                    403, "Forbidden",
                    f'{info.group_resource} "{{name}}" is forbidden: unable to create new content in namespace '
                    f"{namespace} because it is being terminated",
                    {"group": info.group, "kind": info.plural,
                     "causes": [{"reason": "NamespaceTerminating",
                                 "message": f"namespace {namespace} is being terminated",
                                 "field": "metadata.namespace"}]})

    @staticmethod
    def _check_type(info: ResourceInfo, obj: Any, *, scale: bool = False) -> None:
        if not isinstance(obj, dict):
            raise errors.bad_request("the body of the request must be a JSON or YAML object")
        want_version = registry.SCALE_GROUP_VERSION if scale else info.api_version
        want_kind = "Scale" if scale else info.kind
        api_version = obj.get("apiVersion")
        kind = obj.get("kind")
        if api_version is not None and not isinstance(api_version, str):
            raise errors.bad_request("apiVersion must be a string")
        if kind is not None and not isinstance(kind, str):
            raise errors.bad_request("kind must be a string")
        if api_version and api_version != want_version:
            raise errors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API version ({want_version})")
        if kind and kind != want_kind:
            raise errors.bad_request(f"the kind in the data ({kind}) does not match the expected kind ({want_kind})")
        obj["apiVersion"] = want_version
        obj["kind"] = want_kind
        md = obj.get("metadata")
        if md is None:
            obj["metadata"] = {}
        elif not isinstance(md, dict):
            raise errors.bad_request("metadata must be an object")

    def _field_validation(self, info: ResourceInfo, obj: Obj, mode: str, raw: bytes | None,
                          *, patch: tuple[str, Any] | None = None) -> list[str]:
        """Unknown fields are dropped whatever the directive: upstream decodes into the Go type,
        which has nowhere to keep them. The directive says what the client hears about them and
        about duplicate keys: Strict rejects (400 on create and update; on a patch, 422 on the
        `patch` field, as upstream's patch handler does), Warn returns them as warnings, Ignore
        says nothing. `patch` is (patch type, patch body) when `obj` is a patched object."""
        if mode == "Ignore":
            # only a body from outside can carry unknown fields (`raw` is set for JSON and YAML;
            # protobuf has no room for them, in-process callers build on stored objects)
            if raw is not None and unknown_fields(obj, info.api_version, info.kind):
                drop_unknown_fields(obj, info.api_version, info.kind)
            return []
        unknown = unknown_fields(obj, info.api_version, info.kind)
        problems = [f'unknown field "{p}"' for p in unknown]
        if raw is not None and raw[:1] == b"{":
            problems += [f'duplicate field "{p}"' for p in duplicate_fields(raw)]
        if problems and mode == "Strict":
            message = "strict decoding error: " + ", ".join(problems)
            if patch is None:
                raise errors.bad_request(
                    f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: {message}')
            patch_type, body = patch
            # upstream shows the patch as Go prints a map (strategic) or the patched object (JSON, merge)
            shown = _go_format(body) if patch_type == STRATEGIC_MERGE_PATCH else _dumps(obj).decode()
            cause = errors.invalid("patch", shown, message)
            raise errors.ApiError(422, "Invalid", f' "" is invalid: {cause.message()}', {"causes": [cause.cause()]})
        if unknown:
            drop_unknown_fields(obj, info.api_version, info.kind)
        return problems

    def _validate(self, info: ResourceInfo, obj: Obj, old: Obj | None, *, status: bool = False) -> None:
        strategy = self._strategy(info)
        errs = strategy.validate_status(obj, old) if status and old is not None else strategy.validate(obj, old)
        if errs:
            raise errors.invalid_object(info.kind, info.group, meta.name_of(obj), errs)

    # ---------------------------------------------------------------- reads
    async def get_raw(self, info: ResourceInfo, namespace: str | None, name: str) -> bytes:
        return (await self._get_entry(info, namespace, name)).value

    async def get(self, info: ResourceInfo, namespace: str | None, name: str) -> Obj:
        return _loads(await self.get_raw(info, namespace, name))

    async def get_scale(self, info: ResourceInfo, namespace: str | None, name: str) -> Obj:
        return to_scale(await self.get(info, namespace, name))

    def _predicate(self, info: ResourceInfo, label_selector: str | None, field_selector: str | None):
        label_match = selectors.parse_label_selector(label_selector) if label_selector else None
        field_match = None
        if field_selector:
            known = set(self._strategy(info).field_values({"metadata": {}}))
            field_match = selectors.parse_field_selector(field_selector, supported=known)
        if label_match is None and field_match is None:
            return None

        def predicate(attrs: dict[str, Any]) -> bool:
            if label_match is not None and not label_match.matches(attrs.get("labels") or {}):
                return False
            return field_match is None or field_match.matches(attrs.get("fields") or {})

        return predicate

    async def list(
        self,
        info: ResourceInfo,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> ListResult:
        predicate = self._predicate(info, label_selector, field_selector)
        start_after = None
        if continue_token:
            try:
                token = _loads(base64.urlsafe_b64decode(continue_token.encode()))
                start_after = token["start"]
            except Exception:
                raise errors.bad_request("continue key is not valid: illegal base64 data")
        if limit is not None and limit <= 0:
            limit = None
        prefix = resource_key(info, namespace)
        list_rev, entries, more = await self.store.list(prefix, start_after=start_after, limit=limit, predicate=predicate)
        token = ""
        if more and entries:
            token = base64.urlsafe_b64encode(_dumps({"rv": list_rev, "start": entries[-1].key})).decode()
        return ListResult(info, str(list_rev), [e.value for e in entries], token)

    async def watch(
        self,
        info: ResourceInfo,
        namespace: str | None,
        *,
        resource_version: str | None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        send_initial_events: bool | None = None,
        allow_bookmarks: bool = False,
        resource_version_match: str | None = None,
        batched: bool = False,
    ) -> AsyncIterator[Any]:
        """A stream of `WatchOut`, or with `batched` of lists of them: every event that one
        wake-up of the watcher found, so that the HTTP front end writes them in one chunk (one
        TLS record and one syscall per batch instead of per event, for each watcher)."""
        predicate = self._predicate(info, label_selector, field_selector)
        prefix = resource_key(info, namespace)
        if send_initial_events is not None:
            if resource_version_match != "NotOlderThan":
                raise errors.unprocessable(
                    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
            if send_initial_events and not allow_bookmarks:
                raise errors.unprocessable(
                    'ListOptions.meta.k8s.io "" is invalid: allowWatchBookmarks: Forbidden: '
                    "sendInitialEvents requires setting allowWatchBookmarks to true")
        initial: list[bytes] = []
        rv_text = resource_version or ""
        if send_initial_events or (send_initial_events is None and rv_text in ("", "0")):
            list_rev, entries, _ = await self.store.list(prefix, predicate=predicate)
            initial = [e.value for e in entries]
            after = list_rev
        else:
            try:
                after = int(rv_text) if rv_text else self.store.current_revision()
            except ValueError:
                raise errors.bad_request(f'invalid resource version "{rv_text}"')
        try:
            watcher = self.store.watch(prefix, after_rev=after, predicate=predicate)
        except TooOld as exc:
            raise errors.gone(f"too old resource version: {after} ({exc.oldest})")
        return self._watch_stream(info, watcher, initial, after, bool(send_initial_events), allow_bookmarks,
                                  batched)

    async def _watch_stream(self, info, watcher, initial, after, initial_end_bookmark, allow_bookmarks,
                            batched=False):
        try:
            if batched:
                for i in range(0, len(initial), WATCH_BATCH):
                    yield [WatchOut("ADDED", raw) for raw in initial[i:i + WATCH_BATCH]]
            else:
                for raw in initial:
                    yield WatchOut("ADDED", raw)
            if initial_end_bookmark:
                mark = WatchOut("BOOKMARK", self._bookmark(info, after, initial_end=True))
                yield [mark] if batched else mark
            while True:
                try:
                    if allow_bookmarks:
                        async with asyncio.timeout(BOOKMARK_INTERVAL):
                            batch = await watcher.next_batch()
                    else:  # no timer to arm and cancel on every wake-up
                        batch = await watcher.next_batch()
                except TimeoutError:
                    mark = WatchOut("BOOKMARK", self._bookmark(info, watcher.progress))
                    yield [mark] if batched else mark
                    continue
                if not batch:
                    return
                outs = []
                for event in batch:
                    value = event.value
                    if event.value_rev != event.rev:  # re-stamped like upstream's watch cache does
                        obj = _loads(value)
                        obj["metadata"]["resourceVersion"] = str(event.rev)
                        value = _dumps(obj)
                    outs.append(WatchOut(event.type, value))
                if batched:
                    yield outs
                else:
                    for out in outs:
                        yield out
        except WatchClosed:
            return  # too slow, or the store is closing: the client re-watches from its last resourceVersion
        finally:
            watcher.close()

    @staticmethod
    def _bookmark(info: ResourceInfo, rev: int, *, initial_end: bool = False) -> bytes:
        md: dict[str, Any] = {"resourceVersion": str(rev)}
        if initial_end:
            md["annotations"] = {"k8s.io/initial-events-end": "true"}
        return _dumps({"kind": info.kind, "apiVersion": info.api_version, "metadata": md})

    # ---------------------------------------------------------------- create
    async def create(
        self,
        info: ResourceInfo,
        namespace: str | None,
        obj: Any,
        *,
        dry_run: bool = False,
        field_validation: str = "Strict",
        raw: bytes | None = None,
    ) -> Result:
        self._check_type(info, obj)
        md = obj["metadata"]
        if info.namespaced:
            body_ns = md.get("namespace")
            if body_ns and namespace and body_ns != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request")
            namespace = namespace or body_ns
            md["namespace"] = namespace
        else:
            md.pop("namespace", None)
        warnings = self._field_validation(info, obj, field_validation, raw)
        await self._check_namespace(info, namespace, creating=True)
        if md.get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        for server_owned in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                             "selfLink", "generation", "managedFields"):
            md.pop(server_owned, None)
        _omit_empty(md)
        strategy = self._strategy(info)
        strategy.default(obj)
        strategy.prepare_create(obj)
        await self._admit_create(info, obj)
        generate = not md.get("name") and md.get("generateName")
        if generate:
            md["name"] = _generated_name(md["generateName"])
        self._validate(info, obj, None)
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = self._now()
        if info.has_generation:
            md["generation"] = 1
        if dry_run:
            return Result(obj, _dumps(obj), warnings, 201)
        for attempt in range(GENERATE_NAME_ATTEMPTS):
            try:
                entry = await self.store.create(resource_key(info, namespace, md["name"]), self._encoder(obj),
                                                self._attrs(info, obj))
                break
            except KeyExists:
                if not generate or attempt == GENERATE_NAME_ATTEMPTS - 1:
                    raise errors.already_exists(info.plural, info.group, md["name"])
                md["name"] = _generated_name(md["generateName"])
        await self._after_create(info, obj)
        return Result(obj, entry.value, warnings, 201)

    async def _admit_create(self, info: ResourceInfo, obj: Obj) -> None:
        """Admission-like steps upstream runs in its registries (service IPs)."""
        if info.group_resource == "services":
            spec = obj.setdefault("spec", {})
            if spec.get("type") != "ExternalName" and not spec.get("clusterIP"):
                ip = await self._allocate_cluster_ip()
                spec["clusterIP"] = ip
                spec["clusterIPs"] = [ip]
            elif spec.get("clusterIP") and not spec.get("clusterIPs"):
                spec["clusterIPs"] = [spec["clusterIP"]]

    async def _allocate_cluster_ip(self) -> str:
        _, entries, _ = await self.store.list("/services/")
        used = {_loads(e.value).get("spec", {}).get("clusterIP") for e in entries}
        for host in SERVICE_CIDR.hosts():
            text = str(host)
            if text not in used:
                return text
        raise errors.internal("the service cluster IP range is full")

    async def _after_create(self, info: ResourceInfo, obj: Obj) -> None:
        if info.group_resource == "namespaces":
            await self._populate_namespace(obj["metadata"]["name"])

    async def _populate_namespace(self, namespace: str) -> None:
        """What the service-account and root-CA publishers add to every new namespace."""
        sa_info = registry.by_group_resource("serviceaccounts")
        if await self.store.get(resource_key(sa_info, namespace, "default")) is None:
            try:
                await self.create(sa_info, namespace, {"metadata": {"name": "default"}}, field_validation="Ignore")
            except errors.ApiError as exc:
                if exc.code != 409:
                    raise

    # ---------------------------------------------------------------- update
    async def update(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        obj: Any,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        field_validation: str = "Strict",
        raw: bytes | None = None,
    ) -> Result:
        if subresource == "scale":
            return await self._update_scale(info, namespace, name, obj, dry_run=dry_run)
        if subresource == "finalize":
            return await self._finalize_namespace(name, obj, dry_run=dry_run)
        self._check_type(info, obj)
        md = obj["metadata"]
        if md.get("name") and md["name"] != name:
            raise errors.bad_request(f"the name of the object ({md['name']}) does not match the name on the URL ({name})")
        md["name"] = name
        if info.namespaced:
            if md.get("namespace") and md["namespace"] != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request")
            md["namespace"] = namespace
        warnings = self._field_validation(info, obj, field_validation, raw)
        # Every attempt starts from the body as sent: an attempt fills in server-owned fields.
        sent = _dumps(obj)
        attempts = 0

        async def attempt() -> Result:
            nonlocal attempts
            attempts += 1
            return await self._update_once(info, namespace, name, obj if attempts == 1 else _loads(sent),
                                           subresource=subresource, dry_run=dry_run)

        result = await self._guaranteed(info, name, attempt)
        result.warnings = warnings
        return result

    async def _update_once(self, info: ResourceInfo, namespace: str | None, name: str, obj: Obj, *,
                           subresource: str | None, dry_run: bool) -> Result:
        md = obj["metadata"]
        entry = await self.store.get(resource_key(info, namespace, name))
        if entry is None:
            if info.group_resource in CREATE_ON_UPDATE and subresource is None:
                md.pop("resourceVersion", None)
                return await self.create(info, namespace, obj, dry_run=dry_run, field_validation="Ignore")
            raise errors.not_found(info.plural, info.group, name)
        rv = md.get("resourceVersion")
        if rv and rv != str(entry.rev):
            raise errors.conflict(info.plural, info.group, name)
        old = _loads(entry.value)
        uid = md.get("uid")
        if uid and uid != old["metadata"]["uid"]:
            raise errors.conflict(info.plural, info.group, name,
                                  f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
                                  f"{old['metadata']['uid']}")
        return await self._store_update(info, namespace, obj, old, entry.rev, subresource=subresource,
                                        dry_run=dry_run)

    async def _store_update(self, info, namespace, obj, old, old_rev, *, subresource=None, dry_run=False) -> Result:
        """Shared tail of update and patch: carry server-owned metadata, prepare, validate, CAS."""
        md = obj["metadata"]
        old_md = old["metadata"]
        for carried in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                        "generation", "generateName"):
            if carried in old_md:
                md[carried] = old_md[carried]
            else:
                md.pop(carried, None)
        md.pop("managedFields", None)
        md.pop("selfLink", None)
        _omit_empty(md)
        strategy = self._strategy(info)
        if subresource == "status":
            strategy.prepare_status_update(obj, old)
            self._validate(info, obj, old, status=True)
        elif subresource == "finalize":
            pass
        else:
            strategy.default(obj)
            strategy.prepare_update(obj, old)
            self._validate(info, obj, old)
            if info.has_generation and strategy.generation_changed(obj, old):
                md["generation"] = int(old_md.get("generation", 1)) + 1
        md["resourceVersion"] = str(old_rev)
        if obj == old:
            return Result(old, _dumps(old))  # no-op update: no new revision, as upstream
        key = resource_key(info, namespace, md["name"])
        if md.get("deletionTimestamp") and not md.get("finalizers") and self._finished_deleting(info, obj):
            if dry_run:
                return Result(obj, _dumps(obj))
            try:
                entry = await self.store.delete(key, expected_rev=old_rev, encode=self._encoder(obj))
            except Conflict as exc:
                raise errors.conflict(info.plural, info.group, md["name"]) from exc
            except NotFound:
                raise errors.not_found(info.plural, info.group, md["name"])
            return Result(obj, entry.value)
        if dry_run:
            return Result(obj, _dumps(obj))
        try:
            entry = await self.store.update(key, self._encoder(obj), self._attrs(info, obj), expected_rev=old_rev)
        except Conflict as exc:
            raise errors.conflict(info.plural, info.group, md["name"]) from exc
        except NotFound:
            raise errors.not_found(info.plural, info.group, md["name"])
        return Result(obj, entry.value)

    @staticmethod
    def _finished_deleting(info: ResourceInfo, obj: Obj) -> bool:
        """Pods leave only once their grace period is over (the kubelet deletes with grace 0);
        namespaces once the namespace controller has emptied them and dropped `spec.finalizers`."""
        if info.group_resource == "pods":
            return obj["metadata"].get("deletionGracePeriodSeconds", 0) == 0
        if info.group_resource == "namespaces":
            return not obj.get("spec", {}).get("finalizers")
        return True

    async def _finalize_namespace(self, name: str, body: Any, *, dry_run: bool = False) -> Result:
        """PUT namespaces/<name>/finalize: only spec.finalizers changes."""
        info = registry.by_group_resource("namespaces")
        self._check_type(info, body)

        async def attempt() -> Result:
            entry = await self._get_entry(info, None, name)
            old = _loads(entry.value)
            obj = copy.deepcopy(old)
            finalizers = (body.get("spec") or {}).get("finalizers") or []
            obj.setdefault("spec", {})["finalizers"] = finalizers
            if not finalizers:
                del obj["spec"]["finalizers"]
            return await self._store_update(info, None, obj, old, entry.rev, subresource="finalize", dry_run=dry_run)

        return await self._guaranteed(info, name, attempt)

    async def _update_scale(self, info, namespace, name, scale, *, dry_run=False) -> Result:
        self._check_type(info, scale, scale=True)

        async def attempt() -> Result:
            entry = await self._get_entry(info, namespace, name)
            rv = scale["metadata"].get("resourceVersion")
            if rv and rv != str(entry.rev):
                raise errors.conflict(info.plural, info.group, name)
            replicas = scale.get("spec", {}).get("replicas")
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise errors.invalid_object("Scale", "autoscaling", name, [
                    errors.invalid("spec.replicas", replicas, "must be greater than or equal to 0")])
            old = _loads(entry.value)
            obj = apply_scale(copy.deepcopy(old), scale)
            return await self._store_update(info, namespace, obj, old, entry.rev, dry_run=dry_run)

        result = await self._guaranteed(info, name, attempt)
        return Result(to_scale(result.obj), _dumps(to_scale(result.obj)))

    # ---------------------------------------------------------------- patch
    async def patch(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        patch: Any,
        *,
        patch_type: str,
        subresource: str | None = None,
        dry_run: bool = False,
        field_validation: str = "Strict",
        raw: bytes | None = None,
    ) -> Result:
        if patch_type == APPLY_PATCH:
            raise errors.ApiError(
                415, "UnsupportedMediaType",
                "server-side apply is not supported by kroll yet: use client-side `kubectl apply` "
                "(without --server-side)")
        if patch_type not in (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH):
            raise errors.unsupported_media_type(patch_type)
        for _attempt in range(CONFLICT_RETRIES):  # GuaranteedUpdate: re-read and re-apply on a write race
            entry = await self._get_entry(info, namespace, name)
            old = _loads(entry.value)
            current = to_scale(old) if subresource == "scale" else old
            patched = self._apply_patch(info, current, patch, patch_type, scale=subresource == "scale")
            if not isinstance(patched, dict):
                raise errors.bad_request("the patched object is not a JSON object")
            pmd = patched.get("metadata")
            if not isinstance(pmd, dict):
                raise errors.bad_request("metadata must be an object")
            # identity in a patch acts as a precondition
            if pmd.get("uid", current["metadata"].get("uid")) != current["metadata"].get("uid"):
                raise errors.conflict(info.plural, info.group, name,
                                      f"Precondition failed: UID in precondition: {pmd.get('uid')}, "
                                      f"UID in object meta: {current['metadata'].get('uid')}")
            if pmd.get("resourceVersion") and pmd["resourceVersion"] != str(entry.rev):
                raise errors.conflict(info.plural, info.group, name)
            if pmd.get("name", name) != name:
                raise errors.bad_request(
                    f"the name of the object ({pmd.get('name')}) does not match the name on the URL ({name})")
            if subresource == "scale":
                self._check_type(info, patched, scale=True)
                replicas = patched.get("spec", {}).get("replicas")
                if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                    raise errors.invalid_object("Scale", "autoscaling", name, [
                        errors.invalid("spec.replicas", replicas, "must be greater than or equal to 0")])
                obj = apply_scale(copy.deepcopy(old), patched)
                warnings: list[str] = []
            else:
                self._check_type(info, patched)
                warnings = self._field_validation(info, patched, field_validation, raw,
                                                         patch=(patch_type, patch))
                obj = patched
            obj["metadata"]["name"] = name
            if info.namespaced:
                obj["metadata"]["namespace"] = namespace
            try:
                result = await self._store_update(info, namespace, obj, old, entry.rev,
                                                  subresource=None if subresource == "scale" else subresource,
                                                  dry_run=dry_run)
            except errors.ApiError as exc:
                # lost a write race: retry on the winner's object (a resourceVersion in the patch
                # then fails the check above, as it should)
                if await self._await_winner(exc):
                    continue
                raise
            if subresource == "scale":
                scale = to_scale(result.obj)
                return Result(scale, _dumps(scale))
            result.warnings = warnings
            return result
        raise errors.conflict(info.plural, info.group, name)

    @staticmethod
    def _apply_patch(info: ResourceInfo, current: Obj, patch: Any, patch_type: str, *, scale: bool) -> Any:
        if patch_type == JSON_PATCH:
            return apply_json_patch(current, patch)
        if patch_type == MERGE_PATCH:
            return apply_merge_patch(current, patch)
        if not isinstance(patch, dict):
            raise errors.bad_request("the patch must be a JSON object")
        if scale:
            return strategic_merge_patch(current, patch, api_version="autoscaling/v1", kind="Scale")
        return strategic_merge_patch(current, patch, api_version=info.api_version, kind=info.kind)

    # ---------------------------------------------------------------- delete
    async def delete(self, info: ResourceInfo, namespace: str | None, name: str, options: DeleteOptions) -> Result:
        return await self._guaranteed(info, name, lambda: self._delete_once(info, namespace, name, options))

    async def _delete_once(self, info: ResourceInfo, namespace: str | None, name: str,
                           options: DeleteOptions) -> Result:
        entry = await self._get_entry(info, namespace, name)
        obj = _loads(entry.value)
        md = obj["metadata"]
        pre = options.preconditions or {}
        if pre.get("uid") and pre["uid"] != md.get("uid"):
            raise errors.conflict(info.plural, info.group, name,
                                  f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: "
                                  f"{md.get('uid')}")
        if pre.get("resourceVersion") and pre["resourceVersion"] != str(entry.rev):
            raise errors.conflict(info.plural, info.group, name,
                                  f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, "
                                  f"ResourceVersion in object meta: {entry.rev}")
        key = resource_key(info, namespace, name)
        if options.dry_run:
            return Result(obj, entry.value)
        if info.group_resource == "namespaces":
            return await self._delete_namespace(info, obj, entry.rev)
        policy = options.propagation_policy
        if policy is None and options.orphan_dependents is not None:
            policy = "Orphan" if options.orphan_dependents else "Background"
        finalizers = list(md.get("finalizers") or [])
        if policy == "Orphan":
            finalizers = [f for f in finalizers if f != FINALIZER_FOREGROUND]
            if FINALIZER_ORPHAN not in finalizers:
                finalizers.append(FINALIZER_ORPHAN)
        elif policy == "Foreground":
            finalizers = [f for f in finalizers if f != FINALIZER_ORPHAN]
            if FINALIZER_FOREGROUND not in finalizers:
                finalizers.append(FINALIZER_FOREGROUND)
        elif policy == "Background":
            finalizers = [f for f in finalizers if f not in (FINALIZER_ORPHAN, FINALIZER_FOREGROUND)]
        grace = self._grace_period(info, obj, options)
        marked_before = bool(md.get("deletionTimestamp"))
        if grace > 0 or finalizers:
            # graceful (pods) or finalizers pending: mark for deletion and keep the object
            now = self.clock()
            current_grace = md.get("deletionGracePeriodSeconds")
            if md.get("deletionTimestamp") and current_grace is not None and current_grace <= grace \
                    and finalizers == list(md.get("finalizers") or []):
                return Result(obj, entry.value)
            if grace > 0 or not md.get("deletionTimestamp"):
                md["deletionTimestamp"] = meta.format_time(now + dt.timedelta(seconds=grace))
            md["deletionGracePeriodSeconds"] = grace
            if finalizers:
                md["finalizers"] = finalizers
            else:
                md.pop("finalizers", None)
            if info.has_generation and not marked_before:
                # upstream's BeforeDelete bumps generation when it first sets deletionTimestamp
                md["generation"] = int(md.get("generation", 1)) + 1
            try:
                new = await self.store.update(key, self._encoder(obj), self._attrs(info, obj), expected_rev=entry.rev)
            except Conflict as exc:
                raise errors.conflict(info.plural, info.group, name) from exc
            return Result(obj, new.value)
        try:
            gone = await self.store.delete(key, expected_rev=entry.rev, encode=self._encoder(obj))
        except Conflict as exc:
            raise errors.conflict(info.plural, info.group, name) from exc
        except NotFound:
            raise errors.not_found(info.plural, info.group, name)
        return Result(obj, gone.value, deleted=True)

    @staticmethod
    def _grace_period(info: ResourceInfo, obj: Obj, options: DeleteOptions) -> int:
        if info.group_resource != "pods":
            return 0
        spec = obj.get("spec", {})
        if not spec.get("nodeName") or obj.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            return 0  # never started: nothing to stop
        if options.grace_period_seconds is not None:
            return max(0, options.grace_period_seconds)
        return int(spec.get("terminationGracePeriodSeconds", 30))

    async def _delete_namespace(self, info: ResourceInfo, obj: Obj, rev: int) -> Result:
        md = obj["metadata"]
        if md.get("deletionTimestamp"):
            return Result(obj, _dumps(obj))
        key = resource_key(info, None, md["name"])
        try:
            if not obj.get("spec", {}).get("finalizers") and not md.get("finalizers"):
                gone = await self.store.delete(key, expected_rev=rev, encode=self._encoder(obj))
                return Result(obj, gone.value, deleted=True)
            md["deletionTimestamp"] = self._now()
            md["deletionGracePeriodSeconds"] = 0
            obj.setdefault("status", {})["phase"] = "Terminating"
            new = await self.store.update(key, self._encoder(obj), self._attrs(info, obj), expected_rev=rev)
        except Conflict as exc:
            raise errors.conflict(info.plural, info.group, md["name"]) from exc
        except NotFound:
            raise errors.not_found(info.plural, info.group, md["name"])
        return Result(obj, new.value)

    async def delete_collection(
        self,
        info: ResourceInfo,
        namespace: str | None,
        options: DeleteOptions,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> ListResult:
        listed = await self.list(info, namespace, label_selector=label_selector, field_selector=field_selector)
        deleted: list[bytes] = []
        for raw in listed.items:
            obj = _loads(raw)
            try:
                result = await self.delete(info, obj["metadata"].get("namespace"), obj["metadata"]["name"], options)
            except errors.ApiError as exc:
                if exc.code == 404:
                    continue
                raise
            deleted.append(result.raw)
        return ListResult(info, str(self.store.current_revision()), deleted)

    # ---------------------------------------------------------------- pod subresources
    async def bind(self, namespace: str, name: str, binding: Any, *, dry_run: bool = False) -> Result:
        if not isinstance(binding, dict) or not isinstance(binding.get("target"), dict):
            raise errors.bad_request("a Binding with a target is required")
        target = binding["target"].get("name")
        if not target:
            raise errors.invalid_object("Binding", "", name, [errors.required("target.name")])
        info = registry.by_group_resource("pods")
        return await self._guaranteed(info, name, lambda: self._bind_once(info, namespace, name, target,
                                                                          dry_run=dry_run))

    async def _bind_once(self, info: ResourceInfo, namespace: str, name: str, target: str, *,
                         dry_run: bool) -> Result:
        entry = await self._get_entry(info, namespace, name)
        pod = _loads(entry.value)
        if pod["metadata"].get("deletionTimestamp"):
            raise errors.conflict("pods", "", name, "pod is being deleted, cannot be assigned to a host")
        if pod.get("spec", {}).get("nodeName"):
            raise errors.conflict("pods", "", name,
                                  f"pod {name} is already assigned to node \"{pod['spec']['nodeName']}\"")
        old = copy.deepcopy(pod)
        pod["spec"]["nodeName"] = target
        conditions = [c for c in pod.setdefault("status", {}).get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": self._now()})
        pod["status"]["conditions"] = conditions
        if dry_run:
            return Result(pod, _dumps(pod), code=201)
        key = resource_key(info, namespace, name)
        try:
            await self.store.update(key, self._encoder(pod), self._attrs(info, pod), expected_rev=entry.rev)
        except Conflict as exc:
            raise errors.conflict("pods", "", name) from exc
        del old
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
        return Result(status, _dumps(status), code=201)

    async def evict(self, namespace: str, name: str, eviction: Any) -> Result:
        info = registry.by_group_resource("pods")
        options = DeleteOptions.parse((eviction or {}).get("deleteOptions") if isinstance(eviction, dict) else None, {})
        await self.delete(info, namespace, name, options)
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
        return Result(status, _dumps(status), code=201)

    async def pod_log(self, namespace: str, name: str, *, container: str | None, previous: bool = False,
                      tail_lines: int | None = None, timestamps: bool = False) -> bytes:
        pod = await self.get(registry.by_group_resource("pods"), namespace, name)
        containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        if container is None:
            if len(containers) != 1:
                default = pod["metadata"].get("annotations", {}).get("kubectl.kubernetes.io/default-container")
                if default:
                    container = default
                else:
                    raise errors.bad_request(
                        f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]")
            else:
                container = containers[0]
        if container not in containers and container not in [
                c["name"] for c in pod.get("spec", {}).get("initContainers", [])]:
            raise errors.bad_request(f"container {container} is not valid for pod {name}")
        if not pod.get("spec", {}).get("nodeName") or self.log_reader is None:
            raise errors.bad_request(
                f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating')
        return await self.log_reader(namespace, name, container, previous=previous, tail_lines=tail_lines,
                                     timestamps=timestamps)

    # ---------------------------------------------------------------- bootstrap
    async def bootstrap(self) -> None:
        """Objects every cluster has from the start."""
        ns_info = registry.by_group_resource("namespaces")
        for ns in SYSTEM_NAMESPACES:
            if await self.store.get(resource_key(ns_info, None, ns)) is None:
                await self.create(ns_info, None, {"metadata": {"name": ns}}, field_validation="Ignore")
        # A crash between a namespace's commit and its service account's leaves the namespace
        # without one: add what every namespace gets, as upstream's publishers do on resync.
        _, entries, _ = await self.store.list("/namespaces/")
        for entry in entries:
            md = _loads(entry.value)["metadata"]
            if not md.get("deletionTimestamp"):
                await self._populate_namespace(md["name"])
        svc_info = registry.by_group_resource("services")
        if await self.store.get(resource_key(svc_info, "default", "kubernetes")) is None:
            await self.create(svc_info, "default", {
                "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": "10.96.0.1", "ports": [
                    {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
            }, field_validation="Ignore")
