"""The presence store contract, in memory and against a real Redis (a unique key prefix per
test), plus what only Redis does: replicas sharing one view, keys that expire."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_studysession.services.presence.store import Departure, MemoryPresenceStore

T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def presence_store(request):
    if request.param == "memory":
        return MemoryPresenceStore()
    return request.getfixturevalue("redis_store_factory")()


async def test_a_user_is_online_while_any_tab_is_open_and_idle_only_when_every_tab_is(
    presence_store,
):
    store = presence_store
    assert await store.open_tab("a1", "alice", at(0)) == 1
    assert await store.open_tab("a2", "alice", at(1), idle=True) == 2
    alice = (await store.users(["alice", "nobody"]))["alice"]
    assert (alice.tabs, alice.idle, alice.seen) == (2, False, at(1))
    assert await store.touch_tab("a1", at(15), idle=True) is True
    assert await store.touch_tab("a1", at(30), idle=True) is False
    users = await store.users(["alice", "nobody"])
    assert (users["alice"].tabs, users["alice"].idle, users["alice"].seen) == (2, True, at(30))
    assert (users["nobody"].tabs, users["nobody"].seen) == (0, None)


async def test_a_heartbeat_of_an_unknown_or_closed_tab_says_so(presence_store):
    store = presence_store
    assert await store.touch_tab("ghost", at(0), idle=False) is None
    await store.open_tab("a1", "alice", at(0))
    await store.close_tab("a1", at(5))
    assert await store.touch_tab("a1", at(10), idle=False) is None
    assert (await store.users(["alice"]))["alice"].tabs == 0


async def test_a_tab_is_closed_for_one_caller_only(presence_store):
    store = presence_store
    await store.open_tab("a1", "alice", at(0))
    await store.open_tab("a2", "alice", at(0))
    results = await asyncio.gather(*(store.close_tab("a1", at(3)) for _ in range(5)))
    closed = [r for r in results if r is not None]
    assert len(closed) == 1
    assert (closed[0].username, closed[0].tabs_left) == ("alice", 1)


async def test_stale_tabs_are_the_ones_silent_since_before_the_cutoff(presence_store):
    store = presence_store
    await store.open_tab("a1", "alice", at(0))
    await store.open_tab("b1", "bob", at(0))
    await store.touch_tab("b1", at(40), idle=False)
    assert await store.stale_tabs(at(30)) == ["a1"]
    assert await store.stale_tabs(at(0)) == []


async def test_the_last_tab_leaving_a_session_records_a_departure_a_returning_tab_cancels(
    presence_store,
):
    store = presence_store
    await store.open_tab("a1", "alice", at(0))
    await store.open_tab("a2", "alice", at(0))
    assert await store.enter_session("a1", "alice", "s1") == (1, False)
    assert await store.enter_session("a2", "alice", "s1") == (2, False)
    assert await store.session_users("s1") == {"alice"}
    assert await store.exit_session("a1", "alice", "s1", at(10)) == 1
    assert await store.departures("s1") == {}
    assert await store.exit_session("a2", "alice", "s1", at(20)) == 0
    assert await store.exit_session("a2", "alice", "s1", at(21)) is None  # not in it any more
    assert await store.session_users("s1") == set()
    assert await store.departures("s1") == {"alice": at(20)}
    assert await store.enter_session("a1", "alice", "s1") == (1, True)
    assert await store.departures("s1") == {}
    assert await store.session_tabs("s1", "alice") == 1
    assert await store.enter_session("ghost", "alice", "s1") is None


async def test_closing_a_tab_leaves_its_sessions_at_the_given_time_or_its_last_heartbeat(
    presence_store,
):
    store = presence_store
    for tab, user in (("a1", "alice"), ("b1", "bob")):
        await store.open_tab(tab, user, at(0))
        await store.enter_session(tab, user, "s1")
        await store.enter_session(tab, user, "s2")
    await store.touch_tab("b1", at(15), idle=False)
    closed = await store.close_tab("a1", at(20))
    assert (closed.left_sessions, closed.tabs_left) == (["s1", "s2"], 0)
    timed_out = await store.close_tab("b1")  # no time given: it went silent after 15 s
    assert timed_out.seen == at(15)
    assert await store.departures("s1") == {"alice": at(20), "bob": at(15)}
    assert await store.departures("s2") == {"alice": at(20), "bob": at(15)}


async def test_departures_are_handed_out_once_when_due(presence_store):
    store = presence_store
    for n, user in enumerate(("alice", "bob", "carol")):
        await store.open_tab(user, user, at(0))
        await store.enter_session(user, user, "s1")
        await store.exit_session(user, user, "s1", at(10 * n))
    claims = await asyncio.gather(*(store.claim_departures(at(10)) for _ in range(4)))
    handed = sorted((d for claim in claims for d in claim), key=lambda d: d.at)
    assert handed == [Departure("s1", "alice", at(0)), Departure("s1", "bob", at(10))]
    assert await store.departures("s1") == {"carol": at(20)}


async def test_user_fields_are_kept_and_the_activity_is_forgotten_with_the_last_tab(
    presence_store,
):
    store = presence_store
    await store.open_tab("a1", "alice", at(0))
    await store.update_user("alice", activity="reading", session_activity="in session X")
    await store.update_user("alice", shown="online|reading", session_activity=None)
    alice = (await store.users(["alice"]))["alice"]
    assert (alice.activity, alice.session_activity, alice.shown) == (
        "reading",
        None,
        "online|reading",
    )
    await store.close_tab("a1", at(1))
    alice = (await store.users(["alice"]))["alice"]
    assert (alice.tabs, alice.activity, alice.shown) == (0, None, "online|reading")
    with pytest.raises(ValueError):
        await store.update_user("alice", password="x")


# -- Redis only -------------------------------------------------------------------------


@pytest.mark.redis
async def test_two_replicas_on_one_redis_agree_on_tabs_sessions_and_departures(
    redis_store_factory,
):
    one, two = redis_store_factory(), redis_store_factory()
    await one.open_tab("r1:1", "alice", at(0))
    assert await two.open_tab("r2:1", "alice", at(0)) == 2
    await one.enter_session("r1:1", "alice", "s1")
    await two.enter_session("r2:1", "alice", "s1")
    assert await one.session_tabs("s1", "alice") == 2
    await one.close_tab("r1:1", at(5))
    assert await two.departures("s1") == {}  # the tab on the other replica still counts
    assert await two.stale_tabs(at(60)) == ["r2:1"]  # replica one died: two sweeps its tab
    assert (await two.close_tab("r2:1")).left_sessions == ["s1"]
    assert await one.departures("s1") == {"alice": at(0)}
    assert (await one.users(["alice"]))["alice"].tabs == 0


@pytest.mark.redis
async def test_redis_keys_carry_a_ttl_so_a_dead_replicas_tabs_expire(
    redis_store_factory, redis_prefix
):
    store = redis_store_factory()
    store.ttl_seconds = 120
    await store.open_tab("r1:1", "alice", at(0))
    await store.enter_session("r1:1", "alice", "s1")
    await store.update_user("alice", activity="reading")
    client = store._redis
    keys = [
        f"{redis_prefix}tab:r1:1",
        f"{redis_prefix}tab:r1:1:sessions",
        f"{redis_prefix}user:alice:tabs",
        f"{redis_prefix}user:alice",
        f"{redis_prefix}session:s1:users",
        f"{redis_prefix}session:s1:user:alice",
    ]
    ttls = [await client.ttl(key) for key in keys]
    assert all(0 < ttl <= 120 for ttl in ttls), dict(zip(keys, ttls, strict=True))


@pytest.mark.redis
async def test_a_burst_beyond_the_connection_pool_should_wait_for_connections_not_fail(
    redis_store_factory,
):
    """Every tab of a course opening at once (a replica restarted): more commands in flight
    than the pool has connections. Redis is there, so none may fail as if it were not."""
    store = redis_store_factory()
    opened = await asyncio.gather(*(store.open_tab(f"t{i}", f"u{i}", at(0)) for i in range(300)))
    assert opened == [1] * 300
