"""The demo course: what the server records when the plan is played through the managers is
exactly the ground truth computed from the plan (on SQLite and PostgreSQL), the plan is the
same for the same seed, and ``jupyter studysession demo-data --students`` writes it all."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from jupyter_studysession.app import StudySessionApp
from jupyter_studysession.clock import FrozenClock
from jupyter_studysession.demo_course import (
    TIMEZONE,
    create_demo_course,
    ground_truth,
    plan_course,
)
from jupyter_studysession.orm import (
    AttendanceInterval,
    ChatMessage,
    GroupMember,
    Participant,
    QueueEntry,
    SessionSummary,
    StudySession,
)
from jupyter_studysession.store import Store

START = date(2026, 10, 12)  # a Monday


def union_minutes(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime):
    """The definition: the union of the intervals, clipped to the session, in minutes."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in spans if min(b, end) > max(a, start))
    total, current = 0.0, None
    for a, b in clipped:
        if current and a <= current[1]:
            current[1] = max(current[1], b)
            continue
        if current:
            total += (current[1] - current[0]).total_seconds()
        current = [a, b]
    if current:
        total += (current[1] - current[0]).total_seconds()
    return total / 60


async def recorded(url: str) -> dict:
    """What the database holds, read with the ORM (not with the analytics module)."""
    store = Store(url)
    try:
        await store.open()
        async with store.read() as db:
            return {
                "sessions": {s.id: s for s in await db.scalars(select(StudySession))},
                "summaries": {s.session_id: s for s in await db.scalars(select(SessionSummary))},
                "intervals": list(await db.scalars(select(AttendanceInterval))),
                "participants": list(await db.scalars(select(Participant))),
                "entries": {e.id: e for e in await db.scalars(select(QueueEntry))},
                "messages": list(await db.scalars(select(ChatMessage))),
                "members": list(await db.scalars(select(GroupMember))),
            }
    finally:
        await store.dispose()


@pytest.mark.timeout(600)
async def test_the_recorded_course_is_the_ground_truth(ss_db_url):
    app = StudySessionApp(db_url=ss_db_url, clock=FrozenClock())
    services = app.build_services()
    try:
        await services.store.open()
        plan = plan_course(15, 1, seed=7, start=START, grace=services.presence.attendance.grace)
        await create_demo_course(services, plan)
    finally:
        await services.close()
    truth = ground_truth(plan)
    db = await recorded(ss_db_url)

    # sessions: held ones completed at the planned times, abandoned ones gone
    planned = {s["session_id"]: s for s in truth["sessions"]}
    for sid, s in planned.items():
        if s["status"] == "abandoned":
            assert sid not in db["sessions"]
            continue
        row = db["sessions"][sid]
        assert row.status == s["status"], s["key"]
        if s["status"] == "completed":
            summary = db["summaries"][sid]
            assert (row.started_at.isoformat(), row.ended_at.isoformat()) == (
                s["started_at"].replace("Z", "+00:00"),
                s["ended_at"].replace("Z", "+00:00"),
            ), s["key"]
            assert summary.ended_by == s["ended_by"]
            assert (summary.message_count, summary.goals_total, summary.goals_done) == (
                s["messages"],
                s["goals"],
                s["goals_done"],
            ), s["key"]
            assert summary.focus_minutes == round(s["focus_minutes"]), s["key"]
    assert len(db["sessions"]) == len(planned) - truth["counts"]["sessions_abandoned"]

    # attendance: minutes present (the union of intervals, clipped) for everyone who joined
    spans = defaultdict(list)
    for i in db["intervals"]:
        assert i.left_at is not None  # every interval was closed
        spans[i.session_id, i.username].append((i.joined_at, i.left_at))
    expected = {(a["session_id"], a["username"]): a["minutes"] for a in truth["attendance"]}
    joined = {
        (p.session_id, p.username)
        for p in db["participants"]
        if p.joined_at is not None and db["sessions"][p.session_id].status == "completed"
    }
    assert joined == set(expected)
    for (sid, user), minutes in expected.items():
        row = db["sessions"][sid]
        got = union_minutes(spans.get((sid, user), []), row.started_at, row.ended_at)
        assert math.isclose(got, minutes, abs_tol=1e-9), (planned[sid]["key"], user, got, minutes)
    assert sum(m > 0 for m in expected.values()) == len(spans)

    # the scenarios are recorded as the presence rules say
    intervals = {key: len(found) for key, found in spans.items()}
    for name, count in (("two_tabs", 1), ("reconnect", 1), ("long_break", 2), ("rejoined", 2)):
        cases = truth["scenarios"][name]
        assert cases, name
        assert {intervals[c["session_id"], c["username"]] for c in cases} == {count}, name
    assert all((c["session_id"], c["username"]) not in spans for c in truth["scenarios"]["no_tab"])
    zone = ZoneInfo(TIMEZONE)
    for sid in truth["scenarios"]["crosses_local_midnight"]:
        row = db["sessions"][sid]
        assert row.started_at.astimezone(zone).date() < row.ended_at.astimezone(zone).date()

    # the help queue: waits and no-shows
    for w in truth["queue_waits"]:
        entry = db["entries"][w["entry_id"]]
        assert entry.outcome == w["outcome"]
        if w["wait_minutes"] is None:
            assert entry.admitted_at is None
        else:
            wait = (entry.admitted_at - entry.joined_at).total_seconds() / 60
            assert math.isclose(wait, w["wait_minutes"], abs_tol=1e-9)
        assert (entry.outcome == "no_show") == w["no_show"]
    assert len(db["entries"]) == truth["counts"]["queue_entries"]

    # and the counts
    counts = truth["counts"]
    statuses = defaultdict(int)
    for row in db["sessions"].values():
        statuses[row.status] += 1
    assert (statuses["completed"], statuses["cancelled"]) == (
        counts["sessions_completed"],
        counts["sessions_cancelled"],
    )
    assert statuses["scheduled"] == statuses["active"] == 0
    assert (
        sum(s.ended_by == "system" for s in db["summaries"].values())
        == (counts["sessions_auto_ended"])
    )
    session_messages = [m for m in db["messages"] if m.session_id is not None]
    assert sum(m.deleted_at is None for m in session_messages) == counts["messages"]
    assert sum(m.deleted_at is not None for m in session_messages) == counts["messages_deleted"]
    assert sum(m.group_id is not None for m in db["messages"]) == counts["group_messages"]
    assert len([m for m in db["members"] if m.state == "joined"]) == counts["group_members"]
    for name in ("sessions_cancelled", "sessions_abandoned", "sessions_auto_ended"):
        assert counts[name] >= 1, name  # the first week has one of each
    assert counts["queue_no_shows"] >= 1 and counts["queue_helped"] >= 1


