"""Helpers for the Deployment rollout tests: manifests, a fast API reader and a sampler that
watches pods and ReplicaSets from the test process while a rollout runs.

kubectl is too slow (tens of milliseconds per call) to see the intermediate states of a
rollout, so `Sampler` polls the API directly over one keep-alive HTTPS connection and
records, for every list of pods, how many are active (not being deleted), how many of those
are available, and which ReplicaSet (pod-template-hash) they belong to.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
import urllib3
import yaml

from tests.integration.harness import KUBECTL, Kroll

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH = "pod-template-hash"


def deployment(name: str, image: str, *, replicas: int = 3, labels: dict[str, str] | None = None,
               template_annotations: dict[str, str] | None = None, spec: dict[str, Any] | None = None,
               annotations: dict[str, str] | None = None) -> str:
    """A Deployment manifest as YAML text, shaped like the seeds' deployment.yaml."""
    labels = labels or {"app": name}
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    template_md: dict[str, Any] = {"labels": labels}
    if template_annotations:
        template_md["annotations"] = template_annotations
    body: dict[str, Any] = {"replicas": replicas, **(spec or {}),
                            "selector": {"matchLabels": labels},
                            "template": {"metadata": template_md,
                                         "spec": {"containers": [{"name": "app", "image": image}]}}}
    doc = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": body}
    return yaml.safe_dump(doc, sort_keys=False)


class Shell:
    """Run kubectl the way the seeds type it: `sh("kubectl rollout history deployment/app")`.

    The connection settings and the namespace come from the environment (a private kubeconfig
    whose context points at `ns`), and commands run in `cwd`, so the command line kubectl
    records for `--record` is exactly what was typed
    (`kubectl create --filename=deployment.yaml --record=true`).
    """

    def __init__(self, kroll: Kroll, ns: str, cwd: Path) -> None:
        self.kroll, self.ns, self.cwd = kroll, ns, cwd
        config = yaml.safe_load(Path(kroll.kubeconfig).read_text())
        for ctx in config["contexts"]:
            ctx["context"]["namespace"] = ns
        self.kubeconfig = cwd / ".kubeconfig"
        self.kubeconfig.write_text(yaml.safe_dump(config))
        self.env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), "KUBECACHEDIR": str(kroll.cache_dir)}

    def write(self, name: str, text: str) -> Path:
        path = self.cwd / name
        path.write_text(text)
        return path

    def __call__(self, command: str, *, check: bool = True, input: str | None = None,
                 timeout: float = 60.0) -> subprocess.CompletedProcess:
        args = shlex.split(command)
        assert args[0] == "kubectl", command
        result = subprocess.run([KUBECTL, *args[1:]], capture_output=True, text=True, cwd=self.cwd, env=self.env,
                                input=input, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed ({result.returncode}):\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def json(self, command: str) -> Any:
        return json.loads(self(command + " -o json").stdout)


class ApiDown(Exception):
    """No answer from the server (it was killed, or is restarting)."""


class Reader:
    """GETs against kroll's API over a keep-alive TLS connection (for tight polling loops)."""

    def __init__(self, kubeconfig: Path) -> None:
        config = yaml.safe_load(Path(kubeconfig).read_text())
        cluster = config["clusters"][0]["cluster"]
        url = urlsplit(cluster["server"])
        ctx = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        self.token = config["users"][0]["user"]["token"]
        self.pool = urllib3.HTTPSConnectionPool(url.hostname, url.port, maxsize=4, ssl_context=ctx, retries=False,
                                                timeout=urllib3.Timeout(connect=2.0, read=10.0))

    def close(self) -> None:
        self.pool.close()

    def get(self, path: str, **params: str) -> dict[str, Any] | None:
        """The decoded object, None on 404; raises ApiDown when the server does not answer."""
        if params:
            path = f"{path}?{urlencode(params)}"
        try:
            resp = self.pool.urlopen("GET", path, headers={"Authorization": f"Bearer {self.token}",
                                                           "Accept": "application/json"}, retries=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ApiDown(str(exc)) from exc
        if resp.status == 404:
            return None
        if resp.status >= 500:
            raise ApiDown(f"GET {path}: {resp.status}")
        assert resp.status == 200, f"GET {path}: {resp.status} {resp.data[:500]!r}"
        return orjson.loads(resp.data)

    def pods(self, ns: str, selector: str = "") -> list[dict[str, Any]]:
        out = self.get(f"/api/v1/namespaces/{ns}/pods", **({"labelSelector": selector} if selector else {}))
        return out["items"] if out else []

    def replica_sets(self, ns: str, selector: str = "") -> list[dict[str, Any]]:
        out = self.get(f"/apis/apps/v1/namespaces/{ns}/replicasets",
                       **({"labelSelector": selector} if selector else {}))
        return out["items"] if out else []

    def deployment(self, ns: str, name: str) -> dict[str, Any] | None:
        return self.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")

    def events(self, ns: str) -> list[dict[str, Any]]:
        out = self.get(f"/api/v1/namespaces/{ns}/events")
        return out["items"] if out else []


def is_ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def is_terminating(obj: dict[str, Any]) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def pod_hash(pod: dict[str, Any]) -> str:
    return pod["metadata"].get("labels", {}).get(HASH, "")


def revision_of(obj: dict[str, Any]) -> int:
    return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))


@dataclass
class Sample:
    at: float
    active: int  # pods not being deleted
    available: int  # active pods that are Ready (minReadySeconds 0)
    terminating: int
    by_hash: dict[str, int]  # active pods per pod-template-hash
    rs_spec_sum: int | None = None  # Σ spec.replicas of the ReplicaSets (separate read)


@dataclass
class Sampler:
    """Poll pods (and optionally ReplicaSets) of one app in a background thread.

    Samples taken while the API is down (a crash test) are skipped and counted in `gaps`.
    """

    reader: Reader
    ns: str
    selector: str
    with_replica_sets: bool = True
    samples: list[Sample] = field(default_factory=list)
    gaps: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, name="rollout-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def take(self) -> Sample | None:
        try:
            pods = self.reader.pods(self.ns, self.selector)
            rs_sum = None
            if self.with_replica_sets:
                rs_sum = sum(int(rs["spec"].get("replicas", 1))
                             for rs in self.reader.replica_sets(self.ns, self.selector))
        except ApiDown:
            self.gaps += 1
            return None
        active = [p for p in pods if not is_terminating(p)]
        by_hash: dict[str, int] = {}
        for p in active:
            by_hash[pod_hash(p)] = by_hash.get(pod_hash(p), 0) + 1
        sample = Sample(time.monotonic(), len(active), sum(1 for p in active if is_ready(p)),
                        len(pods) - len(active), by_hash, rs_sum)
        self.samples.append(sample)
        return sample

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.take() is None:
                self._stop.wait(0.02)

    # --- what the samples show -----------------------------------------------------------

    def max_active(self) -> int:
        return max(s.active for s in self.samples)

    def min_available(self) -> int:
        return min(s.available for s in self.samples)

    def max_rs_spec_sum(self) -> int:
        return max(s.rs_spec_sum or 0 for s in self.samples)

    def mixed(self) -> list[Sample]:
        """Samples in which pods of two or more templates were active at once."""
        return [s for s in self.samples if len([h for h, n in s.by_hash.items() if n]) > 1]


def rs_by_revision(reader: Reader, ns: str, selector: str) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for rs in reader.replica_sets(ns, selector):
        out[revision_of(rs)] = rs
    return out


def image_of(obj: dict[str, Any]) -> str:
    return obj["spec"]["template"]["spec"]["containers"][0]["image"]


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True)[:4000]
