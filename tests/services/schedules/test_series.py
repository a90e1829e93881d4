"""Recurring sessions through the managers: materialisation, top-up, edit and cancel scopes."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from jupyter_studysession.exceptions import Conflict, InvalidInput
from jupyter_studysession.identity import Identity
from jupyter_studysession.models import CreateSession, UpdateSession
from jupyter_studysession.orm import SessionSeries, SessionStatus, StudySession
from jupyter_studysession.services.sessions.access import hosted_session

BERLIN = ZoneInfo("Europe/Berlin")
ALICE, BOB = Identity("alice", "Alice"), Identity("bob", "Bob")


def weekly(start, **recurrence):
    return CreateSession(
        title="Linear algebra",
        scheduled_at=start,
        invite=["bob"],
        recurrence={"timezone": "Europe/Berlin", **recurrence},
    )


async def occurrences(services, **where):
    async with services.store.read() as db:
        query = select(StudySession).where(StudySession.series_id.is_not(None))
        for key, value in where.items():
            query = query.where(getattr(StudySession, key) == value)
        return list(await db.scalars(query.order_by(StudySession.scheduled_at)))


async def test_a_series_materialises_the_window_and_tops_up_idempotently(services):
    first = datetime(2026, 3, 2, 14, tzinfo=BERLIN)  # Monday
    created = await services.sessions.create_session(ALICE, weekly(first))
    assert created.series_id and created.scheduled_at == first
    rows = await occurrences(services)
    # window: 28 days from 2026-03-01 09:00Z -> Mondays 2, 9, 16, 23 (the 30th is beyond it)
    assert [r.scheduled_at.astimezone(BERLIN).day for r in rows] == [2, 9, 16, 23]
    assert all(r.scheduled_at.astimezone(BERLIN).hour == 14 for r in rows)
    bob = await services.participants.list_participants(BOB, rows[1].id)
    assert {p.user.username: p.state for p in bob.items} == {"alice": "joined", "bob": "invited"}

    assert await services.schedules.top_up_series() == 0  # nothing new is due
    services.clock.advance(days=14)
    assert await services.schedules.top_up_series() == 2  # March 30 and April 6
    assert await services.schedules.top_up_series() == 0
    rows = await occurrences(services)
    assert len(rows) == 6
    april = rows[-1].scheduled_at.astimezone(BERLIN)
    assert (april.day, april.hour, april.utcoffset()) == (6, 14, timedelta(hours=2))


async def test_two_top_ups_at_once_create_each_occurrence_once(services):
    await services.sessions.create_session(
        ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN), count=10)
    )
    services.clock.advance(days=60)
    await asyncio.gather(*(services.schedules.top_up_series() for _ in range(3)))
    rows = await occurrences(services)
    assert len(rows) == 10  # the count bounds the series
    assert len({r.occurrence_start for r in rows}) == 10


async def test_until_bounds_the_series_and_scheduled_at_must_be_an_occurrence(services):
    await services.sessions.create_session(
        ALICE,
        weekly(
            datetime(2026, 3, 2, 14, tzinfo=BERLIN), by_weekday=["MO", "WE"], until="2026-03-09"
        ),
    )
    assert len(await occurrences(services)) == 3  # Mon 2, Wed 4, Mon 9
    with pytest.raises(InvalidInput):
        await services.sessions.create_session(
            ALICE, weekly(datetime(2026, 3, 3, 14, tzinfo=BERLIN), by_weekday=["MO"])
        )
    with pytest.raises(InvalidInput):
        await services.sessions.create_session(
            ALICE, CreateSession(title="No start", recurrence={"timezone": "Europe/Berlin"})
        )


async def test_editing_this_occurrence_changes_only_it(services):
    await services.sessions.create_session(ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN)))
    rows = await occurrences(services)
    moved = datetime(2026, 3, 10, 15, tzinfo=BERLIN)
    updated = await services.sessions.update_session(
        ALICE, rows[1].id, UpdateSession(title="Exam prep", scheduled_at=moved)
    )
    assert (updated.title, updated.scheduled_at, updated.sequence) == ("Exam prep", moved, 1)
    after = await occurrences(services)
    assert [r.title for r in after] == [
        "Linear algebra",
        "Exam prep",
        "Linear algebra",
        "Linear algebra",
    ]
    assert after[1].occurrence_edited and after[1].occurrence_start == rows[1].occurrence_start


async def test_editing_all_following_splits_the_series(services):
    await services.sessions.create_session(
        ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN), count=6)
    )
    rows = await occurrences(services)
    # the fourth occurrence is edited on its own first: it keeps its title
    await services.sessions.update_session(ALICE, rows[3].id, UpdateSession(title="Guest talk"))
    new_time = datetime(2026, 3, 16, 16, tzinfo=BERLIN)
    updated = await services.sessions.update_session(
        ALICE,
        rows[2].id,
        UpdateSession(title="Linear algebra II", scheduled_at=new_time, scope="following"),
    )
    assert updated.scheduled_at == new_time and updated.series_id != rows[2].series_id
    async with services.store.read() as db:
        series = {s.id: s for s in await db.scalars(select(SessionSeries))}
    old, new = series[rows[0].series_id], series[updated.series_id]
    assert "UNTIL=20260316T125959Z" in old.rrule and "COUNT" not in old.rrule
    assert new.split_from == old.id and "COUNT=4" in new.rrule
    after = await occurrences(services, status="scheduled")
    summary = [
        (r.title, r.scheduled_at.astimezone(BERLIN).strftime("%m-%d %H"), r.series_id == new.id)
        for r in after
    ]
    assert summary == [
        ("Linear algebra", "03-02 14", False),
        ("Linear algebra", "03-09 14", False),
        ("Linear algebra II", "03-16 16", True),
        ("Guest talk", "03-23 14", False),  # edited on its own, its slot gone: stays apart
        ("Linear algebra II", "03-23 16", True),  # the window ends on 03-29
    ]
    # only the sessions that moved or were renamed get a new sequence
    assert [r.sequence for r in after] == [0, 0, 1, 1, 0]


async def test_all_following_keeps_unchanged_slots_and_moves_unedited_occurrences(services):
    await services.sessions.create_session(ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN)))
    rows = await occurrences(services)
    await services.sessions.update_session(
        ALICE, rows[1].id, UpdateSession(description="Bring the exercises", scope="following")
    )
    after = await occurrences(services)
    assert [r.id for r in after] == [r.id for r in rows]  # same sessions, same times
    assert [r.description for r in after] == [
        "",
        "Bring the exercises",
        "Bring the exercises",
        "Bring the exercises",
    ]
    assert len({r.series_id for r in after[1:]}) == 1 and after[1].series_id != after[0].series_id
    services.clock.advance(days=14)
    await services.schedules.top_up_series()
    topped = await occurrences(services)
    assert topped[-1].description == "Bring the exercises"  # new occurrences follow the new series


async def test_cancel_this_or_all_following(services):
    await services.sessions.create_session(ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN)))
    rows = await occurrences(services)
    one = await services.sessions.cancel_session(ALICE, rows[0].id)
    assert (one.status, one.sequence) == ("cancelled", 1)
    await services.sessions.cancel_session(ALICE, rows[2].id, scope="following")
    after = await occurrences(services)
    assert [r.status for r in after] == ["cancelled", "scheduled", "cancelled", "cancelled"]
    services.clock.advance(days=30)
    assert await services.schedules.top_up_series() == 0  # the series ended
    async with services.store.read() as db:
        bob = await db.scalar(
            select(func.count()).select_from(StudySession).where(StudySession.series_id.is_(None))
        )
    assert bob == 0
    with pytest.raises(InvalidInput):
        plain = await services.sessions.create_session(ALICE, CreateSession(title="Once"))
        await services.sessions.cancel_session(ALICE, plain.id, scope="following")


async def test_cancelling_all_following_should_spare_an_occurrence_started_meanwhile(services):
    """The race, forced: a later occurrence starts (its row locked, as start_session locks
    it) while "all following" is cancelled from an earlier one; once the start commits, the
    cancel must see the session active and leave it alone, not cancel it."""
    await services.sessions.create_session(ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN)))
    rows = await occurrences(services)
    async with services.store.transaction() as db:
        started, _ = await hosted_session(db, rows[2].id, ALICE)  # what start_session locks
        cancel = asyncio.create_task(
            services.sessions.cancel_session(ALICE, rows[1].id, scope="following")
        )
        await asyncio.sleep(0.5)  # the cancel selects the later occurrences and waits
        started.status = SessionStatus.active
    await cancel
    after = await occurrences(services)
    assert [r.status for r in after] == ["scheduled", "cancelled", "active", "cancelled"]
    assert after[2].sequence == 0


async def test_editing_all_following_should_keep_an_edit_made_meanwhile(services):
    """The same race for an edit: a later occurrence is edited on its own (its row locked,
    as update_session locks it) while "all following" is edited from an earlier one; the
    occurrence's slot still exists, so it keeps its edit rather than taking the new title."""
    await services.sessions.create_session(ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN)))
    rows = await occurrences(services)
    async with services.store.transaction() as db:
        edited, _ = await hosted_session(db, rows[2].id, ALICE)  # what update_session locks
        update = asyncio.create_task(
            services.sessions.update_session(
                ALICE, rows[1].id, UpdateSession(title="Linear algebra II", scope="following")
            )
        )
        await asyncio.sleep(0.5)  # the update selects the later occurrences and waits
        edited.title, edited.occurrence_edited = "Guest talk", True
    await update
    after = await occurrences(services)
    assert [r.title for r in after] == [
        "Linear algebra",
        "Linear algebra II",
        "Guest talk",
        "Linear algebra II",
    ]
    assert after[2].occurrence_edited and after[2].series_id == after[1].series_id


async def test_two_changes_of_all_following_at_once_should_queue_not_deadlock(services):
    """Each change locks the series before its occurrence: had they locked their occurrences
    first, the cancel would wait for the edit's occurrence and the edit for the series (held
    by the cancel), a deadlock PostgreSQL breaks by failing one of them."""
    await services.sessions.create_session(ALICE, weekly(datetime(2026, 3, 2, 14, tzinfo=BERLIN)))
    rows = await occurrences(services)
    results = await asyncio.gather(
        services.sessions.cancel_session(ALICE, rows[1].id, scope="following"),
        services.sessions.update_session(
            ALICE, rows[2].id, UpdateSession(title="Linear algebra II", scope="following")
        ),
        return_exceptions=True,
    )
    # whichever came second either refuses (its occurrence was cancelled) or applies
    assert all(not isinstance(r, Exception) or isinstance(r, Conflict) for r in results), results
    after = await occurrences(services)
    assert after[0].status == "scheduled" and after[1].status == "cancelled"
