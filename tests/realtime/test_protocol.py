"""The websocket protocol through a real server: acks, errors, channel authorisation, resume."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


async def make_active_session(ss_fetch, host="alice", guests=("bob",)) -> str:
    reply = await ss_fetch(
        host,
        "sessions",
        method="POST",
        body={"title": "Linear algebra", "type": "group", "invite": list(guests)},
    )
    assert reply.status == 201, reply.body
    session_id = reply.body["id"]
    for guest in guests:
        assert (await ss_fetch(guest, f"sessions/{session_id}/join", method="POST")).status == 200
    assert (await ss_fetch(host, f"sessions/{session_id}/start", method="POST")).status == 200
    return session_id


async def test_websocket_should_refuse_a_connection_without_login(jp_ws_fetch):
    with pytest.raises(HTTPClientError) as err:
        await jp_ws_fetch("studysession", "api", "ws", headers={"Authorization": ""})
    assert err.value.code == 403


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"id": 7, "op": "no.such.op"}', "unknown_op"),
        ('{"id": 7, "op": "subscribe"}', "invalid_input"),
        ('{"id": 7, "op": "subscribe", "channel": "nothing:here"}', "unknown_channel"),
    ],
)
async def test_bad_frames_should_get_an_error_ack_and_keep_the_socket_open(ss_ws, frame, code):
    ws = await ss_ws("alice")
    await ws.send_raw(frame)
    ack = await ws.ack(7 if '"id": 7' in frame else None)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert (await ws.op("subscribe", channel="user:alice"))["ok"] is True


async def test_oversize_frame_should_be_refused(ss_ws):
    ws = await ss_ws("alice")
    await ws.send_raw(json.dumps({"id": 1, "op": "subscribe", "channel": "x" * 70_000}))
    ack = await ws.ack(None)  # refused before it is parsed: its id is not read
    assert (ack["ok"], ack["error"]["code"]) == (False, "too_large")


async def test_another_users_channel_should_be_refused(ss_ws):
    ws = await ss_ws("alice")
    ack = await ws.op("subscribe", channel="user:bob")
    assert (ack["ok"], ack["error"]["code"]) == (False, "forbidden")


async def test_session_channel_should_be_for_participants_and_staff_only(ss_fetch, ss_ws):
    session_id = await make_active_session(ss_fetch, guests=("bob",))
    got = {}
    for user in ("alice", "bob", "carol", "prof"):
        ws = await ss_ws(user)
        got[user] = (await ws.op("subscribe", channel=f"session:{session_id}"))["ok"]
    assert got == {"alice": True, "bob": True, "carol": False, "prof": True}


async def test_subscriber_should_see_a_join_live(ss_fetch, ss_ws):
    session_id = await make_active_session(ss_fetch, guests=("bob",))
    ws = await ss_ws("alice")
    ack = await ws.op("subscribe", channel=f"session:{session_id}")
    assert ack["ok"] is True
    await ss_fetch(
        "alice", f"sessions/{session_id}/invites", method="POST", body={"usernames": ["carol"]}
    )
    assert (await ss_fetch("carol", f"sessions/{session_id}/join", method="POST")).status == 200
    event = await ws.event(type="participant.joined")
    assert event["channel"] == f"session:{session_id}"
    assert event["data"]["participant"]["user"]["username"] == "carol"
    assert event["seq"] > ack["data"]["seq"]


async def test_resume_should_replay_missed_events_in_order_exactly_once(ss_fetch, ss_ws):
    ws = await ss_ws("alice")
    first = await ws.op("subscribe", channel="user:alice")
    since = first["data"]["seq"]
    ws.close()
    titles = []
    for n in range(3):
        reply = await ss_fetch(
            "bob",
            "sessions",
            method="POST",
            body={"title": f"Invite {n}", "type": "group", "invite": ["alice"]},
        )
        titles.append(reply.body["id"])
    again = await ss_ws("alice")
    ack = await again.op("subscribe", channel="user:alice", since=since)
    assert ack["ok"] and ack["data"]["reset"] is False
    events = await again.drain()
    seqs = [e["seq"] for e in events if e["channel"] == "user:alice"]
    assert seqs == list(range(since + 1, since + 4))
    assert [e["data"]["data"]["session_id"] for e in events] == titles
