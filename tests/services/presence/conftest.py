"""Fixtures of the presence tests: Redis with a key prefix per test, and a store on it."""

from __future__ import annotations

import uuid

import pytest

from jupyter_studysession.services.presence.redis_store import RedisPresenceStore


@pytest.fixture
def redis_prefix(ss_redis_url, jp_asyncio_loop):
    """A key prefix for this test alone; its keys are deleted afterwards."""
    prefix = f"ss-test-{uuid.uuid4().hex[:12]}:"
    yield prefix

    async def delete_keys() -> None:
        import redis.asyncio as redis

        client = redis.from_url(ss_redis_url)
        try:
            keys = [key async for key in client.scan_iter(match=prefix + "*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()

    jp_asyncio_loop.run_until_complete(delete_keys())


@pytest.fixture
def redis_store_factory(ss_redis_url, redis_prefix, jp_asyncio_loop):
    """``make()`` another RedisPresenceStore on this test's prefix (one per "replica")."""
    stores = []

    def make() -> RedisPresenceStore:
        stores.append(RedisPresenceStore(url=ss_redis_url, prefix=redis_prefix))
        return stores[-1]

    yield make
    for store in stores:
        jp_asyncio_loop.run_until_complete(store.close())
