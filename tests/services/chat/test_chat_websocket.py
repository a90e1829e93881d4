"""Session chat over the websocket, through a real server, on SQLite and PostgreSQL."""

from __future__ import annotations


async def follow(ss_ws, user: str, room: str):
    """A websocket of ``user`` subscribed to the room's channel, and the ack's ``seq``."""
    ws = await ss_ws(user)
    ack = await ws.op("subscribe", channel=f"session:{room}")
    assert ack["ok"], ack
    return ws, ack["data"]["seq"]


async def test_message_sent_over_rest_should_reach_another_participant_live(
    ss_fetch, ss_ws, make_room, say
):
    room = await make_room()
    dave, seq = await follow(ss_ws, "dave", room)
    message = await say("carol", room, "hello over REST")
    event = await dave.event(type="chat.message")
    assert event["channel"] == f"session:{room}"
    assert event["seq"] == seq + 1
    assert event["data"] == {"message": message}


async def test_message_sent_over_the_websocket_should_be_acked_stored_and_broadcast(
    ss_fetch, ss_ws, make_room
):
    room = await make_room()
    dave, seq = await follow(ss_ws, "dave", room)
    carol = await ss_ws("carol")
    ack = await carol.op("chat.send", session_id=room, text="hello over ws")
    assert ack["ok"], ack
    message = ack["data"]
    assert (message["text"], message["sender"]["username"]) == ("hello over ws", "carol")
    event = await dave.event(type="chat.message")
    assert (event["seq"], event["data"]) == (seq + 1, {"message": message})
    history = await ss_fetch("dave", f"sessions/{room}/messages")
    assert history.body["items"] == [message]


async def test_edit_and_delete_ops_should_broadcast_the_changed_message(ss_ws, make_room):
    room = await make_room()
    dave, _ = await follow(ss_ws, "dave", room)
    carol, alice = await ss_ws("carol"), await ss_ws("alice")
    sent = (await carol.op("chat.send", session_id=room, text="frist"))["data"]
    edited = await carol.op("chat.edit", message_id=sent["id"], text="first")
    assert edited["ok"] and edited["data"]["text"] == "first", edited
    deleted = await alice.op("chat.delete", message_id=sent["id"])  # the host moderates
    assert deleted["ok"], deleted
    assert (deleted["data"]["text"], deleted["data"]["sender"]["username"]) == ("", "carol")
    assert deleted["data"]["deleted_at"] is not None
    events = [await dave.event(type=t) for t in ("chat.message", "chat.edited", "chat.deleted")]
    assert [e["data"]["message"] for e in events] == [sent, edited["data"], deleted["data"]]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


async def test_ops_should_refuse_what_rest_refuses_with_an_error_ack(ss_ws, make_room):
    room = await make_room()
    carol = await ss_ws("carol")
    sent = (await carol.op("chat.send", session_id=room, text="mine"))["data"]
    cases = {
        "dave edits carol's": ("dave", "chat.edit", {"message_id": sent["id"], "text": "x"}),
        "dave deletes carol's": ("dave", "chat.delete", {"message_id": sent["id"]}),
        "erin sends": ("erin", "chat.send", {"session_id": room, "text": "x"}),
        "erin deletes": ("erin", "chat.delete", {"message_id": sent["id"]}),
        "prof sends": ("prof", "chat.send", {"session_id": room, "text": "x"}),
        "unknown message": ("carol", "chat.edit", {"message_id": "nope", "text": "x"}),
        "empty text": ("carol", "chat.send", {"session_id": room, "text": ""}),
        "4001 characters": ("carol", "chat.send", {"session_id": room, "text": "x" * 4001}),
        "a sender field": ("carol", "chat.send", {"session_id": room, "text": "x", "sender": "a"}),
        "no session": ("carol", "chat.send", {"text": "x"}),
        "erin types": ("erin", "typing", {"session_id": room}),
    }
    sockets = {}
    got = {}
    for name, (user, op, payload) in cases.items():
        ws = sockets.get(user) or sockets.setdefault(user, await ss_ws(user))
        ack = await ws.op(op, **payload)
        got[name] = ack["error"]["code"] if not ack["ok"] else "ok"
    assert got == {
        "dave edits carol's": "not_author",
        "dave deletes carol's": "not_author",
        "erin sends": "session_not_found",
        "erin deletes": "message_not_found",
        "prof sends": "not_participant",
        "unknown message": "message_not_found",
        "empty text": "invalid_input",
        "4001 characters": "invalid_input",
        "a sender field": "invalid_input",
        "no session": "invalid_input",
        "erin types": "session_not_found",
    }
    assert (await carol.op("chat.send", session_id=room, text="still open"))["ok"]


async def test_send_op_in_an_ended_session_should_get_a_conflict_ack(ss_fetch, ss_ws, make_room):
    room = await make_room(start=True)
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200
    carol = await ss_ws("carol")
    ack = await carol.op("chat.send", session_id=room, text="too late")
    assert (ack["ok"], ack["error"]["code"]) == (False, "session_ended")


async def test_typing_should_be_broadcast_throttled_and_never_stored(
    ss_fetch, ss_ws, make_room, ss_clock
):
    room = await make_room()
    dave, seq = await follow(ss_ws, "dave", room)
    carol = await ss_ws("carol")

    first = await carol.op("typing", session_id=room)
    assert first == {"re": first["re"], "ok": True, "data": {"broadcast": True}}
    event = await dave.event(type="typing")
    assert event == {
        "channel": f"session:{room}",
        "seq": None,
        "type": "typing",
        "data": {"user": {"username": "carol", "display_name": "Carol"}},
    }

    ss_clock.advance(seconds=1.9)
    again = await carol.op("typing", session_id=room)
    assert again["data"] == {"broadcast": False}
    assert [e for e in await dave.drain() if e["type"] == "typing"] == []

    ss_clock.advance(seconds=0.1)
    assert (await carol.op("typing", session_id=room))["data"] == {"broadcast": True}
    assert (await dave.event(type="typing"))["data"]["user"]["username"] == "carol"
    await ss_fetch("carol", f"sessions/{room}/messages", method="POST", body={"text": "done"})
    await dave.event(type="chat.message")

    resumed = await ss_ws("dave")
    ack = await resumed.op("subscribe", channel=f"session:{room}", since=seq)
    assert ack["ok"] and ack["data"]["reset"] is False
    replayed = await resumed.drain()
    assert [e["type"] for e in replayed] == ["chat.message"]
