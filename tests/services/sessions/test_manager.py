"""Session managers without a server: the rules, on SQLite and PostgreSQL."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from jupyter_studysession.exceptions import Conflict, InvalidInput, NotFound, RateLimited
from jupyter_studysession.identity import CourseRole, Identity
from jupyter_studysession.models import CreateSession, JoinSession, ListSessionsQuery
from jupyter_studysession.orm import StudySession

ALICE, BOB, CAROL = (Identity(u, u.title()) for u in ("alice", "bob", "carol"))


def user(name: str) -> Identity:
    return Identity(name, name.title(), course_role=CourseRole.student)


async def test_attendance_intervals_follow_connections_joins_leaves_and_the_end(
    ss_services, intervals
):
    clock = ss_services.clock
    sessions, participants, presence = (
        ss_services.sessions,
        ss_services.participants,
        ss_services.presence,
    )
    t0 = clock.now()
    s = await sessions.create_session(ALICE, CreateSession(title="Intervals", is_public=True))
    await participants.join_session(BOB, s.id, JoinSession())
    for who in (ALICE, BOB):  # each has a tab on the session's channel
        await presence.connect(who, f"{who.username}-tab")
        await presence.enter_session(f"{who.username}-tab", s.id)
    assert await intervals(ss_services, s.id) == []  # nobody is present before the start
    clock.advance(minutes=5)
    await sessions.start_session(ALICE, s.id)
    clock.advance(minutes=10)
    await participants.leave_session(BOB, s.id)
    clock.advance(minutes=5)
    await participants.join_session(BOB, s.id, JoinSession())  # his tab is still there
    clock.advance(minutes=30)
    result = await sessions.end_session(ALICE, s.id)

    m = lambda n: t0 + timedelta(minutes=n)  # noqa: E731
    assert await intervals(ss_services, s.id) == [
        ("alice", m(5), m(50)),
        ("bob", m(5), m(15)),
        ("bob", m(20), m(50)),
    ]
    assert result.summary.attendance == {"alice": 45, "bob": 40}
    assert result.session.duration_minutes == 45


async def test_end_session_should_mark_every_joined_participant_left(ss_services):
    sessions, participants = ss_services.sessions, ss_services.participants
    s = await sessions.create_session(ALICE, CreateSession(title="End", invite=["bob", "carol"]))
    await participants.join_session(BOB, s.id, JoinSession())
    await sessions.start_session(ALICE, s.id)
    await sessions.end_session(ALICE, s.id)
    states = {
        p.user.username: p.state for p in (await participants.list_participants(ALICE, s.id)).items
    }
    assert states == {"alice": "left", "bob": "left", "carol": "invited"}


async def test_joins_racing_for_the_last_seat_admit_exactly_one(ss_services):
    sessions, participants = ss_services.sessions, ss_services.participants
    s = await sessions.create_session(
        ALICE, CreateSession(title="Last seat", is_public=True, max_participants=3)
    )
    racers = [user(f"racer{i}") for i in range(8)]
    results = await asyncio.gather(
        *(participants.join_session(r, s.id, JoinSession()) for r in racers),
        return_exceptions=True,
    )
    admitted = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(admitted) == 2 and len(refused) == 6, results
    assert (await sessions.get_session(ALICE, s.id)).participant_count == 3


async def test_create_session_is_rate_limited_per_user(ss_services):
    for i in range(10):
        await ss_services.sessions.create_session(ALICE, CreateSession(title=f"S{i}"))
    with pytest.raises(RateLimited) as err:
        await ss_services.sessions.create_session(ALICE, CreateSession(title="one too many"))
    assert 0 < err.value.retry_after <= 3600
    await ss_services.sessions.create_session(BOB, CreateSession(title="bob is fine"))
    ss_services.clock.advance(hours=1, seconds=1)
    await ss_services.sessions.create_session(ALICE, CreateSession(title="an hour later"))


async def test_unknown_session_and_bad_cursor(ss_services):
    with pytest.raises(NotFound):
        await ss_services.sessions.get_session(ALICE, "nope")
    with pytest.raises(InvalidInput):
        await ss_services.sessions.list_sessions(ALICE, ListSessionsQuery(cursor="%%%"))


# -- cleanup, with a controllable clock ---------------------------------------------------


async def test_cleanup_deletes_and_ends_exactly_the_abandoned_sessions(ss_services):
    clock, sessions, participants = (
        ss_services.clock,
        ss_services.sessions,
        ss_services.participants,
    )
    t0 = clock.now()

    async def make(title, **kw):
        return (await sessions.create_session(ALICE, CreateSession(title=title, **kw))).id

    unscheduled_idle = await make("idle, unscheduled")
    scheduled_idle = await make("idle, scheduled soon", scheduled_at=t0 + timedelta(minutes=10))
    scheduled_later = await make("scheduled tomorrow", scheduled_at=t0 + timedelta(days=1))
    with_activity = await make("someone joined", is_public=True)
    await participants.join_session(BOB, with_activity, JoinSession())
    long_running = await make("runs too long")
    await sessions.start_session(ALICE, long_running)
    clock.advance(hours=1)
    recent = await make("started an hour later")
    await sessions.start_session(ALICE, recent)

    clock.set(t0 + timedelta(minutes=35))  # 35 min after creation, 25 after scheduled_idle
    result = await sessions.cleanup()
    assert (result.deleted, result.auto_ended, result.failed) == (1, 0, 0)

    clock.set(t0 + timedelta(hours=6, minutes=1))
    result = await sessions.cleanup()
    assert (result.deleted, result.auto_ended, result.failed) == (1, 1, 0)

    async with ss_services.store.read() as db:
        left = {s.id: s for s in await db.scalars(select(StudySession))}
    assert unscheduled_idle not in left and scheduled_idle not in left
    assert {scheduled_later, with_activity, long_running, recent} == set(left)
    assert left[long_running].status == "completed"
    assert left[recent].status == "active"
    history = await sessions.session_history(ALICE, ListSessionsQuery())
    assert history.items[0].summary.ended_by == "system"
    assert history.items[0].summary.duration_minutes == 361

    again = await sessions.cleanup()
    assert (again.deleted, again.auto_ended) == (0, 0)


async def test_cleanup_goes_on_when_one_session_fails(ss_services, monkeypatch):
    clock, sessions = ss_services.clock, ss_services.sessions
    ids = []
    for title in ("a", "b"):
        ids.append((await sessions.create_session(ALICE, CreateSession(title=title))).id)
        await sessions.start_session(ALICE, ids[-1])
    clock.advance(hours=7)
    real_end = sessions._end

    async def end_but_fail_first(db, session, actor):
        if session.id == ids[0]:
            raise RuntimeError("disk on fire")
        return await real_end(db, session, actor)

    monkeypatch.setattr(sessions, "_end", end_but_fail_first)
    result = await sessions.cleanup()
    assert (result.auto_ended, result.failed) == (1, 1)
    assert (await sessions.get_session(ALICE, ids[0])).status == "active"  # rolled back
    assert (await sessions.get_session(ALICE, ids[1])).status == "completed"
