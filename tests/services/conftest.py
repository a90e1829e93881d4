"""Fixtures shared by the service tests: the usual room, tabs following it, and polling."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from jupyter_studysession.orm import AttendanceInterval


@pytest.fixture
def make_room(ss_create_session):
    """``room = await make_room()``: the room most tests here start from, a private session
    hosted by alice with bob as a joined co-host, carol a joined participant and dave invited
    (erin is an outsider, prof an instructor, tina a TA); active unless ``start=False``.
    Returns its id."""

    async def make_room(*, start: bool = True) -> str:
        return await ss_create_session(
            "alice", co_host="bob", joined=["carol"], invited=["dave"], start=start, title="Room"
        )

    return make_room


@pytest.fixture
def room_users() -> dict[str, str]:
    """Who is who around ``make_room``'s room, role -> user, in the column order of the
    permission tables (a row of expected statuses zips with it)."""
    return {
        "host": "alice",
        "co_host": "bob",
        "participant": "carol",
        "invited": "dave",
        "outsider": "erin",
        "instructor": "prof",
    }


@pytest.fixture
def open_tab(ss_ws):
    """``ws = await open_tab("bob", room)``: a websocket of the user subscribed to the room's
    channel, ``session:<room>`` (which also makes a joined participant present)."""

    async def open_tab(user: str, room: str):
        ws = await ss_ws(user)
        ack = await ws.op("subscribe", channel=f"session:{room}")
        assert ack["ok"], ack
        return ws

    return open_tab


async def _eventually(check, timeout: float = 3.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    return result


@pytest.fixture
def eventually():
    """``await eventually(check)``: poll ``await check()`` until it returns something truthy
    (the server handles a closed socket in the background), and return that."""
    return _eventually


async def _intervals(services, session_id: str) -> list[tuple]:
    async with services.store.read() as db:
        rows = await db.execute(
            select(
                AttendanceInterval.username,
                AttendanceInterval.joined_at,
                AttendanceInterval.left_at,
            )
            .where(AttendanceInterval.session_id == session_id)
            .order_by(AttendanceInterval.id)
        )
        return [tuple(r) for r in rows]


@pytest.fixture
def intervals():
    """``await intervals(services, sid)``: the session's attendance intervals as
    ``(username, joined_at, left_at)``, in the order they were opened (``services`` is
    ``ss_services`` or ``ss_app.services``)."""
    return _intervals
