"""Sessions: how long they ran, and which were abandoned.

What the database can tell: the cleanup *deletes* scheduled sessions abandoned before they
started (nobody but the host joined, no chat, no goals), so those leave no rows once it has
run; it *ends* active sessions that ran too long, with ``ended_by = "system"``, and those
stay. So the abandoned sessions that can be counted are the auto-ended ones, plus the
scheduled ones past their time that the next cleanup will delete.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np
import pandas as pd

from ..loaders import Moment
from ..schema import UTC_TIMESTAMP as TS
from ..schema import Column, Schema
from .common import in_period, minutes_between, now_utc

SYSTEM = "system"
"""``ended_by`` of a session the cleanup ended."""

DURATIONS = Schema(
    "durations",
    "completed session",
    (
        Column("session_id", "string", "the session"),
        Column("title", "string", "its title"),
        Column("type", "string", "its type"),
        Column("started_at", TS, "when it started"),
        Column("ended_at", TS, "when it ended"),
        Column("duration_minutes", "float64", "`ended_at - started_at` in minutes"),
        Column("ended_by", "string", "who ended it (`system`: auto-ended by the cleanup)"),
    ),
)

DISTRIBUTION = Schema(
    "duration_distribution",
    "duration bin",
    (
        Column("bin", "string", "the bin, `[lower, upper)` minutes"),
        Column("lower_minutes", "float64", "its lower bound (included)"),
        Column("upper_minutes", "float64", "its upper bound (excluded; `inf` for the last)"),
        Column("sessions", "Int64", "completed sessions in it"),
        Column("share", "float64", "`sessions / all completed sessions`"),
    ),
)

ABANDONED = Schema(
    "abandoned",
    "period (`freq`) with at least one session",
    (
        Column("period", TS, "the period's start (UTC)"),
        Column("sessions", "Int64", "sessions that were due in it (see `abandoned_sessions`)"),
        Column("completed", "Int64", "of those, ended by a person"),
        Column("auto_ended", "Int64", "ended by the cleanup after running too long"),
        Column("never_started", "Int64", "scheduled, past the abandon threshold, not started"),
        Column("cancelled", "Int64", "cancelled by their host"),
        Column("abandoned", "Int64", "`auto_ended + never_started`"),
        Column("abandoned_rate", "float64", "`abandoned / (sessions - cancelled)`"),
    ),
)

DEFAULT_BINS = (0, 15, 30, 45, 60, 90, 120, 180, 240, 360, np.inf)


def session_durations(sessions: pd.DataFrame) -> pd.DataFrame:
    """The length of every completed session: ``duration_minutes = ended_at - started_at``
    in minutes (a session that crosses midnight is one session, its minutes counted whole)."""
    done = sessions[sessions["started_at"].notna() & sessions["ended_at"].notna()]
    frame = done.assign(duration_minutes=minutes_between(done["started_at"], done["ended_at"]))
    return DURATIONS.coerce(frame.sort_values("started_at").reset_index(drop=True))


def duration_distribution(
    durations: pd.DataFrame, bins: tuple[float, ...] = DEFAULT_BINS
) -> pd.DataFrame:
    """How many completed sessions fall in each duration bin ``[lower, upper)`` (minutes);
    ``share`` is the fraction of all of them. For quantiles use
    ``durations["duration_minutes"].describe()``."""
    edges = np.asarray(bins, dtype="float64")
    counts, _ = np.histogram(durations["duration_minutes"].dropna(), bins=edges)
    # np.histogram closes the last bin on the right; a duration equal to a finite top edge
    # is rare and belongs to it anyway
    total = counts.sum()
    frame = pd.DataFrame(
        {
            "bin": [f"[{lo:g}, {hi:g})" for lo, hi in itertools.pairwise(edges)],
            "lower_minutes": edges[:-1],
            "upper_minutes": edges[1:],
            "sessions": counts,
            "share": counts / total if total else np.zeros(len(counts)),
        }
    )
    return DISTRIBUTION.coerce(frame)


def abandoned_sessions(
    sessions: pd.DataFrame,
    *,
    as_of: Moment = None,
    abandon_after: timedelta = timedelta(minutes=30),
) -> pd.DataFrame:
    """Each session's fate: one row per session with a boolean column per outcome.

    - ``auto_ended``: completed with ``ended_by == "system"`` (nobody ended it; the cleanup
      did after ``auto_end_active_after_hours``);
    - ``never_started``: still scheduled more than ``abandon_after`` (the server's
      ``abandon_scheduled_after_minutes``) after its scheduled time, or its creation when
      unscheduled, as of ``as_of``; the cleanup will delete it;
    - ``abandoned`` = ``auto_ended`` or ``never_started``.

    ``due_at`` (when the session was to happen) is ``started_at``, else ``scheduled_at``,
    else ``created_at``.
    """
    now = now_utc(as_of)
    reference = sessions["scheduled_at"].fillna(sessions["created_at"])
    auto_ended = (sessions["status"] == "completed") & (sessions["ended_by"] == SYSTEM)
    never_started = (sessions["status"] == "scheduled") & (reference < now - abandon_after)
    frame = sessions[["session_id", "title", "status", "ended_by"]].assign(
        due_at=sessions["started_at"].fillna(reference),
        completed=(sessions["status"] == "completed") & ~auto_ended.fillna(False),
        auto_ended=auto_ended.fillna(False),
        never_started=never_started.fillna(False),
        cancelled=sessions["status"] == "cancelled",
    )
    frame["abandoned"] = frame["auto_ended"] | frame["never_started"]
    return frame.reset_index(drop=True)


def abandoned_rate(
    sessions: pd.DataFrame,
    *,
    freq: str = "W-SUN",
    start: Moment = None,
    end: Moment = None,
    as_of: Moment = None,
    abandon_after: timedelta = timedelta(minutes=30),
) -> pd.DataFrame:
    """The abandoned-session rate per period (``freq``, a pandas offset alias: ``"D"``
    days, ``"W-SUN"`` weeks Monday to Sunday (the default), ``"MS"`` months), by ``due_at``
    in ``[start, end)``.

    ``abandoned_rate = (auto_ended + never_started) / (sessions - cancelled)``, with the
    outcomes of :func:`abandoned_sessions`; still-active sessions and scheduled ones not
    yet past the threshold count in ``sessions`` but in no outcome.
    """
    fates = abandoned_sessions(sessions, as_of=as_of, abandon_after=abandon_after)
    fates = fates[in_period(fates["due_at"], start, end)]
    period = fates["due_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period(freq)
    grouped = fates.groupby(period.dt.start_time.dt.tz_localize("UTC").rename("period"))
    frame = pd.DataFrame(
        {
            "sessions": grouped.size(),
            "completed": grouped["completed"].sum(),
            "auto_ended": grouped["auto_ended"].sum(),
            "never_started": grouped["never_started"].sum(),
            "cancelled": grouped["cancelled"].sum(),
            "abandoned": grouped["abandoned"].sum(),
        }
    )
    held = frame["sessions"] - frame["cancelled"]
    frame["abandoned_rate"] = (frame["abandoned"] / held.where(held > 0)).astype("float64")
    return ABANDONED.coerce(frame.reset_index())


def cleanup_counts(
    sessions: pd.DataFrame,
    *,
    as_of: Moment = None,
    abandon_after: timedelta = timedelta(minutes=30),
    auto_end_after: timedelta = timedelta(hours=6),
) -> pd.Series:
    """What the cleanup did and has left to do, as far as the database shows:

    - ``auto_ended``: sessions it ended (``ended_by == "system"``);
    - ``to_delete``: scheduled sessions past ``abandon_after`` with no start, that it will
      delete if they had no activity (deleted ones leave no rows, so they are not counted);
    - ``to_end``: active sessions running longer than ``auto_end_after``, that it will end.
    """
    now = now_utc(as_of)
    fates = abandoned_sessions(sessions, as_of=now, abandon_after=abandon_after)
    overdue = (sessions["status"] == "active") & (
        sessions["started_at"] < now - auto_end_after
    ).fillna(False)
    return pd.Series(
        {
            "auto_ended": int(fates["auto_ended"].sum()),
            "to_delete": int(fates["never_started"].sum()),
            "to_end": int(overdue.sum()),
        },
        name="sessions",
    )
