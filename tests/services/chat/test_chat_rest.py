"""Session chat over REST, through a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

USER_OF = {
    "author": "carol",  # a joined participant, who wrote the message under test
    "host": "alice",
    "co_host": "bob",
    "participant": "dave",  # another joined participant
    "outsider": "erin",  # no relation to the (private) session
    "instructor": "prof",  # course staff, not a member
}


async def test_sent_message_should_be_described_and_kept_exactly_as_written(
    ss_fetch, make_room, ss_clock
):
    room = await make_room()
    text = "  **Eigen**values <script>alert(1)</script>\n\n```py\nx = 1\n```  "
    reply = await ss_fetch("carol", f"sessions/{room}/messages", method="POST", body={"text": text})
    assert reply.status == 201, reply.body
    message = reply.body
    assert message["text"] == text
    assert message["session_id"] == room
    assert message["sender"]["username"] == "carol"
    assert message["created_at"] == ss_clock.now().isoformat().replace("+00:00", "Z")
    assert (message["edited_at"], message["deleted_at"]) == (None, None)
    history = await ss_fetch("dave", f"sessions/{room}/messages")
    assert history.status == 200
    assert history.body == {"items": [message], "next_before": None}


async def test_sender_should_be_the_logged_in_user_never_a_field(ss_fetch, make_room):
    room = await make_room()
    reply = await ss_fetch(
        "carol",
        f"sessions/{room}/messages",
        method="POST",
        body={"text": "I am alice", "sender": "alice"},
    )
    assert (reply.status, reply.body["reason"]) == (400, "invalid_input")
    assert reply.body["message"].startswith("sender")
    assert (await ss_fetch("carol", f"sessions/{room}/messages")).body["items"] == []


async def test_history_should_page_back_through_120_messages_without_gaps_or_duplicates(
    ss_fetch, make_room, say, ss_clock
):
    room = await make_room()
    sent = []
    for n in range(120):
        ss_clock.advance(seconds=1)  # 120 messages in two minutes: within the chat limit
        sent.append((await say(("carol", "dave")[n % 2], room, f"message {n}"))["id"])

    pages, before = [], None
    while True:
        params = {"limit": "50", **({"before": before} if before else {})}
        reply = await ss_fetch("alice", f"sessions/{room}/messages", params=params)
        assert reply.status == 200, reply.body
        pages.append(reply.body["items"])
        before = reply.body["next_before"]
        if before is None:
            break
        assert before == reply.body["items"][0]["id"]

    assert [len(p) for p in pages] == [50, 50, 20]
    for page in pages:
        times = [m["created_at"] for m in page]
        assert times == sorted(times), "each page is oldest first"
    chronological = [m["id"] for page in reversed(pages) for m in page]
    assert chronological == sent
    assert [m["text"] for m in pages[0]] == [f"message {n}" for n in range(70, 120)]
    default = await ss_fetch("alice", f"sessions/{room}/messages")
    assert [m["id"] for m in default.body["items"]] == sent[-50:]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"before": "no-such-message"}, "before"),
        ({"after": "x"}, "after"),
    ],
)
async def test_bad_history_query_should_be_400_naming_the_parameter(
    ss_fetch, make_room, params, field
):
    room = await make_room()
    reply = await ss_fetch("carol", f"sessions/{room}/messages", params=params)
    assert reply.status == 400, reply.body
    assert reply.body["message"].startswith(field), reply.body


async def test_text_should_be_1_to_4000_characters_and_not_only_whitespace(ss_fetch, make_room):
    room = await make_room()
    cases = {
        "empty": "",
        "whitespace": " \n\t ",
        "4000": "x" * 4000,
        "4001": "x" * 4001,
        "4000 accented": "é" * 4000,
        "not a string": 42,
    }
    got = {}
    for name, text in cases.items():
        reply = await ss_fetch(
            "carol", f"sessions/{room}/messages", method="POST", body={"text": text}
        )
        got[name] = reply.status
        if reply.status == 400:
            assert reply.body["reason"] == "invalid_input"
            assert reply.body["message"].startswith("text:"), reply.body
    assert got == {
        "empty": 400,
        "whitespace": 400,
        "4000": 201,
        "4000 accented": 201,
        "4001": 400,
        "not a string": 400,
    }
    missing = await ss_fetch("carol", f"sessions/{room}/messages", method="POST", body={})
    assert (missing.status, missing.body["message"].split(":")[0]) == (400, "text")
    history = (await ss_fetch("carol", f"sessions/{room}/messages")).body["items"]
    assert [len(m["text"]) for m in history] == [4000, 4000]
    edit = await ss_fetch(
        "carol",
        f"sessions/{room}/messages/{history[0]['id']}",
        method="PATCH",
        body={"text": "   "},
    )
    assert (edit.status, edit.body["message"].split(":")[0]) == (400, "text")


async def test_who_may_read_and_send(ss_fetch, make_room):
    room = await make_room()
    invite = await ss_fetch(
        "alice", f"sessions/{room}/invites", method="POST", body={"usernames": ["frank"]}
    )
    assert invite.status == 200
    # dave leaves: he may still read what was said, but no longer write
    assert (await ss_fetch("dave", f"sessions/{room}/leave", method="POST")).status == 200
    who = {
        "host": "alice",
        "co_host": "bob",
        "participant": "carol",
        "left": "dave",
        "invited": "frank",
        "outsider": "erin",
        "instructor": "prof",
        "ta": "tina",
    }
    read, send = {}, {}
    for role, user in who.items():
        read[role] = (await ss_fetch(user, f"sessions/{room}/messages")).status
        reply = await ss_fetch(
            user, f"sessions/{room}/messages", method="POST", body={"text": f"from {role}"}
        )
        send[role] = (reply.status, reply.body["reason"] if reply.status != 201 else None)
    assert read == {
        "host": 200,
        "co_host": 200,
        "participant": 200,
        "left": 200,
        "invited": 403,
        "outsider": 404,
        "instructor": 200,
        "ta": 200,
    }
    assert send == {
        "host": (201, None),
        "co_host": (201, None),
        "participant": (201, None),
        "left": (403, "not_participant"),
        "invited": (403, "not_participant"),
        "outsider": (404, "session_not_found"),
        "instructor": (403, "not_participant"),
        "ta": (403, "not_participant"),
    }
    anonymous = await ss_fetch(None, f"sessions/{room}/messages")
    assert anonymous.status == 403


# fmt: off
#                           author host co_host participant outsider instructor
EDIT   = dict(zip(USER_OF, (200,   403, 403,    403,        404,     403), strict=True))
DELETE = dict(zip(USER_OF, (200,   200, 200,    403,        404,     403), strict=True))
# fmt: on


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        pytest.param("PATCH", {"text": "changed"}, EDIT, id="edit"),
        pytest.param("DELETE", None, DELETE, id="delete"),
    ],
)
async def test_edit_and_delete_should_follow_the_permission_matrix(
    ss_fetch, make_room, say, method, body, expected
):
    room = await make_room()
    got, ids = {}, {}
    for role, user in USER_OF.items():
        message = await say("carol", room, f"for {role}")
        path = f"sessions/{room}/messages/{message['id']}"
        got[role] = (await ss_fetch(user, path, method=method, body=body)).status
        ids[role] = message["id"]
    history = {
        m["id"]: m for m in (await ss_fetch("carol", f"sessions/{room}/messages")).body["items"]
    }
    assert got == expected
    for role, message_id in ids.items():
        changed = history[message_id]["text"] != f"for {role}"
        assert changed == (expected[role] == 200), role


async def test_message_of_another_session_should_be_404(ss_fetch, make_room, say):
    room, other = await make_room(), await make_room()
    message = await say("carol", other, "elsewhere")
    for method, body in (("PATCH", {"text": "x"}), ("DELETE", None)):
        reply = await ss_fetch(
            "carol", f"sessions/{room}/messages/{message['id']}", method=method, body=body
        )
        assert (reply.status, reply.body["reason"]) == (404, "message_not_found")


async def test_deleted_message_should_remain_as_a_tombstone(ss_fetch, make_room, say, ss_clock):
    room = await make_room()
    kept = await say("carol", room, "before")
    message = await say("carol", room, "regrettable")
    after = await say("dave", room, "after")
    ss_clock.advance(minutes=1)
    path = f"sessions/{room}/messages/{message['id']}"
    deleted = await ss_fetch("alice", path, method="DELETE")
    assert deleted.status == 200, deleted.body
    tombstone = {
        **message,
        "text": "",
        "deleted_at": ss_clock.now().isoformat().replace("+00:00", "Z"),
    }
    assert deleted.body == tombstone
    history = (await ss_fetch("dave", f"sessions/{room}/messages")).body["items"]
    assert history == [kept, tombstone, after]

    again = await ss_fetch("carol", path, method="DELETE")
    assert (again.status, again.body) == (200, tombstone)
    edit = await ss_fetch("carol", path, method="PATCH", body={"text": "undo"})
    assert (edit.status, edit.body["reason"]) == (409, "message_deleted")


async def test_edit_should_change_the_text_and_set_edited_at(ss_fetch, make_room, say, ss_clock):
    room = await make_room()
    message = await say("carol", room, "teh answer")
    ss_clock.advance(seconds=30)
    reply = await ss_fetch(
        "carol", f"sessions/{room}/messages/{message['id']}", method="PATCH", body={"text": "the"}
    )
    assert reply.status == 200, reply.body
    assert reply.body == {
        **message,
        "text": "the",
        "edited_at": ss_clock.now().isoformat().replace("+00:00", "Z"),
    }


async def test_chat_of_an_ended_session_should_be_read_only(ss_fetch, make_room, say):
    room = await make_room(start=True)
    message = await say("carol", room, "see you")
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200
    path = f"sessions/{room}/messages"
    got = {
        "send": await ss_fetch("carol", path, method="POST", body={"text": "late"}),
        "edit": await ss_fetch(
            "carol", f"{path}/{message['id']}", method="PATCH", body={"text": "x"}
        ),
        "delete": await ss_fetch("alice", f"{path}/{message['id']}", method="DELETE"),
    }
    assert {k: (r.status, r.body["reason"]) for k, r in got.items()} == dict.fromkeys(
        got, (409, "session_ended")
    )
    history = await ss_fetch("carol", path)
    assert (history.status, history.body["items"]) == (200, [message])

    cancelled = await ss_fetch("alice", "sessions", method="POST", body={"title": "Off"})
    room = cancelled.body["id"]
    assert (await ss_fetch("alice", f"sessions/{room}", method="DELETE")).status == 200
    late = await ss_fetch("alice", f"sessions/{room}/messages", method="POST", body={"text": "x"})
    assert (late.status, late.body["reason"]) == (409, "session_ended")
