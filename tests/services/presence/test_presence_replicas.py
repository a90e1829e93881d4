"""Several replicas (presence managers, each its own "process") on one database and one real
Redis: they agree on who is online, sweep each other's dead tabs, and close attendance after
the grace period exactly once."""

from __future__ import annotations

import asyncio

import pytest

from jupyter_studysession.identity import Identity
from jupyter_studysession.models import CreateSession, JoinSession, ListPresenceQuery
from jupyter_studysession.services.presence.manager import PresenceManager

pytestmark = pytest.mark.redis

ALICE, BOB, CAROL = (Identity(u, u.title()) for u in ("alice", "bob", "carol"))


@pytest.fixture
def replica(ss_services, redis_store_factory):
    """``replica()``: another presence manager sharing the database and this test's Redis."""

    def make() -> PresenceManager:
        return PresenceManager(
            ss_services.store,
            ss_services.clock,
            ss_services.outbox,
            redis_store_factory(),
            flush_seconds=0,
        )

    return make


async def statuses(presence: PresenceManager, *users: str) -> dict[str, str]:
    listed = await presence.list_presence(CAROL, ListPresenceQuery(users=",".join(users)))
    return {item.user.username: item.status.value for item in listed.items}


async def test_a_user_with_a_tab_on_any_replica_is_online_on_every_replica(replica):
    a, b = replica(), replica()
    await a.connect(ALICE, "1")
    await b.connect(ALICE, "1")  # the same local name in another process is another tab
    await a.disconnect("1")
    assert await statuses(b, "alice") == {"alice": "online"}
    await b.disconnect("1")
    assert await statuses(a, "alice") == {"alice": "offline"}


async def test_a_dead_replicas_tabs_time_out_on_a_live_one(replica, ss_services):
    a, b = replica(), replica()
    await a.connect(CAROL, "1")  # then replica a dies: no heartbeats, no goodbyes
    await b.connect(ALICE, "1")
    ss_services.clock.advance(seconds=46)
    await b.heartbeat(ALICE, "1")
    assert await b.sweep() == (1, 0)
    assert await statuses(b, "alice", "carol") == {"alice": "online", "carol": "offline"}


async def test_the_close_after_the_grace_period_happens_once_at_the_last_tabs_departure(
    replica, ss_services, intervals
):
    clock, sessions, participants = (
        ss_services.clock,
        ss_services.sessions,
        ss_services.participants,
    )
    session = await sessions.create_session(ALICE, CreateSession(title="Replicas", is_public=True))
    await participants.join_session(BOB, session.id, JoinSession())
    await sessions.start_session(ALICE, session.id)
    a, b = replica(), replica()
    t0 = clock.now()
    for presence in (a, b):  # one tab of bob's on each replica
        await presence.connect(BOB, "1")
        await presence.enter_session("1", session.id)
    clock.advance(minutes=5)
    await a.disconnect("1")
    clock.advance(minutes=1)
    gone = clock.now()
    await b.disconnect("1")
    clock.advance(seconds=31)
    results = await asyncio.gather(*(r.sweep() for r in (a, b, replica())))
    assert sum(closed for _tabs, closed in results) == 1
    assert await intervals(ss_services, session.id) == [("bob", t0, gone)]
