"""Session durations, their distribution, abandoned sessions and cleanup counts; engagement
and the participation score; group continuity. Hand-made cases."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_studysession.analytics import measures
from jupyter_studysession.analytics import schema as schemas


def test_durations_count_sessions_across_midnight_whole(frame, session_row, at):
    sessions = frame(
        schemas.SESSIONS,
        session_row("short", "10:00", "10:20"),
        session_row("late", "23:30", at("01:00", "2026-03-03")),
        session_row("active", "12:00", None),
        session_row("planned", None, None, scheduled_at=at("18:00")),
    )
    durations = measures.session_durations(sessions).set_index("session_id")
    assert durations["duration_minutes"].to_dict() == {"short": 20.0, "late": 90.0}
    bins = measures.duration_distribution(durations).set_index("bin")
    assert bins.loc["[15, 30)", "sessions"] == 1
    assert bins.loc["[90, 120)", "sessions"] == 1
    assert bins["sessions"].sum() == 2 and bins["share"].sum() == pytest.approx(1.0)


def test_abandoned_sessions_are_auto_ended_or_never_started(frame, session_row, at):
    sessions = frame(
        schemas.SESSIONS,
        session_row("held", "10:00", "11:00", ended_by="alice"),
        session_row("forgotten", "10:00", "16:00", ended_by="system"),
        session_row("no_show", None, None, scheduled_at=at("09:00")),
        session_row("soon", None, None, scheduled_at=at("11:45")),
        session_row("called_off", None, None, status="cancelled", scheduled_at=at("08:00")),
        session_row("running", "11:30", None),
    )
    fates = measures.abandoned_sessions(sessions, as_of=at("12:00")).set_index("session_id")
    assert fates.index[fates["abandoned"]].tolist() == ["forgotten", "no_show"]
    assert fates.loc["soon", "never_started"] == False  # noqa: E712 - only 15 min past
    weekly = measures.abandoned_rate(sessions, as_of=at("12:00"))
    assert len(weekly) == 1
    week = weekly.iloc[0]
    assert week["period"] == at("00:00")  # the week starting Monday
    assert week[["sessions", "completed", "auto_ended", "never_started", "cancelled"]].tolist() == [
        6,
        1,
        1,
        1,
        1,
    ]
    assert week["abandoned_rate"] == pytest.approx(2 / 5)
    counts = measures.cleanup_counts(sessions, as_of=at("18:00"))
    assert counts.to_dict() == {"auto_ended": 1, "to_delete": 2, "to_end": 1}


def test_engagement_and_the_participation_score(frame, session_row, at):
    sessions = frame(schemas.SESSIONS, session_row("s1", "10:00", "11:00"))
    participants = frame(
        schemas.PARTICIPANTS,
        *(
            {"session_id": "s1", "username": u, "role": "participant", "state": "left"}
            for u in ("bob", "carol", "dave")
        ),
    )
    intervals = frame(
        schemas.INTERVALS,
        {"session_id": "s1", "username": "bob", "joined_at": at("10:00"), "left_at": at("11:00")},
        {"session_id": "s1", "username": "carol", "joined_at": at("10:30"), "left_at": at("11:00")},
    )
    attendance = measures.attendance(sessions, participants, intervals)

    def message(sender, minute, deleted=False):
        return {
            "message_id": f"m{sender}{minute}",
            "session_id": "s1",
            "sender": sender,
            "created_at": at(f"10:{minute:02}"),
            "deleted_at": at("10:59") if deleted else None,
        }

    messages = frame(
        schemas.MESSAGES,
        *(message("bob", m) for m in (1, 2, 3, 4)),
        message("carol", 31),
        message("carol", 32, deleted=True),  # a deleted message counts for nothing
        {"message_id": "g1", "group_id": "g", "sender": "bob", "created_at": at("09:00")},
    )
    goals = frame(
        schemas.GOALS,
        {"goal_id": "a", "session_id": "s1", "created_by": "bob", "done": True},
        {"goal_id": "b", "session_id": "s1", "created_by": "bob", "done": False},
    )
    timers = frame(schemas.TIMERS, {"session_id": "s1", "focus_minutes": 50.0})

    scores = measures.participation(attendance, messages, goals).set_index("username")
    assert scores.loc["bob", "score"] == pytest.approx(
        100.0
    )  # there throughout, 4 messages, a goal
    assert scores.loc["carol", "score"] == pytest.approx(100 * (0.6 * 0.5 + 0.25 / 3))
    assert scores.loc["dave", "score"] == 0.0
    assert scores.loc["carol", "messages_sent"] == 1

    row = measures.engagement(attendance, messages, goals, timers).iloc[0]
    assert row[["members", "participants", "messages", "goals_total", "goals_done"]].tolist() == [
        3,
        2,
        5,
        2,
        1,
    ]
    assert row["focus_minutes"] == 50.0
    assert row["attendance_minutes"] == 90.0
    assert row["mean_participation"] == pytest.approx((100.0 + scores.loc["carol", "score"]) / 2)


def test_group_continuity(frame, session_row, at):
    tuesday, next_monday = "2026-03-03", "2026-03-09"

    def group_session(sid, started, ended, notebook=None, cell=None):
        return session_row(
            sid, started, ended, group_id="g", starting_notebook=notebook, starting_cell=cell
        )

    sessions = frame(
        schemas.SESSIONS,
        group_session("one", "10:00", "11:00"),
        group_session("two", at("10:00", tuesday), at("11:00", tuesday), "nb.ipynb", "4"),
        group_session("three", at("10:00", next_monday), at("11:00", next_monday), "nb.ipynb", "4"),
        session_row("other", "10:00", "11:00"),
    )
    present = {"one": ["ann", "ben"], "two": ["ann", "cat"], "three": ["ann", "cat", "ben"]}
    participants = frame(
        schemas.PARTICIPANTS,
        *(
            {"session_id": s, "username": u, "role": "participant", "state": "left"}
            for s, users in present.items()
            for u in users
        ),
    )
    intervals = frame(
        schemas.INTERVALS,
        *(
            {
                "session_id": s,
                "username": u,
                "joined_at": sessions.set_index("session_id").loc[s, "started_at"],
                "left_at": sessions.set_index("session_id").loc[s, "ended_at"],
            }
            for s, users in present.items()
            for u in users
        ),
    )
    attendance = measures.attendance(sessions, participants, intervals)
    per_session = measures.group_sessions(sessions, attendance).set_index("session_id")
    assert per_session["number"].tolist() == [1, 2, 3]
    assert per_session["returning"].tolist() == [0, 1, 2]
    assert pd.isna(per_session.loc["two", "moved_forward"])  # the first had no starting point
    assert per_session.loc["three", "moved_forward"] == False  # noqa: E712 - same place

    groups = frame(schemas.GROUPS, {"group_id": "g", "name": "G"}, {"group_id": "h", "name": "H"})
    members = frame(
        schemas.GROUP_MEMBERS,
        *({"group_id": "g", "username": u, "state": "joined"} for u in ("ann", "ben", "cat")),
        {"group_id": "g", "username": "dan", "state": "invited"},
    )
    continuity = measures.group_continuity(groups, members, sessions, attendance)
    g = continuity.set_index("group_id").loc["g"]
    assert g[["members", "sessions"]].tolist() == [3, 3]
    assert g["mean_days_between"] == pytest.approx((1 + 6) / 2)
    assert g["mean_present"] == pytest.approx(7 / 3)
    assert g["returning_share"] == pytest.approx(3 / 5)
    assert g["coverage_forward"] == 0.0
    h = continuity.set_index("group_id").loc["h"]
    assert h["sessions"] == 0 and pd.isna(h["mean_present"])
