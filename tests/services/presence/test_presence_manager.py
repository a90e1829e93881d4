"""The presence manager without a server: last-seen writes, and broadcasting at scale (one
event per channel per flush, nothing for heartbeats that change nothing)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from jupyter_studysession.identity import Identity
from jupyter_studysession.models import CreateSession, InviteUsers
from jupyter_studysession.orm import User
from jupyter_studysession.services.users.manager import record_roster

ALICE = Identity("alice", "Alice")


async def last_seen(services, user: str):
    async with services.store.read() as db:
        return await db.scalar(select(User.last_seen).where(User.username == user))


async def test_last_seen_is_written_at_most_once_a_minute_and_when_going_offline(ss_services):
    presence, clock = ss_services.presence, ss_services.clock
    presence.flush_seconds = 0  # flushed by hand below
    t0 = clock.now()
    await presence.connect(ALICE, "tab")
    assert await last_seen(ss_services, "alice") == t0  # coming online
    for seconds in (20, 40, 59):
        clock.set(t0 + timedelta(seconds=seconds))
        await presence.heartbeat(ALICE, "tab")
        await presence.flush()
    assert await last_seen(ss_services, "alice") == t0
    t1 = clock.advance(seconds=2)  # 61 s after the last write
    await presence.heartbeat(ALICE, "tab")
    await presence.flush()
    assert await last_seen(ss_services, "alice") == t1
    t2 = clock.advance(seconds=10)
    await presence.disconnect("tab")
    await presence.flush()
    assert await last_seen(ss_services, "alice") == t2
    view = (await presence.get_preferences(ALICE)).presence
    assert (view.status.value, view.last_seen) == ("offline", t2)


async def test_many_users_arriving_make_one_event_per_channel_and_heartbeats_none(ss_services):
    presence, hub = ss_services.presence, ss_services.hub
    presence.flush_seconds = 0
    names = [f"student{n:03}" for n in range(150)]
    async with ss_services.store.transaction() as db:  # a course's roster
        await record_roster(db, {n: Identity(n, n.title()) for n in names}, ss_services.clock.now())
    session = await ss_services.sessions.create_session(ALICE, CreateSession(title="Lecture"))
    for start in range(0, len(names), 100):
        await ss_services.participants.invite_users(
            ALICE, session.id, InviteUsers(usernames=names[start : start + 100])
        )
    sent: list[str] = []
    watcher = hub.connect(ALICE, sent.append)  # alice's tab, following the room's presence
    channel = f"presence:session:{session.id}"
    assert (await hub.subscribe(watcher, channel, None))["channel"] == channel
    await presence.flush()
    sent.clear()

    for name in names:
        await presence.connect(Identity(name, name.title()), name)
    await presence.flush()
    events = [json.loads(m.text) for m in sent]
    assert [(e["channel"], e["type"], e["seq"]) for e in events] == [
        (channel, "presence.changed", None)
    ]
    assert sorted(u["user"]["username"] for u in events[0]["data"]["users"]) == names
    assert {u["status"] for u in events[0]["data"]["users"]} == {"online"}

    sent.clear()
    for name in names:
        await presence.heartbeat(Identity(name, name.title()), name)
    assert await presence.flush() == 0
    assert sent == []


async def test_a_flush_with_nothing_changed_publishes_nothing(ss_services):
    presence = ss_services.presence
    presence.flush_seconds = 0
    assert await presence.flush() == 0
    await presence.connect(ALICE, "tab")
    assert await presence.flush() == 1  # alice's own view, on presence:user:alice
    await presence.connect(ALICE, "tab")  # the same tab again: nothing new
    assert await presence.flush() == 0
