"""Engagement: what happened in each session, and how much each person took part."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import UTC_TIMESTAMP as TS
from ..schema import Column, Schema

ENGAGEMENT = Schema(
    "engagement",
    "session that started",
    (
        Column("session_id", "string", "the session"),
        Column("title", "string", "its title"),
        Column("started_at", TS, "when it started"),
        Column("session_minutes", "float64", "its length (until `as_of` if still active)"),
        Column("members", "Int64", "rows of `attendance` for it (members, and anyone present)"),
        Column("participants", "Int64", "people present at all"),
        Column("attendance_minutes", "float64", "minutes present, summed over people"),
        Column("messages", "Int64", "chat messages sent in it and not deleted"),
        Column("goals_total", "Int64", "its goals"),
        Column("goals_done", "Int64", "of those, done"),
        Column("goals_done_share", "float64", "`goals_done / goals_total` (NaN: no goals)"),
        Column("focus_minutes", "float64", "time its shared timer spent in focus"),
        Column("mean_participation", "float64", "mean `score` of its participants"),
    ),
)

PARTICIPATION = Schema(
    "participation",
    "(session, user) of `attendance`",
    (
        Column("session_id", "string", "the session"),
        Column("username", "string", "the user"),
        Column("share_present", "float64", "from `attendance`, capped at 1"),
        Column("messages_sent", "Int64", "their chat messages in it (not deleted)"),
        Column("goals_created", "Int64", "goals they added to it"),
        Column("score", "float64", "the participation score, 0 to 100 (see `participation`)"),
    ),
)


@dataclass(frozen=True)
class ParticipationWeights:
    """The weights and targets of the participation score (see :func:`participation`)."""

    presence: float = 0.6
    chat: float = 0.25
    goals: float = 0.15
    chat_target: int = 3
    goal_target: int = 1


def _count(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    return frame.groupby(keys, sort=False).size()


def participation(
    attendance: pd.DataFrame,
    messages: pd.DataFrame,
    goals: pd.DataFrame,
    weights: ParticipationWeights = ParticipationWeights(),
) -> pd.DataFrame:
    """A participation score per user and session, from 0 to 100:

    ``score = 100 * (0.6 * P + 0.25 * C + 0.15 * G)``, where

    - ``P`` = ``share_present`` (minutes present / session minutes, at most 1),
    - ``C`` = min(1, messages sent and not deleted / 3),
    - ``G`` = min(1, goals added / 1).

    So a student present throughout who wrote three messages and added a goal scores 100;
    one present throughout who said nothing scores 60. The weights and targets are
    :class:`ParticipationWeights` (the weights should add up to 1).
    """
    keys = ["session_id", "username"]
    sent = _count(
        messages[messages["session_id"].notna() & messages["deleted_at"].isna()].rename(
            columns={"sender": "username"}
        ),
        keys,
    ).rename("messages_sent")
    added = _count(goals.rename(columns={"created_by": "username"}), keys).rename("goals_created")
    rows = (
        attendance[[*keys, "share_present"]]
        .merge(sent, left_on=keys, right_index=True, how="left")
        .merge(added, left_on=keys, right_index=True, how="left")
    )
    rows[["messages_sent", "goals_created"]] = rows[["messages_sent", "goals_created"]].fillna(0)
    presence = rows["share_present"].clip(upper=1.0).fillna(0.0)
    chat = np.minimum(1.0, rows["messages_sent"] / weights.chat_target)
    goal = np.minimum(1.0, rows["goals_created"] / weights.goal_target)
    score = 100 * (weights.presence * presence + weights.chat * chat + weights.goals * goal)
    frame = rows.assign(share_present=presence, score=score.astype("float64"))
    return PARTICIPATION.coerce(frame.reset_index(drop=True))


def engagement(
    attendance: pd.DataFrame,
    messages: pd.DataFrame,
    goals: pd.DataFrame,
    timers: pd.DataFrame,
    weights: ParticipationWeights = ParticipationWeights(),
) -> pd.DataFrame:
    """Engagement per session that started (the sessions of ``attendance``):

    ``participants`` = people present at all; ``messages`` = chat messages not deleted;
    ``goals_done`` / ``goals_total``; ``focus_minutes`` = shared-timer focus time (0
    without a timer); ``mean_participation`` = mean :func:`participation` score of the people
    present (NaN if nobody was).
    """
    per_session = attendance.groupby("session_id", sort=False)
    frame = per_session[["title", "started_at", "session_minutes"]].first()
    frame["members"] = per_session.size()
    frame["participants"] = per_session["present"].sum()
    frame["attendance_minutes"] = per_session["minutes_present"].sum()
    live = messages[messages["session_id"].notna() & messages["deleted_at"].isna()]
    frame["messages"] = live.groupby("session_id").size().reindex(frame.index, fill_value=0)
    per_goal_session = goals.groupby("session_id")
    frame["goals_total"] = per_goal_session.size().reindex(frame.index, fill_value=0)
    frame["goals_done"] = per_goal_session["done"].sum().reindex(frame.index, fill_value=0)
    frame["goals_done_share"] = frame["goals_done"] / frame["goals_total"].where(
        frame["goals_total"] > 0
    )
    focus = timers.set_index("session_id")["focus_minutes"]
    frame["focus_minutes"] = focus.reindex(frame.index).fillna(0.0)
    scores = participation(attendance, messages, goals, weights)
    present = attendance["present"].to_numpy(dtype=bool)
    frame["mean_participation"] = (
        scores[present].groupby("session_id")["score"].mean().reindex(frame.index)
    )
    return ENGAGEMENT.coerce(frame.reset_index().sort_values("started_at", kind="stable"))
