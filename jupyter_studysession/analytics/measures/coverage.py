"""Study notebooks: which sections of which notebooks sessions covered, for how long, and
with how many people present."""

from __future__ import annotations

import pandas as pd

from ..schema import UTC_TIMESTAMP as TS
from ..schema import Column, Schema

SECTION_COVERAGE = Schema(
    "section_coverage",
    "section (heading) of a study notebook that a session's leader went through",
    (
        Column("session_id", "string", "the session"),
        Column("notebook_path", "string", "the study notebook"),
        Column("section_index", "Int64", "which heading of the notebook (1 first; `<NA>`: none)"),
        Column("section", "string", "the heading's text"),
        Column("first_at", TS, "when the leader first got there"),
        Column("minutes", "float64", "time the leader spent under it"),
        Column("first_cell", "Int64", "the first cell reached there (index, 0 first)"),
        Column("furthest_cell", "Int64", "the furthest cell reached there"),
        Column("present", "Int64", "people present at some time while the room was there"),
    ),
)

SECTIONS_STUDIED = Schema(
    "sections_studied",
    "section of a study notebook, over all sessions",
    (
        Column("notebook_path", "string", "the study notebook"),
        Column("section_index", "Int64", "which heading (1 first; `<NA>`: none)"),
        Column("section", "string", "the heading's text"),
        Column("sessions", "Int64", "sessions that went through it"),
        Column("people", "Int64", "distinct people present while a session was there"),
        Column("minutes", "float64", "time spent there, over all sessions"),
    ),
)


SECTION = ["notebook_path", "section_index", "section"]


def _stays(places: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """The places with ``until`` (the session's next place, or its end; a session still
    running stops at its last place) and ``minutes``."""
    stays = places.sort_values(["session_id", "at"], kind="stable").copy()
    ended = stays["session_id"].map(sessions.set_index("session_id")["ended_at"])
    stays["until"] = stays.groupby("session_id")["at"].shift(-1).fillna(ended).fillna(stays["at"])
    stays["minutes"] = (stays["until"] - stays["at"]).dt.total_seconds() / 60
    return stays


def _present(stays: pd.DataFrame, intervals: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Distinct people per ``keys`` whose attendance overlaps a stay."""
    people = intervals[["session_id", "username", "joined_at", "left_at"]]
    both = stays.drop(columns="username").merge(people, on="session_id")
    left = both["left_at"].fillna(both["until"])
    both = both[(both["joined_at"] < both["until"]) & (left > both["at"])]
    return both.groupby(keys, dropna=False)["username"].nunique()


def section_coverage(
    places: pd.DataFrame, sessions: pd.DataFrame, intervals: pd.DataFrame
) -> pd.DataFrame:
    """Per session and section of its study notebook: time spent there (each place lasts
    until the session's next one, the last until the session ended), the cells reached, and
    ``present`` = people with an attendance interval overlapping a stay in that section."""
    stays = _stays(places, sessions)
    keys = ["session_id", *SECTION]
    frame = (
        stays.groupby(keys, dropna=False, sort=False)
        .agg(
            first_at=("at", "min"),
            minutes=("minutes", "sum"),
            first_cell=("cell_index", "first"),
            furthest_cell=("cell_index", "max"),
        )
        .reset_index()
    )
    present = _present(stays, intervals, keys).rename("present").reset_index()
    frame = frame.merge(present, on=keys, how="left").fillna({"present": 0})
    return SECTION_COVERAGE.coerce(frame.sort_values(["session_id", "first_at"], kind="stable"))


def sections_studied(
    places: pd.DataFrame, sessions: pd.DataFrame, intervals: pd.DataFrame
) -> pd.DataFrame:
    """Per notebook and section, over all sessions: how many sessions went through it, how
    many distinct people were present while one did, and the time spent there."""
    stays = _stays(places, sessions)
    frame = (
        stays.groupby(SECTION, dropna=False, sort=False)
        .agg(sessions=("session_id", "nunique"), minutes=("minutes", "sum"))
        .reset_index()
    )
    people = _present(stays, intervals, SECTION).rename("people").reset_index()
    frame = frame.merge(people, on=SECTION, how="left").fillna({"people": 0})
    frame = frame.sort_values(["notebook_path", "section_index"], kind="stable")
    return SECTIONS_STUDIED.coerce(frame.reset_index(drop=True))
