"""`kroll up`: storage, API server, controllers and node agent in one process, one event loop.

Start-up order: claim the data dir (a lock file), bind the port (so that a busy port is a
clean error before anything else happens), open the store, bootstrap the built-in objects,
serve HTTPS, register the nodes, write the kubeconfig, print one line. SIGINT/SIGTERM stop
everything in reverse order; every acknowledged write is already durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import gc
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import uvicorn

LISTEN_HOST = "127.0.0.1"
log = logging.getLogger("kroll")


class UsageProblem(Exception):
    """Bad flags, an unusable data dir or port: reported in one line, exit code 2."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # kroll handles signals itself
        yield

    async def shutdown(self, sockets=None):
        # Close idle keep-alive connections at once, as Go's http.Server.Shutdown does. A plain
        # close of a TLS transport waits for the client's close_notify, which an idle client
        # (a connection pool, a finished watch) never sends: shutdown would stall for
        # timeout_graceful_shutdown and log an error. Connections with a request in flight
        # finish it first (uvicorn answers with `Connection: close`).
        for connection in list(self.server_state.connections):
            cycle = getattr(connection, "cycle", None)
            transport = getattr(connection, "transport", None)
            if transport is not None and (cycle is None or cycle.response_complete):
                transport.abort()
        await super().shutdown(sockets)


def _claim_data_dir(data_dir: Path) -> int:
    try:
        if data_dir.exists() and not data_dir.is_dir():  # mkdir would only say "File exists"
            raise UsageProblem(f"data dir {data_dir} is not a directory")
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not data_dir.is_dir():
            raise UsageProblem(f"data dir {data_dir} is not a directory")
        fd = os.open(data_dir / "kroll.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except UsageProblem:
        raise
    except OSError as exc:
        raise UsageProblem(f"data dir {data_dir} is not usable: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise UsageProblem(f"data dir {data_dir} is in use by another kroll process") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LISTEN_HOST, port))
    except OSError as exc:
        sock.close()
        why = "address already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise UsageProblem(f"cannot listen on {LISTEN_HOST}:{port}: {why}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _store_tuning() -> dict[str, int]:
    """KROLL_WATCH_CACHE_SIZE: events the watch cache keeps (default 10,000), like
    kube-apiserver's --default-watch-cache-size; a watch from an older resourceVersion gets
    410 Expired. Small values let tests reach that window quickly."""
    raw = os.environ.get("KROLL_WATCH_CACHE_SIZE")
    if raw is None:
        return {}
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise UsageProblem(f"KROLL_WATCH_CACHE_SIZE must be a positive integer, not {raw!r}")
    return {"history": size}


# Garbage collection tuned for a server whose heap is mostly long-lived (stored objects,
# informer caches): a young collection every 10,000 net allocations instead of 700, and the
# start-up heap (modules, classes, functions: ~60k objects) frozen once the process is up, so
# that full collections, which stop the event loop, only scan what was created since. Most
# request garbage dies by reference counting, so young collections now come every few
# thousand creates, and a full one (100-150 ms with ~100k live objects, and it used to come
# every few seconds) no longer falls within a 10 s burst of 30k creates: on bench/writes.py
# GC time fell from ~8 % to ~2 % of the server's CPU and write p99 from ~90-140 ms to ~35 ms
# (docs/benchmarks.md).
GC_THRESHOLDS = (10_000, 20, 20)


def _freeze_startup_heap() -> None:
    gc.collect()
    gc.freeze()


def run(*, data_dir: Path, port: int, nodes: int, runtime: str, fast: bool = False) -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    logging.basicConfig(level=os.environ.get("KROLL_LOG_LEVEL", "WARNING"), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    tuning = _store_tuning()
    lock_fd = _claim_data_dir(data_dir)
    sock = _bind(port)
    try:
        import uvloop

        uvloop.run(_serve(data_dir=data_dir, sock=sock, nodes=nodes, runtime=runtime, fast=fast, tuning=tuning))
    finally:
        os.close(lock_fd)


async def _serve(*, data_dir: Path, sock: socket.socket, nodes: int, runtime: str, fast: bool,
                 tuning: dict[str, int] | None = None) -> None:
    from kroll.agent.agent import NodeAgent
    from kroll.agent.clock import RealClock
    from kroll.agent.runtimes.simulated import SimulatedRuntime
    from kroll.controllers.manager import ControllerManager
    from kroll.server.apiserver import ApiServer
    from kroll.server.http import KubeApp
    from kroll.server.local import LocalClient
    from kroll.server.tls import ensure_credentials, write_kubeconfig
    from kroll.storage import open_store

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    creds = ensure_credentials(data_dir / "pki")
    store = await open_store(data_dir, fast=fast, **(tuning or {}))
    api = ApiServer(store)
    await api.bootstrap()
    app = KubeApp(api, token=creds.token)
    config = uvicorn.Config(app, ssl_certfile=str(creds.server_cert), ssl_keyfile=str(creds.server_key),
                            http="httptools", loop="none", lifespan="off", log_level="warning",
                            access_log=False, timeout_graceful_shutdown=2, timeout_keep_alive=30,
                            backlog=2048)
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if serving.done():
            serving.result()
            return
        await asyncio.sleep(0.005)

    client = LocalClient(api, share_watch_objects=True)  # informers and the agent only read watch objects
    clock = RealClock()
    agent = NodeAgent(client, [f"kroll-node-{i}" for i in range(1, nodes + 1)], SimulatedRuntime(clock), clock)
    api.log_reader = agent.read_logs
    agent_task = asyncio.create_task(agent.run())
    registered = asyncio.create_task(agent.registered.wait())
    await asyncio.wait({agent_task, registered}, return_when=asyncio.FIRST_COMPLETED)
    if agent_task.done():
        agent_task.result()  # the agent crashed while registering: surface why
    manager = ControllerManager(client)
    manager_task = asyncio.create_task(manager.run())

    actual_port = sock.getsockname()[1]
    kubeconfig = data_dir / "kubeconfig"
    write_kubeconfig(kubeconfig, server=f"https://{LISTEN_HOST}:{actual_port}", creds=creds)
    print(f"kroll is up at https://{LISTEN_HOST}:{actual_port} with {nodes} node(s); "
          f"kubeconfig: {kubeconfig}; try: kubectl --kubeconfig {kubeconfig} get nodes", flush=True)
    _freeze_startup_heap()

    await stop.wait()
    app.ready = False
    await agent.stop()
    await manager.stop()
    for task in (agent_task, manager_task):
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    app.close_watches()
    server.should_exit = True
    with contextlib.suppress(BaseException):
        await serving
    await store.close()
