"""The timer manager without a server: replicas racing, the state machine, on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from jupyter_studysession.app import StudySessionApp
from jupyter_studysession.clock import FrozenClock
from jupyter_studysession.identity import Identity
from jupyter_studysession.models import ConfigureTimer, CreateSession
from jupyter_studysession.orm import OutboxEvent, TimerPhase
from jupyter_studysession.services.timer.manager import TimerState, settle

ALICE = Identity("alice", "Alice")


async def timer_events(services, session_id) -> list[dict]:
    async with services.store.read() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.channel == f"session:{session_id}", OutboxEvent.type == "timer.state"
            )
            .order_by(OutboxEvent.seq)
        )
        return [row.data["timer"] for row in rows]


async def active_room(services) -> str:
    session = await services.sessions.create_session(ALICE, CreateSession(title="Pomodoro"))
    await services.sessions.start_session(ALICE, session.id)
    return session.id


async def test_replicas_advancing_at_once_should_record_a_transition_once(ss_services, ss_db_url):
    room = await active_room(ss_services)
    await ss_services.timer.start_timer(ALICE, room)
    ss_services.clock.advance(minutes=25, seconds=1)
    replicas = [ss_services]
    for _ in range(3):  # more server processes on the same database, at the same time
        other = StudySessionApp(db_url=ss_db_url, clock=ss_services.clock).build_services()
        await other.store.open()
        replicas.append(other)
    try:
        for _ in range(3):
            advanced = await asyncio.gather(*(r.timer.advance_due_timers() for r in replicas))
            assert sum(advanced) <= 1
        events = await timer_events(ss_services, room)
        assert [(e["phase"], e["version"]) for e in events] == [
            ("focus", 1),
            ("short_break", 2),
        ]
    finally:
        for other in replicas[1:]:
            await other.store.dispose()


async def test_a_user_change_racing_the_background_advance_should_both_be_kept(ss_services):
    room = await active_room(ss_services)
    await ss_services.timer.start_timer(ALICE, room)
    ss_services.clock.advance(minutes=26)
    await asyncio.gather(
        ss_services.timer.pause_timer(ALICE, room), ss_services.timer.advance_due_timers()
    )
    state = await ss_services.timer.get_timer(ALICE, room)
    assert (state.phase, state.running, state.remaining_seconds) == ("short_break", False, 240)
    versions = [e["version"] for e in await timer_events(ss_services, room)]
    assert versions == list(range(1, len(versions) + 1))  # no version written twice


async def test_stopped_timers_are_not_advanced(ss_services):
    room = await active_room(ss_services)
    await ss_services.timer.start_timer(ALICE, room)
    await ss_services.timer.pause_timer(ALICE, room)
    ss_services.clock.advance(hours=1)
    assert await ss_services.timer.advance_due_timers() == 0
    await ss_services.timer.resume_timer(ALICE, room)
    await ss_services.sessions.end_session(ALICE, room)
    ss_services.clock.advance(hours=1)
    assert await ss_services.timer.advance_due_timers() == 0


async def test_configure_before_the_start_sets_the_first_focus_period(ss_services):
    session = await ss_services.sessions.create_session(ALICE, CreateSession(title="Later"))
    configured = await ss_services.timer.configure_timer(
        ALICE, session.id, ConfigureTimer(focus_minutes=40)
    )
    assert (configured.phase, configured.remaining_seconds) == ("idle", 2400)


def test_settle_should_cross_whole_rounds_and_count_only_running_time():
    t0 = FrozenClock().now()
    state = TimerState.new()
    state.cycles = 2
    state.running, state.phase = True, TimerPhase.focus
    state.phase_started_at, state.remaining_seconds = t0, 1500.0
    round_minutes = 25 + 5 + 25 + 15
    assert settle(state, t0 + timedelta(minutes=2 * round_minutes + 3)) is True
    assert (state.phase, state.cycle, state.remaining_seconds) == (TimerPhase.focus, 1, 1320.0)
    assert (state.focus_seconds, state.break_seconds) == (103 * 60, 40 * 60)
    state.running, state.phase_started_at = False, None
    assert settle(state, t0 + timedelta(days=1)) is False
    assert state.focus_seconds == 103 * 60
