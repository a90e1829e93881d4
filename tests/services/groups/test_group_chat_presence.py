"""Group chat (the same chat as sessions) over REST and the websocket, and group presence."""

from __future__ import annotations


async def test_group_chat_should_be_persistent_over_rest(ss_fetch, make_group, ss_clock):
    group = await make_group()
    sent = await ss_fetch("bob", f"groups/{group}/messages", method="POST", body={"text": "hi"})
    assert sent.status == 201, sent.body
    message = sent.body
    assert (message["group_id"], message["session_id"], message["text"]) == (group, None, "hi")
    ss_clock.advance(minutes=1)
    await ss_fetch("alice", f"groups/{group}/messages", method="POST", body={"text": "hello"})
    history = (await ss_fetch("alice", f"groups/{group}/messages")).body
    assert [m["text"] for m in history["items"]] == ["hi", "hello"]
    edited = await ss_fetch(
        "bob", f"groups/{group}/messages/{message['id']}", method="PATCH", body={"text": "hey"}
    )
    assert (edited.status, edited.body["text"]) == (200, "hey")
    not_author = await ss_fetch(
        "alice", f"groups/{group}/messages/{message['id']}", method="PATCH", body={"text": "x"}
    )
    assert (not_author.status, not_author.body["reason"]) == (403, "not_author")
    moderated = await ss_fetch("alice", f"groups/{group}/messages/{message['id']}", method="DELETE")
    assert (moderated.status, moderated.body["text"]) == (200, "")
    assert moderated.body["deleted_at"] is not None
    # a message id of the group is not one of a session, and the other way round
    room = (await ss_fetch("alice", "sessions", method="POST", body={"title": "s"})).body["id"]
    cross = await ss_fetch("alice", f"sessions/{room}/messages/{message['id']}", method="DELETE")
    assert (cross.status, cross.body["reason"]) == (404, "message_not_found")
    invited = await ss_fetch("carol", f"groups/{group}/messages")
    assert (invited.status, invited.body["reason"]) == (403, "not_member")


async def test_group_chat_should_be_live_on_the_websocket(ss_fetch, ss_ws, make_group):
    group = await make_group()
    bob = await ss_ws("bob")
    seq = (await bob.op("subscribe", channel=f"group:{group}"))["data"]["seq"]
    alice = await ss_ws("alice")
    ack = await alice.op("chat.send", group_id=group, text="over ws")
    assert ack["ok"], ack
    event = await bob.event(type="chat.message")
    assert (event["channel"], event["seq"], event["data"]) == (
        f"group:{group}",
        seq + 1,
        {"message": ack["data"]},
    )
    edited = await alice.op("chat.edit", message_id=ack["data"]["id"], text="edited")
    assert edited["ok"] and edited["data"]["group_id"] == group
    assert (await bob.event(type="chat.edited"))["data"]["message"]["text"] == "edited"
    deleted = await bob.op("chat.delete", message_id=ack["data"]["id"])
    assert (deleted["ok"], deleted["error"]["code"]) == (False, "not_author")
    typing = await alice.op("typing", group_id=group)
    assert typing["data"] == {"broadcast": True}
    assert (await bob.event(type="typing"))["seq"] is None
    history = (await ss_fetch("bob", f"groups/{group}/messages")).body["items"]
    assert [m["text"] for m in history] == ["edited"]
    erin = await ss_ws("erin")
    cases = {
        "outsider": await erin.op("chat.send", group_id=group, text="x"),
        "both": await alice.op("chat.send", group_id=group, session_id="s", text="x"),
        "neither": await alice.op("chat.send", text="x"),
    }
    assert {k: v["error"]["code"] for k, v in cases.items()} == {
        "outsider": "group_not_found",
        "both": "invalid_input",
        "neither": "invalid_input",
    }


async def test_session_chat_should_still_work_beside_group_chat(ss_fetch, ss_ws, make_group):
    group = await make_group()
    room = (await ss_fetch("alice", "sessions", method="POST", body={"title": "s"})).body["id"]
    alice = await ss_ws("alice")
    await alice.op("subscribe", channel=f"session:{room}")
    ack = await alice.op("chat.send", session_id=room, text="in the room")
    assert ack["ok"] and (ack["data"]["session_id"], ack["data"]["group_id"]) == (room, None)
    event = await alice.event(type="chat.message")
    assert event["channel"] == f"session:{room}"
    await ss_fetch("alice", f"groups/{group}/messages", method="POST", body={"text": "in group"})
    room_history = (await ss_fetch("alice", f"sessions/{room}/messages")).body["items"]
    group_history = (await ss_fetch("alice", f"groups/{group}/messages")).body["items"]
    assert [m["text"] for m in room_history] == ["in the room"]
    assert [m["text"] for m in group_history] == ["in group"]


async def test_group_presence_should_list_members_and_change_live(
    ss_fetch, ss_ws, make_group, ss_app
):
    group = await make_group()
    reply = await ss_fetch("alice", "presence", params={"group": group})
    assert reply.status == 200, reply.body
    assert [(p["user"]["username"], p["status"]) for p in reply.body["items"]] == [
        ("alice", "offline"),
        ("bob", "offline"),
    ]
    alice = await ss_ws("alice")
    ack = await alice.op("subscribe", channel=f"presence:group:{group}")
    assert ack["ok"], ack
    bob = await ss_ws("bob")
    await bob.op("heartbeat")
    await ss_app.services.presence.flush()
    event = await alice.event(channel=f"presence:group:{group}", type="presence.changed")
    assert "bob" in [p["user"]["username"] for p in event["data"]["users"]]
    online = (await ss_fetch("alice", "presence", params={"group": group})).body["items"]
    assert dict((p["user"]["username"], p["status"]) for p in online)["bob"] == "online"
    for user, status in (("carol", 403), ("erin", 404), ("prof", 403)):
        assert (await ss_fetch(user, "presence", params={"group": group})).status == status
    erin = await ss_ws("erin")
    refused = await erin.op("subscribe", channel=f"presence:group:{group}")
    assert (refused["ok"], refused["error"]["code"]) == (False, "group_not_found")
    both = await ss_fetch("alice", "presence", params={"group": group, "users": "bob"})
    assert both.status == 400
