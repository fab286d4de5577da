"""The HTTPS front end: a raw ASGI application served by uvicorn.

No web framework: the API surface is a fixed URL grammar (kube-apiserver's), and the hot
paths (GET of one object, LIST, watch) need little more than a split path and a dict
lookup. Routing turns a URL into (resource, namespace, name, subresource, verb); the
handlers call `ApiServer` and write its bytes.

URL grammar (core group under /api/v1, named groups under /apis/<group>/<version>):
  <prefix>/<plural>[/<name>[/<subresource>]]                         cluster scope / all namespaces
  <prefix>/namespaces/<ns>/<plural>[/<name>[/<subresource>]]         namespaced
  <prefix>/watch/...                                                 legacy watch form
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import orjson
import yaml

from kroll.api import errors, meta, printers, registry
from kroll.api.registry import ResourceInfo
from kroll.api.types import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from kroll.server import discovery, metrics, openapi
from kroll.server.apiserver import ApiServer, DeleteOptions

MAX_BODY_BYTES = 3 * 1024 * 1024  # kube-apiserver's request body limit
DEFAULT_WATCH_TIMEOUT = 1800
JSON = b"application/json"
PUBLIC_PATHS = {"/healthz", "/livez", "/readyz", "/version"}
PATCH_TYPES = {JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, "application/apply-patch+yaml",
               "application/apply-patch+cbor"}
# upstream registries with ReturnDeletedObject: a DELETE answers with the object, not a Status
RETURNS_DELETED_OBJECT = {"pods", "services", "serviceaccounts", "namespaces"}
HEALTH_CHECKS = ("ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer")


class _YamlLoader(yaml.CSafeLoader):
    """YAML as kubectl reads it, except that timestamps stay strings."""


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _YamlLoader.construct_yaml_str)


class Request:
    __slots__ = ("body", "headers", "method", "path", "query", "scope")

    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        raw_query = scope.get("query_string", b"")
        self.query: dict[str, str] = (
            {k: v[-1] for k, v in parse_qs(raw_query.decode("latin-1"), keep_blank_values=True).items()}
            if raw_query else {})
        self.headers: dict[bytes, bytes] = {}
        for k, v in scope.get("headers", ()):
            self.headers[k] = v
        self.body = b""

    def header(self, name: bytes) -> str:
        return self.headers.get(name, b"").decode("latin-1")

    def content_type(self) -> str:
        return self.header(b"content-type").split(";", 1)[0].strip().lower()


def _deleted_status(info: ResourceInfo, obj: dict[str, Any]) -> bytes:
    """What a DELETE that removed the object at once answers, for the resources whose upstream
    registry does not return the deleted object: a Success Status naming it (kind = resource)."""
    md = obj.get("metadata", {})
    details: dict[str, Any] = {"name": md.get("name", "")}
    if info.group:
        details["group"] = info.group
    details["kind"] = info.plural
    details["uid"] = md.get("uid", "")
    return orjson.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                         "details": details})


def _no_such_path() -> errors.ApiError:
    """kube-apiserver's answer to a path it does not serve (its details are present but empty)."""
    return errors.ApiError(404, "NotFound", "the server could not find the requested resource", {})


def _status_bytes(exc: errors.ApiError) -> bytes:
    return orjson.dumps(exc.status())


def _parse_body(req: Request, *, allow_patch: bool = False) -> tuple[Any, bytes | None, str]:
    """Decode a request body by Content-Type. Returns (value, raw JSON/YAML bytes or None, content type)."""
    ctype = req.content_type() or "application/json"
    body = req.body
    if allow_patch and ctype in PATCH_TYPES:
        if ctype.startswith("application/apply-patch"):
            return None, None, ctype
        return _json_or_yaml(body), body, ctype
    if ctype == "application/json":
        return _json_or_yaml(body, yaml_ok=False), body, ctype
    if ctype in ("application/yaml", "application/x-yaml", "text/yaml"):
        return _yaml(body), body, ctype
    if ctype == "application/vnd.kubernetes.protobuf":
        from kroll.api import protobuf  # imported lazily: only kubectl's typed commands send it

        return _drop_nulls(protobuf.decode(body)), None, ctype
    raise errors.unsupported_media_type(ctype)


