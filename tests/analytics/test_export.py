"""``GET /studysession/api/analytics/attendance.csv``: instructors only, dates checked, and
the content is the attendance measure."""

from __future__ import annotations

import io
from datetime import timedelta

import pandas as pd
import pytest

from jupyter_studysession.analytics import Analytics, measures

ROUTE = "analytics/attendance.csv"


def read_csv(body: str) -> pd.DataFrame:
    """The CSV as the attendance frame (types from the schema)."""
    raw = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, na_values=[""])
    for column in ("present", "joined_late", "left_early"):
        raw[column] = raw[column].map({"True": True, "False": False})
    return measures.ATTENDANCE.coerce(raw)


@pytest.mark.parametrize(
    ("user", "status", "reason"),
    [("prof", 200, None), ("tina", 403, "not_instructor"), ("alice", 403, "not_instructor")],
)
async def test_only_instructors_can_export_attendance(ss_fetch, user, status, reason):
    reply = await ss_fetch(user, ROUTE)
    assert reply.status == status, reply.body
    if reason:
        assert reply.body == {
            "message": "Only instructors can export attendance.",
            "reason": reason,
        }
    else:
        assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert reply.body.startswith("session_id,title,username,role,")


async def test_without_a_login_the_export_is_refused(ss_fetch):
    reply = await ss_fetch(None, ROUTE)
    assert reply.status == 403
    assert set(reply.body) == {"message", "reason"}


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"from": "2026-03-02T10:00:00"},  # no time zone
        {"to": "2026-02-30"},
        {"from": "2026-03-09", "to": "2026-03-02"},
        {"since": "2026-03-02"},
    ],
)
async def test_bad_dates_are_a_400_with_a_reason(ss_fetch, params):
    reply = await ss_fetch("prof", ROUTE, params=params)
    assert reply.status == 400, reply.body
    assert reply.body["reason"] == "invalid_input"
    assert reply.body["message"]


async def test_the_csv_is_the_attendance_measure(ss_fetch, ss_app, ss_clock, run_course):
    course = await run_course(ss_app.services)
    day = course["t0"].date().isoformat()
    reply = await ss_fetch("prof", ROUTE, params={"from": day, "to": day})
    assert reply.status == 200, reply.body
    assert 'filename="attendance.csv"' in reply.headers["Content-Disposition"]
    exported = read_csv(reply.body)
    with Analytics.from_url(ss_app.services.store.url) as analytics:
        expected = analytics.attendance(as_of=ss_clock.now())
    assert exported["title"].tolist() == ["'=Algebra"] * 4  # made inert for spreadsheets
    exported["title"] = expected["title"]
    pd.testing.assert_frame_equal(exported, expected)
    assert exported.set_index("username")["minutes_present"].to_dict() == {
        "alice": 30.0,
        "bob": 19.0,
        "carol": 25.0,
        "dave": 0.0,
    }


async def test_the_period_selects_sessions_by_their_start(ss_fetch, ss_app, run_course):
    course = await run_course(ss_app.services)
    t0 = course["t0"]
    after = (t0 + timedelta(seconds=1)).isoformat()
    reply = await ss_fetch("prof", ROUTE, params={"from": after})
    assert reply.status == 200
    assert read_csv(reply.body).empty
    before = (t0 + timedelta(seconds=1)).isoformat()
    reply = await ss_fetch("prof", ROUTE, params={"to": before})
    assert len(read_csv(reply.body)) == 4
