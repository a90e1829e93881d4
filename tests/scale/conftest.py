"""Several real server processes on one PostgreSQL database and one Redis: the scale-out shape."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from jupyter_studysession.pytest_plugin import REQUIRE_REDIS_ENV
from jupyter_studysession.testing import free_port


@pytest.fixture
def ss_replicas(ss_postgres_url, ss_redis_url, ss_server_process, jp_asyncio_loop):
    """Two replicas ``(a, b)`` sharing one new PostgreSQL database and a Redis key prefix."""
    prefix = f"ss-test-{uuid.uuid4().hex[:8]}:"
    replicas = []
    # one after the other: the first creates the schema, the second must find it current
    for name in ("a", "b"):
        replica = ss_server_process(name, ss_postgres_url, bus_url=ss_redis_url, prefix=prefix)
        jp_asyncio_loop.run_until_complete(replica.wait_ready())
        replicas.append(replica)
    return replicas


class RedisServer:
    """A Redis of the test's own (``redis-server`` on a free port), so that the test can kill
    and restart it without touching the Redis that others share."""

    def __init__(self, binary: str, workdir: Path):
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = (workdir / f"redis-{self.port}.log").open("w")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: Redis vanishes with every connection and every subscription."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        self.kill()
        self.log.close()


@pytest.fixture
def ss_own_redis(tmp_path):
    """A :class:`RedisServer` of this test's own, started. Needs the ``redis-server`` binary
    and the ``redis`` package: skipped without them, failed when ``$STUDYSESSION_REQUIRE_REDIS``
    is set, as other Redis tests are."""
    binary = shutil.which("redis-server")
    reason = None
    if binary is None:
        reason = "no redis-server binary on PATH (Debian: apt-get install redis-server)"
    elif importlib.util.find_spec("redis") is None:
        reason = "the redis package is not installed"
    if reason is not None:
        if os.environ.get(REQUIRE_REDIS_ENV):
            pytest.fail(f"Redis is required ({REQUIRE_REDIS_ENV} is set) but {reason}")
        pytest.skip(f"Redis not available: {reason}")
    server = RedisServer(binary, tmp_path)
    server.start()
    yield server
    server.stop()