def _drop_nulls(value: Any) -> Any:
    """Go's encoder writes nil slices and zero times as null; once stored they would read as absent."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _json_or_yaml(body: bytes, *, yaml_ok: bool = True) -> Any:
    if not body.strip():
        raise errors.bad_request("the request body is empty")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if yaml_ok and body.lstrip()[:1] not in (b"{", b"["):
            return _yaml(body)
        raise errors.bad_request(f"the request body is not valid JSON: {exc}")


def _yaml(body: bytes) -> Any:
    try:
        docs = list(yaml.load_all(body, Loader=_YamlLoader))
    except yaml.YAMLError as exc:
        raise errors.bad_request(f"the request body is not valid YAML: {exc}")
    docs = [d for d in docs if d is not None]
    if len(docs) != 1:
        raise errors.bad_request("the request body must hold exactly one YAML document")
    try:
        orjson.dumps(docs[0])  # refuses integers beyond 64 bits and non-string keys
    except TypeError as exc:
        raise errors.bad_request(f"the request body cannot be represented as JSON: {exc}")
    return docs[0]


def _wants_table(req: Request) -> bool:
    accept = req.header(b"accept")
    return "as=Table" in accept and "g=meta.k8s.io" in accept


def _invalid_options(options: str, err: errors.FieldError) -> errors.ApiError:
    """A bad query parameter of a write: 422 on `CreateOptions.meta.k8s.io` & co., as upstream."""
    return errors.invalid_object(options, "meta.k8s.io", "", [err])


def _field_validation(req: Request, options: str = "CreateOptions") -> str:
    value = req.query.get("fieldValidation", "")
    if value in ("", "Ignore", "Warn", "Strict"):
        return value or "Warn"
    raise _invalid_options(options, errors.not_supported("fieldValidation", value, ("", "Ignore", "Strict", "Warn")))


def _dry_run(req: Request, options: str = "CreateOptions") -> bool:
    value = req.query.get("dryRun")
    if value is None:
        return False
    if value != "All":
        shown = errors.GoRepr("[]string{" + orjson.dumps(value).decode() + "}")
        raise _invalid_options(options, errors.not_supported("dryRun", shown, ("All",)))
    return True


def _int_param(req: Request, name: str) -> int | None:
    value = req.query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.bad_request(f'invalid value for {name}: "{value}"')


_EVENT_LINES: dict[int, tuple[str, bytes, bytes]] = {}  # id(raw) -> (type, raw, line)
_EVENT_LINES_MAX = 1024


def _event_line(event_type: str, raw: bytes) -> bytes:
    """`{"type":...,"object":...}` + newline for a watch stream, built once per event for all
    watchers: they are handed the same `raw` bytes object from the watch cache, so its
    identity is the key (the entry holds `raw`, so that its id cannot be reused meanwhile).
    With 100 watchers this saves 99 of 100 copies of every event (~4 copies of the object each)."""
    hit = _EVENT_LINES.get(id(raw))
    if hit is not None and hit[1] is raw and hit[0] == event_type:
        return hit[2]
    line = b'{"type":"' + event_type.encode() + b'","object":' + raw + b"}\n"
    if len(_EVENT_LINES) >= _EVENT_LINES_MAX:
        _EVENT_LINES.clear()
    _EVENT_LINES[id(raw)] = (event_type, raw, line)
    return line


async def _failed_stream(exc: errors.ApiError):
    raise exc
    yield  # an async generator that fails on its first step


class Route:
    __slots__ = ("info", "name", "namespace", "subresource", "watch")

    def __init__(self, info: ResourceInfo, namespace: str | None, name: str | None, subresource: str | None,
                 watch: bool) -> None:
        self.info = info
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.watch = watch


def route(group: str, version: str, parts: list[str]) -> Route | None:
    """Resolve the part of a path after /api/v1 or /apis/<g>/<v>."""
    watch = False
    if parts and parts[0] == "watch":
        watch = True
        parts = parts[1:]
    if not parts:
        return None
    namespace = None
    if parts[0] == "namespaces" and len(parts) >= 3 and group == "":
        candidate = registry.lookup_url(group, version, parts[2])
        if candidate is not None and candidate.namespaced:
            namespace, parts = parts[1], parts[2:]
        elif parts[2] not in ("status", "finalize"):
            return None
    elif parts[0] == "namespaces" and len(parts) >= 3:
        namespace, parts = parts[1], parts[2:]
    info = registry.lookup_url(group, version, parts[0])
    if info is None or len(parts) > 3:
        return None
    if namespace is not None and not info.namespaced:
        return None
    name = parts[1] if len(parts) > 1 else None
    sub = parts[2] if len(parts) > 2 else None
    if sub is not None and sub not in info.subresources and not (info.plural == "namespaces" and sub == "finalize"):
        return None
    return Route(info, namespace, name, sub, watch)


def _verb(req: Request, r: Route) -> str:
    """The Kubernetes request verb, as kube-apiserver's request info names it."""
    method = req.method
    if method == "GET":
        if r.watch or (r.name is None and req.query.get("watch") in ("true", "1")):
            return "watch"
        return "get" if r.name is not None else "list"
    if method == "DELETE":
        return "delete" if r.name is not None else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


