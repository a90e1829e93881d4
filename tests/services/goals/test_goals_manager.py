"""The goal manager without a server: limits, activity, concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from jupyter_studysession.exceptions import Conflict, NotFound
from jupyter_studysession.identity import Identity
from jupyter_studysession.models import CreateGoal, CreateSession, JoinSession, UpdateGoal
from jupyter_studysession.orm import Goal, OutboxEvent, StudySession
from jupyter_studysession.services.sessions.access import load_session

ALICE, BOB = Identity("alice", "Alice"), Identity("bob", "Bob")


async def open_room(services) -> str:
    session = await services.sessions.create_session(
        ALICE, CreateSession(title="Goals", is_public=True)
    )
    await services.participants.join_session(BOB, session.id, JoinSession())
    return session.id


async def last_activity(services, session_id):
    async with services.store.read() as db:
        return await db.scalar(
            select(StudySession.last_activity_at).where(StudySession.id == session_id)
        )


async def test_a_session_should_hold_at_most_100_goals(ss_services):
    goals = ss_services.goals
    room = await open_room(ss_services)
    for n in range(100):
        await goals.create_goal(BOB, room, CreateGoal(title=f"Goal {n}"))
    try:
        await goals.create_goal(ALICE, room, CreateGoal(title="One too many"))
    except Conflict as err:
        assert err.reason == "too_many_goals"
        assert "100" in err.message
    else:
        raise AssertionError("the 101st goal was accepted")
    listed = await goals.list_goals(ALICE, room)
    assert listed.total == 100
    assert [g.position for g in listed.items] == list(range(100))


async def test_concurrent_creates_should_get_distinct_positions(ss_services):
    goals = ss_services.goals
    room = await open_room(ss_services)
    await asyncio.gather(
        *(goals.create_goal(BOB, room, CreateGoal(title=f"g{n}")) for n in range(8))
    )
    listed = await goals.list_goals(BOB, room)
    assert sorted(g.position for g in listed.items) == list(range(8))


async def test_every_goal_change_should_count_as_session_activity(ss_services):
    goals, clock = ss_services.goals, ss_services.clock
    room = await open_room(ss_services)
    clock.advance(minutes=7)
    goal = await goals.create_goal(BOB, room, CreateGoal(title="Plan"))
    assert await last_activity(ss_services, room) == clock.now()
    clock.advance(minutes=7)
    await goals.update_goal(BOB, goal.id, UpdateGoal(done=True))
    assert await last_activity(ss_services, room) == clock.now()
    clock.advance(minutes=7)
    await goals.delete_goal(ALICE, goal.id)
    assert await last_activity(ss_services, room) == clock.now()


async def test_each_goal_change_should_be_one_durable_event(ss_services):
    goals = ss_services.goals
    room = await open_room(ss_services)
    goal = await goals.create_goal(BOB, room, CreateGoal(title="Plan"))
    await goals.update_goal(BOB, goal.id, UpdateGoal(title="Plan it"))
    await goals.update_goal(BOB, goal.id, UpdateGoal())  # nothing changes: no event
    await goals.delete_goal(BOB, goal.id)
    async with ss_services.store.read() as db:
        types = list(
            await db.scalars(
                select(OutboxEvent.type)
                .where(OutboxEvent.channel == f"session:{room}", OutboxEvent.type.like("goal.%"))
                .order_by(OutboxEvent.seq)
            )
        )
    assert types == ["goal.created", "goal.updated", "goal.deleted"]


async def test_a_goal_change_that_waited_for_its_deletion_should_find_nothing(ss_services):
    """The change reads the goal, then waits for the session's lock while a delete holds
    it; once it gets the lock it must see the goal gone, not the goal as it first read it."""
    room = await open_room(ss_services)
    goal = await ss_services.goals.create_goal(BOB, room, CreateGoal(title="Plan"))
    async with ss_services.store.transaction() as db:
        await load_session(db, room, lock=True)  # what delete_goal locks
        change = asyncio.create_task(
            ss_services.goals.update_goal(BOB, goal.id, UpdateGoal(title="Plan it"))
        )
        await asyncio.sleep(0.5)  # the change reads the goal and waits for the lock
        await db.delete(await db.get(Goal, goal.id))
    with pytest.raises(NotFound):
        await change
    assert (await ss_services.goals.list_goals(BOB, room)).total == 0


async def test_a_goal_delete_that_waited_for_another_delete_should_find_nothing(ss_services):
    """Two deletes of one goal, forced: the second reads the goal, then waits for the
    session's lock while the first deletes it; it must then answer 404 and report no
    deletion of its own."""
    room = await open_room(ss_services)
    goal = await ss_services.goals.create_goal(BOB, room, CreateGoal(title="Plan"))
    async with ss_services.store.transaction() as db:
        await load_session(db, room, lock=True)  # what delete_goal locks
        second = asyncio.create_task(ss_services.goals.delete_goal(ALICE, goal.id))
        await asyncio.sleep(0.5)  # the second delete reads the goal and waits for the lock
        await db.delete(await db.get(Goal, goal.id))
    with pytest.raises(NotFound):
        await second
    async with ss_services.store.read() as db:
        reported = await db.scalar(
            select(func.count()).where(
                OutboxEvent.channel == f"session:{room}", OutboxEvent.type == "goal.deleted"
            )
        )
    assert reported == 0
