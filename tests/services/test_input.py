"""Bad input gets a clear 400 naming the field; limits give 429 with Retry-After; never a 500."""

import pytest


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"title": "ok", "description": "d" * 2001}, "description"),
        ({"title": "ok", "type": "party"}, "type"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"title": "ok", "max_participants": 1}, "max_participants"),
        ({"title": "ok", "max_participants": 501}, "max_participants"),
        ({"title": "ok", "scheduled_at": "next tuesday"}, "scheduled_at"),
        ({"title": "ok", "scheduled_at": "2026-12-01T10:00:00"}, "scheduled_at"),
        ({"title": "ok", "settings": {"tools": ["jetpack"]}}, "settings.tools"),
        ({"title": "ok", "host": "bob"}, "host"),
        ({}, "title"),
    ],
)
async def test_create_session_rejects_bad_fields_by_name(ss_fetch, body, field):
    reply = await ss_fetch("alice", "sessions", method="POST", body=body)
    assert reply.status == 400, reply.body
    assert reply.body["reason"] == "invalid_input"
    assert reply.body["message"].startswith(field), reply.body["message"]
    assert (await ss_fetch("alice", "sessions")).body["items"] == []  # nothing half-created


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "\xff\xfe"])
async def test_malformed_bodies_are_400(ss_fetch, raw):
    reply = await ss_fetch("alice", "sessions", method="POST", body=raw.encode("latin-1"))
    assert reply.status == 400
    assert reply.body["reason"] == "invalid_json"


async def test_bad_query_parameters_are_400(ss_fetch):
    reply = await ss_fetch("alice", "sessions", params={"limit": "lots"})
    assert reply.status == 400 and reply.body["message"].startswith("limit")
    reply = await ss_fetch("alice", "sessions", params={"status": "sleeping"})
    assert reply.status == 400 and reply.body["message"].startswith("status")


async def test_unknown_session_is_a_json_404(ss_fetch):
    reply = await ss_fetch("alice", "sessions/doesnotexist/join", method="POST")
    assert reply.status == 404
    assert reply.body == {
        "message": "No study session 'doesnotexist'.",
        "reason": "session_not_found",
    }


async def test_naive_scheduled_time_message_says_what_to_do(ss_fetch):
    reply = await ss_fetch(
        "alice",
        "sessions",
        method="POST",
        body={"title": "t", "scheduled_at": "2026-12-01T10:00:00"},
    )
    assert "time zone" in reply.body["message"]


@pytest.fixture
def jp_server_config(ss_server_config):
    ss_server_config["StudySessionApp"]["write_limit"] = "3/minute"
    return ss_server_config


async def test_writes_over_the_limit_get_429_with_retry_after(ss_fetch, ss_clock):
    for i in range(3):
        reply = await ss_fetch("alice", "notifications/read", method="POST", body={"all": True})
        assert reply.status == 200, i
    limited = await ss_fetch("alice", "notifications/read", method="POST", body={"all": True})
    assert limited.status == 429
    assert limited.body["reason"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # another user is not affected, reads are not limited, and the window slides
    assert (await ss_fetch("bob", "notifications/read", method="POST", body={})).status == 200
    assert (await ss_fetch("alice", "notifications")).status == 200
    ss_clock.advance(seconds=61)
    assert (await ss_fetch("alice", "notifications/read", method="POST", body={})).status == 200