def test_the_same_seed_plans_the_same_course():
    def plan(seed):
        return [asdict(s) for s in plan_course(40, 2, seed=seed, start=START).sessions]

    assert plan(3) == plan(3)
    assert plan(3) != plan(4)


def test_a_server_with_other_rules_is_refused(ss_sqlite_url, jp_asyncio_loop):
    app = StudySessionApp(db_url=ss_sqlite_url, clock=FrozenClock(), queue_no_show_minutes=10)
    services = app.build_services()
    try:
        with pytest.raises(ValueError, match="assumes the default queue_no_show_minutes"):
            jp_asyncio_loop.run_until_complete(
                create_demo_course(services, plan_course(10, 1, seed=1, start=START))
            )
    finally:
        jp_asyncio_loop.run_until_complete(services.close())


def test_a_course_starts_on_a_monday():
    with pytest.raises(ValueError, match="starts on a Monday"):
        plan_course(40, 2, seed=1, start=date(2026, 10, 13))


def demo_data(db_url: str, *args: str, timeout: float = 120):
    """Run ``jupyter studysession demo-data`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "jupyter_studysession.cli", "demo-data", "--db-url", db_url, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.timeout(600)
def test_demo_data_with_students_creates_a_course_and_writes_its_ground_truth(
    ss_sqlite_url, tmp_path, jp_asyncio_loop
):
    truth_file = tmp_path / "truth.json"
    course = ["--students", "12", "--weeks", "1", "--seed", "2", "--start", str(START)]
    result = demo_data(ss_sqlite_url, *course, "--ground-truth", str(truth_file), timeout=600)
    assert result.returncode == 0, result.stderr
    truth = json.loads(truth_file.read_text())
    assert (truth["seed"], truth["students"], truth["weeks"]) == (2, 12, 1)
    assert truth["period"] == {"from": "2026-10-12T04:00:00Z", "to": "2026-10-19T04:00:00Z"}
    db = jp_asyncio_loop.run_until_complete(recorded(ss_sqlite_url))
    assert {a["session_id"] for a in truth["attendance"]} <= set(db["sessions"])
    assert len(db["entries"]) == truth["counts"]["queue_entries"]
    assert "already present" in demo_data(ss_sqlite_url, *course).stderr


@pytest.mark.timeout(180)  # a cold start of the command line
def test_demo_data_refuses_a_ground_truth_without_a_course(ss_sqlite_url, tmp_path):
    result = demo_data(ss_sqlite_url, "--ground-truth", str(tmp_path / "truth.json"))
    assert result.returncode == 2
    assert "--ground-truth needs a course" in result.stderr


@pytest.mark.timeout(180)  # a cold start of the command line
def test_demo_data_refuses_a_course_that_does_not_start_on_a_monday(ss_sqlite_url):
    result = demo_data(ss_sqlite_url, "--students", "10", "--start", "2026-10-13")
    assert result.returncode == 2
    assert "starts on a Monday, not on Tuesday 2026-10-13" in result.stderr
