"""`kroll up` as a user meets it: flags and their environment variables, usage errors (exit
code 2 and one line on stderr), the kubeconfig it writes, the line it prints, the data-dir
lock, authentication, and where it listens."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from tests.integration.harness import KUBECTL, Kroll, wait_until
from tests.integration.rawapi import RawApi

USAGE_TIMEOUT = 30  # a usage error exits at once; this only bounds a regression that starts serving


def _env(**kroll_vars: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KROLL_")}
    return {**env, "PYTHONUNBUFFERED": "1", **kroll_vars}


def _up(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kroll", "up", *args], capture_output=True, text=True,
                          env=env or _env(), timeout=USAGE_TIMEOUT)


def _assert_usage_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, f"exit code {result.returncode}; stderr:\n{result.stderr}"
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert "kroll is up" not in result.stdout
    return lines[0]


@pytest.fixture(scope="module")
def env_started(tmp_path_factory):
    """A `kroll up` configured by environment variables only; yields (Kroll, the printed line)."""
    data_dir = tmp_path_factory.mktemp("env") / "data"
    kroll_env = {"KROLL_PORT": "0", "KROLL_NODES": "2", "KROLL_DATA_DIR": str(data_dir)}
    k = Kroll(data_dir, flags=False, extra_env=kroll_env)
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("KROLL_")}
    try:
        k.start()
    finally:
        os.environ.update(saved)
    yield k, k.ready_line
    k.stop()


# ------------------------------------------------------------------ usage errors


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_busy_port_exits_2_with_one_line(tmp_path: Path, host: str) -> None:
    with socket.socket() as listener:
        listener.bind((host, 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = _up("--data-dir", str(tmp_path / "data"), "--port", str(port))
    _assert_usage_error(result, f"127.0.0.1:{port}", "address already in use")


@pytest.mark.parametrize(("args", "env", "fragment"), [
    (["--nodes", "x"], {}, "--nodes"),
    (["--nodes", "0"], {}, "--nodes"),
    (["--port", "70000"], {}, "--port"),
    (["--port", "http"], {}, "--port"),
    (["--runtime", "docker"], {}, "--runtime"),
    ([], {"KROLL_NODES": "x"}, "--nodes"),
    ([], {"KROLL_PORT": "-1"}, "--port"),
    (["--no-such-flag"], {}, "--no-such-flag"),
])
def test_bad_flags_exit_2_with_one_line(tmp_path: Path, args: list[str], env: dict[str, str], fragment: str) -> None:
    result = _up("--data-dir", str(tmp_path / "data"), *args, env=_env(**env))
    _assert_usage_error(result, fragment)
    assert not (tmp_path / "data").exists(), "a usage error must not touch the data dir"


def test_data_dir_that_is_a_file_exits_2(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("precious")
    result = _up("--data-dir", str(not_a_dir), "--port", "0")
    _assert_usage_error(result, str(not_a_dir), "is not a directory")
    assert not_a_dir.read_text() == "precious"
    result = _up("--data-dir", str(not_a_dir / "below"), "--port", "0")
    _assert_usage_error(result, str(not_a_dir / "below"))


def test_second_up_on_the_same_data_dir_exits_2(env_started) -> None:
    k, _line = env_started
    kubeconfig_before = k.kubeconfig.read_bytes()
    result = _up("--data-dir", str(k.data_dir), "--port", "0")
    _assert_usage_error(result, str(k.data_dir), "in use")
    # the running instance is untouched
    assert k.proc is not None and k.proc.poll() is None
    assert k.kubeconfig.read_bytes() == kubeconfig_before
    assert k.kubectl("get", "namespaces", "default", "-o", "name").stdout.strip() == "namespace/default"


# ------------------------------------------------------------------ a running instance


def test_environment_variables_mirror_flags(env_started) -> None:
    k, line = env_started
    assert k.port != 0 and "with 2 node(s)" in line
    assert k.kubeconfig == k.data_dir / "kubeconfig"
    nodes = wait_until(lambda: [n for n in k.kubectl("get", "nodes", "--no-headers").stdout.splitlines()
                                if " Ready " in n and n.startswith("kroll-node-")], timeout=20,
                       message="2 Ready nodes")
    assert len(nodes) == 2, nodes


def test_kubeconfig_is_private_with_context_kroll(env_started) -> None:
    k, _line = env_started
    assert stat.S_IMODE(k.kubeconfig.stat().st_mode) == 0o600
    config = yaml.safe_load(k.kubeconfig.read_text())
    assert config["current-context"] == "kroll"
    assert [c["name"] for c in config["contexts"]] == ["kroll"]
    assert config["clusters"][0]["cluster"]["server"] == k.url
    assert k.kubectl("config", "current-context").stdout.strip() == "kroll"
    for private in ("pki/token", "pki/apiserver.key", "pki/ca.key"):
        assert stat.S_IMODE((k.data_dir / private).stat().st_mode) == 0o600, private


def test_printed_line_names_the_kubeconfig_and_a_working_kubectl_command(env_started) -> None:
    k, line = env_started
    assert f"kubeconfig: {k.kubeconfig}" in line
    assert line.startswith(f"kroll is up at {k.url} ")
    command = line.split("try: ", 1)[1]
    argv = shlex.split(command)
    assert argv[:3] == ["kubectl", "--kubeconfig", str(k.kubeconfig)], argv
    result = subprocess.run([KUBECTL, *argv[1:], "--cache-dir", str(k.cache_dir)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "kroll-node-1" in result.stdout


def test_missing_or_wrong_token_is_a_401_status(env_started) -> None:
    k, _line = env_started
    good = RawApi(k.kubeconfig)
    assert good.get("/api/v1/namespaces")[0] == 200
    good.close()
    for token, scheme in [("", None), ("not-the-token", None), (None, "Basic"), (None, "Bearer ")]:
        api = RawApi(k.kubeconfig, token=token or "")
        headers = {}
        if scheme is not None:
            headers = {"Authorization": f"{scheme} {RawApi(k.kubeconfig).token}" if scheme == "Basic" else scheme}
        for path in ("/api/v1/namespaces", "/apis/apps/v1/namespaces/default/deployments", "/api"):
            status, body = api.request("GET", path, headers=headers)
            assert status == 401, (token, scheme, path, status, body)
            assert isinstance(body, dict), body
            assert {k_: body.get(k_) for k_ in ("kind", "apiVersion", "status", "reason", "code")} == {
                "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized", "code": 401}
        status, body = api.request("POST", "/api/v1/namespaces", {"metadata": {"name": "sneaky"}}, headers=headers)
        assert status == 401, body
        api.close()
    assert k.kubectl("get", "namespace", "sneaky", check=False).returncode != 0
    bad_kubectl = subprocess.run([KUBECTL, "--kubeconfig", str(k.kubeconfig), "--token", "wrong", "get", "pods"],
                                 capture_output=True, text=True, timeout=60)
    assert bad_kubectl.returncode == 1 and "error: You must be logged in to the server" in bad_kubectl.stderr


def test_listens_on_loopback_only(env_started) -> None:
    k, _line = env_started
    assert k.proc is not None
    listening = [c.laddr for c in psutil.Process(k.proc.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
    others = [a.address for addrs in psutil.net_if_addrs().values() for a in addrs
              if a.family in (socket.AF_INET, socket.AF_INET6) and not a.address.startswith(("127.", "::1", "fe80"))]
    for address in [*others, "::1"]:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family) as probe:
            probe.settimeout(2)
            try:
                probe.connect((address, k.port))
            except OSError:
                continue  # refused or unreachable: not served there
            pytest.fail(f"kroll answers on {address}:{k.port}")


def test_sigint_stops_cleanly(tmp_path: Path) -> None:
    k = Kroll(tmp_path / "data").start()
    started = time.monotonic()
    code = k.stop(signal.SIGINT)
    stderr = k.stderr_text()
    assert code == 0, stderr
    assert stderr == "", stderr
    assert time.monotonic() - started < 10
