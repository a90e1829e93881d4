"""Liveness from websocket pings: a tab that answers them (as every browser does, even when the
page's timers are throttled in the background) stays present without heartbeats; a socket
that stops answering is closed within the documented time."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from jupyter_studysession.orm import AttendanceInterval
from jupyter_studysession.testing import RawWebSocket

TIMEOUT = 1.5  # presence_timeout_seconds here: pings every 0.5 s


@pytest.fixture
def jp_server_config(ss_server_config):
    ss_server_config["StudySessionApp"]["presence_timeout_seconds"] = TIMEOUT
    return ss_server_config


async def presence_of(ss_fetch, sid: str, user: str) -> str:
    reply = await ss_fetch("alice", "presence", params={"session": sid})
    return {p["user"]["username"]: p["status"] for p in reply.body["items"]}[user]


async def open_intervals(ss_app, sid: str, user: str) -> list:
    async with ss_app.services.store.read() as db:
        rows = await db.scalars(
            select(AttendanceInterval).where(
                AttendanceInterval.session_id == sid, AttendanceInterval.username == user
            )
        )
        return [(r.joined_at, r.left_at) for r in rows]


async def test_a_tab_that_answers_pings_should_stay_present_without_heartbeats(
    ss_app, ss_clock, ss_fetch, ss_ws, ss_create_session
):
    sid = await ss_create_session("alice", joined=["bob"], start=True)
    bob = await ss_ws("bob")  # tornado's client answers pings, like a browser; no heartbeats
    assert (await bob.op("subscribe", channel=f"session:{sid}"))["ok"]
    started = ss_clock.now()
    for _ in range(5):  # five minutes without a single heartbeat
        ss_clock.advance(minutes=1)
        await asyncio.sleep(3 * TIMEOUT / 3 + 0.2)  # a ping and its pong, in real time
        await ss_app.services.presence.sweep()
        assert await presence_of(ss_fetch, sid, "bob") == "online"
    assert await open_intervals(ss_app, sid, "bob") == [(started, None)]


async def close_frame(client: RawWebSocket, timeout: float) -> bool:
    """Read frames (pings included, never answered) until the server sends a close."""
    try:
        async with asyncio.timeout(timeout):
            while (await client.frame())[0] != 0x8:
                pass
            return True
    except TimeoutError:
        return False


async def test_a_socket_that_stops_answering_should_be_closed_within_the_timeout(
    ss_app, ss_fetch, ss_create_session, jp_http_port, jp_base_url
):
    sid = await ss_create_session("alice", joined=["bob"], start=True)
    bob = await RawWebSocket.connect(jp_http_port, jp_base_url, "bob")
    bob.send({"id": 1, "op": "subscribe", "channel": f"session:{sid}"})
    loop = asyncio.get_running_loop()
    silent_since = loop.time()
    # documented: closed within presence_timeout_seconds plus one ping interval (a third)
    assert await close_frame(bob, timeout=TIMEOUT * 4 / 3 + 1.5)
    assert loop.time() - silent_since >= TIMEOUT * 0.9
    for _ in range(80):  # the tab stops counting when the connection ends
        if await presence_of(ss_fetch, sid, "bob") == "offline":
            break
        await asyncio.sleep(0.1)
    assert await presence_of(ss_fetch, sid, "bob") == "offline"
    bob.close()
