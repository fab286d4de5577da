"""A thin, thread-safe HTTPS client for kroll's API, built from the kubeconfig `kroll up` writes.

The durability and concurrency tests need to know exactly which writes the server
acknowledged (a 2xx with the stored object) and which ended in a connection error (outcome
unknown), so they talk raw HTTP through one urllib3 pool instead of a generated client
that retries or hides status codes.
"""

from __future__ import annotations

import base64
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import urllib3
import yaml

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"


class ConnectionLost(Exception):
    """The request may or may not have reached the server: its outcome is unknown."""


class RawApi:
    def __init__(self, kubeconfig: Path, *, maxsize: int = 32, token: str | None = None) -> None:
        config = yaml.safe_load(Path(kubeconfig).read_text())
        cluster = config["clusters"][0]["cluster"]
        url = urlsplit(cluster["server"])
        self.host, self.port = url.hostname, url.port
        self.ca_pem = base64.b64decode(cluster["certificate-authority-data"]).decode()
        self.token = config["users"][0]["user"]["token"] if token is None else token
        ctx = ssl.create_default_context(cadata=self.ca_pem)
        self.pool = urllib3.HTTPSConnectionPool(
            self.host, self.port, maxsize=maxsize, block=True, ssl_context=ctx, retries=False,
            timeout=urllib3.Timeout(connect=5.0, read=30.0))

    def close(self) -> None:
        self.pool.close()

    def request(self, method: str, path: str, body: Any = None, *, content_type: str = JSON,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, decoded JSON body). Raises ConnectionLost when no response arrived."""
        hdrs = {"Accept": JSON, **(headers or {})}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = orjson.dumps(body)
            hdrs["Content-Type"] = content_type
        try:
            resp = self.pool.urlopen(method, path, body=data, headers=hdrs, retries=False, preload_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ConnectionLost(f"{method} {path}: {exc!r}") from exc
        raw = resp.data
        try:
            decoded = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            decoded = raw.decode("utf-8", "replace")
        return resp.status, decoded

    # Shorthands for the paths the tests use.
    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> tuple[int, Any]:
        return self.request("PUT", path, body)

    def delete(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.request("DELETE", path, body)


def configmaps(namespace: str, name: str = "") -> str:
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    return f"{base}/{name}" if name else base