class KubeApp:
    """ASGI application: auth, routing, negotiation and error rendering around `ApiServer`."""

    def __init__(self, api: ApiServer, *, token: str, clock: Callable[[], dt.datetime] = meta.now) -> None:
        self.api = api
        self.token = token.encode()
        self.clock = clock
        self.ready = True
        self._watch_tasks: set[asyncio.Task] = set()

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        req = Request(scope)
        try:
            self._authenticate(req)
            await self._read_body(req, receive)
            await self._dispatch(req, receive, send)
        except errors.ApiError as exc:
            await self._send(send, exc.code, _status_bytes(exc), headers=exc.headers)
        except Exception as exc:  # a bug: answer like kube-apiserver does, keep serving
            import traceback

            traceback.print_exc()
            err = errors.internal(repr(exc))
            await self._send(send, 500, _status_bytes(err))

    def _authenticate(self, req: Request) -> None:
        auth = req.headers.get(b"authorization")
        if auth is None:
            if req.path in PUBLIC_PATHS:
                return
            raise errors.unauthorized()
        scheme, _, token = auth.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(token.strip(), self.token):
            raise errors.unauthorized()

    async def _read_body(self, req: Request, receive: Callable) -> None:
        if req.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        length = req.headers.get(b"content-length")
        if length is not None:
            try:
                if int(length) > MAX_BODY_BYTES:
                    raise errors.too_large(MAX_BODY_BYTES)
            except ValueError:
                raise errors.bad_request("invalid Content-Length")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise errors.too_large(MAX_BODY_BYTES)
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        req.body = b"".join(chunks)

    @staticmethod
    async def _send(send: Callable, code: int, body: bytes, *, content_type: bytes = JSON,
                    headers: dict[str, str] | None = None, warnings: list[str] | None = None) -> None:
        hdrs = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-cache, private")]
        for k, v in (headers or {}).items():
            hdrs.append((k.lower().encode(), v.encode()))
        for w in warnings or ():
            hdrs.append((b"warning", b'299 - "' + w.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'))
        await send({"type": "http.response.start", "status": code, "headers": hdrs})
        await send({"type": "http.response.body", "body": body})

    # ------------------------------------------------------------------ dispatch
    async def _dispatch(self, req: Request, receive: Callable, send: Callable) -> None:
        path = req.path.rstrip("/") or "/"
        parts = path.strip("/").split("/") if path != "/" else []
        if parts and parts[0] == "api":
            if len(parts) == 1:
                return await self._discovery(req, send, core=True)
            if parts[1] != "v1":
                raise _no_such_path()
            if len(parts) == 2:
                return await self._send(send, 200, discovery.api_resource_list_bytes("", "v1"))
            return await self._resource(req, receive, send, "", "v1", parts[2:])
        if parts and parts[0] == "apis":
            if len(parts) == 1:
                return await self._discovery(req, send, core=False)
            if len(parts) == 2:
                group = discovery.api_group_bytes(parts[1])
                if group is None:
                    raise _no_such_path()
                return await self._send(send, 200, group)
            if (parts[1], parts[2]) not in registry.GROUP_VERSIONS:
                raise _no_such_path()
            if len(parts) == 3:
                return await self._send(send, 200, discovery.api_resource_list_bytes(parts[1], parts[2]))
            return await self._resource(req, receive, send, parts[1], parts[2], parts[3:])
        return await self._non_resource(req, send, path, parts)

    async def _discovery(self, req: Request, send: Callable, *, core: bool) -> None:
        self.api.requests.add("http", "get", "nonresource")
        version = discovery.negotiate_discovery(req.header(b"accept"))
        if version is not None:
            body = discovery.aggregated_discovery_bytes(core, version)
            ctype = discovery.AGGREGATED_CONTENT_TYPES[version].encode()
            return await self._send(send, 200, body, content_type=ctype, headers={"Vary": "Accept"})
        body = discovery.api_versions_bytes() if core else discovery.api_group_list_bytes()
        return await self._send(send, 200, body)

    async def _non_resource(self, req: Request, send: Callable, path: str, parts: list[str]) -> None:
        self.api.requests.add("http", "get", "nonresource")
        if path == "/metrics":
            return await self._send(send, 200, self.api.requests.render(), content_type=metrics.CONTENT_TYPE)
        if path in ("/healthz", "/livez", "/readyz") or (len(parts) == 2 and "/" + parts[0] in
                                                           ("/healthz", "/livez", "/readyz")):
            if path == "/readyz" and not self.ready:
                return await self._send(send, 500, b"[-]ready failed: shutting down\nreadyz check failed",
                                        content_type=b"text/plain; charset=utf-8")
            if "verbose" in req.query:
                lines = [f"[+]{c} ok" for c in HEALTH_CHECKS]
                body = ("\n".join(lines) + f"\n{path.strip('/')} check passed\n").encode()
            else:
                body = b"ok"
            return await self._send(send, 200, body, content_type=b"text/plain; charset=utf-8")
        if path == "/version":
            return await self._send(send, 200, discovery.version_bytes())
        if path == "/openapi/v3":
            return await self._send(send, 200, orjson.dumps(openapi.openapi_index()))
        if len(parts) >= 3 and parts[:2] == ["openapi", "v3"]:
            gv = "/".join(parts[2:])
            doc = None
            if gv == "api/v1":
                doc = openapi.openapi_document("", "v1")
            elif len(parts) == 5 and parts[2] == "apis" and (parts[3], parts[4]) in registry.GROUP_VERSIONS:
                doc = openapi.openapi_document(parts[3], parts[4])
            if doc is not None:
                return await self._send(send, 200, doc, headers={"Cache-Control": "public, immutable"})
        raise _no_such_path()

    async def _resource(self, req: Request, receive: Callable, send: Callable, group: str, version: str,
                        parts: list[str]) -> None:
        r = route(group, version, parts)
        if r is None:
            raise _no_such_path()
        info, ns, name, sub = r.info, r.namespace, r.name, r.subresource
        method = req.method
        api = self.api
        api.requests.add("http", _verb(req, r), info.group_resource, sub)
        if method == "GET":
            if r.watch or (name is None and req.query.get("watch") in ("true", "1")):
                return await self._watch(req, receive, send, r)
            if name is None:
                listed = await api.list(info, ns, label_selector=req.query.get("labelSelector"),
                                  field_selector=req.query.get("fieldSelector"), limit=_int_param(req, "limit"),
                                  continue_token=req.query.get("continue"))
                if _wants_table(req):
                    table = printers.table(info, listed.objects(), now=self.clock(),
                                           resource_version=listed.resource_version,
                                           continue_token=listed.continue_token,
                                           include_object=req.query.get("includeObject", "Metadata"))
                    return await self._send(send, 200, orjson.dumps(table))
                return await self._send(send, 200, listed.body())
            self._require_namespace(info, ns)
            if sub is None or sub == "status":
                if _wants_table(req) and sub is None:
                    obj = await api.get(info, ns, name)
                    table = printers.table(info, [obj], now=self.clock(), list_kind=False,
                                           include_object=req.query.get("includeObject", "Metadata"))
                    return await self._send(send, 200, orjson.dumps(table))
                return await self._send(send, 200, await api.get_raw(info, ns, name))
            if sub == "scale":
                return await self._send(send, 200, orjson.dumps(await api.get_scale(info, ns, name)))
            if sub == "log":
                body = await api.pod_log(ns or "", name, container=req.query.get("container"),
                                         previous=req.query.get("previous") == "true",
                                         tail_lines=_int_param(req, "tailLines"),
                                         timestamps=req.query.get("timestamps") == "true")
                return await self._send(send, 200, body, content_type=b"text/plain")
            raise errors.method_not_supported(info.plural, info.group, "get")
        if method == "POST":
            value, raw, _ctype = _parse_body(req)
            if name is None:
                result = await api.create(info, ns, value, dry_run=_dry_run(req), field_validation=_field_validation(req),
                                          raw=raw)
                return await self._send(send, result.code, result.raw, warnings=result.warnings)
            self._require_namespace(info, ns)
            if sub == "binding":
                result = await api.bind(ns or "", name, value, dry_run=_dry_run(req))
                return await self._send(send, 201, result.raw)
            if sub == "eviction":
                result = await api.evict(ns or "", name, value)
                return await self._send(send, 201, result.raw)
            raise errors.method_not_supported(info.plural, info.group, "create")
        if method == "PUT":
            if name is None:
                raise errors.method_not_supported(info.plural, info.group, "update")
            self._require_namespace(info, ns)
            value, raw, _ctype = _parse_body(req)
            result = await api.update(info, ns, name, value, subresource=sub, dry_run=_dry_run(req, "UpdateOptions"),
                                      field_validation=_field_validation(req, "UpdateOptions"), raw=raw)
            return await self._send(send, result.code, result.raw, warnings=result.warnings)
        if method == "PATCH":
            if name is None:
                raise errors.method_not_supported(info.plural, info.group, "patch")
            self._require_namespace(info, ns)
            value, raw, ctype = _parse_body(req, allow_patch=True)
            if ctype not in PATCH_TYPES:
                raise errors.unsupported_media_type(ctype)
            result = await api.patch(info, ns, name, value, patch_type=ctype, subresource=sub,
                                     dry_run=_dry_run(req, "PatchOptions"),
                                     field_validation=_field_validation(req, "PatchOptions"), raw=raw)
            return await self._send(send, result.code, result.raw, warnings=result.warnings)
        if method == "DELETE":
            body = None
            if req.body.strip():
                body, _raw, _ctype = _parse_body(req)
            options = DeleteOptions.parse(body, req.query)
            if name is None:
                listed = await api.delete_collection(info, ns, options, label_selector=req.query.get("labelSelector"),
                                                     field_selector=req.query.get("fieldSelector"))
                return await self._send(send, 200, listed.body())
            self._require_namespace(info, ns)
            result = await api.delete(info, ns, name, options)
            if result.deleted and info.group_resource not in RETURNS_DELETED_OBJECT:
                return await self._send(send, 200, _deleted_status(info, result.obj))
            return await self._send(send, result.code, result.raw)
        raise errors.ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    @staticmethod
    def _require_namespace(info: ResourceInfo, ns: str | None) -> None:
        if info.namespaced and not ns:
            raise _no_such_path()

    # ------------------------------------------------------------------ watch
    async def _watch(self, req: Request, receive: Callable, send: Callable, r: Route) -> None:
        info = r.info
        field_selector = req.query.get("fieldSelector")
        if r.name is not None:  # legacy /watch/<plural>/<name>
            field_selector = f"metadata.name={r.name}" + (f",{field_selector}" if field_selector else "")
        sie = req.query.get("sendInitialEvents")
        try:
            stream = await self.api.watch(
                info, r.namespace, resource_version=req.query.get("resourceVersion"),
                label_selector=req.query.get("labelSelector"), field_selector=field_selector,
                send_initial_events=None if sie is None else sie == "true",
                allow_bookmarks=req.query.get("allowWatchBookmarks") == "true",
                resource_version_match=req.query.get("resourceVersionMatch"), batched=True)
        except errors.ApiError as exc:
            if exc.code != 410:
                raise
            # upstream's watch cache reports a too-old resourceVersion inside the started watch:
            # 200, then one ERROR event carrying the 410 Expired Status
            stream = _failed_stream(exc)
        timeout = _int_param(req, "timeoutSeconds") or DEFAULT_WATCH_TIMEOUT
        table = _wants_table(req)
        include_object = req.query.get("includeObject", "Metadata")
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", JSON), (b"cache-control", b"no-cache, private"),
            (b"transfer-encoding", b"chunked")]})
        await send({"type": "http.response.body", "body": b"", "more_body": True})

        async def pump() -> None:
            first = True
            async for events in stream:  # one chunk per batch: the events one wake-up found
                lines = []
                for event in events:
                    if table and event.type != "BOOKMARK":
                        obj = orjson.loads(event.raw)
                        tbl = printers.table(info, [obj], now=self.clock(), list_kind=False, no_headers=not first,
                                             include_object=include_object)
                        first = False
                        payload = orjson.dumps(tbl)
                        lines.append(b'{"type":"' + event.type.encode() + b'","object":' + payload + b"}\n")
                    else:
                        lines.append(_event_line(event.type, event.raw))
                await send({"type": "http.response.body", "body": b"".join(lines), "more_body": True})

        async def disconnected() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return

        pump_task = asyncio.ensure_future(pump())
        gone_task = asyncio.ensure_future(disconnected())
        self._watch_tasks.add(pump_task)
        try:
            done, _ = await asyncio.wait({pump_task, gone_task}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            # close_watches() cancels the pump at shutdown: that ends the stream, it is no error
            if pump_task in done and not pump_task.cancelled() and pump_task.exception() is not None:
                exc = pump_task.exception()
                if isinstance(exc, errors.ApiError):
                    status = orjson.dumps(exc.status())
                    with contextlib.suppress(Exception):
                        await send({"type": "http.response.body",
                                    "body": b'{"type":"ERROR","object":' + status + b"}\n", "more_body": True})
        finally:
            self._watch_tasks.discard(pump_task)
            for task in (pump_task, gone_task):
                task.cancel()
            with contextlib.suppress(BaseException):
                await pump_task
            with contextlib.suppress(BaseException):
                await stream.aclose()
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

    def close_watches(self) -> None:
        for task in list(self._watch_tasks):
            task.cancel()
