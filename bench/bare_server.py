"""The comparison endpoint for bench/reads.py: a minimal raw ASGI app on the same HTTP stack.

uvicorn + httptools + uvloop with TLS (the certificate and key `kroll up` serves), the same
uvicorn settings as `kroll up`, answering every request with a fixed JSON body read from a
file (reads.py passes the exact bytes kroll returned for the object it GETs). No routing,
no auth, no storage: the ceiling of the stack on this machine, so that kroll's GET rate
can be stated as a fraction of it.

Usage: bare_server.py CERT KEY BODY_FILE   (prints "port N" once listening)
"""

from __future__ import annotations

import socket
import sys

import uvicorn


def main() -> None:
    cert, key, body_file = sys.argv[1:4]
    body = open(body_file, "rb").read()  # noqa: SIM115
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-cache, private")]
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    reply = {"type": "http.response.body", "body": body}

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send(start)
        await send(reply)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.setblocking(False)
    config = uvicorn.Config(app, ssl_certfile=cert, ssl_keyfile=key, http="httptools", loop="none", lifespan="off",
                            log_level="warning", access_log=False, timeout_keep_alive=30, backlog=2048)
    server = uvicorn.Server(config)
    print(f"port {sock.getsockname()[1]}", flush=True)

    import uvloop

    uvloop.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()
