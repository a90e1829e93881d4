"""Two server processes on one PostgreSQL and one Redis behave as one server.

Users connected to different replicas share chat, presence, goals and the timer; a replica
killed with SIGKILL mid-stream loses nothing once its clients reconnect to the other.
"""

from __future__ import annotations

import asyncio

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]


async def active_session(a, b) -> str:
    """alice hosts on replica a; bob joins on replica b; the session is started."""
    status, session = await a.fetch(
        "alice", "sessions", "POST", {"title": "Scale", "type": "group", "invite": ["bob"]}
    )
    assert status == 201, session
    sid = session["id"]
    assert (await b.fetch("bob", f"sessions/{sid}/join", "POST"))[0] == 200
    assert (await a.fetch("alice", f"sessions/{sid}/start", "POST"))[0] == 200
    return sid


async def test_users_on_different_replicas_should_share_chat_goals_timer_and_presence(
    ss_replicas,
):
    a, b = ss_replicas
    sid = await active_session(a, b)
    channel = f"session:{sid}"
    alice, bob = await a.ws("alice"), await b.ws("bob")
    for ws in (alice, bob):
        assert (await ws.op("subscribe", channel=channel))["ok"]
    assert (await alice.op("subscribe", channel=f"presence:{channel}"))["ok"]

    assert (await bob.op("chat.send", session_id=sid, text="hello from b"))["ok"]
    message = await alice.event(channel=channel, type="chat.message")
    assert message["data"]["message"]["text"] == "hello from b"

    assert (await alice.op("goal.create", session_id=sid, title="Eigenvalues"))["ok"]
    goal = await bob.event(channel=channel, type="goal.created")
    assert goal["data"]["goal"]["title"] == "Eigenvalues"

    assert (await alice.op("timer.start", session_id=sid))["ok"]
    on_a = await alice.event(channel=channel, type="timer.state")
    on_b = await bob.event(channel=channel, type="timer.state")
    assert on_a["data"] == on_b["data"]
    assert on_b["data"]["timer"]["running"] is True

    # bob is online: he is connected to replica b, alice asks replica a
    status, presence = await a.fetch("alice", f"presence?session={sid}")
    assert status == 200, presence
    seen = {p["user"]["username"]: p["status"] for p in presence["items"]}
    assert seen["bob"] == "online"
    # bob closes his only tab on b; alice, on a, sees him go offline
    bob.close()
    while True:
        changed = await alice.event(channel=f"presence:{channel}", type="presence.changed")
        statuses = {p["user"]["username"]: p["status"] for p in changed["data"]["users"]}
        if statuses.get("bob") == "offline":
            break


async def test_killing_a_replica_mid_stream_should_lose_nothing_after_reconnecting(ss_replicas):
    a, b = ss_replicas
    sid = await active_session(a, b)
    channel = f"session:{sid}"
    alice = await a.ws("alice")
    ack = await alice.op("subscribe", channel=channel)
    since = ack["data"]["seq"]
    bob = await b.ws("bob")
    sent: list[str] = []

    async def send(n: int) -> None:
        text = f"message {n}"
        assert (await bob.op("chat.send", session_id=sid, text=text))["ok"]
        sent.append(text)

    received: list[str] = []
    for n in range(20):
        await send(n)
    while len(received) < 10:
        event = await alice.event(channel=channel, type="chat.message")
        received.append(event["data"]["message"]["text"])
        since = event["seq"]
    a.kill()  # mid-stream: some messages are in flight or not yet read
    for n in range(20, 40):
        await send(n)
    alice = await b.ws("alice")
    ack = await alice.op("subscribe", channel=channel, since=since)
    assert ack["ok"] and ack["data"]["reset"] is False
    while len(received) < len(sent):
        event = await alice.event(channel=channel, type="chat.message")
        assert event["seq"] == since + 1
        since = event["seq"]
        received.append(event["data"]["message"]["text"])
    assert received == sent
    await asyncio.sleep(0.3)
    assert [e for e in await alice.drain() if e["type"] == "chat.message"] == []
