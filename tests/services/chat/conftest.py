"""Fixtures of the chat tests: a room with a member in each role, and sending a message."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_room(ss_fetch):
    """``room = await make_room()``: a private session hosted by alice with bob as co-host and
    carol and dave joined; ``start=True`` makes it active."""

    async def make_room(*, start: bool = False) -> str:
        reply = await ss_fetch(
            "alice",
            "sessions",
            method="POST",
            body={"title": "Chat room", "invite": ["bob", "carol", "dave"]},
        )
        assert reply.status == 201, reply.body
        room = reply.body["id"]
        steps = [
            ("alice", "PATCH", f"sessions/{room}/participants/bob", {"role": "co_host"}),
            ("bob", "POST", f"sessions/{room}/join", {}),
            ("carol", "POST", f"sessions/{room}/join", {}),
            ("dave", "POST", f"sessions/{room}/join", {}),
        ]
        if start:
            steps.append(("alice", "POST", f"sessions/{room}/start", {}))
        for user, method, path, body in steps:
            reply = await ss_fetch(user, path, method=method, body=body)
            assert reply.status == 200, (user, path, reply.body)
        return room

    return make_room


@pytest.fixture
def say(ss_fetch):
    """``message = await say("carol", room, "hi")``: send over REST; the message's JSON."""

    async def say(user: str, room: str, text: str) -> dict:
        reply = await ss_fetch(
            user, f"sessions/{room}/messages", method="POST", body={"text": text}
        )
        assert reply.status == 201, reply.body
        return reply.body

    return say
