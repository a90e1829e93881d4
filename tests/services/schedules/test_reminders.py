"""Reminders 15 and 5 minutes before the start, exactly once (also with two replicas), and the
join window, with a controllable clock."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from jupyter_studysession.app import StudySessionApp
from jupyter_studysession.exceptions import Conflict
from jupyter_studysession.identity import Identity
from jupyter_studysession.models import CreateSession, JoinSession
from jupyter_studysession.orm import Notification

ALICE, BOB, CAROL = (Identity(u, u.title()) for u in ("alice", "bob", "carol"))


async def reminders(services, with_session=False):
    async with services.store.read() as db:
        rows = await db.scalars(
            select(Notification).where(Notification.kind == "reminder").order_by(Notification.id)
        )
        return sorted(
            (n.username, n.data["minutes_before"], n.title)
            + ((n.data["session_id"],) if with_session else ())
            for n in rows
        )


async def scheduled(services, minutes=60, **extra):
    start = services.clock.now() + timedelta(minutes=minutes)
    return await services.sessions.create_session(
        ALICE, CreateSession(title="Calculus", scheduled_at=start, invite=["bob"], **extra)
    )


async def test_reminders_go_out_15_and_5_minutes_before_exactly_once(services):
    s = await scheduled(services)
    send = services.reminders.send_due_reminders
    services.clock.advance(minutes=44)  # 16 minutes before
    assert await send() == 0
    services.clock.advance(minutes=1)
    assert await send() == 2  # alice (host) and bob (invited)
    assert await send() == 0
    services.clock.advance(minutes=9)
    assert await send() == 0
    services.clock.advance(minutes=1)
    assert await send() == 2
    services.clock.advance(minutes=4)
    assert await send() == 0
    assert await reminders(services) == [
        ("alice", 5, "“Calculus” starts in 5 minutes"),
        ("alice", 15, "“Calculus” starts in 15 minutes"),
        ("bob", 5, "“Calculus” starts in 5 minutes"),
        ("bob", 15, "“Calculus” starts in 15 minutes"),
    ]
    services.clock.advance(minutes=2)  # it is past the start: nothing more
    assert await send() == 0
    assert s.id


async def test_a_late_check_sends_only_the_nearest_reminder(services):
    await scheduled(services, minutes=30)
    services.clock.advance(minutes=27)  # both are due; only "starts in 3 minutes" goes out
    assert await services.reminders.send_due_reminders() == 2
    services.clock.advance(minutes=1)
    assert await services.reminders.send_due_reminders() == 0
    assert [m for _, m, _ in await reminders(services)] == [5, 5]


async def test_two_replicas_checking_at_once_deliver_each_reminder_once(services, ss_db_url):
    for _ in range(4):
        await scheduled(services, minutes=20)
    other = StudySessionApp(db_url=ss_db_url, clock=services.clock).build_services()
    await other.store.open()
    try:
        services.clock.advance(minutes=8)
        counts = await asyncio.gather(
            services.reminders.send_due_reminders(), other.reminders.send_due_reminders()
        )
        assert sum(counts) == 8  # four sessions, two people each
        services.clock.advance(minutes=7)
        counts = await asyncio.gather(
            other.reminders.send_due_reminders(), services.reminders.send_due_reminders()
        )
        assert sum(counts) == 8
    finally:
        await other.store.dispose()
    rows = await reminders(services, with_session=True)
    assert len(rows) == 16 and len(set(rows)) == 16  # each person: once per session and time


async def test_cancelled_and_started_sessions_get_no_reminder(services):
    cancelled = await scheduled(services, minutes=10)
    started = await scheduled(services, minutes=10)
    await services.sessions.cancel_session(ALICE, cancelled.id)
    await services.sessions.start_session(ALICE, started.id)
    services.clock.advance(minutes=6)
    assert await services.reminders.send_due_reminders() == 0
    assert await reminders(services) == []


async def test_a_rescheduled_session_is_reminded_again_for_its_new_time(services):
    from jupyter_studysession.models import UpdateSession

    s = await scheduled(services, minutes=15)
    assert await services.reminders.send_due_reminders() == 2
    later = services.clock.now() + timedelta(minutes=60)
    await services.sessions.update_session(ALICE, s.id, UpdateSession(scheduled_at=later))
    services.clock.advance(minutes=45)
    assert await services.reminders.send_due_reminders() == 2


async def test_joining_opens_join_window_minutes_before_the_start(services):
    s = await scheduled(services, minutes=30)
    services.clock.advance(minutes=24)  # 6 minutes before: still closed
    with pytest.raises(Conflict) as err:
        await services.participants.join_session(BOB, s.id, JoinSession())
    assert err.value.reason == "join_window"
    services.clock.advance(minutes=1)  # exactly 5 minutes before
    joined = await services.participants.join_session(BOB, s.id, JoinSession())
    assert joined.my_state == "joined"
