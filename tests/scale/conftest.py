"""Several real server processes on one PostgreSQL database and one Redis: the scale-out shape."""

from __future__ import annotations

import uuid

import pytest


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
