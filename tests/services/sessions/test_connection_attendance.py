"""Attendance from connections, through a real server: a participant is present while joined,
with a tab subscribed to ``session:<id>``, in an active session; a reconnect within the grace
period continues the same interval."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_session(ss_create_session):
    """``sid = await make_session()``: a session hosted by alice that ``guests`` joined over
    REST (no tab yet), active unless ``start=False``."""

    async def make_session(*, guests=("bob",), start=True) -> str:
        return await ss_create_session("alice", joined=guests, start=start, title="Algebra")

    return make_session


@pytest.fixture
def close_tab(ss_app, eventually):
    """``await close_tab(ws, "bob", sid)``: close the socket and wait until the server has
    counted it out of the session (``tabs_left``: the user's tabs still there)."""
    live = ss_app.services.presence.live

    async def close_tab(ws, user: str, sid: str, tabs_left: int = 0) -> None:
        ws.close()
        await eventually(lambda: _equals(live.session_tabs(sid, user), tabs_left))

    return close_tab


async def _equals(awaitable, expected) -> bool:
    return await awaitable == expected


async def end(ss_fetch, sid: str) -> dict:
    reply = await ss_fetch("alice", f"sessions/{sid}/end", method="POST")
    assert reply.status == 200, reply.body
    return reply.body["summary"]["attendance"]


async def test_a_participant_is_present_from_the_moment_a_tab_subscribes(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, intervals
):
    sid = await make_session()
    assert await intervals(ss_app.services, sid) == []  # joined and active, but no tab: not present
    ss_clock.advance(minutes=2)
    t1 = ss_clock.now()
    await open_tab("bob", sid)
    assert await intervals(ss_app.services, sid) == [("bob", t1, None)]
    ss_clock.advance(minutes=10)
    assert await end(ss_fetch, sid) == {"bob": 10}


async def test_a_rest_join_without_a_connection_gives_no_attendance(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, intervals
):
    sid = await make_session(guests=("bob", "carol"))
    await open_tab("alice", sid)
    ss_clock.advance(minutes=10)
    assert await end(ss_fetch, sid) == {"alice": 10}
    assert [row[0] for row in await intervals(ss_app.services, sid)] == ["alice"]


async def test_staff_and_non_joined_members_watching_are_not_present(
    ss_fetch, ss_clock, make_session, open_tab
):
    sid = await make_session()
    assert (await ss_fetch("bob", f"sessions/{sid}/leave", method="POST")).status == 200
    await open_tab("bob", sid)  # left, may still follow the channel
    await open_tab("prof", sid)  # an instructor, not a participant
    ss_clock.advance(minutes=5)
    assert await end(ss_fetch, sid) == {}


async def test_starting_the_session_makes_joined_participants_with_a_tab_present(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, intervals
):
    sid = await make_session(guests=("bob", "carol"), start=False)
    await open_tab("bob", sid)
    ss_clock.advance(minutes=3)
    started = ss_clock.now()
    assert (await ss_fetch("alice", f"sessions/{sid}/start", method="POST")).status == 200
    assert await intervals(ss_app.services, sid) == [("bob", started, None)]


async def test_a_reconnect_within_the_grace_period_continues_the_same_interval(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, close_tab, intervals
):
    sid = await make_session()
    t0 = ss_clock.now()
    for _ in range(3):  # a flaky network: three drops, each back within the grace period
        ws = await open_tab("bob", sid)
        ss_clock.advance(minutes=5)
        await close_tab(ws, "bob", sid)
        ss_clock.advance(seconds=20)
        await ss_app.services.presence.sweep()
    ws = await open_tab("bob", sid)
    ss_clock.advance(minutes=4)
    assert (await ws.op("heartbeat"))["ok"]  # alive, so the sweep leaves it be
    assert await ss_app.services.presence.sweep() == (0, 0)
    t_end = ss_clock.now()
    assert await end(ss_fetch, sid) == {"bob": 20}
    assert await intervals(ss_app.services, sid) == [("bob", t0, t_end)]


async def test_a_tab_silent_past_the_timeout_ends_attendance_at_its_last_heartbeat(
    ss_app, ss_clock, make_session, open_tab, intervals
):
    sid = await make_session()
    t0 = ss_clock.now()
    ws = await open_tab("bob", sid)
    ss_clock.advance(seconds=40)
    last = ss_clock.now()
    assert (await ws.op("heartbeat"))["ok"]
    ss_clock.advance(seconds=44)
    assert await ss_app.services.presence.sweep() == (0, 0)
    ss_clock.advance(seconds=2)  # 46 s without a heartbeat: past the 45 s timeout
    assert await ss_app.services.presence.sweep() == (1, 1)  # and past the grace period
    assert await intervals(ss_app.services, sid) == [("bob", t0, last)]


async def test_a_disconnect_beyond_the_grace_period_closes_the_interval_at_the_disconnect(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, close_tab, intervals
):
    sid = await make_session()
    t0 = ss_clock.now()
    ws = await open_tab("bob", sid)
    ss_clock.advance(minutes=10)
    gone = ss_clock.now()
    await close_tab(ws, "bob", sid)
    ss_clock.advance(seconds=29)
    assert await ss_app.services.presence.sweep() == (0, 0)  # still within the grace period
    ss_clock.advance(seconds=2)
    assert await ss_app.services.presence.sweep() == (0, 1)
    assert await intervals(ss_app.services, sid) == [("bob", t0, gone)]
    back = ss_clock.now()
    await open_tab("bob", sid)
    ss_clock.advance(minutes=5)
    t_end = ss_clock.now()
    assert await end(ss_fetch, sid) == {"bob": 15}
    assert await intervals(ss_app.services, sid) == [("bob", t0, gone), ("bob", back, t_end)]


async def test_two_tabs_of_one_user_count_once(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, close_tab, intervals
):
    sid = await make_session()
    t0 = ss_clock.now()
    first = await open_tab("bob", sid)
    second = await open_tab("bob", sid)
    ss_clock.advance(minutes=5)
    await close_tab(first, "bob", sid, tabs_left=1)
    ss_clock.advance(minutes=5)
    assert (await second.op("heartbeat"))["ok"]
    assert await ss_app.services.presence.sweep() == (0, 0)
    t_end = ss_clock.now()
    assert await end(ss_fetch, sid) == {"bob": 10}
    assert await intervals(ss_app.services, sid) == [("bob", t0, t_end)]


async def test_the_session_end_closes_every_interval_a_departed_one_at_its_departure(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, close_tab, intervals
):
    sid = await make_session(guests=("bob", "carol"))
    t0 = ss_clock.now()
    await open_tab("alice", sid)
    await open_tab("carol", sid)
    bob = await open_tab("bob", sid)
    ss_clock.advance(minutes=8)
    gone = ss_clock.now()
    await close_tab(bob, "bob", sid)
    ss_clock.advance(seconds=10)  # bob is within his grace period when the session ends
    t_end = ss_clock.now()
    assert await end(ss_fetch, sid) == {"alice": 8, "bob": 8, "carol": 8}
    assert await intervals(ss_app.services, sid) == [
        ("alice", t0, t_end),
        ("carol", t0, t_end),
        ("bob", t0, gone),
    ]
    ss_clock.advance(minutes=1)
    tabs_closed, intervals_closed = await ss_app.services.presence.sweep()
    assert (tabs_closed, intervals_closed) == (2, 0)  # silent tabs go; nothing left to close


async def test_leaving_with_a_tab_open_closes_the_interval_and_rejoining_reopens_it(
    ss_fetch, ss_app, ss_clock, make_session, open_tab, intervals
):
    sid = await make_session()
    t0 = ss_clock.now()
    await open_tab("bob", sid)
    ss_clock.advance(minutes=4)
    left = ss_clock.now()
    assert (await ss_fetch("bob", f"sessions/{sid}/leave", method="POST")).status == 200
    ss_clock.advance(minutes=1)
    back = ss_clock.now()
    assert (await ss_fetch("bob", f"sessions/{sid}/join", method="POST")).status == 200
    ss_clock.advance(minutes=3)
    t_end = ss_clock.now()
    assert await end(ss_fetch, sid) == {"bob": 7}
    assert await intervals(ss_app.services, sid) == [("bob", t0, left), ("bob", back, t_end)]
