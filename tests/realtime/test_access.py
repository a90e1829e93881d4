"""Live access ends when membership ends: removed, left, deleted. Checked again on the server
for every later delivery, not only when a channel was subscribed."""

from __future__ import annotations

import asyncio

from jupyter_studysession.realtime.access import Revocation


async def subscribed(ss_ws, user: str, *channels: str):
    ws = await ss_ws(user)
    for channel in channels:
        ack = await ws.op("subscribe", channel=channel)
        assert ack["ok"], ack
    return ws


def chat_texts(events: list[dict]) -> list[str]:
    return [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message"]


async def test_a_removed_participant_should_stop_receiving_the_room_at_once(
    ss_fetch, ss_ws, ss_create_session
):
    sid = await ss_create_session("alice", joined=["bob", "carol"], start=True)
    room, presence = f"session:{sid}", f"presence:session:{sid}"
    carol = await subscribed(ss_ws, "carol", room, presence)
    bob = await subscribed(ss_ws, "bob", room)
    assert (await bob.op("chat.send", session_id=sid, text="before"))["ok"]
    assert chat_texts([await carol.event(channel=room, type="chat.message")]) == ["before"]
    await bob.event(channel=room, type="chat.message")

    reply = await ss_fetch(
        "alice", f"sessions/{sid}/participants/carol", method="PATCH", body={"state": "removed"}
    )
    assert reply.status == 200, reply.body
    for channel in (room, presence):
        ended = await carol.event(channel=channel, type="subscription.ended")
        assert ended["data"]["reason"] == "removed"
        assert ended["data"]["channel"] == channel
        assert "removed you" in ended["data"]["message"]

    assert (await bob.op("chat.send", session_id=sid, text="after"))["ok"]
    assert chat_texts([await bob.event(channel=room, type="chat.message")]) == ["after"]
    await asyncio.sleep(0.3)
    assert chat_texts(await carol.drain()) == []
    again = await carol.op("subscribe", channel=room)
    assert (again["ok"], again["error"]["code"]) == (False, "session_not_found")
    # the others still follow the room: bob sees the revocation, in order, as a durable event
    revoked = await bob.event(channel=room, type="access.revoked")
    assert revoked["data"]["usernames"] == ["carol"]


async def test_a_member_removed_from_a_group_or_leaving_it_should_stop_receiving_it(
    ss_fetch, ss_ws
):
    reply = await ss_fetch(
        "alice", "groups", method="POST", body={"name": "Topology", "invite": ["bob", "carol"]}
    )
    group = reply.body["id"]
    for user in ("bob", "carol"):
        assert (await ss_fetch(user, f"groups/{group}/join", method="POST")).status == 200
    channel = f"group:{group}"
    bob = await subscribed(ss_ws, "bob", channel, f"presence:{channel}")
    carol = await subscribed(ss_ws, "carol", channel)
    alice = await subscribed(ss_ws, "alice", channel)

    assert (await ss_fetch("alice", f"groups/{group}/members/bob", method="DELETE")).status == 200
    assert (await bob.event(channel=channel, type="subscription.ended"))["data"][
        "reason"
    ] == "removed"
    await bob.event(channel=f"presence:{channel}", type="subscription.ended")
    assert (await ss_fetch("carol", f"groups/{group}/leave", method="POST")).status == 200
    assert (await carol.event(channel=channel, type="subscription.ended"))["data"][
        "reason"
    ] == "left"

    assert (await alice.op("chat.send", group_id=group, text="still here?"))["ok"]
    await alice.event(channel=channel, type="chat.message")
    await asyncio.sleep(0.3)
    assert chat_texts(await bob.drain()) == []
    assert chat_texts(await carol.drain()) == []


async def test_deleting_a_group_should_end_every_members_subscription(ss_fetch, ss_ws):
    reply = await ss_fetch("alice", "groups", method="POST", body={"name": "G", "invite": ["bob"]})
    group = reply.body["id"]
    assert (await ss_fetch("bob", f"groups/{group}/join", method="POST")).status == 200
    channel = f"group:{group}"
    tabs = [await subscribed(ss_ws, user, channel) for user in ("alice", "bob")]
    assert (await ss_fetch("alice", f"groups/{group}", method="DELETE")).status == 200
    for tab in tabs:
        ended = await tab.event(channel=channel, type="subscription.ended")
        assert ended["data"]["reason"] == "deleted"


async def test_a_participant_invited_back_should_keep_a_new_subscription(
    ss_fetch, ss_ws, ss_create_session
):
    """A revocation is a reason to check again: replaying it later ends nothing that the
    current membership allows."""
    sid = await ss_create_session("alice", joined=["carol"], start=True)
    room = f"session:{sid}"
    first = await subscribed(ss_ws, "carol", room)
    since = (await first.op("subscribe", channel=room))["data"]["seq"]
    patch = {"method": "PATCH", "body": {"state": "removed"}}
    assert (await ss_fetch("alice", f"sessions/{sid}/participants/carol", **patch)).status == 200
    await first.event(channel=room, type="subscription.ended")
    invite = {"method": "POST", "body": {"usernames": ["carol"]}}
    assert (await ss_fetch("alice", f"sessions/{sid}/invites", **invite)).status == 200
    assert (await ss_fetch("carol", f"sessions/{sid}/join", method="POST")).status == 200

    again = await ss_ws("carol")
    ack = await again.op("subscribe", channel=room, since=since)  # replays the revocation
    assert ack["ok"], ack
    alice = await subscribed(ss_ws, "alice", room)
    assert (await alice.op("chat.send", session_id=sid, text="welcome back"))["ok"]
    assert chat_texts([await again.event(channel=room, type="chat.message")]) == ["welcome back"]
    assert [e for e in await again.drain() if e["type"] == "subscription.ended"] == []


async def test_a_live_resource_should_be_told_of_every_revocation(ss_app, ss_fetch):
    """How a CRDT document room or a media room learns that a peer's access may have ended."""
    told: list[Revocation] = []

    async def revoke(revocation: Revocation) -> None:
        told.append(revocation)

    ss_app.services.hub.access.on_revoke(revoke)
    reply = await ss_fetch("alice", "groups", method="POST", body={"name": "G", "invite": ["bob"]})
    group = reply.body["id"]
    assert (await ss_fetch("bob", f"groups/{group}/join", method="POST")).status == 200
    assert (await ss_fetch("alice", f"groups/{group}/members/bob", method="DELETE")).status == 200
    for _ in range(100):
        if told:
            break
        await asyncio.sleep(0.02)
    assert told == [Revocation(f"group:{group}", ("bob",), "removed", told[0].message)]
    assert told[0].concerns("bob") and not told[0].concerns("alice")
    assert told[0].covers(f"presence:group:{group}")


async def test_a_session_deleted_by_the_cleanup_should_end_its_subscriptions(
    ss_app, ss_clock, ss_fetch, ss_ws
):
    sid = (await ss_fetch("alice", "sessions", method="POST", body={"title": "Alone"})).body["id"]
    alice = await subscribed(ss_ws, "alice", f"session:{sid}")
    ss_clock.advance(minutes=31)
    assert (await ss_app.services.sessions.cleanup()).deleted == 1
    ended = await alice.event(channel=f"session:{sid}", type="subscription.ended")
    assert ended["data"]["reason"] == "deleted"
    assert "nobody joined" in ended["data"]["message"]
