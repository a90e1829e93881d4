"""Presence through a real server: tabs, heartbeats, manual status, privacy, the REST API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jupyter_studysession.orm import User


async def status_of(ss_fetch, viewer: str, user: str) -> dict:
    reply = await ss_fetch(viewer, "presence", params={"users": user})
    assert reply.status == 200, reply.body
    (item,) = reply.body["items"]
    assert item["user"]["username"] == user
    return item


async def tab(ss_ws, user: str, **heartbeat):
    """A tab that has said hello (a first heartbeat), as clients do on connecting."""
    ws = await ss_ws(user)
    ack = await ws.op("heartbeat", **heartbeat)
    assert ack["ok"], ack
    return ws


def tabs_of(ss_app, user: str):
    async def count() -> int:
        return (await ss_app.services.presence.live.users([user]))[user].tabs

    return count


async def test_three_tabs_are_one_person_online_until_the_last_one_closes(
    ss_fetch, ss_ws, ss_app, ss_clock, eventually
):
    tabs = [await tab(ss_ws, "alice") for _ in range(3)]
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "online"
    tabs[0].close()
    tabs[1].close()
    await eventually(lambda: _is(tabs_of(ss_app, "alice")(), 1))
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "online"
    ss_clock.advance(seconds=5)
    gone = ss_clock.now()
    tabs[2].close()
    await eventually(lambda: _is(tabs_of(ss_app, "alice")(), 0))
    alice = await status_of(ss_fetch, "bob", "alice")
    assert (alice["status"], alice["activity"]) == ("offline", None)
    assert await eventually(lambda: _is(last_seen(ss_app, "alice"), gone))  # persisted
    assert alice["last_seen"] is not None


async def _is(awaitable, expected) -> bool:
    return await awaitable == expected


async def last_seen(ss_app, user: str):
    async with ss_app.services.store.read() as db:
        return await db.scalar(select(User.last_seen).where(User.username == user))


async def test_a_user_goes_offline_after_the_timeout_without_heartbeats(
    ss_fetch, ss_ws, ss_app, ss_clock, eventually
):
    ws = await tab(ss_ws, "alice")
    ss_clock.advance(seconds=30)
    last = ss_clock.now()
    assert (await ws.op("heartbeat"))["data"] == {"interval_seconds": 15.0}
    ss_clock.advance(seconds=45)
    await ss_app.services.presence.sweep()
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "online"
    ss_clock.advance(seconds=1)
    assert await ss_app.services.presence.sweep() == (1, 0)
    alice = await status_of(ss_fetch, "bob", "alice")
    assert alice["status"] == "offline"
    assert await eventually(lambda: _is(last_seen(ss_app, "alice"), last))  # its last heartbeat
    assert (await ws.op("heartbeat"))["ok"]  # the tab was alive after all: counted again
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "online"


async def test_an_idle_heartbeat_makes_a_user_away_only_when_every_tab_is_idle(ss_fetch, ss_ws):
    first = await tab(ss_ws, "alice", idle=True)
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "away"
    second = await tab(ss_ws, "alice")
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "online"
    await second.op("heartbeat", idle=True)
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "away"
    await first.op("heartbeat", idle=False)
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "online"


async def test_a_manual_status_overrides_the_automatic_one_until_cleared(
    ss_fetch, ss_ws, ss_app, eventually
):
    ws = await tab(ss_ws, "alice")
    ack = await ws.op("presence.set", status="busy")
    assert ack["ok"], ack
    assert (ack["data"]["status"], ack["data"]["presence"]["status"]) == ("busy", "busy")
    await ws.op("heartbeat", idle=True)
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "busy"
    reply = await ss_fetch("alice", "presence/me", method="PUT", body={"status": "dnd"})
    assert (reply.status, reply.body["status"]) == (200, "dnd")
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "dnd"
    assert (await ws.op("presence.set", status=None))["data"]["presence"]["status"] == "away"
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "away"
    await ws.op("presence.set", status="busy")
    ws.close()
    await eventually(lambda: _is(tabs_of(ss_app, "alice")(), 0))
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "offline"
    assert (await ss_fetch("alice", "presence/me")).body["status"] == "busy"  # kept for later


async def test_appear_offline_shows_others_offline_and_oneself_the_truth(ss_fetch, ss_ws):
    ws = await tab(ss_ws, "alice")
    await ws.op("presence.set", activity="reading chapter 3")
    reply = await ss_fetch("alice", "presence/me", method="PUT", body={"appear_offline": True})
    assert reply.status == 200, reply.body
    assert (reply.body["appear_offline"], reply.body["hide_activity"]) == (True, False)
    assert reply.body["presence"]["status"] == "online"
    seen = await status_of(ss_fetch, "bob", "alice")
    assert (seen["status"], seen["activity"], seen["last_seen"]) == ("offline", None, None)
    mine = await status_of(ss_fetch, "alice", "alice")
    assert (mine["status"], mine["activity"]) == ("online", "reading chapter 3")
    again = await ss_fetch("alice", "presence/me", method="PUT", body={"appear_offline": False})
    assert again.body["appear_offline"] is False
    assert (await status_of(ss_fetch, "bob", "alice"))["status"] == "online"


async def test_hide_activity_hides_the_activity_line_from_others_only(ss_fetch, ss_ws):
    ws = await tab(ss_ws, "alice")
    ack = await ws.op("presence.set", activity="reading chapter 3", hide_activity=True)
    assert ack["ok"] and ack["data"]["hide_activity"] is True
    theirs = await status_of(ss_fetch, "bob", "alice")
    assert (theirs["status"], theirs["activity"]) == ("online", None)
    mine = await status_of(ss_fetch, "alice", "alice")
    assert mine["activity"] == "reading chapter 3"
    me = await ss_fetch("alice", "presence/me")
    assert me.body["presence"]["activity"] == "reading chapter 3"


async def test_the_activity_line_follows_the_session_a_tab_is_in(
    ss_fetch, ss_create_session, ss_ws, ss_app
):
    public = await ss_create_session(invited=["bob"], is_public=True, title="Linear algebra")
    private = await ss_create_session(invited=["bob"], title="Secret plans")
    ws = await tab(ss_ws, "alice")
    await ws.op("subscribe", channel=f"session:{public}")
    assert (await status_of(ss_fetch, "bob", "alice"))["activity"] == "in session Linear algebra"
    await ws.op("subscribe", channel=f"session:{private}")
    assert (await status_of(ss_fetch, "bob", "alice"))["activity"] == "in a study session"
    await ws.op("presence.set", activity="on a break")
    assert (await status_of(ss_fetch, "bob", "alice"))["activity"] == "on a break"
    await ws.op("presence.set", activity=None)
    await ws.op("unsubscribe", channel=f"session:{private}")
    assert (await status_of(ss_fetch, "bob", "alice"))["activity"] is None


async def test_presence_of_a_session_is_for_its_members_and_staff(
    ss_fetch, ss_create_session, ss_ws
):
    private = await ss_create_session(invited=["bob"])
    public = await ss_create_session(is_public=True)
    await tab(ss_ws, "alice")
    got = {}
    for user in ("alice", "bob", "carol", "tina", "prof"):
        got[user] = (await ss_fetch(user, "presence", params={"session": private})).status
    assert got == {"alice": 200, "bob": 200, "carol": 404, "tina": 200, "prof": 200}
    reply = await ss_fetch("bob", "presence", params={"session": private})
    assert [(i["user"]["username"], i["status"]) for i in reply.body["items"]] == [
        ("alice", "online"),
        ("bob", "offline"),
    ]
    outsider = await ss_fetch("carol", "presence", params={"session": public})
    assert (outsider.status, outsider.body["reason"]) == (403, "not_participant")
    assert (await ss_fetch(None, "presence", params={"users": "alice"})).status == 403
    assert (await ss_fetch(None, "presence/me")).status == 403
    nobody = await ss_fetch("carol", "presence", params={"users": "alice,nobody-at-all"})
    assert [(i["user"]["username"], i["status"]) for i in nobody.body["items"]] == [
        ("alice", "online"),
        ("nobody-at-all", "offline"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", "presence", None, None),
        ("GET", "presence", {"session": "x", "users": "alice"}, None),
        ("GET", "presence", {"users": ","}, None),
        ("GET", "presence", {"users": ",".join(f"u{n}" for n in range(201))}, None),
        ("PUT", "presence/me", None, {"status": "offline"}),
        ("PUT", "presence/me", None, {"appear_offline": None}),
        ("PUT", "presence/me", None, {"activity": "not over REST"}),
        ("PUT", "presence/me", None, "[1, 2]"),
    ],
)
async def test_bad_presence_requests_get_400_with_a_reason(ss_fetch, method, path, params, body):
    reply = await ss_fetch("alice", path, method=method, params=params, body=body)
    assert reply.status == 400, reply.body
    assert set(reply.body) == {"message", "reason"}


@pytest.mark.parametrize(
    ("op", "fields"),
    [
        ("presence.set", {"status": "offline"}),
        ("presence.set", {"activity": "x" * 101}),
        ("presence.set", {"user": "bob", "status": "busy"}),
        ("heartbeat", {"idle": "very"}),
    ],
)
async def test_bad_presence_ops_get_an_error_ack(ss_ws, op, fields):
    ws = await ss_ws("alice")
    ack = await ws.op(op, **fields)
    assert (ack["ok"], ack["error"]["code"]) == (False, "invalid_input")


async def test_presence_channels_are_authorised_like_their_session(ss_create_session, ss_ws):
    sid = await ss_create_session(invited=["bob"])
    got = {}
    for user in ("alice", "bob", "carol", "tina"):
        ws = await ss_ws(user)
        ack = await ws.op("subscribe", channel=f"presence:session:{sid}")
        got[user] = ack["ok"] or ack["error"]["code"]
    # like session:<id>: bob is only invited, so he may see presence over REST but not follow
    # it live until he joins
    assert got == {
        "alice": True,
        "bob": "not_participant",
        "carol": "session_not_found",
        "tina": True,
    }
    ws = await ss_ws("alice")
    assert (await ws.op("subscribe", channel="presence:user:alice"))["ok"]
    ack = await ws.op("subscribe", channel="presence:user:bob")
    assert (ack["ok"], ack["error"]["code"]) == (False, "forbidden")
    ack = await ws.op("subscribe", channel="presence:group:abc")
    assert (ack["ok"], ack["error"]["code"]) == (False, "group_not_found")
    ack = await ws.op("subscribe", channel="presence:nowhere:abc")
    assert (ack["ok"], ack["error"]["code"]) == (False, "unknown_channel")
