"""Fixtures of the chat tests: a room with a member in each role, and sending a message."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_room(ss_create_session):
    """``room = await make_room()``: a private session hosted by alice with bob as co-host and
    carol and dave joined; ``start=True`` makes it active. (The chat's own room: elsewhere
    ``make_room`` leaves dave invited only, and starts the session.)"""

    async def make_room(*, start: bool = False) -> str:
        return await ss_create_session(
            "alice", co_host="bob", joined=["carol", "dave"], start=start, title="Chat room"
        )

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
