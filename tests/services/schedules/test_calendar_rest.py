"""Calendar export over a real server: the feed parsed back with icalendar field by field,
the feed token's life, and who may call each new route."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
XSRF = {"Cookie": "_xsrf=anonymous", "X-XSRFToken": "anonymous"}


@pytest.fixture
def clock(ss_clock):
    ss_clock.set(START)
    return ss_clock


async def feed(ss_fetch, token, user=None):
    return await ss_fetch(user, "calendar.ics", params={"token": token} if token else None)


def events(body: str) -> dict[str, dict]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


async def new_token(ss_fetch, user="alice"):
    reply = await ss_fetch(user, "calendar/token", method="POST")
    assert reply.status == 201, reply.body
    return reply.body


async def test_the_feed_lists_my_sessions_and_tracks_changes_field_by_field(ss_fetch, clock):
    clock.set(datetime(2026, 3, 10, 9, tzinfo=timezone.utc))  # the window reaches April 7
    first = datetime(2026, 3, 23, 14, tzinfo=BERLIN)  # the week before Berlin's DST change
    series = await ss_fetch(
        "alice",
        "sessions",
        method="POST",
        body={
            "title": "Algebra",
            "scheduled_at": first.isoformat(),
            "invite": ["bob"],
            "recurrence": {"timezone": "Europe/Berlin", "count": 2},
        },
    )
    assert series.status == 201, series.body
    plain = await ss_fetch(
        "alice",
        "sessions",
        method="POST",
        body={"title": "Once", "scheduled_at": (clock.now() + timedelta(days=1)).isoformat()},
    )
    token = await new_token(ss_fetch)
    assert token["url"].endswith(f"/studysession/api/calendar.ics?token={token['token']}")

    reply = await feed(ss_fetch, token["token"])
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(reply.body)
    assert str(calendar["VERSION"]) == "2.0" and "jupyter-studysession" in str(calendar["PRODID"])
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Berlin"]
    found = events(reply.body)
    assert len(found) == 3
    uid = f"{series.body['id']}@jupyter-studysession"
    event = found[uid]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART") == first
    assert event.decoded("DTSTART").astimezone(BERLIN).hour == 14
    assert (event.decoded("SEQUENCE"), str(event["STATUS"]), str(event["SUMMARY"])) == (
        0,
        "CONFIRMED",
        "Algebra",
    )
    second = next(e for u, e in found.items() if u != uid and str(e["SUMMARY"]) == "Algebra")
    assert second.decoded("DTSTART").astimezone(BERLIN).hour == 14  # after the DST change
    assert second.decoded("DTSTART").utcoffset() == timedelta(hours=2)
    once = found[f"{plain.body['id']}@jupyter-studysession"]
    assert once.decoded("DTSTART").utcoffset() == timedelta(0)  # not a series: UTC
    assert "TZID" not in once["DTSTART"].params

    await ss_fetch(
        "alice", f"sessions/{series.body['id']}", method="PATCH", body={"title": "Algebra I"}
    )
    event = events((await feed(ss_fetch, token["token"])).body)[uid]
    assert (event.decoded("SEQUENCE"), str(event["SUMMARY"])) == (1, "Algebra I")
    await ss_fetch(
        "alice", f"sessions/{series.body['id']}", method="PATCH", body={"description": "x"}
    )
    assert events((await feed(ss_fetch, token["token"])).body)[uid].decoded("SEQUENCE") == 1
    await ss_fetch("alice", f"sessions/{series.body['id']}", method="DELETE")
    event = events((await feed(ss_fetch, token["token"])).body)[uid]
    assert (event.decoded("SEQUENCE"), str(event["STATUS"])) == (2, "CANCELLED")

    # bob's feed has the series (he is invited) but not alice's private one-off session
    bob = events((await feed(ss_fetch, (await new_token(ss_fetch, "bob"))["token"])).body)
    assert uid in bob and f"{plain.body['id']}@jupyter-studysession" not in bob


async def test_a_session_ics_download_has_the_same_event(ss_fetch, clock):
    start = datetime(2026, 3, 2, 14, tzinfo=BERLIN)
    created = await ss_fetch(
        "alice",
        "sessions",
        method="POST",
        body={
            "title": "Weekly",
            "scheduled_at": start.isoformat(),
            "recurrence": {"timezone": "Europe/Berlin", "by_weekday": ["MO"]},
        },
    )
    reply = await ss_fetch("alice", f"sessions/{created.body['id']}/calendar.ics")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(reply.body)
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{created.body['id']}@jupyter-studysession"
    assert event.decoded("DTSTART") == start


async def test_rotating_or_revoking_the_feed_token_locks_the_old_one_out(ss_fetch, clock):
    old = await new_token(ss_fetch)
    new = await new_token(ss_fetch)
    assert (await feed(ss_fetch, old["token"])).status == 403
    assert (await feed(ss_fetch, new["token"])).status == 200
    revoked = await ss_fetch("alice", "calendar/token", method="DELETE")
    assert (revoked.status, revoked.body) == (200, {"revoked": True})
    reply = await feed(ss_fetch, new["token"])
    assert (reply.status, reply.body["reason"]) == (403, "invalid_feed_token")
    again = await ss_fetch("alice", "calendar/token", method="DELETE")
    assert (again.status, again.body["reason"]) == (404, "no_feed_token")


async def test_the_feed_is_authenticated_by_its_token_only(ss_fetch, clock):
    token = await new_token(ss_fetch)
    assert (await feed(ss_fetch, None)).status == 403  # no token
    assert (await feed(ss_fetch, "not-a-token")).status == 403  # a bad token
    assert (await feed(ss_fetch, None, user="alice")).status == 403  # a login is not enough
    assert (await feed(ss_fetch, "x" * 300)).status == 403
    mine = await feed(ss_fetch, token["token"], user="bob")  # the token decides whose feed
    assert mine.status == 200 and "Study sessions of alice" in mine.body


async def test_who_may_call_the_calendar_routes(ss_fetch, clock):
    room = await ss_fetch(
        "alice",
        "sessions",
        method="POST",
        body={"title": "Private", "scheduled_at": "2026-03-02T10:00:00Z", "invite": ["bob"]},
    )
    path = f"sessions/{room.body['id']}/calendar.ics"
    expected = {"alice": 200, "bob": 200, "erin": 404, "prof": 200, "tina": 200, None: 403}
    got = {}
    for user in expected:
        got[user] = (await ss_fetch(user, path, headers=XSRF if user is None else None)).status
    assert got == expected
    assert (await ss_fetch(None, "sessions/nope/calendar.ics")).status == 403
    assert (await ss_fetch("alice", "sessions/nope/calendar.ics")).status == 404
    for method in ("POST", "DELETE"):
        anonymous = await ss_fetch(None, "calendar/token", method=method, headers=XSRF)
        assert anonymous.status == 403, method
    for user in ("erin", "prof", "bob"):
        assert (await ss_fetch(user, "calendar/token", method="POST")).status == 201


async def test_recurring_session_input_errors_are_400(ss_fetch, clock):
    cases = [
        {"recurrence": {"timezone": "Nowhere/Land"}},
        {"recurrence": {"timezone": "Europe/Berlin", "rrule": "FREQ=SECONDLY"}},
        {"recurrence": {"timezone": "Europe/Berlin", "count": 2, "until": "2026-05-01"}},
        {"recurrence": {"timezone": "Europe/Berlin", "by_weekday": ["XX"]}},
        {"recurrence": {"timezone": "Europe/Berlin"}, "scheduled_at": None},
    ]
    for extra in cases:
        body = {"title": "Bad", "scheduled_at": "2026-03-02T10:00:00Z", **extra}
        reply = await ss_fetch("alice", "sessions", method="POST", body=body)
        assert reply.status == 400, (extra, reply.body)
        assert set(reply.body) == {"message", "reason"}
    plain = await ss_fetch("alice", "sessions", method="POST", body={"title": "Plain"})
    reply = await ss_fetch("alice", f"sessions/{plain.body['id']}", method="DELETE", params=None)
    assert reply.status == 200
    other = await ss_fetch("alice", "sessions", method="POST", body={"title": "Plain 2"})
    reply = await ss_fetch(
        "alice",
        f"sessions/{other.body['id']}",
        method="PATCH",
        body={"title": "x", "scope": "following"},
    )
    assert (reply.status, reply.body["reason"]) == (400, "not_recurring")
