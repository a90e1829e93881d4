"""Benchmark: the attendance measure over 1,000,000 interval rows, vectorised pandas/numpy
against a plain Python loop per row, in the same process on the same data.

    python benchmarks/analytics_attendance.py [--rows 1000000] [--baseline-rows 1000000]
        [--repeat 3] [--seed 1] [--out results.json]

Synthetic course: sessions of 2 hours, each with 100 members; every member has several
attendance intervals (two tabs overlapping, reconnects, a few outside the session, a few
still open), so the union and the clipping both have work to do. Timed:

- ``union``: ``measures.union_of_intervals`` alone (sort, running maximum, reduceat);
- ``attendance``: the whole ``measures.attendance`` (clipping, union, joins with the members
  and sessions, late / early flags, the typed frame);
- ``baseline``: the same minutes present computed row by row in Python (group the rows in a
  dict, sort each group, sweep it), as one would without pandas.

The baseline runs on the first ``--baseline-rows`` rows (by default all of them); on a
subset its time is extrapolated linearly to ``--rows`` and the output says so. Both answers
are compared on the rows the baseline saw.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import defaultdict

import numpy as np
import pandas as pd

from jupyter_studysession.analytics import measures
from jupyter_studysession.analytics import schema as schemas

MEMBERS_PER_SESSION = 100
SESSION_MINUTES = 120
NS = 10**9


def synthetic_course(rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sessions, participants and ``rows`` attendance intervals (typed like the loaders')."""
    rng = np.random.default_rng(seed)
    per_member = 5
    sessions_n = max(1, rows // (MEMBERS_PER_SESSION * per_member))
    base = pd.Timestamp("2026-01-05 09:00", tz="UTC").value
    starts = base + np.arange(sessions_n, dtype="int64") * 3 * 3600 * NS
    ends = starts + SESSION_MINUTES * 60 * NS
    session_ids = np.array([f"s{i:06d}" for i in range(sessions_n)], dtype=object)
    sessions = pd.DataFrame(
        {
            "session_id": session_ids,
            "title": "Synthetic session",
            "status": "completed",
            "started_at": pd.to_datetime(starts, utc=True),
            "ended_at": pd.to_datetime(ends, utc=True),
        }
    )
    sessions = schemas.SESSIONS.coerce(sessions.reindex(columns=schemas.SESSIONS.names))
    users = np.array([f"u{j:04d}" for j in range(MEMBERS_PER_SESSION)], dtype=object)
    participants = pd.DataFrame(
        {
            "session_id": np.repeat(session_ids, MEMBERS_PER_SESSION),
            "username": np.tile(users, sessions_n),
            "role": "participant",
            "state": "left",
        }
    )
    participants = schemas.PARTICIPANTS.coerce(
        participants.reindex(columns=schemas.PARTICIPANTS.names)
    )
    session_of_row = rng.integers(0, sessions_n, rows)
    user_of_row = rng.integers(0, MEMBERS_PER_SESSION, rows)
    # joined anywhere from 10 minutes before the start to the end, for 1 to 90 minutes
    joined = starts[session_of_row] + rng.integers(-10 * 60, SESSION_MINUTES * 60, rows) * NS
    left = joined + rng.integers(60, 90 * 60, rows) * NS
    left_ns = np.where(rng.random(rows) < 0.01, np.iinfo("int64").min, left)  # 1% still open
    intervals = pd.DataFrame(
        {
            "interval_id": np.arange(rows),
            "session_id": session_ids[session_of_row],
            "username": users[user_of_row],
            "joined_at": pd.to_datetime(joined, utc=True),
            "left_at": pd.to_datetime(left_ns, utc=True),
        }
    )
    return sessions, participants, schemas.INTERVALS.coerce(intervals)


def baseline_minutes(sessions: pd.DataFrame, intervals: pd.DataFrame, as_of) -> dict:
    """Minutes present per (session, user), one Python iteration per interval row."""
    bounds = {
        sid: (start.value, end.value if not pd.isna(end) else as_of.value)
        for sid, start, end in zip(
            sessions["session_id"], sessions["started_at"], sessions["ended_at"], strict=True
        )
    }
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for sid, user, joined, left in zip(
        intervals["session_id"].tolist(),
        intervals["username"].tolist(),
        intervals["joined_at"].tolist(),
        intervals["left_at"].tolist(),
        strict=True,
    ):
        start, end = bounds[sid]
        a = max(joined.value, start)
        b = min(as_of.value if pd.isna(left) else left.value, end)
        if b > a:
            spans[(sid, user)].append((a, b))
    minutes = {}
    for key, items in spans.items():
        items.sort()
        total, cur_a, cur_b = 0, items[0][0], items[0][1]
        for a, b in items[1:]:
            if a > cur_b:
                total += cur_b - cur_a
                cur_a, cur_b = a, b
            elif b > cur_b:
                cur_b = b
        minutes[key] = (total + cur_b - cur_a) / 60 / NS
    return minutes


def best_of(repeat: int, function, *args, **kwargs) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=None, help="write every number to this JSON file")
    args = parser.parse_args()
    baseline_rows = min(args.baseline_rows or args.rows, args.rows)

    started = time.perf_counter()
    sessions, participants, intervals = synthetic_course(args.rows, args.seed)
    print(
        f"synthetic course: {len(sessions):,} sessions, {len(participants):,} members, "
        f"{len(intervals):,} intervals (made in {time.perf_counter() - started:.1f} s)"
    )
    as_of = sessions["ended_at"].max()

    start_ns = np.maximum(
        intervals["joined_at"].to_numpy("datetime64[ns]").view("int64"),
        intervals["session_id"]
        .map(sessions.set_index("session_id")["started_at"])
        .to_numpy("datetime64[ns]")
        .view("int64"),
    )
    end_ns = intervals["left_at"].fillna(as_of).to_numpy("datetime64[ns]").view("int64")
    session_codes, _ = pd.factorize(intervals["session_id"])
    user_codes, _ = pd.factorize(intervals["username"])
    keys = session_codes.astype("int64") * MEMBERS_PER_SESSION + user_codes
    union_s, _ = best_of(args.repeat, measures.union_of_intervals, keys, start_ns, end_ns)
    attendance_s, attendance = best_of(
        args.repeat, measures.attendance, sessions, participants, intervals, as_of=as_of
    )
    subset = intervals.iloc[:baseline_rows]
    baseline_s, expected = best_of(1, baseline_minutes, sessions, subset, as_of)
    if baseline_rows == args.rows:
        got = attendance.set_index(["session_id", "username"])["minutes_present"]
    else:
        got = measures.attendance(sessions, participants, subset, as_of=as_of).set_index(
            ["session_id", "username"]
        )["minutes_present"]
    mismatches = sum(
        1 for key, minutes in expected.items() if abs(got.loc[key] - minutes) > 1e-9
    ) + int(((got > 0).sum()) != len(expected))
    scale = args.rows / baseline_rows
    baseline_full = baseline_s * scale
    results = {
        "rows": args.rows,
        "sessions": len(sessions),
        "attendance_rows": len(attendance),
        "union_seconds": round(union_s, 3),
        "attendance_seconds": round(attendance_s, 3),
        "baseline_rows": baseline_rows,
        "baseline_seconds": round(baseline_s, 3),
        "baseline_seconds_at_rows": round(baseline_full, 3),
        "baseline_extrapolated": baseline_rows != args.rows,
        "speedup_attendance_vs_baseline": round(baseline_full / attendance_s, 1),
        "mismatches": mismatches,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "repeat": args.repeat,
    }
    note = f" (extrapolated from {baseline_rows:,} rows)" if scale != 1 else ""
    print(f"| what | {args.rows:,} interval rows |")
    print("|---|---|")
    print(f"| `union_of_intervals` (vectorised) | {union_s:.2f} s |")
    print(f"| `measures.attendance` (vectorised, whole measure) | {attendance_s:.2f} s |")
    print(f"| Python loop per row (baseline) | {baseline_full:.2f} s{note} |")
    print(f"| speed-up of the whole measure | {baseline_full / attendance_s:.1f}x |")
    print(f"| answers that differ | {mismatches} |")
    if args.out:
        with open(args.out, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
