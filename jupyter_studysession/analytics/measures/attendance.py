"""Attendance: minutes present per student and session, and attendance rates.

The one definition everything else builds on: the **minutes present** of a user in a session
are the length of the *union* of their attendance intervals in that session, clipped to the
session's ``[started_at, ended_at]``, in minutes. Overlapping intervals (two tabs, two
replicas) count once; a session still running is clipped at ``as_of``.

Vectorised: intervals are sorted by (user and session, start); a running maximum of the end
within each pair tells where a new stretch begins (its start is later than every earlier end),
and ``numpy.maximum.reduceat`` gives each stretch's end. No Python loop per row.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from ..loaders import Moment
from ..schema import UTC_TIMESTAMP as TS
from ..schema import Column, Schema
from .common import NS_PER_MINUTE, in_period, nanoseconds, now_utc, timestamps

ATTENDANCE = Schema(
    "attendance",
    "(session, user): every member of a session that started, and anyone with an interval in it",
    (
        Column("session_id", "string", "the session"),
        Column("title", "string", "its title"),
        Column("username", "string", "the user"),
        Column("role", "string", "their role in the session (`<NA>`: not a member any more)"),
        Column(
            "state",
            "string",
            "their membership now: `invited` (never joined), `joined`, `left`, `removed`",
        ),
        Column("started_at", TS, "when the session started"),
        Column("ended_at", TS, "when it ended (NaT: still active)"),
        Column("session_minutes", "float64", "its length (until `as_of` if still active)"),
        Column(
            "minutes_present",
            "float64",
            "length of the union of the user's intervals, clipped to the session",
        ),
        Column("share_present", "float64", "`minutes_present / session_minutes` (0 to 1)"),
        Column("present", "boolean", "`minutes_present > 0`"),
        Column("first_joined_at", TS, "start of their first stretch (NaT: never present)"),
        Column("last_left_at", TS, "end of their last stretch (`as_of` if still present)"),
        Column("stretches", "Int64", "separate stretches of presence after the union"),
        Column(
            "joined_late",
            "boolean",
            "present, and `first_joined_at > started_at + late_after` (default 5 min)",
        ),
        Column(
            "left_early",
            "boolean",
            "present, the session ended, and `last_left_at < ended_at - early_before` (5 min)",
        ),
    ),
)

ATTENDANCE_RATE = Schema(
    "attendance_rate",
    "user",
    (
        Column("username", "string", "the user"),
        Column("sessions", "Int64", "sessions they were a member of that started in the period"),
        Column("attended", "Int64", "of those, sessions where they were present at all"),
        Column("rate", "float64", "`attended / sessions`"),
        Column("minutes_present", "float64", "minutes present, summed"),
        Column("mean_share_present", "float64", "mean of `share_present` over the sessions"),
        Column("joined_late", "Int64", "sessions they joined late"),
        Column("left_early", "Int64", "sessions they left early"),
    ),
)


def union_of_intervals(key: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray) -> pd.DataFrame:
    """The union of intervals per integer ``key``: for each key with a non-empty interval,
    the total ``length`` (ns) of the union of its ``[start, end)`` intervals, its ``first``
    start, ``last`` end, and how many disjoint ``stretches`` the union has. Empty intervals
    (``end <= start``) are ignored; touching ones (``start == previous end``) merge.

    Sort by (key, start); within a key, an interval begins a new stretch when it starts
    after the latest end so far (a running maximum); ``numpy.maximum.reduceat`` gives each
    stretch's end. No Python loop per row."""
    keep = end_ns > start_ns
    key, start, end = np.asarray(key)[keep], start_ns[keep], end_ns[keep]
    if len(key) == 0:
        return pd.DataFrame(
            {name: np.array([], dtype="int64") for name in ("key", "length", "first", "last")}
            | {"stretches": np.array([], dtype="int64")}
        )
    order = np.lexsort((start, key))
    key, start, end = key[order], start[order], end[order]
    first_of_key = np.ones(len(key), dtype=bool)
    first_of_key[1:] = key[1:] != key[:-1]
    key_bounds = np.flatnonzero(first_of_key)
    # the latest end among the earlier intervals of the same key
    running_end = pd.Series(end).groupby(np.cumsum(first_of_key)).cummax().to_numpy()
    previous_end = np.roll(running_end, 1)
    new_stretch = first_of_key | (start > previous_end)
    stretch_bounds = np.flatnonzero(new_stretch)
    stretch_length = np.maximum.reduceat(end, stretch_bounds) - start[stretch_bounds]
    # each stretch's key, as the index of its key among the keys
    stretch_key = np.cumsum(first_of_key)[stretch_bounds] - 1
    return pd.DataFrame(
        {
            "key": key[key_bounds],
            "length": np.bincount(stretch_key, weights=stretch_length).astype("int64"),
            "first": start[key_bounds],
            "last": np.maximum.reduceat(end, key_bounds),
            "stretches": np.bincount(stretch_key).astype("int64"),
        }
    )


