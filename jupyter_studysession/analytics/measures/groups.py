"""Study-group continuity: do groups keep meeting, with the same people, moving on?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import UTC_TIMESTAMP as TS
from ..schema import Column, Schema

GROUP_SESSIONS = Schema(
    "group_sessions",
    "group session that started",
    (
        Column("group_id", "string", "the group"),
        Column("session_id", "string", "the session"),
        Column("number", "Int64", "1 for the group's first session, 2 for the next, …"),
        Column("started_at", TS, "when it started"),
        Column("present", "Int64", "people present at all"),
        Column("returning", "Int64", "of those, present at the group's previous session too"),
        Column("starting_point", "string", "`notebook § section § cell`, if it had one"),
        Column(
            "moved_forward",
            "boolean",
            "its starting point differs from the previous session's (`<NA>`: either has none)",
        ),
    ),
)

CONTINUITY = Schema(
    "group_continuity",
    "study group",
    (
        Column("group_id", "string", "the group"),
        Column("name", "string", "its name"),
        Column("members", "Int64", "members who joined (now)"),
        Column("sessions", "Int64", "its sessions that started"),
        Column("first_session_at", TS, "the first one's start"),
        Column("last_session_at", TS, "the last one's start"),
        Column("mean_days_between", "float64", "mean days between consecutive starts"),
        Column("mean_present", "float64", "mean people present per session"),
        Column(
            "returning_share",
            "float64",
            "returning / present, over its sessions after the first (NaN: fewer than two)",
        ),
        Column(
            "coverage_forward",
            "float64",
            "share of its sessions with a comparable starting point that moved forward",
        ),
    ),
)


def group_sessions(sessions: pd.DataFrame, attendance: pd.DataFrame) -> pd.DataFrame:
    """Each started group session, numbered in its group, with who came back and whether
    the group's place moved on. ``returning`` = people present in this session and in the
    group's previous one; ``moved_forward`` compares ``settings.starting_point`` (which a
    group session takes from the group's last place) with the previous session's."""
    ran = sessions[sessions["group_id"].notna() & sessions["started_at"].notna()]
    ran = ran.sort_values(["group_id", "started_at", "session_id"], kind="stable").copy()
    ran["number"] = ran.groupby("group_id").cumcount() + 1
    point = (
        ran["starting_notebook"]
        + " § "
        + ran["starting_section"].fillna("")
        + " § "
        + ran["starting_cell"].fillna("")
    )
    ran["starting_point"] = point
    previous = ran.groupby("group_id")["starting_point"].shift()
    comparable = ran["starting_point"].notna() & previous.notna()
    ran["moved_forward"] = pd.Series(
        np.where(comparable, ran["starting_point"] != previous, pd.NA), index=ran.index
    )

    came = attendance.loc[attendance["present"].to_numpy(dtype=bool), ["session_id", "username"]]
    came = came.merge(ran[["session_id", "group_id", "number"]], on="session_id")
    ran["present"] = (
        came.groupby("session_id").size().reindex(ran["session_id"], fill_value=0).to_numpy()
    )
    before = came.assign(number=came["number"] + 1)[["group_id", "number", "username"]]
    back = came.merge(before, on=["group_id", "number", "username"])
    ran["returning"] = (
        back.groupby("session_id").size().reindex(ran["session_id"], fill_value=0).to_numpy()
    )
    return GROUP_SESSIONS.coerce(ran.reset_index(drop=True))


def group_continuity(
    groups: pd.DataFrame,
    group_members: pd.DataFrame,
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
) -> pd.DataFrame:
    """Per group: how many sessions it held and how regularly (``mean_days_between``),
    how many came (``mean_present``), how many came back (``returning_share`` = returning /
    present over its sessions after the first), and ``coverage_forward`` = sessions whose
    starting point moved on from the previous one's / sessions where both had one. Groups
    that never met have ``sessions = 0``."""
    per_session = group_sessions(sessions, attendance)
    grouped = per_session.groupby("group_id", sort=False)
    gaps = grouped["started_at"].diff().dt.total_seconds() / 86400
    later = per_session[per_session["number"] > 1].groupby("group_id")
    comparable = per_session[per_session["moved_forward"].notna()].groupby("group_id")
    stats = pd.DataFrame(
        {
            "sessions": grouped.size(),
            "first_session_at": grouped["started_at"].min(),
            "last_session_at": grouped["started_at"].max(),
            "mean_days_between": gaps.groupby(per_session["group_id"]).mean(),
            "mean_present": grouped["present"].mean().astype("float64"),
            "returning_share": later["returning"].sum()
            / later["present"].sum().where(lambda n: n > 0),
            "coverage_forward": comparable["moved_forward"].mean().astype("float64"),
        }
    )
    joined = group_members[group_members["state"] == "joined"]
    members = joined.groupby("group_id").size().rename("members")
    frame = (
        groups[["group_id", "name"]]
        .merge(members, left_on="group_id", right_index=True, how="left")
        .merge(stats, left_on="group_id", right_index=True, how="left")
    )
    frame[["members", "sessions"]] = frame[["members", "sessions"]].fillna(0)
    return CONTINUITY.coerce(frame.reset_index(drop=True))
