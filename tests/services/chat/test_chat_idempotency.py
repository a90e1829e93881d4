"""Idempotency keys: a retried send (or goal) returns what the first one created, never a copy.
Through a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest


async def history(ss_fetch, room: str) -> list[dict]:
    reply = await ss_fetch("dave", f"sessions/{room}/messages")
    assert reply.status == 200, reply.body
    return reply.body["items"]


async def test_a_chat_send_retried_with_its_key_should_answer_the_first_message_once(
    ss_fetch, ss_ws, make_room
):
    room = await make_room()
    dave = await ss_ws("dave")
    assert (await dave.op("subscribe", channel=f"session:{room}"))["ok"]
    carol = await ss_ws("carol")
    first = await carol.op("chat.send", session_id=room, text="hi", idempotency_key="m-1")
    again = await carol.op("chat.send", session_id=room, text="hi", idempotency_key="m-1")
    assert first["ok"] and again["ok"], (first, again)
    assert again["data"] == first["data"]
    # a new key is a new message
    other = await carol.op("chat.send", session_id=room, text="hi", idempotency_key="m-2")
    assert other["data"]["id"] != first["data"]["id"]
    assert [m["id"] for m in await history(ss_fetch, room)] == [
        first["data"]["id"],
        other["data"]["id"],
    ]
    events = [e for e in await dave.drain() if e["type"] == "chat.message"]
    assert [e["data"]["message"]["id"] for e in events] == [
        first["data"]["id"],
        other["data"]["id"],
    ]


async def test_a_rest_send_retried_with_its_idempotency_key_header_should_not_duplicate(
    ss_fetch, make_room
):
    room = await make_room()
    path, key = f"sessions/{room}/messages", {"Idempotency-Key": "0f8a-4c1e:retry.1"}
    first = await ss_fetch("carol", path, method="POST", body={"text": "hi"}, headers=key)
    again = await ss_fetch("carol", path, method="POST", body={"text": "hi"}, headers=key)
    assert (first.status, again.status) == (201, 201), (first.body, again.body)
    assert again.body == first.body
    # keys are scoped per user: bob's "same" key is his own
    bobs = await ss_fetch("bob", path, method="POST", body={"text": "hi"}, headers=key)
    assert bobs.status == 201 and bobs.body["id"] != first.body["id"]
    assert len(await history(ss_fetch, room)) == 2


async def test_a_key_reused_for_another_message_should_be_a_409(ss_fetch, ss_ws, make_room):
    room = await make_room()
    carol = await ss_ws("carol")
    assert (await carol.op("chat.send", session_id=room, text="one", idempotency_key="k"))["ok"]
    reused = await carol.op("chat.send", session_id=room, text="two", idempotency_key="k")
    assert not reused["ok"] and reused["error"]["code"] == "idempotency_key_reused", reused
    assert [m["text"] for m in await history(ss_fetch, room)] == ["one"]


@pytest.mark.parametrize("key", ["", "a b", "x" * 65, "ключ", "a/b"])
async def test_a_malformed_key_should_be_refused_with_a_400_naming_it(
    ss_fetch, ss_ws, make_room, key
):
    room = await make_room()
    reply = await ss_fetch(
        "carol",
        f"sessions/{room}/messages",
        method="POST",
        body={"text": "hi"},
        headers={"Idempotency-Key": key.encode().decode("latin-1")},
    )
    assert reply.status == 400, reply.body
    assert reply.body["reason"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in reply.body["message"]
    carol = await ss_ws("carol")
    ack = await carol.op("chat.send", session_id=room, text="hi", idempotency_key=key)
    assert not ack["ok"] and ack["error"]["code"] == "invalid_input", ack
    assert "idempotency_key" in ack["error"]["message"]
    assert await history(ss_fetch, room) == []


async def test_a_retry_after_the_session_ended_should_still_answer_the_message_it_sent(
    ss_fetch, ss_ws, make_room
):
    room = await make_room(start=True)
    carol = await ss_ws("carol")
    first = await carol.op("chat.send", session_id=room, text="bye", idempotency_key="last")
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200
    again = await carol.op("chat.send", session_id=room, text="bye", idempotency_key="last")
    assert again["ok"] and again["data"] == first["data"], again
    fresh = await carol.op("chat.send", session_id=room, text="bye", idempotency_key="new")
    assert not fresh["ok"] and fresh["error"]["code"] != "internal_error"


async def test_a_goal_created_twice_with_one_key_should_exist_once(ss_fetch, ss_ws, make_room):
    room = await make_room()
    path, key = f"sessions/{room}/goals", {"Idempotency-Key": "goal-1"}
    first = await ss_fetch("carol", path, method="POST", body={"title": "Read"}, headers=key)
    again = await ss_fetch("carol", path, method="POST", body={"title": "Read"}, headers=key)
    assert (first.status, again.status) == (201, 201), (first.body, again.body)
    assert again.body == first.body
    carol = await ss_ws("carol")
    op = await carol.op("goal.create", session_id=room, title="Read", idempotency_key="goal-1")
    assert op["ok"] and op["data"] == first.body, op
    goals = await ss_fetch("carol", path)
    assert [g["id"] for g in goals.body["items"]] == [first.body["id"]]
