"""A student keeps the room in a background tab while working in a notebook: the browser
throttles the page's timers (Chrome runs them once a minute after a few minutes hidden), so
no heartbeat goes out, yet the socket answers the server's pings. Their attendance and
presence must hold.

Emulated: the server's timeouts are 15 times shorter (``presence_timeout_seconds = 3``
instead of 45), and the page's clock is paused, so not one of its timers runs; 20 seconds
are then five minutes at the real timeouts."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta

import pytest
from lab_pages import open_lab
from sqlalchemy.engine import make_url

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SHORT_TIMEOUTS = """
c.StudySessionApp.presence_timeout_seconds = 3
c.StudySessionApp.presence_sweep_seconds = 0.5
c.StudySessionApp.attendance_grace_seconds = 1
"""
FIVE_MINUTES = 20  # seconds, at timeouts 15 times shorter


def intervals(db_url: str, session_id: str, user: str) -> list[tuple]:
    with sqlite3.connect(make_url(db_url).database) as db:
        return db.execute(
            "SELECT joined_at, left_at FROM attendance_intervals"
            " WHERE session_id = ? AND username = ? ORDER BY id",
            (session_id, user),
        ).fetchall()


async def status_of(lab, session_id: str, user: str) -> str:
    status, body = await lab.fetch("alice", f"presence?session={session_id}")
    assert status == 200, body
    return {p["user"]["username"]: p["status"] for p in body["items"]}[user]


async def test_a_background_tab_without_heartbeats_should_keep_attendance_and_presence(
    browser, ss_server_process, ss_sqlite_url
):
    from playwright.async_api import expect

    lab = ss_server_process("lab", ss_sqlite_url, app="jupyterlab", config=SHORT_TIMEOUTS)
    await lab.wait_ready()
    status, session = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Background", "invite": ["bob"]}
    )
    assert status == 201, session
    sid = session["id"]
    assert (await lab.fetch("bob", f"sessions/{sid}/join", "POST"))[0] == 200
    assert (await lab.fetch("alice", f"sessions/{sid}/start", "POST"))[0] == 200

    heartbeats: list[str] = []

    async def watch_heartbeats_and_fake_the_clock(page) -> None:
        def on_socket(ws) -> None:
            ws.on("framesent", lambda frame: '"heartbeat"' in str(frame) and heartbeats.append(1))

        page.on("websocket", on_socket)
        await page.clock.install()  # flows with real time until paused

    page = await open_lab(
        browser,
        lab,
        "bob",
        f"/lab?studysession-session={sid}",
        before_load=watch_heartbeats_and_fake_the_clock,
    )
    await expect(page.get_by_test_id("studysession-room")).to_be_visible(timeout=90_000)
    for _ in range(100):
        if intervals(ss_sqlite_url, sid, "bob") and heartbeats:
            break
        await asyncio.sleep(0.2)
    assert await status_of(lab, sid, "bob") == "online"

    await page.clock.pause_at(datetime.now() + timedelta(seconds=1))  # no timer runs now
    await asyncio.sleep(2)
    sent = len(heartbeats)
    await asyncio.sleep(FIVE_MINUTES)

    assert len(heartbeats) == sent, "the page sent heartbeats although its timers stopped"
    assert await status_of(lab, sid, "bob") == "online"
    (interval,) = intervals(ss_sqlite_url, sid, "bob")
    assert interval[1] is None  # still present, in one unbroken interval