def attendance(
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    intervals: pd.DataFrame,
    *,
    as_of: Moment = None,
    late_after: timedelta = timedelta(minutes=5),
    early_before: timedelta = timedelta(minutes=5),
) -> pd.DataFrame:
    """Attendance per user and session, for every session that started.

    Definitions (all times UTC, minutes as floats):

    - ``minutes_present`` = length of the union of the user's attendance intervals in the
      session, each clipped to ``[started_at, ended_at]`` (``ended_at`` of a session still
      active, and the end of an interval still open, are ``as_of``, default now);
    - ``present`` = ``minutes_present > 0``; ``share_present`` = minutes present / session
      minutes;
    - ``joined_late`` = present and the first stretch began more than ``late_after`` after
      ``started_at``; ``left_early`` = present, the session has ended, and the last stretch
      ended more than ``early_before`` before ``ended_at``.

    Rows: every participant of each started session (invited and never present ones too,
    with ``present`` False), plus any user with an interval who is no longer a member. Takes
    the frames of ``load_sessions``, ``load_participants`` and ``load_intervals``.
    """
    now = now_utc(as_of)
    ran = sessions[sessions["started_at"].notna()].reset_index(drop=True)
    session_index = pd.Index(ran["session_id"])
    session_start = nanoseconds(ran["started_at"])
    session_end = nanoseconds(ran["ended_at"], fill=now)

    # integer codes: the session's row in ``ran``, the user's among every username seen
    iv_session = session_index.get_indexer(intervals["session_id"])
    member_rows = participants[session_index.get_indexer(participants["session_id"]) >= 0]
    member_session = session_index.get_indexer(member_rows["session_id"])
    user_codes, usernames = pd.factorize(
        pd.concat([intervals["username"], member_rows["username"]], ignore_index=True)
    )
    iv_user, member_user = user_codes[: len(intervals)], user_codes[len(intervals) :]
    users = max(len(usernames), 1)

    ran_iv = iv_session >= 0
    iv_session, iv_user = iv_session[ran_iv], iv_user[ran_iv]
    start_ns = np.maximum(nanoseconds(intervals["joined_at"])[ran_iv], session_start[iv_session])
    end_ns = np.minimum(
        nanoseconds(intervals["left_at"], fill=now)[ran_iv], session_end[iv_session]
    )
    union = union_of_intervals(iv_session.astype("int64") * users + iv_user, start_ns, end_ns)

    # the rows: members first, then users present without being members (any more)
    member_key = member_session.astype("int64") * users + member_user
    strangers = union["key"].to_numpy()[~np.isin(union["key"].to_numpy(), member_key)]
    keys = np.concatenate([member_key, strangers])
    row_session = keys // users
    found = pd.Index(union["key"]).get_indexer(keys)
    has = found >= 0
    take = np.where(has, found, 0)

    def from_union(column: str, missing) -> np.ndarray:
        values = union[column].to_numpy()
        if len(values) == 0:
            return np.full(len(keys), missing, dtype="int64")
        return np.where(has, values[take], missing)

    length = from_union("length", 0)
    minutes = length / NS_PER_MINUTE
    present = minutes > 0
    first = pd.Series(timestamps(from_union("first", 0))).where(present)
    last = pd.Series(timestamps(from_union("last", 0))).where(present)
    started_at = ran["started_at"].take(row_session).reset_index(drop=True)
    ended_at = ran["ended_at"].take(row_session).reset_index(drop=True)
    session_minutes = (session_end[row_session] - session_start[row_session]) / NS_PER_MINUTE
    stranger_na = pd.Series(pd.NA, index=range(len(strangers)), dtype="string")
    frame = pd.DataFrame(
        {
            "session_id": ran["session_id"].take(row_session).reset_index(drop=True),
            "title": ran["title"].take(row_session).reset_index(drop=True),
            "username": pd.Series(usernames).take(keys % users).reset_index(drop=True),
            "role": pd.concat(
                [member_rows["role"].astype("string"), stranger_na], ignore_index=True
            ),
            "state": pd.concat(
                [member_rows["state"].astype("string"), stranger_na], ignore_index=True
            ),
            "started_at": started_at,
            "ended_at": ended_at,
            "session_minutes": session_minutes,
            "minutes_present": minutes,
            "share_present": np.divide(
                minutes,
                session_minutes,
                out=np.zeros(len(keys)),
                where=session_minutes > 0,
            ),
            "present": present,
            "first_joined_at": first,
            "last_left_at": last,
            "stretches": from_union("stretches", 0),
            "joined_late": present & (first > started_at + late_after).fillna(False).to_numpy(),
            "left_early": present
            & ended_at.notna().to_numpy()
            & (last < ended_at - early_before).fillna(False).to_numpy(),
        }
    )
    frame = frame.sort_values(["started_at", "session_id", "username"], kind="stable")
    return ATTENDANCE.coerce(frame.reset_index(drop=True))


def attendance_rate(
    attendance: pd.DataFrame, *, start: Moment = None, end: Moment = None
) -> pd.DataFrame:
    """Attendance rate per user over the sessions that started in ``[start, end)``.

    ``rate`` = sessions where the user was present at all / sessions they were a member of
    (rows of :func:`attendance`). Filter ``attendance`` first to narrow it, e.g. to
    ``role == "participant"`` or to one subject.
    """
    rows = attendance[in_period(attendance["started_at"], start, end)]
    grouped = rows.groupby("username", sort=True)
    frame = pd.DataFrame(
        {
            "sessions": grouped.size(),
            "attended": grouped["present"].sum(),
            "minutes_present": grouped["minutes_present"].sum(),
            "mean_share_present": grouped["share_present"].mean(),
            "joined_late": grouped["joined_late"].sum(),
            "left_early": grouped["left_early"].sum(),
        }
    )
    frame["rate"] = frame["attended"] / frame["sessions"]
    return ATTENDANCE_RATE.coerce(frame.reset_index())
