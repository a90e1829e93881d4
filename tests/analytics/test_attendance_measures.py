"""The attendance measures against hand-made cases: the union of intervals, clipping to the
session, sessions across midnight, late and early, and rates."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from jupyter_studysession.analytics import measures
from jupyter_studysession.analytics import schema as schemas


@pytest.fixture
def compute(frame):
    """``compute(sessions, participants, intervals)`` with rows as dicts: the attendance
    frame indexed by (session_id, username)."""

    def compute(sessions, participants, intervals, **options):
        result = measures.attendance(
            frame(schemas.SESSIONS, *sessions),
            frame(schemas.PARTICIPANTS, *participants),
            frame(schemas.INTERVALS, *intervals),
            **options,
        )
        return result.set_index(["session_id", "username"])

    return compute


def member(session_id, username, role="participant"):
    return {"session_id": session_id, "username": username, "role": role, "state": "joined"}


def interval(session_id, username, joined, left):
    return {"session_id": session_id, "username": username, "joined_at": joined, "left_at": left}


def test_overlapping_intervals_from_two_tabs_count_once(compute, session_row, at):
    # bob's laptop tab 10:00-10:40 and phone tab 10:20-10:50: present 10:00-10:50
    result = compute(
        [session_row("s1", "10:00", "11:00")],
        [member("s1", "bob")],
        [
            interval("s1", "bob", at("10:00"), at("10:40")),
            interval("s1", "bob", at("10:20"), at("10:50")),
            interval("s1", "bob", at("10:25"), at("10:30")),  # a third, inside the others
        ],
    )
    bob = result.loc[("s1", "bob")]
    assert bob["minutes_present"] == 50.0
    assert bob["stretches"] == 1
    assert (bob["first_joined_at"], bob["last_left_at"]) == (at("10:00"), at("10:50"))


def test_disjoint_and_touching_intervals(compute, session_row, at):
    result = compute(
        [session_row("s1", "10:00", "12:00")],
        [member("s1", "bob")],
        [
            interval("s1", "bob", at("10:00"), at("10:30")),
            interval("s1", "bob", at("10:30"), at("10:45")),  # touches: one stretch
            interval("s1", "bob", at("11:00"), at("11:10")),  # a gap: a second stretch
        ],
    )
    bob = result.loc[("s1", "bob")]
    assert (bob["minutes_present"], bob["stretches"]) == (55.0, 2)


def test_intervals_are_clipped_to_the_session(compute, session_row, at):
    result = compute(
        [session_row("s1", "10:00", "11:00")],
        [member("s1", "bob"), member("s1", "carol")],
        [
            interval("s1", "bob", at("09:50"), at("10:15")),  # before the start: 15 min
            interval("s1", "bob", at("10:50"), at("11:30")),  # after the end: 10 min
            interval("s1", "carol", at("11:05"), at("11:20")),  # wholly after: nothing
        ],
    )
    assert result.loc[("s1", "bob"), "minutes_present"] == 25.0
    carol = result.loc[("s1", "carol")]
    assert (carol["minutes_present"], carol["present"]) == (0.0, False)
    assert pd.isna(carol["first_joined_at"])


def test_a_session_that_crosses_midnight_counts_whole(compute, session_row, at):
    tuesday = "2026-03-03"
    result = compute(
        [session_row("late", "23:00", at("01:00", tuesday))],
        [member("late", "bob")],
        [
            interval("late", "bob", at("23:30"), at("00:30", tuesday)),
            interval("late", "bob", at("00:15", tuesday), at("00:45", tuesday)),
        ],
    )
    bob = result.loc[("late", "bob")]
    assert bob["session_minutes"] == 120.0
    assert bob["minutes_present"] == 75.0  # 23:30 to 00:45, across the date change
    assert bob["joined_late"] and bob["left_early"]


def test_an_active_session_and_an_open_interval_run_until_as_of(compute, session_row, at):
    result = compute(
        [session_row("s1", "10:00", None)],
        [member("s1", "bob")],
        [interval("s1", "bob", at("10:10"), None)],
        as_of=at("10:40"),
    )
    bob = result.loc[("s1", "bob")]
    assert (bob["session_minutes"], bob["minutes_present"]) == (40.0, 30.0)
    assert pd.isna(bob["ended_at"])
    assert not bob["left_early"]  # it has not ended: nobody left early yet


def test_joined_late_and_left_early_use_the_thresholds(compute, session_row, at):
    result = compute(
        [session_row("s1", "10:00", "11:00")],
        [member("s1", u) for u in ("on_time", "late", "early", "absent")],
        [
            interval("s1", "on_time", at("10:05"), at("10:55")),  # exactly at the thresholds
            interval("s1", "late", at("10:06"), at("11:00")),
            interval("s1", "early", at("10:00"), at("10:54")),
        ],
    )
    flags = result[["present", "joined_late", "left_early"]].astype(bool)
    assert flags.loc[("s1", "on_time")].tolist() == [True, False, False]
    assert flags.loc[("s1", "late")].tolist() == [True, True, False]
    assert flags.loc[("s1", "early")].tolist() == [True, False, True]
    assert flags.loc[("s1", "absent")].tolist() == [False, False, False]
    wider = compute(
        [session_row("s1", "10:00", "11:00")],
        [member("s1", "late")],
        [interval("s1", "late", at("10:06"), at("11:00"))],
        late_after=timedelta(minutes=10),
    )
    assert not wider.loc[("s1", "late"), "joined_late"]


def test_rows_are_every_member_of_started_sessions_and_anyone_present(compute, session_row, at):
    result = compute(
        [session_row("s1", "10:00", "11:00"), session_row("never", None, None)],
        [
            member("s1", "alice", role="host"),
            {**member("s1", "dave"), "state": "invited"},
            member("never", "bob"),
        ],
        [
            interval("s1", "alice", at("10:00"), at("11:00")),
            interval("s1", "erin", at("10:10"), at("10:20")),  # removed from the members since
        ],
    )
    assert sorted(result.index) == [("s1", "alice"), ("s1", "dave"), ("s1", "erin")]
    assert result.loc[("s1", "alice"), "role"] == "host"
    assert pd.isna(result.loc[("s1", "erin"), "role"])
    assert result.loc[("s1", "erin"), "minutes_present"] == 10.0
    assert not result.loc[("s1", "dave"), "present"]


def test_the_frame_has_the_documented_schema_even_when_empty(frame):
    empty = measures.attendance(
        frame(schemas.SESSIONS), frame(schemas.PARTICIPANTS), frame(schemas.INTERVALS)
    )
    assert empty.empty
    assert dict(empty.dtypes.astype(str)) == measures.ATTENDANCE.dtypes


def test_attendance_rate_over_a_period(compute, session_row, at):
    tuesday, wednesday = "2026-03-03", "2026-03-04"
    attendance = compute(
        [
            session_row("mon", "10:00", "11:00"),
            session_row("tue", at("10:00", tuesday), at("11:00", tuesday)),
            session_row("wed", at("10:00", wednesday), at("11:00", wednesday)),
        ],
        [member(s, u) for s in ("mon", "tue", "wed") for u in ("bob", "carol")],
        [
            interval("mon", "bob", at("10:00"), at("11:00")),
            interval("tue", "bob", at("10:00", tuesday), at("10:30", tuesday)),
            interval("wed", "bob", at("10:00", wednesday), at("11:00", wednesday)),
            interval("mon", "carol", at("10:30"), at("11:00")),
        ],
    ).reset_index()
    everything = measures.attendance_rate(attendance).set_index("username")
    assert everything.loc["bob", ["sessions", "attended"]].tolist() == [3, 3]
    assert everything.loc["carol", "rate"] == pytest.approx(1 / 3)
    first_two = measures.attendance_rate(attendance, start=at("00:00"), end=tuesday + "T23:59Z")
    first_two = first_two.set_index("username")
    assert first_two.loc["bob", "minutes_present"] == 90.0
    assert first_two.loc["bob", "mean_share_present"] == 0.75
    assert first_two.loc["carol", ["sessions", "attended", "joined_late"]].tolist() == [2, 1, 1]


def naive_union_minutes(keys, starts, ends) -> dict:
    """The baseline: a Python loop per row over sorted intervals."""
    totals: dict = {}
    for key in sorted(set(keys)):
        spans = sorted((s, e) for k, s, e in zip(keys, starts, ends, strict=True) if k == key)
        total, current_start, current_end = 0, None, None
        for s, e in spans:
            if e <= s:
                continue
            if current_end is None or s > current_end:
                if current_end is not None:
                    total += current_end - current_start
                current_start, current_end = s, e
            else:
                current_end = max(current_end, e)
        if current_end is not None:
            total += current_end - current_start
        totals[key] = total
    return totals


def test_the_vectorised_union_equals_a_row_by_row_loop_on_random_intervals():
    rng = np.random.default_rng(7)
    n = 3000
    sessions, users = rng.integers(0, 20, n), rng.integers(0, 15, n)
    starts = rng.integers(0, 10_000, n)
    ends = starts + rng.integers(-50, 400, n)  # some empty
    union = measures.union_of_intervals(sessions * 100 + users, starts, ends)
    got = {(k // 100, k % 100): length for k, length in zip(union.key, union.length, strict=True)}
    pairs = list(zip(sessions, users, strict=True))
    expected = naive_union_minutes(pairs, starts, ends)
    assert got == {k: v for k, v in expected.items() if v > 0}
