"""The cleanup never deletes what people want: sessions planned in the past are refused, sessions
with invitations or content are kept (then cancelled or removed, with everyone told why), and
activity that lands while the cleanup decides always wins. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from jupyter_studysession.exceptions import InvalidInput
from jupyter_studysession.identity import Identity
from jupyter_studysession.models import (
    CreateMessage,
    CreateSession,
    JoinSession,
    ListMessagesQuery,
    PageQuery,
    UpdateSession,
)
from jupyter_studysession.orm import Goal, StudySession
from jupyter_studysession.services.sessions.access import load_session

ALICE, BOB = Identity("alice", "Alice"), Identity("bob", "Bob")


async def exists(services, session_id: str) -> StudySession | None:
    async with services.store.read() as db:
        return await db.get(StudySession, session_id)


async def test_a_session_planned_in_the_past_should_be_refused(ss_services):
    sessions, now = ss_services.sessions, ss_services.clock.now()
    for request in (
        CreateSession(title="t", scheduled_at=now - timedelta(minutes=10)),
        CreateSession(
            title="t",
            scheduled_at=now - timedelta(days=1),
            recurrence={"timezone": "UTC", "count": 3},
        ),
    ):
        with pytest.raises(InvalidInput) as err:
            await sessions.create_session(ALICE, request)
        assert err.value.reason == "scheduled_in_past"
    # within the join window (5 minutes) it is still on time
    s = await sessions.create_session(
        ALICE, CreateSession(title="t", scheduled_at=now - timedelta(minutes=3))
    )
    with pytest.raises(InvalidInput):
        await sessions.update_session(
            ALICE, s.id, UpdateSession(scheduled_at=now - timedelta(hours=2))
        )


async def test_a_session_with_invitees_should_be_kept_then_removed_with_everyone_told(
    ss_services,
):
    sessions, notifications, clock = (
        ss_services.sessions,
        ss_services.notifications,
        ss_services.clock,
    )
    invited = await sessions.create_session(ALICE, CreateSession(title="Later", invite=["bob"]))
    empty = await sessions.create_session(ALICE, CreateSession(title="Nobody"))
    clock.advance(minutes=31)
    result = await sessions.cleanup()
    assert (result.deleted, result.cancelled) == (1, 0)
    assert await exists(ss_services, empty.id) is None
    assert await exists(ss_services, invited.id) is not None  # invitations pending: kept

    clock.advance(days=6)
    assert (await sessions.cleanup()).deleted == 0
    clock.advance(days=1)
    assert (await sessions.cleanup()).deleted == 1
    assert await exists(ss_services, invited.id) is None
    inbox = (await notifications.list_notifications(BOB, PageQuery())).items
    by_kind = {n.kind: n for n in inbox}
    assert by_kind["invite"].read_at is not None  # the offer to join is settled
    assert by_kind["session_cancelled"].title == "“Later” was removed: nobody joined"
    assert by_kind["session_cancelled"].data["reason"] == "nobody_joined"


async def test_a_session_with_content_should_be_cancelled_never_deleted(ss_services):
    sessions, clock = ss_services.sessions, ss_services.clock
    s = await sessions.create_session(ALICE, CreateSession(title="Chatty", is_public=True))
    await ss_services.participants.join_session(BOB, s.id, JoinSession())
    await ss_services.chat.send_message(BOB, s.id, CreateMessage(text="anyone?"))
    clock.advance(days=8)
    result = await sessions.cleanup()
    assert (result.deleted, result.cancelled) == (0, 1)
    assert (await sessions.get_session(ALICE, s.id)).status == "cancelled"
    history = await ss_services.chat.list_messages(BOB, s.id, ListMessagesQuery())
    assert [m.text for m in history.items] == ["anyone?"]


async def test_activity_that_lands_while_the_cleanup_decides_should_win(ss_services):
    """Forced: the cleanup has picked the empty session and waits for its lock while a goal
    is being added; once it has the lock it must see the goal and keep the session."""
    sessions, clock = ss_services.sessions, ss_services.clock
    s = await sessions.create_session(ALICE, CreateSession(title="Just in time"))
    clock.advance(minutes=31)
    async with ss_services.store.transaction() as db:
        await load_session(db, s.id, lock=True)  # what adding a goal locks first
        cleanup = asyncio.create_task(sessions.cleanup())
        await asyncio.sleep(0.5)  # the cleanup reads its candidates, then waits
        db.add(
            Goal(session_id=s.id, title="read ch. 3", created_by="alice", created_at=clock.now())
        )
    result = await cleanup
    assert result.deleted == 0
    assert await exists(ss_services, s.id) is not None
    async with ss_services.store.read() as db:
        assert [g.title for g in await db.scalars(select(Goal))] == ["read ch. 3"]
