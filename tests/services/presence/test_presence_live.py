"""Live presence through a real server: ``presence.changed`` events on
``presence:session:<id>``, fast, coalesced, and silent when nothing changed."""

from __future__ import annotations

import asyncio
import json

PRESENCE = "presence.changed"


async def watch(ss_ws, user: str, sid: str):
    """``user``'s tab following the presence of the session's members."""
    ws = await ss_ws(user)
    ack = await ws.op("subscribe", channel=f"presence:session:{sid}")
    assert ack["ok"], ack
    await until(ws, lambda users: user in users)  # their own arrival
    await ws.drain(0.3)
    return ws


def by_user(event: dict) -> dict[str, dict]:
    return {item["user"]["username"]: item for item in event["data"]["users"]}


async def until(ws, seen, timeout: float = 5) -> dict:
    """The first presence event whose users (by name) satisfy ``seen``; earlier ones are
    dropped. A loaded machine may deliver a previous change late; this waits for the one
    the test is about instead of taking whichever comes first."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        event = await ws.event(type=PRESENCE, timeout=max(left, 0.01))
        if seen(by_user(event)):
            return event


async def test_a_change_reaches_another_members_websocket_within_a_second(ss_create_session, ss_ws):
    sid = await ss_create_session(joined=["bob", "carol"])
    bob = await watch(ss_ws, "bob", sid)
    loop = asyncio.get_running_loop()
    alice = await ss_ws("alice")
    sent = loop.time()
    await alice.op("heartbeat")
    event = await bob.event(channel=f"presence:session:{sid}", type=PRESENCE, timeout=1)
    assert loop.time() - sent < 1
    assert event["seq"] is None  # ephemeral: never stored, never replayed
    assert by_user(event)["alice"]["status"] == "online"

    sent = loop.time()
    alice.close()
    event = await bob.event(channel=f"presence:session:{sid}", type=PRESENCE, timeout=1)
    assert loop.time() - sent < 1
    assert by_user(event)["alice"]["status"] == "offline"


async def test_several_changes_are_coalesced_into_one_event(ss_create_session, ss_ws, ss_app):
    sid = await ss_create_session(joined=["bob", "carol"])
    bob = await watch(ss_ws, "bob", sid)
    ss_app.services.presence.flush_seconds = 0.5  # headroom on a busy machine
    alice, carol = await ss_ws("alice"), await ss_ws("carol")
    frames = [
        (alice, {"op": "heartbeat"}),
        (carol, {"op": "heartbeat", "idle": True}),
        (alice, {"op": "presence.set", "status": "busy"}),
        (alice, {"op": "presence.set", "activity": "proof of lemma 2"}),
    ]
    for n, (ws, frame) in enumerate(frames):  # all at once, acks read afterwards
        await ws.send_raw(json.dumps({"id": n, **frame}))
    for n, (ws, _frame) in enumerate(frames):
        assert (await ws.ack(n))["ok"]
    events = [e for e in await bob.drain(1.0) if e["type"] == PRESENCE]
    assert len(events) == 1, events
    assert {u: (i["status"], i["activity"]) for u, i in by_user(events[0]).items()} == {
        "alice": ("busy", "proof of lemma 2"),
        "carol": ("away", None),
    }


async def test_a_heartbeat_that_changes_nothing_broadcasts_nothing(ss_create_session, ss_ws):
    sid = await ss_create_session(joined=["bob", "carol"])
    bob = await watch(ss_ws, "bob", sid)
    alice = await ss_ws("alice")
    await alice.op("heartbeat")
    await bob.event(type=PRESENCE, timeout=1)
    for _ in range(3):
        assert (await alice.op("heartbeat"))["ok"]
    # away and back before anyone was told (sent together, acks read afterwards)
    await alice.send_raw(json.dumps({"id": "a", "op": "heartbeat", "idle": True}))
    await alice.send_raw(json.dumps({"id": "b", "op": "heartbeat", "idle": False}))
    assert (await alice.ack("a"))["ok"] and (await alice.ack("b"))["ok"]
    assert [e for e in await bob.drain(1.0) if e["type"] == PRESENCE] == []


async def test_others_get_the_private_view_and_ones_own_tabs_the_true_one(ss_create_session, ss_ws):
    sid = await ss_create_session(joined=["bob", "carol"])
    bob = await watch(ss_ws, "bob", sid)
    mine = await ss_ws("alice")
    assert (await mine.op("subscribe", channel="presence:user:alice"))["ok"]
    other_tab = await ss_ws("alice")
    await other_tab.op("heartbeat")
    await until(bob, lambda users: "alice" in users)
    await mine.drain(0.6)
    ack = await other_tab.op("presence.set", activity="reading", hide_activity=True)
    assert ack["ok"]
    await until(mine, lambda users: users.get("alice", {}).get("activity") == "reading", 1)
    # bob was told nothing: to him alice is still just online, with no activity
    assert [e for e in await bob.drain(0.8) if e["type"] == PRESENCE] == []
    await other_tab.op("presence.set", appear_offline=True)
    event = await bob.event(type=PRESENCE, timeout=1)
    seen = by_user(event)["alice"]
    assert (seen["status"], seen["activity"], seen["last_seen"]) == ("offline", None, None)


async def test_members_of_other_sessions_are_not_told(ss_create_session, ss_ws):
    sid = await ss_create_session(joined=["bob"])
    other = await ss_create_session(joined=["carol"])
    bob = await watch(ss_ws, "bob", sid)
    carol = await ss_ws("carol")
    await carol.op("heartbeat")
    await carol.op("subscribe", channel=f"session:{other}")
    assert [e for e in await bob.drain(1.0) if e["type"] == PRESENCE] == []
