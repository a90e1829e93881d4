"""The chat manager without a server: ordering, tombstones, races, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from jupyter_studysession.exceptions import Conflict, NotAuthorized
from jupyter_studysession.identity import CourseRole, Identity
from jupyter_studysession.models import (
    CreateMessage,
    CreateSession,
    JoinSession,
    ListMessagesQuery,
    UpdateMessage,
)
from jupyter_studysession.orm import ChatMessage, StudySession
from jupyter_studysession.services.chat.manager import writable_session

ALICE, BOB = Identity("alice", "Alice"), Identity("bob", "Bob")
PROF = Identity("prof", "Prof", course_role=CourseRole.instructor)


async def open_room(services) -> str:
    session = await services.sessions.create_session(
        ALICE, CreateSession(title="Chat", is_public=True)
    )
    await services.participants.join_session(BOB, session.id, JoinSession())
    return session.id


async def stored(services, message_id: str) -> ChatMessage:
    async with services.store.read() as db:
        return await db.scalar(select(ChatMessage).where(ChatMessage.id == message_id))


async def history(services, room: str) -> list[str]:
    page = await services.chat.list_messages(ALICE, room, ListMessagesQuery(limit=100))
    return [m.text for m in page.items]


async def test_history_should_keep_the_sending_order_when_the_clock_does_not_move(ss_services):
    room = await open_room(ss_services)
    for n in range(5):  # the frozen clock gives every message the same "now"
        await ss_services.chat.send_message(BOB, room, CreateMessage(text=f"m{n}"))
    ss_services.clock.advance(minutes=-10)  # a clock set back
    await ss_services.chat.send_message(ALICE, room, CreateMessage(text="late clock"))
    assert await history(ss_services, room) == ["m0", "m1", "m2", "m3", "m4", "late clock"]
    page = await ss_services.chat.list_messages(ALICE, room, ListMessagesQuery(limit=2))
    older = await ss_services.chat.list_messages(
        ALICE, room, ListMessagesQuery(before=page.next_before, limit=2)
    )
    assert [m.text for m in older.items] == ["m2", "m3"]


async def test_sending_should_mark_the_session_active_now(ss_services):
    room = await open_room(ss_services)
    now = ss_services.clock.advance(minutes=7)
    await ss_services.chat.send_message(BOB, room, CreateMessage(text="still here"))
    async with ss_services.store.read() as db:
        session = await db.get(StudySession, room)
        assert session.last_activity_at == now


async def test_delete_should_erase_the_text_from_the_database(ss_services):
    room = await open_room(ss_services)
    message = await ss_services.chat.send_message(BOB, room, CreateMessage(text="my secret"))
    tombstone = await ss_services.chat.delete_message(BOB, message.id)
    row = await stored(ss_services, message.id)
    assert (row.text, row.deleted_at, row.sender) == ("", tombstone.deleted_at, "bob")


async def test_racing_edit_and_delete_should_never_bring_a_deleted_text_back(ss_services):
    room = await open_room(ss_services)
    for _ in range(5):
        message = await ss_services.chat.send_message(BOB, room, CreateMessage(text="draft"))
        results = await asyncio.gather(
            ss_services.chat.edit_message(BOB, message.id, UpdateMessage(text="edited")),
            ss_services.chat.delete_message(ALICE, message.id),
            return_exceptions=True,
        )
        assert not isinstance(results[1], Exception), results
        assert not isinstance(results[0], Exception) or isinstance(results[0], Conflict)
        row = await stored(ss_services, message.id)
        assert (row.text, row.deleted_at is not None) == ("", True)


async def test_an_edit_that_waited_for_a_delete_should_be_refused(ss_services):
    """The race above, forced: the edit reads the message, then waits for the session's
    lock while a delete holds it; once it gets the lock it must see the delete, not the
    message as it first read it."""
    room = await open_room(ss_services)
    message = await ss_services.chat.send_message(BOB, room, CreateMessage(text="draft"))
    async with ss_services.store.transaction() as db:
        await writable_session(db, room, ALICE)  # what delete_message locks first
        edit = asyncio.create_task(
            ss_services.chat.edit_message(BOB, message.id, UpdateMessage(text="edited"))
        )
        await asyncio.sleep(0.5)  # the edit reads the message and waits for the lock
        row = await db.get(ChatMessage, message.id)
        row.text, row.deleted_at = "", row.created_at
    with pytest.raises(Conflict):
        await edit
    assert (await stored(ss_services, message.id)).text == ""


async def test_staff_should_read_but_not_write_without_joining(ss_services):
    room = await open_room(ss_services)
    await ss_services.chat.send_message(BOB, room, CreateMessage(text="hello prof"))
    page = await ss_services.chat.list_messages(PROF, room, ListMessagesQuery())
    assert [m.text for m in page.items] == ["hello prof"]
    with pytest.raises(NotAuthorized):
        await ss_services.chat.send_message(PROF, room, CreateMessage(text="hi"))
    with pytest.raises(NotAuthorized):
        await ss_services.chat.signal_typing(PROF, room)


async def test_a_refused_typing_signal_should_not_throttle_the_next_one(ss_services):
    room = await open_room(ss_services)
    await ss_services.participants.leave_session(BOB, room)
    with pytest.raises(NotAuthorized):
        await ss_services.chat.signal_typing(BOB, room)
    await ss_services.participants.join_session(BOB, room, JoinSession())
    assert await ss_services.chat.signal_typing(BOB, room) is True
    assert await ss_services.chat.signal_typing(BOB, room) is False
    assert await ss_services.chat.signal_typing(ALICE, room) is True  # per user
