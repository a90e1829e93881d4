"""Hand-made frames for the measure tests: ``frame(schema.SESSIONS, {...}, {...})`` builds a
frame of that schema from the given columns (the others missing), ``at("10:30")`` a UTC time
on a fixed Monday."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_studysession.analytics import schema as schemas
from jupyter_studysession.identity import Identity
from jupyter_studysession.models import (
    CreateGoal,
    CreateMessage,
    CreateSession,
    JoinSession,
    UpdateGoal,
)

ALICE, BOB, CAROL = (Identity(u, u.title()) for u in ("alice", "bob", "carol"))
MONDAY = "2026-03-02"  # a Monday, in winter (Europe/Berlin is UTC+1)


def _frame(schema: schemas.Schema, *rows: dict) -> pd.DataFrame:
    unknown = {key for row in rows for key in row} - set(schema.names)
    assert not unknown, f"not columns of {schema.name}: {unknown}"
    return schema.frame([tuple(row.get(name) for name in schema.names) for row in rows])


def _at(clock: str, day: str = MONDAY) -> pd.Timestamp:
    """``at("23:30")`` on the fixed Monday, ``at("00:15", "2026-03-03")`` on another day."""
    return pd.Timestamp(f"{day} {clock}", tz="UTC")


@pytest.fixture
def frame():
    return _frame


@pytest.fixture
def at():
    return _at


@pytest.fixture
def session_row(at):
    """``session_row("s1", "10:00", "11:00")``: a completed session's row (times as
    ``at()`` clocks or timestamps; ended None: active; started None: never started)."""

    def when(value):
        return at(value) if isinstance(value, str) else value

    def row(session_id: str, started, ended, **fields) -> dict:
        return {
            "session_id": session_id,
            "title": fields.pop("title", session_id.upper()),
            "status": fields.pop(
                "status", "completed" if ended else ("active" if started else "scheduled")
            ),
            "started_at": when(started),
            "ended_at": when(ended),
            "created_at": fields.pop("created_at", at("00:00")),
            **fields,
        }

    return row


async def _run_course(services) -> dict:
    """One session, 30 minutes: alice hosts with one tab throughout; bob has two tabs that
    overlap; carol's network drops once and she is back within the grace period; dave is
    invited and never comes. Returns the session id and the start time."""
    from jupyter_studysession.tokens import user_for

    services.roster = [user_for(name) for name in ("alice", "bob", "carol", "dave")]
    await services.open()  # a server opens it on its first request
    clock, presence = services.clock, services.presence
    session = await services.sessions.create_session(
        ALICE, CreateSession(title="=Algebra", invite=["bob", "carol", "dave"])
    )
    for who in (BOB, CAROL):
        await services.participants.join_session(who, session.id, JoinSession())
    await services.sessions.start_session(ALICE, session.id)
    t0 = clock.now()
    tabs: dict[str, Identity] = {}

    async def open_tab(who, tab):
        tabs[tab] = who
        await presence.connect(who, tab)
        await presence.enter_session(tab, session.id)

    async def close_tab(tab):
        del tabs[tab]
        await presence.disconnect(tab)

    async def sweep():
        """The open tabs' heartbeats (every 15 s in a browser), then the server's sweep."""
        for tab, who in tabs.items():
            await presence.heartbeat(who, tab)
        await presence.sweep()

    await open_tab(ALICE, "alice-1")
    clock.advance(minutes=1)
    await open_tab(BOB, "bob-laptop")
    clock.advance(minutes=2)
    await open_tab(BOB, "bob-phone")
    clock.advance(minutes=2)  # t0 + 5
    await open_tab(CAROL, "carol-1")
    await services.chat.send_message(CAROL, session.id, CreateMessage(text="secret plan"))
    goal = await services.goals.create_goal(BOB, session.id, CreateGoal(title="Eigenvalues"))
    clock.advance(minutes=5)  # t0 + 10
    await close_tab("bob-laptop")  # the phone is still there
    clock.advance(minutes=5)  # t0 + 15
    await close_tab("carol-1")
    clock.advance(seconds=20)  # within the 30 s grace period
    await sweep()
    await open_tab(CAROL, "carol-2")
    await services.goals.update_goal(BOB, goal.id, UpdateGoal(done=True))
    clock.advance(seconds=40)  # t0 + 16
    await sweep()
    clock.advance(minutes=4)  # t0 + 20
    await close_tab("bob-phone")
    clock.advance(minutes=1)
    await sweep()  # bob's grace period is over: his interval ends at t0 + 20
    clock.advance(minutes=9)  # t0 + 30
    await services.sessions.end_session(ALICE, session.id)
    return {"session_id": session.id, "t0": t0}


@pytest.fixture
def run_course():
    """``course = await run_course(services)``: a 30-minute session played through the
    managers (``ss_services`` or ``ss_app.services``); see ``_run_course``."""
    return _run_course
