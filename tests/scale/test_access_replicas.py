"""Access that ends on one replica ends on every replica at once."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]


async def test_a_participant_removed_on_one_replica_should_stop_receiving_on_the_other(
    ss_replicas,
):
    a, b = ss_replicas
    status, session = await a.fetch(
        "alice", "sessions", "POST", {"title": "Scale", "invite": ["bob", "carol"]}
    )
    assert status == 201, session
    sid = session["id"]
    for user in ("bob", "carol"):
        assert (await b.fetch(user, f"sessions/{sid}/join", "POST"))[0] == 200
    assert (await a.fetch("alice", f"sessions/{sid}/start", "POST"))[0] == 200
    room = f"session:{sid}"
    carol, bob = await b.ws("carol"), await a.ws("bob")
    for ws in (carol, bob):
        assert (await ws.op("subscribe", channel=room))["ok"]
    assert (await carol.op("subscribe", channel=f"presence:{room}"))["ok"]

    status, _ = await a.fetch(
        "alice", f"sessions/{sid}/participants/carol", "PATCH", {"state": "removed"}
    )
    assert status == 200
    for channel in (room, f"presence:{room}"):
        ended = await carol.event(channel=channel, type="subscription.ended")
        assert ended["data"]["reason"] == "removed"

    assert (await bob.op("chat.send", session_id=sid, text="after carol left"))["ok"]
    await bob.event(channel=room, type="chat.message")
    await asyncio.sleep(0.5)
    assert [e for e in await carol.drain() if e["type"] == "chat.message"] == []
