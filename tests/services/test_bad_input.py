"""Whatever a client sends, the answer is a clear 4xx naming the problem, never a 500: strict
types, required bodies, nulls in changes, bounded dates, nesting and size limits, NUL
characters, unknown usernames; over REST and the websocket."""

from __future__ import annotations

import json

import pytest


def names(reply, field: str) -> bool:
    return reply.status == 400 and reply.body["message"].startswith(field)


async def test_strings_should_never_be_taken_for_booleans_or_numbers(ss_fetch):
    for body, field in [
        ({"title": "t", "is_public": "true"}, "is_public"),
        ({"title": "t", "is_public": 0}, "is_public"),
        ({"title": "t", "max_participants": "5"}, "max_participants"),
        ({"title": "t", "max_participants": 5.0}, "max_participants"),
        ({"title": 7}, "title"),
    ]:
        reply = await ss_fetch("alice", "sessions", method="POST", body=body)
        assert names(reply, field), (body, reply.body)
    assert (await ss_fetch("alice", "sessions")).body["items"] == []


async def test_a_missing_body_should_be_400_where_a_body_is_required(ss_fetch):
    reply = await ss_fetch("alice", "sessions", method="POST", body=b"")
    assert (reply.status, reply.body["reason"]) == (400, "missing_body")
    created = await ss_fetch("alice", "sessions", method="POST", body={"title": "t"})
    # a body whose fields are all optional may be left out
    sid = created.body["id"]
    assert (await ss_fetch("alice", f"sessions/{sid}/start", method="POST", body=b"")).status == 200


async def test_null_in_a_change_should_be_400_unless_the_field_can_be_empty(ss_fetch):
    sid = (await ss_fetch("alice", "sessions", method="POST", body={"title": "t"})).body["id"]
    for field in ("title", "tags", "is_public", "max_participants", "settings"):
        reply = await ss_fetch("alice", f"sessions/{sid}", method="PATCH", body={field: None})
        assert names(reply, field), (field, reply.body)
    reply = await ss_fetch("alice", f"sessions/{sid}", method="PATCH", body={"subject": None})
    assert reply.status == 200 and reply.body["subject"] is None
    group = (await ss_fetch("alice", "groups", method="POST", body={"name": "g"})).body["id"]
    reply = await ss_fetch("alice", f"groups/{group}", method="PATCH", body={"name": None})
    assert names(reply, "name"), reply.body


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "1900-01-01T00:00:00Z"])
async def test_dates_outside_the_supported_years_should_be_400(ss_fetch, when):
    reply = await ss_fetch(
        "alice", "sessions", method="POST", body={"title": "t", "scheduled_at": when}
    )
    assert names(reply, "scheduled_at") and "2000 to 2100" in reply.body["message"]
    reply = await ss_fetch(
        "prof", "analytics/attendance.csv", params={"from": when[:10], "to": "2030-01-01"}
    )
    assert names(reply, "from"), reply.body
    assert (await ss_fetch("alice", "calendar/token", method="POST")).status in (200, 201)


async def test_deep_nesting_nul_characters_and_huge_bodies_should_be_refused(ss_fetch):
    deep = "[" * 100_000 + "]" * 100_000
    reply = await ss_fetch("alice", "sessions", method="POST", body=deep)
    assert (reply.status, reply.body["reason"]) == (400, "invalid_json")
    nested = {"title": "t", "tags": [[[[[[[[[[["x"]]]]]]]]]]]}
    reply = await ss_fetch("alice", "sessions", method="POST", body=nested)
    assert reply.status == 400 and "nests deeper" in reply.body["message"]
    reply = await ss_fetch("alice", "sessions", method="POST", body={"title": "a\x00b"})
    assert reply.status == 400 and "NUL" in reply.body["message"]
    reply = await ss_fetch("alice", "sessions/a%00b")
    assert reply.status == 400 and "NUL" in reply.body["message"]
    huge = json.dumps({"title": "t", "description": "x" * 2_000_000})
    reply = await ss_fetch("alice", "sessions", method="POST", body=huge)
    assert (reply.status, reply.body["reason"]) == (413, "too_large")


async def test_every_invite_path_should_answer_unknown_usernames_with_400_naming_them(ss_fetch):
    unknown = ["nobody", "ghost"]
    sid = (await ss_fetch("alice", "sessions", method="POST", body={"title": "t"})).body["id"]
    group = (await ss_fetch("alice", "groups", method="POST", body={"name": "g"})).body["id"]
    weekly = {"timezone": "UTC", "count": 3}
    calls = [
        ("sessions", {"title": "t", "invite": ["bob", *unknown]}),
        (
            "sessions",
            {
                "title": "t",
                "scheduled_at": "2030-01-07T10:00:00Z",
                "recurrence": weekly,
                "invite": unknown,
            },
        ),
        (f"sessions/{sid}/invites", {"usernames": unknown}),
        ("groups", {"name": "g", "invite": unknown}),
        (f"groups/{group}/invites", {"usernames": unknown}),
        (f"groups/{group}/sessions", {"title": "t", "invite": unknown}),
    ]
    for path, body in calls:
        reply = await ss_fetch("alice", path, method="POST", body=body)
        assert (reply.status, reply.body["reason"]) == (400, "unknown_users"), (path, reply.body)
        assert "nobody, ghost" in reply.body["message"]
    # users the server's identity provider lists are known before they first log in
    reply = await ss_fetch(
        "alice", f"sessions/{sid}/invites", method="POST", body={"usernames": ["erin"]}
    )
    assert reply.status == 200, reply.body


async def test_openapi_json_should_be_readable_without_logging_in(ss_fetch):
    reply = await ss_fetch(None, "openapi.json")
    assert reply.status == 200 and reply.body["openapi"] == "3.1.0"
    assert (await ss_fetch(None, "sessions")).status == 403  # the API itself is not


async def test_bad_websocket_frames_should_get_an_error_ack_and_keep_the_socket(ss_ws):
    ws = await ss_ws("alice")
    frames = [
        ("[" * 70_000, "too_large"),  # the size is checked before anything is parsed
        ("[" * 5_000 + "]" * 5_000, "bad_json"),
        (json.dumps({"id": [[[[[[[[[[[1]]]]]]]]]]], "op": "heartbeat"}), "bad_json"),
        (json.dumps({"id": {"a": 1}, "op": "heartbeat"}), "invalid_input"),
        (json.dumps({"id": 1, "op": "subscribe", "channel": "user:alice", "since": "3"}), None),
        (json.dumps({"id": 1, "op": "heartbeat", "idle": "false"}), None),
        (json.dumps({"id": 1, "op": "subscribe", "channel": "user:alice", "since": 2**40}), None),
    ]
    for frame, code in frames:
        await ws.send_raw(frame)
        ack = await ws.ack(1 if code is None else None)
        assert ack["ok"] is False, frame[:80]
        assert ack["error"]["code"] == (code or "invalid_input"), (frame[:80], ack)
    assert (await ws.op("subscribe", channel="user:alice"))["ok"] is True
