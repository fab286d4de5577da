"""kill -9 during writes loses no acknowledged write.

A child process writes in a loop from 16 concurrent tasks (so commits are batched) and
prints every write it got acknowledged; the parent kills it with SIGKILL once it has read
enough acknowledgements, reopens the store and checks each acknowledged write.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import kroll
from kroll.storage import DB_FILE, SqliteStore, open_store

PAD = "x" * 3000


def expected_value(key: str, rev: int) -> bytes:
    return orjson.dumps({"metadata": {"name": key, "resourceVersion": str(rev)}, "pad": PAD})


CHILD = """
import asyncio, sys
import orjson
from kroll.storage import open_store

PAD = "x" * 3000

def value(key, rev):
    return orjson.dumps({"metadata": {"name": key, "resourceVersion": str(rev)}, "pad": PAD})

async def main(data_dir, fast):
    store = await open_store(data_dir, fast=fast, compact_interval=None)
    out = sys.stdout

    async def worker(w):
        i = 0
        while True:
            key = f"/pods/w{w}/k{i}"
            e = await store.create(key, lambda rev: value(key, rev))
            out.write(f"{key} {e.rev}\\n")
            out.flush()
            if i % 2:
                e = await store.update(key, lambda rev: value(key, rev), expected_rev=e.rev)
                out.write(f"{key} {e.rev}\\n")
                out.flush()
            i += 1

    await asyncio.gather(*(worker(w) for w in range(16)))

asyncio.run(main(sys.argv[1], sys.argv[2] == "fast"))
"""


@pytest.mark.parametrize(("mode", "acks_before_kill"), [("full", 400), ("full", 1500), ("fast", 800)])
def test_sigkill_loses_no_acknowledged_write(tmp_path: Path, mode: str, acks_before_kill: int) -> None:
    env = dict(os.environ)
    src = str(Path(kroll.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), mode], stdout=subprocess.PIPE, env=env)
    acked: dict[str, int] = {}
    lines = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # blocks until the child reports; no timing involved
            key, rev = line.decode().split()
            acked[key] = max(acked.get(key, 0), int(rev))
            lines += 1
            if lines >= acks_before_kill:
                break
        os.kill(proc.pid, signal.SIGKILL)
        # whatever the child printed before it died was acknowledged too
        for line in proc.stdout.read().splitlines(keepends=True):
            if line.endswith(b"\n"):
                key, rev = line.decode().split()
                acked[key] = max(acked.get(key, 0), int(rev))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) > acks_before_kill // 2

    with sqlite3.connect(tmp_path / DB_FILE) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    async def verify() -> None:
        store = await open_store(tmp_path, compact_interval=None)
        assert isinstance(store, SqliteStore)
        async with store:
            for key, rev in acked.items():
                entry = await store.get(key)
                assert entry is not None, f"acknowledged {key}@{rev} lost"
                # a later write may have committed without its acknowledgement reaching us
                assert entry.rev >= rev
                assert entry.value == expected_value(key, entry.rev)
            top = max(acked.values())
            assert store.current_revision() >= top
            e = await store.create("/pods/after/restart", lambda rev: expected_value("/pods/after/restart", rev))
            assert e.rev > top  # revisions keep increasing across the crash

    asyncio.run(verify())
