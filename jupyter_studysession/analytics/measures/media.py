"""Video and voice: time in the call and with the camera on, per participant and session.

The **call minutes** of a user in a session are the length of the union of their ``call``
intervals (``media_intervals``), in minutes, an interval still open counting until ``as_of``;
**camera minutes** and **screen minutes** likewise from their ``camera`` and ``screen``
intervals. A rejoin from a second tab never counts twice (union, as for attendance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..loaders import Moment
from ..schema import Column, Schema
from .attendance import union_of_intervals
from .common import NS_PER_MINUTE, nanoseconds, now_utc

CALL_TIME = Schema(
    "call_time",
    "(session, user) with any time in the session's call",
    (
        Column("session_id", "string", "the session"),
        Column("username", "string", "the participant"),
        Column("call_minutes", "float64", "minutes in the call (union of `call` intervals)"),
        Column("camera_minutes", "float64", "minutes with the camera on"),
        Column("screen_minutes", "float64", "minutes sharing the screen"),
        Column("camera_share", "float64", "`camera_minutes / call_minutes` (0 to 1)"),
    ),
)


def call_time(media_intervals: pd.DataFrame, *, as_of: Moment = None) -> pd.DataFrame:
    """Minutes in the call, with the camera on and sharing, per session and user, from the
    ``media_intervals`` frame (open intervals run until ``as_of``, default now)."""
    if media_intervals.empty:
        return CALL_TIME.empty()
    frame = media_intervals.reset_index(drop=True)
    start = nanoseconds(frame["started_at"])
    end = nanoseconds(frame["ended_at"], fill=now_utc(as_of))
    keys = frame["session_id"] + "\0" + frame["username"] + "\0" + frame["kind"]
    codes, uniques = pd.factorize(keys, sort=True)
    union = union_of_intervals(codes, start, end)
    if union.empty:
        return CALL_TIME.empty()
    parts = pd.Series(np.asarray(uniques)[union["key"]]).str.split("\0", expand=True)
    totals = pd.DataFrame(
        {
            "session_id": parts[0],
            "username": parts[1],
            "kind": parts[2],
            "minutes": union["length"].to_numpy() / NS_PER_MINUTE,
        }
    ).pivot_table(index=["session_id", "username"], columns="kind", values="minutes", aggfunc="sum")
    totals = totals.reindex(columns=["call", "camera", "screen"], fill_value=0.0).fillna(0.0)
    result = pd.DataFrame(
        {
            "session_id": totals.index.get_level_values(0),
            "username": totals.index.get_level_values(1),
            "call_minutes": totals["call"].to_numpy(),
            "camera_minutes": totals["camera"].to_numpy(),
            "screen_minutes": totals["screen"].to_numpy(),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        result["camera_share"] = np.where(
            result["call_minutes"] > 0, result["camera_minutes"] / result["call_minutes"], np.nan
        )
    return CALL_TIME.coerce(result)
