"""Creating a session with an idempotency key: a retry answers the session the first try
created. Through a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio


async def test_a_session_created_twice_with_one_key_should_exist_once(ss_fetch):
    body = {"title": "Linear algebra", "invite": ["bob"]}
    key = {"Idempotency-Key": "new-session-1"}
    first = await ss_fetch("alice", "sessions", method="POST", body=body, headers=key)
    again = await ss_fetch("alice", "sessions", method="POST", body=body, headers=key)
    assert (first.status, again.status) == (201, 201), (first.body, again.body)
    assert again.body == first.body
    mine = await ss_fetch("alice", "sessions")
    assert [s["id"] for s in mine.body["items"]] == [first.body["id"]]
    # bob was invited once: one notification
    notes = await ss_fetch("bob", "notifications")
    assert [n["data"].get("session_id") for n in notes.body["items"]] == [first.body["id"]]


async def test_concurrent_tries_with_one_key_should_create_one_session(ss_fetch):
    key = {"Idempotency-Key": "raced"}
    replies = await asyncio.gather(
        *(
            ss_fetch("alice", "sessions", method="POST", body={"title": "Race"}, headers=key)
            for _ in range(4)
        )
    )
    assert {r.status for r in replies} == {201}, [r.body for r in replies]
    assert len({r.body["id"] for r in replies}) == 1
    mine = await ss_fetch("alice", "sessions")
    assert len(mine.body["items"]) == 1


async def test_a_key_with_a_recurrence_should_be_refused(ss_fetch):
    body = {
        "title": "Weekly",
        "scheduled_at": "2099-01-05T10:00:00Z",
        "recurrence": {"timezone": "UTC", "count": 3},
    }
    reply = await ss_fetch(
        "alice", "sessions", method="POST", body=body, headers={"Idempotency-Key": "series"}
    )
    assert (reply.status, reply.body["reason"]) == (400, "invalid_idempotency_key"), reply.body
